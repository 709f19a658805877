import { OrbitError } from '../util/errors.js';
import { CustomAgent, type CustomAgentDefinition } from './custom-agent.js';
import type { DockerAgent } from './docker-agent.js';
import type { DockerOptions } from './docker-client.js';
import type { CleanupReport } from './docker-cleanup.js';
import { ExecAgent, type ExecAgentOptions } from './exec-agent.js';
import type { HttpAgentOptions } from './http-agent.js';
import type { Agent } from './types.js';

export type { CleanupReport } from './docker-cleanup.js';
/** Each kind's parameter contract (pure data, what config validation reads). */
export { BUILTIN_CONTRACTS, customContract } from './contracts.js';

/** The set of agent kinds the engine runs steps with. */
export interface AgentSet {
  /** The agent of a kind; throws OrbitError E_UNKNOWN_AGENT for a kind nobody registered. */
  get(kind: string): Agent;
  /** Every registered kind, built-in and custom, sorted. */
  kinds(): string[];
  /**
   * Removes containers and swarm services labelled `orbit.managed=true` of this instance
   * (`docker.instance`, default `default`) left by a crash. Never throws; without a reachable
   * engine it reports `skipped`.
   */
  cleanup(): Promise<CleanupReport>;
  /** A custom agent kind for a definition known only at run time (a recorded action's image). */
  custom(kind: string, definition: CustomAgentDefinition): Agent;
}

export interface CreateAgentsOptions {
  docker?: DockerOptions;
  exec?: ExecAgentOptions;
  http?: HttpAgentOptions;
  /** Custom agents by kind name (from `agent "name" { image = ... }` blocks). */
  customAgents?: Record<string, CustomAgentDefinition>;
  /** More agents (the daemon's `ack`), registered last; a built-in kind cannot be replaced. */
  extraAgents?: Agent[];
}

/**
 * An agent whose implementation is imported on its first run: the docker client (dockerode, with
 * gRPC) and the HTTP agent cost a CLI start that runs only exec steps ~150 ms they never use. What
 * validation reads of a kind, its contract, is static data (contracts.ts).
 */
function lazyAgent<A extends Agent>(
  kind: string,
  load: () => Promise<A>,
): Agent & { instance(): Promise<A> } {
  let loading: Promise<A> | undefined;
  const instance = () => (loading ??= load());
  return { kind, instance, run: async (inv, ctx) => (await instance()).run(inv, ctx) };
}

/** Builds the agent kinds. The one place that knows every kind. */
export function createAgents(options: CreateAgentsOptions = {}): AgentSet {
  const agents = new Map<string, Agent>();
  const add = (a: Agent) => {
    if (agents.has(a.kind))
      throw new OrbitError('E_AGENT_CONFLICT', `agent kind "${a.kind}" is already registered`, {
        kind: a.kind,
      });
    agents.set(a.kind, a);
  };

  const docker = lazyAgent<DockerAgent>(
    'docker',
    async () => new (await import('./docker-agent.js')).DockerAgent(options.docker),
  );
  add(new ExecAgent(options.exec));
  add(docker);
  add(lazyAgent('http', async () => new (await import('./http-agent.js')).HttpAgent(options.http)));
  // ack (wait for a human approval) and pause (a wait, or one until an approval): openEngine passes
  // them in `extraAgents`, since they wait on the engine's approval broker rather than on a process.
  for (const a of options.extraAgents ?? []) add(a);
  for (const [name, def] of Object.entries(options.customAgents ?? {}))
    add(new CustomAgent(name, def, docker));

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
    cleanup: async () => {
      const [{ cleanupManaged }, agent] = await Promise.all([
        import('./docker-cleanup.js'),
        docker.instance(),
      ]);
      return cleanupManaged(agent.docker, options.docker?.instance);
    },
    custom: (kind, definition) => new CustomAgent(kind, definition, docker),
  };
}
