/**
 * Undo you can trust: a reverse that needs a secret Orbit does not have is not run with the
 * masked marker; a step whose outcome is unknown is reversed (at least once) unless it opts out;
 * a reverse that may have run is in the log; a deployment Orbit was told to stop in is retried.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import type { LogEntry } from '../../src/state/types.js';
import { ConfigRepo, Gate, Trace, execStep, traceLine } from '../support/config-repo.js';
import { waitUntil } from '../support/wait.js';

let repo: ConfigRepo;
let trace: Trace;
let gate: Gate;
let engine: Engine | undefined;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  gate = new Gate();
});

afterEach(async () => {
  gate.open(); // lets any step still waiting end
  await engine?.close();
  engine = undefined;
  repo.remove();
});

async function reopen(env: Record<string, string> = {}): Promise<Engine> {
  await engine?.close();
  engine = await openEngine({ repoDir: repo.dir, env });
  return engine;
}

/** Starts a reconcile, and asks it to stop once step `a` is running (it touches `started`). */
async function interruptDuringA(
  started: string,
): Promise<{ e: Engine; running: ReturnType<Engine['reconcile']> }> {
  const e = await reopen();
  const running = e.reconcile();
  await waitUntil('step a running', () => existsSync(started), 30_000);
  e.interrupt();
  gate.open();
  return { e, running };
}

async function entries(service = 'web'): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const { entry } of engine!.state.history({ service })) out.unshift(entry);
  return out;
}

const step = (name: string, forward: string, reverse: string | null, extra = ''): string =>
  execStep(trace, name, forward, reverse, extra);
const rec = traceLine;

/** Touches `started`, waits for the gate, then records `line`. */
const gated = (started: string, line: string) =>
  `["sh", "-c", "touch ${started}; while [ ! -e ${gate.file} ]; do sleep 0.02; done; echo ${line} >> $TRACE"]`;

function commit(steps: string[]): string {
  return repo.commit({
    'services/web/deploy.hcl': `variable "version" {}\n${steps.join('\n')}\n`,
    'services/web/values.hcl': 'version = "1"\n',
  });
}

describe('a reverse action that needs a secret Orbit does not have', () => {
  it('does not run: the unwind is blocked naming the variable, and resumes once the secret is there', async () => {
    const secret = 'pa55-w0rd-42';
    commit([
      `variable "pw" {\n  sensitive = true\n}`,
      step('a', rec('+a'), rec('-a')),
      step(
        'db',
        '["sh", "-c", "echo +db:$0 >> $TRACE", var.pw]',
        '["sh", "-c", "echo -db:$0 >> $TRACE", var.pw]',
      ),
    ]);
    await (await reopen({ ORBIT_VAR_pw: secret })).reconcile();
    expect(trace.next()).toEqual(['+a', `+db:${secret}`]);

    const blocked = await (await reopen({})).unwind('web', 'bob');
    expect(blocked.status).toBe('unwind-blocked');
    expect(blocked.error).toMatchObject({
      code: 'E_SECRET_UNAVAILABLE',
      message: expect.stringContaining('"pw"'),
    });
    // Nothing ran: not the reverse with the marker text, not the earlier step's.
    expect(trace.next()).toEqual([]);
    const [status] = await engine!.status();
    expect(status).toMatchObject({
      health: 'blocked',
      health_reason: {
        deployment: 'web-1',
        error: { code: 'E_SECRET_UNAVAILABLE' },
        run: 'orbit unwind web',
      },
    });
    expect((await entries()).at(-1)).toMatchObject({ kind: 'unwind-blocked', step_name: 'db' });

    const resumed = await (await reopen({ ORBIT_VAR_pw: secret })).unwind('web', 'bob');
    expect(resumed.status).toBe('unwound');
    expect(trace.next()).toEqual([`-db:${secret}`, '-a']);
    expect(await engine!.state.service('web')).toMatchObject({ current: null, in_flight: null });
    expect(repo.git('log', '-p', '--format=%B', 'orbit/state')).not.toContain(secret);
  });
});

