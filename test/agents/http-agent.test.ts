import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpAgent } from '../../src/agents/http-agent.js';
import { waitUntil } from '../support/wait.js';
import { context, invocation } from './helpers.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('http agent (real server on loopback)', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  let slowClosed = 0;
  const agent = new HttpAgent();

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        if (req.url === '/slow') {
          // Never answered: only a client that gives up ends this request.
          res.on('close', () => slowClosed++);
          return;
        }
        const status = Number(/status=(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
        res.writeHead(status, { 'content-type': 'application/json', 'set-cookie': 'session=abc' });
        res.end(JSON.stringify({ ok: status < 400, echo: body, token: 'hunter2' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );

  it('sends forward and reverse requests from [METHOD, URL, BODY] arrays', async () => {
    seen.length = 0;
    const params = { headers: { 'content-type': 'application/json', 'x-team': 'waffle' } };
    const fwd = await agent.run(
      invocation({ kind: 'http', args: ['PUT', `${base}/apps/waffle`, '{"version":"1.2"}'], params }),
      context(),
    );
    const rev = await agent.run(
      invocation({ kind: 'http', action: 'reverse', args: ['delete', `${base}/apps/waffle`], params }),
      context(),
    );
    expect(fwd.exitCode).toBe(0);
    expect(rev.exitCode).toBe(0);
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['PUT', '/apps/waffle', '{"version":"1.2"}'],
      ['DELETE', '/apps/waffle', ''],
    ]);
    expect(seen[0]?.headers['x-team']).toBe('waffle');
    expect(fwd.outputs.status).toBe('200');
    expect(JSON.parse(fwd.outputs.body ?? '{}').echo).toBe('{"version":"1.2"}');
    expect(fwd.log).toContain('> PUT');
    expect(fwd.log).toContain('< 200');
  });

  it('reads method/url/body params, reverse_* for the reverse action, POST by default', async () => {
    seen.length = 0;
    const params = {
      url: `${base}/notify`,
      body: 'deployed',
      reverse_method: 'POST',
      reverse_url: `${base}/notify-undo`,
      reverse_body: 'unwound',
    };
    expect((await agent.run(invocation({ kind: 'http', params }), context())).exitCode).toBe(0);
    expect(
      (await agent.run(invocation({ kind: 'http', action: 'reverse', params }), context())).exitCode,
    ).toBe(0);
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/notify', 'deployed'],
      ['POST', '/notify-undo', 'unwound'],
    ]);
  });

  it('fails on an unexpected status, accepts an expected one', async () => {
    const failing = await agent.run(
      invocation({ kind: 'http', args: ['POST', `${base}/x?status=500`] }),
      context(),
    );
    expect(failing.exitCode).toBe(1);
    expect(failing.error?.code).toBe('E_HTTP_STATUS');
    expect(failing.outputs.status).toBe('500');
    const notFoundOk = await agent.run(
      invocation({
        kind: 'http',
        args: ['GET', `${base}/x?status=404`],
        params: { expect_status: [200, 404] },
      }),
      context(),
    );
    expect(notFoundOk.exitCode).toBe(0);
    const range = await agent.run(
      invocation({ kind: 'http', args: ['GET', `${base}/x?status=201`], params: { expect_status: '2xx' } }),
      context(),
    );
    expect(range.exitCode).toBe(0);
    const exact = await agent.run(
      invocation({ kind: 'http', args: ['GET', `${base}/x?status=201`], params: { expect_status: 200 } }),
      context(),
    );
    expect(exact.error?.code).toBe('E_HTTP_STATUS');
  });

  it('times out', async () => {
    // The server never answers /slow: returning at all means the agent gave up, and the server then
    // sees the request closed (a positive signal, where a wall-clock bound could be overrun).
    const r = await agent.run(
      invocation({ kind: 'http', args: ['GET', `${base}/slow`], timeoutMs: 300 }),
      context(),
    );
    expect(r.error?.code).toBe('E_AGENT_TIMEOUT');
    expect(r.exitCode).not.toBe(0);
    await waitUntil('the agent to close the request it gave up on', () => slowClosed === 1);
    const byParam = await agent.run(
      invocation({ kind: 'http', args: ['GET', `${base}/slow`], params: { timeout: '200ms' } }),
      context(),
    );
    expect(byParam.error?.code).toBe('E_AGENT_TIMEOUT');
    await waitUntil('the second request closed', () => slowClosed === 2);
  });

  it('masks secrets in the log, headers and outputs', async () => {
    seen.length = 0;
    const r = await agent.run(
      invocation({
        kind: 'http',
        args: ['POST', `${base}/hook?token=hunter2`, 'pw=hunter2'],
        params: { headers: { authorization: 'Bearer sekrit-token', 'x-custom': 'hunter2' } },
      }),
      context({
        secrets: [
          { name: 'pw', value: 'hunter2' },
          { name: 'token', value: 'sekrit-token' },
        ],
      }),
    );
    expect(r.exitCode).toBe(0);
    expect(seen[0]?.headers.authorization).toBe('Bearer sekrit-token');
    expect(r.log).not.toContain('hunter2');
    expect(r.log).not.toContain('sekrit');
    // One masking form: a credential header and a secret read the same way.
    expect(r.log).toMatch(/^> authorization: \(sensitive:authorization\)$/m);
    expect(r.log).toContain('pw=(sensitive:pw)');
    expect(r.log).not.toContain('session=abc');
    expect(r.outputs.body).not.toContain('hunter2');
  });

  it('turns bad params and unreachable servers into failed results', async () => {
    expect((await agent.run(invocation({ kind: 'http', args: ['GET'] }), context())).error?.code).toBe(
      'E_AGENT_PARAMS',
    );
    expect(
      (await agent.run(invocation({ kind: 'http', args: ['GET', 'ftp://x'] }), context())).error?.code,
    ).toBe('E_AGENT_PARAMS');
    const refused = await agent.run(
      invocation({ kind: 'http', args: ['GET', 'http://127.0.0.1:1/'] }),
      context(),
    );
    expect(refused.error?.code).toBe('E_HTTP_REQUEST');
    expect(refused.exitCode).not.toBe(0);
  });
});
