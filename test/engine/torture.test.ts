/**
 * Kill -9 torture: the real `orbit` binary is killed at random points of deploys, automatic
 * unwinds and manual unwinds; recovery (a reconcile) then runs to the end, and the log must still
 * tell the truth. Every action appends `>` (forward starts), `+` (forward's effect), `<` and `-`
 * (the same for reverses) with its deployment and step to a trace file, which is compared to the
 * log after each recovery. Replay a failure with ORBIT_TORTURE_SEED=<seed>; scale it with
 * ORBIT_TORTURE_ITERATIONS.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import { openStateLog } from '../../src/state/index.js';
import type { DeploymentRecord, LogEntry } from '../../src/state/types.js';
import { ConfigRepo, Trace } from '../support/config-repo.js';
import { ORBIT_BIN } from '../support/cli.js';
import { gitProcessesEnded, pidsWhere } from '../support/processes.js';

const SEED = Number(process.env.ORBIT_TORTURE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ITERATIONS = Number(process.env.ORBIT_TORTURE_ITERATIONS ?? 25);

/** mulberry32: a small seeded generator, so a failing run can be replayed exactly. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let repo: ConfigRepo;
let trace: Trace;

afterAll(() => repo?.remove());

/**
 * Three steps; `mid` goes forward slowly, so a kill often leaves it running as an orphan that would
 * finish after recovery reversed it. `last` fails (before doing anything) for a bad version.
 */
function deployHcl(): string {
  const act = (mark: string, effect: string, sleep: string) =>
    `["sh", "-c", "echo '${mark}'$ORBIT_DEPLOYMENT/$ORBIT_STEP >> $TRACE; sleep ${sleep}; echo '${effect}'$ORBIT_DEPLOYMENT/$ORBIT_STEP >> $TRACE"]`;
  const step = (name: string, sleep: string, failBad = false) => `step {
  name    = "${name}"
  agent   = "exec"
  forward = ${failBad ? `["sh", "-c", "echo '>'$ORBIT_DEPLOYMENT/$ORBIT_STEP >> $TRACE; case $ORBIT_VAR_version in bad*) exit 3;; esac; sleep ${sleep}; echo +$ORBIT_DEPLOYMENT/$ORBIT_STEP >> $TRACE"]` : act('>', '+', sleep)}
  reverse = ${act('<', '-', '0.02')}
  env     = { TRACE = "${trace.file}" }
  timeout = "20s"
}`;
  return `variable "version" {}\n${step('first', '0.02')}\n${step('mid', '0.8')}\n${step('last', '0.02', true)}\n`;
}

