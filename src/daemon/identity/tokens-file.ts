/**
 * The tokens file: one token per line, `NAME ROLES SERVICES ID HASH`, `#` comments. ROLES is a
 * comma-separated list, SERVICES a glob or `*`, ID a random lookup id (the token's prefix, so a
 * request costs one scrypt, not one per line), HASH `scrypt$N$r$p$salt$hash` (base64url). The file
 * never holds a token: `orbit token create` prints it once.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { OrbitError } from '../../util/errors.js';
import { isRole, ROLES, type Grant, type Role } from './roles.js';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** scrypt's cost (OWASP's minimum for scrypt): ~50 ms per check; verified tokens are cached. */
const COST = { N: 16384, r: 8, p: 1 } as const;
const KEY_LEN = 32;
export const TOKEN_PREFIX = 'orbit_';
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$/;

export interface TokenLine {
  name: string;
  roles: Role[];
  services: string | null;
  id: string;
  hash: { N: number; r: number; p: number; salt: Buffer; key: Buffer };
  line: number;
}

const b64 = (b: Buffer) => b.toString('base64url');

async function derive(secret: string, salt: Buffer, c: { N: number; r: number; p: number }): Promise<Buffer> {
  return scryptAsync(secret, salt, KEY_LEN, { ...c, maxmem: 128 * c.N * c.r * 2 });
}

/** A new token for `name` and its file line; the token is shown once and never stored. */
export async function createToken(
  name: string,
  roles: Role[],
  services: string | null,
): Promise<{ token: string; line: string }> {
  const id = randomBytes(9).toString('hex');
  const secret = b64(randomBytes(32));
  const salt = randomBytes(16);
  const key = await derive(secret, salt, COST);
  const hash = `scrypt$${COST.N}$${COST.r}$${COST.p}$${b64(salt)}$${b64(key)}`;
  return {
    token: `${TOKEN_PREFIX}${id}_${secret}`,
    line: `${name} ${roles.join(',')} ${services ?? '*'} ${id} ${hash}`,
  };
}

const bad = (file: string, line: number, message: string) =>
  new OrbitError('E_TOKENS_FILE', `${file}:${line}: ${message}`, { file, line });

export function parseTokensFile(text: string, file: string): TokenLine[] {
  const out: TokenLine[] = [];
  const ids = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const f = line.split(/\s+/);
    if (f.length !== 5) throw bad(file, n, 'expected NAME ROLES SERVICES ID HASH');
    const [name, roles, services, id, hash] = f as [string, string, string, string, string];
    if (!NAME_PATTERN.test(name)) throw bad(file, n, `"${name}" is not a name (letters, digits, _.@+-)`);
    const rs = roles.split(',');
    const wrong = rs.find((r) => !isRole(r));
    if (wrong !== undefined) throw bad(file, n, `unknown role "${wrong}"; roles: ${ROLES.join(', ')}`);
    if (!/^[0-9a-f]{18}$/.test(id)) throw bad(file, n, 'the token id must be 18 hex digits');
    if (ids.has(id)) throw bad(file, n, `token id ${id} is listed twice`);
    ids.add(id);
    const h = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{43})$/.exec(hash);
    const [N, r, p] = h ? [Number(h[1]), Number(h[2]), Number(h[3])] : [0, 0, 0];
    if (!h || N < 1024 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16)
      throw bad(file, n, 'the hash must be scrypt$N$r$p$salt$hash, as `orbit token create` writes it');
    out.push({
      name,
      roles: rs as Role[],
      services: services === '*' ? null : services,
      id,
      hash: { N, r, p, salt: Buffer.from(h[4]!, 'base64url'), key: Buffer.from(h[5]!, 'base64url') },
      line: n,
    });
  });
  return out;
}

export function readTokensFile(file: string): TokenLine[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new OrbitError('E_TOKENS_FILE', `cannot read the tokens file ${file}: ${(err as Error).message}`, {
      file,
    });
  }
  return parseTokensFile(text, file);
}

export const grantsOf = (t: TokenLine): Grant[] => t.roles.map((role) => ({ role, services: t.services }));

/** A line with a salt nobody holds: an unknown id costs the same scrypt as a wrong secret. */
const DECOY = { ...COST, salt: randomBytes(16), key: randomBytes(KEY_LEN) };

/** The line `token` belongs to, or null; one scrypt either way, compared in constant time. */
export async function matchToken(lines: readonly TokenLine[], token: string): Promise<TokenLine | null> {
  const m = /^orbit_([0-9a-f]{18})_([A-Za-z0-9_-]{1,200})$/.exec(token);
  const found = m ? lines.find((l) => l.id === m[1]) : undefined;
  const h = found?.hash ?? DECOY;
  const key = await derive(m?.[2] ?? token.slice(0, 200), h.salt, h);
  return timingSafeEqual(key, h.key) && found ? found : null;
}
