/**
 * The HCL parser (a WebAssembly module, tens of MB resident) stays out of the daemon's process:
 * config is parsed by the engine's evaluator process, notify blocks included. Here the daemon runs
 * in this process, where starting the parser (src/config/hcl/hcl2json.ts, its one door) is
 * recorded; a deployment and its notification (a block of the service's deploy.hcl and one of
 * orbit.hcl) must not start it.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type * as Parser from '../../src/config/hcl/hcl2json.js';
import { ConfigRepo } from '../support/config-repo.js';
import { waitUntil } from '../support/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { startTestDaemon, type TestDaemon } from './helpers.js';

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
  });
  d = await startTestDaemon({ repo: repo.dir });
  await waitUntil('web-1 reported', () => hook.got.length === 2);
}, 60_000);

afterAll(async () => {
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
