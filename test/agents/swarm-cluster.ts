/**
 * The cluster tier's swarm: a multi-node Docker Swarm of its own (scripts/cluster-up.sh), never the
 * host's engine, whose swarm state no test may change. ORBIT_TEST_SWARM_HOST names its manager
 * (`unix:///...` or `tcp://...`). Missing under CI is a failure, elsewhere the tier is skipped.
 */
import type Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { createDockerClient, resolveEndpoint } from '../../src/agents/docker-client.js';
import type { AgentResult } from '../../src/agents/types.js';
import { TEST_IMAGE } from './docker-available.js';

export const SWARM_HOST_VAR = 'ORBIT_TEST_SWARM_HOST';

export interface SwarmNode {
  host: string;
  docker: Docker;
  /** Its swarm node name (`node.hostname==...`). */
  hostname: string;
}

export interface SwarmCluster {
  host: string;
  docker: Docker;
  /** The workers (ORBIT_TEST_SWARM_WORKERS): separate machines, with no view of this one's files. */
  workers: SwarmNode[];
}

interface SwarmInfo {
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; Nodes?: number };
}

/** The cluster's manager, checked: an active swarm manager that has the test image. */
export async function swarmCluster(): Promise<SwarmCluster | undefined> {
  const host = process.env[SWARM_HOST_VAR];
  const reason = host ? await problem(host) : `${SWARM_HOST_VAR} is not set`;
  if (!reason)
    return {
      host: host!,
      docker: createDockerClient(resolveEndpoint({ dockerHost: host })),
      workers: await workerNodes(),
    };
  const hint = 'start the cluster with `eval "$(bash scripts/cluster-up.sh)"` (needs ../shared and root)';
  if (process.env.CI === 'true' || process.env.CI === '1')
    throw new Error(`the cluster tier cannot run in CI: ${reason}; ${hint}`);
  console.warn(`[orbit] skipping cluster tests: ${reason}; ${hint}`);
  return undefined;
}

async function problem(host: string): Promise<string | undefined> {
  const docker = createDockerClient(resolveEndpoint({ dockerHost: host }));
  let info: SwarmInfo;
  try {
    info = (await docker.info()) as SwarmInfo;
  } catch (err) {
    return `no engine answers at ${SWARM_HOST_VAR}=${host} (${(err as Error).message})`;
  }
  if (info.Swarm?.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable)
    return `${host} is not an active swarm manager (state ${info.Swarm?.LocalNodeState})`;
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    return `${TEST_IMAGE} is not loaded into the cluster (scripts/cluster-up.sh loads it)`;
  }
  return undefined;
}

/** What a failed assertion on a job says: the agent's error (the task state message) and its log. */
export function why(r: AgentResult): string {
  return `exit ${r.exitCode}, error ${JSON.stringify(r.error ?? null)}, log:\n${r.log}`;
}

async function workerNodes(): Promise<SwarmNode[]> {
  const hosts = (process.env.ORBIT_TEST_SWARM_WORKERS ?? '').split(/\s+/).filter(Boolean);
  return Promise.all(
    hosts.map(async (host) => {
      const docker = createDockerClient(resolveEndpoint({ dockerHost: host }));
      const info = (await docker.info()) as { Name: string };
      return { host, docker, hostname: info.Name };
    }),
  );
}

/**
 * Kills a node's dockerd (SIGKILL: a machine that dies does not say goodbye). Its pid file sits
 * beside its socket (swarm-cluster.sh); the pid is checked against the socket in its command line.
 */
export function killNode(node: SwarmNode): void {
  const socket = new URL(node.host).pathname;
  const pid = Number(readFileSync(join(dirname(socket), 'dockerd.pid'), 'utf8').trim());
  if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(socket))
    throw new Error(`pid ${pid} is not the dockerd of ${node.host}`);
  process.kill(pid, 'SIGKILL');
}

/** Starts what is stopped of the cluster again and waits until every node is Ready (idempotent). */
export async function restartCluster(): Promise<void> {
  const script = process.env.ORBIT_TEST_SWARM_SCRIPT;
  if (!script) throw new Error('ORBIT_TEST_SWARM_SCRIPT is not set (scripts/cluster-up.sh exports it)');
  await promisify(execFile)('bash', [script, 'start'], { timeout: 120_000 });
}
