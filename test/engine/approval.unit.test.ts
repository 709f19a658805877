import { describe, expect, it } from 'vitest';
import type { AckWaiter } from '../../src/agents/ack-broker.js';
import { approvalState, causedBy } from '../../src/engine/approval.js';

const waiter = (over: Partial<AckWaiter> = {}): AckWaiter => ({
  deployId: 'web-3',
  stepName: 'approve',
  approvers: ['alice', 'ann', 'platform'],
  approvals: 2,
  allowSelfApproval: false,
  approved: [],
  since: '2026-01-01T00:00:00.000Z',
  timeoutMs: 60_000,
  ...over,
});

describe('approval state', () => {
  it("counts who caused a deployment: its author and its signed commit's signer", () => {
    expect(causedBy({ author: 'Ann Operator <ann@example.com>' })).toEqual([
      'Ann Operator <ann@example.com>',
    ]);
    expect(
      causedBy({ author: 'Ann <ann@example.com>', verified_by: 'ssh-signature carl@example.com SHA256:abc' }),
    ).toEqual(['Ann <ann@example.com>', 'carl@example.com']);
    // And whoever pushed it, when known; the same person is named once.
    expect(causedBy({ author: 'Ann <ann@example.com>' }, 'pete <pete@example.com>')).toEqual([
      'Ann <ann@example.com>',
      'pete <pete@example.com>',
    ]);
    expect(causedBy({ author: 'Ann <ann@example.com>' }, 'Ann <ann@example.com>')).toHaveLength(1);
    // A token identity is no signer.
    expect(causedBy({ author: 'dee', verified_by: 'token dee (0123)' })).toEqual(['dee']);
  });

  it('lists who approved, how many remain, and who still may (not the author, not twice)', () => {
    const d = { author: 'Ann Operator <ann@example.com>' };
    const alice = { by: 'alice', time: '2026-01-01T00:01:00.000Z', verified_by: 'token alice (1)' };
    expect(approvalState(waiter({ approved: [alice] }), d)).toEqual({
      step: 'approve',
      required: 2,
      approved: [alice],
      remaining: 1,
      may_approve: ['platform'],
      excluded: ['Ann Operator <ann@example.com>'],
    });
    expect(approvalState(waiter({ allowSelfApproval: true }), d)).toMatchObject({
      may_approve: ['alice', 'ann', 'platform'],
      excluded: [],
    });
    expect(approvalState(waiter({ approvers: null }), d).may_approve).toBeNull();
  });
});
