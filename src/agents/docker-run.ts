/**
 * What the container path (docker-agent.ts) and the swarm path (docker-swarm.ts) share: one file
 * both import, so neither imports the other.
 */
import type Docker from 'dockerode';
import type { DockerParams } from './docker-params.js';
import type { MarkerSplitter } from './docker-markers.js';
import type { OutputBuffer } from './output-buffer.js';
import type { AgentContext, Invocation } from './types.js';

/** Everything one run needs, shared by the container and swarm paths. */
export interface DockerRun {
  docker: Docker;
  inv: Invocation;
  ctx: AgentContext;
  params: DockerParams;
  name: string;
  env: string[];
  labels: Record<string, string>;
  /** User mounts plus, when asked, the Docker socket. */
  mounts: string[];
  /** Orbit's own notes on the run (`[orbit: ...]`); the step's output goes through `output`. */
  log: OutputBuffer;
  /** The step's demultiplexed output: into the log, and its marked output lines. */
  output: MarkerSplitter;
  /** stderr apart (containers only; a swarm job's log comes back merged). */
  errors?: OutputBuffer;
  stopGraceSec: number;
  startedAt: number;
  /** Swarm placement constraints: the agent's, then the step's (swarm jobs only). */
  placement: string[];
}

/** What the container or swarm path reports back before outputs are read. */
export interface RunOutcome {
  exitCode: number;
  error?: { code: string; message: string };
  /** The ORBIT_OUTPUT file's text (container mode only). */
  outputsFile?: string;
}
