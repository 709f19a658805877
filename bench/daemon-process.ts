/**
 * A real `orbit daemon` process for a benchmark, from any checkout's bin/orbit.js: started on a
 * free loopback port with a shared admin token, and handed back once its start-up poll is done.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export const DAEMON_TOKEN = 'bench';

export interface DaemonProcess {
  url: string;
  child: ChildProcess;
  /** From spawn to the end of the first poll (the cursor is at the branch head). */
  startMs: number;
  /** GET with the admin token; the parsed JSON body. */
  get(route: string): Promise<unknown>;
  rssMb(): number;
  stop(): Promise<void>;
}

export async function startDaemonProcess(
  bin: string,
  repoDir: string,
  extraArgs: string[] = [],
): Promise<DaemonProcess> {
  const t = performance.now();
  const child = spawn(
    process.execPath,
    [bin, 'daemon', '--repo', repoDir, '--listen', '127.0.0.1:0', ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      // The (deprecated) shared token is one admin: enough to read every route.
      env: { ...process.env, ORBIT_TOKEN: DAEMON_TOKEN },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /"url":"(http:\/\/[^"]+)"/.exec(buf);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`daemon exited ${code}`)));
    });
    child.stdout!.resume();
    const get = async (route: string): Promise<unknown> => {
      const res = await fetch(`${url}${route}`, { headers: { authorization: `Bearer ${DAEMON_TOKEN}` } });
      if (!res.ok) throw new Error(`GET ${route}: HTTP ${res.status}`);
      return res.json();
    };
    for (;;) {
      const h = (await get('/healthz')) as { sync: { last_poll: string | null } };
      if (h.sync.last_poll) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const rssMb = () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : NaN;
    };
    return { url, child, startMs: performance.now() - t, get, rssMb, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
