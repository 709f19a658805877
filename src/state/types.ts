/**
 * The activity log's entry format. One entry is one commit on the state branch.
 * Field names follow the original design (snake_case) because they are what people read in
 * `git show orbit/state:...` and what other tools parse.
 */

export const EVENT_KINDS = [
  'deploy-started', // a deployment of a config commit begins (also for redeploys: `redeploy_of` set)
  'step-started', // intent: written before the agent runs
  'reverse-started', // intent: written before a recorded reverse action runs
  'step-applied', // forward action succeeded; carries the rendered reverse action
  'step-failed', // forward action failed (exit code, timeout, start error)
  'deploy-succeeded', // every step applied; the deployment is now the service's current one
  'unwind-started', // reverse actions are about to run (reason: failure | user | revert | crash-recovery)
  'step-reversed', // a recorded reverse action ran (or was a recorded no-op)
  'step-reverse-failed', // a reverse action failed: the unwind stops here
  'deploy-unwound', // every applied step reversed
  'unwind-failed', // an unwind stopped at a failing reverse action: needs a human
  'deploy-skipped', // a queued commit replaced by a newer one (supersede policy)
  'commit-rejected', // a config commit whose HCL is invalid: nothing ran
  'step-acked', // a human approved a waiting `ack` step
  'commit-seen', // the watcher processed a config commit that touched no service (keeps the cursor)
  'unwind-blocked', // an unwind stopped before a reverse action it cannot run yet (a secret missing, ...)
  'check-result', // a check's first result, a change between passing and failing, or its verdict
  'deploy-waiting', // a deployment waits for its schedule window (the deployment id is handed out)
  'window-overridden', // someone started a waiting deployment outside its window, with a reason
  'service-held', // an unwind or a failed deployment put the service on hold: Orbit does not deploy it by itself
  'service-released', // the hold was lifted: a new commit, `orbit redeploy`, `orbit release`, `orbit sync --release`
  'notify-failed', // a notification target kept failing (or refused): recorded once per failing streak
  'unwind-waiting', // an unwind asked for while the window is closed waits for an approval (`unwind_approval`)
  'unwind-approved', // a person approved that unwind: it runs now
  'unwind-not-approved', // no approval came (its timeout passed, or the daemon stopped): nothing was reversed
  'dependency-skipped', // not started: a service it depends on (depends_on) failed or did not get through in the same batch
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

export type DeploymentStatus =
  | 'running'
  | 'succeeded' // current, or superseded by a later deployment
  | 'unwinding'
  | 'failed' // a step failed and the deployment was unwound automatically
  | 'unwound' // unwound by a user, a revert or crash recovery
  | 'unwind-failed'
  | 'unwind-blocked' // stopped before a reverse it cannot run yet; `orbit unwind` resumes it
  | 'skipped'
  | 'rejected'
  | 'waiting-window'; // arrived outside its schedule window; starts when it opens (or on override)

export interface ActionRecord {
  agent: string;
  args: string[];
  /** Sensitive values are replaced by `(sensitive:NAME)` markers before anything is written. */
  env: Record<string, string>;
  params: Record<string, unknown>;
  timeout_ms: number;
  /** Set when `agent` is a custom agent: its image at the time, so a replay runs the same image. */
  custom_image?: string;
  /**
   * Parts computed from sensitive values (`base64encode(var.pw)`): recorded masked, with the recipe
   * that recomputes each from the secrets alone when the action is replayed (docs/semantics.md).
   */
  derived?: DerivedPart[];
}

export interface DerivedPart {
  /** Where in the action: `["args", 2]`, `["env", "AUTH"]`, `["params", "body"]`. */
  path: Array<string | number>;
  names: string[];
  /** A recipe (src/config/expressions/values.ts `Recipe`): plain data, secrets by name only. */
  recipe: unknown;
  /** Converted to a string (args and env values are strings). */
  string: boolean;
}

export interface LogEntry {
  /** The state format this entry was written in (`STATE_FORMAT_VERSION`); absent before version 2. */
  format_version: number;
  kind: EventKind;
  service_id: string;
  deploy_id: string | null;
  previous_deploy_id: string | null;
  /** `<deploy_id>/<index>-<name>`, e.g. `waffle-12/1-migrate`. */
  step_id: string | null;
  previous_step_id: string | null;
  next_step_id: string | null;
  step_name: string | null;
  step_index: number | null;
  step_count: number | null;
  forward_action: ActionRecord | null;
  reverse_action: ActionRecord | null;
  /** ISO-8601 time the event happened. */
  applied_time: string;
  config_commit: string | null;
  /** Who triggered it: the commit author (`Name <email>`) or the CLI/API user. */
  author: string;
  /**
   * How `author` was verified, when it was: `token NAME (ID)`, `oidc ISSUER SUBJECT`,
   * `ssh-signature PRINCIPAL FINGERPRINT` (a signed config commit), `shared-token`. Absent: not verified
   * (a local CLI user, an unsigned commit).
   */
  verified_by?: string | null;
  duration_ms: number | null;
  exit_code: number | null;
  outputs: Record<string, string>;
  /** Captured agent output, capped and masked. */
  log: string;
  error: { code: string; message: string } | null;
  /** Why an unwind/skip/reject happened: failure | user | revert | crash-recovery | superseded | ... */
  reason: string | null;
  /** deploy-started only: the variables' values (sensitive ones masked). */
  values: Record<string, unknown> | null;
  /** deploy-started of a redeploy: the deployment whose recorded plan and values are re-applied. */
  redeploy_of: string | null;
  /** deploy-started of a retry: the deployment Orbit stopped in (and recovery unwound) that this re-runs. */
  retry_of?: string | null;
  /**
   * step-started / reverse-started: every process the agent starts for this run has
   * `ORBIT_RUN=<run_tag>` in its environment, so recovery can find and stop what a crash left.
   */
  run_tag?: string | null;
  /** step-started: what an unwind does if this step's outcome becomes unknown (see InDoubt). */
  in_doubt?: InDoubt | null;
  /** step-failed: the last lines of the step's stderr, masked and bounded (see StepRecord.stderr_tail). */
  stderr_tail?: string[];
  /** check-result: which check, what it saw and where it stands. */
  check?: CheckEntry | null;
  /** deploy-waiting: when the schedule window opens next (null: not within a year). */
  window?: { opens_at: string | null } | null;
  /**
   * deploy-started: the current deployment of each service of `depends_on` when it started (null:
   * none), whose values `dependency.<service>.*` read. Absent: no dependencies, or an older Orbit.
   */
  dependencies?: Record<string, string | null> | null;
  /** dependency-skipped: the dependency that did not get through, and its deployment. */
  skipped_for?: SkippedFor | null;
}

/** Why a deployment was not started: a dependency (`depends_on`) did not get through. */
export interface SkippedFor {
  service: string;
  deploy_id: string | null;
}

/** One check's result as recorded (a `check-result` entry; the newest per check in the record). */
export interface CheckEntry {
  name: string;
  type: string;
  /** The step it runs after; null: after the last step. */
  after: string | null;
  status: 'passing' | 'failing' | 'passed' | 'failed';
  /** What the newest probe saw: `status 200`, `exit 1`, `0.031`. */
  value: string;
  /** Why the newest probe failed, or null. */
  reason: string | null;
  failures_in_row: number;
  /** Of `failures`: how many failed probes in a row fail it. */
  failures: number;
  bake_left_ms: number;
  probes: number;
}

/**
 * What an unwind does with a step whose forward may or may not have run (Orbit stopped while it ran):
 * `reverse` runs the reverse action rendered before the forward (at least once: reverses must be
 * idempotent), `skip` leaves it (the step opted out), `blocked` stops the unwind there (the reverse
 * needs the step's own outputs, which were never recorded).
 */
export type InDoubt = 'reverse' | 'skip' | 'blocked';

export type StepStatus = 'started' | 'applied' | 'failed' | 'reversing' | 'reversed' | 'reverse-failed';

export interface StepRecord {
  step_id: string;
  step_name: string;
  step_index: number;
  status: StepStatus;
  agent: string;
  forward_action: ActionRecord | null;
  reverse_action: ActionRecord | null;
  outputs: Record<string, string>;
  exit_code: number | null;
  started_time: string;
  duration_ms: number | null;
  reverse_exit_code: number | null;
  reverse_duration_ms: number | null;
  error: { code: string; message: string } | null;
  /** Set by a `step-acked` entry: who approved the waiting step, and when (the latest approval). */
  acked?: { by: string; time: string } | null;
  /** Every approval of the step (`approvals = N` needs N), oldest first. */
  approvals?: Array<{ by: string; time: string; verified_by: string | null }>;
  /** From step-started: see InDoubt. Absent in records written before Orbit kept it. */
  in_doubt?: InDoubt | null;
  /** The run tag of the newest forward or reverse run (see LogEntry.run_tag). */
  run_tag?: string | null;
  /**
   * A failed step's last stderr lines (at most 20 lines, 4 KB), masked like its log; the whole
   * output's last lines when the agent keeps no stderr apart or the step wrote none. Absent for
   * steps that did not fail and in records written before Orbit kept it.
   */
  stderr_tail?: string[];
}

/** The denormalised record of one deployment, kept in the state tree and updated by each entry. */
export interface DeploymentRecord {
  format_version: number;
  deploy_id: string;
  service_id: string;
  sequence: number;
  status: DeploymentStatus;
  config_commit: string | null;
  author: string;
  /** From deploy-started: how the author was verified (see LogEntry.verified_by). */
  verified_by?: string | null;
  started_time: string;
  finished_time: string | null;
  /** The deployment that was current when this one started: the chain's link back. */
  previous_deploy_id: string | null;
  /**
   * The newest deployment that succeeded on top of this one (its `previous`): the chain's link
   * forward. Format 1 called it both `next_deploy_id` and `superseded_by`.
   */
  replaced_by: string | null;
  redeploy_of: string | null;
  /** Set on a retry of a deployment Orbit stopped in. */
  retry_of?: string | null;
  values: Record<string, unknown> | null;
  step_count: number | null;
  steps: StepRecord[];
  /** Set once an unwind starts: why and who. */
  unwind: { reason: string; author: string; time: string } | null;
  error: { code: string; message: string } | null;
  /** The newest result of each check, by name, with the time of its entry. Absent: no checks ran. */
  checks?: Record<string, CheckEntry & { time: string }>;
  /** Set while it waits for (or after it waited for) its schedule window. */
  window?: {
    opens_at: string | null;
    reason: string;
    since: string;
    overridden?: { by: string; reason: string; time: string } | null;
  } | null;
  /** From deploy-started: the dependency deployments it read (see LogEntry.dependencies). */
  dependencies?: Record<string, string | null> | null;
  /** A `dependency-skipped` deployment: which dependency did not get through. */
  skipped_for?: SkippedFor | null;
  /** Set while an unwind waits for an approval outside the window (or after it waited). */
  unwind_approval?: {
    state: 'waiting' | 'approved' | 'not-approved';
    reason: string;
    author: string;
    since: string;
    by?: string | null;
    time?: string | null;
  } | null;
  /**
   * State-log bookkeeping (not set by the projection): the sha of this deployment's newest entry
   * before the commit holding this record. A commit cannot name itself, so the commit after an
   * entry records it here; the deployment's newest entry is the branch head when the head's entry
   * is this deployment's, else this. Absent in records written before Orbit kept it.
   */
  last_entry?: string | null;
}

/** The per-service view: `services/<shard>/<service>/current.json` on the state branch (paths.ts). */
export interface ServiceView {
  format_version: number;
  service_id: string;
  /** The deployment in effect, or null. */
  current: string | null;
  /**
   * What `redeploy` would re-apply (the last deployment unwound from here), or null. Format 1
   * called it `next`.
   */
  redeployable: string | null;
  /** Highest deployment sequence number handed out; ids are `<service>-<sequence>`. */
  last_sequence: number;
  /** The config commit of the latest deployment started, skipped or rejected for this service. */
  last_config_commit: string | null;
  /** The latest rejected config commit and why, until a later deployment of the service starts. */
  rejected: { config_commit: string; error: { code: string; message: string } } | null;
  /** A deployment currently running or unwinding (crash recovery reads this). */
  in_flight: string | null;
  /** Deployments waiting for the schedule window, oldest first. Absent in logs before schedules. */
  waiting?: string[];
  /**
   * The newest deployment started for the service (any outcome): what `orbit status` judges
   * health by. Absent in views written before Orbit kept it.
   */
  latest?: string | null;
  /** Set by `service-held`, cleared by `service-released`. Absent in views written before holds. */
  hold?: Hold | null;
  /**
   * The newest commit of the service was not started because a dependency did not get through
   * (`dependency-skipped`); cleared when a later one starts, waits, is skipped or rejected.
   * Absent in views written before depends_on.
   */
  dependency_skip?: { deploy_id: string; config_commit: string | null; reason: string } | null;
}

/**
 * Orbit does not deploy a held service by itself (`orbit sync`, self-heal) until a new commit
 * touches it, `orbit redeploy`, or `orbit release`. Who, when and why, from the `service-held` entry.
 */
export interface Hold {
  /** `user` (orbit unwind), `revert` (a reverting commit), `failure` (a failed deployment). */
  reason: string;
  /** The deployment whose unwind (or failure) placed the hold. */
  deploy_id: string | null;
  author: string;
  time: string;
}

export interface HistoryItem {
  /** The state-branch commit holding the entry. */
  sha: string;
  entry: LogEntry;
}

export interface OpenStateOptions {
  /** Path of the repository holding the state branch (the config repo, or a separate state repo). */
  dir: string;
  /** Default `orbit/state`. */
  branch?: string;
  /** Push the branch here after each append (a git URL or path); failures are reported, never forced. */
  pushRemote?: string;
  /** Identity for commits; default `Orbit <orbit@localhost>`. */
  committer?: { name: string; email: string };
}

/** See `StateLog.shared`. */
export interface SharedViews {
  services(): Promise<readonly ServiceView[]>;
  deployments(deployIds: readonly string[]): Promise<Map<string, DeploymentRecord | null>>;
}

/**
 * The activity log. One writer process per repository (a lock enforces it); appends are
 * serialised in-process. Every read that the engine does often (service, deployment, unwind
 * plan) costs the same whatever the length of history.
 */
export interface StateLog {
  readonly branch: string;
  /** The last failed push of the state branch to its remote, cleared by a successful push. */
  readonly lastPushError?: { code: string; message: string } | null;
  /** Whether a writer process holds the branch now: else what the log shows in flight was left by a crash. */
  writerRunning?(): Promise<boolean>;
  /** Append one entry as one commit; returns the new commit's sha. Never rewrites. */
  append(entry: LogEntry): Promise<string>;
  /**
   * Several entries as as many commits, in order (each as `append` would write it), moving the
   * branch once: all of them are on the branch or none. Returns their shas, in order.
   */
  appendAll(entries: readonly LogEntry[]): Promise<string[]>;
  service(serviceId: string): Promise<ServiceView | null>;
  services(): Promise<ServiceView[]>;
  deployment(deployId: string): Promise<DeploymentRecord | null>;
  /**
   * Every service's view and the records asked for, as the log holds them, not copied: for a
   * reader that only looks (status, at 10,000 services, spent a fifth of its time copying).
   * The caller must not change them.
   */
  readonly shared?: SharedViews;
  /** The captured log of one step (forward and reverse), as written. */
  stepLog(deployId: string, stepIndex: number): Promise<string | null>;
  /** Applied, not yet reversed steps of a deployment, newest first, with their recorded reverse actions. */
  unwindPlan(deployId: string): Promise<StepRecord[]>;
  /** Deployments the log shows running or unwinding (for crash recovery). */
  inFlight(): Promise<DeploymentRecord[]>;
  /** The config commit of the newest `commit-seen` entry: where the watcher left off. */
  cursor(): Promise<string | null>;
  /** Whole history, newest first, optionally one service's. */
  history(options?: { service?: string; limit?: number }): AsyncIterable<HistoryItem>;
  /** Release the lock. */
  close(): Promise<void>;
}
