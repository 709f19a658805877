/**
 * A state branch in which every service has one succeeded deployment of one config commit, as
 * the engine would have written it (the real entries through the real projection, the real tree
 * layout), committed as one snapshot through `git fast-import`: what status reads is the head's
 * views, and appending 40,000 entries one by one to get there takes longer than the benchmark.
 * Its history is one commit (a `commit-seen` at the config head); its records name no previous
 * entry (`last_entry: null`), so a later append to one of them carries no `Orbit-Previous-Entry`.
 */
import { spawn } from 'node:child_process';
import {
  applyEntry,
  encodeEntry,
  commitMessage,
  newEntry,
  recordPath,
  servicePath,
  stepLogName,
  stepsDir,
  type DeploymentRecord,
  type LogEntry,
  type ServiceView,
} from '../src/state/index.js';
import { LAYOUT_FILE, layoutFileContent } from '../src/state/services-layout.js';

const ACTION = (args: string[]): LogEntry['forward_action'] => ({
  agent: 'exec',
  args,
  env: {},
  params: {},
  timeout_ms: 3_600_000,
});

/** One deployment of `service` at `commit`: started, its one step started and applied, succeeded. */
function deploymentEntries(service: string, commit: string, at: Date): LogEntry[] {
  const id = `${service}-1`;
  const base = { deploy_id: id, config_commit: commit, author: 'Ann Operator <ann@example.com>' };
  const step = { step_index: 0, step_name: 'noop', step_id: `${id}/0-noop`, step_count: 1 };
  return [
    newEntry('deploy-started', service, at, { ...base, step_count: 1, values: { version: '1' } }),
    newEntry('step-started', service, at, { ...base, ...step, forward_action: ACTION(['true']) }),
    newEntry('step-applied', service, at, {
      ...base,
      ...step,
      forward_action: ACTION(['true']),
      reverse_action: ACTION(['true']),
      exit_code: 0,
      duration_ms: 2,
    }),
    newEntry('deploy-succeeded', service, at, base),
  ];
}

export async function seedState(
  gitdir: string,
  services: readonly string[],
  configCommit: string,
  branch = 'orbit/state',
): Promise<void> {
  const views = new Map<string, ServiceView>();
  const records = new Map<string, DeploymentRecord>();
  const logs = new Map<string, string>();
  const at = new Date('2026-01-01T00:00:00Z');
  const source = {
    service: (id: string) => views.get(id),
    deployment: (id: string) => records.get(id),
    stepLog: (id: string, i: number) => logs.get(`${id}/${i}`),
  };
  const files = new Map<string, string>();
  const project = (e: LogEntry): void => {
    const ch = applyEntry(source, e);
    for (const v of ch.services) views.set(v.service_id, v);
    for (const r of ch.deployments) records.set(r.deploy_id, { ...r, last_entry: null });
    for (const l of ch.stepLogs) {
      logs.set(`${l.deploy_id}/${l.step_index}`, l.log);
      files.set([...stepsDir(l.deploy_id), stepLogName(l.step_index, l.step_name)].join('/'), l.log);
    }
  };
  for (const s of services) for (const e of deploymentEntries(s, configCommit, at)) project(e);
  const seen = newEntry('commit-seen', '', at, {
    config_commit: configCommit,
    author: 'Ann Operator <ann@example.com>',
  });
  project(seen);
  for (const v of views.values())
    files.set(servicePath(v.service_id).join('/'), JSON.stringify(v, null, 2) + '\n');
  for (const r of records.values())
    files.set(recordPath(r.deploy_id).join('/'), JSON.stringify(r, null, 2) + '\n');
  files.set('cursor.json', JSON.stringify({ config_commit: configCommit }, null, 2) + '\n');
  files.set('entry.json', encodeEntry(seen));
  // Format 3's marker: without it a reader takes the sharded tree for a flat one and finds no service.
  files.set(LAYOUT_FILE, layoutFileContent());

  const chunks: Buffer[] = [];
  const data = (text: string): void => {
    const b = Buffer.from(text, 'utf8');
    chunks.push(Buffer.from(`data ${b.length}\n`), b, Buffer.from('\n'));
  };
  const when = Math.floor(at.getTime() / 1000);
  chunks.push(Buffer.from(`commit refs/heads/${branch}\n`));
  chunks.push(Buffer.from(`author Ann Operator <ann@example.com> ${when} +0000\n`));
  chunks.push(Buffer.from(`committer Orbit <orbit@localhost> ${when} +0000\n`));
  data(commitMessage(seen, null));
  for (const [path, text] of files) {
    chunks.push(Buffer.from(`M 100644 inline ${path}\n`));
    data(text);
  }
  chunks.push(Buffer.from('\ndone\n'));

  const proc = spawn('git', ['--git-dir', gitdir, 'fast-import', '--quiet', '--done'], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => {
    proc.on('close', (c) => resolve(c ?? -1));
    proc.stdin.end(Buffer.concat(chunks));
  });
  if (code !== 0) throw new Error(`git fast-import failed (${code}): ${stderr}`);
}
