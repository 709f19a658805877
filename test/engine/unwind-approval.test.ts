/**
 * `schedule { unwind_approval = true }` with a controllable clock (the engine's `now`): an unwind
 * asked for while the window is closed waits for an approval through the ack broker; inside the
 * window, and for a failure's own unwind, nothing waits. Real repositories, real steps (the
 * trace file proves what was reversed when), the real state branch.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AckBroker } from '../../src/agents/ack-broker.js';
import type { Engine } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import type { LogEntry } from '../../src/state/types.js';
import { ConfigRepo, Trace, execStep, traceLine } from '../support/config-repo.js';
import { waitUntil } from '../support/wait.js';

let repo: ConfigRepo;
let trace: Trace;
let engine: Engine | undefined;
let clock: Date;
let acks: AckBroker;

const OPEN = new Date('2026-12-01T10:00:00Z'); // a Tuesday, 11:00 in Berlin
const CLOSED = new Date('2026-12-01T18:00:00Z'); // 19:00 in Berlin

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  clock = OPEN;
  acks = new AckBroker();
});

afterEach(async () => {
  await engine?.close();
  engine = undefined;
  repo.remove();
});

const ORBIT_HCL = `schedule {
  timezone        = "Europe/Berlin"
  allow           = ["* 10-16 * * 1-5"]
  unwind_approval = true
}
`;

const service = (steps: string) => ({ 'orbit.hcl': ORBIT_HCL, 'services/web/deploy.hcl': steps });
const oneStep = () => execStep(trace, 'deploy', traceLine('+v1'), traceLine('-v1'));

async function open(observe?: (e: LogEntry) => void): Promise<Engine> {
  engine = await openEngine({ repoDir: repo.dir, now: () => clock, acks, observe });
  return engine;
}

const headlines = () => repo.git('log', '--reverse', '--format=%s', 'orbit/state').split('\n');

it('closed window: `unwind` waits for an approval (not from who asked), and runs once approved', async () => {
  repo.commit(service(oneStep()));
  const e = await open();
  await e.reconcile();
  expect((await e.state.deployment('web-1'))?.status).toBe('succeeded');

  clock = CLOSED;
  const unwound = e.unwind('web', 'bob');
  const waiter = await waitUntil('the unwind waiting', () => acks.waiting('web-1'));
  expect(waiter).toMatchObject({ unwind: true, stepName: 'unwind' });
  expect(trace.lines(), 'nothing reversed before the approval').toEqual(['+v1']);
  expect(await e.state.deployment('web-1')).toMatchObject({
    status: 'succeeded',
    unwind_approval: { state: 'waiting', author: 'bob' },
  });
  const [web] = await e.status();
  expect(web).toMatchObject({ health: 'waiting-approval' });
  expect(web!.health_reason).toMatchObject({ run: 'orbit ack web-1', approval: { excluded: ['bob'] } });

  await expect(e.ack('web-1', 'bob')).rejects.toMatchObject({ code: 'E_SELF_APPROVAL' });
  expect(trace.lines()).toEqual(['+v1']);
  await e.ack('web-1', 'alice');
  expect((await unwound).status).toBe('unwound');
  expect(trace.lines()).toEqual(['+v1', '-v1']);
  expect(await e.state.deployment('web-1')).toMatchObject({
    unwind_approval: { state: 'approved', by: 'alice' },
  });
  const log = headlines();
  const waiting = log.findIndex((l) =>
    /^web-1: unwind by bob waits for an approval \(user outside the window/.test(l),
  );
  const approved = log.indexOf('web-1: unwind approved by alice');
  const started = log.findIndex((l) => l.startsWith('web-1: unwind started'));
  expect(waiting).toBeGreaterThan(-1);
  expect(approved).toBeGreaterThan(waiting);
  expect(started).toBeGreaterThan(approved);
});

it('open window: `unwind` runs at once', async () => {
  repo.commit(service(oneStep()));
  const e = await open();
  await e.reconcile();
  expect((await e.unwind('web', 'bob')).status).toBe('unwound');
  expect(trace.lines()).toEqual(['+v1', '-v1']);
  expect(headlines().some((l) => l.includes('waits for an approval'))).toBe(false);
});

it("a failed step's unwind in a closed window runs at once", async () => {
  repo.commit(
    service(`${execStep(trace, 'first', traceLine('+first'), traceLine('-first'))}
step {
  name    = "second"
  agent   = "exec"
  forward = ["false"]
}
`),
  );
  // The window closes while the deployment runs: after its first step.
  const e = await open((entry) => {
    if (entry.kind === 'step-applied') clock = CLOSED;
  });
  await e.reconcile();
  expect((await e.state.deployment('web-1'))?.status).toBe('failed');
  expect(trace.lines()).toEqual(['+first', '-first']);
  expect(headlines().some((l) => l.includes('waits for an approval'))).toBe(false);
});
