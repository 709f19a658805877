import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadStateSigning, newEntry, openStateLog, type StateSigning } from '../src/state/index.js';
import { sshSign } from '../src/state/ssh-signature.js';
import { median, round } from './stats.js';

/**
 * What signing state commits costs: per-append latency without and with an in-process ed25519
 * SSH signature (alternating rounds, same run), what one `ssh-keygen -Y sign` process per append
 * would have cost instead, and a reader's check of a signed branch it has not seen (per commit).
 * `ORBIT_BENCH_APPENDS=N` appends per round (default 200).
 */
const APPENDS = Number(process.env.ORBIT_BENCH_APPENDS ?? 200);
const ms = (t0: number): number => performance.now() - t0;
const tmp = (p: string): string => fs.mkdtempSync(path.join(os.tmpdir(), p));
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? NaN;

function bareRepo(): string {
  const dir = tmp('orbit-bench-sign-');
  execFileSync('git', ['init', '-q', '--bare', dir]);
  return dir;
}

async function appendRound(dir: string, signing: StateSigning | undefined, round: number): Promise<number[]> {
  const log = await openStateLog({ dir, signing, maintenance: { packLimit: 0 } });
  const out: number[] = [];
  for (let i = 0; i < APPENDS; i++) {
    const id = `svc-${round * APPENDS + i + 1}`;
    const e = newEntry('deploy-started', 'svc', new Date(), { deploy_id: id, step_count: 1, values: {} });
    const t0 = performance.now();
    await log.append(e);
    out.push(ms(t0));
  }
  await log.close();
  return out;
}

export async function stateSigning(): Promise<Record<string, unknown>> {
  const keyDir = tmp('orbit-bench-key-');
  const key = path.join(keyDir, 'key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench', '-f', key]);
  const signers = path.join(keyDir, 'allowed_signers');
  fs.writeFileSync(signers, `bench ${fs.readFileSync(`${key}.pub`, 'utf8')}`);
  const signing = loadStateSigning({ keyFile: key, allowedSignersFile: signers });

  const plainDir = bareRepo();
  const signedDir = bareRepo();
  const plain: number[] = [];
  const signed: number[] = [];
  for (let r = 0; r < 4; r++) {
    // Alternating which goes first, so warm-up favours neither.
    const pair = [
      async () => plain.push(...(await appendRound(plainDir, undefined, r))),
      async () => signed.push(...(await appendRound(signedDir, signing, r))),
    ];
    if (r % 2) pair.reverse();
    for (const run of pair) await run();
  }

  // The alternative: one ssh-keygen process per append.
  const payload = path.join(keyDir, 'payload');
  fs.writeFileSync(
    payload,
    execFileSync('git', ['--git-dir', signedDir, 'cat-file', 'commit', 'orbit/state']),
  );
  const keygen: number[] = [];
  for (let i = 0; i < 20; i++) {
    fs.rmSync(`${payload}.sig`, { force: true });
    const t0 = performance.now();
    execFileSync('ssh-keygen', ['-Y', 'sign', '-n', 'git', '-f', key, payload], { stdio: 'ignore' });
    keygen.push(ms(t0));
  }

  // The signature alone, in-process, over the same payload.
  const body = fs.readFileSync(payload);
  const t1 = performance.now();
  for (let i = 0; i < 1000; i++) sshSign(signing!.key!, body);
  const inProcess = ms(t1) / 1000;

  // A reader with no trusted point of its own (a failover partner) checks every commit.
  fs.rmSync(path.join(signedDir, 'orbit'), { recursive: true, force: true });
  const t0 = performance.now();
  const reader = await openStateLog({ dir: signedDir, readOnly: true, signing });
  const verifyAll = ms(t0);
  await reader.close();

  return {
    appends_per_variant: plain.length,
    append_ms_unsigned: { median: round(median(plain)), p90: round(p90(plain)) },
    append_ms_signed: { median: round(median(signed)), p90: round(p90(signed)) },
    signing_cost_ms_median: round(median(signed) - median(plain)),
    in_process_sign_ms: round(inProcess, 3),
    ssh_keygen_sign_process_ms_median: round(median(keygen)),
    reader_open_verifying_all_ms: round(verifyAll),
    verify_ms_per_commit: round(verifyAll / signed.length),
  };
}