function runOrbit(args: string[]): { exited: Promise<number | null>; kill(): void } {
  const child = spawn(process.execPath, [ORBIT_BIN, ...args, '--repo', repo.dir], {
    stdio: 'ignore',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { exited, kill: () => child.kill('SIGKILL') };
}

/** Processes still running with this test's trace file in their environment: orphans. */
function orphans(): number[] {
  const needle = `TRACE=${trace.file}`;
  return pidsWhere((pid) => readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(needle));
}

interface TraceLine {
  mark: string;
  key: string;
}

const parse = (lines: string[]): TraceLine[] => lines.map((l) => ({ mark: l[0]!, key: l.slice(1) }));

/** Checks the log against what really ran. */
async function check(seedNote: string): Promise<void> {
  const log = await openStateLog({ dir: repo.dir, readOnly: true });
  const entries: LogEntry[] = [];
  for await (const { entry } of log.history({ service: 'web' })) entries.unshift(entry);
  const records = new Map<string, DeploymentRecord>();
  for (const id of new Set(entries.map((e) => e.deploy_id).filter((x): x is string => !!x))) {
    records.set(id, (await log.deployment(id))!);
  }
  const view = await log.service('web');
  await log.close();

  expect(orphans(), `${seedNote}: no orphan survives recovery`).toEqual([]);
  expect(view?.in_flight ?? null, `${seedNote}: nothing left in flight`).toBeNull();

  const keyOf = (e: LogEntry) => `${e.deploy_id}/${e.step_name}`;
  const count = (kind: string, key: string) =>
    entries.filter((e) => e.kind === kind && keyOf(e) === key).length;
  const lines = parse(trace.lines());
  const keys = new Set(lines.map((l) => l.key));
  for (const key of keys) {
    const of = lines.filter((l) => l.key === key);
    const n = (mark: string) => of.filter((l) => l.mark === mark).length;
    // Every forward that may have run, and every reverse, is in the log before it ran.
    expect(
      count('step-started', key),
      `${seedNote}: ${key} ran forward, so the log says so`,
    ).toBeGreaterThanOrEqual(n('>') > 0 ? 1 : 0);
    expect(
      count('reverse-started', key),
      `${seedNote}: each run of ${key}'s reverse is in the log`,
    ).toBeGreaterThanOrEqual(n('<'));
  }
  for (const d of records.values()) {
    if (d.status !== 'failed' && d.status !== 'unwound') continue;
    for (const s of d.steps) {
      const key = `${d.deploy_id}/${s.step_name}`;
      if (s.status === 'failed' && s.error?.code !== 'E_INTERRUPTED') continue; // failed cleanly: nothing to undo
      const at = (mark: string) =>
        lines.map((l, i) => (l.mark === mark && l.key === key ? i : -1)).filter((i) => i >= 0);
      expect(s.status, `${seedNote}: ${key} of ${d.status} ${d.deploy_id} is reversed`).toBe('reversed');
      const forward = [...at('>'), ...at('+')];
      if (forward.length === 0) continue;
      const lastReverse = Math.max(-1, ...at('-'));
      // Its reverse ran after anything its forward did, orphans included.
      expect(lastReverse, `${seedNote}: ${key} reversed after its forward`).toBeGreaterThan(
        Math.max(...at('+'), -1),
      );
      expect(lastReverse, `${seedNote}: ${key} reversed`).toBeGreaterThan(-1);
    }
  }
  // A kill between writing an entry's objects and moving the branch leaves them dangling: that
  // entry was never acknowledged, so it is no loss. Anything else fsck says is, once a killed
  // writer's background repack is over (fsck alone trips over packs a repack removes).
  await gitProcessesEnded(path.join(repo.dir, '.git'));
  expect(repo.git('fsck', '--strict', '--no-progress', '--no-dangling'), `${seedNote}: git fsck`).toBe('');
  expect(repo.git('rev-list', '--min-parents=2', 'orbit/state'), `${seedNote}: linear`).toBe('');
}

describe('kill -9 torture', () => {
  it(
    `random kills of deploys and unwinds leave a log that tells the truth (seed ${SEED})`,
    { timeout: 600_000 },
    async () => {
      console.log(`torture: ORBIT_TORTURE_SEED=${SEED}, ${ITERATIONS} iterations`);
      const rand = random(SEED);
      const started = Date.now();
      repo = new ConfigRepo();
      trace = new Trace();
      repo.commit({ 'services/web/deploy.hcl': deployHcl(), 'services/web/values.hcl': 'version = "v0"\n' });
      let kills = 0;
      for (let i = 1; i <= ITERATIONS; i++) {
        const view = await (async () => {
          const l = await openStateLog({ dir: repo.dir, readOnly: true });
          const v = await l.service('web').catch(() => null);
          await l.close();
          return v;
        })();
        const r = rand();
        let args: string[];
        let what: string;
        if (view?.current && r < 0.35) {
          args = ['unwind', 'web'];
          what = 'unwind';
        } else {
          const bad = rand() < 0.4;
          repo.commit({ 'services/web/values.hcl': `version = "${bad ? 'bad' : 'v'}${i}"\n` }, `web ${i}`);
          args = ['reconcile'];
          what = bad ? 'deploy (fails, unwinds)' : 'deploy';
        }
        const seedNote = `seed ${SEED} iteration ${i} (${what})`;
        // Kill once the trace has grown by a random number of lines (0: at a random time), plus jitter.
        const base = trace.lines().length;
        const target = Math.floor(rand() * 6);
        const jitter = Math.floor(rand() * 120);
        const run = runOrbit(args);
        let done = false;
        let killed = false;
        void run.exited.then(() => (done = true));
        const t0 = Date.now();
        const firstDelay = Math.floor(rand() * 2000);
        while (!done) {
          const grown = trace.lines().length - base;
          if ((target > 0 && grown >= target) || (target === 0 && Date.now() - t0 >= firstDelay)) {
            await new Promise((res) => setTimeout(res, jitter));
            run.kill();
            killed = true;
            kills++;
            break;
          }
          await new Promise((res) => setTimeout(res, 5));
        }
        const code = await run.exited;
        // One that ended by itself must have run (0, or 1: a deployment failed), not failed to start.
        if (!killed || code !== null) expect([0, 1], `${seedNote}: orbit exit status`).toContain(code);
        const tKilled = Date.now();
        // Recovery: `orbit reconcile` one time in four; otherwise the same engine call in-process,
        // which saves a process start per iteration.
        if (rand() < 0.25) {
          const recovered = await runOrbit(['reconcile']).exited;
          expect([0, 1], `${seedNote}: orbit reconcile (recovery) exit status`).toContain(recovered);
        } else {
          const engine = await openEngine({ repoDir: repo.dir, env: {} });
          try {
            await engine.reconcile();
          } finally {
            await engine.close();
          }
        }
        const tRecovered = Date.now();
        await check(seedNote);
        if (process.env.ORBIT_TORTURE_TIMING)
          console.log(
            `${seedNote}: run ${tKilled - t0} ms, recovery ${tRecovered - tKilled} ms, check ${Date.now() - tRecovered} ms`,
          );
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`torture: ${ITERATIONS} iterations, ${kills} kills, ${seconds} s (seed ${SEED})`);
    },
  );
});
