import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNode, type CliResult } from '../support/cli.js';
import { servicePath } from '../../src/state/paths.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'orbit-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runDemo(): Promise<CliResult> {
  return runNode(['--import', 'tsx', 'scripts/demo.ts'], { cwd: root, env: { ORBIT_DEMO_DIR: dir } });
}

describe('npm start (scripts/demo.ts)', () => {
  it('deploys, fails and unwinds itself, unwinds, redeploys, reverts, and ends with git log', async () => {
    const r = await runDemo();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('waffle: succeeded waffle-1');
    expect(r.stdout).toContain('waffle: failed waffle-3');
    expect(r.stdout).toContain('waffle-2: unwound (reason user)');
    expect(r.stdout).toContain('waffle-4: redeploy of waffle-2 started');
    expect(r.stdout).toContain('waffle-5: unwound (reason revert)');
    expect(r.stdout).toContain('$ git log --oneline orbit/state');

    // The demo repository is a real one: its state branch tells the same story.
    const repo = path.join(dir, 'config');
    const log = execFileSync('git', ['log', '--format=%s', 'orbit/state'], { cwd: repo, encoding: 'utf8' });
    expect(log).toMatch(/^waffle-5: unwound \(reason revert\)$/m);
    expect(log).toMatch(/^waffle-3 step 2\/3 deploy: failed/m);
    const current = JSON.parse(
      execFileSync('git', ['show', `orbit/state:${servicePath('waffle').join('/')}`], {
        cwd: repo,
        encoding: 'utf8',
      }),
    ) as { current: string };
    expect(current.current).toBe('waffle-4');
  });
});
