import Docker from 'dockerode';
import { AgentErrorCode } from './result.js';

export interface DockerOptions {
  /** Unix socket of the engine. Default: from `dockerHost`, else DOCKER_HOST, else /var/run/docker.sock. */
  socketPath?: string;
  /** `unix:///path` or `tcp://host:port` (as DOCKER_HOST). Point it at a swarm manager for swarm mode. */
  dockerHost?: string;
  /** `container` (default): one container per step. `swarm`: a one-shot replicated-job service. */
  mode?: 'container' | 'swarm';
  /** Swarm placement constraints of every swarm job (a step's `constraints` are added), e.g. `node.labels.pool==deploy`. */
  placement?: string[];
  /** Seconds a container gets between SIGTERM and SIGKILL when stopped at its timeout. */
  stopGraceSec?: number;
  /** Bytes of log kept per step. */
  logCap?: number;
  /**
   * Name of this Orbit, put in an `orbit.instance` label; cleanup removes only this instance's
   * leftovers, so two Orbits (or test suites) sharing one engine never remove each other's
   * running containers. Default: `default`.
   */
  instance?: string;
}

/** Where the engine is, as the docker agent and a `docker_socket` step see it. */
export interface DockerEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
}

export function resolveEndpoint(opts: DockerOptions): DockerEndpoint {
  if (opts.socketPath) return { socketPath: opts.socketPath };
  const hostVar = opts.dockerHost ?? process.env.DOCKER_HOST;
  if (hostVar) {
    const url = new URL(hostVar);
    if (url.protocol === 'unix:') return { socketPath: url.pathname };
    return { host: url.hostname, port: Number(url.port || 2375) };
  }
  return { socketPath: '/var/run/docker.sock' };
}

export function createDockerClient(endpoint: DockerEndpoint): Docker {
  return endpoint.socketPath
    ? new Docker({ socketPath: endpoint.socketPath })
    : new Docker({ host: endpoint.host, port: endpoint.port, protocol: 'http' });
}

/** The engine's message of a dockerode error (its JSON body), or the error's own message. */
export function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string } | null; reason?: string; message?: string };
  return e?.json?.message ?? e?.message ?? String(err);
}

/** Connection-level failures mean there is no engine to talk to (not that the engine refused). */
export function isUnreachable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return [
    'ECONNREFUSED',
    'ENOENT',
    'EACCES',
    'ECONNRESET',
    'EHOSTUNREACH',
    'ETIMEDOUT',
    'ENOTFOUND',
    'EPIPE',
  ].includes(code ?? '');
}

export function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

export function dockerErrorCode(err: unknown): string {
  return isUnreachable(err) ? AgentErrorCode.DockerUnreachable : AgentErrorCode.DockerError;
}

/** Labels on every container and service Orbit starts; `orbit.managed` is what cleanup looks for. */
export const MANAGED_LABEL = 'orbit.managed';

export const INSTANCE_LABEL = 'orbit.instance';
export const DEFAULT_INSTANCE = 'default';

export function orbitLabels(
  ctx: { service: string; deploymentId: string; stepName: string },
  instance: string = DEFAULT_INSTANCE,
): Record<string, string> {
  return {
    [MANAGED_LABEL]: 'true',
    [INSTANCE_LABEL]: instance,
    'orbit.service': ctx.service,
    'orbit.deployment': ctx.deploymentId,
    'orbit.step': ctx.stepName,
  };
}

/**
 * Splits Docker's multiplexed stream format (8-byte header: stream type, 3 zero bytes, big-endian
 * length) incrementally; works on a live stream and on a whole buffer alike.
 */
export class Demuxer {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private readonly onFrame: (stream: 'stdout' | 'stderr', payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const type = buf[0];
      const len = buf.readUInt32BE(4);
      if (type !== 0 && type !== 1 && type !== 2) {
        // Not multiplexed (a TTY stream): pass the rest through as it is.
        this.onFrame('stdout', buf);
        buf = Buffer.alloc(0);
        break;
      }
      if (buf.length < 8 + len) break;
      this.onFrame(type === 2 ? 'stderr' : 'stdout', buf.subarray(8, 8 + len));
      buf = buf.subarray(8 + len);
    }
    // Copy, so a kept remainder does not pin a large chunk.
    this.pending = Buffer.from(buf);
  }
}

/** A `HOST:CONTAINER[:ro|rw]` string as a swarm mount (a bind when HOST is a path, else a volume). */
export function parseMount(spec: string): {
  Type: 'bind' | 'volume';
  Source: string;
  Target: string;
  ReadOnly: boolean;
} {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1])
    throw new Error(`invalid mount "${spec}": expected HOST:CONTAINER[:ro]`);
  const [source, target, mode] = parts as [string, string, string?];
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw')
    throw new Error(`invalid mount mode "${mode}" in "${spec}"`);
  return {
    Type: source.startsWith('/') ? 'bind' : 'volume',
    Source: source,
    Target: target,
    ReadOnly: mode === 'ro',
  };
}
