/**
 * The engine with real containers: docker steps and a custom agent image, through the real
 * Docker engine and the locally built test images (scripts/build-test-images.sh).
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgents } from '../../src/agents/registry.js';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { AGENT_IMAGE, TEST_IMAGE, dockerAvailable } from '../agents/docker-available.js';
import { ConfigRepo, values } from '../support/config-repo.js';

const available = await dockerAvailable();

let repo: ConfigRepo;
let out: string;
let engine: Engine | undefined;

beforeEach(() => {
  repo = new ConfigRepo();
  out = mkdtempSync(path.join(os.tmpdir(), 'orbit-docker-out-'));
});

afterEach(async () => {
  await engine?.close();
  engine = undefined;
  repo.remove();
});

const trace = () =>
  existsSync(path.join(out, 'trace')) ? readFileSync(path.join(out, 'trace'), 'utf8').trim().split('\n') : [];

function deployHcl(): string {
  return `variable "version" {}

step {
  name    = "migrate"
  agent   = "docker"
  image   = "${TEST_IMAGE}"
  pull    = "never"
  mounts  = ["${out}:/out"]
  forward = ["sh", "-c", "echo +migrate:$ORBIT_VAR_version >> /out/trace; echo schema=v$ORBIT_VAR_version >> $ORBIT_OUTPUT"]
  reverse = ["sh", "-c", "echo -migrate:$ORBIT_VAR_version >> /out/trace"]
}

step {
  name    = "announce"
  agent   = "cap"
  forward = ["hello", step.migrate.output.schema]
  reverse = ["goodbye"]
  region  = "eu"
}

step {
  name    = "deploy"
  agent   = "docker"
  image   = "${TEST_IMAGE}"
  pull    = "never"
  mounts  = ["${out}:/out"]
  forward = ["sh", "-c", "test $ORBIT_VAR_version != bad && echo +deploy:$ORBIT_VAR_version >> /out/trace"]
  reverse = ["sh", "-c", "echo -deploy:$ORBIT_VAR_version >> /out/trace"]
}
`;
}

const orbitHcl = (image: string) => `agent "cap" {
  image    = "${image}"
  pull     = "never"
  greeting = "hi"
}
`;

describe.skipIf(!available)('engine with docker steps and a custom agent (real engine)', () => {
  it('deploys, fails and unwinds in containers; outputs and logs reach the state log', async () => {
    repo.commit({
      'orbit.hcl': orbitHcl(AGENT_IMAGE),
      'services/web/deploy.hcl': deployHcl(),
      'services/web/values.hcl': values('1'),
    });
    engine = await openEngine({
      repoDir: repo.dir,
      env: {},
      agents: createAgents({ docker: { instance: `engine-test-${process.pid}`, stopGraceSec: 1 } }),
    });
    let report = await engine.reconcile();
    expect(report.outcomes).toMatchObject([{ deployId: 'web-1', status: 'succeeded' }]);
    expect(trace()).toEqual(['+migrate:1', '+deploy:1']);

    const web1 = await engine.state.deployment('web-1');
    expect(web1?.steps[0]?.outputs).toEqual({ schema: 'v1' });
    // The custom agent got its merged params and the rendered args (using the first step's output).
    const params = JSON.parse(web1?.steps[1]?.outputs.params ?? '{}') as Record<string, unknown>;
    expect(params).toMatchObject({ greeting: 'hi', region: 'eu' });
    expect(params).not.toHaveProperty('image');
    expect(web1?.steps[1]?.outputs.args).toBe('hello v1');
    expect(await engine.state.stepLog('web-1', 1)).toContain('custom agent action=forward step=announce');
    expect(web1?.steps[1]?.forward_action?.custom_image).toBe(AGENT_IMAGE);

    // A failing container unwinds its deployment in reverse order, through the same images.
    repo.commit({ 'services/web/values.hcl': values('bad') });
    report = await engine.reconcile();
    expect(report.outcomes).toMatchObject([{ deployId: 'web-2', status: 'failed' }]);
    expect(trace().slice(2)).toEqual(['+migrate:bad', '-migrate:bad']);
    const web2 = await engine.state.deployment('web-2');
    expect(web2?.steps.map((s) => s.status)).toEqual(['reversed', 'reversed', 'failed']);
    expect(await engine.state.stepLog('web-2', 1)).toContain(
      'custom agent action=reverse step=announce args=goodbye',
    );

    // The custom agent's image changes in orbit.hcl: an unwind still replays the recorded one.
    repo.commit({ 'orbit.hcl': orbitHcl('orbit-test/does-not-exist:1') });
    const unwound = await engine.unwind('web', 'bob');
    expect(unwound.status).toBe('unwound');
    expect(trace().slice(4)).toEqual(['-deploy:1', '-migrate:1']);
    expect(unwound.steps.map((s) => s.status)).toEqual(['reversed', 'reversed', 'reversed']);
  });
});
