import { describe, expect, it } from 'vitest';
import { layoutGraph } from '../../src/cli/log/graph.js';

describe('graph layout', () => {
  it('forks where a deployment did not continue from the one below it, and joins with |/', () => {
    const rows = layoutGraph([
      { id: 'w5', parent: 'w4' },
      { id: 'w4', parent: 'w1' },
      { id: 'w3', parent: 'w2' },
      { id: 'w2', parent: 'w1' },
      { id: 'w1', parent: null },
    ]);
    expect(rows.map((r) => `${r.prefix}${r.node?.id ?? ''}`.trimEnd())).toEqual([
      '* w5',
      '* w4',
      '| * w3',
      '| * w2',
      '|/',
      '* w1',
    ]);
  });

  it('moves lanes left when one ends', () => {
    const rows = layoutGraph([
      { id: 'a2', parent: null },
      { id: 'b1', parent: null },
    ]);
    expect(rows.map((r) => `${r.prefix}${r.node?.id ?? ''}`.trimEnd())).toEqual(['* a2', '* b1']);
    const three = layoutGraph([
      { id: 'x', parent: 'r' },
      { id: 'y', parent: 'q' },
      { id: 'r', parent: null },
      { id: 'q', parent: null },
    ]);
    expect(three.map((r) => `${r.prefix}${r.node?.id ?? ''}`.trimEnd())).toEqual([
      '* x',
      '| * y',
      '* | r',
      ' /',
      '* q',
    ]);
  });
});
