/**
 * A stand-in for Orbit's process in spawn-helper.test.ts: starts the spawn helper, runs one exec
 * step (`sh -c "$DRIVER_SCRIPT"`) through it, stops it on SIGINT as the CLI does, and prints
 * `helper <pid>`, then `result <json>` once the step is over.
 */
import { ExecAgent } from '../../src/agents/exec-agent.js';
import { startSpawnHelper } from '../../src/agents/spawn-helper.js';
import { context, invocation } from './helpers.js';

const helper = await startSpawnHelper();
console.log(`helper ${helper}`);
const ac = new AbortController();
process.on('SIGINT', () => ac.abort());
const r = await new ExecAgent({ killGraceMs: 500, spawnVia: 'helper' }).run(
  invocation({ args: ['sh', '-c', process.env.DRIVER_SCRIPT ?? 'true'] }),
  context({ signal: ac.signal }),
);
console.log(`result ${JSON.stringify(r)}`);
