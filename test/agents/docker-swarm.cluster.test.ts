import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerAgent } from '../../src/agents/docker-agent.js';
import { openEngine } from '../../src/engine/open.js';
import { ConfigRepo } from '../support/config-repo.js';
import { TEST_IMAGE } from './docker-available.js';
import { context, invocation } from './helpers.js';
import { ON_MANAGER, swarmCluster, why } from './swarm-cluster.js';

// The cluster of scripts/cluster-up.sh, never the host engine (whose swarm state stays as it is).
const cluster = await swarmCluster();
const INSTANCE = `swarm-test-${process.pid}`;
// Scheduling a task on a busy machine takes a while; only the timeout test is about time.
const JOB_TIMEOUT_MS = 60_000;

describe.skipIf(!cluster)(
  'docker agent as swarm jobs (the multi-node test cluster)',
  { timeout: 120_000 },
  () => {
    const { host, docker } = cluster!;
    let dir: string;
    const agent = new DockerAgent({
      mode: 'swarm',
      instance: INSTANCE,
      dockerHost: host,
      placement: ON_MANAGER,
    });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'orbit-swarm-test-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const services = async () =>
      (await docker.listServices({ filters: { label: [`orbit.instance=${INSTANCE}`] } })).map(
        (s) => s.Spec?.Name,
      );

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
          timeoutMs: JOB_TIMEOUT_MS,
        }),
        context({ stepName: 'job' }),
      );
      expect(r.error, why(r)).toBeUndefined();
      expect(r.exitCode, why(r)).toBe(0);
      expect(r.log).toContain('from swarm step');
      expect(r.log).toContain('err');
      expect(r.outputs, `outputs come back through the manager's bind mount; ${why(r)}`).toEqual({
        where: 'swarm',
      });
      expect(await readFile(join(dir, 'ran'), 'utf8')).toBe('ran\n');
      expect(await services(), 'the job service is removed afterwards').toHaveLength(0);
    });

    it('reports a failing job and a job stopped at its timeout', async () => {
      const failing = await agent.run(
        invocation({
          kind: 'docker',
          args: ['sh', '-c', 'echo failing; exit 5'],
          params: { image: TEST_IMAGE },
          timeoutMs: JOB_TIMEOUT_MS,
        }),
        context(),
      );
      expect(failing.exitCode, why(failing)).toBe(5);
      expect(failing.log).toContain('failing');
      const hanging = await agent.run(
        invocation({ kind: 'docker', args: ['sleep', '60'], params: { image: TEST_IMAGE }, timeoutMs: 1500 }),
        context(),
      );
      expect(hanging.error?.code, why(hanging)).toBe('E_AGENT_TIMEOUT');
      expect(await services(), 'a job stopped at its timeout is removed too').toHaveLength(0);
    });

    it('a per-step swarm = true works with a container-mode agent too', async () => {
      const containerMode = new DockerAgent({ instance: INSTANCE, dockerHost: host, placement: ON_MANAGER });
      const r = await containerMode.run(
        invocation({
          kind: 'docker',
          args: ['echo', 'per-step'],
          params: { image: TEST_IMAGE, swarm: true },
          timeoutMs: JOB_TIMEOUT_MS,
        }),
        context(),
      );
      expect(r.exitCode, why(r)).toBe(0);
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
        docker: { mode: 'swarm', instance: INSTANCE, dockerHost: host, placement: ON_MANAGER },
      });
      try {
        const report = await engine.reconcile();
        const deployment = await engine.state.deployment('web-1');
        const said = `deployment: ${JSON.stringify(deployment?.steps ?? null)}`;
        expect(report.outcomes, said).toMatchObject([{ deployId: 'web-1', status: 'succeeded' }]);
        expect(deployment?.steps[0]?.outputs, said).toEqual({ version: '7' });
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
  },
);
