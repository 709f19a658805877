/**
 * `agent "name" { image = "...", ...defaults, param "x" { ... } }`: a custom agent kind, usable as
 * `agent = "name"` in steps. Its `param` blocks declare the params its steps take; without any,
 * its params are free-form.
 */
import { typeProblem, type ParamSpec, type ParamType } from '../agents/contract.js';
import { CONTAINER_PARAMS, dockerEnvProblem } from '../agents/docker-contract.js';
import { suggestion } from '../util/did-you-mean.js';
import type { Diagnostic } from '../util/errors.js';
import { evaluateConstant } from './constant.js';
import type { ParsedBlock } from './hcl/parse.js';
import type { CustomAgent } from './types.js';

/** The types a `param` block may give, as written in HCL. */
const PARAM_TYPES: Record<string, ParamType> = {
  string: 'string',
  bool: 'bool',
  number: 'number',
  list: 'list(string)',
  map: 'map(string)',
  duration: 'duration',
  any: 'any',
};
const PARAM_ATTRS = ['type', 'required', 'description'];

export function readAgent(block: ParsedBlock, into: Record<string, CustomAgent>, out: Diagnostic[]): void {
  const name = block.labels[0];
  if (block.labels.length !== 1 || !name || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
    out.push({
      ...block.location,
      code: 'E_BAD_NAME',
      message: 'an agent block needs one label, its name: agent "name" { }',
    });
    return;
  }
  const declared = readParamBlocks(block, name, out);
  const accepted: Record<string, ParamSpec> = { ...CONTAINER_PARAMS, ...(declared ?? {}) };
  const params: Record<string, unknown> = {};
  let image: string | undefined;
  for (const a of block.attributes) {
    const known = a.name === 'image' || a.name === 'env' || Object.hasOwn(accepted, a.name);
    if (declared !== null && !known) {
      out.push({
        ...a.location,
        code: 'E_UNKNOWN_ATTRIBUTE',
        message: `agent "${name}" declares no param "${a.name}"${suggestion(a.name, ['image', 'env', ...Object.keys(accepted)])}`,
      });
      continue;
    }
    const v = evaluateConstant(a.expr, `agent "${name}" ${a.name}`, out);
    if (v === undefined) continue;
    if (a.name === 'image') {
      if (typeof v === 'string' && v !== '') image = v;
      else out.push({ ...a.location, code: 'E_BAD_ATTRIBUTE', message: 'image must be a non-empty string' });
      continue;
    }
    const spec = a.name === 'env' ? null : accepted[a.name];
    const problem =
      v === null
        ? null
        : a.name === 'env'
          ? dockerEnvProblem(v)
          : spec
            ? (typeProblem(spec.type, v) ?? spec.check?.(v) ?? null)
            : null;
    if (problem)
      out.push({ ...a.location, code: 'E_BAD_ATTRIBUTE', message: `agent "${name}": ${a.name} ${problem}` });
    else params[a.name] = v;
  }
  if (image === undefined) {
    if (!block.attributes.some((a) => a.name === 'image')) {
      out.push({ ...block.location, code: 'E_AGENT_MISSING_IMAGE', message: `agent "${name}" has no image` });
    }
    return;
  }
  into[name] = { image, params, declared, location: block.location };
}

/** The `param "x" { type, required, description }` blocks; null when there are none. */
function readParamBlocks(
  block: ParsedBlock,
  agent: string,
  out: Diagnostic[],
): Record<string, ParamSpec> | null {
  let declared: Record<string, ParamSpec> | null = null;
  for (const b of block.blocks) {
    if (b.type !== 'param') {
      out.push({
        ...b.location,
        code: 'E_UNKNOWN_BLOCK',
        message: `unexpected block "${b.type}" in agent "${agent}"${suggestion(b.type, ['param'])}`,
      });
      continue;
    }
    const pname = b.labels[0];
    if (b.labels.length !== 1 || !pname || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(pname)) {
      out.push({
        ...b.location,
        code: 'E_BLOCK_LABEL',
        message: 'a param block needs one label, its name: param "name" { }',
      });
      continue;
    }
    const spec: ParamSpec = { type: 'any', description: '' };
    for (const a of b.attributes) {
      if (!PARAM_ATTRS.includes(a.name)) {
        out.push({
          ...a.location,
          code: 'E_UNKNOWN_ATTRIBUTE',
          message: `unexpected attribute "${a.name}" in param "${pname}"${suggestion(a.name, PARAM_ATTRS)}`,
        });
        continue;
      }
      const typeWord =
        a.name === 'type' && a.expr.kind === 'scope' && a.expr.path.length === 0 ? a.expr.root : undefined;
      const v = typeWord ?? evaluateConstant(a.expr, `param "${pname}" ${a.name}`, out);
      if (v === undefined) continue;
      if (a.name === 'type') {
        if (typeof v === 'string' && Object.hasOwn(PARAM_TYPES, v)) spec.type = PARAM_TYPES[v]!;
        else
          out.push({
            ...a.location,
            code: 'E_BAD_ATTRIBUTE',
            message: `param type must be one of ${Object.keys(PARAM_TYPES).join(', ')}`,
          });
      } else if (a.name === 'required') {
        if (typeof v === 'boolean') spec.required = v;
        else out.push({ ...a.location, code: 'E_BAD_ATTRIBUTE', message: 'required must be true or false' });
      } else if (typeof v === 'string') spec.description = v;
      else out.push({ ...a.location, code: 'E_BAD_ATTRIBUTE', message: 'description must be a string' });
    }
    declared = { ...(declared ?? {}), [pname]: spec };
  }
  return declared;
}
