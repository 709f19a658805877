/** The params a `docker` step (and a custom agent) reads, checked once. */
export interface DockerParams {
  image: string;
  env: Record<string, string>;
  mounts: string[];
  network?: string;
  user?: string;
  workdir?: string;
  pull: 'never' | 'missing' | 'always';
  dockerSocket: boolean;
  swarm?: boolean;
  /** Swarm placement constraints as Swarm writes them (`node.hostname==web-1`); swarm jobs only. */
  constraints: string[];
  /** `os/arch[/variant]`, e.g. `linux/arm64`: the image variant and, for a swarm job, the nodes. */
  platform?: { os: string; architecture: string; variant?: string };
  /** CPU limit in nano-CPUs (`cpus = 0.5` is 500000000). */
  nanoCpus?: number;
  /** Memory limit in bytes. */
  memoryBytes?: number;
}

import type { Parsed } from './result.js';

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export function parseDockerParams(params: Record<string, unknown>): Parsed<DockerParams> {
  const bad = (message: string): Parsed<DockerParams> => ({ ok: false, message });
  const { image, env, mounts, network, user, workdir, pull, docker_socket, swarm } = params;
  const { constraints, platform, cpus, memory } = params;
  if (!str(image)) return bad('docker param "image" is required (a non-empty string)');

  const envOut: Record<string, string> = {};
  if (Array.isArray(env)) {
    // Docker's own list form: ["K=V", ...].
    for (const e of env) {
      if (typeof e !== 'string' || !e.includes('='))
        return bad(`docker param "env": "${String(e)}" is not K=V`);
      envOut[e.slice(0, e.indexOf('='))] = e.slice(e.indexOf('=') + 1);
    }
  } else if (env !== undefined && env !== null) {
    if (typeof env !== 'object') return bad('docker param "env" must be a map or a list of K=V');
    for (const [k, v] of Object.entries(env)) envOut[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }

  if (mounts !== undefined && (!Array.isArray(mounts) || !mounts.every((m) => typeof m === 'string')))
    return bad('docker param "mounts" must be a list of "HOST:CONTAINER[:ro]" strings');
  for (const [name, v] of Object.entries({ network, user, workdir }))
    if (v !== undefined && typeof v !== 'string') return bad(`docker param "${name}" must be a string`);
  if (pull !== undefined && pull !== 'never' && pull !== 'missing' && pull !== 'always')
    return bad('docker param "pull" must be never, missing or always');
  if (docker_socket !== undefined && typeof docker_socket !== 'boolean')
    return bad('docker param "docker_socket" must be a boolean');
  if (swarm !== undefined && typeof swarm !== 'boolean') return bad('docker param "swarm" must be a boolean');
  if (constraints !== undefined && constraintsProblem(constraints))
    return bad(`docker param "constraints": ${constraintsProblem(constraints)}`);
  if (platform !== undefined && platformProblem(platform))
    return bad(`docker param "platform": ${platformProblem(platform)}`);
  if (cpus !== undefined && cpusProblem(cpus)) return bad(`docker param "cpus": ${cpusProblem(cpus)}`);
  if (memory !== undefined && memoryProblem(memory))
    return bad(`docker param "memory": ${memoryProblem(memory)}`);

  return {
    ok: true,
    value: {
      image,
      env: envOut,
      mounts: (mounts as string[] | undefined) ?? [],
      network: network as string | undefined,
      user: user as string | undefined,
      workdir: workdir as string | undefined,
      pull: pull ?? 'missing',
      dockerSocket: docker_socket === true,
      swarm: swarm as boolean | undefined,
      constraints: (constraints as string[] | undefined) ?? [],
      ...(typeof platform === 'string' ? { platform: parsePlatform(platform) } : {}),
      ...(typeof cpus === 'number' ? { nanoCpus: Math.round(cpus * 1e9) } : {}),
      ...(memory !== undefined ? { memoryBytes: memoryBytes(memory as string | number) } : {}),
    },
  };
}

/**
 * A container or service name from the step's identity, readable in `docker ps`. Letters, digits
 * and dashes only, at most 53 characters: valid for containers and for swarm services (DNS labels).
 */
export function containerName(deploymentId: string, stepName: string): string {
  const clean = `${deploymentId}-${stepName}`
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .slice(0, 40)
    .replace(/^-+|-+$/g, '');
  return `orbit-${clean}-${Math.random().toString(36).slice(2, 8)}`;
}

/** `node.hostname==web-1`, `node.labels.zone != eu`: an attribute, `==` or `!=`, a value. */
const CONSTRAINT = /^[A-Za-z0-9_.-]+\s*(==|!=)\s*\S.*$/;

export function constraintsProblem(v: unknown): string | null {
  if (!Array.isArray(v) || !v.every((c) => typeof c === 'string')) return 'must be a list of strings';
  const bad = v.find((c: string) => !CONSTRAINT.test(c));
  return bad === undefined
    ? null
    : `${JSON.stringify(bad)} is not a swarm constraint such as "node.hostname==web-1"`;
}

export function platformProblem(v: unknown): string | null {
  return typeof v === 'string' && /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(v)
    ? null
    : 'must be "os/arch" or "os/arch/variant", such as "linux/amd64"';
}

export function cpusProblem(v: unknown): string | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0
    ? null
    : 'must be a number of CPUs above 0, such as 0.5';
}

const MEMORY = /^(\d+(?:\.\d+)?)\s*([bkmg]?)$/i;
const UNIT: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function memoryProblem(v: unknown): string | null {
  const ok =
    (typeof v === 'number' && Number.isInteger(v) && v > 0) ||
    (typeof v === 'string' && MEMORY.test(v.trim()));
  return ok ? null : 'must be bytes or a size such as "256m" or "1g" (as docker run --memory)';
}

function memoryBytes(v: string | number): number {
  if (typeof v === 'number') return v;
  const [, n, unit] = MEMORY.exec(v.trim()) as unknown as [string, string, string];
  return Math.round(Number(n) * (UNIT[unit.toLowerCase()] ?? 1));
}

function parsePlatform(v: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant] = v.split('/') as [string, string, string?];
  return { os, architecture, ...(variant ? { variant } : {}) };
}
