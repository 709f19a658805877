import { AckAgent } from '../agents/ack-agent.js';
import { AckBroker } from '../agents/ack-broker.js';
import { createAgents } from '../agents/registry.js';
import { Engine, type EngineOptions } from './engine.js';

/**
 * Opens an engine with the built-in agent kinds (plus `ack`, waiting on the engine's approval
 * broker) unless the caller brings its own.
 */
export function openEngine(
  options: Omit<EngineOptions, 'agents'> & { agents?: EngineOptions['agents'] },
): Promise<Engine> {
  const acks = options.acks ?? new AckBroker();
  return Engine.open({
    ...options,
    acks,
    agents: options.agents ?? createAgents({ extraAgents: [new AckAgent(acks)] }),
  });
}
