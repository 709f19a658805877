/** What each command's --help offers, from the real executable. */
import { beforeAll, describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';

const RUN_STEPS = ['reconcile', 'unwind', 'redeploy'];
const READ_ONLY = ['status', 'log', 'show', 'validate', 'plan', 'preview', 'promote', 'ack'];
const helps = new Map<string, string>();

beforeAll(async () => {
  for (const command of [...RUN_STEPS, ...READ_ONLY]) {
    const r = await orbit([command, '--help']);
    expect(r.code, command).toBe(0);
    // commander wraps long descriptions: one line per option.
    helps.set(command, r.stdout.replace(/\n {6,}/g, ' '));
  }
});

describe('--help', () => {
  it('offers --docker-mode only on commands that run steps here', () => {
    for (const command of RUN_STEPS) expect(helps.get(command), command).toContain('--docker-mode <mode>');
    for (const command of READ_ONLY) expect(helps.get(command), command).not.toContain('--docker-mode');
  });

  it('shows the --repo default the same way in every command', () => {
    for (const [command, text] of helps) {
      expect(text, command).toMatch(/--repo <dir> +config repository \(default: "\."\)/);
      expect(text, command).not.toContain(process.cwd());
    }
  });

  it('resolves the default `.` against the directory it runs in', async () => {
    const r = await orbit(['log'], { cwd: '/' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('not a git repository: /:');
  });
});
