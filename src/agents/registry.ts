import { OrbitError } from '../util/errors.js';
import { ExecAgent, type ExecAgentOptions } from './exec-agent.js';
import type { Agent } from './types.js';

/** The set of agent kinds the engine runs steps with. */
export interface AgentSet {
  /** The agent of a kind; throws OrbitError E_UNKNOWN_AGENT for a kind nobody registered. */
  get(kind: string): Agent;
  /** Every registered kind, built-in and custom, sorted. */
  kinds(): string[];
  /** Removes containers and swarm services left labelled `orbit.managed=true` by a crash. Never throws. */
  cleanup(): Promise<CleanupReport>;
}

export interface CleanupReport {
  containers: number;
  services: number;
  /** Set when the Docker engine could not be asked (no Docker on this host is not an error). */
  skipped?: string;
}

export interface CreateAgentsOptions {
  exec?: ExecAgentOptions;
}

/** Builds the agent kinds. The one place that knows every kind. */
export function createAgents(options: CreateAgentsOptions = {}): AgentSet {
  const agents = new Map<string, Agent>();
  const add = (a: Agent) => agents.set(a.kind, a);

  add(new ExecAgent(options.exec));
  // docker, http and custom agents: added in the next commits.
  // ack: the daemon work registers it here (it waits on the HTTP API, not on a process).

  return {
    get(kind) {
      const a = agents.get(kind);
      if (!a)
        throw new OrbitError('E_UNKNOWN_AGENT', `unknown agent kind "${kind}"`, {
          kind,
          known: [...agents.keys()].sort(),
        });
      return a;
    },
    kinds: () => [...agents.keys()].sort(),
    cleanup: async () => ({ containers: 0, services: 0 }),
  };
}
