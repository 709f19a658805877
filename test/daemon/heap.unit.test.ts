/**
 * The daemon bounds its heap's growth itself (src/daemon/heap.ts), unless Node was given the flag:
 * then the operator's value stands.
 */
import { expect, it } from 'vitest';
import { boundHeapGrowth } from '../../src/daemon/heap.js';

it("sets the bound unless Node's command line or NODE_OPTIONS names the flag", () => {
  expect(boundHeapGrowth(['--heap-growing-percent=10'], '')).toBe(false);
  expect(boundHeapGrowth(['--heap_growing_percent', '10'], '')).toBe(false);
  expect(boundHeapGrowth([], '--max-old-space-size=512 --heap-growing-percent=15')).toBe(false);
  expect(boundHeapGrowth(['--max-old-space-size=512'], '--enable-source-maps')).toBe(true);
});
