import * as fs from 'node:fs';
import { OrbitError } from '../util/errors.js';
import { readAllowedSigners } from './allowed-signers.js';
import { parseSigningKey } from './ssh-signature.js';
import type { StateSigning } from './state-log.js';

export interface StateSigningFiles {
  /** An unencrypted ed25519 private key (OpenSSH or PKCS#8): this Orbit signs its state commits with it. */
  keyFile?: string;
  /** An allowed signers file (ssh-keygen's format): every state commit after the trusted point must be signed by one. */
  allowedSignersFile?: string;
  /** The last commit accepted without a signature (where signing was turned on). */
  signedSince?: string;
}

/** Reads the operator's signing files; undefined when nothing is configured. */
export function loadStateSigning(files: StateSigningFiles): StateSigning | undefined {
  if (!files.keyFile && !files.allowedSignersFile) {
    if (files.signedSince)
      throw new OrbitError('E_STATE_SIGNERS', 'a signed-since commit needs an allowed signers file');
    return undefined;
  }
  const out: StateSigning = {};
  if (files.keyFile) {
    let text: string;
    try {
      text = fs.readFileSync(files.keyFile, 'utf8');
    } catch (err) {
      throw new OrbitError(
        'E_STATE_SIGNING_KEY',
        `cannot read state signing key ${files.keyFile}: ${(err as Error).message}`,
        { path: files.keyFile },
      );
    }
    out.key = parseSigningKey(text, files.keyFile);
  }
  if (files.allowedSignersFile) out.signers = readAllowedSigners(files.allowedSignersFile);
  if (files.signedSince) {
    if (!/^[0-9a-f]{40}$/.test(files.signedSince))
      throw new OrbitError('E_STATE_SIGNERS', `signed-since must be a full commit sha: ${files.signedSince}`);
    out.signedSince = files.signedSince;
  }
  return out;
}
