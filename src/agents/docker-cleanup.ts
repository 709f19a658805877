import type Docker from 'dockerode';
import {
  DEFAULT_INSTANCE,
  INSTANCE_LABEL,
  MANAGED_LABEL,
  engineMessage,
  isUnreachable,
  statusCode,
} from './docker-client.js';

export interface CleanupReport {
  containers: number;
  services: number;
  /** Why nothing was looked at (no engine on this host is not an error for exec-only setups). */
  skipped?: string;
}

/**
 * Removes containers and swarm services labelled `orbit.managed=true` and this `orbit.instance`:
 * what a crashed Orbit left running. Called once at start-up, before any step runs, so nothing of
 * this instance is running yet; other instances on the same engine are left alone.
 */
export async function cleanupManaged(
  docker: Docker,
  instance: string = DEFAULT_INSTANCE,
): Promise<CleanupReport> {
  const filters = {
    label: [`${MANAGED_LABEL}=true`, `${INSTANCE_LABEL}=${instance}`],
  };
  let containers = 0;
  let services = 0;
  try {
    for (const c of await docker.listContainers({ all: true, filters })) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .then(() => containers++)
        .catch(ignoreGone);
    }
  } catch (err) {
    return {
      containers,
      services,
      skipped: isUnreachable(err) ? `Docker engine unreachable: ${engineMessage(err)}` : engineMessage(err),
    };
  }
  try {
    for (const s of await docker.listServices({ filters })) {
      await docker
        .getService(s.ID)
        .remove()
        .then(() => services++)
        .catch(ignoreGone);
    }
  } catch (err) {
    // 503: this engine is not a swarm manager: no services to clean.
    if (statusCode(err) !== 503) return { containers, services, skipped: engineMessage(err) };
  }
  return { containers, services };
}

function ignoreGone(err: unknown): void {
  if (statusCode(err) !== 404 && statusCode(err) !== 409) throw err;
}
