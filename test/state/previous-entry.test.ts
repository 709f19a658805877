import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateLog, type OrbitStateLog } from '../../src/state/index.js';
import { deployment, entry, gitOut, tempRepo } from './helpers.js';
import { recordPath } from '../../src/state/paths.js';

/**
 * Puts a `git` first on PATH that records its arguments, then runs the real one: which git
 * commands the state log runs, seen from outside.
 */
let traceFile = '';
let savedPath: string | undefined;
beforeEach(() => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-git-trace-'));
  traceFile = path.join(bin, 'trace');
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  fs.writeFileSync(
    path.join(bin, 'git'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${traceFile}'\nexec '${real}' "$@"\n`,
    { mode: 0o755 },
  );
  savedPath = process.env.PATH;
  process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ''}`;
});
const open: OrbitStateLog[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
  process.env.PATH = savedPath;
});
const gitCalls = (): string[] =>
  fs.existsSync(traceFile) ? fs.readFileSync(traceFile, 'utf8').trim().split('\n') : [];
const logWalks = (): string[] => gitCalls().filter((c) => / (log|rev-list) /.test(` ${c} `));
const clearTrace = (): void => fs.rmSync(traceFile, { force: true });

async function openLog(dir: string): Promise<OrbitStateLog> {
  const log = await openStateLog({ dir });
  open.push(log);
  return log;
}

const previousEntry = (dir: string, sha: string): string =>
  gitOut(dir, ['log', '-1', '--format=%(trailers:key=Orbit-Previous-Entry,valueonly)', sha]).trim();

describe('Orbit-Previous-Entry after a restart', () => {
  it('finds a deployment whose last entry is far back without walking history', async () => {
    const dir = tempRepo({ bare: true });
    let log = await openLog(dir);
    let lastOfWaffle = '';
    for (const e of deployment('waffle-1', ['migrate'])) lastOfWaffle = await log.append(e);
    // Much history after it, of other deployments (and some entries of no deployment).
    let lastOfPancake = '';
    for (let i = 1; i <= 40; i++) {
      const previous = i > 1 ? `pancake-${i - 1}` : null;
      for (const e of deployment(`pancake-${i}`, ['a', 'b'], { previous }))
        lastOfPancake = await log.append(e);
      await log.append(entry('commit-seen', { service_id: '', config_commit: `c${i}` }));
    }
    await log.close();
    open.length = 0;

    // Restart: nothing in memory. The record names its last entry; the head is the other case.
    clearTrace();
    log = await openLog(dir);
    expect((await log.deployment('waffle-1'))?.last_entry).toBe(lastOfWaffle);
    const unwind = await log.append(entry('unwind-started', { deploy_id: 'waffle-1', reason: 'user' }));
    const reversed = await log.append(
      entry('step-reversed', { deploy_id: 'waffle-1', step_index: 0, step_name: 'migrate' }),
    );
    await log.close();
    open.length = 0;
    log = await openLog(dir);
    const unwound = await log.append(entry('deploy-unwound', { deploy_id: 'waffle-1', reason: 'user' }));
    const pancake = await log.append(
      entry('unwind-started', { service_id: 'pancake', deploy_id: 'pancake-40', reason: 'user' }),
    );
    // No git command walked history (the checks below use git log themselves).
    expect(gitCalls().length).toBeGreaterThan(0);
    expect(logWalks()).toEqual([]);

    expect(previousEntry(dir, unwind)).toBe(lastOfWaffle);
    expect(previousEntry(dir, reversed)).toBe(unwind);
    expect(previousEntry(dir, unwound)).toBe(reversed); // the head's own deployment, after a restart
    expect(previousEntry(dir, pancake)).toBe(lastOfPancake);
    gitOut(dir, ['fsck', '--full', '--strict', '--no-dangling']);
  });

  it('still finds it (one git log) in a record written before Orbit kept last_entry', async () => {
    const dir = tempRepo({ bare: true });
    let log = await openLog(dir);
    let lastOfWaffle = '';
    for (const e of deployment('waffle-1', ['migrate'])) lastOfWaffle = await log.append(e);
    for (const e of deployment('pancake-1', ['a'])) await log.append(e);
    await log.close();
    open.length = 0;

    // An older Orbit's record: the same, without `last_entry`; appended as a commit on top.
    const recPath = recordPath('waffle-1').join('/');
    const rec = JSON.parse(gitOut(dir, ['show', `orbit/state:${recPath}`])) as Record<string, unknown>;
    expect(rec.last_entry).toBe(lastOfWaffle);
    delete rec.last_entry;
    const index = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-index-')), 'index');
    const env = { ...process.env, GIT_INDEX_FILE: index };
    const run = (args: string[], input?: string): string =>
      execFileSync('git', ['--git-dir', dir, ...args], { env, input, encoding: 'utf8' }).trim();
    const blob = run(['hash-object', '-w', '--stdin'], JSON.stringify(rec, null, 2) + '\n');
    const entryBlob = run(
      ['hash-object', '-w', '--stdin'],
      JSON.stringify(entry('commit-seen', { service_id: '' })),
    );
    run(['read-tree', 'orbit/state']);
    run(['update-index', '--cacheinfo', `100644,${blob},${recPath}`]);
    run(['update-index', '--cacheinfo', `100644,${entryBlob},entry.json`]);
    const tree = run(['write-tree']);
    const commit = run([
      '-c',
      'user.name=x',
      '-c',
      'user.email=x@y',
      'commit-tree',
      tree,
      '-p',
      'orbit/state',
      '-m',
      'old',
    ]);
    run(['update-ref', 'refs/heads/orbit/state', commit]);
    // Accepted deliberately, as an operator would accept a commit Orbit did not write.
    fs.rmSync(path.join(dir, 'orbit', 'orbit%2Fstate.last'));

    clearTrace();
    log = await openLog(dir);
    const unwind = await log.append(entry('unwind-started', { deploy_id: 'waffle-1', reason: 'user' }));
    expect(logWalks()).toHaveLength(1);
    expect(previousEntry(dir, unwind)).toBe(lastOfWaffle);
  });
});
