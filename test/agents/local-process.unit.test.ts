import { describe, expect, it } from 'vitest';
import { HELPER_MIN_RSS, throughHelper } from '../../src/agents/local-process.js';

describe('where an exec run spawns', () => {
  it('auto: from the process while it is small, through the helper once its own fork costs more', () => {
    expect(throughHelper('auto', 60 * 2 ** 20)).toBe(false);
    expect(throughHelper('auto', HELPER_MIN_RSS)).toBe(true);
    expect(throughHelper('auto', 500 * 2 ** 20)).toBe(true);
  });

  it('helper and direct whatever the memory', () => {
    expect(throughHelper('helper', 0)).toBe(true);
    expect(throughHelper('direct', 2 ** 40)).toBe(false);
  });
});
