import Docker from 'dockerode';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerAgent } from '../../src/agents/docker-agent.js';
import { createAgents } from '../../src/agents/registry.js';
import type { Invocation } from '../../src/agents/types.js';
import { AGENT_IMAGE, TEST_IMAGE, dockerAvailable } from './docker-available.js';
import { context, invocation } from './helpers.js';
import { waitUntil } from '../support/wait.js';

const available = await dockerAvailable();
const docker = new Docker();
const INSTANCE = `test-${process.pid}`;
const agent = new DockerAgent({ stopGraceSec: 1, instance: INSTANCE });

function dockerInvocation(
  args: string[],
  params: Record<string, unknown> = {},
  over: Partial<Invocation> = {},
) {
  return invocation({
    kind: 'docker',
    args,
    params: { image: TEST_IMAGE, pull: 'never', ...params },
    ...over,
  });
}

async function managedContainers(deploymentId: string) {
  return docker.listContainers({
    all: true,
    filters: { label: [`orbit.deployment=${deploymentId}`, `orbit.instance=${INSTANCE}`] },
  });
}

describe.skipIf(!available)('docker agent (real engine)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'orbit-docker-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs forward then reverse commands in containers, in order, with the protocol environment', async () => {
    const mounts = [`${dir}:/work`];
    const write = (action: 'forward' | 'reverse', word: string) =>
      agent.run(
        dockerInvocation(
          ['sh', '-c', `echo "$ORBIT_ACTION $ORBIT_STEP ${word}" >> /work/order.txt`],
          { mounts },
          {
            action,
            env: { ...invocation().env, ORBIT_ACTION: action, ORBIT_STEP: word },
          },
        ),
        context({ deploymentId: 'dock-order' }),
      );
    for (const r of [
      await write('forward', 'one'),
      await write('forward', 'two'),
      await write('reverse', 'two'),
      await write('reverse', 'one'),
    ])
      expect(r.exitCode).toBe(0);
    expect(await readFile(join(dir, 'order.txt'), 'utf8')).toBe(
      'forward one one\nforward two two\nreverse two two\nreverse one one\n',
    );
    expect(await managedContainers('dock-order')).toHaveLength(0);
  });

  it('returns outputs, the log of both streams, and a failing exit code', async () => {
    const r = await agent.run(
      dockerInvocation(
        [
          'sh',
          '-c',
          'echo to-stdout; echo to-stderr >&2; echo "version=2.0" >> "$ORBIT_OUTPUT"; printf "multi<<X\\na\\nb\\nX\\n" >> "$ORBIT_OUTPUT"; exit 7',
        ],
        { env: { EXTRA: 'x' } },
      ),
      context({ deploymentId: 'dock-out' }),
    );
    expect(r.exitCode).toBe(7);
    expect(r.error).toBeUndefined();
    expect(r.outputs).toEqual({ version: '2.0', multi: 'a\nb' });
    expect(r.log).toContain('to-stdout');
    expect(r.log).toContain('to-stderr');
  });

  it('passes args as the command without a shell, and masks secrets', async () => {
    const r = await agent.run(
      dockerInvocation(['echo', '$(echo hi)', 'pw=hunter2'], { user: '1000:1000', workdir: '/tmp' }),
      context({ secrets: [{ name: 'pw', value: 'hunter2' }] }),
    );
    expect(r.exitCode).toBe(0);
    expect(r.log).toBe('$(echo hi) pw=(sensitive:pw)\n');
  });

  it('lets a non-root container user write outputs', async () => {
    const r = await agent.run(
      dockerInvocation(['sh', '-c', 'echo "who=$(id -u)" >> "$ORBIT_OUTPUT"'], { user: '1000:1000' }),
      context(),
    );
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toEqual({ who: '1000' });
  });

  it('stops a hanging container at its timeout and leaves no container behind', async () => {
    const r = await agent.run(
      dockerInvocation(['sh', '-c', 'echo started; sleep 60'], {}, { timeoutMs: 800 }),
      context({ deploymentId: 'dock-hang' }),
    );
    expect(r.exitCode).not.toBe(0);
    expect(r.error?.code).toBe('E_AGENT_TIMEOUT');
    expect(r.log).toContain('started');
    // Stopped by a signal (SIGTERM, or SIGKILL after the grace period), not run to its end (which
    // would be exit 0, reported as 124): no wall-clock bound a busy machine could overrun.
    expect(r.exitCode, `exit ${r.exitCode}`).toBeGreaterThan(128);
    expect(await managedContainers('dock-hang')).toHaveLength(0);
  });

  it('hides the Docker socket unless the step asks for it', async () => {
    const probe = [
      'sh',
      '-c',
      'if [ -S /var/run/docker.sock ]; then echo socket=yes; else echo socket=no; fi; echo "host=${DOCKER_HOST:-none}"',
    ];
    const without = await agent.run(dockerInvocation(probe), context());
    expect(without.log).toContain('socket=no');
    expect(without.log).toContain('host=none');
    const withSocket = await agent.run(dockerInvocation(probe, { docker_socket: true }), context());
    expect(withSocket.log).toContain('socket=yes');
    expect(withSocket.log).toContain('host=unix:///var/run/docker.sock');
  });

  it('turns engine errors into failed results with codes', async () => {
    const missing = await agent.run(
      dockerInvocation(['true'], { image: 'orbit-test/does-not-exist:1' }),
      context(),
    );
    expect(missing.error?.code).toBe('E_IMAGE_MISSING');
    const badMount = await agent.run(
      dockerInvocation(['true'], { mounts: ['::nonsense'] }),
      context({ deploymentId: 'dock-bad' }),
    );
    expect(badMount.exitCode).not.toBe(0);
    expect(badMount.error?.code).toBe('E_DOCKER_ERROR');
    expect(badMount.error?.message).toMatch(/\S/);
    const badName = await agent.run(
      dockerInvocation(['true'], { image: 'Not A Valid:name', pull: 'missing' }),
      context(),
    );
    expect(badName.error?.code).toBe('E_DOCKER_ERROR');
    const noCommand = await agent.run(
      dockerInvocation(['no-such-command']),
      context({ deploymentId: 'dock-bad' }),
    );
    expect(noCommand.error?.code).toBe('E_DOCKER_ERROR');
    expect(noCommand.error?.message).toContain('no-such-command');
    const noImageParam = await agent.run(invocation({ kind: 'docker', args: ['true'] }), context());
    expect(noImageParam.error?.code).toBe('E_AGENT_PARAMS');
    expect(await managedContainers('dock-bad')).toHaveLength(0);
  });

  it('reports an unreachable engine as a failed result', async () => {
    const nowhere = new DockerAgent({ socketPath: '/tmp/orbit-no-such-docker.sock' });
    const r = await nowhere.run(dockerInvocation(['true']), context());
    expect(r.exitCode).not.toBe(0);
    expect(r.error?.code).toBe('E_DOCKER_UNREACHABLE');
    const report = await createAgents({
      docker: { socketPath: '/tmp/orbit-no-such-docker.sock', instance: INSTANCE },
    }).cleanup();
    expect(report.skipped).toBeDefined();
  });

  it('caps a flooding container', async () => {
    const small = new DockerAgent({ logCap: 32 * 1024, instance: INSTANCE });
    const r = await small.run(
      dockerInvocation(['sh', '-c', 'echo FIRST; yes flood-flood-flood | head -c 20000000; echo; echo LAST']),
      context(),
    );
    expect(r.exitCode).toBe(0);
    expect(r.log.length).toBeLessThan(40 * 1024);
    expect(r.log.startsWith('FIRST')).toBe(true);
    expect(r.log.trimEnd().endsWith('LAST')).toBe(true);
    expect(r.log).toMatch(/bytes elided/);
  });

  it('runs a custom agent image with its params as ORBIT_PARAMS', async () => {
    const agents = createAgents({
      docker: { stopGraceSec: 1, instance: INSTANCE },
      customAgents: { cap: { image: AGENT_IMAGE, params: { pull: 'never', stage: 'staging', retries: 1 } } },
    });
    expect(agents.kinds()).toEqual(expect.arrayContaining(['cap', 'docker', 'exec', 'http']));
    const r = await agents
      .get('cap')
      .run(
        invocation({ kind: 'cap', args: ['deploy', 'v2'], params: { retries: 3, roles: ['web'] } }),
        context({ deploymentId: 'dock-cap' }),
      );
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.outputs.params ?? '')).toEqual({
      pull: 'never',
      stage: 'staging',
      retries: 3,
      roles: ['web'],
    });
    expect(r.outputs.args).toBe('deploy v2');
    expect(r.log).toContain('custom agent action=forward');
    const failing = await agents.get('cap').run(invocation({ kind: 'cap', args: ['fail'] }), context());
    expect(failing.exitCode).toBe(4);
  });

  it('removes labelled leftovers on cleanup', async () => {
    const c = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['sleep', '60'],
      Labels: { 'orbit.managed': 'true', 'orbit.instance': INSTANCE, 'orbit.deployment': 'dock-leftover' },
    });
    await c.start();
    // Only this test's instance: other suites may run managed containers right now.
    const report = await createAgents({ docker: { instance: INSTANCE } }).cleanup();
    expect(report.containers).toBeGreaterThanOrEqual(1);
    expect(await managedContainers('dock-leftover')).toHaveLength(0);
  });

  it('sets outputs from marked stdout lines only: a forged marker or stderr sets nothing', async () => {
    // The attack: a step echoes what it fetched (a web page, a commit message) and that text holds
    // a marker line. The marker is random per run, so only the step's own code can know it.
    const r = await agent.run(
      dockerInvocation([
        'sh',
        '-c',
        [
          'echo "::orbit-output-0000000000000000::forged=1"',
          'echo "${ORBIT_OUTPUT_MARKER}from_stderr=1" >&2',
          'echo "${ORBIT_OUTPUT_MARKER}version=3.1"',
          'printf "%s\\n" "${ORBIT_OUTPUT_MARKER}notes<<EOF" "${ORBIT_OUTPUT_MARKER}line 1" "${ORBIT_OUTPUT_MARKER}line 2" "${ORBIT_OUTPUT_MARKER}EOF"',
          'printf "${ORBIT_OUTPUT_MARKER}last=no-newline"',
        ].join('; '),
      ]),
      context(),
    );
    expect(r.exitCode, r.log).toBe(0);
    expect(r.outputs).toEqual({ version: '3.1', notes: 'line 1\nline 2', last: 'no-newline' });
    // Marked lines are outputs, not log; the rest of both streams is log.
    expect(r.log).toContain('::orbit-output-0000000000000000::forged=1');
    expect(r.log).toContain('from_stderr=1');
    expect(r.log).not.toContain('version=3.1');
    expect(r.log).not.toContain('line 1');
  });

  it("mounts nothing of Orbit's machine: ORBIT_OUTPUT is a file inside the container", async () => {
    const run = agent.run(
      dockerInvocation([
        'sh',
        '-c',
        'while [ ! -e /orbit/go ]; do sleep 0.05; done; echo "where=$(dirname "$ORBIT_OUTPUT")" >> "$ORBIT_OUTPUT"',
      ]),
      context({ deploymentId: 'dock-nomount' }),
    );
    const [info] = await waitUntil('the step container running', async () => {
      const found = await managedContainers('dock-nomount');
      return found.length && found[0]?.State === 'running' ? found : undefined;
    });
    expect(info?.Mounts).toEqual([]);
    // Lets the step finish: a file put into the container, as the engine's archive API does.
    const pack = (await import('tar-stream')).pack();
    pack.entry({ name: 'orbit/go' }, '');
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
    await docker.getContainer(info!.Id).putArchive(Buffer.concat(chunks), { path: '/' });
    const r = await run;
    expect(r.exitCode, r.log).toBe(0);
    expect(r.outputs).toEqual({ where: '/orbit' });
  });

  const CPU = '$([ -e cpu.max ] && echo cpu.max || echo cpu/cpu.cfs_quota_us)';
  const MEMORY = '$([ -e memory.max ] && echo memory.max || echo memory/memory.limit_in_bytes)';
  it('runs with CPU and memory limits, and refuses constraints outside swarm mode', async () => {
    const r = await agent.run(
      // cgroup v2 files, else v1's (this machine's engine runs cgroup v1).
      dockerInvocation(['sh', '-c', `cd /sys/fs/cgroup; cat ${CPU} ${MEMORY}`], {
        cpus: 0.5,
        memory: '64m',
      }),
      context(),
    );
    expect(r.exitCode, r.log).toBe(0);
    expect(r.log.split(/\s+/)).toEqual(expect.arrayContaining(['50000', String(64 * 1024 * 1024)]));
    const placed = await agent.run(
      dockerInvocation(['true'], { constraints: ['node.hostname==elsewhere'] }),
      context(),
    );
    expect(placed.error?.code).toBe('E_AGENT_PARAMS');
    expect(placed.error?.message).toMatch(/swarm/);
  });

  it('fails a swarm step clearly when DOCKER_HOST is not a swarm manager', async () => {
    // The host engine is not in swarm mode (and no test changes that).
    const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
    expect(info.Swarm?.LocalNodeState).toBe('inactive');
    const swarmAgent = new DockerAgent({ mode: 'swarm', instance: INSTANCE });
    const r = await swarmAgent.run(dockerInvocation(['true']), context());
    expect(r.exitCode).toBe(125);
    expect(r.error?.code).toBe('E_DOCKER_ERROR');
    expect(r.error?.message).toMatch(/not a swarm manager/);
  });
});
