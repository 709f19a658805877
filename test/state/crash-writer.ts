// Appends entries in a loop until killed; prints each sha once the append returned.
// With `batch` as the second argument, each deployment is one appendAll of four entries.
import { openStateLog, type LogEntry } from '../../src/state/index.js';
import { entry } from './helpers.js';

const dir = process.argv[2] ?? '';
const batch = process.argv[3] === 'batch';
const log = await openStateLog({ dir });
process.stdout.write('open\n');
for (let i = 1; ; i++) {
  const id = `crash-${i}`;
  const step = { service_id: 'crash', deploy_id: id, step_index: 0, step_name: 'a' };
  const applied = entry('step-applied', { ...step, log: 'x'.repeat(5000) });
  const started = entry('deploy-started', { service_id: 'crash', deploy_id: id, step_count: 1 });
  if (batch) {
    const all: LogEntry[] = [started, entry('step-started', step), applied, entry('deploy-succeeded', step)];
    const shas = await log.appendAll(all);
    process.stdout.write(`${shas[shas.length - 1]}\n`);
    continue;
  }
  await log.append(started);
  const sha = await log.append(applied);
  process.stdout.write(`${sha}\n`);
}
