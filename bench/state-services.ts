import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as current from '../src/state/index.js';
import { median, round } from './stats.js';

/**
 * Appends to a log of many services (1,000 and 10,000 by default, `ORBIT_BENCH_SERVICES`): the
 * time per append and the files each one creates, for this Orbit and, side by side, for the
 * Orbit at `ORBIT_BENCH_BASELINE` (a checkout, e.g. /work/baseline at e62b5cc; skipped when
 * unset). Both start from copies of one log, written flat (services/<service>/, as before format
 * 3) with git's fast-import; this Orbit moves it to sharded services in its first append, which is
 * not timed. Rounds alternate between the two so the machine's noise falls on both alike.
 * Files created = new files under objects/ (loose objects, or a pack and its index) + the ref lock
 * (renamed over the ref); maintenance is off in both, so that nothing is repacked in between.
 */
type StateApi = typeof current;

const ROUNDS = 8;
/** One deployment of two steps: what an engine appends. */
const PER_ROUND = 6;

function entries(api: StateApi, service: string, id: string): current.LogEntry[] {
  const base = { deploy_id: id, step_count: 2, config_commit: 'f'.repeat(40), author: 'Bench <b@x>' };
  const at = new Date();
  const out = [api.newEntry('deploy-started', service, at, { ...base, values: { version: id } })];
  for (let i = 0; i < 2; i++) {
    const step = { ...base, step_index: i, step_name: `s${i}` };
    out.push(api.newEntry('step-started', service, at, step));
    out.push(
      api.newEntry('step-applied', service, at, {
        ...step,
        exit_code: 0,
        duration_ms: 3,
        log: 'ok\n'.repeat(20),
      }),
    );
  }
  out.push(api.newEntry('deploy-succeeded', service, at, base));
  return out;
}

/** One commit, in `api`'s state format, holding `services` services flat under services/, each with one succeeded deployment. */
function buildFlatLog(dir: string, services: number, api: StateApi): void {
  execFileSync('git', ['init', '-q', '--bare', dir]);
  const views = new Map<string, current.ServiceView>();
  const records = new Map<string, current.DeploymentRecord>();
  const source = { service: (id: string) => views.get(id), deployment: (id: string) => records.get(id) };
  const parts: Buffer[] = [];
  const file = (p: string, text: string): void => {
    const b = Buffer.from(text);
    parts.push(Buffer.from(`M 100644 inline ${p}\ndata ${b.length}\n`), b, Buffer.from('\n'));
  };
  let last: current.LogEntry | null = null;
  for (let s = 0; s < services; s++) {
    const service = `svc-${String(s).padStart(5, '0')}`;
    for (const e of [entries(api, service, `${service}-1`)[0]!, entries(api, service, `${service}-1`)[5]!]) {
      const ch = api.applyEntry({ ...source, stepLog: () => undefined }, e);
      for (const v of ch.services) views.set(v.service_id, v);
      for (const r of ch.deployments) records.set(r.deploy_id, r);
      last = e;
    }
    file(`services/${service}/current.json`, JSON.stringify(views.get(service), null, 2) + '\n');
    const rec = records.get(`${service}-1`);
    file(
      `services/${service}/deployments/0-9999/0-99/${service}-1/record.json`,
      JSON.stringify(rec, null, 2) + '\n',
    );
  }
  file('entry.json', api.encodeEntry(last!));
  const msg = Buffer.from(api.commitMessage(last!, null));
  const head = Buffer.from(
    `commit refs/heads/orbit/state\ncommitter Orbit <orbit@localhost> 1700000000 +0000\ndata ${msg.length}\n`,
  );
  const r = spawnSync('git', ['--git-dir', dir, 'fast-import', '--quiet'], {
    input: Buffer.concat([head, msg, Buffer.from('\n'), ...parts, Buffer.from('\n')]),
  });
  if (r.status !== 0) throw new Error(`fast-import: ${r.stderr.toString()}`);
}

