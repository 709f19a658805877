/**
 * Swarm jobs on the multi-node test cluster (scripts/cluster-up.sh), never the host engine. The
 * workers are separate machines here: they see none of this machine's files, so everything a job
 * returns (exit status, log, outputs) comes back through the swarm itself.
 */
import type Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerAgent } from '../../src/agents/docker-agent.js';
import { createAgents } from '../../src/agents/registry.js';
import { openEngine } from '../../src/engine/open.js';
import { ConfigRepo } from '../support/config-repo.js';
import { waitUntil } from '../support/wait.js';
import { TEST_IMAGE } from './docker-available.js';
import { context, invocation } from './helpers.js';
import { killNode, restartCluster, swarmCluster, why, type SwarmNode } from './swarm-cluster.js';

const cluster = await swarmCluster();
const INSTANCE = `swarm-test-${process.pid}`;
// Scheduling a task on a busy machine takes a while; only the timeout tests are about time.
const JOB_TIMEOUT_MS = 60_000;
const on = (node: SwarmNode) => [`node.hostname==${node.hostname}`];

/** The containers a node's own engine started for this suite's instance (its event log). */
async function containersStartedOn(node: SwarmNode, since: number, deploymentId: string): Promise<number> {
  const events = await node.docker.getEvents({
    since,
    until: Math.floor(Date.now() / 1000) + 1,
    filters: {
      type: ['container'],
      event: ['start'],
      label: [`orbit.instance=${INSTANCE}`, `orbit.deployment=${deploymentId}`],
    },
  });
  const text = await new Promise<string>((resolve, reject) => {
    let out = '';
    events.on('data', (d: Buffer) => (out += d.toString()));
    events.on('end', () => resolve(out));
    events.on('error', reject);
  });
  return text.split('\n').filter(Boolean).length;
}

