/**
 * Status for a process that is asked often (the daemon: its API, sync, self-heal). Each service's
 * facts are kept with the branch snapshot and the log version they were read at; a later ask
 * reads again only the services the log changed since (the projection in memory says which), or
 * all of them when the branch head, the cursor or the writer changed. Each answer is kept with
 * what it was judged by and judged again only when that changed, so an unchanged service answers
 * the same object (its JSON can be kept too). A log that cannot say what changed (a `StateLog`
 * read from git) is read whole every time.
 */
import type { AckWaiter } from '../../agents/ack-broker.js';
import { statusOf, type ServiceStatus } from '../status.js';
import type { BranchFacts, BranchSnapshot } from './branch-facts.js';
import {
  baseFacts,
  readContext,
  serviceNames,
  waitingAckOf,
  withLive,
  type BaseFacts,
  type FactsSource,
  type LiveFacts,
} from './facts.js';

interface Kept {
  branch: BranchSnapshot;
  head: string | null;
  writer: boolean;
  version: number;
  names: string[];
  base: Map<string, BaseFacts>;
}

interface Answer {
  base: BaseFacts;
  queued: number;
  ack: AckWaiter | null;
  /** An approval adds to the waiter it was given for. */
  approvals: number;
  status: ServiceStatus;
}

export class StatusBoard {
  private kept: Kept | null = null;
  private readonly answers = new Map<string, Answer>();

  constructor(private readonly facts: BranchFacts) {}

  async statuses(source: FactsSource, head: string | null, live: LiveFacts): Promise<ServiceStatus[]> {
    // Read first: whatever changes while the facts are read is read again next time.
    const version = source.version?.();
    const context = await readContext(source, this.facts, head);
    const k = this.kept;
    const changed =
      k &&
      version !== undefined &&
      k.branch === context.branch &&
      k.head === head &&
      k.writer === context.writer
        ? (source.changedSince?.(k.version) ?? null)
        : null;
    let names: string[];
    let base: Map<string, BaseFacts>;
    if (k && changed) {
      base = k.base;
      const again = [...changed].filter((s) => base.has(s) || context.views.has(s));
      // Only a service new to the log changes the list.
      names = again.some((s) => !base.has(s)) ? serviceNames(context) : k.names;
      for (const b of await baseFacts(source, this.facts, context, again)) base.set(b.service, b);
    } else {
      names = serviceNames(context);
      base = new Map((await baseFacts(source, this.facts, context, names)).map((b) => [b.service, b]));
    }
    if (version !== undefined)
      this.kept = { branch: context.branch, head, writer: context.writer, version, names, base };

    const now = live.now?.() ?? new Date();
    return names.map((service) => this.answer(base.get(service)!, live, now));
  }

  private answer(b: BaseFacts, live: LiveFacts, now: Date): ServiceStatus {
    const queued = live.queued(b.service);
    const ack = waitingAckOf(b, live);
    const approvals = ack?.approved.length ?? 0;
    const kept = this.answers.get(b.service);
    // A check's bake is judged against the clock: never kept.
    if (
      kept &&
      !b.inFlight?.checks &&
      kept.base === b &&
      kept.queued === queued &&
      kept.ack === ack &&
      kept.approvals === approvals
    )
      return kept.status;
    const status = statusOf(withLive(b, live, now));
    this.answers.set(b.service, { base: b, queued, ack, approvals, status });
    return status;
  }
}
