import { describe, expect, it } from 'vitest';
import { maskDeep, maskText, unmaskDeep } from '../../src/util/secrets.js';

const secrets = [
  { name: 'pw', value: 'hunter2' },
  { name: 'long', value: 'hunter2-and-more' },
];

describe('secrets', () => {
  it('masks the longest secret first so no fragment leaks', () => {
    expect(maskText('a hunter2-and-more b hunter2', secrets)).toBe('a (sensitive:long) b (sensitive:pw)');
  });

  it('round-trips nested values through mask and unmask', () => {
    const action = { args: ['psql', '--password=hunter2'], env: { PW: 'hunter2', OTHER: 'ok' }, n: 3 };
    const masked = maskDeep(action, secrets);
    expect(JSON.stringify(masked)).not.toContain('hunter2');
    expect(unmaskDeep(masked, secrets)).toEqual(action);
  });
});
