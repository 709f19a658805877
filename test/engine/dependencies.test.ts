/**
 * `depends_on` across services, proven by trace files the steps append to: dependencies deploy
 * first, independent services overlap (a barrier that only passes when both run at once),
 * dependents of a failed dependency are not started and are recorded as skipped, a revert unwinds
 * the dependents first, `orbit unwind db` refuses while a dependent built on it runs, and the log
 * stays exact with 20 services in a graph.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { openStateLog } from '../../src/state/index.js';
import { applyEntry, emptyService } from '../../src/state/projection.js';
import type { DeploymentRecord, LogEntry, ServiceView } from '../../src/state/types.js';
import { ConfigRepo, Trace } from '../support/config-repo.js';

let repo: ConfigRepo | undefined;
let engine: Engine | undefined;

afterEach(async () => {
  await engine?.close();
  engine = undefined;
  repo?.remove();
  repo = undefined;
});

interface ServiceOpts {
  dependsOn?: string[];
  /** The `go` step fails at this version. */
  failAt?: string;
  /** Lines of extra shell run first in the `go` step (a barrier). */
  before?: string;
  /** More HCL for the `go` step's forward, appended to the trace line (e.g. a dependency value). */
  extra?: string;
}

/**
 * Two steps, `prep` and `go`, each tracing `+<service>.<step>:<version>` forward and
 * `-<service>.<step>:<version>` in reverse.
 */
function service(trace: Trace, name: string, opts: ServiceOpts = {}): string {
  const step = (s: string, pre = '', extra = '') => {
    const guard = s === 'go' && opts.failAt ? `test \\"$V\\" != \\"${opts.failAt}\\" && ` : '';
    return `step {
  name    = "${s}"
  agent   = "exec"
  forward = ["sh", "-c", "${pre}${guard}echo +${name}.${s}:$V${extra} >> $TRACE"]
  reverse = ["sh", "-c", "echo -${name}.${s}:$V >> $TRACE"]
  env     = { TRACE = "${trace.file}", V = var.version }
  timeout = "20s"
}`;
  };
  const deps = opts.dependsOn?.length
    ? `depends_on = [${opts.dependsOn.map((d) => `"${d}"`).join(', ')}]\n\n`
    : '';
  return `${deps}variable "version" {}\n\n${step('prep')}\n\n${step('go', opts.before ?? '', opts.extra ?? '')}\n`;
}

const files = (trace: Trace, version: string, specs: Record<string, ServiceOpts>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(specs).flatMap(([name, o]) => [
      [`services/${name}/deploy.hcl`, service(trace, name, o)],
      [`services/${name}/values.hcl`, `version = "${version}"\n`],
    ]),
  );

/** Index of the first and last trace line of a service. */
function span(lines: string[], name: string): { first: number; last: number } {
  const at = lines.map((l, i) => (l.slice(1).startsWith(`${name}.`) ? i : -1)).filter((i) => i >= 0);
  return { first: Math.min(...at), last: Math.max(...at) };
}

/**
 * A barrier two steps pass only together: each writes its own file, then waits (up to the step's
 * timeout) for the other's. Run one after the other, the first would time out and fail.
 */
function barrier(dir: string, me: string, other: string): string {
  return `touch ${dir}/${me}; while [ ! -e ${dir}/${other} ]; do sleep 0.02; done; `;
}

