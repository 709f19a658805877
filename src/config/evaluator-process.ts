/**
 * Starting the config evaluator process (load-worker.ts), apart from the loader that talks to it
 * (isolated-load.ts): the CLI's entry starts one here before it loads its commands and the engine,
 * so the evaluator's start (Node, the bundle, the parser's WebAssembly) overlaps the CLI's own,
 * and the loader the engine opens later takes that process instead of starting another.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { EVALUATOR_ARG } from './evaluator-arg.js';

/** How an evaluator is started: its heap limit and which of its costs matter most. */
export interface EvaluatorStart {
  /** The evaluator's old-generation heap limit (null: Node's own). */
  maxHeapMb: number | null;
  /**
   * 'start' (the CLI: one or two parses, then gone): the parser's WebAssembly runs on V8's baseline
   * compiler only, the first parse about 3× faster; 'warm' (the daemon): V8 tiers hot code up to
   * its optimising compiler, slower at first, faster once done.
   */
  favour: 'start' | 'warm';
}

/** What the CLI's evaluator is: no heap limit, as before, and a fast first parse. */
export const CLI_START: EvaluatorStart = { maxHeapMb: null, favour: 'start' };

/** An evaluator process, with what it said before its loader listened: its `ready` and stderr. */
export interface StartedEvaluator {
  child: ChildProcess;
  ready: boolean;
  stderr: string;
}

/** What the evaluator process runs: load-worker.ts through tsx from the sources, else the bundle. */
function evaluatorEntry(): { entry: string; execArgv: string[] } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) {
    // The bundle's chunks sit beside its entry, dist/orbit.mjs, whose main serves on EVALUATOR_ARG.
    return { entry: fileURLToPath(new URL('./orbit.mjs', here)), execArgv: [] };
  }
  const tsx = createRequire(here).resolve('tsx'); // its loader, registered by --import
  return { entry: fileURLToPath(new URL('./load-worker.ts', here)), execArgv: ['--import', tsx] };
}

/** The evaluator needs no secrets and no tokens: only what Node itself reads. */
function evaluatorEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'TMPDIR', 'TMP', 'TEMP', 'TZ', 'LANG', 'LC_ALL'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

/** Node's flags for an evaluator started so. */
export function evaluatorFlags(start: EvaluatorStart): string[] {
  const heap = start.maxHeapMb === null ? [] : [`--max-old-space-size=${start.maxHeapMb}`];
  return [...heap, ...(start.favour === 'start' ? ['--liftoff-only'] : [])];
}

/** Starts an evaluator process; its stderr is text (utf8), its messages are structured clones. */
export function forkEvaluator(start: EvaluatorStart): ChildProcess {
  const { entry, execArgv } = evaluatorEntry();
  const child = fork(entry, [EVALUATOR_ARG], {
    execArgv: [...evaluatorFlags(start), ...execArgv],
    env: evaluatorEnv(),
    serialization: 'advanced', // structured clone, as a worker's messages were
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr!.setEncoding('utf8');
  return child;
}

interface Prestarted extends StartedEvaluator {
  key: string;
  stop(): void;
}

let prestarted: Prestarted | null = null;

/**
 * Starts an evaluator now for the first loader that asks for one started the same way. Until then
 * it holds nothing open: a command that ends without loading config exits as before, and the
 * evaluator, its parent gone, exits too.
 */
export function prestartEvaluator(start: EvaluatorStart): void {
  if (prestarted) return;
  const child = forkEvaluator(start);
  const held: Prestarted = { child, ready: false, stderr: '', key: JSON.stringify(start), stop: () => {} };
  const onMessage = (m: { ready?: boolean }) => void (m?.ready && (held.ready = true));
  const onData = (d: string) => void (held.stderr = (held.stderr + d).slice(-4096));
  const onError = () => undefined; // a failed start shows as an exit code: a loader starts its own
  child.on('message', onMessage);
  child.stderr!.on('data', onData);
  child.on('error', onError);
  held.stop = () => {
    child.off('message', onMessage);
    child.stderr!.off('data', onData);
    child.off('error', onError);
  };
  for (const h of [child, child.channel, child.stderr] as Array<{ unref?(): void } | null | undefined>)
    h?.unref?.();
  prestarted = held;
}

/**
 * The evaluator started ahead for `start`, once (the caller listens to it from now on); null when
 * there is none, it was started another way (then it is stopped) or it has exited already.
 */
export function takePrestarted(start: EvaluatorStart): StartedEvaluator | null {
  const p = prestarted;
  if (!p) return null;
  prestarted = null;
  p.stop();
  const { child } = p;
  const alive = child.exitCode === null && child.signalCode === null && child.connected;
  if (p.key === JSON.stringify(start) && alive) return { child, ready: p.ready, stderr: p.stderr };
  if (alive) child.kill('SIGKILL');
  return null;
}
