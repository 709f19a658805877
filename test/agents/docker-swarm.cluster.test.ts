import Docker from 'dockerode';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerAgent } from '../../src/agents/docker-agent.js';
import { openEngine } from '../../src/engine/open.js';
import { ConfigRepo } from '../support/config-repo.js';
import { TEST_IMAGE, dockerAvailable } from './docker-available.js';
import { context, invocation } from './helpers.js';

const available = await dockerAvailable();
const docker = new Docker();
const INSTANCE = `swarm-test-${process.pid}`;

describe.skipIf(!available)('docker agent as swarm jobs (single-node swarm)', () => {
  let madeSwarm = false;
  let dir: string;
  const agent = new DockerAgent({ mode: 'swarm', instance: INSTANCE });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'orbit-swarm-test-'));
    const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
    // Only a swarm this test made is left again afterwards.
    if (info.Swarm?.LocalNodeState !== 'active') {
      await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });
      madeSwarm = true;
    }
  });
  afterAll(async () => {
    if (madeSwarm) await docker.swarmLeave({ force: true });
    await rm(dir, { recursive: true, force: true });
  });

  const services = () => docker.listServices({ filters: { label: [`orbit.instance=${INSTANCE}`] } });

  it('runs a step as a replicated job: exit status, log, outputs, no service left', async () => {
    const r = await agent.run(
      invocation({
        kind: 'docker',
        args: [
          'sh',
          '-c',
          `echo "from swarm $ORBIT_STEP"; echo err >&2; echo "where=swarm" >> "$ORBIT_OUTPUT"; echo ran > /work/ran`,
        ],
        params: { image: TEST_IMAGE, mounts: [`${dir}:/work`] },
      }),
      context({ stepName: 'job' }),
    );
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(r.log).toContain('from swarm step');
    expect(r.log).toContain('err');
    expect(r.outputs).toEqual({ where: 'swarm' });
    expect(await readFile(join(dir, 'ran'), 'utf8')).toBe('ran\n');
    expect(await services()).toHaveLength(0);
  });

  it('reports a failing job and a job stopped at its timeout', async () => {
    const failing = await agent.run(
      invocation({
        kind: 'docker',
        args: ['sh', '-c', 'echo failing; exit 5'],
        params: { image: TEST_IMAGE },
      }),
      context(),
    );
    expect(failing.exitCode).toBe(5);
    expect(failing.log).toContain('failing');
    const hanging = await agent.run(
      invocation({ kind: 'docker', args: ['sleep', '60'], params: { image: TEST_IMAGE }, timeoutMs: 1500 }),
      context(),
    );
    expect(hanging.error?.code).toBe('E_AGENT_TIMEOUT');
    expect(await services()).toHaveLength(0);
  });

  it('a per-step swarm = true works with a container-mode agent too', async () => {
    const containerMode = new DockerAgent({ instance: INSTANCE });
    const r = await containerMode.run(
      invocation({ kind: 'docker', args: ['echo', 'per-step'], params: { image: TEST_IMAGE, swarm: true } }),
      context(),
    );
    expect(r.exitCode).toBe(0);
    expect(r.log).toContain('per-step');
  });

  it('openEngine with docker mode swarm (the CLI and daemon --docker-mode) runs docker steps as swarm jobs', async () => {
    const repo = new ConfigRepo();
    repo.commit({
      'services/web/deploy.hcl': `variable "version" {}
step {
  name    = "deploy"
  agent   = "docker"
  image   = "${TEST_IMAGE}"
  pull    = "never"
  forward = ["sh", "-c", "echo version=$ORBIT_VAR_version >> $ORBIT_OUTPUT"]
}
`,
      'services/web/values.hcl': 'version = "7"\n',
    });
    const since = Math.floor(Date.now() / 1000) - 1;
    const engine = await openEngine({
      repoDir: repo.dir,
      env: {},
      docker: { mode: 'swarm', instance: INSTANCE },
    });
    try {
      const report = await engine.reconcile();
      expect(report.outcomes).toMatchObject([{ deployId: 'web-1', status: 'succeeded' }]);
      expect((await engine.state.deployment('web-1'))?.steps[0]?.outputs).toEqual({ version: '7' });
    } finally {
      await engine.close();
      repo.remove();
    }
    // The engine made (and removed) a swarm service for the step, labelled with its deployment.
    const events = await docker.getEvents({
      since,
      until: Math.floor(Date.now() / 1000) + 1,
      filters: { type: ['service'] },
    });
    const text = await new Promise<string>((resolve, reject) => {
      let out = '';
      events.on('data', (d: Buffer) => (out += d.toString()));
      events.on('end', () => resolve(out));
      events.on('error', reject);
    });
    // Only this deployment's service: earlier tests' events can fall in the same second.
    const actions = text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: { name?: string } } })
      .filter((e) => e.Actor.Attributes.name?.startsWith('orbit-web-1-deploy-'))
      .map((e) => e.Action);
    expect(actions).toEqual(['create', 'remove']);
    expect(await services()).toHaveLength(0);
  });
});
