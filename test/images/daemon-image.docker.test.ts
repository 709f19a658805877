/**
 * The daemon image (Dockerfile, scripts/build-image.sh) run as its users run it: a config
 * repository it mirrors, the host's Docker socket for docker steps, state in its volume. The
 * container is restarted and the state must still be there.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_IMAGE, dockerAvailable } from '../agents/docker-available.js';
import { ConfigRepo } from '../support/config-repo.js';
import { waitUntil } from '../support/wait.js';

const available = await dockerAvailable();
const run = promisify(execFile);
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const NAME = `orbit-image-test-${process.pid}`;
const VOLUME = `${NAME}-data`;
// The API reads need an identity: the (deprecated, single) token is the simplest to hand a container.
const TOKEN = `image-test-token-${process.pid}`;

const deployHcl = `variable "version" {}

step {
  name    = "release"
  agent   = "docker"
  image   = "${TEST_IMAGE}"
  pull    = "never"
  forward = ["sh", "-c", "echo releasing $ORBIT_VAR_version; echo \\"$\${ORBIT_OUTPUT_MARKER}released=$ORBIT_VAR_version\\"; echo \\"file=yes\\" >> $ORBIT_OUTPUT"]
  reverse = ["echo", "unreleasing"]
}
`;

interface DeploymentAnswer {
  deployment: {
    status: string;
    previous_deploy_id: string | null;
    steps: Array<{ status: string; outputs: Record<string, string> }>;
  };
}

describe.skipIf(!available)('the daemon image', { timeout: 240_000 }, () => {
  let repo: ConfigRepo;
  let api = '';

  const deployment = async (id: string): Promise<DeploymentAnswer | undefined> => {
    const res = await fetch(`${api}/api/deployments/${id}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: AbortSignal.timeout(5000),
    }).catch(() => undefined);
    return res?.ok ? ((await res.json()) as DeploymentAnswer) : undefined;
  };
  const finished = (id: string) =>
    waitUntil(
      `${id} finished in the container (log: ${NAME})`,
      async () => {
        const d = await deployment(id);
        return d && ['succeeded', 'failed'].includes(d.deployment.status) ? d : undefined;
      },
      60_000,
    );
  const portOf = () => docker('port', NAME, '7420/tcp').split('\n')[0]!.replace('0.0.0.0', '127.0.0.1');
  const healthy = () =>
    waitUntil(
      'the daemon in the container answering /healthz',
      async () => {
        api = `http://${portOf()}`;
        const res = await fetch(`${api}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(
          () => undefined,
        );
        return res?.ok;
      },
      60_000,
    );

  beforeAll(async () => {
    // Up to date in seconds when nothing changed (a label holds the hash of its inputs).
    const built = await run('bash', ['scripts/build-image.sh'], { timeout: 200_000 });
    console.log(`[orbit] image: ${built.stdout.trim()}`);
    repo = new ConfigRepo();
    repo.commit({ 'services/web/deploy.hcl': deployHcl, 'services/web/values.hcl': 'version = "1"\n' });
    // The image runs as uid 1000; the test's temp folder is private to root.
    chmodSync(repo.dir, 0o755);
    execFileSync('chmod', ['-R', 'a+rX', repo.dir]);
  });

  afterAll(() => {
    execFileSync('docker', ['rm', '-f', NAME], { stdio: 'ignore' });
    execFileSync('docker', ['volume', 'rm', '-f', VOLUME], { stdio: 'ignore' });
    repo?.remove();
  });

  it('runs as a non-root user, deploys a docker step through the socket, and keeps its state across a restart', async () => {
    const socketGroup = String(statSync('/var/run/docker.sock').gid);
    docker(
      'run',
      '-d',
      '--name',
      NAME,
      '-p',
      '127.0.0.1::7420',
      '-v',
      `${VOLUME}:/var/lib/orbit`,
      '-v',
      `${repo.dir}:/config:ro`,
      '-v',
      '/var/run/docker.sock:/var/run/docker.sock',
      '--group-add',
      socketGroup,
      '-e',
      `ORBIT_TOKEN=${TOKEN}`,
      'orbit:local',
      '--repo',
      'file:///config',
      '--poll-interval',
      '1s',
    );
    expect(docker('exec', NAME, 'id', '-u')).toBe('1000');
    // The exec agent's native spawner is in the image and loads there (its libc, its kernel).
    const addon = "typeof require('/opt/orbit/build/orbit_native.node').spawn";
    expect(docker('exec', NAME, 'node', '-p', addon)).toBe('function');
    await healthy();
    const web1 = await finished('web-1');
    expect(web1.deployment.status, JSON.stringify(web1)).toBe('succeeded');
    // Outputs from the marked line and from the ORBIT_OUTPUT file, neither through a bind mount.
    expect(web1.deployment.steps[0]?.outputs).toEqual({ released: '1', file: 'yes' });

    docker('restart', '-t', '30', NAME);
    await healthy();
    // The state branch is in the volume: web-1 is still there, and the next commit follows it.
    expect((await deployment('web-1'))?.deployment.status).toBe('succeeded');
    repo.commit({ 'services/web/values.hcl': 'version = "2"\n' });
    execFileSync('chmod', ['-R', 'a+rX', repo.dir]);
    const web2 = await finished('web-2');
    expect(web2.deployment).toMatchObject({ status: 'succeeded', previous_deploy_id: 'web-1' });
    expect(web2.deployment.steps[0]?.outputs).toEqual({ released: '2', file: 'yes' });
    // Only one deployment per commit: the restart redeployed nothing.
    expect(await deployment('web-3')).toBeUndefined();
  });
});
