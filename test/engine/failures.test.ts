import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { ConfigRepo, Trace, execStep, traceLine } from '../support/config-repo.js';

let repo: ConfigRepo;
let trace: Trace;
let engine: Engine | undefined;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
});

afterEach(async () => {
  await engine?.close();
  engine = undefined;
  repo.remove();
});

const step = (name: string, forward: string, reverse: string | null, extra = ''): string =>
  execStep(trace, name, forward, reverse, extra);
const rec = traceLine;

async function deploy(steps: string[], env: Record<string, string> = {}) {
  repo.commit({
    'services/web/deploy.hcl': `variable "version" {}\n${steps.join('\n')}\n`,
    'services/web/values.hcl': 'version = "1"\n',
  });
  engine = await openEngine({ repoDir: repo.dir, env });
  return engine.reconcile();
}

describe('failures', () => {
  it('kills a hanging step at its timeout and unwinds', async () => {
    const report = await deploy([
      step('a', rec('+a'), rec('-a')),
      step('hang', '["sleep", "30"]', rec('-hang'), '  timeout = "1s"\n'),
    ]);
    expect(report.outcomes).toMatchObject([{ deployId: 'web-1', status: 'failed' }]);
    expect(trace.lines()).toEqual(['+a', '-a']);
    const d = await engine!.state.deployment('web-1');
    expect(d?.steps[1]).toMatchObject({ status: 'failed', error: { code: 'E_AGENT_TIMEOUT' } });
    expect(d?.steps[1]?.duration_ms).toBeLessThan(10_000);
  });

  it('fails a step whose agent cannot start, with a clear error in the log', async () => {
    const report = await deploy([step('a', rec('+a'), rec('-a')), step('b', '["/no/such/binary"]', null)]);
    expect(report.outcomes).toMatchObject([{ status: 'failed' }]);
    expect(trace.lines()).toEqual(['+a', '-a']);
    const d = await engine!.state.deployment('web-1');
    expect(d?.steps[1]?.error?.code).toBe('E_AGENT_START');
  });

  it('a step without a reverse action is a recorded no-op on unwind', async () => {
    await deploy([step('a', rec('+a'), rec('-a')), step('notify', rec('+notify'), null)]);
    const d = await engine!.unwind('web', 'bob');
    expect(d.status).toBe('unwound');
    expect(trace.lines()).toEqual(['+a', '+notify', '-a']);
    expect(d.steps.map((s) => s.status)).toEqual(['reversed', 'reversed']);
    expect(await engine!.state.stepLog('web-1', 1)).toContain('no reverse action');
  });

  it('stops an unwind at a failing reverse action and leaves it visible for a human', async () => {
    await deploy([
      step('a', rec('+a'), rec('-a')),
      step('b', rec('+b'), '["sh", "-c", "echo cannot >&2; exit 3"]'),
      step('c', rec('+c'), rec('-c')),
    ]);
    const d = await engine!.unwind('web', 'bob');
    expect(d.status).toBe('unwind-failed');
    expect(trace.lines()).toEqual(['+a', '+b', '+c', '-c']);
    expect(d.steps.map((s) => s.status)).toEqual(['applied', 'reverse-failed', 'reversed']);
    const view = await engine!.state.service('web');
    expect(view).toMatchObject({ current: 'web-1', in_flight: null });
    const [status] = await engine!.status();
    expect(status?.current?.status).toBe('unwind-failed');
  });

  it('never writes a sensitive value to the state branch, yet replays it on unwind', async () => {
    const secret = 's3cr3t-Pa55';
    await deploy(
      [
        `variable "db_password" {\n  sensitive = true\n}`,
        step(
          'db',
          '["sh", "-c", "echo +db:$0 >> $TRACE", var.db_password]',
          '["sh", "-c", "echo -db:$0 >> $TRACE", var.db_password]',
        ),
        step(
          'say',
          `["sh", "-c", "echo password is ${'$'}{var.db_password}; echo out=${'$'}{var.db_password} >> $ORBIT_OUTPUT"]`,
          null,
        ),
      ],
      { ORBIT_VAR_db_password: secret },
    );
    await engine!.unwind('web', 'bob');
    expect(trace.lines()).toEqual([`+db:${secret}`, `-db:${secret}`]);
    // Every object reachable from the state branch, and every message.
    const everything =
      repo.git('log', '-p', '--format=%B', 'orbit/state') + repo.git('grep', '-I', '-e', '.', 'orbit/state');
    expect(everything).toContain('(sensitive:db_password)');
    expect(everything).not.toContain(secret);
    const d = await engine!.state.deployment('web-1');
    expect(JSON.stringify(d)).not.toContain(secret);
  });
});

describe('reverse actions rendered once the forward action has run', () => {
  it('can use the step’s own outputs, and are recorded as rendered', async () => {
    const report = await deploy([
      step(
        'bump',
        '["sh", "-c", "echo previous=41 >> $ORBIT_OUTPUT; echo +bump >> $TRACE"]',
        '["sh", "-c", "echo -bump:$0 >> $TRACE", step.bump.output.previous]',
      ),
    ]);
    expect(report.outcomes).toMatchObject([{ status: 'succeeded' }]);
    const d = await engine!.state.deployment('web-1');
    expect(d?.steps[0]?.reverse_action?.args).toEqual(['sh', '-c', 'echo -bump:$0 >> $TRACE', '41']);
    await engine!.unwind('web', 'bob');
    expect(trace.lines()).toEqual(['+bump', '-bump:41']);
  });

  it('a reverse action that cannot be rendered fails the step and unwinds the others', async () => {
    const report = await deploy([
      step('a', rec('+a'), rec('-a')),
      step('b', rec('+b'), '["echo", step.b.output.missing]'),
    ]);
    expect(report.outcomes).toMatchObject([{ status: 'failed' }]);
    expect(trace.lines()).toEqual(['+a', '+b', '-a']);
    const d = await engine!.state.deployment('web-1');
    expect(d?.steps[1]?.status).toBe('failed');
    expect(d?.steps[1]?.error?.message).toMatch(/reverse action could not be rendered/);
  });
});

describe('agent errors that quote a secret', () => {
  it('are masked before they reach the log', async () => {
    const secret = 'no-such-binary-s3cret';
    const report = await deploy([`variable "pw" {\n  sensitive = true\n}`, step('start', '[var.pw]', null)], {
      ORBIT_VAR_pw: secret,
    });
    expect(report.outcomes).toMatchObject([{ status: 'failed', error: { code: 'E_AGENT_START' } }]);
    expect(JSON.stringify(report)).not.toContain(secret);
    const d = await engine!.state.deployment('web-1');
    expect(d?.steps[0]?.error).toMatchObject({
      code: 'E_AGENT_START',
      message: expect.stringContaining('(sensitive:pw)'),
    });
    expect(repo.git('log', '-p', '--format=%B', 'orbit/state')).not.toContain(secret);
  });
});
