/**
 * `orbit preview BASE..HEAD`: what merging a range of config commits would make Orbit do, commit by
 * commit, without running anything. Reads the config through git (no checkout) and the state log
 * read-only when there is one, to name the deployments a revert would unwind.
 */
import { loadService } from '../../config/load.js';
import { planContext } from '../../config/plan-context.js';
import { fromPlain, showUnknowns } from '../../config/expressions/values.js';
import { renderPlan, resolveVariables } from '../../config/render.js';
import type { RenderedStep } from '../../config/types.js';
import { planCommits } from '../../engine/reconcile-plan.js';
import { ConfigHistory, type ConfigCommit } from '../../git/config-history.js';
import { openStateLog } from '../../state/index.js';
import type { StateLog } from '../../state/types.js';
import { ConfigError, OrbitError, type Diagnostic } from '../../util/errors.js';
import { maskDeep } from '../../util/secrets.js';
import { planJson } from '../commands/plan.js';

export type PreviewJob =
  | {
      service: string;
      action: 'deploy';
      policy: string;
      /** The deployment this one would replace: from the log, or `(deploy of <sha>)` earlier in the range. */
      replaces: string | null;
      note: string | null;
      variables: Record<string, { value: unknown; origin: string; sensitive: boolean }>;
      steps: RenderedStep[];
    }
  | {
      service: string;
      action: 'unwind';
      reverted: string;
      /** The deployment id from the log, null when it is a deployment of this range or unknown. */
      deployment: string | null;
      note: string | null;
      /** Reverse actions in the order they would run (newest step first); null when unknown. */
      steps: Array<{ index: number; name: string; agent: string; reverse: string[] | null }> | null;
    }
  | { service: string; action: 'none'; reverted: string | null; note: string }
  | { service: string; action: 'invalid'; diagnostics: Diagnostic[] };

