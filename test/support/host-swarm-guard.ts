/**
 * Global setup of the docker tier: the host engine's swarm state (inactive, active, ...) is the same
 * after the tier as before it. Tests that need a swarm use the cluster tier's own (no test may put
 * the user's engine into swarm mode or take it out). No engine: nothing to guard (the tier skips).
 */
import Docker from 'dockerode';

const HOST_SOCKET = '/var/run/docker.sock';

async function swarmState(): Promise<string | undefined> {
  try {
    const info = (await new Docker({ socketPath: HOST_SOCKET }).info()) as {
      Swarm?: { LocalNodeState?: string };
    };
    return info.Swarm?.LocalNodeState ?? '';
  } catch {
    return undefined;
  }
}

export async function setup(): Promise<() => Promise<void>> {
  const before = await swarmState();
  return async () => {
    const after = await swarmState();
    if (before === undefined || after === before) return;
    // A throw here is only logged by vitest ("error during close"): fail the run explicitly.
    console.error(`the docker tier changed the host Docker engine's swarm state: ${before} -> ${after}`);
    process.exitCode = 1;
  };
}
