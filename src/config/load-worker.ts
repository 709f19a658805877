/**
 * The body of the config evaluator (see isolated-load.ts), a child process: parses, checks and
 * trial-renders one service's config from its texts, so a runaway evaluation burns this process,
 * never the daemon's, and the HCL parser's WebAssembly lives here, not in the process that spawns
 * agents and git. It reads nothing itself: the texts come with each request. It serves when it is
 * started with EVALUATOR_ARG and an IPC channel (src/cli/main.ts starts it so from the bundle).
 */
import type { ErrorCode } from '../util/error-codes.js';
import { ConfigError, OrbitError } from '../util/errors.js';
import { assertContracts } from './contract-check.js';
import { hitEvalLimit } from './eval-limit.js';
import { EVALUATOR_ARG } from './evaluator-arg.js';
import { loadServiceFromSources, repoSettingsFromSource, type SourceTexts } from './load.js';
import { renderPlan, resolveVariables } from './render.js';
import type { RenderContext, ServiceSpec } from './types.js';

export type EvaluatorRequest = { id: number } & (
  | {
      op: 'service';
      service: string;
      /** The commit the texts were read at (for the trial render's `orbit.commit`). */
      ref: string;
      sources: SourceTexts;
      knownAgents?: string[];
      /** Only the ORBIT_VAR_* entries of the engine's environment. */
      env: Record<string, string | undefined>;
      /** Also resolve the variables, trial-render and check contracts (else: the spec alone). */
      check: boolean;
    }
  | { op: 'settings'; text: string }
);

export type EvaluatorFailure =
  | { kind: 'config'; diagnostics: ConfigError['diagnostics'] }
  | { kind: 'orbit'; code: ErrorCode; message: string; data: Record<string, unknown> }
  | { kind: 'error'; message: string };

export type EvaluatorResponse =
  | { ready: true; id?: undefined }
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; failure: EvaluatorFailure };

/** Every step rendered once with unknown outputs: what a plan evaluates, bounded here. */
function trialRender(spec: ServiceSpec, vars: ReturnType<typeof resolveVariables>, ref: string): void {
  const ctx: RenderContext = {
    orbit: {
      deployment_id: `${spec.service}-0`,
      service: spec.service,
      commit: ref,
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

async function evaluate(request: EvaluatorRequest): Promise<unknown> {
  if (request.op === 'settings') return repoSettingsFromSource(request.text);
  const spec = await loadServiceFromSources(request.sources, request.service, {
    knownAgents: request.knownAgents,
  });
  if (!request.check) return spec;
  const vars = resolveVariables(spec, {}, request.env);
  trialRender(spec, vars, request.ref);
  assertContracts(spec, vars); // as the engine did when it loaded in its own thread
  return { spec, vars };
}

export async function answer(request: EvaluatorRequest): Promise<EvaluatorResponse> {
  try {
    return { id: request.id, ok: true, value: await evaluate(request) };
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

/** One request at a time, as the parent sends them; the parent gone, the evaluator goes too. */
function serve(send: (m: EvaluatorResponse) => void): void {
  process.on('message', (request: EvaluatorRequest) => {
    void answer(request).then(send);
  });
  process.on('disconnect', () => process.exit(0));
  // A Ctrl-C reaches the whole process group: the parent decides what stops (a first one lets
  // running work finish), and stops this process itself (SIGKILL) or by going away.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
  void warmUp().then(() => send({ ready: true }));
}

const send = process.send?.bind(process);
if (send && process.argv[2] === EVALUATOR_ARG) serve((m) => send(m));
