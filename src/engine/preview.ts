/**
 * `orbit preview BASE..HEAD`: what merging a range of config commits would make Orbit do, commit by
 * commit, without running anything. It is the engine's own plan (`DryRun`: the same planning and
 * per-job decisions as `orbit reconcile`, on an in-memory copy of the log), rendered with every
 * agent invocation. Reads the config through git (no checkout) and the state log read-only when
 * there is one.
 */
import { checkContracts } from '../config/contract-check.js';
import { loadService } from '../config/load.js';
import { planContext } from '../config/plan-context.js';
import { fromPlain, showUnknowns } from '../config/expressions/values.js';
import { renderChecks, renderPlan, resolveVariables } from '../config/render.js';
import type { RenderedStep, ServiceSpec } from '../config/types.js';
import { configChanges } from './commit-decision.js';
import { DryRun } from './dry-run.js';
import { servicesAtSharedChanges } from './shared-deploy.js';
import { serviceDefinitionPath } from '../util/service-files.js';
import { dependencyDiagnosticsAt, whyStopped } from './dependency-gates.js';
import { commitOrder, type EndedJob } from './dependency-order.js';
import type { PlannedCommit, PlannedJob } from './reconcile-plan.js';
import { ConfigHistory, revertedCommit, type ConfigCommit } from '../git/config-history.js';
import { undoes } from '../state/chain/index.js';
import { openStateLog } from '../state/index.js';
import type { ActionRecord, StateLog } from '../state/types.js';
import { ConfigError, OrbitError, formatDiagnostic, type Diagnostic } from '../util/errors.js';
import { maskValues } from '../util/secrets.js';
import { planJson } from './plan-json.js';
import type { CheckSummary } from './checks/summary.js';
import type { ScheduleSummary } from './schedule/summary.js';

type ReverseStep = { index: number; name: string; agent: string; reverse: string[] | null };

/** One job of a commit; `after`: the services it waits for (depends_on), when there are any. */
export type PreviewJob = PreviewJobBody & { after?: string[] };

type PreviewJobBody =
  | {
      service: string;
      action: 'deploy';
      /**
       * The id the engine would give the deployment, if everything before it in the range
       * succeeds; null without a state log (nothing to count from).
       */
      predicted: string | null;
      policy: string;
      /** The deployment this one would replace: from the log, or `the deployment of <sha>` earlier in the range. */
      replaces: string | null;
      note: string | null;
      variables: Record<string, { value: unknown; origin: string; sensitive: boolean }>;
      steps: RenderedStep[];
      /** What must keep passing after its steps (absent: no checks). */
      checks?: CheckSummary[];
      /** When it may start (absent: any time). */
      schedule?: ScheduleSummary;
    }
  | {
      service: string;
      action: 'unwind';
      reverted: string;
      /** The deployment id from the log, null when it is a deployment of this range or unknown. */
      deployment: string | null;
      /** The deployment it unwinds, as the engine would name it; null without a state log. */
      predicted: string | null;
      note: string | null;
      /** Reverse actions in the order they would run (newest step first); null when unknown. */
      steps: ReverseStep[] | null;
    }
  | { service: string; action: 'none'; reverted: string | null; note: string }
  | { service: string; action: 'invalid'; diagnostics: Diagnostic[] };

export interface PreviewCommit {
  sha: string;
  subject: string;
  author: string;
  time: string;
  /** The commit this one undoes (what the engine recognises by content), or null. */
  reverts: string | null;
  jobs: PreviewJob[];
}

export interface Preview {
  formatVersion: 1;
  range: string;
  base: string;
  head: string;
  /** Whether a state log was found and read. */
  stateLog: boolean;
  /** False when a commit of the range has invalid configuration. */
  valid: boolean;
  commits: PreviewCommit[];
}

export interface PreviewOptions {
  repoDir: string;
  range: string;
  stateBranch?: string;
  stateDir?: string;
  /** Not read: a preview renders pull-request content and never reads ORBIT_VAR_* (docs/security.md). */
  env?: Record<string, string | undefined>;
  /** Set by buildPreview: the range's base, whose sensitive declarations count too. */
  baseCommit?: string;
  /** The engine's own plan of the range (the daemon's pending commits); default: planned here. */
  planned?: PlannedCommit[];
  /**
   * How a service's config at a commit is loaded: the daemon passes its config evaluator (a
   * pull request's HCL is hostile input, and the parser stays out of the daemon's process);
   * default: parsed in this process, as the CLI's own commands do.
   */
  loadSpec?: (service: string, ref: string) => Promise<ServiceSpec>;
}

function specAt(options: PreviewOptions, service: string, ref: string): Promise<ServiceSpec> {
  return options.loadSpec ? options.loadSpec(service, ref) : loadService(options.repoDir, service, { ref });
}

