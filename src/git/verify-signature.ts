/**
 * Whether a commit is signed by an allowed signer, as git itself says it: `%G?` (and the signer's
 * principal `%GS`, key fingerprint `%GF`) with `gpg.ssh.allowedSignersFile` pointing at the file
 * given. Only `G` (good, by a principal the file lists) counts; an SSH signature by a key the file
 * does not list is `U` to git, and is not good enough here.
 */
import { run } from './run.js';

export interface CommitSignature {
  /** git's %G?: G good, B bad, U good but unknown key, N none, E cannot check, X/Y/R expired/revoked. */
  status: string;
  principal: string | null;
  fingerprint: string | null;
}

export async function commitSignature(
  cwd: string,
  sha: string,
  allowedSignersFile: string,
): Promise<CommitSignature> {
  const out = await run(
    [
      '-c',
      `gpg.ssh.allowedSignersFile=${allowedSignersFile}`,
      'log',
      '-1',
      '--no-show-signature',
      '--format=%G?%x00%GS%x00%GF',
      '--end-of-options',
      sha,
      '--',
    ],
    { cwd },
  );
  const [status = 'N', principal = '', fingerprint = ''] = out.stdout.trim().split('\0');
  return { status, principal: principal || null, fingerprint: fingerprint || null };
}

/** What each %G? letter means, for the rejection's message. */
export const SIGNATURE_WORDS: Readonly<Record<string, string>> = {
  G: 'signed by an allowed signer',
  B: 'signed, but the signature does not verify',
  U: 'signed by a key the allowed signers file does not list',
  N: 'not signed',
  E: 'signed in a way that cannot be checked here',
  X: 'signed with an expired signature',
  Y: 'signed by an expired key',
  R: 'signed by a revoked key',
};
