/**
 * Builds a `ServiceSpec` from parsed files and runs every static check. All problems are collected
 * as diagnostics so `orbit validate` reports them at once. Each kind of block has its own module;
 * this one sorts the blocks and ties them together.
 */
import { BUILTIN_AGENT_KINDS } from '../agents/contracts.js';
import { suggestion } from '../util/did-you-mean.js';
import type { Diagnostic } from '../util/errors.js';
import { evaluateConstant } from './constant.js';
import { readConsts } from './consts-spec.js';
import type { ParsedAttribute, ParsedBlock, ParsedFile } from './hcl/parse.js';
import { scopeRule } from './scope-rule.js';
import { readAgent } from './agent-block.js';
import { readChecks } from './checks-spec.js';
import { readSchedule } from './schedule-spec.js';
import { readNotify } from './notify-spec.js';
import { POLICIES } from './settings.js';
import { readSteps } from './steps-spec.js';
import { readDependsOn } from './depends-on.js';
import type {
  CustomAgent,
  DependencySpec,
  DeployPolicy,
  RepoSettings,
  ServiceSources,
  ServiceSpec,
} from './types.js';
import { readValues, readVariables } from './variables-spec.js';
import { checkVariableValue } from './variable-value.js';

export { literalString } from './constant.js';

export interface BuildInput {
  service: string;
  deploy: ParsedFile;
  values: ParsedFile | null;
  settings: RepoSettings;
  sources: ServiceSources;
  knownAgents?: string[];
}

const TOP_LEVEL_BLOCKS = ['variable', 'const', 'step', 'agent', 'check', 'schedule', 'notify'];

interface SortedBlocks {
  variables: ParsedBlock[];
  consts: ParsedAttribute[];
  steps: ParsedBlock[];
  checks: ParsedBlock[];
  schedules: ParsedBlock[];
  notify: ParsedBlock[];
}

export function buildServiceSpec(input: BuildInput, out: Diagnostic[]): ServiceSpec {
  const { policy, dependsOn } = readTopLevel(input.deploy, input.service, input.settings.defaultPolicy, out);
  const customAgents: Record<string, CustomAgent> = { ...input.settings.customAgents };
  const blocks = sortBlocks(input.deploy, customAgents, out);

  const variables = readVariables(blocks.variables, out);
  const varNames = new Set(variables.map((v) => v.name));
  const { values, valueLocations } = readValues(input.values, varNames, out);
  for (const v of variables) {
    if (v.default !== undefined) checkVariableValue(v, v.default, v.location, 'default', out);
    if (Object.hasOwn(values, v.name))
      checkVariableValue(v, values[v.name], valueLocations[v.name]!, 'value', out);
  }

  const baseRule = scopeRule(
    varNames,
    new Set(blocks.consts.map((a) => a.name)),
    new Set(dependsOn.map((d) => d.name)),
  );
  const consts = readConsts(blocks.consts, baseRule, out);
  const allAgents = new Set([...(input.knownAgents ?? BUILTIN_AGENT_KINDS), ...Object.keys(customAgents)]);
  const steps = readSteps(blocks.steps, allAgents, customAgents, baseRule, out);
  const checks = readChecks(
    blocks.checks,
    steps.map((s) => s.name),
    out,
    { rule: baseRule, sensitive: new Set(variables.filter((v) => v.sensitive).map((v) => v.name)) },
  );
  const schedule = readServiceSchedule(blocks.schedules, input, out);
  const notify: ServiceSpec['notify'] = [];
  for (const b of blocks.notify) readNotify(b, notify, out, input.service);

  return {
    service: input.service,
    policy,
    ...(dependsOn.length > 0 ? { dependsOn } : {}),
    variables,
    consts,
    steps,
    checks,
    schedule,
    customAgents,
    notify,
    values,
    valueLocations,
    settings: input.settings,
    sources: input.sources,
  };
}

const TOP_LEVEL_ATTRIBUTES = ['policy', 'depends_on'];

/** `policy = "..."` and `depends_on = [...]`, the top-level attributes. */
function readTopLevel(
  deploy: ParsedFile,
  service: string,
  fallback: DeployPolicy,
  out: Diagnostic[],
): { policy: DeployPolicy; dependsOn: DependencySpec[] } {
  let policy = fallback;
  let dependsOn: DependencySpec[] = [];
  for (const a of deploy.attributes) {
    if (a.name === 'depends_on') {
      dependsOn = readDependsOn(a, service, out);
      continue;
    }
    if (a.name !== 'policy') {
      out.push({
        ...a.location,
        code: 'E_UNKNOWN_ATTRIBUTE',
        message: `unexpected top-level attribute "${a.name}"${suggestion(a.name, TOP_LEVEL_ATTRIBUTES)}`,
      });
      continue;
    }
    const v = evaluateConstant(a.expr, 'policy', out);
    if (typeof v === 'string' && (POLICIES as string[]).includes(v)) policy = v as DeployPolicy;
    else if (v !== undefined) {
      out.push({ ...a.location, code: 'E_BAD_POLICY', message: 'policy must be "queue" or "supersede"' });
    }
  }
  return { policy, dependsOn };
}

/** Blocks by type; `agent` blocks are read at once (deploy.hcl's win over orbit.hcl's). */
function sortBlocks(
  deploy: ParsedFile,
  customAgents: Record<string, CustomAgent>,
  out: Diagnostic[],
): SortedBlocks {
  const sorted: SortedBlocks = {
    variables: [],
    consts: [],
    steps: [],
    checks: [],
    schedules: [],
    notify: [],
  };
  for (const b of deploy.blocks) {
    if (b.type === 'variable') sorted.variables.push(b);
    else if (b.type === 'const') {
      if (b.labels.length > 0)
        out.push({ ...b.location, code: 'E_BLOCK_LABEL', message: 'const blocks take no label' });
      sorted.consts.push(...b.attributes);
      for (const nb of b.blocks)
        out.push({
          ...nb.location,
          code: 'E_UNKNOWN_BLOCK',
          message: `unexpected block "${nb.type}" in const`,
        });
    } else if (b.type === 'step') {
      if (b.labels.length > 0) {
        out.push({
          ...b.location,
          code: 'E_BLOCK_LABEL',
          message:
            'step blocks take no label (labelled blocks lose their order); write step { name = "..." }',
        });
      }
      sorted.steps.push(b);
    } else if (b.type === 'agent') readAgent(b, customAgents, out);
    else if (b.type === 'check') sorted.checks.push(b);
    else if (b.type === 'schedule') sorted.schedules.push(b);
    else if (b.type === 'notify') sorted.notify.push(b);
    else
      out.push({
        ...b.location,
        code: 'E_UNKNOWN_BLOCK',
        message: `unexpected block "${b.type}"${suggestion(b.type, TOP_LEVEL_BLOCKS)}`,
      });
  }
  return sorted;
}

/** The service's own schedule block (at most one), else orbit.hcl's. */
function readServiceSchedule(blocks: ParsedBlock[], input: BuildInput, out: Diagnostic[]) {
  for (const extra of blocks.slice(1))
    out.push({
      ...extra.location,
      code: 'E_BAD_SCHEDULE',
      message: 'a deploy.hcl has at most one schedule block',
    });
  const own = blocks[0] ? readSchedule(blocks[0], input.deploy.file, out) : null;
  return own ?? input.settings.schedule ?? null;
}
