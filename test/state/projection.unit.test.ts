import { describe, expect, it } from 'vitest';
import {
  applyEntry,
  REVERSE_LOG_SEPARATOR,
  unwindPlanOf,
  type DeploymentRecord,
  type LogEntry,
  type ServiceView,
} from '../../src/state/index.js';
import { deepFreeze } from '../../src/util/deep-freeze.js';
import { deployment, entry } from './helpers.js';

/** Folds entries through the pure reducer, as the state log does, but in memory. */
function fold(entries: LogEntry[]) {
  const services = new Map<string, ServiceView>();
  const records = new Map<string, DeploymentRecord>();
  const logs = new Map<string, string>();
  let cursor: string | null = null;
  for (const e of entries) {
    const ch = applyEntry(
      {
        service: (id) => services.get(id),
        deployment: (id) => records.get(id),
        stepLog: (id, i) => logs.get(`${id}/${i}`),
      },
      e,
    );
    for (const s of ch.services) services.set(s.service_id, s);
    for (const r of ch.deployments) records.set(r.deploy_id, r);
    for (const l of ch.stepLogs) logs.set(`${l.deploy_id}/${l.step_index}`, l.log);
    if (ch.cursor) cursor = ch.cursor.config_commit;
  }
  return { services, records, logs, cursor: () => cursor };
}

const unwind = (id: string, reason: string, steps: string[]): LogEntry[] => [
  entry('unwind-started', { deploy_id: id, reason, author: 'Bob' }),
  ...steps
    .map((name, i) =>
      entry('step-reversed', {
        deploy_id: id,
        step_index: i,
        step_name: name,
        exit_code: 0,
        log: `${name} back`,
      }),
    )
    .reverse(),
  entry('deploy-unwound', { deploy_id: id, reason }),
];

