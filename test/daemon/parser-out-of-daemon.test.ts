/**
 * The HCL parser (a WebAssembly module, tens of MB resident) stays out of the daemon's process:
 * config is parsed by the engine's evaluator process, notify blocks included. Here the daemon runs
 * in this process, where loading `@cdktn/hcl2json` is recorded; a deployment and its notification
 * (a block of the service's deploy.hcl and one of orbit.hcl) must not load it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ConfigRepo } from '../support/config-repo.js';
import { waitUntil } from '../support/wait.js';
import { startTestDaemon, type TestDaemon } from './helpers.js';

const loaded = vi.hoisted(() => ({ parser: 0 }));
vi.mock('@cdktn/hcl2json', async (importOriginal) => {
  loaded.parser++;
  return importOriginal();
});

const got: Array<{ path: string; body: Record<string, unknown> }> = [];
let server: http.Server;
let repo: ConfigRepo;
let d: TestDaemon;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      got.push({ path: req.url ?? '', body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
  await waitUntil('web-1 reported', () => got.length === 2);
}, 60_000);

afterAll(async () => {
  await d?.stop();
  server?.close();
  repo?.remove();
});

it('notifies from blocks parsed by the evaluator, never loading the parser in the daemon', () => {
  expect(got.map((g) => [g.path, g.body.event, g.body.deployment]).sort()).toEqual([
    ['/ops', 'succeeded', 'web-1'],
    ['/team', 'succeeded', 'web-1'],
  ]);
  expect(loaded.parser).toBe(0);
});