export interface PreviewCommit {
  sha: string;
  subject: string;
  author: string;
  time: string;
  /** The commit this one reverts (`git revert`), or null. */
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

/** What a service runs at a point of the simulated timeline. */
interface Deployed {
  id: string | null;
  commit: string | null;
  values: Record<string, unknown> | null;
  /** Reverse actions, newest first, when the deployment comes from this range. */
  reverse: Array<{ index: number; name: string; agent: string; reverse: string[] | null }> | null;
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
}

export async function buildPreview(options: PreviewOptions): Promise<Preview> {
  const history = new ConfigHistory(options.repoDir);
  const { base, head } = await resolveRange(history, options.range);
  const commits = await history.commitsBetween(base, head);
  const state = await openStateIfAny(options);
  options = { ...options, baseCommit: base };
  try {
    const sim = new Timeline(state);
    const out: PreviewCommit[] = [];
    for (const planned of planCommits(commits)) {
      const c = planned.commit;
      const jobs: PreviewJob[] = [];
      for (const job of planned.jobs) {
        jobs.push(
          job.kind === 'revert'
            ? await previewRevert(options, sim, c, job.service, job.reverted)
            : await previewDeploy(options, sim, c, job.service, null),
        );
      }
      out.push({
        sha: c.sha,
        subject: c.subject,
        author: c.author,
        time: c.time,
        reverts: planned.jobs.find((j) => j.kind === 'revert')?.reverted ?? null,
        jobs,
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
  // The newest commit of a that is an ancestor of b: walk a's first-parent line.
  for (const c of [...(await history.commitsBetween(null, a))].reverse()) {
    if (await history.isAncestor(c.sha, b)) return c.sha;
  }
  throw new OrbitError('E_USAGE', 'the two sides of the range have no common commit', { a, b });
}

async function openStateIfAny(options: PreviewOptions): Promise<StateLog | null> {
  const dir = options.stateDir ?? options.repoDir;
  const branch = options.stateBranch ?? 'orbit/state';
  if (!(await new ConfigHistory(dir).resolve(`refs/heads/${branch}`))) return null;
  return openStateLog({ dir, branch, readOnly: true });
}

/** The per-service timeline a range would produce, assuming each deployment succeeds. */
class Timeline {
  private readonly stacks = new Map<string, Deployed[]>();
  private readonly lastStarted = new Map<string, string | null>();

  constructor(readonly state: StateLog | null) {}

  async current(service: string): Promise<Deployed | null> {
    const stack = await this.stack(service);
    return stack.at(-1) ?? null;
  }

  async lastConfigCommit(service: string): Promise<string | null> {
    if (!this.lastStarted.has(service)) {
      this.lastStarted.set(service, (await this.state?.service(service))?.last_config_commit ?? null);
    }
    return this.lastStarted.get(service) ?? null;
  }

  started(service: string, commit: string): void {
    this.lastStarted.set(service, commit);
  }

  async push(service: string, d: Deployed): Promise<void> {
    (await this.stack(service)).push(d);
  }

  /** The unwound deployment leaves; the one before it (from the log when needed) becomes current. */
  async pop(service: string): Promise<void> {
    const stack = await this.stack(service);
    const gone = stack.pop();
    if (stack.length === 0 && gone?.id && this.state) {
      const record = await this.state.deployment(gone.id);
      const prev = record?.previous_deploy_id ? await this.state.deployment(record.previous_deploy_id) : null;
      if (prev) stack.push(fromRecord(prev));
    }
  }

  private async stack(service: string): Promise<Deployed[]> {
    let stack = this.stacks.get(service);
    if (!stack) {
      stack = [];
      const view = this.state ? await this.state.service(service) : null;
      const record = view?.current ? await this.state!.deployment(view.current) : null;
      if (record) stack.push(fromRecord(record));
      this.stacks.set(service, stack);
    }
    return stack;
  }
}

const fromRecord = (r: {
  deploy_id: string;
  config_commit: string | null;
  values: Record<string, unknown> | null;
}): Deployed => ({ id: r.deploy_id, commit: r.config_commit, values: r.values, reverse: null });

/** The log masks secrets as `(sensitive:NAME)`; previews say `(sensitive)` like `orbit plan`. */
const plainMask = <T>(v: T): T =>
  JSON.parse(JSON.stringify(v).replace(/\(sensitive:[A-Za-z0-9_]+\)/g, '(sensitive)')) as T;

async function previewDeploy(
  options: PreviewOptions,
  sim: Timeline,
  commit: ConfigCommit,
  service: string,
  note: string | null,
): Promise<PreviewJob> {
  sim.started(service, commit.sha);
  try {
    const spec = await loadService(options.repoDir, service, { ref: commit.sha });
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
    const current = await sim.current(service);
    // With a state log, `previous` is known: the deployment this one replaces (or none).
    let replaces: string | null = null;
    if (current) {
      ctx.previous = {
        id: current.id ?? '(a deployment of this range)',
        var: plainMask(current.values ?? {}),
      };
      planOptions.previousUnknown = false;
      replaces = current.id ?? `the deployment of ${current.commit?.slice(0, 7)}`;
    } else if (sim.state) {
      // The log says nothing is deployed: a first deployment, `previous` is null.
      planOptions.previousUnknown = false;
    }
    const steps = renderPlan(spec, vars, ctx, planOptions);
    const plan = planJson(spec, vars, steps, commit.sha, commit.sha);
    await sim.push(service, {
      id: null,
      commit: commit.sha,
      // Placeholders (values not read) stay placeholders as `previous.var.*` of the next commit.
      values: maskDeep(
        showUnknowns(fromPlain(vars.values)) as Record<string, unknown>,
        vars.secrets,
        'plain',
      ),
      reverse: [...plan.steps].reverse().map((s) => ({
        index: s.index,
        name: s.name,
        agent: s.agent,
        reverse: s.reverse,
      })),
    });
    return {
      service,
      action: 'deploy',
      policy: spec.policy,
      replaces,
      note,
      variables: plan.variables,
      steps: plan.steps,
    };
  } catch (err) {
    if (err instanceof ConfigError) return { service, action: 'invalid', diagnostics: err.diagnostics };
    if (err instanceof OrbitError && err.code === 'E_UNKNOWN_SERVICE') {
      return {
        service,
        action: 'none',
        reverted: null,
        note: `services/${service}/deploy.hcl does not exist at this commit: nothing is deployed, and nothing is unwound (use orbit unwind)`,
      };
    }
    throw err;
  }
}

/**
 * Variables declared sensitive by the service at the range's base: none when it is new there,
 * null (treat every variable as sensitive) when the base's config cannot be read.
 */
async function sensitiveOnBase(options: PreviewOptions, service: string): Promise<string[] | null> {
  const base = options.baseCommit;
  if (!base) return [];
  try {
    const spec = await loadService(options.repoDir, service, { ref: base });
    return spec.variables.filter((v) => v.sensitive).map((v) => v.name);
  } catch (err) {
    if (err instanceof OrbitError && err.code === 'E_UNKNOWN_SERVICE') return [];
    if (err instanceof ConfigError || err instanceof OrbitError) return null;
    throw err;
  }
}

async function previewRevert(
  options: PreviewOptions,
  sim: Timeline,
  commit: ConfigCommit,
  service: string,
  reverted: string,
): Promise<PreviewJob> {
  const haveLog = sim.state !== null;
  const current = await sim.current(service);
  const short = reverted.slice(0, 7);
  if (current?.commit === reverted) {
    let steps = current.reverse;
    if (current.id && sim.state) {
      const sm = await sim.state.unwindPlan(current.id);
      steps = plainMask(
        sm.map((s) => ({
          index: s.step_index,
          name: s.step_name,
          agent: s.reverse_action?.agent ?? s.agent,
          reverse: s.reverse_action?.args ?? null,
        })),
      );
    }
    sim.started(service, commit.sha);
    await sim.pop(service);
    return {
      service,
      action: 'unwind',
      reverted,
      deployment: current.id,
      note: current.id ? null : `unwinds the deployment of ${short} above`,
      steps,
    };
  }
  if (!haveLog && !current) {
    return {
      service,
      action: 'unwind',
      reverted,
      deployment: null,
      note: `unwinds the deployment of ${short} if it is current when this commit is processed (no state log here to check)`,
      steps: null,
    };
  }
  if ((await sim.lastConfigCommit(service)) === reverted) {
    sim.started(service, commit.sha);
    return {
      service,
      action: 'none',
      reverted,
      note: `the deployment of ${short} is not current (it failed or was unwound): nothing runs`,
    };
  }
  return previewDeploy(
    options,
    sim,
    commit,
    service,
    `reverts ${short}, whose deployment is not current: deploys the config as the revert leaves it`,
  );
}
