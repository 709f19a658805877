/**
 * The health rule for a failed deployment shows the failed step's recorded stderr tail (the
 * `stderr_tail` field of the step's record; records written before it existed have none), in
 * JSON and under the status table.
 */
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { statusTable } from '../../src/cli/commands/status.js';
import { statusOf, type ServiceFacts } from '../../src/engine/status.js';
import { stderrTail } from '../../src/engine/status/health-rules.js';
import { emptyService, type DeploymentRecord, type StepRecord } from '../../src/state/index.js';

const step = (fields: Partial<StepRecord>): StepRecord => ({
  step_id: 'web-2/0-migrate',
  step_name: 'migrate',
  step_index: 0,
  status: 'failed',
  agent: 'exec',
  forward_action: null,
  reverse_action: null,
  outputs: {},
  exit_code: 3,
  started_time: '2026-05-01T10:00:00.000Z',
  duration_ms: 10,
  reverse_exit_code: null,
  reverse_duration_ms: null,
  error: { code: 'E_STEP_FAILED', message: 'exited with status 3' },
  ...fields,
});

const failed = (s: StepRecord): DeploymentRecord => ({
  format_version: 2,
  deploy_id: 'web-2',
  service_id: 'web',
  sequence: 2,
  status: 'failed',
  config_commit: 'c2c2c2c2c2',
  author: 'Ann',
  started_time: '2026-05-01T10:00:00.000Z',
  finished_time: '2026-05-01T10:00:01.000Z',
  previous_deploy_id: null,
  replaced_by: null,
  redeploy_of: null,
  values: {},
  step_count: 1,
  steps: [s],
  unwind: { reason: 'failure', author: 'Ann', time: '2026-05-01T10:00:01.000Z' },
  error: s.error,
});

const facts = (latest: DeploymentRecord): ServiceFacts => ({
  service: 'web',
  view: { ...emptyService('web'), latest: latest.deploy_id, last_config_commit: latest.config_commit },
  current: null,
  latest,
  inFlight: null,
  stale: false,
  inBranch: true,
  branchCommit: latest.config_commit,
  configMatches: false,
  unprocessed: null,
  rewritten: false,
  queued: 0,
  waitingAck: null,
  waiting: null,
  now: new Date('2026-05-01T10:00:05.000Z'),
});

const record = (id: string, fields: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  ...failed(step({})),
  deploy_id: id,
  status: 'succeeded',
  steps: [],
  unwind: null,
  error: null,
  config_commit: `commit-of-${id}`,
  ...fields,
});

/** A service deployed at web-1, the branch elsewhere, nothing else going on; `f` changes that. */
const drifted = (f: Partial<ServiceFacts> = {}): ServiceFacts => ({
  ...facts(record('web-1')),
  current: record('web-1'),
  view: { ...emptyService('web'), current: 'web-1', latest: 'web-1', last_config_commit: 'commit-of-web-1' },
  branchCommit: 'b'.repeat(40),
  ...f,
});

describe('each sync reason, the first rule that applies, in JSON and text', () => {
  const cases: Array<[string, Partial<ServiceFacts>, string]> = [
    [
      'removed-from-branch',
      { inBranch: false },
      'the branch no longer has services/web/deploy.hcl; web-1 still runs',
    ],
    [
      'awaiting-recovery',
      { inFlight: record('web-2', { status: 'running' }), stale: true },
      'web-2 was interrupted while running (no Orbit process runs it): the next `orbit reconcile` or daemon start resolves it and retries it',
    ],
    ['in-progress', { inFlight: record('web-2', { status: 'running' }) }, 'web-2 is running'],
    ['queued', { queued: 2 }, '2 job(s) queued for web'],
    [
      'branch-rewritten',
      { rewritten: true },
      'the branch was rewritten under the last commit Orbit processed',
    ],
    ['unprocessed-commit', { unprocessed: 'c'.repeat(40) }, 'commit ccccccc is not deployed yet'],
    [
      'skipped-commit',
      {
        view: {
          ...emptyService('web'),
          current: 'web-1',
          latest: 'web-1',
          last_config_commit: 'd'.repeat(40),
        },
      },
      'commit ddddddd was skipped; the branch is at bbbbbbb',
    ],
    ['differs', {}, 'web-1 runs commit commit-; the branch is at bbbbbbb'],
    ['not-deployed', { current: null }, 'nothing is deployed; the branch is at bbbbbbb'],
  ];
  for (const [code, f, message] of cases) {
    it(code, () => {
      const s = statusOf(drifted(f));
      expect(s).toMatchObject({
        sync: 'out-of-sync',
        sync_reason: { code, message: expect.stringContaining(message) },
      });
      const text = statusTable([s]).map((l) => stripVTControlCharacters(l));
      expect(text[1]).toMatch(/^web\s+out-of-sync\s+/);
      expect(text).toContain(`web: out-of-sync: ${s.sync_reason!.message}`);
    });
  }

  it('synced: the config matches and nothing is on its way, whatever older reasons the view still has', () => {
    const s = statusOf(drifted({ configMatches: true, current: record('web-1', { redeploy_of: 'web-0' }) }));
    expect(s).toMatchObject({ sync: 'synced', sync_reason: null, health: 'healthy' });
    expect(statusTable([s])).toHaveLength(2);
  });
});

