/**
 * What keeps the daemon from doing its job, with the fix, for /healthz and for every CLI command
 * that talks to the daemon (they print each as a warning line): the config branch cannot be read
 * (rewritten, a failing fetch) or the state branch cannot be pushed.
 */
import type { SyncStatus } from './sync-loop.js';

export interface DaemonProblem {
  code: string;
  message: string;
  since: string | null;
  /** What a person does about it. */
  fix: string;
}

const FIXES: Record<string, string> = {
  E_CONFIG_REWRITTEN:
    'push the old history back, or stop the daemon, run `orbit reconcile --accept-rewrite`, and start it again',
  E_FETCH_FAILED:
    'check the remote URL, the network and the credentials; the daemon fetches again on each poll',
  E_STATE_PUSH_FAILED:
    'check the state remote (--state-push) and the credentials; the next append pushes again',
  E_STATE_PUSH_REJECTED:
    'the remote state branch has diverged: find out who else writes it; Orbit never forces a push',
};

const DEFAULT_FIX = 'see the daemon log; the daemon tries again on the next poll';

export function daemonProblems(
  sync: SyncStatus,
  pushError: { code: string; message: string } | null | undefined,
): DaemonProblem[] {
  const problems: DaemonProblem[] = [];
  if (sync.error) {
    problems.push({ ...sync.error, fix: FIXES[sync.error.code] ?? DEFAULT_FIX });
  }
  if (pushError) {
    problems.push({
      code: pushError.code,
      message: pushError.message,
      since: null,
      fix: FIXES[pushError.code] ?? DEFAULT_FIX,
    });
  }
  return problems;
}

/**
 * The one place a daemon problem becomes a `degraded` notification: each problem is told once,
 * when it appears (a problem that goes away and comes back is told again). Call `check` whenever
 * something may have changed (a failed poll, a state push result).
 */
export class ProblemWatch {
  private told = new Set<string>();

  constructor(
    private readonly current: () => DaemonProblem[],
    private readonly notify: (reason: string) => void,
  ) {}

  check(): void {
    const now = new Map(this.current().map((p) => [`${p.code}: ${p.message}`, p]));
    for (const key of now.keys()) if (!this.told.has(key)) this.notify(key);
    this.told = new Set(now.keys());
  }
}