/** A job's config at its commit, loaded before anything runs (as the engine does). */
type Loaded = { spec: ServiceSpec } | { invalid: ConfigError } | { removed: true };

export async function buildPreview(options: PreviewOptions): Promise<Preview> {
  const history = new ConfigHistory(options.repoDir);
  const { base, head } = await resolveRange(history, options.range);
  const state = await openStateIfAny(options);
  options = { ...options, baseCommit: base };
  try {
    const dry = new DryRun(state, history);
    let planned = options.planned;
    if (!planned) {
      const commits = await history.commitsBetween(base, head);
      planned = dry.plan(commits, await servicesAtSharedChanges(history, commits));
    }
    const jobs = planned.flatMap((p) => p.jobs);
    const loaded = new Map<PlannedJob, Loaded>();
    for (const job of jobs) loaded.set(job, await load(options, job));
    const policyOf = (job: PlannedJob) => {
      const l = loaded.get(job);
      return l && 'spec' in l ? l.spec.policy : 'queue';
    };
    const skipped = dry.skipped(jobs, policyOf);
    const out: PreviewCommit[] = [];
    // Per service, the end of its newest job of the range, as what waits for it sees it.
    const ended = new Map<string, EndedJob>();
    for (const { commit: c, jobs: commitJobs } of planned) {
      const previewed: Array<{ job: PreviewJob; reverts: string | null }> = [];
      for (const { job, after } of await ordered(options, dry, c, commitJobs, loaded)) {
        const stop = after.flatMap((s) => {
          const why = ended.has(s) ? whyStopped(ended.get(s)!) : null;
          return why ? [{ service: s, why }] : [];
        })[0];
        if (stop && !skipped.get(job)) {
          const reason = `dependency ${stop.service} ${stop.why}`;
          const id = await dry.skipForDependency(job.service, c, reason);
          ended.set(job.service, { status: 'skipped', deployId: id, error: { code: 'E_DEPENDENCY_FAILED' } });
          previewed.push({
            job: {
              service: job.service,
              action: 'none',
              reverted: null,
              note: `not started: ${reason}`,
              after,
            },
            reverts: null,
          });
          continue;
        }
        const by = skipped.get(job);
        if (by) {
          await dry.skip(job.service, c);
          previewed.push({
            job: {
              service: job.service,
              action: 'none',
              reverted: null,
              note: `skipped: superseded by ${by.commit.sha.slice(0, 7)} of this range (policy supersede)`,
            },
            reverts: null,
          });
        } else {
          const p = await previewJob(options, dry, history, c, job.service, loaded.get(job)!);
          if (after.length > 0) p.job.after = after;
          const status = p.job.action === 'invalid' ? 'rejected' : 'succeeded';
          ended.set(job.service, { status, deployId: null, error: null });
          previewed.push(p);
        }
      }
      out.push({
        sha: c.sha,
        subject: c.subject,
        author: c.author,
        time: c.time,
        reverts: previewed.find((p) => p.reverts)?.reverts ?? null,
        jobs: previewed.map((p) => p.job),
      });
    }
    return {
      formatVersion: 1,
      range: options.range,
      base,
      head,
      stateLog: state !== null,
      valid: out.every((c) => c.jobs.every((j) => j.action !== 'invalid')),
      commits: out,
    };
  } finally {
    await state?.close();
  }
}

/**
 * The jobs of one commit in the engine's order (dependency-order.ts), each with what it waits
 * for; a job whose depends_on names an unknown service or makes a cycle becomes invalid, as the
 * engine rejects it.
 */
async function ordered(
  options: PreviewOptions,
  dry: DryRun,
  commit: ConfigCommit,
  jobs: readonly PlannedJob[],
  loaded: Map<PlannedJob, Loaded>,
): Promise<Array<{ job: PlannedJob; after: string[] }>> {
  const specOf = (j: PlannedJob) => {
    const l = loaded.get(j);
    return l && 'spec' in l ? l.spec : null;
  };
  const specs = jobs.map(specOf).filter((s): s is ServiceSpec => s !== null);
  const bad = await dependencyDiagnosticsAt(options.repoDir, commit.sha, specs, (service) =>
    specAt(options, service, commit.sha),
  );
  for (const j of jobs) {
    const own = bad.get(j.service);
    if (own) loaded.set(j, { invalid: new ConfigError(own) });
  }
  const dependsOn = (j: PlannedJob) => (specOf(j)?.dependsOn ?? []).map((d) => d.service);
  const related = jobs.some((j) => dependsOn(j).some((d) => jobs.some((o) => o.service === d)));
  const unwinds = related
    ? await Promise.all(jobs.map(async (j) => (await dry.decide(j.service, commit)).kind === 'unwind'))
    : jobs.map(() => false);
  return commitOrder(
    jobs.map((j, i) => ({ service: j.service, dependsOn: dependsOn(j), unwinds: unwinds[i]! })),
  ).map((o) => ({ job: jobs[o.index]!, after: o.after }));
}

