/**
 * The parameter tables of docs/agents.md, generated from the contracts so the docs cannot drift.
 * Pure: `scripts/agent-docs.ts` reads and writes the file, a test checks it is up to date.
 */
import type { ParamSpec } from './contract.js';
import { BUILTIN_CONTRACTS, STEP_ATTRIBUTES } from './contracts.js';
import { CONTAINER_PARAMS } from './docker-contract.js';

/** Each table sits between `<!-- params:NAME -->` and `<!-- /params -->`. */
const TABLES: Record<string, () => Readonly<Record<string, ParamSpec>>> = {
  step: () => STEP_ATTRIBUTES,
  ...Object.fromEntries(Object.entries(BUILTIN_CONTRACTS).map(([kind, c]) => [kind, () => c.params])),
  custom: () => CONTAINER_PARAMS,
};

export function paramTable(params: Readonly<Record<string, ParamSpec>>): string {
  const rows = Object.entries(params).map(
    ([name, p]) => `| \`${name}\` | ${p.type} | ${p.required ? 'yes' : 'no'} | ${p.description} |`,
  );
  return ['| param | type | required | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** `markdown` with every generated table replaced by what the contracts say (unformatted). */
export function renderParamTables(markdown: string): string {
  return markdown.replace(
    /(<!-- params:([a-z]+) -->)[\s\S]*?(<!-- \/params -->)/g,
    (whole, open: string, name: string, close: string) => {
      const table = TABLES[name];
      return table ? `${open}\n\n${paramTable(table())}\n\n${close}` : whole;
    },
  );
}

/** Names of the tables a document must hold. */
export const PARAM_TABLES = Object.keys(TABLES);
