import { spawn } from 'node:child_process';
import {
  applyEntry,
  commitMessage,
  encodeEntry,
  recordPath,
  servicePath,
  stepLogName,
  stepsDir,
  type DeploymentRecord,
  type LogEntry,
  type ServiceView,
} from '../src/state/index.js';

/**
 * Builds a synthetic state branch of `count` entries, in the real format (the real projection,
 * commit messages and tree layout), through `git fast-import`: appending 100k entries one by one
 * would take many minutes. Only the `Orbit-Previous-Entry` trailer is left out (fast-import cannot
 * put a commit's sha in a later message); nothing the readers use depends on it.
 */
export interface SyntheticHistory {
  entries: number;
  /** A service and its current deployment at the head, for the reads to measure. */
  service: string;
  current: string;
}

const STEPS = ['migrate', 'deploy', 'smoke', 'notify'];

const action = (args: string[]): LogEntry['forward_action'] => ({
  agent: 'docker',
  args,
  env: { LOG_LEVEL: 'info' },
  params: { image: 'registry.example.com/app:1' },
  timeout_ms: 300_000,
});

function base(kind: LogEntry['kind'], service: string, id: string | null, t: number): LogEntry {
  return {
    kind,
    service_id: service,
    deploy_id: id,
    previous_deploy_id: null,
    next_deploy_id: null,
    step_id: null,
    previous_step_id: null,
    next_step_id: null,
    step_name: null,
    step_index: null,
    step_count: STEPS.length,
    forward_action: null,
    reverse_action: null,
    applied_time: new Date(1_700_000_000_000 + t * 1000).toISOString(),
    config_commit: (t * 2654435761).toString(16).padStart(40, '0').slice(-40),
    author: 'Ann Example <ann@example.com>',
    duration_ms: null,
    exit_code: null,
    outputs: {},
    log: '',
    error: null,
    reason: null,
    values: null,
    redeploy_of: null,
  };
}

/** One deployment: started, each step started and applied, succeeded; every 10th is then unwound. */
function* deploymentEntries(service: string, seq: number, previous: string | null, t: () => number) {
  const id = `${service}-${seq}`;
  yield {
    ...base('deploy-started', service, id, t()),
    previous_deploy_id: previous,
    values: { version: `1.${seq}` },
  };
  for (const [i, name] of STEPS.entries()) {
    const step = { step_index: i, step_name: name, step_id: `${id}/${i}-${name}` };
    yield { ...base('step-started', service, id, t()), ...step, forward_action: action([name, 'up']) };
    yield {
      ...base('step-applied', service, id, t()),
      ...step,
      forward_action: action([name, 'up']),
      reverse_action: action([name, 'down']),
      exit_code: 0,
      duration_ms: 1800,
      outputs: { [`${name}_id`]: String(seq) },
      log: `${name}: ok\n`.repeat(20),
    };
  }
  yield { ...base('deploy-succeeded', service, id, t()), previous_deploy_id: previous };
  if (seq % 10 === 0) {
    yield { ...base('unwind-started', service, id, t()), reason: 'user' };
    for (let i = STEPS.length - 1; i >= 0; i--)
      yield {
        ...base('step-reversed', service, id, t()),
        step_index: i,
        step_name: STEPS[i] ?? '',
        exit_code: 0,
        duration_ms: 300,
        log: 'reversed\n',
      };
    yield { ...base('deploy-unwound', service, id, t()), reason: 'user' };
  }
}

export async function buildSyntheticHistory(
  gitdir: string,
  count: number,
  branch = 'orbit/state',
  services = 20,
): Promise<SyntheticHistory> {
  const proc = spawn('git', ['--git-dir', gitdir, 'fast-import', '--quiet', '--done'], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => proc.on('exit', (code) => resolve(code ?? -1)));

  const svcViews = new Map<string, ServiceView>();
  const records = new Map<string, DeploymentRecord>();
  const logs = new Map<string, string>();
  const source = {
    service: (id: string) => svcViews.get(id),
    deployment: (id: string) => records.get(id),
    stepLog: (id: string, i: number) => logs.get(`${id}/${i}`),
  };

  let chunks: Buffer[] = [];
  let size = 0;
  const push = (s: string | Buffer): void => {
    const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    chunks.push(b);
    size += b.length;
  };
  const data = (text: string): void => {
    const b = Buffer.from(text, 'utf8');
    push(`data ${b.length}\n`);
    push(b);
    push('\n');
  };
  const flush = async (): Promise<void> => {
    if (!proc.stdin.write(Buffer.concat(chunks))) await new Promise((r) => proc.stdin.once('drain', r));
    chunks = [];
    size = 0;
  };

  let clock = 0;
  const tick = (): number => ++clock;
  let written = 0;
  const seqs = new Map<string, number>();
  let last: { service: string; current: string } = { service: 'svc0', current: '' };
  outer: for (let round = 0; ; round++) {
    for (let s = 0; s < services; s++) {
      const service = `svc${s}`;
      const seq = (seqs.get(service) ?? 0) + 1;
      seqs.set(service, seq);
      const previous = svcViews.get(service)?.current ?? null;
      for (const e of deploymentEntries(service, seq, previous, tick)) {
        if (written >= count) break outer;
        const ch = applyEntry(source, e);
        const when = Math.floor(Date.parse(e.applied_time) / 1000);
        push(`commit refs/heads/${branch}\n`);
        push(`author Ann Example <ann@example.com> ${when} +0000\n`);
        push(`committer Orbit <orbit@localhost> ${when} +0000\n`);
        data(commitMessage(e, null));
        const file = (path: string[], text: string): void => {
          push(`M 100644 inline ${path.join('/')}\n`);
          data(text);
        };
        file(['entry.json'], encodeEntry(e));
        for (const v of ch.services) {
          svcViews.set(v.service_id, v);
          file(servicePath(v.service_id), JSON.stringify(v, null, 2) + '\n');
        }
        for (const r of ch.deployments) {
          records.set(r.deploy_id, r);
          file(recordPath(r.deploy_id), JSON.stringify(r, null, 2) + '\n');
        }
        for (const l of ch.stepLogs) {
          logs.set(`${l.deploy_id}/${l.step_index}`, l.log);
          file([...stepsDir(l.deploy_id), stepLogName(l.step_index, l.step_name)], l.log);
        }
        push('\n');
        written++;
        if (size > 1 << 20) await flush();
      }
      const view = svcViews.get(service);
      if (view?.current) last = { service, current: view.current };
    }
    if (round > count) break;
  }
  push('done\n');
  await flush();
  proc.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`git fast-import failed (${code}): ${stderr}`);
  return { entries: written, ...last };
}
