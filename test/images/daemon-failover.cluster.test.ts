/**
 * Failover by the scheduler: the daemon image as a one-replica Swarm service on the test cluster,
 * its config and state branch on a git remote every node reaches (`git daemon` on the cluster's
 * network). The node running it dies mid-deployment (its dockerd and the daemon's container are
 * killed); Swarm starts the daemon on another node, it takes the pushed state branch over, resolves
 * the deployment in flight as crash recovery does and carries on. The remote's log is exact.
 */
import type Docker from 'dockerode';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateLog } from '../../src/state/index.js';
import type { LogEntry, StateLog } from '../../src/state/types.js';
import { killNode, restartCluster, swarmCluster, type SwarmNode } from '../agents/swarm-cluster.js';
import { ConfigRepo } from '../support/config-repo.js';
import { waitUntil } from '../support/wait.js';

const cluster = await swarmCluster();
const IMAGE = 'orbit:local';
const NAME = `orbit-failover-${process.pid}`;

/**
 * Reads the remote's state branch from a fresh copy (a fetch into a new bare repository), as any
 * other reader of a pushed branch would: never from the remote repository itself.
 */
async function withRemoteState<T>(
  remote: string,
  read: (state: StateLog) => Promise<T>,
): Promise<T | undefined> {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'orbit-failover-read-'));
  try {
    execFileSync('git', ['init', '-q', '--bare', copy]);
    const fetched = spawnSync('git', ['--git-dir', copy, 'fetch', '-q', remote, 'orbit/state:orbit/state']);
    if (fetched.status !== 0) return undefined;
    const state = await openStateLog({ dir: copy, readOnly: true });
    try {
      return await read(state);
    } finally {
      await state.close();
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** The remote's state branch, oldest entry first, as `kind deployment step` lines. */
async function remoteLog(remote: string): Promise<{ lines: string[]; entries: LogEntry[] }> {
  const entries =
    (await withRemoteState(remote, async (state) => {
      const all: LogEntry[] = [];
      for await (const item of state.history()) all.unshift(item.entry);
      return all;
    })) ?? [];
  const lines = entries.map((e) => [e.kind, e.deploy_id ?? '', e.step_name ?? ''].filter(Boolean).join(' '));
  return { lines, entries };
}

describe.skipIf(!cluster)('the daemon as a one-replica swarm service', { timeout: 600_000 }, () => {
  const { docker, workers } = cluster!;
  const netns = process.env.ORBIT_TEST_SWARM_HUB_NETNS ?? '';
  const addr = process.env.ORBIT_TEST_SWARM_HUB_ADDR ?? '';
  let dir: string;
  let remote: string;
  let gitDaemon: ChildProcess | undefined;
  let service: Docker.Service | undefined;

  beforeAll(async () => {
    expect(netns && addr, 'ORBIT_TEST_SWARM_HUB_NETNS/_ADDR (scripts/cluster-up.sh)').toBeTruthy();
    for (const w of workers)
      await w.docker
        .getImage(IMAGE)
        .inspect()
        .catch(() => {
          throw new Error(
            `${IMAGE} is not on ${w.hostname}: build it (scripts/build-image.sh), then cluster-up`,
          );
        });
    dir = mkdtempSync(path.join(os.tmpdir(), 'orbit-failover-'));
    remote = path.join(dir, 'config.git');
    execFileSync('git', ['init', '-q', '--bare', remote]);
    // The remote on the cluster's network: a process of this test, in the hub's network namespace.
    gitDaemon = spawn(
      'nsenter',
      [
        `--net=${netns}`,
        'git',
        'daemon',
        '--export-all',
        '--enable=receive-pack',
        `--base-path=${dir}`,
        `--listen=${addr}`,
        '--port=9418',
        '--reuseaddr',
      ],
      { stdio: 'ignore' },
    );
  });

  afterAll(async () => {
    await service?.remove().catch(() => undefined);
    gitDaemon?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    await restartCluster();
  });

  it('fails over when its node dies: the in-flight deployment is recovered, the log is exact', async () => {
    const config = new ConfigRepo();
    config.commit({
      'services/web/deploy.hcl': `step {
  name    = "prepare"
  agent   = "exec"
  forward = ["echo", "prepared"]
  reverse = ["echo", "unprepared"]
}
step {
  name    = "release"
  agent   = "exec"
  # The first run hangs until its machine dies; the next deployment goes through.
  forward = ["sh", "-c", "if [ \\"$ORBIT_DEPLOYMENT\\" = web-1 ]; then sleep 600; fi; echo released"]
  reverse = ["echo", "unreleased"]
}
`,
    });
    config.git('push', '-q', remote, 'main');
    const url = `git://${addr}/config.git`;
    service = await docker.createService({
      Name: NAME,
      Labels: { 'orbit.test': NAME },
      TaskTemplate: {
        ContainerSpec: {
          Image: IMAGE,
          Args: ['--repo', url, '--state-push', url, '--poll-interval', '1s'],
        },
        RestartPolicy: { Condition: 'any', Delay: 1_000_000_000 },
        // Workers only: the manager must survive to reschedule.
        Placement: { Constraints: ['node.role==worker'] },
      },
      Mode: { Replicated: { Replicas: 1 } },
    } as Docker.ServiceSpec);

    const runningOn = async (): Promise<SwarmNode | undefined> => {
      const tasks = (await docker.listTasks({ filters: { service: [service!.id] } } as object)) as Array<{
        NodeID: string;
        Status?: { State?: string };
        DesiredState?: string;
      }>;
      const task = tasks.find((t) => t.Status?.State === 'running' && t.DesiredState === 'running');
      if (!task) return undefined;
      const node = (await docker.getNode(task.NodeID).inspect()) as { Description: { Hostname: string } };
      return workers.find((w) => w.hostname === node.Description.Hostname);
    };
    const first = await waitUntil('the daemon task running', runningOn, 120_000);
    await waitUntil(
      'web-1 release started, pushed to the remote',
      async () => (await remoteLog(remote)).lines.includes('step-started web-1 release'),
      120_000,
    );
    const before = (await remoteLog(remote)).lines.length;

    // The machine dies: its engine, and the daemon's container with it (tini is its PID 1).
    const [c] = await first.docker.listContainers({
      filters: { label: [`com.docker.swarm.service.name=${NAME}`] },
    });
    const pid = ((await first.docker.getContainer(c!.Id).inspect()) as { State: { Pid: number } }).State.Pid;
    const killedAt = Date.now();
    killNode(first);
    process.kill(pid, 'SIGKILL');

    const second = await waitUntil(
      'the daemon rescheduled on another node',
      async () => {
        const n = await runningOn();
        return n && n.hostname !== first.hostname ? n : undefined;
      },
      180_000,
    );
    const rescheduledAt = Date.now();
    await waitUntil(
      'the new daemon resuming: its first entry on the remote',
      async () => (await remoteLog(remote)).lines.length > before,
      // Recovery stops the dead node's job first; on a loaded machine Swarm takes a while to see
      // that node down (one run under load took over 120 s).
      240_000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; the daemon's log:\n${await daemonLog(second)}`);
    });
    const resumedAt = Date.now();
    const deployment = (id: string) => withRemoteState(remote, (state) => state.deployment(id));
    const explain = async (err: Error) => {
      throw new Error(`${err.message}; the remote's log:\n${(await remoteLog(remote)).lines.join('\n')}`);
    };
    const resolved = await waitUntil(
      'web-1 resolved by crash recovery on the new node',
      async () => {
        const d = await deployment('web-1');
        return d && !['running', 'unwinding'].includes(d.status) ? d : undefined;
      },
      120_000,
    ).catch(explain);
    const resolvedAt = Date.now();
    // It carries on: the next commit deploys on top.
    config.commit({ 'services/web/values.hcl': '' }, 'next');
    config.git('push', '-q', remote, 'main');
    const done = await waitUntil(
      'the next commit deployed by the new daemon',
      async () => {
        const log = await remoteLog(remote);
        return log.lines.some((l) => /^deploy-succeeded/.test(l)) ? log : undefined;
      },
      120_000,
    ).catch(explain);
    config.remove();
    console.log(
      `[orbit] failover: node ${first.hostname} killed -> rescheduled on ${second.hostname} ${
        rescheduledAt - killedAt
      } ms -> deployment resumed (first entry) ${resumedAt - killedAt} ms -> resolved (${resolved!.status}) ${
        resolvedAt - killedAt
      } ms`,
      `\n${done!.lines.join('\n')}`,
    );
    expect(second.hostname).not.toBe(first.hostname);
    expect(done!.lines).toEqual(EXPECTED);
    expect(resolved!.unwind?.reason).toBe('crash-recovery');
    expect(resolved!.steps.map((st) => [st.step_name, st.status, st.error?.code ?? null])).toEqual([
      ['prepare', 'reversed', null],
      ['release', 'reversed', 'E_INTERRUPTED'],
    ]);
  });
});

/** The daemon's own output on a node (its containers there, newest first). */
async function daemonLog(node: SwarmNode): Promise<string> {
  const found = await node.docker.listContainers({
    all: true,
    filters: { label: [`com.docker.swarm.service.name=${NAME}`] },
  });
  const out: string[] = [];
  for (const c of found) {
    const raw = (await node.docker
      .getContainer(c.Id)
      .logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    out.push(`--- ${c.Id.slice(0, 12)} ${c.State}\n${raw.toString('utf8').slice(-4000)}`);
  }
  return out.join('\n');
}

/**
 * The remote's whole log: the first daemon's entries up to the step in flight, the new daemon's
 * crash recovery (the step in doubt failed, then reversed with the applied one), then the next
 * commit's deployment. Nothing twice, nothing lost. A deployment's start goes to the log with its
 * first step's intent (one append), and the cursor (`commit-seen`) moves once it has started.
 */
const EXPECTED = [
  'deploy-started web-1',
  'step-started web-1 prepare',
  'commit-seen',
  'step-applied web-1 prepare',
  'step-started web-1 release',
  // The new daemon, on another node:
  'step-failed web-1 release',
  'unwind-started web-1',
  'reverse-started web-1 release',
  'step-reversed web-1 release',
  'reverse-started web-1 prepare',
  'step-reversed web-1 prepare',
  'deploy-unwound web-1',
  'deploy-started web-2',
  'step-started web-2 prepare',
  'commit-seen',
  'step-applied web-2 prepare',
  'step-started web-2 release',
  'step-applied web-2 release',
  'deploy-succeeded web-2',
];
