import { createAgents } from '../agents/registry.js';
import { Engine, type EngineOptions } from './engine.js';

/** Opens an engine with the built-in agent kinds unless the caller brings its own. */
export function openEngine(
  options: Omit<EngineOptions, 'agents'> & { agents?: EngineOptions['agents'] },
): Promise<Engine> {
  return Engine.open({ ...options, agents: options.agents ?? createAgents() });
}
