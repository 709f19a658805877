import { describe, expect, it } from 'vitest';
import { Fifo } from '../../src/util/fifo.js';

describe('Fifo', () => {
  it('gives items back in order across compactions, and drains what is left', () => {
    const q = new Fifo<number>();
    for (let i = 0; i < 5000; i++) q.push(i);
    const taken: number[] = [];
    for (let i = 0; i < 3000; i++) taken.push(q.shift()!);
    q.push(5000);
    expect(taken).toEqual([...Array(3000).keys()]);
    expect(q.length).toBe(2001);
    expect(q.peek()).toBe(3000);
    expect(q.drain()).toEqual([...Array(2001).keys()].map((i) => i + 3000));
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
  });
});
