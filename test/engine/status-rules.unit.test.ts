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
  inBranch: true,
  branchCommit: latest.config_commit,
  configMatches: false,
  unprocessed: null,
  rewritten: false,
  queued: 0,
  waitingAck: null,
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