async function load(options: PreviewOptions, job: PlannedJob): Promise<Loaded> {
  try {
    return { spec: await specAt(options, job.service, job.commit.sha) };
  } catch (err) {
    if (err instanceof ConfigError) return { invalid: err };
    if (err instanceof OrbitError && err.code === 'E_UNKNOWN_SERVICE') return { removed: true };
    throw err;
  }
}

/** One job, as the engine would run it at its turn: the decision, then what it renders. */
async function previewJob(
  options: PreviewOptions,
  dry: DryRun,
  history: ConfigHistory,
  commit: ConfigCommit,
  service: string,
  loaded: Loaded,
): Promise<{ job: PreviewJob; reverts: string | null }> {
  const decision = await dry.decide(service, commit);
  const short = (sha: string) => sha.slice(0, 7);
  if (decision.kind === 'unwind') {
    const id = decision.deployment;
    const planned = dry.isPlanned(id);
    const steps = (await dry.unwindPlan(id)).map(reverseStep);
    await dry.unwind(service, id, commit);
    return {
      job: {
        service,
        action: 'unwind',
        reverted: decision.reverted,
        deployment: planned ? null : id,
        predicted: dry.state ? id : null,
        note: planned ? `unwinds the deployment of ${short(decision.reverted)} above` : null,
        steps,
      },
      reverts: decision.reverted,
    };
  }
  if (decision.kind === 'nothing') {
    return {
      job: {
        service,
        action: 'none',
        reverted: decision.reverted,
        note: `undoes ${short(decision.reverted)}, whose deployment is not current (it failed, was unwound, skipped or rejected): nothing runs`,
      },
      reverts: decision.reverted,
    };
  }
  if (!dry.state && !(await dry.current(service))) {
    // No log to say what is current: say what happens if the commit it undoes is deployed.
    const guess = await undoneWithoutLog(history, service, commit);
    if (guess) {
      return {
        job: {
          service,
          action: 'unwind',
          reverted: guess,
          deployment: null,
          predicted: null,
          note: `unwinds the deployment of ${short(guess)} if it is current when this commit is processed (no state log here to check); otherwise it deploys the config as this commit leaves it`,
          steps: null,
        },
        reverts: guess,
      };
    }
  }
  if ('removed' in loaded) {
    return {
      job: {
        service,
        action: 'none',
        reverted: null,
        note: `${serviceDefinitionPath(service)} does not exist at this commit: nothing is deployed, and nothing is unwound (use orbit unwind)`,
      },
      reverts: null,
    };
  }
  const invalid = async (err: ConfigError): Promise<{ job: PreviewJob; reverts: null }> => {
    await dry.reject(service, commit, {
      code: err.code,
      message: err.diagnostics.map(formatDiagnostic).join('\n'),
    });
    return { job: { service, action: 'invalid', diagnostics: err.diagnostics }, reverts: null };
  };
  if ('invalid' in loaded) return invalid(loaded.invalid);
  const mentioned = revertedCommit(commit);
  const note = decision.reverts
    ? `reverts ${short(decision.reverts)}, whose deployment is not current: deploys the config as the revert leaves it`
    : mentioned
      ? `its message says it reverts ${short(mentioned)}, but it does not undo that commit's change to this service: deploys it like any other change`
      : null;
  try {
    return {
      job: await previewDeploy(options, dry, commit, service, loaded.spec, note),
      reverts: decision.reverts,
    };
  } catch (err) {
    // A step its agent's contract refuses: the engine rejects the commit at load, so does preview.
    if (err instanceof ConfigError) return invalid(err);
    throw err;
  }
}

/** Without a log: the commit it would unwind is the one before it that last changed the service. */
async function undoneWithoutLog(
  history: ConfigHistory,
  service: string,
  commit: ConfigCommit,
): Promise<string | null> {
  const before = (await history.lastCommitsTouching(`${commit.sha}^`, [service])).get(service);
  if (!before) return null;
  const changes = await configChanges(history, service, [commit.sha, before]);
  return undoes(changes.get(commit.sha)!, changes.get(before)!) ? before : null;
}

const reverseStep = (s: {
  step_index: number;
  step_name: string;
  agent: string;
  reverse_action: ActionRecord | null;
}): ReverseStep => ({
  index: s.step_index,
  name: s.step_name,
  agent: s.reverse_action?.agent ?? s.agent,
  reverse: s.reverse_action?.args ?? null,
});

