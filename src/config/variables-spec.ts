/** `variable` blocks of deploy.hcl, and the plain assignments of values.hcl. */
import type { Diagnostic, SourceLocation } from '../util/errors.js';
import { evaluateConstant } from './constant.js';
import type { Expr } from './expressions/ast.js';
import type { ParsedBlock, ParsedFile } from './hcl/parse.js';
import { VARIABLE_TYPES, isIdentifier } from './names.js';
import type { VariableDecl } from './types.js';
import { suggestion } from '../util/did-you-mean.js';

const VARIABLE_ATTRS = ['description', 'default', 'allowed', 'type', 'sensitive'];

export function readVariables(blocks: ParsedBlock[], out: Diagnostic[]): VariableDecl[] {
  const seen = new Set<string>();
  const vars: VariableDecl[] = [];
  for (const b of blocks) {
    const name = b.labels[0];
    if (b.labels.length !== 1 || name === undefined) {
      out.push({
        ...b.location,
        code: 'E_BLOCK_LABEL',
        message: 'a variable block needs one label: variable "name" { }',
      });
      continue;
    }
    if (!isIdentifier(name) || name.includes('-')) {
      out.push({
        ...b.location,
        code: 'E_BAD_NAME',
        message: `variable name "${name}" must be letters, digits and _`,
      });
      continue;
    }
    if (seen.has(name)) {
      out.push({
        ...b.location,
        code: 'E_DUPLICATE_VARIABLE',
        message: `variable "${name}" is declared more than once`,
      });
      continue;
    }
    seen.add(name);
    const decl: VariableDecl = { name, sensitive: false, location: b.location };
    for (const nb of b.blocks)
      out.push({
        ...nb.location,
        code: 'E_UNKNOWN_BLOCK',
        message: `unexpected block "${nb.type}" in variable`,
      });
    for (const a of b.attributes) {
      if (!VARIABLE_ATTRS.includes(a.name)) {
        out.push({
          ...a.location,
          code: 'E_UNKNOWN_ATTRIBUTE',
          message: `unexpected attribute "${a.name}" in variable "${name}"${suggestion(a.name, VARIABLE_ATTRS)}`,
        });
        continue;
      }
      if (a.name === 'type') {
        const t = typeKeyword(a.expr) ?? evaluateConstant(a.expr, 'type', out);
        if (typeof t === 'string' && VARIABLE_TYPES.includes(t)) decl.type = t;
        else if (t !== undefined) {
          out.push({
            ...a.location,
            code: 'E_BAD_ATTRIBUTE',
            message: `type must be one of ${VARIABLE_TYPES.join(', ')}`,
          });
        }
        continue;
      }
      const v = evaluateConstant(a.expr, `variable "${name}" ${a.name}`, out);
      if (v === undefined) continue;
      if (a.name === 'description') {
        if (typeof v === 'string') decl.description = v;
        else out.push({ ...a.location, code: 'E_BAD_ATTRIBUTE', message: 'description must be a string' });
      } else if (a.name === 'default') decl.default = v;
      else if (a.name === 'allowed') {
        if (Array.isArray(v) && v.length > 0) decl.allowed = v;
        else
          out.push({ ...a.location, code: 'E_BAD_ATTRIBUTE', message: 'allowed must be a non-empty list' });
      } else if (a.name === 'sensitive') {
        if (typeof v === 'boolean') decl.sensitive = v;
        else out.push({ ...a.location, code: 'E_BAD_ATTRIBUTE', message: 'sensitive must be true or false' });
      }
    }
    vars.push(decl);
  }
  return vars;
}

/** `type = string` (Terraform style) as well as `type = "string"`. */
function typeKeyword(expr: Expr): string | null {
  return expr.kind === 'scope' && expr.path.length === 0 && VARIABLE_TYPES.includes(expr.root)
    ? expr.root
    : null;
}

export function readValues(
  file: ParsedFile | null,
  varNames: Set<string>,
  out: Diagnostic[],
): { values: Record<string, unknown>; valueLocations: Record<string, SourceLocation> } {
  const values: Record<string, unknown> = {};
  const valueLocations: Record<string, SourceLocation> = {};
  if (!file) return { values, valueLocations };
  for (const b of file.blocks) {
    out.push({
      ...b.location,
      code: 'E_UNKNOWN_BLOCK',
      message: 'values.hcl holds plain assignments only, such as version = "1.4.2"',
    });
  }
  for (const a of file.attributes) {
    if (!varNames.has(a.name)) {
      out.push({
        ...a.location,
        code: 'E_UNKNOWN_VARIABLE',
        message: `"${a.name}" is not a declared variable${suggestion(a.name, varNames)}`,
      });
      continue;
    }
    const v = evaluateConstant(a.expr, `value of "${a.name}"`, out);
    if (v === undefined) continue;
    values[a.name] = v;
    valueLocations[a.name] = a.location;
  }
  return { values, valueLocations };
}
