/**
 * The ordering rules of `depends_on`, as plain data and without I/O: which names are unknown or
 * make a cycle (validate, and the engine before it deploys), the waves a set of services deploys
 * in (dependencies first; a wave's services run in parallel), what each job of one commit waits
 * for (a deploy waits for its dependencies, an unwind for its dependents' unwinds), which outcome
 * of a job stops what waits for it, and the order `--with-dependents` unwinds in. The engine,
 * `orbit preview` and `orbit unwind` all use this module.
 */
import type { DependencySpec } from '../config/types.js';
import { suggestion } from '../util/did-you-mean.js';
import type { Diagnostic } from '../util/errors.js';

/** A service and what its deploy.hcl says it depends on. */
export interface DependencyNode {
  service: string;
  dependsOn: readonly DependencySpec[];
}

/**
 * Unknown services in `depends_on` and cycles, at the position of the name in deploy.hcl. `known`
 * is every service of the repository at that commit (a dependency need not change to be known).
 */
export function dependencyProblems(
  nodes: readonly DependencyNode[],
  known: ReadonlySet<string>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const n of nodes) {
    for (const d of n.dependsOn) {
      if (known.has(d.service)) continue;
      const hint = suggestion(d.service, known);
      out.push({
        ...d.location,
        code: 'E_UNKNOWN_DEPENDENCY',
        message: `depends_on: no service "${d.service}" in this repository (no services/${d.service}/deploy.hcl)${hint}`,
      });
    }
  }
  for (const cycle of cycles(nodes)) {
    const path = [...cycle, cycle[0]!].join(' → ');
    // Reported at every edge of the cycle: each of those files has to change to break it.
    cycle.forEach((service, i) => {
      const next = cycle[(i + 1) % cycle.length]!;
      const edge = nodes.find((n) => n.service === service)!.dependsOn.find((d) => d.service === next)!;
      out.push({
        ...edge.location,
        code: 'E_DEPENDENCY_CYCLE',
        message: `depends_on makes a cycle: ${path}`,
      });
    });
  }
  return out;
}

/** Each cycle once, as the services along it, starting from its smallest name. */
export function cycles(nodes: readonly DependencyNode[]): string[][] {
  const edges = new Map(nodes.map((n) => [n.service, n.dependsOn.map((d) => d.service)]));
  const found = new Map<string, string[]>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (s: string): void => {
    state.set(s, 'open');
    stack.push(s);
    for (const t of edges.get(s) ?? []) {
      if (state.get(t) === 'open') {
        const cycle = stack.slice(stack.indexOf(t));
        const start = cycle.indexOf([...cycle].sort()[0]!);
        const norm = [...cycle.slice(start), ...cycle.slice(0, start)];
        found.set(norm.join('\0'), norm);
      } else if (!state.has(t) && edges.has(t)) visit(t);
    }
    stack.pop();
    state.set(s, 'done');
  };
  for (const n of [...nodes].sort((a, b) => a.service.localeCompare(b.service)))
    if (!state.has(n.service)) visit(n.service);
  return [...found.values()];
}

/**
 * The waves `services` deploy in: each wave's services depend (directly) only on services of
 * earlier waves or on services outside the set; those of one wave run in parallel. Names are
 * sorted within a wave. Services caught in a cycle come last, as one wave (validate rejects them).
 */
export function deployWaves(
  services: readonly string[],
  dependsOn: (service: string) => readonly string[],
): string[][] {
  const members = new Set(services);
  const waiting = new Map(services.map((s) => [s, dependsOn(s).filter((d) => members.has(d) && d !== s)]));
  const placed = new Set<string>();
  const waves: string[][] = [];
  while (waiting.size > 0) {
    const ready = [...waiting].filter(([, deps]) => deps.every((d) => placed.has(d))).map(([s]) => s);
    const wave = (ready.length > 0 ? ready : [...waiting.keys()]).sort();
    for (const s of wave) {
      waiting.delete(s);
      placed.add(s);
    }
    waves.push(wave);
  }
  return waves;
}

/** The reverse: dependents first. */
export function unwindWaves(
  services: readonly string[],
  dependsOn: (service: string) => readonly string[],
): string[][] {
  return deployWaves(services, dependsOn).reverse();
}

/** One job of a commit, as the ordering sees it. */
export interface OrderJob {
  service: string;
  dependsOn: readonly string[];
  /** The commit undoes the service's current deployment (as far as is known when it is queued). */
  unwinds: boolean;
}

