/**
 * Self-heal (`settings { self_heal = true }`): the daemon syncs every service that is out of sync
 * for a reason sync acts on and is not held, so "the branch is the truth" and "unwound stays
 * unwound" both hold: an unwind holds the service, and self-heal never touches a held one. After
 * an attempt that did not converge it waits, doubling each time. This file decides; the engine
 * runs the syncs (`Engine.selfHeal`).
 */
import type { ServiceStatus } from './status.js';

/** Who self-heal's deployments are logged as. */
export const SELF_HEAL_AUTHOR = 'orbit (self-heal)';

/** The wait after `n` attempts in a row that did not converge: base, 2×base, ... up to 32×base. */
export const backoffMs = (baseMs: number, n: number): number =>
  n <= 0 ? 0 : Math.min(baseMs * 2 ** (n - 1), baseMs * 32);

/**
 * Whether self-heal syncs this service now: out of sync for a reason sync acts on, not held, and
 * nothing under way or waiting for a person.
 */
export function wantsHeal(s: ServiceStatus): boolean {
  return (
    s.sync === 'out-of-sync' &&
    s.sync_reason?.syncable === true &&
    s.hold === null &&
    (s.health === 'healthy' || s.health === 'failed')
  );
}

/** Attempts that did not converge, per service, in this process. */
export class HealBackoff {
  private readonly misses = new Map<string, { count: number; at: number }>();

  /** Whether `service` may be tried at `now` (ms), given the base wait. */
  ready(service: string, now: number, baseMs: number): boolean {
    const m = this.misses.get(service);
    return !m || now >= m.at + backoffMs(baseMs, m.count);
  }

  missed(service: string, now: number): void {
    const m = this.misses.get(service);
    this.misses.set(service, { count: (m?.count ?? 0) + 1, at: now });
  }

  converged(service: string): void {
    this.misses.delete(service);
  }
}
