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
}

import type { Parsed } from './result.js';

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export function parseDockerParams(params: Record<string, unknown>): Parsed<DockerParams> {
  const bad = (message: string): Parsed<DockerParams> => ({ ok: false, message });
  const { image, env, mounts, network, user, workdir, pull, docker_socket, swarm } = params;
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
