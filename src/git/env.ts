/**
 * The environment git processes get: a whitelist, so nothing in the caller's environment
 * (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, GIT_CONFIG_*, GIT_OBJECT_DIRECTORY, ...) can point a read
 * at another repository or change what it returns.
 */

/** What any git process may inherit: finding programs and the operator's own git config. */
const LOCAL = /^(PATH|HOME|USER|LOGNAME|TMPDIR|TZ|XDG_CONFIG_HOME|SYSTEMROOT)$/;

/** What reaching a remote needs besides: ssh agent, proxies, CA bundles, an ssh command. */
const REMOTE =
  /^(SSH_AUTH_SOCK|SSH_AGENT_PID|GIT_SSH|GIT_SSH_COMMAND|GIT_SSH_VARIANT|GIT_SSL_CAINFO|GIT_SSL_CAPATH|GIT_SSL_NO_VERIFY|GIT_PROXY_COMMAND|(HTTPS?|NO|ALL|FTP)_PROXY|(https?|no|all|ftp)_proxy|CURL_CA_BUNDLE|SSL_CERT_FILE|SSL_CERT_DIR)$/;

export interface GitEnvOptions {
  /** Passes what talking to a remote needs, and turns off every prompt. */
  remote?: boolean;
}

export function gitEnv(
  options: GitEnvOptions = {},
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {
    // Messages Orbit recognises (e.g. "couldn't find remote ref") are the untranslated ones.
    LC_ALL: 'C',
    // Reads never take the index lock nor refresh the index.
    GIT_OPTIONAL_LOCKS: '0',
    GIT_PAGER: 'cat',
  };
  for (const [k, v] of Object.entries(from)) {
    if (v === undefined) continue;
    if (LOCAL.test(k) || (options.remote && REMOTE.test(k))) env[k] = v;
  }
  if (options.remote) {
    // A missing credential fails the fetch or push instead of waiting for an answer.
    env.GIT_TERMINAL_PROMPT = '0';
  }
  return env;
}

/**
 * Config that keeps a repository's own `.git/config` from running commands: no fsmonitor daemon,
 * no hooks. Given before the subcommand as `-c` options, which win over the repository's config.
 */
export const SAFE_CONFIG: readonly string[] = [
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.quotePath=false',
];
