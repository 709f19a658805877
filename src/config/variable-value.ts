/** Type and `allowed` checks for variable values, and coercion of --var / env strings. */
import type { Diagnostic, SourceLocation } from '../util/errors.js';
import { deepEqual, fromPlain } from './expressions/values.js';
import { marker } from '../util/secrets.js';
import type { VariableDecl } from './types.js';

/** The declared type, else the type of the default, else of the first allowed value, else any. */
export function effectiveType(decl: VariableDecl): string {
  if (decl.type) return decl.type;
  const sample = decl.default !== undefined && decl.default !== null ? decl.default : decl.allowed?.[0];
  return sample === undefined || sample === null ? 'any' : kindOf(sample);
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object' && v !== null) return 'map';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'number' ? 'number' : 'string';
}

function matchesType(type: string, v: unknown): boolean {
  if (type === 'any' || v === null) return true;
  return kindOf(v) === type;
}

export function checkVariableValue(
  decl: VariableDecl,
  value: unknown,
  loc: SourceLocation,
  what: string,
  out: Diagnostic[],
): boolean {
  const type = effectiveType(decl);
  if (!matchesType(type, value)) {
    out.push({
      ...loc,
      code: 'E_VAR_TYPE',
      message: `${what} of variable "${decl.name}" must be a ${type}, got ${kindOf(value)}`,
    });
    return false;
  }
  if (decl.allowed && !decl.allowed.some((a) => deepEqual(fromPlain(a), fromPlain(value)))) {
    out.push({
      ...loc,
      code: 'E_VALUE_NOT_ALLOWED',
      // A diagnostic is printed and logged: a sensitive value must not appear in it.
      message: `${what} ${decl.sensitive ? marker(decl.name) : JSON.stringify(value)} of variable "${decl.name}" is not one of ${JSON.stringify(decl.allowed)}`,
    });
    return false;
  }
  return true;
}

/** Converts a string from --var or the environment to the variable's type; null when it cannot. */
export function coerceString(decl: VariableDecl, raw: string): { ok: true; value: unknown } | { ok: false } {
  const type = effectiveType(decl);
  switch (type) {
    case 'string':
    case 'any':
      return { ok: true, value: raw };
    case 'number': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? { ok: true, value: n } : { ok: false };
    }
    case 'bool':
      return raw === 'true' || raw === 'false' ? { ok: true, value: raw === 'true' } : { ok: false };
    default:
      try {
        const v: unknown = JSON.parse(raw);
        return kindOf(v) === type ? { ok: true, value: v } : { ok: false };
      } catch {
        // Not JSON: the caller reports the value as not of the variable's type.
        return { ok: false };
      }
  }
}
