/**
 * A real Prometheus (Debian's `prometheus` binary) on loopback, scraping a tiny exporter whose
 * `app_error_rate` gauge the test sets. Started per test file; a missing binary fails the test
 * (CI installs the package).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { waitUntil } from './wait.js';

export interface Exporter {
  url: string;
  setErrorRate(rate: number): void;
  close(): Promise<void>;
}

export async function startExporter(): Promise<Exporter> {
  const registry = new Registry();
  const gauge = new Gauge({ name: 'app_error_rate', help: 'errors per request', registers: [registry] });
  gauge.set(0);
  const server = http.createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    setErrorRate: (rate) => gauge.set(rate),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A loopback port nothing listens on (as far as anyone can tell right now). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface Prometheus {
  url: string;
  /** The value of an instant query, or null without data. */
  query(q: string): Promise<number | null>;
  stop(): Promise<void>;
}

export async function startPrometheus(target: string): Promise<Prometheus> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orbit-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:\n  scrape_interval: 250ms\n  scrape_timeout: 250ms\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ["${target}"]\n`,
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) =>
      reject(new Error(`cannot start prometheus (apt-get install prometheus): ${err.message}`)),
    ),
  );
  const query = async (q: string): Promise<number | null> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
    const v = body.data?.result?.[0]?.value[1];
    return v === undefined ? null : Number(v);
  };
  const ready = waitUntil(
    'prometheus to be ready',
    async () => (await fetch(`${url}/-/ready`).catch(() => null))?.ok,
    30_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${stderr}`);
  });
  await Promise.race([ready, spawnError]);
  return {
    url,
    query,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
