/**
 * The engine checks every step of a commit against its agent's parameter contract before any step
 * runs: a commit with a step its agent would refuse is rejected, and nothing of it runs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import type { LogEntry } from '../../src/state/types.js';
import { ConfigRepo, Trace } from '../support/config-repo.js';

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

const first = (name: string) => `step {
  name    = "${name}"
  agent   = "exec"
  forward = ["sh", "-c", "echo +${name} >> $TRACE"]
  reverse = ["sh", "-c", "echo -${name} >> $TRACE"]
  env     = { TRACE = "${trace.file}" }
}`;

async function entries(): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const h of engine!.state.history({})) out.push(h.entry);
  return out.reverse();
}

describe('the engine and agent contracts', () => {
  it('refuses a commit whose http step has a URL that is not http(s): no step runs', async () => {
    repo.commit({
      'services/web/deploy.hcl': `variable "hook" {}
${first('migrate')}
step {
  name    = "notify"
  agent   = "http"
  forward = ["POST", var.hook]
}
`,
      'services/web/values.hcl': 'hook = "ftp://chat.example.com/hook"\n',
    });
    engine = await openEngine({ repoDir: repo.dir });
    const report = await engine.reconcile();
    expect(report.outcomes).toMatchObject([{ service: 'web', status: 'rejected', deployId: null }]);
    expect(report.outcomes[0]?.error?.message).toMatch(
      /^services\/web\/deploy\.hcl:12:3: .*\[E_BAD_ATTRIBUTE\]$/,
    );
    expect(trace.lines()).toEqual([]);
    const kinds = (await entries()).map((e) => e.kind);
    expect(kinds).not.toContain('deploy-started');
    expect(kinds).toContain('commit-rejected');
  });

  it('refuses a step with a misspelt attribute instead of deploying it without a reverse', async () => {
    repo.commit({
      'services/web/deploy.hcl': `step {
  name    = "release"
  agent   = "exec"
  forward = ["sh", "-c", "echo +release >> $TRACE"]
  revrese = ["sh", "-c", "echo -release >> $TRACE"]
  env     = { TRACE = "${trace.file}" }
}
`,
    });
    engine = await openEngine({ repoDir: repo.dir });
    const report = await engine.reconcile();
    expect(report.outcomes).toMatchObject([{ status: 'rejected', error: { code: 'E_CONFIG_INVALID' } }]);
    expect(report.outcomes[0]?.error?.message).toContain('did you mean "reverse"?');
    expect(trace.lines()).toEqual([]);
  });

  it('logs a commit-rejected entry for a directory that is no service name and deploys the others', async () => {
    const bad = 'x'.repeat(101);
    const deploy = (name: string) => `${first(name)}\n`;
    repo.commit({
      'services/web/deploy.hcl': deploy('web'),
      'services/-dash/deploy.hcl': deploy('dash'),
      [`services/${bad}/deploy.hcl`]: deploy('long'),
    });
    engine = await openEngine({ repoDir: repo.dir });
    const report = await engine.reconcile();
    const byService = Object.fromEntries(report.outcomes.map((o) => [o.service, o]));
    expect(byService.web).toMatchObject({ status: 'succeeded' });
    expect(byService['-dash']).toMatchObject({ status: 'rejected' });
    expect(byService[bad]).toMatchObject({ status: 'rejected' });
    expect(trace.lines()).toEqual(['+web']);
    const rejected = (await entries()).filter((e) => e.kind === 'commit-rejected');
    expect(rejected.map((e) => e.error?.message).sort()).toEqual([
      expect.stringMatching(/^services\/-dash\/deploy\.hcl:1:1: .*\[E_UNSAFE_SERVICE_NAME\]$/),
      expect.stringMatching(new RegExp(`^services/${bad}/deploy\\.hcl:1:1: .*\\[E_UNSAFE_SERVICE_NAME\\]$`)),
    ]);
    expect(rejected.every((e) => e.service_id === '')).toBe(true);
    // The log stays readable: a second run finds nothing new and the web service is deployed.
    expect((await engine.reconcile()).outcomes).toEqual([]);
    expect((await engine.state.service('web'))?.current).toBe('web-1');
  });
});
