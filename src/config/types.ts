/**
 * The data the config layer hands to the engine. Loading reads files; everything after
 * (`resolveVariables`, `renderStep`, `renderPlan`) is pure: no I/O.
 */
import type { SourceLocation } from '../util/errors.js';
import type { Secret } from '../util/secrets.js';
import type { ParamSpec } from '../agents/contract.js';
import type { Expr } from './expressions/ast.js';
import type { Recipe } from './expressions/values.js';
import type { NotifySpec } from './notify-spec.js';

export type { Expr } from './expressions/ast.js';

export type DeployPolicy = 'queue' | 'supersede';

export interface VariableDecl {
  name: string;
  description?: string;
  default?: unknown;
  allowed?: unknown[];
  type?: string;
  sensitive: boolean;
  location: SourceLocation;
}

/** Generated constants, the `orbit.*` scope. */
export interface OrbitScope {
  deployment_id: string;
  service: string;
  commit: string;
  author: string;
  timestamp: string;
  sequence: number;
}

export interface RenderContext {
  orbit: OrbitScope;
  /** `previous.id` and `previous.var.*`: the deployment being replaced; null when there is none. */
  previous: { id: string; var: Record<string, unknown> } | null;
  /** `step.<name>.output.*`: outputs of steps already applied in this deployment. */
  stepOutputs: Record<string, Record<string, string>>;
  /** `dependency.<service>.*`: the current deployment of each service of `depends_on`. */
  dependencies?: Record<string, DependencyScope>;
}

/** What a deployment reads of a dependency: its current deployment when this one started. */
export interface DependencyScope {
  /** The dependency's deployment id (null: nothing deployed; its values are then null). */
  id: string | null;
  var: Record<string, unknown>;
  step: Record<string, { output: Record<string, string> }>;
  /** Sensitive variables of the dependency: the name of the secret each value is known by here. */
  sensitive?: Record<string, string>;
}

/** One step with every interpolation resolved: what the executor runs. */
export interface RenderedStep {
  name: string;
  /** 0-based position in the deployment. */
  index: number;
  agent: string;
  forward: string[];
  /** null: the step has no reverse action (a recorded no-op on unwind). */
  reverse: string[] | null;
  env: Record<string, string>;
  timeoutMs: number;
  /** Agent-specific attributes (image, url, method, body, mounts, ...), rendered. */
  params: Record<string, unknown>;
  /** The parts computed from sensitive values (absent when there are none). */
  sensitive?: SensitivePart[];
}

/**
 * A part of a rendered step computed from sensitive variables (`base64encode(var.pw)`): masked
 * wherever it is shown or recorded. `path` is from the step: `["forward", 2]`, `["env", "AUTH"]`, `["params", "body"]`.
 */
export interface SensitivePart {
  path: Array<string | number>;
  /** The sensitive variables it was computed from. */
  names: string[];
  /**
   * How to compute it again from those variables, for a replay. Parts that masking the secret's
   * text and putting it back restores (the secret itself, or pasted into text) are not listed.
   */
  recipe: Recipe;
  /** Whether the part was converted to a string (argv and env are strings). */
  string: boolean;
}

/** One attribute of a step or const block: an expression tree kept for rendering. */
export interface AttributeSpec {
  name: string;
  expr: Expr;
  location: SourceLocation;
}

export interface StepSpec {
  name: string;
  agent: string;
  location: SourceLocation;
  /** Every attribute except `name` and `agent`, in source order. */
  attributes: AttributeSpec[];
}

export interface CustomAgent {
  image: string;
  /** The other attributes of the `agent` block, evaluated (constants only). */
  params: Record<string, unknown>;
  /** The params its steps take, from `param "name" { }` blocks; null: free-form. */
  declared: Record<string, ParamSpec> | null;
  location: SourceLocation;
}

/** Repo-wide settings from `orbit.hcl` (`settings { ... }` and `agent "x" { ... }`). */
export interface RepoSettings {
  defaultPolicy: DeployPolicy;
  maxParallel: number | null;
  /** `self_heal = true`: the daemon syncs every out-of-sync service that is not held. */
  selfHeal: boolean;
  /** `self_heal_backoff`: the first wait after a self-heal that did not converge (doubles each time). */
  selfHealBackoffMs: number;
  /** `require_signed_commits`: a config commit deploys only if an allowed signer signed it. */
  requireSignedCommits: boolean;
  /** `allowed_signers`: a path in the repository (relative) or on the daemon's host (absolute). */
  allowedSigners: string | null;
  customAgents: Record<string, CustomAgent>;
  /** `schedule { }` in orbit.hcl: when deployments of every service may start (null: any time). */
  schedule?: ScheduleSpec | null;
  /** `notify` blocks of orbit.hcl (src/config/notify-spec.ts). */
  notify: NotifySpec[];
  /** Every attribute of the settings block, evaluated, including ones Orbit does not know yet. */
  raw: Record<string, unknown>;
}

