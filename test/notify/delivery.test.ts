/**
 * Notifications from a real daemon to real receivers on loopback: a Slack-compatible incoming
 * webhook, a signed generic webhook (the signature checked as docs/notifications.md says), an exec
 * target, a receiver that keeps failing (retried, then recorded once), one that refuses (4xx: not
 * retried), and one that never answers (the deployment does not wait for it).
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.js';
import type { LogEntry } from '../../src/state/types.js';
import { ConfigRepo } from '../support/config-repo.js';
import { orbit } from '../support/cli.js';
import { waitUntil } from '../support/wait.js';
import { API_TOKEN, startNotifyDaemon } from './helpers.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
}

/** Answers each request with `status(path)`; `hold` paths are never answered (until close). */
async function receiver(status: (p: string) => number | 'hold') {
  const got: Received[] = [];
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      const s = status(req.url ?? '');
      if (s === 'hold') held.push(res);
      else res.writeHead(s).end('echo ' + Buffer.concat(chunks).toString('utf8'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    got,
    held,
    at: (p: string) => got.filter((g) => g.path === p),
    close: () => {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const KEY = 'hmac-key-5b2e91';
const PASSWORD = 'hunter2-sensitive';
/** The token in a Slack-style URL: it must never reach the state branch, logs or /healthz. */
const URL_TOKEN = 'XXXXslacktokenXXXX';

let repo: ConfigRepo;
let rx: Awaited<ReturnType<typeof receiver>>;
let daemon: Daemon;
let entries: LogEntry[];
let logs: Array<Record<string, unknown>>;
let execOut: string;

beforeAll(async () => {
  rx = await receiver((p) =>
    p.startsWith('/flaky') ? 503 : p.startsWith('/gone') ? 410 : p.startsWith('/slow') ? 'hold' : 200,
  );
  execOut = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-notify-exec-')), 'events.jsonl');
  repo = new ConfigRepo();
  repo.commit({
    'orbit.hcl': `
notify "chat" {
  type   = "slack"
  url    = "${rx.url}/slack"
  events = ["started", "succeeded", "failed", "unwound"]
}
notify "audit" {
  type       = "webhook"
  url        = "${rx.url}/audit"
  secret_env = "AUDIT_KEY"
  message    = "\${event.service} \${event.version}: \${event.event}\${event.error != "" ? " (\${event.error})" : ""}"
}
notify "script" {
  type    = "exec"
  command = ["sh", "-c", "cat >> ${execOut}; echo >> ${execOut}"]
  events  = ["failed"]
}
notify "flaky" {
  type   = "webhook"
  url    = "${rx.url}/flaky"
  events = ["started", "succeeded", "failed"]
}
notify "gone" {
  type   = "slack"
  url    = "${rx.url}/gone/services/T000/B000/${URL_TOKEN}"
  events = ["started", "succeeded"]
}
notify "slow" {
  type     = "webhook"
  url      = "${rx.url}/slow"
  events   = ["started"]
  services = ["w*"]
}
notify "elsewhere" {
  type     = "webhook"
  url      = "${rx.url}/elsewhere"
  services = ["api-*"]
}
`,
    'services/web/deploy.hcl': `
variable "version" {}
variable "password" { sensitive = true }
step {
  name    = "release"
  agent   = "exec"
  forward = ["sh", "-c", "test \\"$ORBIT_VAR_version\\" != 2 || { echo \\"bad password $ORBIT_VAR_password\\" >&2; exit 7; }"]
}
`,
    'services/web/values.hcl': 'version = "1"\n',
  });
  const env = {
    ORBIT_VAR_password: PASSWORD,
    AUDIT_KEY: KEY,
    ORBIT_NOTIFY_RETRIES: '2',
    ORBIT_NOTIFY_BACKOFF_MS: '20',
    ORBIT_DASHBOARD_URL: 'https://orbit.example.com/',
  };
  ({ daemon, entries, logs } = await startNotifyDaemon(repo.dir, env));
  await waitUntil('web-1 deployed', () => entries.some((e) => e.kind === 'deploy-succeeded'));
  repo.commit({ 'services/web/values.hcl': 'version = "2"\n' }, 'web 2');
  await waitUntil('web-2 unwound', () => entries.some((e) => e.kind === 'deploy-unwound'));
  // Every target has had its deliveries: web-1 and web-2 each started; web-2 failed and unwound.
  await waitUntil('deliveries settled', async () => {
    const h = (await (await fetch(`${daemon.url}/healthz`)).json()) as {
      notify: Record<string, { given_up: number }>;
    };
    return rx.at('/audit').length >= 6 && h.notify.flaky?.given_up === 4 && h.notify.gone?.given_up === 3;
  });
  await waitUntil(
    'the exec target ran',
    () => existsSync(execOut) && readFileSync(execOut, 'utf8').includes('"failed"'),
  );
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await rx?.close();
  repo?.remove();
});

const json = (r: Received): Record<string, unknown> => JSON.parse(r.raw) as Record<string, unknown>;

describe('notify targets', () => {
  it('sends Slack messages with blocks: service, version, who, what failed, and a dashboard link', () => {
    const events = rx.at('/slack').map(json);
    expect(events.map((e) => (e.text as string).split(':')[0])).toEqual([
      'web-1',
      'web-1',
      'web-2',
      'web-2',
      'web-2',
    ]);
    const failed = events.find((e) => (e.text as string).includes('failed'))!;
    const blocks = failed.blocks as Array<Record<string, unknown>>;
    const fields = (blocks[1]!.fields as Array<{ text: string }>).map((f) => f.text);
    expect(fields).toContain('*Service*\nweb');
    expect(fields).toContain('*Version*\n2');
    // Slack's control characters are escaped: the author's <email> is no link or mention.
    expect(fields).toContain('*Who*\nAnn Operator &lt;ann@example.com&gt;');
    expect(fields.find((f) => f.startsWith('*What failed*'))).toMatch(/E_STEP_FAILED/);
    expect(blocks[2]).toMatchObject({
      type: 'actions',
      elements: [{ type: 'button', url: 'https://orbit.example.com/api/deployments/web-2' }],
    });
  });

  it('signs generic webhooks with HMAC-SHA256 of the raw body, as documented', () => {
    const got = rx.at('/audit');
    expect(got.length).toBeGreaterThanOrEqual(5);
    for (const r of got) {
      const expected = 'sha256=' + createHmac('sha256', KEY).update(r.raw).digest('hex');
      expect(r.headers['x-orbit-signature-256']).toBe(expected);
      expect(r.headers['x-orbit-event']).toBe(json(r).event);
    }
    const failed = got.map(json).find((e) => e.event === 'failed')!;
    expect(failed).toMatchObject({
      service: 'web',
      deployment: 'web-2',
      version: '2',
      step: 'release',
      entry_kind: 'step-failed',
      link: 'https://orbit.example.com/api/deployments/web-2',
    });
    expect(failed.message).toMatch(/^web 2: failed \(E_STEP_FAILED/);
    // A target without `events` hears every event: here the hold the failure put on the service.
    expect(got.map(json).map((e) => e.event)).toEqual([
      'started',
      'succeeded',
      'started',
      'failed',
      'held',
      'unwound',
    ]);
  });

  it('runs exec targets with the event as JSON on stdin', () => {
    const lines = readFileSync(execOut, 'utf8').split('\n').filter(Boolean);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ event: 'failed', service: 'web', deployment: 'web-2' }),
    ]);
  });

  it('sends only to targets whose service globs match', () => {
    expect(rx.at('/elsewhere')).toEqual([]);
    expect(rx.at('/slow').length).toBeGreaterThanOrEqual(1);
  });
});

describe('delivery never hurts a deployment', () => {
  it('deploys while a receiver holds its request unanswered', () => {
    // The slow target still holds web-1's "started": it is retried only after that request ends.
    expect(rx.held.length).toBeGreaterThanOrEqual(1);
    expect(entries.filter((e) => e.kind === 'deploy-succeeded').map((e) => e.deploy_id)).toEqual(['web-1']);
  });

  it('retries a failing receiver with back-off, then gives up, recorded once on the state branch', async () => {
    // 4 events (web-1 started and succeeded, web-2 started and failed) x (1 attempt + 2 retries).
    expect(rx.at('/flaky').length).toBe(12);
    // Each notification keeps its delivery id through its retries, so a receiver can drop duplicates.
    const ids = rx.at('/flaky').map((r) => r.headers['x-orbit-delivery']);
    expect(new Set(ids).size).toBe(4);
    expect(ids.slice(0, 3).every((id) => id === ids[0])).toBe(true);
    const recorded = repo
      .git('log', '--format=%s', 'orbit/state')
      .split('\n')
      .filter((s) => s.startsWith('notify flaky'));
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatch(/gave up/);
    const health = (await (await fetch(`${daemon.url}/healthz`)).json()) as {
      notify: Record<string, { given_up: number; failing: { status: number } | null; delivered: number }>;
    };
    expect(health.notify.flaky).toMatchObject({ given_up: 4, delivered: 0, failing: { status: 503 } });
    expect(health.notify.chat).toMatchObject({ given_up: 0, failing: null });
    // `orbit status` asks the running daemon (reads need a token), and names the failing targets.
    const status = await orbit(['status'], { cwd: repo.dir, env: { ORBIT_TOKEN: API_TOKEN } });
    expect(status.stdout).toMatch(
      /notify flaky: failing since \S+ \(the receiver answered 503; 4 given up\)/,
    );
    expect(status.stdout).toMatch(/notify gone: failing since \S+ \(the receiver answered 410; 3 given up\)/);
    expect(status.stdout).not.toMatch(/notify chat/);
  });

  it('does not retry a receiver that answers 4xx, and logs it once per event with its status', () => {
    expect(rx.at(`/gone/services/T000/B000/${URL_TOKEN}`).length).toBe(3);
    const warned = logs.filter((l) => l.notify === 'gone');
    expect(warned).toHaveLength(3);
    expect(warned.every((l) => l.status === 410 && l.attempts === 1)).toBe(true);
  });

  it('keeps secrets out of payloads, the state branch, logs and /healthz', async () => {
    const state = repo.git('log', '-p', 'orbit/state');
    const health = await (await fetch(`${daemon.url}/healthz`)).text();
    const everything = [state, health, JSON.stringify(logs), ...rx.got.map((g) => g.raw)].join('\n');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(KEY);
    expect([state, health, JSON.stringify(logs)].join('\n')).not.toContain(URL_TOKEN);
  });
});
