import { describe, expect, it } from 'vitest';
import { MarkerSplitter, newOutputMarker } from '../../src/agents/docker-markers.js';

const split = (marker: string, chunks: Array<['stdout' | 'stderr', string]>) => {
  let log = '';
  const s = new MarkerSplitter(marker, (t) => (log += t));
  for (const [stream, text] of chunks) s.push(stream, Buffer.from(text));
  s.finish();
  return { log, outputs: s.outputs(), truncated: s.truncated };
};

describe('the output marker protocol', () => {
  const m = newOutputMarker();

  it('is a fresh marker per run', () => {
    expect(m).toMatch(/^::orbit-output-[0-9a-f]{16}::$/);
    expect(newOutputMarker()).not.toBe(m);
  });

  it('reads marked lines split anywhere across chunks, even inside the marker, and keeps the rest as log', () => {
    const text = `one\n${m}a=1\n\ntwo ${m}not=start\n${m}b<<E\n${m}x\n${m}y\n${m}E\nlast`;
    // Every split point of the stream gives the same result.
    for (let i = 0; i <= text.length; i++) {
      const r = split(m, [
        ['stdout', text.slice(0, i)],
        ['stdout', text.slice(i)],
      ]);
      expect(r.outputs, `split at ${i}`).toEqual({ a: '1', b: 'x\ny' });
      expect(r.log, `split at ${i}`).toBe(`one\n\ntwo ${m}not=start\nlast`);
    }
  });

  it('never reads stderr, nor a line with another marker', () => {
    const other = newOutputMarker();
    const r = split(m, [
      ['stderr', `${m}err=1\n`],
      ['stdout', `${other}forged=1\n${m.slice(0, -1)}near=1\n`],
    ]);
    expect(r.outputs).toEqual({});
    expect(r.log).toBe(`${m}err=1\n${other}forged=1\n${m.slice(0, -1)}near=1\n`);
  });

  it('keeps at most 1 MiB of marked lines', () => {
    const big = 'v'.repeat(600 * 1024);
    const r = split(m, [['stdout', `${m}a=${big}\n${m}b=${big}\n${m}c=small\n`]]);
    expect(Object.keys(r.outputs)).toEqual(['a', 'c']);
    expect(r.truncated).toBe(true);
  });
});
