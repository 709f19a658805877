/**
 * The kept `GET /api/services` body (src/daemon/services-answer.ts) is written into one buffer of
 * its exact size: its bytes are JSON.stringify's, multi-byte characters included, whether the
 * list changed, only the rest changed, or nothing did.
 */
import { expect, it } from 'vitest';
import type { ServiceStatus } from '../../src/engine/status.js';
import { ServicesAnswer } from '../../src/daemon/services-answer.js';

const status = (service: string, note: string): ServiceStatus =>
  ({ service, in_flight: null, note }) as unknown as ServiceStatus;

const expected = (services: readonly ServiceStatus[], rest: Record<string, unknown>): string =>
  JSON.stringify({ services, ...rest });

it('writes what JSON.stringify gives, for a new list, a new rest and an unchanged answer', () => {
  const answer = new ServicesAnswer();
  const a = [status('web', 'déployé ✓'), status('api', '日本語 🚀'), status('db', 'plain')];
  const first = answer.body('*', a, JSON.stringify({ queue: 1 }));
  expect(first.toString('utf8')).toBe(expected(a, { queue: 1 }));
  expect(JSON.parse(first.toString('utf8'))).toEqual({ services: a, queue: 1 });

  // The same list, another rest: the services part is kept, the rest written again.
  const second = answer.body('*', a, JSON.stringify({ queue: 2, note: 'ünïcode' }));
  expect(second.toString('utf8')).toBe(expected(a, { queue: 2, note: 'ünïcode' }));

  // Nothing changed: the very same bytes.
  expect(answer.body('*', a, JSON.stringify({ queue: 2, note: 'ünïcode' }))).toBe(second);

  // One service changed (a new object): the list is written again.
  const b = [a[0]!, status('api', 'changed ✗'), a[2]!];
  expect(answer.body('*', b, JSON.stringify({ queue: 2 })).toString('utf8')).toBe(expected(b, { queue: 2 }));
});

it('writes an empty list and a one-service list exactly', () => {
  const answer = new ServicesAnswer();
  expect(answer.body('*', [], JSON.stringify({ x: 'é' })).toString('utf8')).toBe(expected([], { x: 'é' }));
  const one = [status('solo', '€')];
  expect(answer.body('r', one, JSON.stringify({ x: 1 })).toString('utf8')).toBe(expected(one, { x: 1 }));
});