async function resolveRange(history: ConfigHistory, range: string): Promise<{ base: string; head: string }> {
  const m = /^(.*?)(\.\.\.?)(.*)$/.exec(range);
  const [baseRef, headRef] = m ? [m[1] || 'HEAD', m[3] || 'HEAD'] : [range, 'HEAD'];
  if (!baseRef.trim() || /\s/.test(range)) {
    throw new OrbitError('E_USAGE', `bad range "${range}": expected BASE..HEAD`, { range });
  }
  const resolve = async (ref: string): Promise<string> => {
    const sha = await history.resolve(ref);
    if (!sha) throw new OrbitError('E_UNKNOWN_REF', `unknown revision ${ref}`, { ref });
    return sha;
  };
  const [b, h] = await Promise.all([resolve(baseRef), resolve(headRef)]);
  // A...B: what B adds since it forked from A (what a pull request shows).
  if (m?.[2] === '...') return { base: await mergeBase(history, b, h), head: h };
  return { base: b, head: h };
}

async function mergeBase(history: ConfigHistory, a: string, b: string): Promise<string> {
  const base = await history.mergeBase(a, b);
  if (base) return base;
  throw new OrbitError('E_USAGE', 'the two sides of the range have no common commit', { a, b });
}

async function openStateIfAny(options: PreviewOptions): Promise<StateLog | null> {
  const dir = options.stateDir ?? options.repoDir;
  const branch = options.stateBranch ?? 'orbit/state';
  if (!(await new ConfigHistory(dir).resolve(`refs/heads/${branch}`))) return null;
  return openStateLog({ dir, branch, readOnly: true });
}

async function previewDeploy(
  options: PreviewOptions,
  dry: DryRun,
  commit: ConfigCommit,
  service: string,
  spec: ServiceSpec,
  note: string | null,
): Promise<PreviewJob> {
  // Untrusted content: no environment, and a variable sensitive on the base branch stays sensitive.
  const vars = resolveVariables(
    spec,
    {},
    {},
    {
      untrusted: true,
      sensitive: (await sensitiveOnBase(options, service)) ?? spec.variables.map((v) => v.name),
    },
  );
  const { ctx, options: planOptions } = await planContext(options.repoDir, service, commit.sha);
  const current = await dry.current(service);
  // With a state log, `previous` is known: the deployment this one replaces (or none).
  let replaces: string | null = null;
  if (current) {
    const planned = dry.isPlanned(current.deploy_id);
    ctx.previous = {
      id: planned ? '(a deployment of this range)' : current.deploy_id,
      var: current.values ?? {},
    };
    planOptions.previousUnknown = false;
    replaces = planned ? `the deployment of ${current.config_commit?.slice(0, 7)}` : current.deploy_id;
  } else if (dry.state) {
    // The log says nothing is deployed: a first deployment, `previous` is null.
    planOptions.previousUnknown = false;
  }
  const steps = renderPlan(spec, vars, ctx, planOptions);
  // What the engine would refuse shows as invalid here too (agent contracts).
  const problems = checkContracts(spec, vars, { ctx, options: planOptions });
  if (problems.length > 0) throw new ConfigError(problems);
  // Checks shown as they would run: rendered with the variables.
  const checks = renderChecks(spec, vars, ctx, planOptions);
  const plan = planJson({ ...spec, checks }, vars, steps, commit.sha, commit.sha);
  const action = (agent: string, args: string[]): ActionRecord => ({
    agent,
    args,
    env: {},
    params: {},
    timeout_ms: 0,
  });
  const predicted = await dry.deploy(
    service,
    commit,
    // Placeholders (values not read) stay placeholders as `previous.var.*` of the next commit.
    maskValues(showUnknowns(fromPlain(vars.values)) as Record<string, unknown>, vars.secrets),
    plan.steps.map((s) => ({
      name: s.name,
      forward: action(s.agent, s.forward),
      reverse: s.reverse ? action(s.agent, s.reverse) : null,
    })),
  );
  return {
    service,
    action: 'deploy',
    predicted: dry.state ? predicted : null,
    policy: spec.policy,
    replaces,
    note,
    variables: plan.variables,
    steps: plan.steps,
    ...(plan.checks ? { checks: plan.checks } : {}),
    ...(plan.schedule ? { schedule: plan.schedule } : {}),
  };
}

/**
 * Variables declared sensitive by the service at the range's base: none when it is new there,
 * null (treat every variable as sensitive) when the base's config cannot be read.
 */
async function sensitiveOnBase(options: PreviewOptions, service: string): Promise<string[] | null> {
  const base = options.baseCommit;
  if (!base) return [];
  try {
    const spec = await specAt(options, service, base);
    return spec.variables.filter((v) => v.sensitive).map((v) => v.name);
  } catch (err) {
    if (err instanceof OrbitError && err.code === 'E_UNKNOWN_SERVICE') return [];
    if (err instanceof ConfigError || err instanceof OrbitError) return null;
    throw err;
  }
}
