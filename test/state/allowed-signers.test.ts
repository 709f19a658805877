import { describe, expect, it } from 'vitest';
import { allowedSignerOf, parseAllowedSigners } from '../../src/state/allowed-signers.js';
import { isOrbitError } from '../../src/util/errors.js';

const KEY_A = 'AAAAC3NzaC1lZDI1NTE5AAAAIKrDvTSuPtRmVnPjtfUvkiuDZ4T9eF2lh5oUZXzVjGiB';
const KEY_B = 'AAAAC3NzaC1lZDI1NTE5AAAAIO4ZmFkIW8B1jbHnMGNvE3sFjUlLTEVDVGVkMjU1MTlx';
const blob = (k: string) => Buffer.from(k, 'base64');

describe('allowed signers', () => {
  it('honours the namespaces option, and never trusts lines it cannot check exactly', () => {
    const signers = parseAllowedSigners(
      [
        '# Orbit A and B',
        `orbit-a@example.com namespaces="git" ssh-ed25519 ${KEY_A} a`,
        `"b@example.com,ci@example.com" namespaces="file,!git" ssh-ed25519 ${KEY_B}`,
        `ca@example.com cert-authority ssh-ed25519 ${KEY_B}`,
        `later@example.com valid-after="20990101" ssh-ed25519 ${KEY_B}`,
        '',
      ].join('\n'),
      'allowed_signers',
    );
    expect(allowedSignerOf(signers, blob(KEY_A), 'git')?.principals).toBe('orbit-a@example.com');
    expect(allowedSignerOf(signers, blob(KEY_A), 'file')).toBeNull();
    // B may sign files, not git objects; as a CA or from 2099 it is left out altogether.
    expect(allowedSignerOf(signers, blob(KEY_B), 'git')).toBeNull();
    expect(allowedSignerOf(signers, blob(KEY_B), 'file')?.line).toBe(3);
  });

  it('refuses a malformed line with its file and line number', () => {
    let err: unknown = null;
    try {
      parseAllowedSigners(`ok@example.com ssh-ed25519 ${KEY_A}\nnot a signer line\n`, '/etc/orbit/allowed');
    } catch (e) {
      err = e;
    }
    expect(isOrbitError(err, 'E_STATE_SIGNERS')).toBe(true);
    expect((err as Error).message).toMatch(/^\/etc\/orbit\/allowed:2: /);
  });
});
