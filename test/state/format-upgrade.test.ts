import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import { openStateLog, STATE_FORMAT_VERSION, upgradeServiceView } from '../../src/state/index.js';
import { isOrbitError } from '../../src/util/errors.js';
import { Trace } from '../support/config-repo.js';
import { gitOut } from './helpers.js';

/** Written by Orbit before format 2 (see test/fixtures/README.md): web-1..3 deployed, unwound twice. */
const BUNDLE = fileURLToPath(new URL('../fixtures/state-format-1.bundle', import.meta.url));

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'orbit-format-'));
  execFileSync('git', ['clone', '-q', '--mirror', BUNDLE, path.join(dir, '.git')]);
  execFileSync('git', ['-C', dir, 'config', 'core.bare', 'false']);
  execFileSync('git', ['-C', dir, 'checkout', '-q', 'main']);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const show = (ref: string): Record<string, unknown> =>
  JSON.parse(gitOut(dir, ['show', `orbit/state:${ref}`])) as Record<string, unknown>;

describe('a log written in state format 1', () => {
  it('is read as format 2: what redeploy re-applies, and what replaced each deployment', async () => {
    // The fixture really is format 1: the old names, no version.
    expect(show('services/web/current.json')).toMatchObject({ next: 'web-2' });
    expect(show('services/web/current.json').format_version).toBeUndefined();

    const log = await openStateLog({ dir, readOnly: true });
    try {
      expect(await log.service('web')).toMatchObject({
        format_version: STATE_FORMAT_VERSION,
        current: 'web-1',
        redeployable: 'web-2',
      });
      expect(await log.service('web')).not.toHaveProperty('next');
      const web1 = await log.deployment('web-1');
      expect(web1).toMatchObject({ replaced_by: 'web-2', status: 'succeeded' });
      expect(web1).not.toHaveProperty('superseded_by');
      expect(web1).not.toHaveProperty('next_deploy_id');
      expect(await log.deployment('web-2')).toMatchObject({ replaced_by: 'web-3', status: 'unwound' });
      const entries = [];
      for await (const { entry } of log.history({ service: 'web' })) entries.push(entry);
      expect(entries).toHaveLength(18);
      expect(
        entries.every((e) => e.format_version === STATE_FORMAT_VERSION && !('next_deploy_id' in e)),
      ).toBe(true);
    } finally {
      await log.close();
    }
  });

  it('goes on in format 2: redeploy walks forward along what format 1 recorded', async () => {
    const trace = new Trace();
    const engine = await openEngine({ repoDir: dir, env: { ORBIT_VAR_trace: trace.file } });
    try {
      expect((await engine.redeploy('web', 'Bob')).redeploy_of).toBe('web-2');
      // web-2's forward link (format 1's next_deploy_id) says what comes after it: web-3.
      expect(await engine.state.service('web')).toMatchObject({ current: 'web-4', redeployable: 'web-3' });
      expect((await engine.redeploy('web', 'Bob')).redeploy_of).toBe('web-3');
      expect(await engine.state.service('web')).toMatchObject({ current: 'web-5', redeployable: null });
      expect(trace.lines()).toEqual(['+release:2', '+release:3']);
      await engine.unwind('web', 'Bob');
      expect(trace.lines()).toEqual(['+release:2', '+release:3', '-release:3']);
    } finally {
      await engine.close();
    }
    // What was rewritten is in format 2; what was not stays as format 1 wrote it.
    expect(show('services/web/current.json')).toMatchObject({ format_version: 2, redeployable: 'web-5' });
    expect(show('services/web/current.json')).not.toHaveProperty('next');
    expect(show('services/web/deployments/0-9999/0-99/web-4/record.json')).toMatchObject({
      format_version: 2,
      replaced_by: 'web-5',
    });
    expect(show('services/web/deployments/0-9999/0-99/web-3/record.json')).toMatchObject({
      next_deploy_id: null,
      superseded_by: null,
    });
    expect(show('entry.json')).toMatchObject({ format_version: 2, kind: 'deploy-unwound' });
  });

  it('a file written by a newer format is refused with E_STATE_FORMAT, not misread', () => {
    const newer = { ...show('services/web/current.json'), format_version: 99 };
    const err = (() => {
      try {
        return upgradeServiceView(newer, 'services/web/current.json');
      } catch (e) {
        return e;
      }
    })();
    expect(isOrbitError(err, 'E_STATE_FORMAT')).toBe(true);
    expect((err as { data: unknown }).data).toMatchObject({ format_version: 99, supported: 2 });
  });
});
