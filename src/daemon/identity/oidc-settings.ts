/**
 * The `oidc` object of the daemon's config file, checked at start: a mistake stops the daemon
 * with the file and the line of the setting (E_DAEMON_CONFIG).
 *
 *   "oidc": { "issuer": "...", "audience": "orbit", "jwks_url": "..." | "jwks_file": "...",
 *             "name_claim": "email", "groups_claim": "groups",
 *             "client_id": "orbit-dashboard", "scope": "openid email profile",
 *             "rules": [{ "claim": "groups", "equals": "platform", "roles": ["deployer"], "services": "web-*" }] }
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OrbitError } from '../../util/errors.js';
import { isRole, ROLES, type Role } from './roles.js';

export interface OidcRule {
  claim: string;
  equals: string;
  roles: Role[];
  services: string | null;
}

export interface OidcSettings {
  issuer: string;
  audience: string;
  jwksUrl: string | null;
  /** The key set read from `jwks_file` at start. */
  jwks: unknown;
  nameClaim: string;
  groupsClaim: string | null;
  rules: OidcRule[];
  /**
   * The dashboard's public client at the issuer (authorization code with PKCE, no secret): its
   * login page offers "Sign in with" the issuer. Null: no SSO button (tokens are pasted).
   */
  clientId?: string | null;
  /** The scopes the dashboard asks for; its ID token must carry the name and rule claims. */
  scope?: string;
}

const KEYS = [
  'issuer',
  'audience',
  'jwks_url',
  'jwks_file',
  'name_claim',
  'groups_claim',
  'rules',
  'client_id',
  'scope',
];
const RULE_KEYS = ['claim', 'equals', 'roles', 'services'];

/** The 1-based line of the `nth` `"key"` after `from` in the file's text (1 when not found). */
function lineOf(text: string, key: string, from = 0, nth = 0): number {
  let at = from;
  for (let i = 0; i <= nth; i++) {
    const next = text.indexOf(`"${key}"`, at);
    if (next < 0) return 1;
    at = next + 1;
  }
  return text.slice(0, at).split('\n').length;
}

export function parseOidcSettings(value: unknown, file: string, text: string): OidcSettings {
  const base = Math.max(0, text.indexOf('"oidc"'));
  const fail = (message: string, key = 'oidc', nth = 0): never => {
    const line = key === 'oidc' ? lineOf(text, 'oidc') : lineOf(text, key, base, nth);
    throw new OrbitError('E_DAEMON_CONFIG', `${file}:${line}: oidc: ${message}`, { file, line });
  };
  if (!value || typeof value !== 'object' || Array.isArray(value)) return fail('must be an object');
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!KEYS.includes(k)) fail(`unknown setting "${k}"; known: ${KEYS.join(', ')}`, k);
  const str = (k: string, required: boolean): string | null => {
    const v = o[k];
    if (v === undefined && !required) return null;
    if (typeof v !== 'string' || !v.trim())
      return fail(`"${k}" must be a non-empty string`, v === undefined ? 'oidc' : k);
    return v;
  };
  const issuer = str('issuer', true)!;
  const audience = str('audience', true)!;
  const jwksUrl = str('jwks_url', false);
  const jwksFile = str('jwks_file', false);
  if (!jwksUrl === !jwksFile) fail('give exactly one of "jwks_url" and "jwks_file"');
  if (jwksUrl) {
    let url: URL | null = null;
    try {
      url = new URL(jwksUrl);
    } catch {
      fail(`"jwks_url" is not a URL: ${jwksUrl}`, 'jwks_url');
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url!.hostname);
    if (url!.protocol !== 'https:' && !(url!.protocol === 'http:' && loopback))
      fail('"jwks_url" must be https (http only on loopback)', 'jwks_url');
  }
  let jwks: unknown = null;
  if (jwksFile) {
    const where = path.resolve(path.dirname(file), jwksFile);
    try {
      jwks = JSON.parse(readFileSync(where, 'utf8'));
    } catch (err) {
      fail(`cannot read "jwks_file" ${where}: ${(err as Error).message}`, 'jwks_file');
    }
    const keys = (jwks as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys) || keys.length === 0)
      fail(`"jwks_file" ${where} holds no {"keys": [...]} key set`, 'jwks_file');
  }
  const rulesValue = o.rules ?? [];
  if (!Array.isArray(rulesValue)) fail('"rules" must be a list', 'rules');
  const rules = (rulesValue as unknown[]).map((r, i): OidcRule => {
    const at = (k: string) => (RULE_KEYS.includes(k) ? k : 'rules');
    if (!r || typeof r !== 'object' || Array.isArray(r))
      return fail(`rules[${i}] must be an object`, 'rules');
    const rule = r as Record<string, unknown>;
    for (const k of Object.keys(rule))
      if (!RULE_KEYS.includes(k)) fail(`rules[${i}]: unknown key "${k}"; known: ${RULE_KEYS.join(', ')}`, k);
    if (typeof rule.claim !== 'string' || !rule.claim)
      fail(`rules[${i}].claim must be a claim name`, at('claim'), i);
    if (typeof rule.equals !== 'string') fail(`rules[${i}].equals must be a string`, at('equals'), i);
    const roles = rule.roles;
    if (!Array.isArray(roles) || roles.length === 0 || roles.some((x) => typeof x !== 'string' || !isRole(x)))
      fail(`rules[${i}].roles must be a list of roles (${ROLES.join(', ')})`, at('roles'), i);
    if (rule.services !== undefined && (typeof rule.services !== 'string' || !rule.services))
      fail(`rules[${i}].services must be a glob`, at('services'), i);
    return {
      claim: rule.claim as string,
      equals: rule.equals as string,
      roles: roles as Role[],
      services: (rule.services as string | undefined) ?? null,
    };
  });
  return {
    issuer,
    audience,
    jwksUrl,
    jwks,
    nameClaim: str('name_claim', false) ?? 'sub',
    groupsClaim: str('groups_claim', false),
    rules,
    clientId: str('client_id', false),
    scope: str('scope', false) ?? 'openid email profile',
  };
}
