/**
 * The serialised `GET /api/services` answer, kept between requests. The engine answers an
 * unchanged service with the same object (engine/status/status-board.ts), so a list whose every
 * element is the one kept means the same services part, whatever moved it (the config branch
 * head, the state log, the queue, an approval, the clock for a bake): one pass of identity
 * compares decides, no key to keep in step with the status rules. The bytes are kept, not a
 * string, so an unchanged answer is written without being encoded again.
 *
 * A changed answer is written into one buffer of its exact size: no string of the whole list and
 * no second copy (at 10,000 services each is 4.5 MB, and a client polling during deployments made
 * three per request, the two buffers outside the V8 heap, freed only when it collects).
 */
import type { ServiceStatus } from '../engine/status.js';
import type { Identity } from './identity/roles.js';

interface Kept {
  services: readonly ServiceStatus[];
  rest: string;
  /** `{"services":[...],` then `rest` without its `{`. */
  body: Buffer;
  servicesBytes: number;
}

/** Callers whose lists differ are kept apart; a few, each list can be megabytes at 10,000 services. */
const MAX_READERS = 4;

export class ServicesAnswer {
  private readonly kept = new Map<string, Kept>();
  /** An unchanged service's JSON, kept with its answer. */
  private readonly json = new WeakMap<ServiceStatus, string>();

  /**
   * What JSON.stringify of `{ services, ...rest }` gives. `reader` names whose list this is (the
   * grants' globs: `readerKey`); `restJson` is JSON.stringify of `rest`.
   */
  body(reader: string, services: readonly ServiceStatus[], restJson: string): Buffer {
    const k = this.kept.get(reader);
    if (k) this.kept.delete(reader);
    let next: Kept;
    if (k && sameList(k.services, services)) {
      next =
        k.rest === restJson
          ? k
          : {
              ...k,
              rest: restJson,
              body: Buffer.concat([k.body.subarray(0, k.servicesBytes), Buffer.from(restJson.slice(1))]),
            };
    } else {
      const body = writeBody(
        services.map((x) => this.jsonOf(x)),
        restJson,
      );
      next = { services, rest: restJson, body: body.buffer, servicesBytes: body.servicesBytes };
    }
    this.kept.set(reader, next);
    if (this.kept.size > MAX_READERS) this.kept.delete(this.kept.keys().next().value!);
    return next.body;
  }

  private jsonOf(s: ServiceStatus): string {
    let json = this.json.get(s);
    if (json === undefined) this.json.set(s, (json = JSON.stringify(s)));
    return json;
  }
}

/** `{"services":[a,b,...],` then `restJson` without its `{`, in one buffer. */
function writeBody(jsons: readonly string[], restJson: string): { buffer: Buffer; servicesBytes: number } {
  const open = '{"services":[';
  const close = '],';
  const rest = restJson.slice(1);
  let servicesBytes = open.length + close.length + Math.max(0, jsons.length - 1);
  for (const j of jsons) servicesBytes += Buffer.byteLength(j);
  const buffer = Buffer.allocUnsafe(servicesBytes + Buffer.byteLength(rest));
  let at = buffer.write(open, 0, 'latin1');
  jsons.forEach((j, i) => {
    if (i > 0) at += buffer.write(',', at, 'latin1');
    at += buffer.write(j, at);
  });
  at += buffer.write(close, at, 'latin1');
  buffer.write(rest, at);
  return { buffer, servicesBytes };
}

function sameList(a: readonly ServiceStatus[], b: readonly ServiceStatus[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Identities whose grants read the same services share a key: only the globs matter for `viewer`. */
export function readerKey(identity: Identity): string {
  if (identity.grants.some((g) => g.services === null)) return '*';
  return [...new Set(identity.grants.map((g) => g.services!))].sort().join('\n');
}
