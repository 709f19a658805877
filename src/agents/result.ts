import type { AgentResult } from './types.js';

/** Stable codes of failed agent results (the `error.code` of an AgentResult). */
export const AgentErrorCode = {
  /** The action ran longer than its timeout and was stopped. */
  Timeout: 'E_AGENT_TIMEOUT',
  /** The process, container or request could not be started at all. */
  Start: 'E_AGENT_START',
  /** The spawn helper that ran the process died first: its outcome is unknown, its tree stopped. */
  Lost: 'E_AGENT_LOST',
  /** ctx.signal was aborted (daemon shutdown, cancelled deployment). */
  Aborted: 'E_AGENT_ABORTED',
  /** Params of the step are missing or of the wrong type. */
  Params: 'E_AGENT_PARAMS',
  DockerUnreachable: 'E_DOCKER_UNREACHABLE',
  ImageMissing: 'E_IMAGE_MISSING',
  ImagePull: 'E_IMAGE_PULL',
  DockerError: 'E_DOCKER_ERROR',
  HttpStatus: 'E_HTTP_STATUS',
  HttpRequest: 'E_HTTP_REQUEST',
} as const;

/** Exit code reported for a timeout when the process itself gave none (as coreutils `timeout`). */
export const TIMEOUT_EXIT_CODE = 124;
/** Exit code reported when nothing could be started (as a shell's "command not found"). */
export const START_EXIT_CODE = 127;

export function failedResult(
  code: string,
  message: string,
  startedAt: number,
  extra: Partial<AgentResult> = {},
): AgentResult {
  return {
    exitCode: START_EXIT_CODE,
    outputs: {},
    log: '',
    durationMs: Date.now() - startedAt,
    ...extra,
    error: { code, message },
  };
}

/** The outcome of checking a step's params: a value, or the message of a failed step. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** A result-maker for an agent that runs in-process (ack, pause): timed from `startedAt`, no outputs. */
export function resultSince(
  startedAt: number,
): (exitCode: number, log: string, error?: AgentResult['error']) => AgentResult {
  return (exitCode, log, error) => ({
    exitCode,
    outputs: {},
    log,
    durationMs: Date.now() - startedAt,
    ...(error ? { error } : {}),
  });
}
