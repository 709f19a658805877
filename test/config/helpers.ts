import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { ConfigError } from '../../src/util/errors.js';
import type { Diagnostic } from '../../src/util/errors.js';
import type { RenderContext } from '../../src/config/types.js';

const run = promisify(execFile);

/** Writes files (repo-relative path → text) into a fresh temp directory. */
export async function makeRepo(files: Record<string, string>, dir?: string): Promise<string> {
  const root = dir ?? (await mkdtemp(join(tmpdir(), 'orbit-config-')));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

export async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd: dir,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
    },
  });
  return stdout.trim();
}

export async function commitAll(dir: string, message: string): Promise<string> {
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** Runs `fn`, expects a ConfigError, returns its diagnostics. */
export async function diagnosticsOf(fn: () => unknown): Promise<Diagnostic[]> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).diagnostics;
  }
  throw new Error('expected a ConfigError');
}

/** `code@line:col` for compact assertions. */
export function brief(ds: Diagnostic[]): string[] {
  return ds.map((d) => `${d.code}@${d.line}:${d.column}`);
}

export const CTX: RenderContext = {
  orbit: {
    deployment_id: 'waffle-7',
    service: 'waffle',
    commit: 'c0ffee',
    author: 'Ada <ada@example.com>',
    timestamp: '2026-01-01T00:00:00Z',
    sequence: 7,
  },
  previous: null,
  stepOutputs: {},
};
