/**
 * The agent contract. An invocation is plain data; an agent kind turns it into a process,
 * a container, an HTTP call or a wait for a human. Every kind implements `Agent` and is
 * registered in `src/agents/registry.ts` (the one place that knows all kinds).
 */
import type { Secret } from '../util/secrets.js';

export type Action = 'forward' | 'reverse';

export interface Invocation {
  /** Agent kind as registered: exec | docker | http | ack | a custom agent name resolved to docker. */
  kind: string;
  action: Action;
  /** The argument array, no shell in between. For http/ack it may be empty. */
  args: string[];
  /** Environment added for the agent: the protocol's ORBIT_* variables, the variables, the step's env. */
  env: Record<string, string>;
  /** Kill/stop after this long. */
  timeoutMs: number;
  /** Agent-specific attributes of the step (image, url, method, mounts, ...), already rendered. */
  params: Record<string, unknown>;
}

export interface AgentContext {
  service: string;
  deploymentId: string;
  stepName: string;
  /** Values that must never appear in captured output (sensitive variables), masked as `(sensitive:NAME)`. */
  secrets: readonly Secret[];
  /** Aborted when the daemon shuts down hard or the deployment is cancelled. */
  signal?: AbortSignal;
  /** Called with chunks of output as they stream (for live display); optional. */
  onOutput?: (chunk: string) => void;
}

export interface AgentResult {
  /** 0 is success. A timeout or a start failure is non-zero (with `error`). */
  exitCode: number;
  /** KEY=VALUE pairs the agent wrote to the file named by ORBIT_OUTPUT. */
  outputs: Record<string, string>;
  /** stdout and stderr interleaved, capped (see `capOutput`), secrets masked. */
  log: string;
  /** stderr alone, capped and masked, when the agent keeps it apart (exec, docker containers). */
  stderr?: string;
  durationMs: number;
  /** Set when the agent did not run to a normal exit: E_AGENT_TIMEOUT, E_AGENT_START, ... */
  error?: { code: string; message: string };
}

export interface Agent {
  readonly kind: string;
  run(invocation: Invocation, ctx: AgentContext): Promise<AgentResult>;
}
