/**
 * The spawn helper: a small Node process, forked once by Orbit (spawn-helper.ts), that starts exec
 * agents' processes on request and streams their output and exit back over IPC. fork() copies the
 * page tables of the process that spawns, so a spawn from Orbit's engine (100-300 MB) blocks it
 * 4-10 ms; from this process (tens of MB, nothing loaded) about 1 ms. Orbit keeps the pids and
 * signals the process groups itself (timeouts, Ctrl-C); this process only starts, reads and reaps.
 *
 * Nothing but node: modules and the protocol's types, so it starts and stays small.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { drained } from './drain.js';
import { SPAWN_PROTOCOL, type HelperMessage, type SpawnRequest } from './spawn-protocol.js';

/** Output bytes sent but not yet written to the channel above which the processes' pipes pause. */
const HIGH_WATER = 4 * 1024 * 1024;

let unsent = 0;
const paused = new Set<Readable>();

function send(message: HelperMessage, bytes = 0): void {
  unsent += bytes;
  process.send?.(message, undefined, undefined, () => {
    unsent -= bytes;
    if (unsent > HIGH_WATER / 2) return;
    for (const s of paused) s.resume();
    paused.clear();
  });
}

function start(req: SpawnRequest): void {
  let child;
  try {
    // detached: the process leads a new process group, so Orbit can stop its whole tree.
    child = spawn(req.command, req.args, {
      cwd: req.cwd,
      env: req.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    send({ t: 'error', id: req.id, message: (err as Error).message, thrown: true });
    return;
  }
  if (child.pid !== undefined) send({ t: 'pid', id: req.id, pid: child.pid });
  const forward = (stream: Readable, stderr: boolean) =>
    stream.on('data', (chunk: Buffer) => {
      send({ t: 'data', id: req.id, stderr, chunk }, chunk.length);
      if (unsent > HIGH_WATER) {
        stream.pause();
        paused.add(stream);
      }
    });
  forward(child.stdout, false);
  forward(child.stderr, true);
  child.on('error', (err: NodeJS.ErrnoException) => {
    // 'error' before a pid means the command never started (ENOENT, EACCES, bad cwd).
    if (child.pid === undefined)
      send({ t: 'error', id: req.id, code: err.code, message: err.message, thrown: false });
  });
  child.on('exit', (code, signal) => {
    void drained([child.stdout, child.stderr], req.drainMs).then(() => {
      paused.delete(child.stdout);
      paused.delete(child.stderr);
      send({ t: 'done', id: req.id, code, signal });
    });
  });
}

// Orbit's terminal's Ctrl-C, a service manager's SIGTERM: Orbit decides what stops, and its
// processes get those signals themselves. This process ends when Orbit does (its channel closes).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
process.on('disconnect', () => process.exit(0));
process.on('message', (req: SpawnRequest) => {
  if (req.t === 'spawn') start(req);
});
send({ t: 'ready', protocol: SPAWN_PROTOCOL });
