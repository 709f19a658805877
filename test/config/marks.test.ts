import { describe, expect, it } from 'vitest';
import { convertExpression } from '../../src/config/expressions/convert.js';
import { evaluate } from '../../src/config/expressions/evaluate.js';
import { replayRecipe } from '../../src/config/expressions/replay.js';
import { Sensitive, hasSensitive, unmarkDeep } from '../../src/config/expressions/values.js';
import type { Value } from '../../src/config/expressions/values.js';
import { LineMap } from '../../src/config/hcl/positions.js';
import { mdCode, mdFence, mdText } from '../../src/cli/preview/escape.js';

const SECRET = { user: 'ann', pw: 'Hunter2-x' };
const secretVar = new Sensitive(SECRET, new Set(['db']), { secret: 'db' });

async function run(text: string): Promise<Value> {
  const expr = await convertExpression(new LineMap('m.hcl', text), 0, text.length);
  return evaluate(expr, { roots: { var: { db: secretVar, plain: 'p' } } });
}

describe('marks: what is computed from a secret is a secret', () => {
  it.each([
    ['var.db.pw', 'Hunter2-x'],
    ['upper(var.db.pw)', 'HUNTER2-X'],
    ['"${var.plain}:${base64encode(var.db.pw)}"', `p:${Buffer.from('Hunter2-x').toString('base64')}`],
    ['[for k, v in var.db : "${k}=${v}"][1]', 'user=ann'],
    ['keys(var.db)[0]', 'pw'],
    ['var.db["u${"ser"}"]', 'ann'],
    ['length(var.db.pw) > 3 ? "long" : "short"', 'long'],
    // The functions and conversions added for cty conformance carry the mark too.
    ['regex("[a-z]+", var.db.pw)', 'unter'],
    ['regexall("[a-z]", var.db.user)[1]', 'n'],
    ['replace(var.db.pw, "/[0-9]/", "#")', 'Hunter#-x'],
    ['format("%.4s|%5s", var.db.pw, var.db.user)', 'Hunt|  ann'],
    ['formatlist("%s!", [var.db.user])[0]', 'ann!'],
    ['strrev(var.db.user)', 'nna'],
    ['try(var.db.nope, var.db.user)', 'ann'],
    ['coalesce("", var.db.user)', 'ann'],
    ['true ? var.db.user : 1', 'ann'],
    ['urlencode("${var.db.user} ${var.db.pw}")', 'ann+Hunter2-x'],
  ])('%s is marked, and its recipe recomputes it from the secret alone', async (text, want) => {
    const v = await run(text);
    expect(v).toBeInstanceOf(Sensitive);
    const s = v as Sensitive;
    expect(s.value).toBe(want);
    expect([...s.names]).toEqual(['db']);
    // The recipe names the secret, never holds it, and replays to the same value.
    expect(JSON.stringify(s.recipe)).not.toContain('Hunter2');
    expect(replayRecipe(s.recipe, { db: SECRET })).toEqual(want);
    expect(replayRecipe(s.recipe, { db: { a: 'z', user: 'bob', pw: 'x' } })).not.toEqual(want);
  });

  it('a branch chosen by a secret does not tell which: the recipe holds both', async () => {
    const s = (await run('var.db.pw == "nope" ? "first" : "second"')) as Sensitive;
    expect(JSON.stringify(s.recipe)).toContain('first');
    expect(JSON.stringify(s.recipe)).toContain('second');
  });

  it('what does not depend on a secret stays plain; a list holding one is marked inside', async () => {
    expect(await run('upper(var.plain)')).toBe('P');
    const list = await run('[var.plain, var.db.user]');
    expect(Array.isArray(list)).toBe(true);
    expect(hasSensitive(list)).toBe(true);
    expect(unmarkDeep(list)).toEqual(['p', 'ann']);
  });

  it.each([
    'base64decode(var.db.pw)',
    'format("%d", var.db.pw)',
    'try(tonumber(var.db.pw), tonumber("${var.db.pw}x"))',
    'regex("^[0-9]+$", var.db.pw)',
  ])('%s fails without quoting the secret', async (text) => {
    const err = await run(text).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: expect.stringMatching(/^E_/) as string });
    expect(String((err as Error).message)).not.toContain('Hunter2');
  });

  it('text holding a secret keeps the secret as given (not NFC-normalised), so masking still finds it', async () => {
    const text = '"pw=${var.s}"';
    const expr = await convertExpression(new LineMap('m.hcl', text), 0, text.length);
    const decomposed = 'Cafe\u0301';
    const v = evaluate(expr, {
      roots: { var: { s: new Sensitive(decomposed, new Set(['s']), { secret: 's' }) } },
    });
    expect((v as Sensitive).value).toBe(`pw=${decomposed}`);
    expect(replayRecipe((v as Sensitive).recipe, { s: decomposed })).toBe(`pw=${decomposed}`);
  });

  it('an error about a value computed from a secret does not quote it', async () => {
    await expect(run('lookup({}, base64encode(var.db.pw))')).rejects.toMatchObject({
      code: 'E_EVAL_INDEX',
      message: expect.not.stringContaining(Buffer.from('Hunter2-x').toString('base64')) as string,
    });
  });
});

describe('markdown escaping', () => {
  it('fences code with a backtick run longer than any inside, on one line', () => {
    expect(mdCode('a ``` b')).toBe('````a ``` b````');
    expect(mdCode('`x`')).toBe('`` `x` ``');
    expect(mdCode('a|b\nc')).toBe('`a\\|b c`');
    expect(mdFence(['x', '````', 'y'])).toEqual(['`````', 'x', '````', 'y', '`````']);
  });

  it('neutralises headings, images, HTML and mentions in text', () => {
    const t = mdText('## hi ![i](u) <img> @team');
    expect(t).not.toMatch(/^#/);
    expect(t).not.toContain('![');
    expect(t).not.toContain('<img');
    expect(t).not.toContain('@team');
  });
});
