/**
 * Who pushed each recent commit, from signed push webhooks, so an approval can refuse whoever
 * pushed the deployment's commit (as it refuses its author). Bounded, in memory: a commit whose
 * push was not seen by this process has no known pusher.
 */
export class RecentPushers {
  private readonly by = new Map<string, string>();

  constructor(private readonly limit = 10_000) {}

  add(commits: readonly string[], pusher: string | null): void {
    if (!pusher) return;
    for (const sha of commits) {
      this.by.delete(sha);
      this.by.set(sha, pusher);
      if (this.by.size > this.limit) this.by.delete(this.by.keys().next().value!);
    }
  }

  of(sha: string | null): string | null {
    return sha ? (this.by.get(sha) ?? null) : null;
  }
}
