/** Self-heal's choice and its back-off, pure. */
import { describe, expect, it } from 'vitest';
import { HealBackoff, backoffMs, wantsHeal } from '../../src/engine/self-heal.js';
import type { ServiceStatus } from '../../src/engine/status.js';

const status = (fields: Partial<ServiceStatus>): ServiceStatus => ({
  service: 'web',
  sync: 'out-of-sync',
  sync_reason: { code: 'redeployed', message: '', syncable: true },
  health: 'healthy',
  health_reason: null,
  hold: null,
  current: null,
  latest: null,
  redeployable: null,
  in_flight: null,
  rejected: null,
  branch_commit: 'abc',
  ...fields,
});

describe('self-heal', () => {
  it('syncs an out-of-sync service for a reason sync acts on, never a held one or one a person must handle', () => {
    expect(wantsHeal(status({}))).toBe(true);
    expect(wantsHeal(status({ sync: 'synced', sync_reason: null }))).toBe(false);
    expect(wantsHeal(status({ sync_reason: { code: 'queued', message: '', syncable: false } }))).toBe(false);
    const hold = { reason: 'user', deploy_id: 'web-2', author: 'bob', time: '', message: '' };
    expect(wantsHeal(status({ hold }))).toBe(false);
    for (const health of ['progressing', 'waiting-approval', 'blocked', 'unwind-failed'] as const)
      expect(wantsHeal(status({ health })), health).toBe(false);
  });

  it('waits base, 2×base, 4×base ... up to 32×base after attempts that did not converge', () => {
    expect([0, 1, 2, 3, 6, 7, 20].map((n) => backoffMs(1000, n))).toEqual([
      0, 1000, 2000, 4000, 32_000, 32_000, 32_000,
    ]);
    const b = new HealBackoff();
    expect(b.ready('web', 0, 1000)).toBe(true);
    b.missed('web', 10_000);
    expect(b.ready('web', 10_999, 1000)).toBe(false);
    expect(b.ready('web', 11_000, 1000)).toBe(true);
    b.missed('web', 11_000);
    expect(b.ready('web', 12_999, 1000)).toBe(false);
    expect(b.ready('web', 13_000, 1000)).toBe(true);
    expect(b.ready('api', 11_000, 1000)).toBe(true);
    b.converged('web');
    expect(b.ready('web', 11_001, 1000)).toBe(true);
  });
});
