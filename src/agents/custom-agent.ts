import type { Agent, AgentContext, AgentResult, Invocation } from './types.js';

/** A custom agent as declared in HCL: `agent "cap" { image = "...", ...defaults }`. */
export interface CustomAgentDefinition {
  image: string;
  /** Defaults for the step's params; the step's own params win. */
  params: Record<string, unknown>;
}

/**
 * A custom agent kind: its image run through the docker agent with the protocol, and the merged
 * params (definition defaults, then the step's) as JSON in ORBIT_PARAMS. Docker-level params
 * (env, mounts, network, user, workdir, pull, docker_socket, swarm) apply to the container as for
 * a docker step; the image is always the definition's.
 */
export class CustomAgent implements Agent {
  constructor(
    readonly kind: string,
    private readonly definition: CustomAgentDefinition,
    /** The docker agent the image runs through. */
    private readonly docker: Agent,
  ) {}

  run(inv: Invocation, ctx: AgentContext): Promise<AgentResult> {
    const params = { ...this.definition.params, ...inv.params, image: this.definition.image };
    const { image: _image, ...forAgent } = params;
    return this.docker.run(
      { ...inv, params, env: { ...inv.env, ORBIT_PARAMS: JSON.stringify(forAgent) } },
      ctx,
    );
  }
}
