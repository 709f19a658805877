import type Docker from 'dockerode';
import { Demuxer, engineMessage, parseMount, statusCode } from './docker-client.js';
import type { DockerRun, RunOutcome } from './docker-run.js';
import { AgentErrorCode, TIMEOUT_EXIT_CODE } from './result.js';

/** Task states after which a task will not run again. */
const TERMINAL = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);
const POLL_MS = 150;
/** How often the node of a running task is checked: a node that is down never reports its task. */
const NODE_CHECK_MS = 1000;

interface TaskInfo {
  NodeID?: string;
  CreatedAt?: string;
  Status?: { State?: string; Err?: string; Message?: string; ContainerStatus?: { ExitCode?: number } };
}

/**
 * One step as a one-shot swarm job (`replicated-job`, one completion, no restart): the swarm picks
 * the node within the step's constraints. Its exit status comes from the task, its log and outputs
 * from the service's log stream (marked lines, docker-markers.ts), so no node needs Orbit's files;
 * the service is always removed afterwards.
 */
export async function runSwarmJob(run: DockerRun): Promise<RunOutcome> {
  const { docker, inv, ctx, log } = run;
  const service = await docker.createService(serviceSpec(run));
  try {
    const deadline = Date.now() + Math.max(1, inv.timeoutMs);
    let task: TaskInfo | undefined;
    let stopped: 'timeout' | 'abort' | 'node-down' | undefined;
    let nodeDown = '';
    let nodeCheckedAt = 0;
    for (;;) {
      const tasks = (await docker.listTasks({ filters: { service: [service.id] } } as object)) as TaskInfo[];
      task = newest(tasks);
      if (task && TERMINAL.has(task.Status?.State ?? '')) break;
      if (task?.NodeID && Date.now() - nodeCheckedAt >= NODE_CHECK_MS) {
        nodeCheckedAt = Date.now();
        nodeDown = await downNode(docker, task.NodeID);
        if (nodeDown) stopped = 'node-down';
      }
      if (!stopped && Date.now() >= deadline) stopped = 'timeout';
      else if (!stopped && ctx.signal?.aborted) stopped = 'abort';
      if (stopped) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }

    await collectLogs(service, run);

    const status = task?.Status;
    if (stopped === 'timeout') {
      // Still pending at the timeout is almost always "no suitable node": say so.
      const where = status?.State ? `; the task was ${status.State}: ${status.Err || status.Message}` : '';
      return {
        exitCode: TIMEOUT_EXIT_CODE,
        error: { code: AgentErrorCode.Timeout, message: `timed out after ${inv.timeoutMs} ms${where}` },
      };
    }
    if (stopped === 'abort')
      return { exitCode: 130, error: { code: AgentErrorCode.Aborted, message: 'stopped: aborted' } };
    if (stopped === 'node-down') {
      const message = `node ${nodeDown} left the swarm while the job ran (task ${status?.State})`;
      log.write(`[orbit: ${message}]\n`);
      return { exitCode: 125, error: { code: AgentErrorCode.DockerError, message } };
    }

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

function serviceSpec(run: DockerRun): Docker.ServiceSpec {
  const { inv, params } = run;
  const platform = params.platform;
  const placement = {
    ...(run.placement.length ? { Constraints: run.placement } : {}),
    ...(platform ? { Platforms: [{ OS: platform.os, Architecture: platform.architecture }] } : {}),
  };
  const limits = {
    ...(params.nanoCpus ? { NanoCPUs: params.nanoCpus } : {}),
    ...(params.memoryBytes ? { MemoryBytes: params.memoryBytes } : {}),
  };
  return {
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
      ...(Object.keys(placement).length ? { Placement: placement } : {}),
      ...(Object.keys(limits).length ? { Resources: { Limits: limits } } : {}),
      ...(params.network ? { Networks: [{ Target: params.network }] } : {}),
      LogDriver: { Name: 'json-file', Options: { 'max-size': '4m', 'max-file': '1' } },
    },
    Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
  } as Docker.ServiceSpec;
}

function newest(tasks: TaskInfo[]): TaskInfo | undefined {
  return [...tasks].sort((a, b) => (a.CreatedAt ?? '').localeCompare(b.CreatedAt ?? '')).at(-1);
}

/** The node's hostname when the manager sees it down, else ''. */
async function downNode(docker: Docker, nodeId: string): Promise<string> {
  try {
    const node = (await docker.getNode(nodeId).inspect()) as {
      Description?: { Hostname?: string };
      Status?: { State?: string; Message?: string };
    };
    return node.Status?.State === 'down' ? (node.Description?.Hostname ?? nodeId) : '';
  } catch {
    // The node was removed from the swarm: as down.
    return nodeId;
  }
}

/** The service's whole log (bounded by its json-file driver), demultiplexed into the run's output. */
async function collectLogs(service: Docker.Service, run: DockerRun): Promise<void> {
  try {
    const data = (await service.logs({ stdout: true, stderr: true, follow: false })) as unknown as
      Buffer | string;
    const demux = new Demuxer((stream, payload) => run.output.push(stream, payload));
    demux.push(typeof data === 'string' ? Buffer.from(data, 'binary') : data);
  } catch (err) {
    run.log.write(`[orbit: could not read service logs: ${engineMessage(err)}]\n`);
  }
}