/** Files under objects/ (loose objects, packs and their indexes). */
function objectFiles(dir: string): number {
  let n = 0;
  const root = path.join(dir, 'objects');
  for (const d of fs.readdirSync(root)) {
    if (/^[0-9a-f]{2}$/.test(d) || d === 'pack') n += fs.readdirSync(path.join(root, d)).length;
  }
  return n;
}

interface Side {
  name: string;
  api: StateApi;
  dir: string;
  log: current.OrbitStateLog;
  times: number[];
  /** This process's CPU time per append: less at the mercy of a busy machine than wall time. */
  cpu: number[];
  firstMs: number;
  files: number;
  appends: number;
}

async function atSize(
  services: number,
  apis: { name: string; api: StateApi }[],
): Promise<Record<string, unknown>> {
  const seed = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-bench-svc-'));
  // Written by the oldest Orbit measured: the newer one reads its format, not the other way round.
  buildFlatLog(path.join(seed, 'seed.git'), services, apis[apis.length - 1]!.api);
  const sides: Side[] = [];
  for (const { name, api } of apis) {
    const dir = path.join(seed, `${name}.git`);
    fs.cpSync(path.join(seed, 'seed.git'), dir, { recursive: true });
    // Both maintenance options: the baseline knows looseObjectLimit, this Orbit packLimit.
    const maintenance = { looseObjectLimit: 0, packLimit: 0 } as current.OpenStateLogOptions['maintenance'];
    const log = await api.openStateLog({ dir, maintenance });
    // Warm-up, apart: the first append loads what it needs (and this Orbit moves the log to shards).
    const t0 = performance.now();
    const [first, ...rest] = entries(api, 'svc-00000', 'svc-00000-2');
    await log.append(first!);
    const firstMs = performance.now() - t0;
    for (const e of rest) await log.append(e);
    sides.push({ name, api, dir, log, times: [], cpu: [], firstMs, files: 0, appends: 0 });
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of sides) {
      const service = `svc-${String((r * 7919) % services).padStart(5, '0')}`;
      const before = objectFiles(side.dir);
      for (const e of entries(side.api, service, `${service}-${10 + r}`)) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await side.log.append(e);
        side.times.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        side.cpu.push((c.user + c.system) / 1000);
      }
      side.files += objectFiles(side.dir) - before;
      side.appends += PER_ROUND;
    }
  }
  const out: Record<string, unknown> = {};
  for (const side of sides) {
    await side.log.close();
    const tree = execFileSync('git', ['--git-dir', side.dir, 'cat-file', '-s', 'orbit/state:services'], {
      encoding: 'utf8',
    });
    out[side.name] = {
      append_median_ms: round(median(side.times), 3),
      append_cpu_median_ms: round(median(side.cpu), 3),
      first_append_ms: round(side.firstMs, 1),
      objects_files_per_append: round(side.files / side.appends, 2),
      files_created_per_append: round(side.files / side.appends + 1, 2),
      services_tree_bytes: Number(tree.trim()),
    };
  }
  fs.rmSync(seed, { recursive: true, force: true });
  return out;
}

export async function stateServices(): Promise<Record<string, unknown>> {
  const sizes = (process.env.ORBIT_BENCH_SERVICES ?? '1000,10000').split(',').map(Number);
  const apis: { name: string; api: StateApi }[] = [{ name: 'this', api: current }];
  const baseline = process.env.ORBIT_BENCH_BASELINE;
  if (baseline) {
    const api = (await import(path.resolve(baseline, 'src/state/index.ts'))) as StateApi;
    apis.push({ name: 'baseline', api });
  }
  const at: Record<string, unknown> = {};
  for (const s of sizes) at[String(s)] = await atSize(s, apis);
  return { baseline: baseline ?? null, rounds: ROUNDS, appends_per_round: PER_ROUND, at };
}
