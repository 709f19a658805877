/**
 * The cluster tier's swarm: a multi-node Docker Swarm of its own (scripts/cluster-up.sh), never the
 * host's engine, whose swarm state no test may change. ORBIT_TEST_SWARM_HOST names its manager
 * (`unix:///...` or `tcp://...`). Missing under CI is a failure, elsewhere the tier is skipped.
 */
import type Docker from 'dockerode';
import { createDockerClient, resolveEndpoint } from '../../src/agents/docker-client.js';
import type { AgentResult } from '../../src/agents/types.js';
import { TEST_IMAGE } from './docker-available.js';

export const SWARM_HOST_VAR = 'ORBIT_TEST_SWARM_HOST';

/** The manager (node 1) sees the host's files; workers do not, so jobs are pinned to it (issue 20). */
export const ON_MANAGER = ['node.role == manager'];

export interface SwarmCluster {
  host: string;
  docker: Docker;
}

interface SwarmInfo {
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; Nodes?: number };
}

/** The cluster's manager, checked: an active swarm manager that has the test image. */
export async function swarmCluster(): Promise<SwarmCluster | undefined> {
  const host = process.env[SWARM_HOST_VAR];
  const reason = host ? await problem(host) : `${SWARM_HOST_VAR} is not set`;
  if (!reason) return { host: host!, docker: createDockerClient(resolveEndpoint({ dockerHost: host })) };
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
