import { describe, expect, it } from 'vitest';
import { parseBaselines } from '../../bench/orbit-checkouts.js';

// The names are the keys the benchmarks' results and docs/benchmarks.md use for each checkout.
describe('ORBIT_BENCH_BASELINE', () => {
  it('names one checkout orbit-baseline', () => {
    expect(parseBaselines('/work/baseline')).toEqual([{ name: 'orbit-baseline', root: '/work/baseline' }]);
  });

  it('names several by their name=path pairs, or by their folder', () => {
    expect(parseBaselines('old=/a/x, /b/y')).toEqual([
      { name: 'orbit-old', root: '/a/x' },
      { name: 'orbit-y', root: '/b/y' },
    ]);
  });

  it('is empty when unset', () => {
    expect(parseBaselines(undefined)).toEqual([]);
    expect(parseBaselines('')).toEqual([]);
  });
});
