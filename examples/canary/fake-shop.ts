/**
 * A stand-in for the shop's fleet behind the file-based traffic router: it serves
 * `shop_error_rate` for Prometheus. A canary version ending in `-broken` fails half of the
 * requests it gets, so the rate is half its traffic weight; everything else is healthy.
 * Run: ROUTER_DIR=/tmp/orbit-canary-router PORT=8081 node --import tsx examples/canary/fake-shop.ts
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Gauge, Registry } from 'prom-client';

export interface FakeShop {
  /** `127.0.0.1:<port>`, a Prometheus scrape target. */
  target: string;
  close(): Promise<void>;
}

const read = (file: string): string => {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
};

export function errorRate(routerDir: string): number {
  const version = read(path.join(routerDir, 'canary.version'));
  const weight = Number(read(path.join(routerDir, 'canary.weight')) || 0);
  return version.endsWith('-broken') ? (weight / 100) * 0.5 : 0.001;
}

export async function startFakeShop(routerDir: string, port = 0): Promise<FakeShop> {
  const registry = new Registry();
  new Gauge({
    name: 'shop_error_rate',
    help: 'failed requests per request, over the whole fleet',
    registers: [registry],
    collect() {
      this.set(errorRate(routerDir));
    },
  });
  const server = http.createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    target: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const shop = await startFakeShop(
    process.env.ROUTER_DIR ?? '/tmp/orbit-canary-router',
    Number(process.env.PORT ?? 8081),
  );
  console.log(`fake shop metrics on http://${shop.target}/metrics`);
}
