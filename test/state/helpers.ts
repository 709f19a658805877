import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { newEntry, type LogEntry } from '../../src/state/index.js';

export function tempRepo(opts: { bare?: boolean } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-state-'));
  execFileSync('git', ['init', '-q', ...(opts.bare ? ['--bare'] : []), '-b', 'main', dir]);
  return dir;
}

export function gitOut(dir: string, args: string[], input?: string): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    input,
  });
}

/** A commit made by someone other than Orbit (git's plumbing), on top of `parent`; its sha. */
export function commitTree(dir: string, tree: string, parent: string, message: string): string {
  return gitOut(dir, [
    '-c',
    'user.name=x',
    '-c',
    'user.email=x@y',
    'commit-tree',
    tree,
    '-p',
    parent,
    '-m',
    message,
  ]).trim();
}

export function entry(kind: LogEntry['kind'], fields: Partial<LogEntry> = {}): LogEntry {
  return newEntry(kind, 'waffle', new Date('2025-01-02T03:04:05.000Z'), {
    author: 'Ann <ann@example.com>',
    ...fields,
  });
}

export const action = (args: string[]): LogEntry['forward_action'] => ({
  agent: 'exec',
  args,
  env: {},
  params: {},
  timeout_ms: 60_000,
});

/** The entries of one successful deployment of `steps` steps. */
export function deployment(
  id: string,
  steps: string[],
  opts: { previous?: string | null; commit?: string; redeployOf?: string | null; service?: string } = {},
): LogEntry[] {
  const service = opts.service ?? id.slice(0, id.lastIndexOf('-'));
  const base = {
    service_id: service,
    deploy_id: id,
    config_commit: opts.commit ?? 'abc1234def',
    step_count: steps.length,
  };
  const out: LogEntry[] = [
    entry('deploy-started', {
      ...base,
      previous_deploy_id: opts.previous ?? null,
      redeploy_of: opts.redeployOf ?? null,
      values: { version: '1.0' },
    }),
  ];
  steps.forEach((name, i) => {
    const step = { ...base, step_index: i, step_name: name, step_id: `${id}/${i}-${name}` };
    out.push(entry('step-started', { ...step, forward_action: action([name, 'up']) }));
    out.push(
      entry('step-applied', {
        ...step,
        forward_action: action([name, 'up']),
        reverse_action: action([name, 'down']),
        exit_code: 0,
        duration_ms: 1800,
        log: `${name} forward output\n`,
        outputs: { [`${name}_out`]: 'x' },
      }),
    );
  });
  out.push(entry('deploy-succeeded', { ...base, previous_deploy_id: opts.previous ?? null }));
  return out;
}
