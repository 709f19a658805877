import { describe, expect, it } from 'vitest';
import { loadServiceFromSources, type SourceTexts } from '../../src/config/load.js';
import { mayDeclareSchedule } from '../../src/config/schedule-mention.js';

const STEPS = 'step {\n  name    = "deploy"\n  agent   = "exec"\n  forward = ["true"]\n}\n';
const SCHEDULE = 'schedule {\n  allow           = ["* 9-16 * * 1-5"]\n  unwind_approval = true\n}\n';

// The engine skips loading a service's config for its schedule when this says no (an unwind then
// asks no approval), so a text the parser reads a schedule from must never be missed.
const cases: Array<{ what: string; sources: SourceTexts; scheduled: boolean }> = [
  { what: 'steps only', sources: { deploy: STEPS }, scheduled: false },
  { what: "the service's own block", sources: { deploy: STEPS + SCHEDULE }, scheduled: true },
  {
    what: "orbit.hcl's block, for every service",
    sources: { deploy: STEPS, orbit: SCHEDULE },
    scheduled: true,
  },
  {
    what: 'a one-line block',
    sources: { deploy: `${STEPS}schedule { allow = ["* * * * *"] }\n` },
    scheduled: true,
  },
];

describe('mayDeclareSchedule', () => {
  it.each(cases)('agrees with the parser: $what', async ({ sources, scheduled }) => {
    const spec = await loadServiceFromSources(sources, 'svc');
    expect(spec.schedule !== null).toBe(scheduled);
    expect(mayDeclareSchedule(sources)).toBe(scheduled);
  });

  it('reads the word in a comment as a possible schedule (a full load decides)', () => {
    expect(mayDeclareSchedule({ deploy: `# no schedule yet\n${STEPS}` })).toBe(true);
  });

  it('never counts values.hcl: values cannot declare blocks', () => {
    expect(mayDeclareSchedule({ deploy: STEPS, values: 'schedule = "nightly"\n' })).toBe(false);
  });
});
