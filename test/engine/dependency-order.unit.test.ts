/** The pure ordering rules of depends_on (src/engine/dependency-order.ts). */
import { describe, expect, it } from 'vitest';
import {
  commitOrder,
  cycles,
  dependencyProblems,
  dependentsToUnwind,
  deployWaves,
  orderWaves,
  stopsDependents,
  unwindWaves,
  type DependencyNode,
} from '../../src/engine/dependency-order.js';

const at = (service: string, column: number) => ({ file: `services/${service}/deploy.hcl`, line: 1, column });
const node = (service: string, ...deps: string[]): DependencyNode => ({
  service,
  dependsOn: deps.map((d, i) => ({ name: d, service: d, location: at(service, 16 + i * 6) })),
});

describe('dependency order', () => {
  it('deploys in waves, dependencies first, unwinds in the reverse', () => {
    const graph: Record<string, string[]> = { web: ['api'], api: ['db'], worker: ['db'], db: [], cache: [] };
    const deps = (s: string) => graph[s] ?? [];
    expect(deployWaves(Object.keys(graph), deps)).toEqual([['cache', 'db'], ['api', 'worker'], ['web']]);
    expect(unwindWaves(Object.keys(graph), deps)).toEqual([['web'], ['api', 'worker'], ['cache', 'db']]);
    // Only the services given count: web's dependency api is not changing, so web waits for nothing.
    expect(deployWaves(['web', 'db'], deps)).toEqual([['db', 'web']]);
  });

  it('finds each cycle once and reports it at every edge, and unknown services with a suggestion', () => {
    const nodes = [node('a', 'b'), node('b', 'c'), node('c', 'a'), node('d', 'd2', 'dbb'), node('db')];
    expect(cycles(nodes)).toEqual([['a', 'b', 'c']]);
    const problems = dependencyProblems(nodes, new Set(['a', 'b', 'c', 'd', 'db']));
    expect(problems.map((p) => `${p.file}:${p.column} ${p.code} ${p.message}`)).toEqual([
      'services/d/deploy.hcl:16 E_UNKNOWN_DEPENDENCY depends_on: no service "d2" in this repository (no services/d2/deploy.hcl); did you mean "d"?',
      'services/d/deploy.hcl:22 E_UNKNOWN_DEPENDENCY depends_on: no service "dbb" in this repository (no services/dbb/deploy.hcl); did you mean "db"?',
      'services/a/deploy.hcl:16 E_DEPENDENCY_CYCLE depends_on makes a cycle: a → b → c → a',
      'services/b/deploy.hcl:16 E_DEPENDENCY_CYCLE depends_on makes a cycle: a → b → c → a',
      'services/c/deploy.hcl:16 E_DEPENDENCY_CYCLE depends_on makes a cycle: a → b → c → a',
    ]);
  });

  it('orders a commit: deploys after their dependencies, unwinds after their dependents’ unwinds', () => {
    const jobs = [
      { service: 'web', dependsOn: ['api'], unwinds: false },
      { service: 'api', dependsOn: ['db'], unwinds: false },
      { service: 'db', dependsOn: [], unwinds: false },
    ];
    expect(commitOrder(jobs).map((o) => [jobs[o.index]!.service, o.after])).toEqual([
      ['db', []],
      ['api', ['db']],
      ['web', ['api']],
    ]);
    const reverted = jobs.map((j) => ({ ...j, unwinds: true }));
    expect(commitOrder(reverted).map((o) => [reverted[o.index]!.service, o.after])).toEqual([
      ['web', []],
      ['api', ['web']],
      ['db', ['api']],
    ]);
    // A deploy on top of an unwinding dependency waits for it; the unwind waits for no deploy.
    const mixed = [
      { service: 'api', dependsOn: ['db'], unwinds: false },
      { service: 'db', dependsOn: [], unwinds: true },
    ];
    expect(commitOrder(mixed).map((o) => [mixed[o.index]!.service, o.after])).toEqual([
      ['db', []],
      ['api', ['db']],
    ]);
    expect(
      orderWaves([{ service: 'db' }, { service: 'api', after: ['db'] }, { service: 'x', after: ['other'] }]),
    ).toEqual([['db', 'x'], ['api']]);
  });

  it('stops dependents on a failure, not on a success or a supersede skip', () => {
    const end = (status: string, code: string | null = null) => ({
      status,
      deployId: null,
      error: code ? { code } : null,
    });
    expect(
      ['failed', 'rejected', 'unwind-failed', 'unwind-blocked', 'interrupted'].map((s) =>
        stopsDependents(end(s)),
      ),
    ).toEqual([true, true, true, true, true]);
    expect(stopsDependents(end('skipped', 'E_DEPENDENCY_FAILED'))).toBe(true);
    expect(['succeeded', 'unwound', 'noop', 'skipped'].map((s) => stopsDependents(end(s)))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('finds the current dependents deployed after a service, dependents of dependents first', () => {
    const cur = (service: string, time: string, dependencies: Record<string, string | null>) => ({
      service,
      deployId: `${service}-1`,
      startedTime: time,
      dependencies,
    });
    const currents = [
      cur('db', '2026-01-01T00:00:02Z', {}),
      cur('api', '2026-01-01T00:00:03Z', { db: 'db-1' }),
      cur('web', '2026-01-01T00:00:04Z', { api: 'api-1' }),
      // Deployed before db's current, on an older db: not pulled down with it.
      cur('old', '2026-01-01T00:00:01Z', { db: 'db-0' }),
      cur('cache', '2026-01-01T00:00:05Z', {}),
    ];
    expect(dependentsToUnwind('db', currents)).toEqual(['web', 'api']);
    expect(dependentsToUnwind('web', currents)).toEqual([]);
    expect(dependentsToUnwind('nothing', currents)).toEqual([]);
  });
});
