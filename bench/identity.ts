import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Authenticator } from '../src/daemon/identity/authenticator.js';
import { createToken } from '../src/daemon/identity/tokens-file.js';
import { SigningPolicy } from '../src/engine/signing-policy.js';
import { median, round } from './stats.js';

/**
 * What identities cost: a tokens-file token's first check (one scrypt) and a later one (cached),
 * and the signature check every config commit job now runs: in a repository without a signing
 * policy (what every user pays) and with one, on signed commits (ssh-keygen per commit, through
 * git). `ORBIT_BENCH_COMMITS=N` commits per case (default 40).
 */
const COMMITS = Number(process.env.ORBIT_BENCH_COMMITS ?? 40);
const tmp = (p: string): string => fs.mkdtempSync(path.join(os.tmpdir(), p));

async function timed(n: number, f: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f(i);
    out.push(performance.now() - t0);
  }
  return out;
}

function repoWith(commits: number, policy: boolean, key: string): { dir: string; shas: string[] } {
  const dir = tmp('orbit-bench-id-');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Bench');
  git('config', 'user.email', 'bench@example.com');
  git('config', 'gpg.format', 'ssh');
  git('config', 'user.signingkey', key);
  if (policy) {
    fs.writeFileSync(
      path.join(dir, 'orbit.hcl'),
      'settings {\n  require_signed_commits = true\n  allowed_signers = "signers"\n}\n',
    );
    fs.writeFileSync(path.join(dir, 'signers'), `bench@example.com ${fs.readFileSync(`${key}.pub`, 'utf8')}`);
  }
  const shas: string[] = [];
  for (let i = 0; i < commits + 1; i++) {
    fs.writeFileSync(path.join(dir, 'values.hcl'), `v = ${i}\n`);
    git('add', '-A');
    git('commit', '-q', ...(policy ? ['-S'] : []), '-m', `c${i}`);
    shas.push(git('rev-parse', 'HEAD'));
  }
  return { dir, shas: shas.slice(1) };
}

export async function identityBench(): Promise<Record<string, unknown>> {
  const dir = tmp('orbit-bench-tokens-');
  const file = path.join(dir, 'tokens');
  const created = await Promise.all(
    Array.from({ length: 20 }, (_, i) => createToken(`u${i}`, ['viewer'], null)),
  );
  fs.writeFileSync(file, created.map((c) => c.line).join('\n') + '\n');
  const auth = new Authenticator({ tokensFile: file, legacyToken: null, oidc: null, anonymousRead: false });
  const first = await timed(created.length, (i) => auth.authenticate(`Bearer ${created[i]!.token}`));
  const cached = await timed(200, (i) => auth.authenticate(`Bearer ${created[i % created.length]!.token}`));
  const wrong = await timed(10, () =>
    auth.authenticate(`Bearer orbit_${'0'.repeat(18)}_${'A'.repeat(43)}`).catch(() => undefined),
  );

  const keys = tmp('orbit-bench-keys-');
  const key = path.join(keys, 'k');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const result: Record<string, unknown> = {
    token_first_check_ms: round(median(first)),
    token_cached_check_ms: round(median(cached), 3),
    token_unknown_id_ms: round(median(wrong)),
  };
  for (const [name, policy] of [
    ['no_policy', false],
    ['signed_commits', true],
  ] as const) {
    const repo = repoWith(COMMITS, policy, key);
    const signing = new SigningPolicy(repo.dir);
    const times = await timed(repo.shas.length, (i) => signing.check(repo.shas[i]!));
    result[`commit_check_${name}_ms`] = round(median(times));
    fs.rmSync(repo.dir, { recursive: true, force: true });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(keys, { recursive: true, force: true });
  return { commits: COMMITS, ...result };
}
