/**
 * What a config commit does to one service beyond deploying (unwind the current deployment, or
 * nothing), decided by the chain's rule (`state/chain`) from the facts gathered here: the
 * service's view and the blob ids of its files around each commit concerned. The engine calls
 * it when a job's turn comes; `orbit preview` calls it on its dry run of the same range.
 */
import { revertedCommit, serviceConfigPaths, type ConfigCommit } from '../git/config-history.js';
import {
  decideCommit,
  type CommitDecision,
  type CommitFacts,
  type FilesChange,
} from '../state/chain/index.js';
import type { ViewReader } from '../state/view-overlay.js';

export type { CommitDecision } from '../state/chain/index.js';

/** The one query of the config history a decision needs. */
export interface ObjectIdReader {
  objectIds(specs: readonly string[]): Promise<Map<string, string | null>>;
}

/** Each commit's change to a service's files (first parent to commit), with one git process. */
export async function configChanges(
  history: ObjectIdReader,
  service: string,
  commits: readonly string[],
): Promise<Map<string, FilesChange>> {
  const specs = commits.flatMap((sha) => [
    ...serviceConfigPaths(`${sha}^`, service),
    ...serviceConfigPaths(sha, service),
  ]);
  const ids = await history.objectIds(specs);
  const files = (rev: string) => {
    const [deploy, values] = serviceConfigPaths(rev, service).map((p) => ids.get(p) ?? null);
    return [deploy ?? null, values ?? null] as const;
  };
  return new Map(commits.map((sha) => [sha, { before: files(`${sha}^`), after: files(sha) }]));
}

export async function decideCommitFor(
  state: ViewReader,
  history: ObjectIdReader,
  service: string,
  commit: ConfigCommit,
): Promise<CommitDecision> {
  const view = await state.service(service);
  const current = view?.current ? await state.deployment(view.current) : null;
  const targets = {
    current: current?.config_commit ?? null,
    lastStarted: view?.last_config_commit ?? null,
    mentioned: revertedCommit(commit),
  };
  const shas = [...new Set([commit.sha, ...Object.values(targets)].filter((s): s is string => !!s))];
  // Nothing it could undo: a plain deploy, without asking git.
  if (shas.length === 1) return { kind: 'deploy', reverts: null };
  const changes = await configChanges(history, service, shas);
  const about = (sha: string | null) => (sha ? { commit: sha, change: changes.get(sha)! } : null);
  const facts: CommitFacts = {
    change: changes.get(commit.sha)!,
    current:
      current && targets.current ? { deployment: current.deploy_id, ...about(targets.current)! } : null,
    lastStarted: about(targets.lastStarted),
    mentioned: about(targets.mentioned),
  };
  return decideCommit(facts);
}
