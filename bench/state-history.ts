import { spawn } from 'node:child_process';
import {
  applyEntry,
  newEntry,
  commitMessage,
  encodeEntry,
  LAYOUT_FILE,
  layoutFileContent,
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
 * commit messages, tree layout, `Orbit-Previous-Entry` trailers and the records' `last_entry`
 * bookkeeping), through `git fast-import`: appending 100k entries one by one would take many
 * minutes. Each commit's sha is asked back from fast-import (`get-mark`) so that the next commit
 * can name it, as the state log does.
 */
export interface SyntheticHistory {
  entries: number;
  /** A service and its current deployment at the head, for the reads to measure. */
  service: string;
  current: string;
  /** The first deployment of each service and the sha of its last entry: far back in history. */
  oldest: { deploy: string; lastEntry: string }[];
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
  return newEntry(kind, service, new Date(1_700_000_000_000 + t * 1000), {
    deploy_id: id,
    step_count: STEPS.length,
    config_commit: (t * 2654435761).toString(16).padStart(40, '0').slice(-40),
    author: 'Ann Example <ann@example.com>',
  });
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
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // `get-mark` answers (one sha per line) come back on stdout.
  let answers = '';
  const waiting: ((sha: string) => void)[] = [];
  proc.stdout.on('data', (d: Buffer) => {
    answers += d.toString();
    let nl: number;
    while ((nl = answers.indexOf('\n')) >= 0) {
      const line = answers.slice(0, nl);
      answers = answers.slice(nl + 1);
      waiting.shift()?.(line.trim());
    }
  });
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
  const push = (s: string | Buffer): void => {
    chunks.push(typeof s === 'string' ? Buffer.from(s, 'utf8') : s);
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
  };

  let clock = 0;
  const tick = (): number => ++clock;
  let written = 0;
  const seqs = new Map<string, number>();
  const lastEntry = new Map<string, string>();
  let previous: { sha: string; deploy: string | null } | null = null;
  let last: { service: string; current: string } = { service: 'svc0', current: '' };
  outer: for (let round = 0; ; round++) {
    for (let s = 0; s < services; s++) {
      const service = `svc${s}`;
      const seq = (seqs.get(service) ?? 0) + 1;
      seqs.set(service, seq);
      const current = svcViews.get(service)?.current ?? null;
      for (const e of deploymentEntries(service, seq, current, tick)) {
        if (written >= count) break outer;
        const ch = applyEntry(source, e);
        // The state log's bookkeeping: the record of the previous commit's deployment names it.
        if (previous?.deploy) {
          const prevId = previous.deploy;
          const rec = ch.deployments.find((r) => r.deploy_id === prevId) ?? records.get(prevId);
          if (rec) {
            const updated = { ...rec, last_entry: previous.sha };
            ch.deployments = [...ch.deployments.filter((r) => r.deploy_id !== prevId), updated];
          }
        }
        const when = Math.floor(Date.parse(e.applied_time) / 1000);
        push(`commit refs/heads/${branch}\n`);
        push(`mark :${written + 1}\n`);
        push(`author Ann Example <ann@example.com> ${when} +0000\n`);
        push(`committer Orbit <orbit@localhost> ${when} +0000\n`);
        data(commitMessage(e, e.deploy_id ? (lastEntry.get(e.deploy_id) ?? null) : null));
        const file = (path: string[], text: string): void => {
          push(`M 100644 inline ${path.join('/')}\n`);
          data(text);
        };
        file(['entry.json'], encodeEntry(e));
        file([LAYOUT_FILE], layoutFileContent());
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
        push(`get-mark :${written}\n`);
        const answer = new Promise<string>((resolve) => waiting.push(resolve));
        await flush();
        const sha = await answer;
        if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`fast-import get-mark: ${sha} ${stderr}`);
        if (e.deploy_id) lastEntry.set(e.deploy_id, sha);
        previous = { sha, deploy: e.deploy_id };
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
  const oldest = [...seqs.keys()]
    .map((service) => ({ deploy: `${service}-1`, lastEntry: lastEntry.get(`${service}-1`) ?? '' }))
    .filter((o) => o.lastEntry);
  return { entries: written, ...last, oldest };
}