describe('depends_on', () => {
  it('deploys dependencies first and independent services side by side', async () => {
    repo = new ConfigRepo();
    const trace = new Trace();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orbit-barrier-'));
    // db ← api ← web, db ← worker; api and worker meet at a barrier; cache depends on nothing.
    const graph = (v: string): Record<string, ServiceOpts> => ({
      db: {},
      api: { dependsOn: ['db'], before: barrier(dir, `api${v}`, `worker${v}`) },
      worker: { dependsOn: ['db'], before: barrier(dir, `worker${v}`, `api${v}`) },
      web: { dependsOn: ['api'] },
      cache: {},
    });
    repo.commit(files(trace, '1', graph('1')));
    engine = await openEngine({ repoDir: repo.dir, env: {}, maxParallel: 4 });
    // First run (every service at once), then one commit that changes all of them.
    for (const v of ['1', '2']) {
      if (v === '2') repo.commit(files(trace, '2', graph('2')));
      const report = await engine.reconcile();
      expect(report.outcomes.map((o) => `${o.service}:${o.status}`).sort()).toEqual(
        ['api', 'cache', 'db', 'web', 'worker'].map((s) => `${s}:succeeded`),
      );
      const lines = trace.next();
      const [db, api, worker, web] = ['db', 'api', 'worker', 'web'].map((s) => span(lines, s));
      // Every action of a dependency comes before any action of what depends on it.
      expect(db!.last).toBeLessThan(api!.first);
      expect(db!.last).toBeLessThan(worker!.first);
      expect(api!.last).toBeLessThan(web!.first);
      expect(lines.filter((l) => l.startsWith('+api.go') || l.startsWith('+worker.go')).sort()).toEqual([
        `+api.go:${v}`,
        `+worker.go:${v}`,
      ]);
    }
    const web = await engine.state.deployment('web-2');
    // The deployment records which current deployment of each dependency it was built on.
    expect(web?.dependencies).toEqual({ api: 'api-2' });
  });

  it('does not start the dependents of a failed dependency: skipped, out of sync, not failed', async () => {
    repo = new ConfigRepo();
    const trace = new Trace();
    const graph: Record<string, ServiceOpts> = {
      db: { failAt: '2' },
      api: { dependsOn: ['db'] },
      web: { dependsOn: ['api'] },
      cache: {},
    };
    repo.commit(files(trace, '1', graph));
    engine = await openEngine({ repoDir: repo.dir, env: {} });
    await engine.reconcile();
    trace.next();
    repo.commit(files(trace, '2', graph));
    const report = await engine.reconcile();
    const by = Object.fromEntries(report.outcomes.map((o) => [o.service, o]));
    expect(by.db?.status).toBe('failed');
    expect(by.cache?.status).toBe('succeeded');
    expect(by.api).toMatchObject({ status: 'skipped', error: { code: 'E_DEPENDENCY_FAILED' } });
    expect(by.web).toMatchObject({ status: 'skipped', error: { code: 'E_DEPENDENCY_FAILED' } });
    // Nothing of api or web ran for version 2.
    const lines = trace.next();
    expect(lines.filter((l) => /^[+-](api|web)\./.test(l))).toEqual([]);
    expect(lines).toContain('+cache.go:2');

    const entries: LogEntry[] = [];
    for await (const { entry } of engine.state.history()) entries.unshift(entry);
    const skips = entries.filter((e) => e.kind === 'dependency-skipped');
    expect(skips.map((e) => [e.service_id, e.skipped_for])).toEqual([
      ['api', { service: 'db', deploy_id: 'db-2' }],
      ['web', { service: 'api', deploy_id: by.api!.deployId }],
    ]);
    expect(skips[0]!.reason).toBe('dependency db failed');

    const status = Object.fromEntries((await engine.status()).map((s) => [s.service, s]));
    expect(status.api).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: { code: 'dependency-skipped' },
      health: 'healthy',
    });
    expect(status.api?.sync_reason?.message).toContain('db failed');
    expect(status.web).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: { code: 'dependency-skipped' },
      health: 'healthy',
    });
    expect(status.db).toMatchObject({ sync: 'out-of-sync', health: 'failed' });
    // What runs is still version 1: the skipped ones are no deployment in effect.
    expect((await engine.state.service('api'))?.current).toBe('api-1');
  });

  it('a revert of a commit that deployed several services unwinds the dependents first', async () => {
    repo = new ConfigRepo();
    const trace = new Trace();
    const graph: Record<string, ServiceOpts> = {
      db: {},
      api: { dependsOn: ['db'] },
      web: { dependsOn: ['api'] },
    };
    repo.commit(files(trace, '1', graph));
    engine = await openEngine({ repoDir: repo.dir, env: {} });
    await engine.reconcile();
    const change = repo.commit(files(trace, '2', graph));
    await engine.reconcile();
    trace.next();
    repo.revert(change);
    const report = await engine.reconcile();
    expect(report.outcomes.map((o) => `${o.service}:${o.status}`).sort()).toEqual([
      'api:unwound',
      'db:unwound',
      'web:unwound',
    ]);
    // web's reverses, then api's, then db's: each newest step first.
    expect(trace.next()).toEqual([
      '-web.go:2',
      '-web.prep:2',
      '-api.go:2',
      '-api.prep:2',
      '-db.go:2',
      '-db.prep:2',
    ]);
  });

  it('orbit unwind db refuses while a dependent built on it runs; --with-dependents unwinds them first', async () => {
    repo = new ConfigRepo();
    const trace = new Trace();
    const graph: Record<string, ServiceOpts> = {
      db: {},
      api: { dependsOn: ['db'] },
      web: { dependsOn: ['api'] },
      cache: {},
    };
    repo.commit(files(trace, '1', graph));
    engine = await openEngine({ repoDir: repo.dir, env: {} });
    await engine.reconcile();
    trace.next();
    await expect(engine.unwind('db', 'ann')).rejects.toMatchObject({
      code: 'E_HAS_DEPENDENTS',
      data: { dependents: ['web', 'api'] },
    });
    expect(trace.next()).toEqual([]);
    const d = await engine.unwind('db', 'ann', { withDependents: true });
    expect(d).toMatchObject({ deploy_id: 'db-1', status: 'unwound' });
    expect(trace.next()).toEqual([
      '-web.go:1',
      '-web.prep:1',
      '-api.go:1',
      '-api.prep:1',
      '-db.go:1',
      '-db.prep:1',
    ]);
    expect((await engine.state.service('cache'))?.current).toBe('cache-1');
    // With its dependents unwound, a dependent's own unwind needs no flag.
    await engine.redeploy('db', 'ann');
    await engine.redeploy('api', 'ann');
    expect((await engine.unwind('api', 'ann')).status).toBe('unwound');
  });

  it('a deployment reads values and outputs of the current deployment of a dependency, secrets stay secret', async () => {
    repo = new ConfigRepo();
    const trace = new Trace();
    const db = `variable "schema_version" {}
variable "password" { sensitive = true }

step {
  name    = "migrate"
  agent   = "exec"
  forward = ["sh", "-c", "echo url=db.internal:5432 >> $ORBIT_OUTPUT; echo +db:$V >> $TRACE"]
  env     = { TRACE = "${trace.file}", V = var.schema_version }
}
`;
    const api = `depends_on = ["db"]

variable "version" {}

step {
  name    = "release"
  agent   = "exec"
  forward = ["sh", "-c", "echo +api:$V:$SCHEMA:$URL:$PW >> $TRACE"]
  reverse = ["sh", "-c", "echo -api:$SCHEMA:$PW >> $TRACE"]
  env = {
    TRACE  = "${trace.file}"
    V      = var.version
    SCHEMA = dependency.db.var.schema_version
    URL    = dependency.db.step.migrate.output.url
    PW     = dependency.db.var.password
  }
}
`;
    repo.commit({
      'services/db/deploy.hcl': db,
      'services/db/values.hcl': 'schema_version = "42"\n',
      'services/api/deploy.hcl': api,
      'services/api/values.hcl': 'version = "1"\n',
    });
    const env = { ORBIT_VAR_password: 's3cret-pw' };
    engine = await openEngine({ repoDir: repo.dir, env });
    const report = await engine.reconcile();
    expect(report.outcomes.map((o) => [o.service, o.status, o.error])).toEqual([
      ['db', 'succeeded', null],
      ['api', 'succeeded', null],
    ]);
    expect(trace.next()).toEqual(['+db:42', '+api:1:42:db.internal:5432:s3cret-pw']);
    const rec = (await engine.state.deployment('api-1'))!;
    expect(rec.dependencies).toEqual({ db: 'db-1' });
    // The secret is not in the log: the recorded reverse holds its marker, under the dependency's name.
    expect(JSON.stringify(rec)).not.toContain('s3cret-pw');
    expect(rec.steps[0]!.reverse_action!.env.PW).toBe('(sensitive:dependency_db_password)');
    const all: string[] = [];
    for await (const { entry } of engine.state.history()) all.push(JSON.stringify(entry));
    expect(all.join('\n')).not.toContain('s3cret-pw');
    // The unwind replays the recorded reverse exactly, the secret put back from the dependency's config.
    await engine.unwind('api', 'ann');
    expect(trace.next()).toEqual(['-api:42:s3cret-pw']);
  });
});

