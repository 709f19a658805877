import * as fs from 'node:fs';
import { OrbitError } from '../util/errors.js';

/**
 * An allowed signers file, as `ssh-keygen -Y verify` and git's `gpg.ssh.allowedSignersFile` read
 * it: `principals [options] keytype base64-key [comment]` per line. Orbit only needs to know which
 * keys may sign state commits in the `git` namespace. Lines it cannot honour exactly are left out
 * (never trusted more than ssh-keygen would): `cert-authority`, `valid-after`/`valid-before`.
 */
export interface AllowedSigner {
  principals: string;
  keyType: string;
  key: Buffer;
  namespaces: string[] | null;
  line: number;
}

/** Splits on blanks outside double quotes. */
function tokens(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === ' ' || ch === '\t')) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

const KEY_TYPE = /^(ssh-|ecdsa-|sk-)/;

function options(text: string): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (const m of text.matchAll(/([A-Za-z-]+)(?:="([^"]*)")?(?:,|$)/g))
    out.set(m[1]!.toLowerCase(), m[2] ?? true);
  return out;
}

export function parseAllowedSigners(text: string, where: string): AllowedSigner[] {
  const out: AllowedSigner[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const t = tokens(line);
    let at = 1;
    let opts = new Map<string, string | true>();
    if (t[at] && !KEY_TYPE.test(t[at]!)) opts = options(t[at++]!);
    const keyType = t[at];
    const key = t[at + 1];
    if (!t[0] || !keyType || !key || !KEY_TYPE.test(keyType) || !/^[A-Za-z0-9+/]+=*$/.test(key))
      throw new OrbitError(
        'E_STATE_SIGNERS',
        `${where}:${i + 1}: not an allowed signers line (principals [options] keytype key)`,
        { path: where, line: i + 1 },
      );
    if (opts.has('cert-authority') || opts.has('valid-after') || opts.has('valid-before')) return;
    const ns = opts.get('namespaces');
    out.push({
      principals: t[0],
      keyType,
      key: Buffer.from(key, 'base64'),
      namespaces: typeof ns === 'string' ? ns.split(',').map((s) => s.trim()) : null,
      line: i + 1,
    });
  });
  return out;
}

export function readAllowedSigners(file: string): AllowedSigner[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new OrbitError(
      'E_STATE_SIGNERS',
      `cannot read allowed signers file ${file}: ${(err as Error).message}`,
      {
        path: file,
      },
    );
  }
  return parseAllowedSigners(text, file);
}

const glob = (pattern: string, s: string): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(s);

/** The signer line allowing `key` (a public key wire blob) to sign in `namespace`, if any. */
export function allowedSignerOf(
  signers: readonly AllowedSigner[],
  key: Buffer,
  namespace: string,
): AllowedSigner | null {
  return (
    signers.find(
      (s) =>
        s.key.equals(key) &&
        (s.namespaces === null ||
          (s.namespaces.some((p) => (p.startsWith('!') ? false : glob(p, namespace))) &&
            !s.namespaces.some((p) => p.startsWith('!') && glob(p.slice(1), namespace)))),
    ) ?? null
  );
}
