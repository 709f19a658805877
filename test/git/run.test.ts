import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchReader } from '../../src/git/batch-reader.js';
import { run, runBuffer } from '../../src/git/run.js';
import { stream } from '../../src/git/stream.js';
import { isOrbitError } from '../../src/util/errors.js';
import { ConfigRepo } from '../support/config-repo.js';

const repos: ConfigRepo[] = [];
const saved = { ...process.env };

function repo(): ConfigRepo {
  const r = new ConfigRepo('orbit-git-');
  repos.push(r);
  return r;
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; data: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    if (isOrbitError(err)) return { code: err.code, data: err.data };
    throw err;
  }
  throw new Error('expected a rejection');
}

afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  for (const r of repos.splice(0)) r.remove();
});

describe('run', () => {
  it('resolves stdout and the exit status', async () => {
    const r = repo();
    const sha = r.commit({ 'a.txt': 'a\n' }, 'one');
    const out = await run(['rev-parse', 'HEAD'], { cwd: r.dir });
    expect(out).toMatchObject({ status: 0, stdout: `${sha}\n` });
  });

  it('a silent non-zero exit is an error, unless the caller expects that status', async () => {
    const r = repo();
    const first = r.commit({ 'a.txt': 'a\n' }, 'one');
    r.git('checkout', '-q', '--orphan', 'other');
    const other = r.commit({ 'b.txt': 'b\n' }, 'two');
    // "not an ancestor": exit 1, nothing on stderr.
    const args = ['merge-base', '--is-ancestor', first, other];
    const failure = await codeOf(run(args, { cwd: r.dir }));
    expect(failure.code).toBe('E_GIT');
    expect(failure.data).toMatchObject({ status: 1, stderr: '' });
    expect((await run(args, { cwd: r.dir, okStatus: [1] })).status).toBe(1);
  });

  it('reports git that cannot be started with its own code', async () => {
    process.env.PATH = '/nonexistent';
    const failure = await codeOf(run(['--version']));
    expect(failure.code).toBe('E_GIT');
    expect(failure.data.status).toBeNull();
    const streamed = (async () => {
      for await (const _ of stream(['--version'])) void _;
    })();
    expect((await codeOf(streamed)).code).toBe('E_GIT');
  });

  it('returns all of a large output, as bytes', async () => {
    const r = repo();
    const big = Buffer.alloc(5 * 1024 * 1024, 'x');
    big[big.length - 1] = 0x0a;
    r.write('big.bin', big.toString());
    r.commit({}, 'big');
    const out = await runBuffer(['cat-file', 'blob', 'HEAD:big.bin'], { cwd: r.dir });
    expect(out.stdout.equals(big)).toBe(true);
  });

  it('a GIT_DIR (or GIT_WORK_TREE, GIT_INDEX_FILE) in the caller’s environment does not redirect a read', async () => {
    const mine = repo();
    const theirs = repo();
    const sha = mine.commit({ 'a.txt': 'mine\n' }, 'mine');
    theirs.commit({ 'a.txt': 'theirs\n' }, 'theirs');
    process.env.GIT_DIR = path.join(theirs.dir, '.git');
    process.env.GIT_WORK_TREE = theirs.dir;
    process.env.GIT_INDEX_FILE = path.join(theirs.dir, '.git', 'index');
    process.env.GIT_CONFIG_COUNT = '1';
    process.env.GIT_CONFIG_KEY_0 = 'alias.rev-parse';
    process.env.GIT_CONFIG_VALUE_0 = '!echo forged';
    expect((await run(['rev-parse', 'HEAD'], { cwd: mine.dir })).stdout.trim()).toBe(sha);
    expect((await run(['show', 'HEAD:a.txt'], { cwd: mine.dir })).stdout).toBe('mine\n');
    const reader = new BatchReader(path.join(mine.dir, '.git'));
    try {
      expect((await reader.read('HEAD:a.txt'))?.content.toString()).toBe('mine\n');
    } finally {
      reader.close();
    }
  });

  it('a repository’s own hooks do not run (a push here is Orbit’s, not a user’s)', async () => {
    const r = repo();
    r.commit({ 'a.txt': 'a\n' }, 'one');
    const marker = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-hook-')), 'ran');
    const hook = path.join(r.dir, '.git', 'hooks', 'pre-push');
    writeFileSync(hook, `#!/bin/sh\ntouch ${marker}\n`);
    chmodSync(hook, 0o755);
    const remote = mkdtempSync(path.join(os.tmpdir(), 'orbit-remote-'));
    await run(['init', '-q', '--bare', remote]);
    await run(['push', '-q', remote, 'HEAD:refs/heads/main'], { cwd: r.dir, remote: true });
    expect(existsSync(marker)).toBe(false);
    // The same push through the plain CLI does run the hook: the test would see it.
    r.git('push', '-q', remote, 'HEAD:refs/heads/copy');
    expect(existsSync(marker)).toBe(true);
  });
});

describe('stream', () => {
  it('yields NUL-terminated records, and checks the exit status at the end', async () => {
    const r = repo();
    r.commit({ 'a b.txt': '1\n', 'new\nline.txt': '2\n' }, 'one');
    const names: string[] = [];
    for await (const rec of stream(['ls-tree', '-z', '--name-only', 'HEAD'], { cwd: r.dir, separator: '\0' }))
      names.push(rec);
    expect(names).toEqual(['a b.txt', 'new\nline.txt']);

    const failing = (async () => {
      for await (const _ of stream(['log', 'no-such-ref', '--'], { cwd: r.dir })) void _;
    })();
    expect((await codeOf(failing)).code).toBe('E_GIT');
  });

  it('leaving early stops git and is not an error', async () => {
    const r = repo();
    // Far more than a pipe holds: git is still writing when the loop leaves.
    r.commit({ 'lines.txt': 'line\n'.repeat(500_000) }, 'many lines');
    const seen: string[] = [];
    for await (const line of stream(['cat-file', 'blob', 'HEAD:lines.txt'], { cwd: r.dir })) {
      seen.push(line);
      break;
    }
    expect(seen).toEqual(['line']);
  });
});
