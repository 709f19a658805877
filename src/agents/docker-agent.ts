import { RUN_TAG_ENV } from './run-tag.js';
import type Docker from 'dockerode';
import {
  Demuxer,
  createDockerClient,
  dockerErrorCode,
  engineMessage,
  orbitLabels,
  resolveEndpoint,
  statusCode,
  type DockerEndpoint,
  type DockerOptions,
} from './docker-client.js';
import { ensureImage } from './docker-image.js';
import { containerName, parseDockerParams } from './docker-params.js';
import type { DockerRun, RunOutcome } from './docker-run.js';
import { runSwarmJob } from './docker-swarm.js';
import { MarkerSplitter, OUTPUT_MARKER_ENV, newOutputMarker } from './docker-markers.js';
import { CONTAINER_OUTPUT_FILE, readOutputsFile, seedOutputsFile } from './docker-outputs-file.js';
import { DEFAULT_LOG_CAP, LiveMasker, OutputBuffer, STDERR_CAP } from './output-buffer.js';
import { parseOutputs } from './outputs-file.js';
import { AgentErrorCode, TIMEOUT_EXIT_CODE, failedResult } from './result.js';
import type { Agent, AgentContext, AgentResult, Invocation } from './types.js';

export const CONTAINER_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * `docker`: runs `params.image` with the argument array as its command (Cmd; no shell), the
 * protocol environment, labelled; always removed afterwards. Outputs come back in the output
 * stream (marked lines) and, for a container, from its ORBIT_OUTPUT file: nothing is bind-mounted
 * from Orbit's machine, so a swarm job runs on any node.
 */
export class DockerAgent implements Agent {
  readonly kind = 'docker';
  readonly docker: Docker;
  private readonly endpoint: DockerEndpoint;

  constructor(private readonly opts: DockerOptions = {}) {
    this.endpoint = resolveEndpoint(opts);
    this.docker = createDockerClient(this.endpoint);
  }

  async run(inv: Invocation, ctx: AgentContext): Promise<AgentResult> {
    const startedAt = Date.now();
    const parsed = parseDockerParams(inv.params);
    if (!parsed.ok) return failedResult(AgentErrorCode.Params, parsed.message, startedAt);
    const params = parsed.value;
    if (ctx.signal?.aborted) return failedResult(AgentErrorCode.Aborted, 'aborted before start', startedAt);
    const swarm = params.swarm ?? this.opts.mode === 'swarm';
    if (!swarm && params.constraints.length)
      return failedResult(
        AgentErrorCode.Params,
        'docker param "constraints" places swarm jobs: set swarm = true or run with --docker-mode swarm',
        startedAt,
      );

    // In swarm mode each node pulls for itself; the manager's local images say nothing.
    if (!swarm) {
      const image = await ensureImage(this.docker, params.image, params.pull);
      if (!image.ok) return failedResult(image.code, image.message, startedAt, { log: image.message });
    }

    const log = new OutputBuffer(this.opts.logCap ?? DEFAULT_LOG_CAP);
    const errors = new OutputBuffer(STDERR_CAP);
    const live = ctx.onOutput ? new LiveMasker(ctx.secrets, ctx.onOutput) : undefined;
    const marker = newOutputMarker();
    const output = new MarkerSplitter(marker, (text) => {
      log.write(text);
      live?.push(text);
    });
    try {
      const env: Record<string, string> = {
        ...params.env,
        ...inv.env,
        [OUTPUT_MARKER_ENV]: marker,
        // A swarm job's filesystem is on another node, gone with the service: markers only.
        ...(swarm ? {} : { ORBIT_OUTPUT: CONTAINER_OUTPUT_FILE }),
      };
      const mounts = [...params.mounts];
      if (params.dockerSocket) {
        // Only when the step asks: a container with the socket controls the whole engine.
        if (this.endpoint.socketPath) {
          mounts.push(`${this.endpoint.socketPath}:${CONTAINER_DOCKER_SOCKET}`);
          env.DOCKER_HOST = `unix://${CONTAINER_DOCKER_SOCKET}`;
        } else env.DOCKER_HOST = `tcp://${this.endpoint.host}:${this.endpoint.port}`;
      }
      const run: DockerRun = {
        docker: this.docker,
        inv,
        ctx,
        params,
        name: containerName(ctx.deploymentId, ctx.stepName),
        env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        // The run tag ties the container to its step-started / reverse-started entry.
        labels: {
          ...orbitLabels(ctx, this.opts.instance),
          ...(inv.env[RUN_TAG_ENV] ? { 'orbit.run': inv.env[RUN_TAG_ENV] } : {}),
        },
        mounts,
        log,
        output,
        errors,
        stopGraceSec: this.opts.stopGraceSec ?? 5,
        startedAt,
        placement: [...(this.opts.placement ?? []), ...params.constraints],
      };
      const outcome = swarm ? await runSwarmJob(run) : await runContainer(run);
      output.finish();
      live?.flush();
      // Marked lines win over the file: they are the later protocol.
      const outputs = { ...parseOutputs(outcome.outputsFile ?? ''), ...output.outputs() };
      return {
        exitCode: outcome.exitCode,
        outputs,
        log: log.text(ctx.secrets),
        stderr: errors.text(ctx.secrets),
        durationMs: Date.now() - startedAt,
        ...(outcome.error ? { error: outcome.error } : {}),
      };
    } catch (err) {
      output.finish();
      live?.flush();
      const message = engineMessage(err);
      const text = log.text(ctx.secrets);
      return failedResult(dockerErrorCode(err), message, startedAt, {
        exitCode: 125, // as `docker run` when the engine refuses
        log: text ? `${text}\n${message}` : message,
      });
    }
  }
}

