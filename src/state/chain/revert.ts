/**
 * What a config commit does to a service's chain beyond deploying: a revert of the commit that
 * started the current deployment unwinds it. A revert is recognised by what it changes, never by
 * its message: for the service, the commit puts back exactly the files the target replaced, on
 * top of exactly the files the target left. The caller gathers the blob ids; this decides.
 */

/** Blob ids of a service's `deploy.hcl` and `values.hcl` at one commit (null: absent). */
export type ConfigFiles = readonly [deploy: string | null, values: string | null];

/** What one commit did to a service's files: before (at its first parent) and after. */
export interface FilesChange {
  before: ConfigFiles;
  after: ConfigFiles;
}

const same = (a: ConfigFiles, b: ConfigFiles): boolean => a[0] === b[0] && a[1] === b[1];

/** `change` undoes `target`: it restores what `target` replaced, from what `target` left. */
export function undoes(change: FilesChange, target: FilesChange): boolean {
  return (
    !same(target.before, target.after) &&
    same(change.after, target.before) &&
    same(change.before, target.after)
  );
}

export interface CommitFacts {
  /** The new commit's change to the service's files. */
  change: FilesChange;
  /** The service's current deployment and its config commit's change. */
  current: { deployment: string; commit: string; change: FilesChange } | null;
  /** The config commit of the service's latest deployment started, skipped or rejected. */
  lastStarted: { commit: string; change: FilesChange } | null;
  /** The commit the message says it reverts: information only (shown, never decisive). */
  mentioned: { commit: string; change: FilesChange } | null;
}

export type CommitDecision =
  /** Undoes the current deployment's commit: its recorded reverse actions run. */
  | { kind: 'unwind'; deployment: string; reverted: string }
  /** Undoes a commit whose deployment failed, was unwound, skipped or rejected: nothing runs. */
  | { kind: 'nothing'; reverted: string }
  /** An ordinary change: the config as the commit leaves it deploys. `reverts`: the mentioned
   * commit when the change does undo it (its deployment is no longer current). */
  | { kind: 'deploy'; reverts: string | null };

export function decideCommit(f: CommitFacts): CommitDecision {
  if (f.current && undoes(f.change, f.current.change)) {
    return { kind: 'unwind', deployment: f.current.deployment, reverted: f.current.commit };
  }
  if (f.lastStarted && f.lastStarted.commit !== f.current?.commit && undoes(f.change, f.lastStarted.change)) {
    return { kind: 'nothing', reverted: f.lastStarted.commit };
  }
  const reverts = f.mentioned && undoes(f.change, f.mentioned.change) ? f.mentioned.commit : null;
  return { kind: 'deploy', reverts };
}
