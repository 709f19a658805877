/**
 * Which blocks apply: a service's own block in its deploy.hcl, the parent's blocks for a rejected
 * commit (a commit cannot silence the report of its own rejection), and `degraded` when the daemon
 * cannot follow its branch. A real daemon, real receivers on loopback.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import { ConfigRepo } from '../support/config-repo.js';
import { waitUntil } from '../support/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { API_TOKEN, startNotifyDaemon, type NotifyDaemon } from './helpers.js';

let hook: WebhookReceiver;
let url: string;
let repo: ConfigRepo;
let d: NotifyDaemon;

const at = (p: string) => hook.got.filter((g) => g.path === p).map((g) => g.body);

beforeAll(async () => {
  hook = await startWebhookReceiver();
  url = hook.url;
  repo = new ConfigRepo();
  repo.commit({
    'orbit.hcl': `notify "ops" {\n  type   = "webhook"\n  url    = "${url}/ops"\n  events = ["failed", "degraded"]\n}\n`,
    'services/web/deploy.hcl': `step {
  name    = "a"
  agent   = "exec"
  forward = ["true"]
}
notify "team" {
  type   = "webhook"
  url    = "${url}/team"
  events = ["succeeded"]
}
`,
  });
  d = await startNotifyDaemon(repo.dir, {});
  await waitUntil('web-1 reported to its team', () => at('/team').length === 1);
}, 60_000);

afterAll(async () => {
  await d?.daemon.stop();
  await hook?.close();
  repo?.remove();
});

it("sends a service's own deploy.hcl block for that service", () => {
  expect(at('/team')).toEqual([
    expect.objectContaining({ event: 'succeeded', service: 'web', deployment: 'web-1' }),
  ]);
});

it('tells its subscribers when an ack step waits for approval', async () => {
  repo.commit({
    'services/gate/deploy.hcl': `step {
  name      = "approve"
  agent     = "ack"
  approvers = ["alice"]
  timeout   = "60s"
}
notify "approvers" {
  type   = "webhook"
  url    = "${url}/approvers"
  events = ["waiting-approval"]
}
`,
  });
  const [waiting] = await waitUntil(
    'the wait reported',
    () => at('/approvers').length > 0 && at('/approvers'),
  );
  expect(waiting).toMatchObject({
    event: 'waiting-approval',
    service: 'gate',
    deployment: 'gate-1',
    step: 'approve',
  });
  expect(waiting!.message).toBe('gate-1: step approve waits for approval (orbit ack gate-1)');
  const res = await fetch(`${d.daemon.url}/api/deployments/gate-1/ack`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ author: 'alice' }),
  });
  expect(res.status).toBe(200);
  await waitUntil('gate-1 deployed', () =>
    d.entries.some((e) => e.kind === 'deploy-succeeded' && e.deploy_id === 'gate-1'),
  );
});

it('reports a rejected commit to the blocks of its parent, even when it removes them', async () => {
  repo.commit(
    { 'orbit.hcl': '# notifications off\n', 'services/web/deploy.hcl': 'step {\n  name = \n' },
    'break web',
  );
  const [rejected] = await waitUntil(
    'the rejection reported',
    () => at('/ops').filter((b) => b.event === 'failed').length > 0 && at('/ops'),
  );
  expect(rejected).toMatchObject({
    event: 'failed',
    service: 'web',
    entry_kind: 'commit-rejected',
    error: expect.stringMatching(/^E_CONFIG_INVALID/),
  });
});

it('sends degraded when the daemon cannot follow its branch', async () => {
  // Rewriting the branch under the cursor stops the sync loop (E_CONFIG_REWRITTEN).
  repo.git('reset', '-q', '--hard', 'HEAD~1');
  repo.git('commit', '-q', '--amend', '-m', 'rewritten history');
  const degraded = await waitUntil('degraded reported', () => at('/ops').find((b) => b.event === 'degraded'));
  expect(degraded.error).toMatch(/^E_CONFIG_REWRITTEN/);
  expect(degraded.service).toBe('');
});

it('makes orbit validate report a bad notify url at its position (exit 1, no stack trace)', async () => {
  const bad = new ConfigRepo();
  try {
    bad.write('orbit.hcl', 'notify "ops" {\n  type = "slack"\n  url  = "hooks.slack.com/x"\n}\n');
    bad.write(
      'services/web/deploy.hcl',
      'step {\n  name    = "a"\n  agent   = "exec"\n  forward = ["true"]\n}\n',
    );
    const r = await orbit(['validate'], { cwd: bad.dir });
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toMatch(
      /orbit\.hcl:3:11: .*notify "ops": url "hooks\.slack\.com\/x" is not a valid URL/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  } finally {
    bad.remove();
  }
});