describe('applyEntry', () => {
  it('deploy-started creates a running record and marks the service in flight', () => {
    const v = fold([
      entry('commit-rejected', { config_commit: 'bad', error: { code: 'E_CONFIG_INVALID', message: 'x' } }),
      entry('deploy-started', {
        deploy_id: 'waffle-12',
        config_commit: 'c12',
        step_count: 3,
        values: { version: '1' },
      }),
    ]);
    const rec = v.records.get('waffle-12')!;
    expect(rec).toMatchObject({ status: 'running', sequence: 12, step_count: 3, values: { version: '1' } });
    expect(v.services.get('waffle')).toMatchObject({
      in_flight: 'waffle-12',
      last_sequence: 12,
      last_config_commit: 'c12',
      rejected: null,
      current: null,
    });
  });

  it('a successful deploy becomes current and links the previous one', () => {
    const v = fold([
      ...deployment('waffle-1', ['a', 'b']),
      ...deployment('waffle-2', ['a', 'b'], { previous: 'waffle-1' }),
    ]);
    expect(v.services.get('waffle')).toMatchObject({
      current: 'waffle-2',
      redeployable: null,
      in_flight: null,
    });
    expect(v.records.get('waffle-1')).toMatchObject({
      replaced_by: 'waffle-2',
    });
    const rec = v.records.get('waffle-2')!;
    expect(rec.status).toBe('succeeded');
    expect(rec.steps.map((s) => [s.step_index, s.status])).toEqual([
      [0, 'applied'],
      [1, 'applied'],
    ]);
    expect(unwindPlanOf(rec).map((s) => s.step_name)).toEqual(['b', 'a']);
    expect(v.logs.get('waffle-2/0')).toBe('a forward output\n');
  });

  it('unwinding moves current back and redeployable forward; redeploy walks redeployable along the chain', () => {
    const v = fold([
      ...deployment('waffle-1', ['a']),
      ...deployment('waffle-2', ['a'], { previous: 'waffle-1' }),
      ...deployment('waffle-3', ['a'], { previous: 'waffle-2' }),
      ...unwind('waffle-3', 'user', ['a']),
    ]);
    expect(v.services.get('waffle')).toMatchObject({ current: 'waffle-2', redeployable: 'waffle-3' });
    expect(v.records.get('waffle-3')).toMatchObject({
      status: 'unwound',
      unwind: { reason: 'user', author: 'Bob' },
    });
    expect(v.records.get('waffle-3')!.steps[0]!.status).toBe('reversed');
    expect(unwindPlanOf(v.records.get('waffle-3')!)).toEqual([]);
    expect(v.logs.get('waffle-3/0')).toBe(`a forward output\n${REVERSE_LOG_SEPARATOR}a back`);

    const w = fold([
      ...deployment('waffle-1', ['a']),
      ...deployment('waffle-2', ['a'], { previous: 'waffle-1' }),
      ...deployment('waffle-3', ['a'], { previous: 'waffle-2' }),
      ...unwind('waffle-3', 'user', ['a']),
      ...unwind('waffle-2', 'revert', ['a']),
      ...deployment('waffle-4', ['a'], { previous: 'waffle-1', redeployOf: 'waffle-2' }),
    ]);
    expect(w.services.get('waffle')).toMatchObject({ current: 'waffle-4', redeployable: 'waffle-3' });
    expect(w.records.get('waffle-1')!.replaced_by).toBe('waffle-4');
  });

  it('a failed step unwinds to failed, leaving current alone', () => {
    const v = fold([
      ...deployment('waffle-1', ['a']),
      entry('deploy-started', { deploy_id: 'waffle-2', previous_deploy_id: 'waffle-1', step_count: 2 }),
      entry('step-applied', {
        deploy_id: 'waffle-2',
        step_index: 0,
        step_name: 'a',
        exit_code: 0,
        log: 'ok',
      }),
      entry('step-failed', {
        deploy_id: 'waffle-2',
        step_index: 1,
        step_name: 'b',
        exit_code: 3,
        error: { code: 'E_AGENT_EXIT', message: 'exit 3' },
      }),
      entry('unwind-started', { deploy_id: 'waffle-2', reason: 'failure' }),
      entry('step-reversed', { deploy_id: 'waffle-2', step_index: 0, step_name: 'a', exit_code: 0 }),
      entry('deploy-unwound', { deploy_id: 'waffle-2' }),
    ]);
    expect(v.records.get('waffle-2')).toMatchObject({ status: 'failed', error: { code: 'E_AGENT_EXIT' } });
    expect(v.services.get('waffle')).toMatchObject({
      current: 'waffle-1',
      redeployable: null,
      in_flight: null,
    });
  });

  it('a failing reverse action leaves unwind-failed and current unchanged', () => {
    const v = fold([
      ...deployment('waffle-1', ['a', 'b']),
      entry('unwind-started', { deploy_id: 'waffle-1', reason: 'user' }),
      entry('step-reverse-failed', {
        deploy_id: 'waffle-1',
        step_index: 1,
        step_name: 'b',
        exit_code: 1,
        error: { code: 'E_AGENT_EXIT', message: 'no' },
      }),
      entry('unwind-failed', { deploy_id: 'waffle-1', error: { code: 'E_AGENT_EXIT', message: 'no' } }),
    ]);
    const rec = v.records.get('waffle-1')!;
    expect(rec.status).toBe('unwind-failed');
    expect(rec.steps[1]).toMatchObject({ status: 'reverse-failed', reverse_exit_code: 1 });
    expect(unwindPlanOf(rec).map((s) => s.step_index)).toEqual([0]);
    expect(v.services.get('waffle')).toMatchObject({ current: 'waffle-1', in_flight: null });
  });

  it('skips, rejections, acks and the cursor', () => {
    const v = fold([
      entry('deploy-skipped', { deploy_id: 'waffle-7', config_commit: 'c7', reason: 'superseded' }),
      entry('commit-rejected', {
        service_id: 'pancake',
        config_commit: 'c8',
        error: { code: 'E_CONFIG_INVALID', message: 'deploy.hcl:3:5: bad' },
      }),
      entry('deploy-started', { deploy_id: 'waffle-8', step_count: 1 }),
      entry('step-started', { deploy_id: 'waffle-8', step_index: 0, step_name: 'approve' }),
      entry('step-acked', { deploy_id: 'waffle-8', step_index: 0, step_name: 'approve', author: 'Cy' }),
      entry('commit-seen', { service_id: '', config_commit: 'c9' }),
    ]);
    expect(v.records.get('waffle-7')).toMatchObject({ status: 'skipped', sequence: 7 });
    const skipped = fold([entry('deploy-skipped', { deploy_id: 'waffle-7', config_commit: 'c7' })]);
    expect(skipped.services.get('waffle')).toMatchObject({ last_config_commit: 'c7', last_sequence: 7 });
    expect(v.services.get('pancake')).toMatchObject({
      current: null,
      rejected: { config_commit: 'c8', error: { code: 'E_CONFIG_INVALID' } },
      last_config_commit: 'c8',
    });
    expect(v.records.get('waffle-8')!.steps[0]!.acked).toEqual({
      by: 'Cy',
      time: '2025-01-02T03:04:05.000Z',
    });
    expect(v.cursor()).toBe('c9');
  });

  it('never mutates the views it is given', () => {
    const v = fold(deployment('waffle-1', ['a']));
    const before = structuredClone(v.records.get('waffle-1'));
    applyEntry(
      {
        service: (id) => v.services.get(id),
        deployment: (id) => v.records.get(id),
        stepLog: () => undefined,
      },
      entry('unwind-started', { deploy_id: 'waffle-1', reason: 'user' }),
    );
    expect(v.records.get('waffle-1')).toEqual(before);
  });

  // A reducer copies what it changes: records are shared with the log's caches (and frozen in the
  // daemon's), and only a record's steps are copied one by one. Frozen views throw on any write.
  it.each([
    ['step-started', { step_index: 1, step_name: 'b' }],
    ['step-applied', { step_index: 0, step_name: 'a', outputs: { url: 'x' } }],
    ['step-failed', { step_index: 0, step_name: 'a', error: { code: 'E_X', message: 'no' } }],
    ['reverse-started', { step_index: 0 }],
    ['step-reversed', { step_index: 0, log: 'back' }],
    ['step-reverse-failed', { step_index: 0, error: { code: 'E_X', message: 'no' } }],
    ['step-acked', { step_index: 0 }],
    ['check-result', { check: { name: 'up', status: 'failed' }, error: { code: 'E_X', message: 'down' } }],
    ['unwind-waiting', { reason: 'user' }],
    ['deploy-unwound', { reason: 'user' }],
  ] as const)('a %s entry leaves the (frozen) views it reads as they were', (kind, fields) => {
    const v = fold(deployment('waffle-1', ['a']));
    const rec = deepFreeze(v.records.get('waffle-1')!);
    const svc = deepFreeze(v.services.get('waffle')!);
    const before = structuredClone(rec);
    const changes = applyEntry(
      { service: () => svc, deployment: () => rec, stepLog: () => 'a forward output\n' },
      entry(kind, { service_id: 'waffle', deploy_id: 'waffle-1', ...fields } as Partial<LogEntry>),
    );
    expect(changes.deployments.length).toBeGreaterThan(0);
    expect(rec).toEqual(before);
  });
});
