// Appends entries in a loop until killed; prints each sha once the append returned.
import { openStateLog } from '../../src/state/index.js';
import { entry } from './helpers.js';

const dir = process.argv[2] ?? '';
const log = await openStateLog({ dir });
process.stdout.write('open\n');
for (let i = 1; ; i++) {
  const id = `crash-${i}`;
  await log.append(entry('deploy-started', { service_id: 'crash', deploy_id: id, step_count: 1 }));
  const sha = await log.append(
    entry('step-applied', {
      service_id: 'crash',
      deploy_id: id,
      step_index: 0,
      step_name: 'a',
      log: 'x'.repeat(5000),
    }),
  );
  process.stdout.write(`${sha}\n`);
}
