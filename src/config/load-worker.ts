/**
 * The body of the evaluation worker (see isolated-load.ts): loads, checks and trial-renders one
 * service's config at a commit, so a runaway evaluation burns this thread, never the daemon's.
 * It runs when this module is loaded in a worker started with WORKER_MARK in its data.
 */
import type { ErrorCode } from '../util/error-codes.js';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ConfigError, OrbitError } from '../util/errors.js';
import { assertContracts } from './contract-check.js';
import { hitEvalLimit } from './eval-limit.js';
import { loadService, loadServiceFromSources } from './load.js';
import { renderPlan, resolveVariables } from './render.js';
import type { RenderContext, ResolvedVariables, ServiceSpec } from './types.js';

export const WORKER_MARK = 'orbitConfigLoadWorker';

export interface LoadRequest {
  id: number;
  repoDir: string;
  service: string;
  ref: string;
  knownAgents?: string[];
  /** Only the ORBIT_VAR_* entries of the engine's environment. */
  env: Record<string, string | undefined>;
}

export type LoadFailure =
  | { kind: 'config'; diagnostics: ConfigError['diagnostics'] }
  | { kind: 'orbit'; code: ErrorCode; message: string; data: Record<string, unknown> }
  | { kind: 'error'; message: string };

export type LoadResponse =
  | { ready: true; id?: undefined }
  | { id: number; ok: true; spec: ServiceSpec; vars: ResolvedVariables }
  | { id: number; ok: false; failure: LoadFailure };

/** Every step rendered once with unknown outputs: what a plan evaluates, bounded here. */
function trialRender(spec: ServiceSpec, vars: ResolvedVariables, request: LoadRequest): void {
  const ctx: RenderContext = {
    orbit: {
      deployment_id: `${request.service}-0`,
      service: request.service,
      commit: request.ref,
      author: '',
      timestamp: new Date(0).toISOString(),
      sequence: 0,
    },
    previous: null,
    stepOutputs: {},
  };
  try {
    renderPlan(spec, vars, ctx, {
      previousUnknown: true,
      unknownOrbit: ['deployment_id', 'author', 'timestamp', 'sequence'],
    });
  } catch (err) {
    // A render error is reported where it always was, when the step runs: only the cost counts
    // here, and a budget exceeded is that cost (the commit is rejected with E_EVAL_LIMIT).
    if (!(err instanceof OrbitError) || hitEvalLimit(err)) throw err;
  }
}

export async function loadInWorker(request: LoadRequest): Promise<LoadResponse> {
  try {
    const spec = await loadService(request.repoDir, request.service, {
      ref: request.ref,
      knownAgents: request.knownAgents,
    });
    const vars = resolveVariables(spec, {}, request.env);
    trialRender(spec, vars, request);
    assertContracts(spec, vars); // as the engine does when it loads in its own thread
    return { id: request.id, ok: true, spec, vars };
  } catch (err) {
    if (err instanceof ConfigError)
      return { id: request.id, ok: false, failure: { kind: 'config', diagnostics: err.diagnostics } };
    if (err instanceof OrbitError)
      return {
        id: request.id,
        ok: false,
        failure: { kind: 'orbit', code: err.code, message: err.message, data: structuredCloneable(err.data) },
      };
    return {
      id: request.id,
      ok: false,
      failure: { kind: 'error', message: (err as Error)?.message ?? String(err) },
    };
  }
}

function structuredCloneable(data: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(data);
  } catch {
    return JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  }
}

/** The parser's first use initialises it (a WebAssembly module): done before the first timed load. */
async function warmUp(): Promise<void> {
  await loadServiceFromSources(
    { deploy: 'step {\n  name = "w"\n  agent = "exec"\n  forward = ["true"]\n}\n' },
    'warm-up',
  ).catch(() => undefined);
}

const port = parentPort;
if (!isMainThread && port && (workerData as Record<string, unknown> | null)?.[WORKER_MARK]) {
  port.on('message', (request: LoadRequest) => {
    void loadInWorker(request).then((response) => port.postMessage(response));
  });
  void warmUp().then(() => port.postMessage({ ready: true }));
}