/** The file texts a service was loaded from, with their repo-relative paths. */
export interface ServiceSources {
  orbit?: { path: string; text: string };
  deploy: { path: string; text: string };
  values?: { path: string; text: string };
}

/** One entry of `depends_on`, where it is written (deploy.hcl). */
export interface DependencySpec {
  /** As written: what `dependency.<name>.*` reads it by. */
  name: string;
  /** The service id it resolves to (`db@prod` for "db" in an environment). */
  service: string;
  location: SourceLocation;
}

export interface ServiceSpec {
  service: string;
  policy: DeployPolicy;
  /** `depends_on`: deployed after these services, unwound before them (absent: none). */
  dependsOn?: DependencySpec[];
  variables: VariableDecl[];
  /** Const attributes in evaluation order (dependencies first). */
  consts: AttributeSpec[];
  steps: StepSpec[];
  /** `check "name" { }` blocks: what must keep passing after a step (src/config/checks-spec.ts). */
  checks?: CheckSpec[];
  /** The service's own `schedule { }`, else orbit.hcl's; null or absent: any time. */
  schedule?: ScheduleSpec | null;
  /** Custom agents from orbit.hcl and deploy.hcl (deploy.hcl wins on a name clash). */
  customAgents: Record<string, CustomAgent>;
  /** `notify` blocks of deploy.hcl: this service's own targets. */
  notify: NotifySpec[];
  /** Raw values from values.hcl. */
  values: Record<string, unknown>;
  valueLocations: Record<string, SourceLocation>;
  settings: RepoSettings;
  sources: ServiceSources;
}

export interface ResolvedVariables {
  values: Record<string, unknown>;
  /** One per sensitive variable that has a value (and, once rendered, per value derived from one). */
  secrets: Secret[];
  /** Where each value came from; `placeholder`: not read (preview and plan of untrusted content). */
  origins: Record<string, 'override' | 'env' | 'values' | 'default' | 'placeholder'>;
  /** Variables treated as sensitive: declared so here, or (preview) on the base branch. */
  sensitive?: string[];
}

/** What one probe of a check does (plain data: it crosses the config worker's boundary). */
export type ProbeSpec =
  | { kind: 'http'; url: string; expectStatus: number; bodyMatch: string | null }
  | { kind: 'exec'; command: string[]; env?: Record<string, string>; workdir?: string }
  | { kind: 'prometheus'; url: string; query: string; condition: CheckCondition };

/** `condition = "< 0.01"`: every series of the query's result must satisfy it. */
export interface CheckCondition {
  op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  value: number;
}

/** A `check "name" { }` block: probed every interval after its step until it has baked or failed. */
export interface CheckSpec {
  name: string;
  probe: ProbeSpec;
  /** The step it runs after; null: after the last step. */
  after: string | null;
  intervalMs: number;
  timeoutMs: number;
  /** How long it must keep passing. */
  bakeMs: number;
  /** How many failed probes in a row fail it. */
  failures: number;
  location: SourceLocation;
  /** A probe that uses var.* or orbit.*: its attributes, rendered per deployment (renderChecks). */
  template?: { type: string; exprs: Record<string, Expr> };
}

/** One `deny` entry: a cron window, or a date-time range in the schedule's time zone. */
export type DenySpec = { kind: 'cron'; cron: string } | { kind: 'range'; from: string; to: string };

/** `schedule { }`: when deployments may start. Unwinds are never held by it. */
export interface ScheduleSpec {
  timezone: string;
  /** Cron expressions of the minutes in which a deployment may start; empty: any minute. */
  allow: string[];
  deny: DenySpec[];
  /**
   * `unwind_approval = true`: an unwind asked for by hand or by a reverting commit while the window
   * is closed waits for an approval (`orbit ack`); a failure's unwind and crash recovery never wait.
   */
  unwindApproval?: boolean;
  /** Where it was written: `orbit.hcl` (all services) or the service's deploy.hcl. */
  file: string;
  location: SourceLocation;
}