/** When a job is handed to its stream: after the jobs of `after` (services) have ended. */
export interface OrderedJob {
  /** Index into the jobs given. */
  index: number;
  after: string[];
}

/**
 * The jobs of one commit in the order they are queued, each with what it waits for. A deploy
 * waits for every service it depends on (the newest job of that service, whatever it does); an
 * unwind waits for the unwinds of this commit's services that depend on it, so a revert of a
 * commit that deployed several services unwinds the dependents first. Unwinds never wait for a
 * deploy, so the waits cannot make a cycle.
 */
export function commitOrder(jobs: readonly OrderJob[]): OrderedJob[] {
  const after = jobs.map((j) =>
    j.unwinds
      ? jobs.filter((o) => o.unwinds && o.dependsOn.includes(j.service)).map((o) => o.service)
      : j.dependsOn.filter((d) => d !== j.service),
  );
  const inCommit = new Set(jobs.map((j) => j.service));
  const order: OrderedJob[] = [];
  const queued = new Set<number>();
  const done = new Set<string>();
  while (queued.size < jobs.length) {
    let progressed = false;
    jobs.forEach((j, i) => {
      if (queued.has(i)) return;
      if (!after[i]!.every((s) => done.has(s) || !inCommit.has(s))) return;
      order.push({ index: i, after: after[i]! });
      queued.add(i);
      progressed = true;
    });
    for (const o of order) done.add(jobs[o.index]!.service);
    // A cycle (rejected before this): the rest in the order given, waiting for nothing in the commit.
    if (!progressed)
      jobs.forEach((j, i) => {
        if (queued.has(i)) return;
        order.push({ index: i, after: after[i]!.filter((s) => !inCommit.has(s)) });
        queued.add(i);
      });
  }
  return order;
}

/** How a job that others wait for ended, as far as they are concerned. */
export interface EndedJob {
  status: string;
  deployId: string | null;
  error: { code: string } | null;
}

/**
 * Whether what waits for this job is not started: the job failed, was rejected, its unwind did
 * not finish, Orbit stopped in it, or it was itself skipped for a dependency.
 */
export function stopsDependents(j: EndedJob): boolean {
  if (j.status === 'skipped') return j.error?.code === 'E_DEPENDENCY_FAILED';
  return ['failed', 'rejected', 'unwind-failed', 'unwind-blocked', 'interrupted'].includes(j.status);
}

/** A current deployment and what it recorded about its dependencies. */
export interface CurrentOf {
  service: string;
  deployId: string;
  startedTime: string;
  /** `dependencies` of its deploy-started: dependency service to the deployment it read. */
  dependencies: Readonly<Record<string, string | null>>;
}

/**
 * The current deployments that depend on `service`, directly or through others, and were
 * deployed after its current one: what `orbit unwind service` would pull the ground from under.
 * In unwind order: dependents of dependents first.
 */
export function dependentsToUnwind(service: string, currents: readonly CurrentOf[]): string[] {
  const byService = new Map(currents.map((c) => [c.service, c]));
  const base = byService.get(service);
  if (!base) return [];
  const after = (c: CurrentOf, of: CurrentOf) =>
    Object.hasOwn(c.dependencies, of.service) &&
    (c.dependencies[of.service] === of.deployId || c.startedTime >= of.startedTime);
  const found = new Set<string>();
  const grow = (of: CurrentOf): void => {
    for (const c of currents) {
      if (c.service === service || found.has(c.service) || !after(c, of)) continue;
      found.add(c.service);
      grow(c);
    }
  };
  grow(base);
  const deps = (s: string) => Object.keys(byService.get(s)?.dependencies ?? {});
  return unwindWaves([...found], deps).flat();
}

/**
 * The waves of ordered jobs (as `commitOrder` gives them): a job runs in the wave after the
 * latest of those it waits for in the same list. For showing the order: `db`, then `api, worker`.
 */
export function orderWaves(jobs: ReadonlyArray<{ service: string; after?: readonly string[] }>): string[][] {
  const wave = new Map<string, number>();
  for (const j of jobs) {
    const before = (j.after ?? []).map((s) => wave.get(s)).filter((w): w is number => w !== undefined);
    wave.set(j.service, before.length > 0 ? Math.max(...before) + 1 : 0);
  }
  const waves: string[][] = [];
  for (const [service, w] of wave) (waves[w] ??= []).push(service);
  return waves.filter(Boolean).map((w) => w.sort());
}
