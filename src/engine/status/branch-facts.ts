/**
 * What status needs from the config branch, read once per branch head and log cursor and kept
 * until either moves: the services at the head and their config ids (one `ls-tree -r`), the
 * newest commit touching each (one `git log`), and the commits Orbit has not processed yet.
 * Deployed commits' config ids are kept by `ConfigIds`.
 */
import { servicesTouched, type ConfigHistory } from '../../git/config-history.js';
import { ConfigIds, type CommitConfig } from './config-ids.js';

export interface Unprocessed {
  rewritten: boolean;
  /** Orbit has processed nothing yet: every service's newest commit is new. */
  all: boolean;
  newest: Map<string, string>;
}

export interface BranchSnapshot {
  /** The head's `services/`; null when the branch has no commit. */
  config: CommitConfig | null;
  /** Per service at the head, the newest commit touching its files. */
  branchCommits: Map<string, string>;
  unprocessed: Unprocessed;
}

const NOTHING_UNPROCESSED: Unprocessed = { rewritten: false, all: false, newest: new Map() };
const NO_BRANCH: BranchSnapshot = {
  config: null,
  branchCommits: new Map(),
  unprocessed: NOTHING_UNPROCESSED,
};

export class BranchFacts {
  readonly ids: ConfigIds;
  private kept: { key: string; snapshot: Promise<BranchSnapshot> } | null = null;

  constructor(readonly history: ConfigHistory) {
    this.ids = new ConfigIds(history.dir);
  }

  at(head: string | null, cursor: string | null): Promise<BranchSnapshot> {
    if (!head) return Promise.resolve(NO_BRANCH);
    const key = `${head} ${cursor ?? '-'}`;
    if (this.kept?.key !== key) {
      const snapshot = this.read(head, cursor);
      this.kept = { key, snapshot };
      // Neither a failure nor a rewritten history is kept: git is asked again next time.
      snapshot.then(
        (s) => {
          if (s.unprocessed.rewritten && this.kept?.snapshot === snapshot) this.kept = null;
        },
        () => {
          if (this.kept?.snapshot === snapshot) this.kept = null;
        },
      );
    }
    return this.kept.snapshot;
  }

  private async read(head: string, cursor: string | null): Promise<BranchSnapshot> {
    const config = await this.ids.at(head);
    const [branchCommits, unprocessed] = await Promise.all([
      this.history.lastCommitsTouching(head, config.services),
      unprocessedCommits(this.history, cursor, head, config.services),
    ]);
    return { config, branchCommits, unprocessed };
  }
}

/** Per service, the newest branch commit touching it after the log's cursor. */
async function unprocessedCommits(
  history: ConfigHistory,
  cursor: string | null,
  head: string,
  services: readonly string[],
): Promise<Unprocessed> {
  if (cursor === head) return NOTHING_UNPROCESSED;
  if (!cursor) return { ...NOTHING_UNPROCESSED, all: true };
  // A cursor git cannot find is no ancestor either: the branch was rewritten under it.
  if (!(await history.isAncestor(cursor, head).catch(() => false))) {
    return { ...NOTHING_UNPROCESSED, rewritten: true };
  }
  const newest = new Map<string, string>();
  for (const c of await history.commitsBetween(cursor, head)) {
    for (const service of servicesTouched(c.files, services)) newest.set(service, c.sha);
  }
  return { rewritten: false, all: false, newest };
}