/** One container: create, attach, start, wait (or stop at the timeout), always remove. */
async function runContainer(run: DockerRun): Promise<RunOutcome> {
  const { docker, inv, ctx, params, log, output } = run;
  const platform = params.platform;
  const container = await docker.createContainer({
    name: run.name,
    // A query parameter of the create call: which variant of a multi-platform image to run.
    ...(platform
      ? { platform: [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/') }
      : {}),
    Image: params.image,
    // Empty args: the image's own CMD.
    Cmd: inv.args.length ? inv.args : undefined,
    Env: run.env,
    Labels: run.labels,
    User: params.user,
    WorkingDir: params.workdir,
    Tty: false,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      Binds: run.mounts,
      NetworkMode: params.network,
      ...(params.nanoCpus ? { NanoCpus: params.nanoCpus } : {}),
      ...(params.memoryBytes ? { Memory: params.memoryBytes } : {}),
      // The engine's own copy of the log is bounded too (Orbit keeps its capped copy).
      LogConfig: { Type: 'json-file', Config: { 'max-size': '4m', 'max-file': '1' } },
    },
  });
  try {
    await seedOutputsFile(container);
    // Attach before start, so not a byte of output is missed.
    const stream = (await container.attach({
      stream: true,
      stdout: true,
      stderr: true,
    })) as NodeJS.ReadableStream;
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    const demux = new Demuxer((stream, payload) => {
      if (stream === 'stderr') run.errors?.write(payload);
      output.push(stream, payload);
    });
    stream.on('data', (chunk: Buffer) => demux.push(chunk));

    let stopped: 'timeout' | 'abort' | undefined;
    const stop = (why: 'timeout' | 'abort') => {
      if (stopped) return;
      stopped = why;
      // stop = SIGTERM, then SIGKILL after the grace period; the wait below then returns.
      container.stop({ t: run.stopGraceSec }).catch(() => undefined);
    };
    const timer = setTimeout(() => stop('timeout'), Math.max(1, inv.timeoutMs));
    const onAbort = () => stop('abort');
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await container.start();
      const waited = (await container.wait()) as { StatusCode: number; Error?: { Message?: string } | null };
      // Output can trail the exit by a moment; do not wait forever for it.
      await Promise.race([ended, new Promise((r) => setTimeout(r, 2000))]);
      let exitCode = waited.StatusCode;
      const outputsFile = await readOutputsFile(container);
      if (stopped === 'timeout') {
        if (exitCode === 0) exitCode = TIMEOUT_EXIT_CODE;
        return {
          exitCode,
          outputsFile,
          error: { code: AgentErrorCode.Timeout, message: `timed out after ${inv.timeoutMs} ms` },
        };
      }
      if (stopped === 'abort')
        return {
          exitCode: exitCode || 130,
          outputsFile,
          error: { code: AgentErrorCode.Aborted, message: 'stopped: aborted' },
        };
      return { exitCode, outputsFile };
    } finally {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      (stream as unknown as { destroy?: () => void }).destroy?.();
    }
  } finally {
    await container.remove({ force: true, v: true }).catch((err: unknown) => {
      // 404/409: already gone or being removed. Anything else is left for start-up cleanup.
      if (statusCode(err) !== 404 && statusCode(err) !== 409)
        log.write(`\n[orbit: could not remove container: ${engineMessage(err)}]\n`);
    });
  }
}
