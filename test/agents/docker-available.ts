import Docker from 'dockerode';

export const TEST_IMAGE = 'orbit-test/busybox:latest';
export const AGENT_IMAGE = 'orbit-test/agent:latest';

/**
 * Whether the Docker tests can run. In CI (CI=true) a missing engine or missing test images is a
 * failure, never a skip; on a developer machine the reason is printed and the suite is skipped.
 */
export async function dockerAvailable(): Promise<boolean> {
  const docker = new Docker();
  let reason: string | undefined;
  try {
    await docker.ping();
    for (const image of [TEST_IMAGE, AGENT_IMAGE])
      await docker
        .getImage(image)
        .inspect()
        .catch(() => {
          reason ??= `test image ${image} is missing (run scripts/build-test-images.sh)`;
        });
  } catch (err) {
    reason = `no Docker engine answers (${(err as Error).message}); run scripts/docker-up.sh`;
  }
  if (!reason) return true;
  if (process.env.CI === 'true' || process.env.CI === '1')
    throw new Error(`Docker tests cannot run in CI: ${reason}`);
  console.warn(`[orbit] skipping Docker tests: ${reason}`);
  return false;
}
