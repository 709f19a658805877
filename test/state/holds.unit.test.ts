/** Holds in the projection: placed by `service-held`, lifted by `service-released`, kept otherwise. */
import { describe, expect, it } from 'vitest';
import { assertNotHeld, describeHold, holdsAfterUnwind } from '../../src/state/chain/index.js';
import { applyEntry, type DeploymentRecord, type LogEntry, type ServiceView } from '../../src/state/index.js';
import { isOrbitError } from '../../src/util/errors.js';
import { entry } from './helpers.js';

function fold(entries: LogEntry[]): ServiceView | undefined {
  const services = new Map<string, ServiceView>();
  const records = new Map<string, DeploymentRecord>();
  for (const e of entries) {
    const ch = applyEntry(
      { service: (id) => services.get(id), deployment: (id) => records.get(id), stepLog: () => undefined },
      e,
    );
    for (const s of ch.services) services.set(s.service_id, s);
    for (const r of ch.deployments) records.set(r.deploy_id, r);
  }
  return services.get('waffle');
}

const started = (id: string) =>
  entry('deploy-started', { deploy_id: id, config_commit: `c-${id}`, step_count: 1 });
const held = entry('service-held', {
  deploy_id: 'waffle-2',
  reason: 'user',
  author: 'Bob',
  applied_time: '2026-05-01T10:00:00.000Z',
});

describe('holds', () => {
  it('a service-held entry puts the service on hold, naming who, when, why and which deployment', () => {
    const v = fold([started('waffle-1'), entry('deploy-succeeded', { deploy_id: 'waffle-1' }), held]);
    expect(v).toMatchObject({
      current: 'waffle-1',
      latest: 'waffle-1',
      hold: { reason: 'user', author: 'Bob', deploy_id: 'waffle-2', time: '2026-05-01T10:00:00.000Z' },
    });
    expect(describeHold(v!.hold!)).toBe('waffle-2 unwound (Bob, 2026-05-01 10:00:00)');
  });

  it('stays through other entries and is lifted only by service-released', () => {
    const v = fold([held, started('waffle-3'), entry('deploy-succeeded', { deploy_id: 'waffle-3' })]);
    expect(v).toMatchObject({ current: 'waffle-3', latest: 'waffle-3', hold: { deploy_id: 'waffle-2' } });
    expect(
      fold([held, entry('service-released', { reason: 'orbit release', author: 'Cy' })])?.hold,
    ).toBeNull();
  });

  it('is placed by the unwinds a person or a commit caused, and by a failure, not by crash recovery', () => {
    expect(['user', 'revert', 'failure'].map(holdsAfterUnwind)).toEqual([true, true, true]);
    expect(holdsAfterUnwind('crash-recovery')).toBe(false);
  });

  it('refuses sync of a held service unless it is released', () => {
    const v = fold([held])!;
    let err: unknown;
    try {
      assertNotHeld('waffle', v, false);
    } catch (e) {
      err = e;
    }
    expect(isOrbitError(err, 'E_SERVICE_HELD')).toBe(true);
    expect((err as Error).message).toContain('orbit release waffle');
    expect(() => assertNotHeld('waffle', v, true)).not.toThrow();
    expect(() => assertNotHeld('waffle', fold([started('waffle-1')])!, false)).not.toThrow();
  });
});
