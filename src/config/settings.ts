/** Repo-wide settings and custom agents from `orbit.hcl`. */
import { didYouMean } from '../util/did-you-mean.js';
import { durationProblem, parseDuration } from '../util/duration.js';
import type { Diagnostic } from '../util/errors.js';
import { readAgent } from './agent-block.js';
import { evaluateConstant } from './constant.js';
import type { ParsedBlock, ParsedFile } from './hcl/parse.js';
import { readSchedule } from './schedule-spec.js';
import { readNotify } from './notify-spec.js';
import type { DeployPolicy, RepoSettings } from './types.js';

export const POLICIES: readonly DeployPolicy[] = ['queue', 'supersede'];

/** Self-heal's first wait after an attempt that did not converge; it doubles up to 32 times this. */
export const DEFAULT_SELF_HEAL_BACKOFF_MS = 30_000;

export function defaultSettings(): RepoSettings {
  return {
    defaultPolicy: 'queue',
    maxParallel: null,
    selfHeal: false,
    selfHealBackoffMs: DEFAULT_SELF_HEAL_BACKOFF_MS,
    requireSignedCommits: false,
    allowedSigners: null,
    customAgents: {},
    notify: [],
    raw: {},
  };
}

export function buildSettings(file: ParsedFile | null, out: Diagnostic[]): RepoSettings {
  const settings = defaultSettings();
  if (!file) return settings;
  for (const a of file.attributes) {
    out.push({
      ...a.location,
      code: 'E_UNKNOWN_ATTRIBUTE',
      message: `unexpected attribute "${a.name}" in orbit.hcl (put it in settings { })`,
    });
  }
  for (const block of file.blocks) {
    if (block.type === 'settings') readSettings(block, settings, out);
    else if (block.type === 'agent') readAgent(block, settings.customAgents, out);
    else if (block.type === 'schedule') settings.schedule = readSchedule(block, file.file, out);
    else if (block.type === 'notify') readNotify(block, settings.notify, out);
    else
      out.push({
        ...block.location,
        code: 'E_UNKNOWN_BLOCK',
        message: `unexpected block "${block.type}" in orbit.hcl`,
      });
  }
  return settings;
}

const SETTINGS = [
  'default_policy',
  'max_parallel',
  'self_heal',
  'self_heal_backoff',
  'require_signed_commits',
  'allowed_signers',
];

function readSettings(block: ParsedBlock, settings: RepoSettings, out: Diagnostic[]): void {
  readAttributes(block, settings, out);
  if (settings.requireSignedCommits && !settings.allowedSigners)
    out.push({
      ...block.location,
      code: 'E_BAD_SETTING',
      message: 'require_signed_commits = true needs allowed_signers = "path" (who may sign)',
    });
}

function readAttributes(block: ParsedBlock, settings: RepoSettings, out: Diagnostic[]): void {
  for (const a of block.attributes) {
    // Other settings are kept for other parts of Orbit, but one that looks like a typo of a known
    // one would silently do nothing.
    const meant = SETTINGS.includes(a.name) ? null : didYouMean(a.name, SETTINGS);
    if (meant) {
      out.push({
        ...a.location,
        code: 'E_UNKNOWN_ATTRIBUTE',
        message: `unknown setting "${a.name}"; did you mean "${meant}"?`,
      });
      continue;
    }
    const v = evaluateConstant(a.expr, `settings.${a.name}`, out);
    if (v === undefined) continue;
    settings.raw[a.name] = v;
    if (a.name === 'default_policy') {
      if (typeof v === 'string' && (POLICIES as string[]).includes(v))
        settings.defaultPolicy = v as DeployPolicy;
      else
        out.push({
          ...a.location,
          code: 'E_BAD_POLICY',
          message: `default_policy must be "queue" or "supersede"`,
        });
    } else if (a.name === 'require_signed_commits') {
      if (typeof v === 'boolean') settings.requireSignedCommits = v;
      else
        out.push({
          ...a.location,
          code: 'E_BAD_SETTING',
          message: 'require_signed_commits must be true or false',
        });
    } else if (a.name === 'allowed_signers') {
      if (typeof v === 'string' && v.trim()) settings.allowedSigners = v.trim();
      else
        out.push({
          ...a.location,
          code: 'E_BAD_SETTING',
          message:
            'allowed_signers must be a path: in the repository (relative) or on the daemon host (absolute)',
        });
    } else if (a.name === 'max_parallel') {
      if (typeof v === 'number' && Number.isInteger(v) && v >= 1) settings.maxParallel = v;
      else
        out.push({
          ...a.location,
          code: 'E_BAD_SETTING',
          message: 'max_parallel must be a whole number >= 1',
        });
    } else if (a.name === 'self_heal') {
      if (typeof v === 'boolean') settings.selfHeal = v;
      else out.push({ ...a.location, code: 'E_BAD_SETTING', message: 'self_heal must be true or false' });
    } else if (a.name === 'self_heal_backoff') {
      const problem = durationProblem(v);
      if (problem)
        out.push({ ...a.location, code: 'E_BAD_SETTING', message: `self_heal_backoff: ${problem}` });
      else settings.selfHealBackoffMs = parseDuration(v as string | number)!;
    }
  }
}
