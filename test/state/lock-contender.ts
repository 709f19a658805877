// Waits for a line on stdin, then tries to take the writer lock once; prints `got` or the error's
// code, holds a won lock until stdin closes, then releases it. lock.test.ts races these: loading
// takes a varying time, so they are started first and all told to go at once.
import { acquireWriterLock } from '../../src/state/lock.js';

const [dir = '', name = ''] = process.argv.slice(2);
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  acquireWriterLock(dir, name).then(
    (lock) => {
      process.stdout.write('got\n');
      process.stdin.on('end', () => void lock.release().then(() => process.exit(0)));
    },
    (err: unknown) => {
      process.stdout.write(`${(err as { code?: string }).code ?? String(err)}\n`);
      process.exit(0);
    },
  );
});
