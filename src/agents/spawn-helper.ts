/**
 * Orbit's side of the spawn helper (spawn-helper-main.ts): one per process, forked on the first
 * exec run that would go through it (local-process.ts says which) and used once it is ready;
 * until then, and whenever it cannot run, exec runs spawn from this process as before.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SPAWN_PROTOCOL, type HelperMessage, type SpawnRequest } from './spawn-protocol.js';

/** What a run hears from the helper; `lost`: the helper died before the process's `done`. */
export interface HelperRun {
  pid(pid: number): void;
  error(code: string | undefined, message: string, thrown: boolean): void;
  data(chunk: Buffer, stderr: boolean): void;
  done(code: number | null, signal: NodeJS.Signals | null): void;
  lost(): void;
}

/** The helper's script: the bundle's dist/spawn-helper.mjs, or the TypeScript source through tsx. */
function helperEntry(): { entry: string; execArgv: string[] } | undefined {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) {
    const entry = fileURLToPath(new URL('./spawn-helper.mjs', here));
    // A bundle built without it (one entry only) spawns from its own process.
    return existsSync(entry) ? { entry, execArgv: [] } : undefined;
  }
  const tsx = createRequire(here).resolve('tsx');
  return { entry: fileURLToPath(new URL('./spawn-helper-main.ts', here)), execArgv: ['--import', tsx] };
}

export class SpawnHelper {
  private readonly runs = new Map<number, HelperRun>();
  private nextId = 1;
  private ready = false;
  private readonly readyWaiters: Array<(ok: boolean) => void> = [];
  private ended = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: HelperMessage) => this.receive(m));
    child.on('error', () => this.end());
    child.on('exit', () => this.end());
    this.idle();
  }

  static start(): SpawnHelper | undefined {
    const where = helperEntry();
    if (!where) return undefined;
    try {
      return new SpawnHelper(
        fork(where.entry, [], {
          execArgv: where.execArgv,
          serialization: 'advanced',
          // Its own session: a terminal's Ctrl-C reaches Orbit, which stops its processes itself.
          detached: true,
          // It prints nothing of its own; an error of it could quote a step's arguments.
          stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        }),
      );
    } catch {
      return undefined;
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether spawn() may be called now. */
  isReady(): boolean {
    return this.ready && this.child.connected;
  }

  /** Resolves once the helper is ready (true) or gone (false). */
  whenReady(): Promise<boolean> {
    if (this.ready || !this.child.connected) return Promise.resolve(this.isReady());
    // Someone waits for it: it keeps the event loop alive until then.
    this.busy();
    return new Promise((resolve) =>
      this.readyWaiters.push((ok) => {
        if (this.runs.size === 0) this.idle();
        resolve(ok);
      }),
    );
  }

  spawn(req: Omit<SpawnRequest, 't' | 'id'>, run: HelperRun): void {
    const id = this.nextId++;
    this.runs.set(id, run);
    this.busy();
    this.child.send({ t: 'spawn', id, ...req } satisfies SpawnRequest);
  }

  private receive(m: HelperMessage): void {
    if (m.t === 'ready') {
      this.ready = m.protocol === SPAWN_PROTOCOL;
      if (!this.ready) this.child.kill();
      for (const w of this.readyWaiters.splice(0)) w(this.ready);
      return;
    }
    const run = this.runs.get(m.id);
    if (!run) return;
    if (m.t === 'pid') run.pid(m.pid);
    else if (m.t === 'data')
      run.data(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength), m.stderr);
    else {
      this.runs.delete(m.id);
      if (m.t === 'error') run.error(m.code, m.message, m.thrown);
      else run.done(m.code, m.signal);
      if (this.runs.size === 0) this.idle();
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    // One that never became ready (cannot start here, or of another build) is not tried again;
    // one that died after working (killed) is replaced on the next run.
    if (!this.ready) unavailable = true;
    this.ready = false;
    if (current === this) current = undefined;
    for (const w of this.readyWaiters.splice(0)) w(false);
    const lost = [...this.runs.values()];
    this.runs.clear();
    for (const run of lost) run.lost();
  }

  // With no run in flight the helper must not keep Orbit's event loop alive; with one it must.
  private idle(): void {
    this.child.unref();
    this.child.channel?.unref();
  }

  private busy(): void {
    this.child.ref();
    this.child.channel?.ref();
  }
}

let current: SpawnHelper | undefined;
/** Set when the helper cannot start here: no second try per process. */
let unavailable = false;

/** The process's helper when it is ready; else undefined, after starting it if it is not started. */
export function readySpawnHelper(): SpawnHelper | undefined {
  if (unavailable) return undefined;
  if (!current) {
    current = SpawnHelper.start();
    if (!current) unavailable = true;
    return undefined;
  }
  return current.isReady() ? current : undefined;
}

/** Starts the helper and waits until it is ready: its pid, or undefined when it cannot run. */
export async function startSpawnHelper(): Promise<number | undefined> {
  readySpawnHelper();
  const helper = current;
  return helper && (await helper.whenReady()) ? helper.pid : undefined;
}
