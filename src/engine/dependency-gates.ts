/**
 * `depends_on` at run time: before a batch's jobs are queued, a commit whose services name an
 * unknown service or make a cycle is rejected for those services; then each job is handed to its
 * stream only once the jobs it waits for (`commitOrder` in dependency-order.ts) have ended, and is
 * logged as `dependency-skipped` instead when one of them did not get through. The rules are in
 * dependency-order.ts; this is the part that waits and reads.
 */
import { listServices } from '../config/load.js';
import { deployPath } from '../config/paths.js';
import type { ServiceSpec } from '../config/types.js';
import type { ConfigHistory } from '../git/config-history.js';
import type { StateLog } from '../state/types.js';
import { ConfigError, type Diagnostic } from '../util/errors.js';
import type { CommitJob } from './commit-job.js';
import { decideCommitFor } from './commit-decision.js';
import {
  commitOrder,
  dependencyProblems,
  stopsDependents,
  type DependencyNode,
  type EndedJob,
} from './dependency-order.js';
import type { JobOutcome } from './outcome.js';

export interface GateHost {
  readonly state: StateLog;
  readonly history: ConfigHistory;
  load(service: string, commit: string): Promise<{ spec: ServiceSpec }>;
}

/** What a dependency's end says to what waits for it, when it stops it. */
export function whyStopped(o: EndedJob | null): string | null {
  if (!o) return 'ended with an error';
  if (o.status === 'waiting-window') return 'waits for its schedule window';
  if (!stopsDependents(o)) return null;
  switch (o.status) {
    case 'failed':
      return 'failed';
    case 'rejected':
      return 'was rejected (its config does not load)';
    case 'unwind-failed':
      return 'failed to unwind';
    case 'unwind-blocked':
      return 'has an unwind that is blocked';
    case 'interrupted':
      return 'was interrupted';
    default:
      return 'was not started (a dependency of its own did not get through)';
  }
}

/**
 * Rejects the jobs whose `depends_on` names a service the commit does not have, or makes a cycle
 * (with the services it reaches, loaded at the same commit). Positions are in deploy.hcl.
 */
export async function rejectBadDependencies(host: GateHost, jobs: readonly CommitJob[]): Promise<void> {
  const byCommit = new Map<string, CommitJob[]>();
  for (const j of jobs)
    if (j.dependsOn.length > 0) byCommit.set(j.commitSha, [...(byCommit.get(j.commitSha) ?? []), j]);
  for (const [commit, withDeps] of byCommit) {
    const problems = await dependencyDiagnosticsAt(
      host.history.dir,
      commit,
      withDeps.map((j) => j.spec!),
      async (service) =>
        jobs.find((j) => j.service === service && j.commitSha === commit)?.spec ??
        (await host.load(service, commit)).spec,
    );
    for (const j of withDeps) {
      const own = problems.get(j.service);
      if (own) j.rejectWith(new ConfigError(own));
    }
  }
}

/**
 * The `depends_on` problems of `specs` at `commit`, per service: unknown services (every service
 * of the commit is known) and cycles, through the services they reach (loaded with `load`; one
 * whose config does not load has its own rejection, and no edges here).
 */
export async function dependencyDiagnosticsAt(
  repoDir: string,
  commit: string,
  specs: readonly ServiceSpec[],
  load: (service: string) => Promise<ServiceSpec | null>,
): Promise<Map<string, Diagnostic[]>> {
  const out = new Map<string, Diagnostic[]>();
  if (!specs.some((s) => s.dependsOn?.length)) return out;
  const known = new Set(await listServices(repoDir, commit));
  const nodes = new Map<string, DependencyNode>();
  const todo = [...specs];
  for (let spec = todo.pop(); spec; spec = todo.pop()) {
    if (nodes.has(spec.service)) continue;
    nodes.set(spec.service, { service: spec.service, dependsOn: spec.dependsOn ?? [] });
    for (const d of spec.dependsOn ?? []) {
      if (nodes.has(d.service) || !known.has(d.service)) continue;
      const loaded = await load(d.service).catch(() => null);
      if (loaded) todo.push(loaded);
    }
  }
  for (const d of dependencyProblems([...nodes.values()], known)) {
    const service = specs.find((s) => deployPath(s.service) === d.file)?.service;
    if (service) out.set(service, [...(out.get(service) ?? []), d]);
  }
  return out;
}

/** The jobs of one commit in queue order, each with the services it waits for. */
export async function orderCommitJobs(
  host: GateHost,
  jobs: readonly CommitJob[],
): Promise<Array<{ job: CommitJob; after: string[] }>> {
  const related = jobs.some((j) => j.dependsOn.some((d) => jobs.some((o) => o.service === d)));
  // Whether a job unwinds is decided when its turn comes; asked now only to orient the waits.
  const unwinds = related
    ? await Promise.all(
        jobs.map(
          async (j) =>
            (await decideCommitFor(host.state, host.history, j.service, j.commit)).kind === 'unwind',
        ),
      )
    : jobs.map(() => false);
  return commitOrder(
    jobs.map((j, i) => ({ service: j.service, dependsOn: j.dependsOn, unwinds: unwinds[i]! })),
  ).map((o) => ({ job: jobs[o.index]!, after: o.after }));
}

interface Tracked {
  outcome: Promise<JobOutcome>;
  settled: boolean;
  batch: number;
}

/** The newest commit job of each service, and the waits in front of each job. */
export class DependencyGates {
  private readonly latest = new Map<string, Tracked>();
  /** Per service: its previous job has been handed to the stream (jobs of a service keep their order). */
  private readonly handed = new Map<string, { done: boolean; promise: Promise<void> }>();
  private batches = 0;

  /** `stopping`: Orbit was asked to stop; what waits is then dropped with the rest, not skipped. */
  constructor(private readonly stopping: () => boolean = () => false) {}

  newBatch(): number {
    return ++this.batches;
  }

  /**
   * Hands `job` to its stream (`enqueue`) once the newest jobs of the services in `after` have
   * ended (those of this batch, and those of earlier batches still under way); skips it when one
   * of them did not get through.
   */
  schedule(
    job: CommitJob,
    after: readonly string[],
    batch: number,
    enqueue: () => Promise<JobOutcome>,
  ): Promise<JobOutcome> {
    const waits = after.flatMap((service) => {
      const t = this.latest.get(service);
      return t && (t.batch === batch || !t.settled) ? [{ service, outcome: t.outcome }] : [];
    });
    const previous = this.handed.get(job.service);
    let outcome: Promise<JobOutcome>;
    if (waits.length === 0 && (!previous || previous.done)) {
      outcome = enqueue();
    } else {
      const mark = { done: false, promise: Promise.resolve() };
      let handedNow!: () => void;
      mark.promise = new Promise<void>((resolve) => (handedNow = resolve)).then(() => {
        mark.done = true;
      });
      this.handed.set(job.service, mark);
      outcome = (async () => {
        try {
          await previous?.promise;
          for (const w of waits) {
            const ended = await w.outcome.catch(() => null);
            const why = whyStopped(ended);
            // Stopping: the job is handed on (and dropped, so its commit is read again on restart).
            if (why && !this.stopping())
              return await job.skipForDependency({
                service: w.service,
                deployId: ended?.deployId ?? null,
                why,
              });
          }
          const queued = enqueue();
          handedNow();
          return await queued;
        } finally {
          handedNow();
        }
      })();
    }
    const tracked: Tracked = { outcome, settled: false, batch };
    const settle = () => {
      tracked.settled = true;
    };
    outcome.then(settle, settle);
    this.latest.set(job.service, tracked);
    return outcome;
  }
}