describe('20 services in a dependency graph', () => {
  it('deploys in dependency order and the log projects exactly to what a fresh read says', async () => {
    repo = new ConfigRepo();
    const trace = new Trace();
    // s0 is the root; each s<i> depends on s<(i-1)/2> (a tree), and every fifth also on s1.
    const graph: Record<string, ServiceOpts> = {};
    for (let i = 0; i < 20; i++) {
      const deps = i === 0 ? [] : [`s${Math.floor((i - 1) / 2)}`];
      if (i > 2 && i % 5 === 0 && !deps.includes('s1')) deps.push('s1');
      graph[`s${i}`] = { dependsOn: deps, ...(i === 3 ? { failAt: '2' } : {}) };
    }
    repo.commit(files(trace, '1', graph));
    const seen: LogEntry[] = [];
    engine = await openEngine({ repoDir: repo.dir, env: {}, maxParallel: 4, observe: (e) => seen.push(e) });
    await engine.reconcile();
    repo.commit(files(trace, '2', graph));
    const report = await engine.reconcile();

    // s3 fails at version 2: s7 and s8 (its children) and theirs (s15..s18) are skipped.
    const skipped = report.outcomes.filter((o) => o.status === 'skipped').map((o) => o.service);
    expect(skipped.sort()).toEqual(['s15', 's16', 's17', 's18', 's7', 's8'].sort());
    expect(report.outcomes.filter((o) => o.status === 'succeeded')).toHaveLength(13);

    const lines = trace.lines();
    const second = lines.slice(lines.findIndex((l) => l.endsWith(':2')));
    for (const [name, o] of Object.entries(graph)) {
      if (!second.some((l) => l.slice(1).startsWith(`${name}.`))) continue;
      for (const dep of o.dependsOn ?? []) {
        expect(span(second, dep).last, `${dep} before ${name}`).toBeLessThan(span(second, name).first);
      }
    }

    // The projection, replayed from the entries alone, is what the state branch holds.
    const services = new Map<string, ServiceView>();
    const records = new Map<string, DeploymentRecord>();
    const entries: LogEntry[] = [];
    for await (const { entry } of engine.state.history()) entries.unshift(entry);
    expect(entries.map((e) => e.kind)).toEqual(seen.map((e) => e.kind));
    for (const e of entries) {
      const changes = applyEntry(
        {
          service: (s) => services.get(s),
          deployment: (d) => records.get(d),
          stepLog: () => '',
        },
        e,
      );
      for (const v of changes.services) services.set(v.service_id, v);
      for (const r of changes.deployments) records.set(r.deploy_id, r);
    }
    await engine.close();
    engine = undefined;
    const fresh = await openStateLog({ dir: repo.dir, readOnly: true });
    try {
      for (const name of Object.keys(graph)) {
        expect(await fresh.service(name)).toEqual(services.get(name) ?? emptyService(name));
      }
      for (const [id, r] of records) {
        const { last_entry: _ignored, ...stored } = (await fresh.deployment(id))!;
        expect(stored, id).toEqual(r);
      }
    } finally {
      await fresh.close();
    }
  });
});