describe.skipIf(!cluster)(
  'docker agent as swarm jobs (the multi-node test cluster)',
  { timeout: 180_000 },
  () => {
    const { host, docker, workers } = cluster!;
    const agent = new DockerAgent({ mode: 'swarm', instance: INSTANCE, dockerHost: host });
    const services = async () =>
      (await docker.listServices({ filters: { label: [`orbit.instance=${INSTANCE}`] } })).map(
        (s) => s.Spec?.Name,
      );

    afterAll(async () => {
      // Whatever a failed test left: this instance's services only.
      await createAgents({ docker: { instance: INSTANCE, dockerHost: host } }).cleanup();
    });

    it('has workers to place jobs on', () => {
      expect(workers.map((w) => w.hostname)).toHaveLength(2);
    });

    it('runs a step pinned to a worker: exit status, both streams, outputs from marked lines, no service left', async () => {
      const [worker] = workers;
      const since = Math.floor(Date.now() / 1000) - 1;
      const r = await agent.run(
        invocation({
          kind: 'docker',
          args: [
            'sh',
            '-c',
            'echo "from swarm $ORBIT_STEP"; echo err >&2; echo "${ORBIT_OUTPUT_MARKER}where=worker"; echo "${ORBIT_OUTPUT_MARKER}file=${ORBIT_OUTPUT:-unset}"',
          ],
          params: { image: TEST_IMAGE, constraints: on(worker!) },
          timeoutMs: JOB_TIMEOUT_MS,
        }),
        context({ deploymentId: 'swarm-pinned' }),
      );
      expect(r.error, why(r)).toBeUndefined();
      expect(r.exitCode, why(r)).toBe(0);
      // Both streams, no marked line; their relative order is the log driver's (two streams).
      expect(r.log.split('\n').filter(Boolean).sort()).toEqual(['err', 'from swarm step']);
      // No ORBIT_OUTPUT file in a swarm job: its filesystem is on another machine.
      expect(r.outputs, why(r)).toEqual({ where: 'worker', file: 'unset' });
      expect(await containersStartedOn(worker!, since, 'swarm-pinned'), 'the job ran on the worker').toBe(1);
      expect(await services(), 'the job service is removed afterwards').toHaveLength(0);
    });

    it('reports a failing job and a job stopped at its timeout', async () => {
      const failing = await agent.run(
        invocation({
          kind: 'docker',
          args: ['sh', '-c', 'echo failing; exit 5'],
          params: { image: TEST_IMAGE, constraints: on(workers[1]!) },
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

    it('fails clearly when no node can run a job: an image no node has, a constraint no node meets', async () => {
      const missing = await agent.run(
        invocation({
          kind: 'docker',
          args: ['true'],
          params: { image: 'orbit-test/no-such-image:1' },
          timeoutMs: JOB_TIMEOUT_MS,
        }),
        context(),
      );
      expect(missing.error?.code, why(missing)).toBe('E_IMAGE_MISSING');
      expect(missing.error?.message, why(missing)).toMatch(/no-such-image/);
      const nowhere = await agent.run(
        invocation({
          kind: 'docker',
          args: ['true'],
          params: { image: TEST_IMAGE, constraints: ['node.hostname==no-such-node'] },
          timeoutMs: 3000,
        }),
        context(),
      );
      expect(nowhere.error?.code, why(nowhere)).toBe('E_AGENT_TIMEOUT');
      // The task state's own message, with the timeout.
      expect(nowhere.error?.message, why(nowhere)).toMatch(
        /timed out after 3000 ms; the task was pending: no suitable node/,
      );
      expect(await services()).toHaveLength(0);
    });

    it('places by platform and limits resources', async () => {
      const r = await agent.run(
        invocation({
          kind: 'docker',
          args: [
            'sh',
            '-c',
            'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max',
          ],
          params: { image: TEST_IMAGE, platform: 'linux/amd64', memory: '32m', cpus: 0.25 },
          timeoutMs: JOB_TIMEOUT_MS,
        }),
        context(),
      );
      expect(r.exitCode, why(r)).toBe(0);
      expect(r.log.trim()).toBe(String(32 * 1024 * 1024));
      const arm = await agent.run(
        invocation({
          kind: 'docker',
          args: ['true'],
          params: { image: TEST_IMAGE, platform: 'linux/s390x' },
          timeoutMs: 3000,
        }),
        context(),
      );
      expect(arm.error?.message, why(arm)).toMatch(/no suitable node/);
    });

    it("cleanup removes only this instance's leftover services", async () => {
      const leftover = (instance: string) =>
        docker.createService({
          Name: `orbit-leftover-${instance}`.slice(0, 60),
          Labels: { 'orbit.managed': 'true', 'orbit.instance': instance },
          TaskTemplate: { ContainerSpec: { Image: TEST_IMAGE, Args: ['sleep', '300'] } },
          Mode: { Replicated: { Replicas: 0 } },
        } as Docker.ServiceSpec);
      const mine = await leftover(INSTANCE);
      const other = await leftover(`${INSTANCE}-other`);
      try {
        const report = await createAgents({ docker: { instance: INSTANCE, dockerHost: host } }).cleanup();
        expect(report.services).toBe(1);
        const left = (await docker.listServices()).map((s) => s.ID);
        expect(left).not.toContain(mine.id);
        expect(left).toContain(other.id);
      } finally {
        await other.remove();
      }
    });

    it('a deployment across workers: outputs flow between steps, a failure unwinds on the cluster', async () => {
      const [a, b] = workers as [SwarmNode, SwarmNode];
      const repo = new ConfigRepo();
      const step = (name: string, node: SwarmNode, forward: string, reverse: string) => `step {
  name        = "${name}"
  agent       = "docker"
  image       = "${TEST_IMAGE}"
  constraints = ["node.hostname==${node.hostname}"]
  forward     = ["sh", "-c", ${JSON.stringify(forward)}]
  reverse     = ["sh", "-c", ${JSON.stringify(reverse)}]
}
`;
      repo.commit({
        'services/web/deploy.hcl': `variable "version" {}
${step('build', a, 'echo "$${ORBIT_OUTPUT_MARKER}artifact=web-$ORBIT_VAR_version"', `echo undo build on ${a.hostname}`)}
step {
  name        = "release"
  agent       = "docker"
  image       = "${TEST_IMAGE}"
  constraints = ["node.hostname==${b.hostname}"]
  forward     = ["sh", "-c", "echo releasing $0; test $ORBIT_VAR_version != bad", step.build.output.artifact]
  reverse     = ["sh", "-c", "echo undo release"]
}
`,
        'services/web/values.hcl': 'version = "7"\n',
      });
      const engine = await openEngine({
        repoDir: repo.dir,
        env: {},
        docker: { mode: 'swarm', instance: INSTANCE, dockerHost: host },
      });
      try {
        let report = await engine.reconcile();
        const web1 = await engine.state.deployment('web-1');
        const said = `deployment: ${JSON.stringify(web1?.steps ?? null)}`;
        expect(report.outcomes, `${said} ${JSON.stringify(report.outcomes)}`).toMatchObject([
          { deployId: 'web-1', status: 'succeeded' },
        ]);
        expect(web1?.steps[0]?.outputs, said).toEqual({ artifact: 'web-7' });
        expect(await engine.state.stepLog('web-1', 1)).toContain('releasing web-7');

        repo.commit({ 'services/web/values.hcl': 'version = "bad"\n' });
        report = await engine.reconcile();
        const web2 = await engine.state.deployment('web-2');
        expect(report.outcomes).toMatchObject([{ deployId: 'web-2', status: 'failed' }]);
        expect(web2?.steps.map((s) => s.status)).toEqual(['reversed', 'failed']);
        expect(await engine.state.stepLog('web-2', 0)).toContain(`undo build on ${a.hostname}`);
      } finally {
        await engine.close();
        repo.remove();
      }
      expect(await services()).toHaveLength(0);
    });

    // Last: it takes a worker down and brings it back.
    it('a node that leaves mid-job fails the step with the reason, and the unwind still runs', async () => {
      const [a, b] = workers as [SwarmNode, SwarmNode];
      const repo = new ConfigRepo();
      repo.commit({
        'services/web/deploy.hcl': `step {
  name        = "prepare"
  agent       = "docker"
  image       = "${TEST_IMAGE}"
  constraints = ["node.hostname==${a.hostname}"]
  forward     = ["echo", "prepared"]
  reverse     = ["echo", "unprepared"]
}
step {
  name        = "long"
  agent       = "docker"
  image       = "${TEST_IMAGE}"
  constraints = ["node.hostname==${b.hostname}"]
  forward     = ["sh", "-c", "echo long-running; sleep 600"]
  timeout     = "5m"
}
`,
      });
      const engine = await openEngine({
        repoDir: repo.dir,
        env: {},
        docker: { mode: 'swarm', instance: INSTANCE, dockerHost: host },
      });
      try {
        const reconciled = engine.reconcile();
        await waitUntil(
          `the long step's task running on ${b.hostname}`,
          async () => {
            const [service] = await docker.listServices({
              filters: { label: [`orbit.instance=${INSTANCE}`, 'orbit.step=long'] },
            });
            if (!service) return false;
            const tasks = (await docker.listTasks({
              filters: { service: [service.ID] },
            } as object)) as Array<{
              Status?: { State?: string };
            }>;
            return tasks.some((t) => t.Status?.State === 'running');
          },
          JOB_TIMEOUT_MS,
        );
        killNode(b);
        const report = await reconciled;
        const web1 = await engine.state.deployment('web-1');
        expect(report.outcomes).toMatchObject([{ deployId: 'web-1', status: 'failed' }]);
        expect(web1?.steps.map((s) => s.status)).toEqual(['reversed', 'failed']);
        expect(web1?.steps[1]?.error, JSON.stringify(web1?.steps[1])).toMatchObject({
          code: 'E_DOCKER_ERROR',
          message: expect.stringContaining(`node ${b.hostname} left the swarm`),
        });
        expect(await engine.state.stepLog('web-1', 0)).toContain('unprepared');
      } finally {
        await engine.close();
        repo.remove();
        await restartCluster();
      }
    });
  },
);
