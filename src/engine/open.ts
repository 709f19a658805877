import { createHash } from 'node:crypto';
import path from 'node:path';
import { AckAgent } from '../agents/ack-agent.js';
import { AckBroker } from '../agents/ack-broker.js';
import { PauseAgent } from '../agents/pause-agent.js';
import type { DockerOptions } from '../agents/docker-client.js';
import { createAgents } from '../agents/registry.js';
import { Engine, type EngineOptions } from './engine.js';

export type OpenEngineOptions = Omit<EngineOptions, 'agents'> & {
  agents?: EngineOptions['agents'];
  /** For the built-in docker agent: mode (container | swarm), endpoint, instance. */
  docker?: DockerOptions;
};

/**
 * Opens an engine with the built-in agent kinds (plus `ack` and `pause`, waiting on the engine's
 * approval broker) unless the caller brings its own.
 */
export function openEngine(options: OpenEngineOptions): Promise<Engine> {
  const acks = options.acks ?? new AckBroker();
  const docker = { ...options.docker, instance: options.docker?.instance ?? dockerInstance(options) };
  return Engine.open({
    ...options,
    acks,
    agents:
      options.agents ?? createAgents({ docker, extraAgents: [new AckAgent(acks), new PauseAgent(acks)] }),
  });
}

/**
 * Containers are labelled with the Orbit that started them, and start-up cleanup removes only
 * that Orbit's leftovers. One Orbit is one state branch of one repository (the lock guarantees a
 * single writer), so the label is derived from those: two Orbits sharing a Docker engine never
 * remove each other's running steps.
 */
export function dockerInstance(options: Pick<EngineOptions, 'repoDir' | 'stateDir' | 'stateBranch'>): string {
  const where = path.resolve(options.stateDir ?? options.repoDir);
  const hash = createHash('sha256')
    .update(`${where}\0${options.stateBranch ?? 'orbit/state'}`)
    .digest('hex');
  return `orbit-${hash.slice(0, 12)}`;
}
