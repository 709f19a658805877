/**
 * A full disk under the state branch: a step must not run when its result could not be recorded.
 * A real small tmpfs holds the state repository (needs root to mount; skipped otherwise).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, rmdirSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { ConfigRepo, Trace } from '../support/config-repo.js';

function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orbit-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmdirSync(dir);
  }
}

const MOUNTABLE = canMount();
let mount: string;
let repo: ConfigRepo;
let trace: Trace;
let engine: Engine | undefined;
const filler = () => path.join(mount, 'filler');

beforeEach(() => {
  if (!MOUNTABLE) return;
  mount = mkdtempSync(path.join(os.tmpdir(), 'orbit-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mount]);
  execFileSync('git', ['init', '-q', '--bare', path.join(mount, 'state.git')]);
  repo = new ConfigRepo();
  trace = new Trace();
  repo.commit({
    'services/web/deploy.hcl': `step {
  name    = "a"
  agent   = "exec"
  forward = ["sh", "-c", "echo +a >> ${trace.file}"]
  reverse = ["sh", "-c", "echo -a >> ${trace.file}"]
}
`,
  });
});

afterEach(async () => {
  if (!MOUNTABLE) return;
  await engine?.close().catch(() => undefined);
  engine = undefined;
  execFileSync('umount', ['-l', mount]);
  rmdirSync(mount);
  repo.remove();
});

/** Fills the disk until `left` bytes are free. */
function fillUntil(left: number): void {
  const fs = statfsSync(mount);
  const free = fs.bavail * fs.bsize;
  writeFileSync(filler(), Buffer.alloc(Math.max(0, free - left)));
}

const open = () => openEngine({ repoDir: repo.dir, stateDir: path.join(mount, 'state.git'), env: {} });

describe.skipIf(!MOUNTABLE)('a full disk under the state branch', () => {
  it('fails before a step runs when its result might not be written, and the step runs once space is back', async () => {
    engine = await open();
    fillUntil(2 * 1024 * 1024);
    await expect(engine.reconcile()).rejects.toMatchObject({ code: 'E_STATE_DISK_FULL' });
    expect(trace.lines()).toEqual([]);
    await engine.close();

    rmSync(filler());
    engine = await open();
    const report = await engine.reconcile();
    expect(report.outcomes).toMatchObject([
      { kind: 'recover', deployId: 'web-1', status: 'unwound' },
      { kind: 'retry', deployId: 'web-2', status: 'succeeded' },
    ]);
    expect(trace.lines()).toEqual(['+a']);
  });

  it('reports ENOSPC while writing an entry as E_STATE_DISK_FULL, and the log is left as it was', async () => {
    engine = await open();
    fillUntil(0);
    await expect(engine.reconcile()).rejects.toMatchObject({ code: 'E_STATE_DISK_FULL' });
    expect(trace.lines()).toEqual([]);
    await engine.close();
    rmSync(filler());
    engine = await open();
    await engine.reconcile();
    expect(trace.lines()).toEqual(['+a']);
    expect(
      execFileSync('git', ['-C', path.join(mount, 'state.git'), 'fsck', '--strict'], { encoding: 'utf8' }),
    ).toBe('');
  });
});
