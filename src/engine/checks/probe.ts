/**
 * One probe of a check: an HTTP GET, a local command (through the exec agent, so it is tagged and
 * stopped like any step's process), or a Prometheus instant query. Whatever goes wrong (a refused
 * connection, a timeout, a bad answer) is a failed probe with the reason, never a thrown error.
 */
import type { CheckCondition, CheckSpec, ProbeSpec } from '../../config/types.js';
import { newRunTag } from '../../agents/run-tag.js';
import type { Secret } from '../../util/secrets.js';
import { invoke, type ExecutorDeps } from '../agent-call.js';
import type { ProbeResult } from './bake.js';

export interface ProbeContext {
  deps: ExecutorDeps;
  service: string;
  deploymentId: string;
  secrets: readonly Secret[];
}

/** Bytes of an HTTP answer read for `body_match`. */
const MAX_BODY = 256 * 1024;

export async function runProbe(check: CheckSpec, ctx: ProbeContext): Promise<ProbeResult> {
  const probe = check.probe;
  try {
    if (probe.kind === 'http') return await httpProbe(probe, check.timeoutMs);
    if (probe.kind === 'prometheus') return await prometheusProbe(probe, check.timeoutMs);
    return await execProbe(probe, check, ctx);
  } catch (err) {
    return { ok: false, value: 'error', reason: reasonOf(err) };
  }
}

/** `fetch failed` says nothing: the cause (ECONNREFUSED, a timeout) does. */
function reasonOf(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

async function get(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, body: text.slice(0, MAX_BODY) };
}

async function httpProbe(p: Extract<ProbeSpec, { kind: 'http' }>, timeoutMs: number): Promise<ProbeResult> {
  const { status, body } = await get(p.url, timeoutMs);
  const value = `status ${status}`;
  if (status !== p.expectStatus)
    return { ok: false, value, reason: `status ${status}, expected ${p.expectStatus}` };
  if (p.bodyMatch !== null && !new RegExp(p.bodyMatch).test(body))
    return { ok: false, value, reason: `body does not match /${p.bodyMatch}/` };
  return { ok: true, value, reason: null };
}

export function satisfies(c: CheckCondition, x: number): boolean {
  switch (c.op) {
    case '<':
      return x < c.value;
    case '<=':
      return x <= c.value;
    case '>':
      return x > c.value;
    case '>=':
      return x >= c.value;
    case '==':
      return x === c.value;
    case '!=':
      return x !== c.value;
  }
}

interface PromAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** The numbers of an instant query's answer: one per series (a scalar is one). */
function samples(data: PromAnswer['data']): number[] | null {
  const r = data?.result;
  if (data?.resultType === 'scalar' && Array.isArray(r)) return [Number(r[1])];
  if (data?.resultType === 'vector' && Array.isArray(r))
    return r.map((s: { value?: [number, string] }) => Number(s.value?.[1]));
  return null;
}

async function prometheusProbe(
  p: Extract<ProbeSpec, { kind: 'prometheus' }>,
  timeoutMs: number,
): Promise<ProbeResult> {
  const url = `${p.url.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(p.query)}`;
  const { status, body } = await get(url, timeoutMs);
  let answer: PromAnswer;
  try {
    answer = JSON.parse(body) as PromAnswer;
  } catch {
    return { ok: false, value: `status ${status}`, reason: `not a Prometheus API answer (status ${status})` };
  }
  if (answer.status !== 'success')
    return {
      ok: false,
      value: `status ${status}`,
      reason: `Prometheus: ${answer.error ?? `status ${status}`}`,
    };
  const values = samples(answer.data);
  if (values === null)
    return { ok: false, value: 'none', reason: `unsupported result type ${answer.data?.resultType}` };
  if (values.length === 0) return { ok: false, value: 'no data', reason: 'the query returned no series' };
  const value = values.map((v) => String(v)).join(', ');
  const bad = values.filter((v) => Number.isNaN(v) || !satisfies(p.condition, v));
  return bad.length === 0
    ? { ok: true, value, reason: null }
    : { ok: false, value, reason: `${bad.join(', ')} is not ${p.condition.op} ${p.condition.value}` };
}

async function execProbe(
  p: Extract<ProbeSpec, { kind: 'exec' }>,
  check: CheckSpec,
  ctx: ProbeContext,
): Promise<ProbeResult> {
  const params = p.workdir !== undefined ? { workdir: p.workdir } : {};
  const result = await invoke(
    ctx.deps,
    {
      kind: 'exec',
      action: 'forward',
      args: p.command,
      env: p.env ?? {},
      timeoutMs: check.timeoutMs,
      params,
    },
    {
      service: ctx.service,
      deploymentId: ctx.deploymentId,
      stepName: `check-${check.name}`,
      secrets: ctx.secrets,
      signal: ctx.deps.signal,
    },
    ctx.secrets,
    undefined,
    newRunTag(),
  );
  const value = `exit ${result.exitCode}`;
  if (result.exitCode === 0 && !result.error) return { ok: true, value, reason: null };
  const lastLine = result.log.trim().split('\n').pop() ?? '';
  return {
    ok: false,
    value,
    reason: result.error?.message ?? (lastLine || `exited with status ${result.exitCode}`),
  };
}
