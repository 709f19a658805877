import type Docker from 'dockerode';
import { Demuxer, engineMessage, parseMount, statusCode } from './docker-client.js';
import type { DockerRun, RunOutcome } from './docker-run.js';
import { AgentErrorCode, TIMEOUT_EXIT_CODE } from './result.js';

/** Task states after which a task will not run again. */
const TERMINAL = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);
const POLL_MS = 150;

interface TaskInfo {
  Status?: { State?: string; Err?: string; Message?: string; ContainerStatus?: { ExitCode?: number } };
}

/**
 * One step as a one-shot swarm job (`replicated-job`, one completion, no restart): the swarm picks
 * the node. Its exit status comes from the task, its log from the service's logs; the service is
 * always removed afterwards.
 */
export async function runSwarmJob(run: DockerRun): Promise<RunOutcome> {
  const { docker, inv, ctx, params, log, live } = run;
  const service = await docker.createService({
    Name: run.name,
    Labels: run.labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: params.image,
        // Args replaces the image's CMD and keeps its ENTRYPOINT, as Cmd does for a container.
        ...(inv.args.length ? { Args: inv.args } : {}),
        Env: run.env,
        Labels: run.labels,
        User: params.user,
        Dir: params.workdir,
        Mounts: run.mounts.map(parseMount),
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      ...(run.placement.length ? { Placement: { Constraints: run.placement } } : {}),
      ...(params.network ? { Networks: [{ Target: params.network }] } : {}),
      LogDriver: { Name: 'json-file', Options: { 'max-size': '4m', 'max-file': '1' } },
    },
    Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
  } as Docker.ServiceSpec);
  try {
    const deadline = Date.now() + Math.max(1, inv.timeoutMs);
    let task: TaskInfo | undefined;
    let stopped: 'timeout' | 'abort' | undefined;
    for (;;) {
      const tasks = (await docker.listTasks({ filters: { service: [service.id] } } as object)) as TaskInfo[];
      task = tasks.find((t) => TERMINAL.has(t.Status?.State ?? ''));
      if (task) break;
      if (Date.now() >= deadline) stopped = 'timeout';
      else if (ctx.signal?.aborted) stopped = 'abort';
      if (stopped) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }

    await collectLogs(service, (payload) => {
      log.write(payload);
      live?.push(payload.toString('utf8'));
    });

    if (stopped === 'timeout')
      return {
        exitCode: TIMEOUT_EXIT_CODE,
        error: { code: AgentErrorCode.Timeout, message: `timed out after ${inv.timeoutMs} ms` },
      };
    if (stopped === 'abort')
      return { exitCode: 130, error: { code: AgentErrorCode.Aborted, message: 'stopped: aborted' } };

    const status = task?.Status;
    const exitCode = status?.ContainerStatus?.ExitCode;
    if (status?.State === 'complete') return { exitCode: exitCode ?? 0 };
    if (status?.State === 'failed' && exitCode !== undefined && exitCode !== 0) return { exitCode };
    // Rejected (image missing on the node, bad mount) or failed before running: the engine's reason.
    const reason = status?.Err || status?.Message || `task ${status?.State}`;
    log.write(`[orbit: swarm task ${status?.State}: ${reason}]\n`);
    return {
      exitCode: exitCode || 125,
      error: {
        code: /No such image|not found|does not exist locally/i.test(reason)
          ? AgentErrorCode.ImageMissing
          : AgentErrorCode.DockerError,
        message: reason,
      },
    };
  } finally {
    // Removing the service also stops a task still running at its timeout.
    await service.remove().catch((err: unknown) => {
      if (statusCode(err) !== 404) log.write(`\n[orbit: could not remove service: ${engineMessage(err)}]\n`);
    });
  }
}

/** The service's whole log (bounded by its json-file driver), demultiplexed. */
async function collectLogs(service: Docker.Service, onPayload: (p: Buffer) => void): Promise<void> {
  try {
    const data = (await service.logs({ stdout: true, stderr: true, follow: false })) as unknown as
      Buffer | string;
    const demux = new Demuxer((_s, payload) => onPayload(payload));
    demux.push(typeof data === 'string' ? Buffer.from(data, 'binary') : data);
  } catch (err) {
    onPayload(Buffer.from(`[orbit: could not read service logs: ${engineMessage(err)}]\n`));
  }
}
