import { describe, expect, it } from 'vitest';
import { OutputBuffer } from '../../src/agents/output-buffer.js';
import { parseOutputs } from '../../src/agents/outputs-file.js';

describe('OutputBuffer', () => {
  it('keeps everything under the cap', () => {
    const b = new OutputBuffer(100);
    b.write('hello ');
    b.write(Buffer.from('world'));
    expect(b.text()).toBe('hello world');
    expect(b.size).toBe(11);
  });

  it('keeps the first and last halves with a marker', () => {
    const b = new OutputBuffer(10);
    for (const c of 'abcdefghijklmnopqrstuvwxyz') b.write(c);
    expect(b.text()).toBe('abcde\n[... 16 bytes elided ...]\nvwxyz');
    const big = new OutputBuffer(10);
    big.write('abcdefghijklmnopqrstuvwxyz');
    expect(big.text()).toBe('abcde\n[... 16 bytes elided ...]\nvwxyz');
  });

  it('masks a secret split across chunks', () => {
    const b = new OutputBuffer(1000);
    b.write('pw=hun');
    b.write('ter2!');
    expect(b.text([{ name: 'pw', value: 'hunter2' }])).toBe('pw=(sensitive:pw)!');
  });

  it('drops fragments of a secret cut by the elision', () => {
    const b = new OutputBuffer(20);
    b.write('0123456hunt');
    b.write('x'.repeat(100));
    b.write('er2abcdefgh');
    const text = b.text([{ name: 'pw', value: 'hunter2' }]);
    expect(text).not.toContain('hunt');
    expect(text).not.toContain('er2');
    expect(text).toMatch(/^0123456\n\[\.\.\. \d+ bytes elided \.\.\.\]\nabcdefgh$/);
  });
});

describe('parseOutputs', () => {
  it('reads KEY=VALUE and KEY<<DELIM forms', () => {
    expect(parseOutputs('a=1\nb = x=y\n\nnot a line\nm<<END\nl1\nl2\nEND\na=2\n')).toEqual({
      a: '2',
      b: ' x=y',
      m: 'l1\nl2',
    });
  });
});