describe('each health state in JSON and text', () => {
  const running = record('web-2', {
    status: 'running',
    steps: [
      step({
        step_name: 'approve',
        status: 'started',
        started_time: '2026-05-01T10:00:05.000Z',
        error: null,
      }),
    ],
  });
  const cases: Array<[string, Partial<ServiceFacts>, string[]]> = [
    [
      'progressing',
      { inFlight: running },
      ['web: progressing: web-2: deploying, step 1 approve since 2026-05-01T10:00:05.000Z'],
    ],
    [
      'waiting-approval',
      {
        inFlight: running,
        waitingAck: {
          deployId: 'web-2',
          stepName: 'approve',
          approvers: ['alice', 'bob'],
          approvals: 1,
          allowSelfApproval: false,
          approved: [],
          since: '2026-05-01T10:00:05.000Z',
          timeoutMs: 60_000,
        },
      },
      [
        'web: waiting-approval: web-2: step 1 approve waits for an approval',
        '  approvers: alice, bob (not Ann: caused it); until 2026-05-01T10:01:05.000Z',
        '  run: orbit ack web-2',
      ],
    ],
    [
      'blocked',
      {
        inFlight: record('web-2', {
          status: 'unwind-blocked',
          error: { code: 'E_SECRET_UNAVAILABLE', message: 'needs "pw"' },
        }),
      },
      ['web: blocked: web-2: unwind blocked: E_SECRET_UNAVAILABLE needs "pw"', '  run: orbit unwind web'],
    ],
    [
      'unwind-failed',
      {
        current: record('web-1', {
          status: 'unwind-failed',
          steps: [step({ step_index: 0, step_name: 'migrate', status: 'reverse-failed' })],
          error: { code: 'E_STEP_FAILED', message: 'exited with status 3' },
        }),
      },
      [
        'web: unwind-failed: web-1: the reverse of step 1 migrate failed: exited with status 3',
        '  run: undo it by hand (orbit show web-1), then `orbit unwind web` goes on with the steps left',
      ],
    ],
  ];
  for (const [health, f, lines] of cases) {
    it(health, () => {
      const s = statusOf(drifted(f));
      expect(s.health).toBe(health);
      const text = statusTable([s]).map((l) => stripVTControlCharacters(l));
      expect(text[1]).toMatch(new RegExp(`^web\\s+\\S+\\s+${health}\\s+`));
      for (const l of lines) expect(text).toContain(l);
    });
  }
});

describe('a failed step in status', () => {
  it("shows the step's last stderr lines when its record has them", () => {
    const lines = Array.from({ length: 14 }, (_, i) => `line ${i + 1}`);
    const s = statusOf(facts(failed(step({ stderr_tail: lines } as Partial<StepRecord>))));
    expect(s).toMatchObject({
      health: 'failed',
      health_reason: { step: { name: 'migrate' }, stderr_tail: lines.slice(-10) },
      sync_reason: { code: 'failed-commit' },
    });
    const table = statusTable([s]).map((l) => stripVTControlCharacters(l));
    expect(table).toContain(
      'web: failed: web-2 failed at step 1 migrate: E_STEP_FAILED exited with status 3',
    );
    expect(table).toContain('  stderr | line 14');
    expect(table).not.toContain('  stderr | line 4');
  });

  it('shows none for records without the field, or with one of another shape', () => {
    expect(statusOf(facts(failed(step({})))).health_reason?.stderr_tail).toEqual([]);
    expect(stderrTail(step({ stderr_tail: 'not a list' } as unknown as Partial<StepRecord>))).toEqual([]);
    expect(stderrTail(step({ stderr_tail: ['ok', 7, null] } as unknown as Partial<StepRecord>))).toEqual([
      'ok',
    ]);
  });
});
