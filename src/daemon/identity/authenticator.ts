/**
 * Turns a request's `Authorization: Bearer ...` into an identity: a token from the tokens file
 * (`orbit_<id>_<secret>`), a JWT from the configured OIDC issuer, or the deprecated single token
 * (one `admin`). A bad credential is E_UNAUTHORIZED with one message whatever was wrong, so a
 * caller learns nothing about which names or ids exist.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import { OrbitError } from '../../util/errors.js';
import type { OidcVerifier } from './oidc.js';
import type { Identity } from './roles.js';
import { grantsOf, matchToken, readTokensFile, TOKEN_PREFIX, type TokenLine } from './tokens-file.js';

export interface AuthSources {
  tokensFile: string | null;
  /** The deprecated single token (`--token-file` / ORBIT_TOKEN). */
  legacyToken: string | null;
  oidc: OidcVerifier | null;
  /** Reads need no credential (`anonymous-read`). */
  anonymousRead: boolean;
}

const digest = (s: string) => createHash('sha256').update(s).digest();
const REFUSED = 'missing or wrong bearer token';

/** Whoever reads when `anonymous-read` is on and no credential was sent. */
export const ANONYMOUS: Identity = {
  name: 'anonymous',
  verifiedBy: 'anonymous',
  grants: [{ role: 'viewer', services: null }],
  groups: [],
};

export class Authenticator {
  private lines: TokenLine[] = [];
  private version = '';
  /** Tokens verified once (by their sha256), so a client does not pay scrypt per request. */
  private readonly verified = new Map<string, Identity>();

  constructor(private readonly sources: AuthSources) {
    // Read at start: a malformed file stops the daemon with its file and line.
    this.reload();
  }

  get anonymousRead(): boolean {
    return this.sources.anonymousRead;
  }

  /** Whether any credential can succeed at all. */
  get configured(): boolean {
    return !!(this.sources.tokensFile || this.sources.legacyToken || this.sources.oidc);
  }

  /** The OIDC issuer and client the dashboard's login page signs in with, or null. */
  get oidcLogin(): OidcVerifier['login'] {
    return this.sources.oidc?.login ?? null;
  }

  get legacy(): boolean {
    return !!this.sources.legacyToken;
  }

  /**
   * Re-reads the tokens file when it changed (a token created or removed while the daemon runs).
   * A file that became malformed keeps the tokens read before: the error is thrown to the caller
   * at start only.
   */
  private reload(): void {
    const file = this.sources.tokensFile;
    if (!file) return;
    let version: string;
    try {
      const st = statSync(file);
      version = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch (err) {
      if (this.version) return;
      throw new OrbitError(
        'E_TOKENS_FILE',
        `cannot read the tokens file ${file}: ${(err as Error).message}`,
        {
          file,
        },
      );
    }
    if (version === this.version) return;
    try {
      this.lines = readTokensFile(file);
    } catch (err) {
      if (!this.version) throw err;
      return;
    }
    this.version = version;
    this.verified.clear();
  }

  /** The identity a bearer credential proves; null when the request carries none. */
  async authenticate(header: string | undefined): Promise<Identity | null> {
    if (header === undefined || header === '') return null;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw unauthorized();
    const token = m[1]!;
    if (token.startsWith(TOKEN_PREFIX) && this.sources.tokensFile) return this.fromFile(token);
    if (this.sources.oidc && token.split('.').length === 3) return this.sources.oidc.verify(token);
    const legacy = this.sources.legacyToken;
    if (legacy && timingSafeEqual(digest(token), digest(legacy)))
      return {
        name: 'api',
        verifiedBy: 'shared-token',
        grants: [{ role: 'admin', services: null }],
        groups: [],
        legacy: true,
      };
    throw unauthorized();
  }

  private async fromFile(token: string): Promise<Identity> {
    this.reload();
    const key = digest(token).toString('hex');
    const cached = this.verified.get(key);
    if (cached) return cached;
    const line = await matchToken(this.lines, token);
    if (!line) throw unauthorized();
    const identity: Identity = {
      name: line.name,
      verifiedBy: `token ${line.name} (${line.id})`,
      grants: grantsOf(line),
      groups: [],
    };
    if (this.verified.size >= 1000) this.verified.clear();
    this.verified.set(key, identity);
    return identity;
  }
}

export const unauthorized = (message = REFUSED) => new OrbitError('E_UNAUTHORIZED', message);
