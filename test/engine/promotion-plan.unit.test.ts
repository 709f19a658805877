import { describe, expect, it } from 'vitest';
import { planPromotion, type PromotionFacts } from '../../src/engine/promotion-plan.js';
import type { ServiceStatus } from '../../src/engine/status.js';

const DEPLOYED = 'c0ffee1234'.padEnd(40, '0');
const BASE = 'ba5e'.padEnd(40, '0');

const status = (over: Partial<ServiceStatus> = {}): ServiceStatus => ({
  service: 'api@staging',
  sync: 'synced',
  sync_reason: null,
  health: 'healthy',
  health_reason: null,
  hold: null,
  current: {
    id: 'api@staging-4',
    status: 'succeeded',
    config_commit: DEPLOYED,
    author: 'Ann <ann@example.com>',
    finished_time: '2026-12-02T00:00:00Z',
    values: { version: '1.1' },
  },
  latest: 'api@staging-4',
  redeployable: null,
  in_flight: null,
  rejected: null,
  branch_commit: DEPLOYED,
  ...over,
});

const facts = (over: Partial<PromotionFacts> = {}): PromotionFacts => ({
  base: BASE,
  services: ['api@prod', 'api@staging', 'dns'],
  source: status(),
  sourceValues: 'version = "1.1"\n',
  targetValues: 'version = "1.0"\n',
  sameSteps: true,
  ...over,
});

const request = { name: 'api', from: 'staging', to: 'prod' };

describe('planPromotion', () => {
  it("writes staging's deployed values into prod's file, on a branch named after what is promoted", () => {
    expect(planPromotion(request, facts())).toMatchObject({
      kind: 'promote',
      branch: 'orbit/promote/api/staging-to-prod-c0ffee1',
      path: 'environments/prod/services/api/values.hcl',
      content: 'version = "1.1"\n',
      deployment: 'api@staging-4',
      warning: null,
    });
  });

  it('creates the file when prod does not hold the service yet, and warns when the shared steps changed', () => {
    const plan = planPromotion(
      request,
      facts({ services: ['api@staging', 'web@prod'], targetValues: null, sameSteps: false }),
    );
    expect(plan).toMatchObject({ kind: 'promote', path: 'environments/prod/services/api/values.hcl' });
    expect(plan.kind === 'promote' && plan.warning).toContain(
      'services/api/deploy.hcl changed since api@staging-4',
    );
  });

  it('writes nothing when prod has those values already', () => {
    expect(planPromotion(request, facts({ targetValues: 'version = "1.1"\n' })).kind).toBe('unchanged');
  });

  it.each([
    ['failed', { health: 'failed' as const }],
    ['in flight', { health: 'progressing' as const, in_flight: 'api@staging-5' }],
    ['waiting for an approval', { health: 'waiting-approval' as const }],
  ])('refuses a source that is %s', (_what, over) => {
    expect(() => planPromotion(request, facts({ source: status(over) }))).toThrow(
      expect.objectContaining({ code: 'E_PROMOTE_NOT_HEALTHY' }),
    );
  });

  it('refuses a source with nothing current', () => {
    expect(() =>
      planPromotion(request, facts({ source: status({ current: null }), sourceValues: null })),
    ).toThrow(expect.objectContaining({ code: 'E_NOTHING_TO_PROMOTE' }));
  });
});
