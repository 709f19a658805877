import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import { EXIT, reportError } from '../../src/cli/exit.js';
import { toHttpError } from '../../src/daemon/http-errors.js';
import { ERROR_CODES, isErrorCode, type ErrorCode } from '../../src/util/error-codes.js';
import { errorTableMarkdown } from '../../src/util/error-table.js';
import { OrbitError } from '../../src/util/errors.js';

const root = path.resolve(import.meta.dirname, '../..');
const REGISTRY = path.join('src', 'util', 'error-codes.ts');

/** Every `'E_...'` string literal in src/, outside the registry, with where it is. */
function codesUsedInSrc(): Map<string, string> {
  const used = new Map<string, string>();
  for (const rel of readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })) {
    const file = path.join('src', rel);
    if (!file.endsWith('.ts') || file === REGISTRY) continue;
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const m of text.matchAll(/['"`](E_[A-Z][A-Z0-9_]*)['"`]/g)) used.set(m[1]!, file);
  }
  return used;
}

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('the error-code registry', () => {
  it('declares every code used in src/', () => {
    const undeclared = [...codesUsedInSrc()].filter(([code]) => !isErrorCode(code));
    expect(undeclared.map(([code, file]) => `${code} in ${file}`)).toEqual([]);
  });

  it('declares no code that src/ never uses', () => {
    const used = codesUsedInSrc();
    expect(codes.filter((c) => !used.has(c))).toEqual([]);
  });

  it('is what docs/errors.md says (regenerate it with npm run docs:errors)', async () => {
    const file = path.join(root, 'docs', 'errors.md');
    const expected = await format(errorTableMarkdown(), { filepath: file });
    expect(readFileSync(file, 'utf8')).toBe(expected);
  });

  it('gives every code a documented exit code and an HTTP error status', () => {
    for (const c of codes) {
      expect([EXIT.failed, EXIT.usage, EXIT.internal], c).toContain(ERROR_CODES[c].exit);
      expect(ERROR_CODES[c].http, c).toBeGreaterThanOrEqual(400);
      expect(ERROR_CODES[c].http, c).toBeLessThan(600);
      expect(ERROR_CODES[c].meaning, c).not.toBe('');
    }
  });

  it('is the one table for CLI exit codes and HTTP statuses', () => {
    for (const c of codes) {
      const err = new OrbitError(c, 'x');
      expect(
        reportError(err, () => {}),
        c,
      ).toBe(ERROR_CODES[c].exit);
      expect(toHttpError(err).status, c).toBe(ERROR_CODES[c].http);
    }
  });

  it('keeps the statuses and exit codes the docs promise', () => {
    const of = (c: ErrorCode) => [ERROR_CODES[c].exit, ERROR_CODES[c].http];
    expect(of('E_UNKNOWN_SERVICE')).toEqual([2, 404]);
    expect(of('E_UNKNOWN_DEPLOYMENT')).toEqual([2, 404]);
    expect(of('E_BAD_REQUEST')).toEqual([2, 400]);
    expect(of('E_UNAUTHORIZED')).toEqual([3, 401]);
    expect(of('E_NOT_APPROVER')).toEqual([1, 403]);
    expect(of('E_NOTHING_TO_UNWIND')).toEqual([1, 409]);
    expect(of('E_CONFIG_INVALID')).toEqual([1, 422]);
    expect(of('E_SHUTTING_DOWN')).toEqual([3, 503]);
    expect(of('E_STATE_LOCKED')[0]).toBe(3);
    expect(of('E_INTERNAL')).toEqual([3, 500]);
  });

  it('rejects an undeclared code at type-check time', () => {
    // @ts-expect-error E_NOT_DECLARED is not in the registry: tsc fails if this line compiles.
    const err = new OrbitError('E_NOT_DECLARED', 'x');
    // Should one get through (a cast), it is Orbit failing: exit 3, HTTP 500, never success.
    expect(isErrorCode(err.code)).toBe(false);
    expect(reportError(err, () => {})).toBe(EXIT.internal);
    expect(toHttpError(err).status).toBe(500);
  });
});
