import { createHash } from 'node:crypto';
import { OrbitError } from '../util/errors.js';
import { BoundedCache } from './bounded-cache.js';
import { isSafeServiceName } from '../util/service-name.js';

/**
 * Where each view lives in a state commit's tree (format 3). Services are sharded by a hash of
 * their name (256 shards) and deployments twice by sequence (10,000s then 100s), so no tree object
 * grows with the number of services or with history: an append rewrites only small trees.
 * Logs written before format 3 keep services flat (`services/<service>/`): see services-layout.ts.
 */
export const ENTRY_FILE = 'entry.json';
export const CURSOR_FILE = 'cursor.json';
export const SERVICES_DIR = 'services';

/** `@` joins a service and its environment (`api@prod-3`); util/service-name.ts. */
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;

/** Service and deployment ids become path components: keep them boring. */
export function assertSafeId(kind: string, id: string): void {
  const bad =
    kind === 'service' ? !isSafeServiceName(id) : !SAFE.test(id) || id.includes('..') || id.length > 200;
  if (bad)
    throw new OrbitError('E_STATE_BAD_ENTRY', `invalid ${kind} id for the state log: ${JSON.stringify(id)}`, {
      kind,
      id,
    });
}

/**
 * `waffle-12` → `{ service: 'waffle', sequence: 12 }`; null for what is not a deployment id.
 * Service names may hold dashes: the sequence is after the last one.
 */
export function parseDeploymentId(deployId: string): { service: string; sequence: number } | null {
  const m = /^(.+)-(\d+)$/.exec(deployId);
  return m ? { service: m[1]!, sequence: Number(m[2]) } : null;
}

/** `waffle-12` → 12 (0 when the id has no sequence). */
export function sequenceOf(deployId: string): number {
  return parseDeploymentId(deployId)?.sequence ?? 0;
}

function range(n: number, size: number): string {
  const lo = Math.floor(n / size) * size;
  return `${lo}-${lo + size - 1}`;
}

/**
 * A status reads two paths or more per service: one hash each was 40 ms at 10,000 services. Names
 * come from requests too, so the memo is bounded.
 */
const shards = new BoundedCache<string>(10_000);

/**
 * `waffle` → `3c`: the first two hex digits of sha1(name), so that 10,000 services make shards of
 * about 40, whatever their names look like (`svc-0001`…). In a shell:
 * `printf %s waffle | sha1sum | cut -c1-2`.
 */
export function serviceShard(serviceId: string): string {
  let shard = shards.get(serviceId);
  if (shard === undefined) {
    shard = createHash('sha1').update(serviceId).digest('hex').slice(0, 2);
    shards.set(serviceId, shard);
  }
  return shard;
}

/** `['services', '<shard>', '<service>']`. */
export function serviceDir(serviceId: string): string[] {
  return [SERVICES_DIR, serviceShard(serviceId), serviceId];
}

export function servicePath(serviceId: string): string[] {
  return [...serviceDir(serviceId), 'current.json'];
}

/** Derived from the id alone (`<service>-<sequence>`), so a reader needs nothing but the id. */
export function deploymentDir(deployId: string): string[] {
  const seq = sequenceOf(deployId);
  return [
    ...serviceDir(parseDeploymentId(deployId)?.service ?? deployId),
    'deployments',
    range(seq, 10_000),
    range(seq, 100),
    deployId,
  ];
}

export function recordPath(deployId: string): string[] {
  return [...deploymentDir(deployId), 'record.json'];
}

export function stepsDir(deployId: string): string[] {
  return [...deploymentDir(deployId), 'steps'];
}

/** Step names come from HCL and may hold anything; the file name keeps only safe characters. */
export function stepLogName(stepIndex: number, stepName: string): string {
  const clean = stepName.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'step';
  return `${stepIndex}-${clean}.log`;
}