describe('a step Orbit was stopped in (outcome unknown)', () => {
  /** Deploys a, then b (waits at the gate); stops the engine hard while b runs. */
  async function stopInB(bExtra = '', bReverse = rec('-b')): Promise<void> {
    const started = path.join(path.dirname(gate.file), 'b-started');
    commit([step('a', rec('+a'), rec('-a')), step('b', gated(started, '+b'), bReverse, bExtra)]);
    const e = await reopen();
    const running = e.reconcile();
    await waitUntil('step a running', () => existsSync(started), 30_000);
    e.stopNow();
    const report = await running;
    expect(report.outcomes).toMatchObject([{ deployId: 'web-1', status: 'interrupted' }]);
    const d = await e.state.deployment('web-1');
    expect(d?.steps[1]).toMatchObject({ status: 'failed', error: { code: 'E_INTERRUPTED' } });
    gate.open();
  }

  it('is reversed with the others by recovery (at least once), then the deployment is retried', async () => {
    await stopInB();
    const report = await (await reopen()).reconcile();
    expect(report.outcomes).toMatchObject([
      { kind: 'recover', deployId: 'web-1', status: 'unwound' },
      { kind: 'retry', deployId: 'web-2', status: 'succeeded' },
    ]);
    expect(trace.lines()).toEqual(['+a', '-b', '-a', '+a', '+b']);
    expect(await engine!.state.deployment('web-2')).toMatchObject({ retry_of: 'web-1' });
  });

  it('is left alone when it says in_doubt = "skip"', async () => {
    await stopInB('  in_doubt = "skip"\n');
    await (await reopen()).reconcile();
    expect(trace.lines()).toEqual(['+a', '-a', '+a', '+b']);
    const d = await engine!.state.deployment('web-1');
    expect(d?.steps[1]).toMatchObject({ status: 'failed', in_doubt: 'skip' });
  });

  it('blocks the unwind when its reverse needs outputs that were never recorded', async () => {
    await stopInB('', '["echo", step.b.output.id]');
    const report = await (await reopen()).reconcile();
    expect(report.outcomes).toMatchObject([{ kind: 'recover', status: 'unwind-blocked' }]);
    expect(report.outcomes).toHaveLength(1);
    expect(trace.lines()).toEqual(['+a']);
    const d = await engine!.state.deployment('web-1');
    expect(d).toMatchObject({ status: 'unwind-blocked', error: { code: 'E_IN_DOUBT_NEEDS_OUTPUTS' } });
    // Once a person confirms the step was undone by hand, the unwind goes on.
    expect((await engine!.unwind('web', 'bob', { inDoubtDone: true })).status).toBe('unwound');
    expect(trace.lines()).toEqual(['+a', '-a']);
  });
});

describe('a reverse action Orbit was stopped in', () => {
  it('is in the log before it runs, and runs again when the unwind goes on', async () => {
    const started = path.join(path.dirname(gate.file), 'reverse-started');
    commit([step('a', rec('+a'), rec('-a')), step('b', rec('+b'), gated(started, '-b'))]);
    const e = await reopen();
    await e.reconcile();
    const unwinding = e.unwind('web', 'bob');
    await waitUntil('step a running', () => existsSync(started), 30_000);
    e.stopNow();
    expect((await unwinding).status).toBe('unwinding');
    expect((await entries()).at(-1)).toMatchObject({ kind: 'reverse-started', step_name: 'b' });

    gate.open();
    const report = await (await reopen()).reconcile();
    expect(report.outcomes).toMatchObject([{ kind: 'recover', status: 'unwound' }]);
    expect(report.outcomes).toHaveLength(1); // an unwind is not retried
    expect(trace.lines()).toEqual(['+a', '+b', '-b', '-a']);
    const reverses = (await entries()).filter((x) => x.kind === 'reverse-started').map((x) => x.step_name);
    expect(reverses).toEqual(['b', 'b', 'a']);
  });
});

describe('a first stop request', () => {
  it('lets the running step finish and be recorded, then stops before the next one', async () => {
    const started = path.join(path.dirname(gate.file), 'a-started');
    commit([step('a', gated(started, '+a'), rec('-a')), step('b', rec('+b'), rec('-b'))]);
    const { e, running } = await interruptDuringA(started);
    expect((await running).outcomes).toMatchObject([{ status: 'interrupted' }]);
    expect(trace.next()).toEqual(['+a']);
    const d = await e.state.deployment('web-1');
    expect(d?.status).toBe('running');
    expect(d?.steps.map((s) => [s.step_name, s.status])).toEqual([['a', 'applied']]);

    const report = await (await reopen()).reconcile();
    expect(report.outcomes).toMatchObject([
      { kind: 'recover', status: 'unwound' },
      { kind: 'retry', deployId: 'web-2', status: 'succeeded' },
    ]);
    expect(trace.next()).toEqual(['-a', '+a', '+b']);
  });

  it('is not retried when a later commit changed the service meanwhile', async () => {
    const started = path.join(path.dirname(gate.file), 'a-started');
    commit([step('a', gated(started, '+a'), rec('-a')), step('b', rec('+b'), rec('-b'))]);
    await (
      await interruptDuringA(started)
    ).running;
    commit([step('a', rec('+a2'), rec('-a2'))]);
    const report = await (await reopen()).reconcile();
    expect(report.outcomes.map((o) => [o.kind, o.status])).toEqual([
      ['recover', 'unwound'],
      ['deploy', 'succeeded'],
    ]);
    expect(trace.lines()).toEqual(['+a', '-a', '+a2']);
  });

  it('is retried twice in a row at most, then waits for a person', async () => {
    const started = path.join(path.dirname(gate.file), 'a-started');
    commit([step('a', gated(started, '+a'), rec('-a')), step('b', rec('+b'), rec('-b'))]);
    const kinds: string[][] = [];
    for (let round = 0; round < 4; round++) {
      rmSync(started, { force: true });
      const e = await reopen();
      const running = e.reconcile();
      // Every round but the last has a deployment running step a: Orbit is stopped in it again.
      if (round < 3) {
        await waitUntil('step a running', () => existsSync(started), 30_000);
        e.stopNow();
      }
      kinds.push((await running).outcomes.map((o) => `${o.kind} ${o.deployId} ${o.status}`));
    }
    expect(kinds).toEqual([
      ['deploy web-1 interrupted'],
      ['recover web-1 unwound', 'retry web-2 interrupted'],
      ['recover web-2 unwound', 'retry web-3 interrupted'],
      ['recover web-3 unwound'],
    ]);
    expect(await engine!.state.deployment('web-3')).toMatchObject({ retry_of: 'web-2' });
  });
});
