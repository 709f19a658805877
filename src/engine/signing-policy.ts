/**
 * `settings { require_signed_commits = true, allowed_signers = "..." }`: which config commits may
 * deploy. A commit is checked under the policy in force at its first parent, so no commit lifts
 * its own check. The policy in force at a commit is its orbit.hcl's, unless the last commit that
 * changed the policy files (orbit.hcl, an allowed signers file in the repository) was itself not
 * signed as the policy before it required: such a change counts for nothing, and the policy before
 * it stays in force (an unsigned commit cannot switch signing off or add its own key).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadRepoSettings } from '../config/load.js';
import type { RepoSettings } from '../config/types.js';
import { resolveCommit } from '../git/ancestry.js';
import { PathChanges } from '../git/path-changes.js';
import { run } from '../git/run.js';
import { commitSignature, SIGNATURE_WORDS } from '../git/verify-signature.js';
import { ConfigError } from '../util/errors.js';

interface Policy {
  required: boolean;
  /** Relative: a file in the repository at `at`; absolute: a file on this host. */
  signers: string | null;
  at: string | null;
}

export type SignatureCheck =
  | { ok: true; verifiedBy: string | null }
  | { ok: false; error: { code: 'E_UNSIGNED_COMMIT'; message: string } };

const OFF: Policy = { required: false, signers: null, at: null };
const ORBIT_FILE = 'orbit.hcl';

export class SigningPolicy {
  private readonly inForceAt = new Map<string, Promise<Policy>>();
  private readonly settingsAt = new Map<string, Promise<Policy | null>>();
  private readonly checked = new Map<string, Promise<SignatureCheck>>();

  private readonly history: PathChanges;

  /** `settings`: orbit.hcl's settings at a commit (the engine's evaluator reads them). */
  constructor(
    private readonly repoDir: string,
    private readonly settingsOf: (ref: string) => Promise<RepoSettings> = (ref) =>
      loadRepoSettings(repoDir, ref),
  ) {
    this.history = new PathChanges(repoDir);
  }

  /** Whether `sha` may deploy, and the signer it is recorded as when it was checked. */
  check(sha: string): Promise<SignatureCheck> {
    let memo = this.checked.get(sha);
    if (!memo) {
      memo = (async (): Promise<SignatureCheck> => {
        // Most repositories never set a policy: no commit before this one touched orbit.hcl, and
        // that is all (read from the object store, one commit per new commit on a known line).
        const touching = await this.changes(sha, [ORBIT_FILE], 2);
        if (!touching.some((c) => c !== sha)) return { ok: true, verifiedBy: null };
        const parent = await resolveCommit({ cwd: this.repoDir }, `${sha}^`);
        const policy = parent ? await this.inForce(parent) : OFF;
        return policy.required ? this.verify(sha, policy) : { ok: true, verifiedBy: null };
      })();
      this.checked.set(sha, memo);
      // A git failure is not a verdict: asked again, it is checked again.
      memo.catch(() => this.checked.delete(sha));
    }
    return memo;
  }

  /** The newest `max` first-parent commits at or before `x` that changed one of `paths`. */
  private changes(x: string, paths: string[], max: number): Promise<string[]> {
    return this.history.changes(x, paths, max);
  }

  private async lastChange(x: string, paths: string[]): Promise<string | null> {
    return (await this.changes(x, paths, 1))[0] ?? null;
  }

  /** The policy in force at commit `x` (see the file comment). */
  private async inForce(x: string): Promise<Policy> {
    // No commit ever touched orbit.hcl: there is no policy (and nothing to parse).
    const touched = await this.lastChange(x, [ORBIT_FILE]);
    if (!touched) return OFF;
    const own = await this.settings(touched);
    const inRepo = own?.signers && !path.isAbsolute(own.signers) ? own.signers : null;
    const changed = inRepo ? ((await this.lastChange(x, [ORBIT_FILE, inRepo])) ?? touched) : touched;
    let memo = this.inForceAt.get(changed);
    if (!memo) {
      memo = this.decide(changed, own);
      this.inForceAt.set(changed, memo);
    }
    return memo;
  }

  /** The policy after `changed`, the newest commit to touch the policy files. */
  private async decide(changed: string, own: Policy | null): Promise<Policy> {
    const parent = await resolveCommit({ cwd: this.repoDir }, `${changed}^`);
    const before = parent ? await this.inForce(parent) : OFF;
    if (before.required && !(await this.verify(changed, before)).ok) return before;
    // An orbit.hcl that does not load says nothing: keep what was in force (fail closed).
    return own ? { ...own, at: changed } : before;
  }

  private settings(x: string): Promise<Policy | null> {
    let memo = this.settingsAt.get(x);
    if (!memo) {
      memo = this.settingsOf(x).then(
        (s): Policy => ({ required: s.requireSignedCommits, signers: s.allowedSigners, at: x }),
        (err: unknown) => {
          if (err instanceof ConfigError) return null;
          throw err;
        },
      );
      this.settingsAt.set(x, memo);
    }
    return memo;
  }

  private async verify(sha: string, policy: Policy): Promise<SignatureCheck> {
    const short = sha.slice(0, 12);
    const refuse = (why: string): SignatureCheck => ({
      ok: false,
      error: {
        code: 'E_UNSIGNED_COMMIT',
        message: `commit ${short} ${why}; orbit.hcl requires signed commits (allowed_signers = "${policy.signers}")`,
      },
    });
    const signers = policy.signers!;
    if (path.isAbsolute(signers)) return this.verdict(sha, signers, refuse);
    const blob = await run(['cat-file', 'blob', `${policy.at}:${signers}`], {
      cwd: this.repoDir,
      okStatus: [128],
    });
    if (blob.status !== 0) return refuse(`cannot be checked: ${signers} is not in the repository`);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orbit-signers-'));
    try {
      const file = path.join(dir, 'allowed_signers');
      await writeFile(file, blob.stdout, { mode: 0o600 });
      return await this.verdict(sha, file, refuse);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async verdict(
    sha: string,
    signersFile: string,
    refuse: (why: string) => SignatureCheck,
  ): Promise<SignatureCheck> {
    const sig = await commitSignature(this.repoDir, sha, signersFile);
    if (sig.status === 'G' && sig.principal)
      return { ok: true, verifiedBy: `ssh-signature ${sig.principal} ${sig.fingerprint ?? ''}`.trim() };
    return refuse(`is ${SIGNATURE_WORDS[sig.status] ?? `not verified (${sig.status})`}`);
  }
}
