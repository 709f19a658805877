/**
 * Checks rendered step values against their agents' contracts before anything runs: an http URL
 * that is not http(s), `forward = []` for an exec step, a docker `pull` that is not a policy.
 * Attributes whose value is only known while deploying (step outputs, `previous.*`, the
 * deployment's id, time and sequence) are left to the agent, which checks them again at run time.
 */
import type { ErrorCode } from '../util/error-codes.js';
import { typeProblem, type AgentContract } from '../agents/contract.js';
import { ConfigError } from '../util/errors.js';
import type { Diagnostic } from '../util/errors.js';
import { maskText } from '../util/secrets.js';
import { durationProblem } from './duration.js';
import { hitEvalLimit } from './eval-limit.js';
import type { Expr } from './expressions/ast.js';
import { scopeReferences } from './expressions/check.js';
import { renderChecks, renderPlan, type PlanOptions } from './render.js';
import { contractOf } from './step-contract.js';
import type {
  AttributeSpec,
  OrbitScope,
  RenderContext,
  RenderedStep,
  ResolvedVariables,
  ServiceSpec,
} from './types.js';

/** Nothing about the deployment known: what the engine checks when it loads a commit. */
function unknownDeployment(service: string): { ctx: RenderContext; options: PlanOptions } {
  const orbit: OrbitScope = {
    deployment_id: '',
    service,
    commit: '',
    author: '',
    timestamp: '',
    sequence: 0,
  };
  return {
    ctx: { orbit, previous: null, stepOutputs: {} },
    options: {
      previousUnknown: true,
      unknownOrbit: ['deployment_id', 'timestamp', 'sequence', 'commit', 'author'],
    },
  };
}

/**
 * The contract problems of every step of `spec`, messages masked. A step that cannot be rendered
 * is not checked here: rendering reports its own problems.
 */
export function checkContracts(
  spec: ServiceSpec,
  vars: ResolvedVariables,
  plan: { ctx: RenderContext; options: PlanOptions } = unknownDeployment(spec.service),
): Diagnostic[] {
  let rendered: RenderedStep[];
  try {
    rendered = renderPlan(spec, vars, plan.ctx, plan.options);
  } catch (err) {
    // Render errors that need run-time values are reported when the step runs; a runaway is not.
    if (err instanceof ConfigError && !hitEvalLimit(err)) return [];
    throw err;
  }
  const runtime = runtimeDependence(spec, plan.options);
  const out: Diagnostic[] = [];
  rendered.forEach((step, i) => {
    const contract = contractOf(step.agent, spec.customAgents);
    if (!contract) return;
    for (const attr of spec.steps[i]!.attributes) {
      if (runtime(attr.expr)) continue;
      const problem = attributeProblem(attr, step, contract);
      if (problem) out.push({ ...attr.location, ...problem });
    }
  });
  return out.map((d) => ({ ...d, message: maskText(d.message, vars.secrets) }));
}

/** Throws ConfigError with the contract problems of `spec`, and those of its checks, if any. */
export function assertContracts(spec: ServiceSpec, vars: ResolvedVariables): void {
  const problems = checkContracts(spec, vars);
  if (problems.length > 0) throw new ConfigError(problems);
  // A check that cannot render with these variables (a sensitive one, a bad URL) is refused too.
  const plan = unknownDeployment(spec.service);
  renderChecks(spec, vars, plan.ctx, plan.options);
}

function attributeProblem(
  attr: AttributeSpec,
  step: RenderedStep,
  contract: AgentContract,
): { code: ErrorCode; message: string } | null {
  const at = `${contract.kind} step "${step.name}"`;
  const bad = (message: string) => ({
    code: 'E_BAD_ATTRIBUTE' as const,
    message: `${at}: ${attr.name} ${message}`,
  });
  if (attr.name === 'forward' || attr.name === 'reverse') {
    const args = attr.name === 'forward' ? step.forward : step.reverse;
    if (args === null) return null;
    if (args.length === 0 && !contract.emptyArgs)
      return bad(
        attr.name === 'forward'
          ? 'is empty: there is no command to run'
          : 'is empty: leave reverse out (or null) for a step with nothing to undo',
      );
    const p = args.length > 0 ? contract.checkArgs?.(args) : null;
    return p ? bad(p) : null;
  }
  if (!Object.hasOwn(contract.params, attr.name)) return null; // step attributes: checked by rendering
  const spec = contract.params[attr.name]!;
  const value = step.params[attr.name];
  if (value === null || value === undefined) return null;
  const p = typeProblem(spec.type, value) ?? spec.check?.(value) ?? null;
  if (p) return bad(p);
  if (spec.type === 'duration') {
    const d = durationProblem(value);
    if (d) return { code: 'E_BAD_DURATION', message: `${at}: ${attr.name} ${d}` };
  }
  return null;
}

/**
 * Whether an expression's value is only known while deploying: it uses step outputs, `previous`,
 * an unknown `orbit.*` value, or a const that does.
 */
function runtimeDependence(spec: ServiceSpec, options: PlanOptions): (e: Expr) => boolean {
  const unknownOrbit = new Set<string>(options.unknownOrbit ?? []);
  const constRuntime = new Map<string, boolean>();
  const direct = (e: Expr, consts: ReadonlyMap<string, boolean>): boolean =>
    scopeReferences(e).some(
      ([root, name]) =>
        root === 'step' ||
        (root === 'previous' && options.previousUnknown !== false) ||
        (root === 'orbit' && name !== undefined && unknownOrbit.has(name)) ||
        (root === 'const' && name !== undefined && consts.get(name) === true),
    );
  // spec.consts is ordered dependencies first.
  for (const c of spec.consts) constRuntime.set(c.name, direct(c.expr, constRuntime));
  return (e) => direct(e, constRuntime);
}
