/**
 * Is the service synced with the branch, and if not, why. One rule per reason, tried in order;
 * the first that applies is the reason. A rule says whether `orbit sync` acts on it (deploys the
 * branch head) or whether something else is already on its way or must happen first. Adding a
 * reason (a window, a dependency) is one entry here.
 */
import { describeHold } from '../../state/chain/index.js';
import { serviceDefinitionPath } from '../../util/service-files.js';
import type { ServiceFacts } from './facts.js';

export type SyncState = 'synced' | 'out-of-sync';

export interface SyncReason {
  /** Stable, for scripts: `unprocessed-commit`, `queued`, `rejected-commit`, `unwound`, ... */
  code: string;
  message: string;
  /** `orbit sync` (and self-heal) deploys the branch head for this reason. */
  syncable: boolean;
}

interface SyncRule {
  code: string;
  syncable: boolean;
  /** The reason's message when it applies, else null. */
  applies(f: ServiceFacts): string | null;
}

const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 7) : '-');

/** Something is already moving the service: sync waits for it. */
const UNDER_WAY: SyncRule[] = [
  {
    code: 'removed-from-branch',
    syncable: false,
    applies: (f) =>
      !f.inBranch && f.current
        ? `the branch no longer has ${serviceDefinitionPath(f.service)}; ${f.current.deploy_id} still runs (\`orbit unwind ${f.service}\` undoes it)`
        : null,
  },
  {
    code: 'awaiting-recovery',
    syncable: false,
    applies: (f) =>
      f.stale && f.inFlight
        ? `${f.inFlight.deploy_id} was interrupted while ${f.inFlight.status} (no Orbit process runs it): the next \`orbit reconcile\` or daemon start resolves it${f.inFlight.status === 'running' ? ' and retries it' : ''}`
        : null,
  },
  {
    code: 'in-progress',
    syncable: false,
    applies: (f) =>
      f.inFlight && f.inFlight.status !== 'unwind-blocked'
        ? `${f.inFlight.deploy_id} is ${f.inFlight.status}`
        : null,
  },
  {
    code: 'queued',
    syncable: false,
    applies: (f) => (f.queued > 0 ? `${f.queued} job(s) queued for ${f.service}` : null),
  },
  {
    code: 'waiting-window',
    syncable: false,
    applies: ({ waiting: w, service }) =>
      w
        ? `${w.deploy_id} (commit ${short(w.config_commit)}) waits for its schedule window${w.window?.reason ? ` (${w.window.reason})` : ''}: it opens ${w.window?.opens_at ?? 'not within a year'}; \`orbit deploy ${service} --override-window --reason TEXT\` starts it now`
        : null,
  },
  {
    code: 'branch-rewritten',
    syncable: false,
    applies: (f) =>
      f.rewritten && !f.configMatches
        ? 'the branch was rewritten under the last commit Orbit processed: push the old history back, or run `orbit reconcile --accept-rewrite`'
        : null,
  },
  {
    code: 'unprocessed-commit',
    syncable: false,
    applies: (f) =>
      f.unprocessed
        ? `commit ${short(f.unprocessed)} is not deployed yet: Orbit has not processed it (the daemon does on its next poll, or run \`orbit reconcile\`)`
        : null,
  },
];

/** The branch and what runs differ, and nothing is on its way: why. */
const DIFFERS: SyncRule[] = [
  {
    code: 'rejected-commit',
    syncable: false,
    // Only while the rejected commit is the branch's newest for the service (a revert of it runs nothing).
    applies: (f) =>
      f.view?.rejected && f.view.rejected.config_commit === f.branchCommit
        ? `commit ${short(f.view.rejected.config_commit)} was rejected: ${f.view.rejected.error.message.split('\n')[0]}`
        : null,
  },
  {
    code: 'interrupted',
    syncable: true,
    applies: (f) =>
      f.latest?.status === 'unwound' && f.latest.unwind?.reason === 'crash-recovery'
        ? `${f.latest.deploy_id} was interrupted (Orbit stopped while it ran) and unwound; it awaits a retry (\`orbit sync ${f.service}\`)`
        : null,
  },
  {
    code: 'failed-commit',
    syncable: true,
    applies: (f) =>
      f.latest?.status === 'failed'
        ? `${f.latest.deploy_id} of commit ${short(f.latest.config_commit)} failed; ${f.current ? `${f.current.deploy_id} still runs` : 'nothing runs'}`
        : null,
  },
  {
    code: 'unwound',
    syncable: true,
    applies: (f) =>
      f.view?.hold && f.view.hold.reason !== 'failure'
        ? `unwound away from the branch: ${describeHold(f.view.hold)}`
        : null,
  },
  {
    code: 'redeployed',
    syncable: true,
    applies: (f) =>
      f.current?.redeploy_of
        ? `${f.current.deploy_id} is a redeploy of ${f.current.redeploy_of} (commit ${short(f.current.config_commit)}); the branch is at ${short(f.branchCommit)}`
        : null,
  },
  {
    code: 'dependency-skipped',
    syncable: true,
    // Its newest commit was not started: a service it depends on did not get through.
    applies: ({ view, current }) =>
      view?.dependency_skip && view.dependency_skip.config_commit === view.last_config_commit
        ? `${view.dependency_skip.deploy_id} (commit ${short(view.dependency_skip.config_commit)}) was not started: ${view.dependency_skip.reason}; ${current ? `${current.deploy_id} still runs` : 'nothing runs'}`
        : null,
  },
  {
    code: 'skipped-commit',
    syncable: true,
    applies: (f) =>
      // The newest commit Orbit saw for the service neither started nor was rejected: skipped.
      f.view?.last_config_commit &&
      f.view.last_config_commit !== f.latest?.config_commit &&
      f.view.last_config_commit !== f.view.rejected?.config_commit
        ? `commit ${short(f.view.last_config_commit)} was skipped; the branch is at ${short(f.branchCommit)}`
        : null,
  },
  {
    code: 'not-deployed',
    syncable: true,
    applies: (f) => (!f.current ? `nothing is deployed; the branch is at ${short(f.branchCommit)}` : null),
  },
  {
    code: 'differs',
    syncable: true,
    applies: (f) =>
      `${f.current?.deploy_id ?? 'nothing'} runs commit ${short(f.current?.config_commit)}; the branch is at ${short(f.branchCommit)}`,
  },
];

const first = (rules: SyncRule[], f: ServiceFacts): SyncReason | null => {
  for (const r of rules) {
    const message = r.applies(f);
    if (message !== null) return { code: r.code, message, syncable: r.syncable };
  }
  return null;
};

export function syncOf(f: ServiceFacts): { sync: SyncState; reason: SyncReason | null } {
  if (!f.inBranch && !f.current) return { sync: 'synced', reason: null };
  const reason = first(UNDER_WAY, f) ?? (f.configMatches ? null : first(DIFFERS, f));
  return reason ? { sync: 'out-of-sync', reason } : { sync: 'synced', reason: null };
}
