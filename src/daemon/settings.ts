/**
 * The daemon's settings, from (highest first) command-line flags, `ORBIT_*` environment
 * variables, an optional JSON config file (`--config` / `ORBIT_CONFIG`), then defaults.
 * Secrets (the API token, the webhook secret) come from files or the environment, never flags.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDuration } from '../config/duration.js';
import { OrbitError } from '../util/errors.js';
import { parseOidcSettings, type OidcSettings } from './identity/oidc-settings.js';

/** Setting names as written in flags (`--poll-interval`) and in the config file. */
export const SETTING_KEYS = [
  'repo',
  'branch',
  'state-branch',
  'state-repo',
  'state-push',
  'state-signing-key',
  'state-allowed-signers',
  'state-signed-since',
  'eval-timeout',
  'listen',
  'data-dir',
  'poll-interval',
  'token-file',
  'tokens-file',
  'anonymous-read',
  'webhook-secret-file',
  'body-limit',
  'max-parallel',
  'docker-mode',
  'log-level',
] as const;

export type SettingKey = (typeof SETTING_KEYS)[number];
export type RawSettings = Partial<Record<SettingKey, string | number | boolean>>;

/** Settings only the config file can hold (structured values). */
const FILE_ONLY_KEYS = ['oidc'] as const;

export interface DaemonSettings {
  /** A local path (watched in place) or a URL / scp-style address (cloned and fetched). */
  repo: string;
  remote: boolean;
  branch: string;
  stateBranch: string;
  stateRepo: string | null;
  statePush: string | null;
  /** Signed state commits: file paths and the unsigned point, as given. */
  stateSigning: { keyFile?: string; allowedSignersFile?: string; signedSince?: string };
  /** Longest evaluation of one service's config at a commit (in the config evaluator process), ms. */
  evalTimeoutMs: number;
  host: string;
  port: number;
  dataDir: string;
  pollIntervalMs: number;
  /** The deprecated single API token (one `admin`): `--token-file` / ORBIT_TOKEN. */
  token: string | null;
  tokenFile: string | null;
  /** Named tokens with roles (`orbit token create`): `--tokens-file` / ORBIT_TOKENS_FILE. */
  tokensFile: string | null;
  /** Reads without a credential (`anonymous-read`); off by default. */
  anonymousRead: boolean;
  /** JWT bearer tokens from an OIDC issuer (config file `oidc`). */
  oidc: OidcSettings | null;
  webhookSecret: string | null;
  bodyLimit: number;
  /** null: `settings { max_parallel }` in orbit.hcl, else 4. */
  maxParallel: number | null;
  dockerMode: 'container' | 'swarm';
  logLevel: string;
}

/** `ORBIT_POLL_INTERVAL` for `poll-interval`, and so on. */
export const envName = (key: SettingKey): string => `ORBIT_${key.toUpperCase().replace(/-/g, '_')}`;

const bad = (message: string, data: Record<string, unknown> = {}) =>
  new OrbitError('E_DAEMON_CONFIG', message, data);

/** http(s)://, ssh://, git://, file:// and `user@host:path` are remotes; anything else is a path. */
export function isRemote(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^/\s:]+:/.test(repo);
}

export function parseListen(text: string): { host: string; port: number } {
  const t = text.trim();
  // `PORT`, `:PORT`, `HOST:PORT` or `[IPv6]:PORT`.
  const m = /^(?:(?:\[([^\]]+)\]|([^:[\]]*)):)?(\d+)$/.exec(t);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535)
    throw bad(`--listen must be HOST:PORT (e.g. 127.0.0.1:7420), got "${text}"`, { listen: text });
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

function readConfigFile(file: string): RawSettings & { oidc?: OidcSettings } {
  let parsed: unknown;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
    parsed = JSON.parse(text);
  } catch (err) {
    throw bad(`cannot read config file ${file}: ${(err as Error).message}`, { file });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw bad(`config file ${file} must hold a JSON object`, { file });
  const known: readonly string[] = [...SETTING_KEYS, ...FILE_ONLY_KEYS];
  const unknown = Object.keys(parsed).filter((k) => !known.includes(k));
  if (unknown.length)
    throw bad(`config file ${file}: unknown setting(s) ${unknown.join(', ')}; known: ${known.join(', ')}`, {
      file,
      unknown,
    });
  const { oidc, ...rest } = parsed as RawSettings & { oidc?: unknown };
  return { ...rest, ...(oidc !== undefined ? { oidc: parseOidcSettings(oidc, file, text) } : {}) };
}

