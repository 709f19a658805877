/**
 * The HCL parser (a WebAssembly module, tens of MB resident) stays out of the daemon's process:
 * config is parsed by the engine's evaluator process, notify blocks included. Here the daemon runs
 * in this process, where starting the parser (src/config/hcl/hcl2json.ts, its one door) is
 * recorded; a deployment and its notification (a block of the service's deploy.hcl and one of
 * orbit.hcl), and the dashboard's preview of pending commits (a pull request's HCL, hostile
 * input), must not start it.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type * as Parser from '../../src/config/hcl/hcl2json.js';
import { ConfigRepo, Gate, gatedService, Trace, values } from '../support/config-repo.js';
import { waitUntil } from '../support/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

const loaded = vi.hoisted(() => ({ parser: 0 }));
vi.mock('../../src/config/hcl/hcl2json.js', async (importOriginal) => {
  const real = await importOriginal<typeof Parser>();
  return {
    ...real,
    hcl2json: () => {
      loaded.parser++;
      return real.hcl2json();
    },
  };
});

const gate = new Gate();
let hook: WebhookReceiver;
let repo: ConfigRepo;
let d: TestDaemon;

beforeAll(async () => {
  hook = await startWebhookReceiver();
  const url = hook.url;
  repo = new ConfigRepo();
  repo.commit({
    'orbit.hcl': `notify "ops" {\n  type   = "webhook"\n  url    = "${url}/ops"\n  events = ["succeeded"]\n}\n`,
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
    'services/slow/deploy.hcl': gatedService(new Trace(), gate),
    'services/slow/values.hcl': values('1'),
  });
  d = await startTestDaemon({ repo: repo.dir });
  await waitUntil('web-1 reported', () => hook.got.length === 2);
}, 60_000);

afterAll(async () => {
  gate.open();
  await d?.stop();
  await hook?.close();
  repo?.remove();
});

it('notifies from blocks parsed by the evaluator, never loading the parser in the daemon', () => {
  expect(hook.got.map((g) => [g.path, g.body.event, g.body.deployment]).sort()).toEqual([
    ['/ops', 'succeeded', 'web-1'],
    ['/team', 'succeeded', 'web-1'],
  ]);
  expect(loaded.parser).toBe(0);
});

it("previews the commits queued behind a deployment through the evaluator, never the daemon's parser", async () => {
  await waitFor('slow-1 running', async () => (await d.engine.state.service('slow'))?.in_flight === 'slow-1');
  const next = repo.commit({ 'services/slow/values.hcl': values('2') }, 'slow to 2');
  await d.sync.trigger('test');
  const pending = await waitFor('a pending commit', async () => {
    const r = await api(d, 'GET', '/api/services/slow/pending');
    return r.body.commits?.length === 1 ? r.body : null;
  });
  expect(pending.commits[0].sha).toBe(next);
  expect(pending.commits[0].jobs[0]).toMatchObject({ action: 'deploy', predicted: 'slow-2' });
  expect(loaded.parser).toBe(0);
});
