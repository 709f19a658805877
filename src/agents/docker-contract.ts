import { isMap, nonEmpty, oneOf, type AgentContract, type ParamSpec } from './contract.js';
import { constraintsProblem, cpusProblem, memoryProblem, platformProblem } from './docker-params.js';

/** A Docker `env`: a map, or Docker's own list form `["K=V", ...]`. */
export function dockerEnvProblem(v: unknown): string | null {
  if (Array.isArray(v)) {
    const bad = v.find((e) => typeof e !== 'string' || !e.includes('='));
    return bad === undefined ? null : `${JSON.stringify(bad)} is not K=V`;
  }
  return isMap(v) ? null : 'must be a map or a list of "K=V" strings';
}

/**
 * The params that configure a container: a docker step's, and a custom agent's. (`env` is a step
 * attribute of every kind; in an `agent` block, `env` is a default checked by `dockerEnvProblem`.)
 */
export const CONTAINER_PARAMS: Readonly<Record<string, ParamSpec>> = {
  mounts: { type: 'list(string)', description: 'Docker\'s `"HOST:CONTAINER[:ro]"` strings' },
  network: { type: 'string', description: 'as `docker run --network`' },
  user: { type: 'string', description: 'as `docker run --user`' },
  workdir: { type: 'string', description: 'as `docker run --workdir`' },
  pull: {
    type: 'string',
    description: '`never` (the image must be present), `missing` (default: pull when absent), `always`',
    check: oneOf('never', 'missing', 'always'),
  },
  docker_socket: {
    type: 'bool',
    description: 'give the container the Docker engine (socket and `DOCKER_HOST`); default `false`',
  },
  swarm: { type: 'bool', description: 'run this step as a swarm job even in container mode' },
  constraints: {
    type: 'list(string)',
    description:
      'swarm placement constraints as Swarm writes them, e.g. `"node.hostname==web-1"` (swarm jobs only)',
    check: constraintsProblem,
  },
  platform: {
    type: 'string',
    description:
      '`os/arch[/variant]`, e.g. `"linux/arm64"`: the image variant, and the nodes a swarm job may run on',
    check: platformProblem,
  },
  cpus: { type: 'number', description: 'CPU limit, as `docker run --cpus` (e.g. `0.5`)', check: cpusProblem },
  memory: {
    type: 'any',
    description: 'memory limit: bytes, or a size such as `"256m"`, as `docker run --memory`',
    check: memoryProblem,
  },
};

/** `docker`: a container (src/agents/docker-agent.ts). */
export const DOCKER_CONTRACT: AgentContract = {
  kind: 'docker',
  forward: 'required',
  emptyArgs: true, // [] runs the image's CMD
  closed: true,
  params: {
    image: { type: 'string', required: true, description: 'the image to run', check: nonEmpty },
    ...CONTAINER_PARAMS,
  },
};