function readSecretFile(file: string, what: string): string {
  try {
    const value = readFileSync(file, 'utf8').trim();
    if (!value) throw new Error('the file is empty');
    return value;
  } catch (err) {
    throw bad(`cannot read the ${what} from ${file}: ${(err as Error).message}`, { file });
  }
}

function defaultDataDir(env: Record<string, string | undefined>): string {
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'orbit');
}

/** Merges flags, environment and config file; validates; reads the secret files. */
export function resolveSettings(
  flags: RawSettings & { config?: string },
  env: Record<string, string | undefined> = process.env,
): DaemonSettings {
  const configFile = flags.config ?? env.ORBIT_CONFIG;
  const file: ReturnType<typeof readConfigFile> = configFile ? readConfigFile(configFile) : {};
  const get = (key: SettingKey): string | undefined => {
    const v = flags[key] ?? env[envName(key)] ?? file[key];
    return v === undefined || v === '' ? undefined : String(v);
  };
  const repo = get('repo');
  if (!repo)
    throw bad('no repository: pass --repo DIR|URL (or set ORBIT_REPO, or "repo" in the config file)');
  const remote = isRemote(repo);
  const interval = parseDuration(get('poll-interval') ?? '60s');
  if (interval === null || interval < 100)
    throw bad(`--poll-interval must be a duration such as 60s or 5m, got "${get('poll-interval')}"`);
  const int = (key: SettingKey, fallback: number): number => {
    const text = get(key);
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(n) || n <= 0) throw bad(`--${key} must be a positive whole number, got "${text}"`);
    return n;
  };
  const evalTimeout = parseDuration(get('eval-timeout') ?? '10s');
  if (evalTimeout === null || evalTimeout < 100)
    throw bad(`--eval-timeout must be a duration such as 10s or 1m, got "${get('eval-timeout')}"`);
  const tokenFile = get('token-file') ?? null;
  const tokensFile = get('tokens-file') ?? null;
  const anonymousRead = get('anonymous-read') ?? 'false';
  if (anonymousRead !== 'true' && anonymousRead !== 'false')
    throw bad(`--anonymous-read must be true or false, got "${anonymousRead}"`, { flag: '--anonymous-read' });
  const secretFile = get('webhook-secret-file') ?? null;
  const { host, port } = parseListen(get('listen') ?? '127.0.0.1:7420');
  return {
    repo: remote ? repo : path.resolve(repo),
    remote,
    branch: get('branch') ?? 'main',
    stateBranch: get('state-branch') ?? 'orbit/state',
    stateRepo: get('state-repo') ? path.resolve(get('state-repo')!) : null,
    statePush: get('state-push') ?? null,
    stateSigning: {
      keyFile: get('state-signing-key'),
      allowedSignersFile: get('state-allowed-signers'),
      signedSince: get('state-signed-since'),
    },
    evalTimeoutMs: evalTimeout,
    host,
    port,
    dataDir: path.resolve(get('data-dir') ?? defaultDataDir(env)),
    pollIntervalMs: interval,
    token: tokenFile ? readSecretFile(tokenFile, 'API token') : env.ORBIT_TOKEN || null,
    tokenFile: tokenFile ? path.resolve(tokenFile) : null,
    tokensFile: tokensFile ? path.resolve(tokensFile) : null,
    anonymousRead: anonymousRead === 'true',
    oidc: file.oidc ?? null,
    webhookSecret: secretFile
      ? readSecretFile(secretFile, 'webhook secret')
      : env.ORBIT_WEBHOOK_SECRET || null,
    bodyLimit: int('body-limit', 64 * 1024),
    maxParallel: get('max-parallel') === undefined ? null : int('max-parallel', 4),
    dockerMode: dockerMode(get('docker-mode')),
    logLevel: logLevel(get('log-level')),
  };
}

function dockerMode(text: string | undefined): 'container' | 'swarm' {
  if (text === undefined || text === 'container' || text === 'swarm') return text ?? 'container';
  throw bad(`--docker-mode must be container or swarm, got "${text}"`, { dockerMode: text });
}

/** pino's levels; anything else would only fail later, inside the logger, as an unexpected error. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

function logLevel(text: string | undefined): string {
  if (text === undefined || (LOG_LEVELS as readonly string[]).includes(text)) return text ?? 'info';
  throw bad(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${text}"`, { flag: '--log-level' });
}
