/**
 * Where `ack` steps wait for a human. The ack agent registers a waiter; whoever can reach the
 * process (the daemon's API, `orbit ack` through it) approves it via `Engine.ack`, which checks
 * approvers and logs `step-acked` before releasing the step.
 */

export interface AckWaiter {
  deployId: string;
  stepName: string;
  /** An unwind waiting for an approval outside its window (no step: `unwind-approved` is logged). */
  unwind?: boolean;
  /** Who may not approve it, when not the deployment's own people (the unwind's requester). */
  causedBy?: string[];
  /** Who may approve (names or OIDC groups); null means anyone with the approver role. */
  approvers: string[] | null;
  /** How many distinct approvers it takes (`approvals = N`, default 1). */
  approvals: number;
  /** Whether who caused the deployment may approve it (`allow_self_approval`). */
  allowSelfApproval: boolean;
  /** Approvals so far (each also a `step-acked` entry), oldest first. */
  approved: Array<{ by: string; time: string; verified_by: string | null }>;
  since: string;
  timeoutMs: number;
}

interface Entry {
  info: AckWaiter;
  /** Set while an approval is being logged, so two approvals never both pass. */
  claimed: boolean;
  release(by: string): void;
}

export class AckBroker {
  private readonly waiters = new Map<string, Entry>();

  /** Resolves with the approver, or null on timeout / abort. One waiting step per deployment. */
  wait(info: AckWaiter, signal?: AbortSignal): Promise<{ by: string } | null> {
    return new Promise((resolve) => {
      const done = (value: { by: string } | null) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.waiters.get(info.deployId)?.info === info) this.waiters.delete(info.deployId);
        resolve(value);
      };
      const onAbort = () => done(null);
      const timer = setTimeout(() => done(null), info.timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.set(info.deployId, { info, claimed: false, release: (by) => done({ by }) });
    });
  }

  /** The step of this deployment waiting for approval in this process, if any. */
  waiting(deployId: string): AckWaiter | null {
    const e = this.waiters.get(deployId);
    return e && !e.claimed ? e.info : null;
  }

  /** Every waiting step (for the API and status). */
  all(): AckWaiter[] {
    return [...this.waiters.values()].filter((e) => !e.claimed).map((e) => e.info);
  }

  /** Reserves the waiter for one approver; false when it is gone or already being approved. */
  claim(deployId: string): boolean {
    const e = this.waiters.get(deployId);
    if (!e || e.claimed) return false;
    e.claimed = true;
    return true;
  }

  unclaim(deployId: string): void {
    const e = this.waiters.get(deployId);
    if (e) e.claimed = false;
  }

  release(deployId: string, by: string): void {
    this.waiters.get(deployId)?.release(by);
  }
}

/**
 * Whether `author` is one of `approvers`. Authors come as `alice`, `alice@host` (the CLI's
 * default) or `Alice Doe <alice@example.com>` (a commit author); an approver listed as `alice`,
 * `alice@example.com` or `Alice Doe` matches the corresponding part, exactly.
 */
export function isApprover(approvers: readonly string[], author: string): boolean {
  const a = author.trim();
  const m = /^(.*?)\s*<([^>]*)>$/.exec(a);
  const forms = new Set<string>([a]);
  if (m) {
    if (m[1]) forms.add(m[1]);
    if (m[2]) {
      forms.add(m[2]);
      forms.add(m[2].split('@')[0]!);
    }
  } else if (a.includes('@')) forms.add(a.split('@')[0]!);
  return approvers.some((p) => forms.has(p.trim()));
}
