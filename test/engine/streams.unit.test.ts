import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServiceStreams, type StreamJob } from '../../src/engine/streams.js';

/** A job that records when it runs and finishes when the test says so. */
function job(service: string, name: string, events: string[], supersedable = true) {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const j: StreamJob<string> & { finish(): void; name: string } = {
    service,
    name,
    supersedable,
    finish,
    async run() {
      events.push(`start ${name}`);
      await done;
      events.push(`end ${name}`);
      return name;
    },
  };
  return j;
}

// No real time passes here: with fake timers, `tick` runs every pending callback (promise chains and
// timers alike) until nothing is left, so "has not started" is checked on quiet streams, not after
// a sleep that a busy machine could outlast.
beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());
const tick = () => vi.runAllTimersAsync();

describe('ServiceStreams', () => {
  it('runs one job per service at a time and services side by side, within the bound', async () => {
    const events: string[] = [];
    const streams = new ServiceStreams<string>(2, async () => 'skipped');
    const a1 = job('a', 'a1', events);
    const a2 = job('a', 'a2', events);
    const b1 = job('b', 'b1', events);
    const c1 = job('c', 'c1', events);
    const results = [a1, a2, b1, c1].map((j) => streams.enqueue(j));
    await tick();
    expect(events).toEqual(['start a1', 'start b1']); // c1 waits for the bound, a2 for a1
    expect(streams.depth()).toBe(2);
    a1.finish();
    await tick();
    expect(events.slice(2)).toEqual(['end a1', 'start c1']);
    b1.finish();
    await tick();
    expect(events.slice(4)).toEqual(['end b1', 'start a2']);
    a2.finish();
    c1.finish();
    expect(await Promise.all(results)).toEqual(['a1', 'a2', 'b1', 'c1']);
    await streams.idle();
  });

  it('supersede: the newest waiting deploy wins and the replaced ones are skipped in order', async () => {
    const events: string[] = [];
    const skipped: string[] = [];
    const streams = new ServiceStreams<string>(4, async (s, by) => {
      skipped.push(
        `${(s as unknown as { name: string }).name} by ${(by as unknown as { name: string }).name}`,
      );
      return 'skipped';
    });
    const running = job('a', 'd1', events);
    const unwind = job('a', 'unwind', events, false);
    const d2 = job('a', 'd2', events);
    const d3 = job('a', 'd3', events);
    const p1 = streams.enqueue(running, 'supersede');
    await tick();
    const pu = streams.enqueue(unwind, 'supersede');
    const p2 = streams.enqueue(d2, 'supersede');
    const p3 = streams.enqueue(d3, 'supersede');
    expect(await p2).toBe('skipped');
    expect(skipped).toEqual(['d2 by d3']);
    running.finish();
    await tick();
    unwind.finish();
    await tick();
    d3.finish();
    expect([await p1, await pu, await p3]).toEqual(['d1', 'unwind', 'd3']);
    expect(events).toEqual(['start d1', 'end d1', 'start unwind', 'end unwind', 'start d3', 'end d3']);
  });

  it('queue: every waiting deploy runs, in order, each after the one before it', async () => {
    const events: string[] = [];
    // Room for three at once: only the service's own order holds q2 and q3 back.
    const streams = new ServiceStreams<string>(3, async () => 'skipped');
    const [q1, q2, q3] = ['q1', 'q2', 'q3'].map((n) => job('a', n, events));
    const results = [q1!, q2!, q3!].map((j) => streams.enqueue(j, 'queue'));
    await tick();
    expect(events).toEqual(['start q1']);
    expect(streams.depth('a')).toBe(2);
    q1!.finish();
    await tick();
    expect(events.slice(1)).toEqual(['end q1', 'start q2']);
    q2!.finish();
    await tick();
    expect(events.slice(3)).toEqual(['end q2', 'start q3']);
    q3!.finish();
    expect(await Promise.all(results)).toEqual(['q1', 'q2', 'q3']);
    expect(events).toEqual(['start q1', 'end q1', 'start q2', 'end q2', 'start q3', 'end q3']);
  });
});

describe('ServiceStreams.drain', () => {
  it('lets running jobs finish and drops waiting and new ones', async () => {
    const events: string[] = [];
    const streams = new ServiceStreams<string>(
      1,
      async () => 'skipped',
      (job) => `dropped ${(job as unknown as { name: string }).name}`,
    );
    const a1 = job('a', 'a1', events);
    const a2 = job('a', 'a2', events);
    const b1 = job('b', 'b1', events); // waits for the single slot
    const results = [a1, a2, b1].map((j) => streams.enqueue(j));
    await tick();
    streams.drain();
    const late = streams.enqueue(job('c', 'c1', events));
    a1.finish();
    expect(await Promise.all([...results, late])).toEqual(['a1', 'dropped a2', 'dropped b1', 'dropped c1']);
    await streams.idle();
    expect(events).toEqual(['start a1', 'end a1']);
  });
});
