/** docs/agents.md's parameter tables are generated from the agent contracts and cannot drift. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARAM_TABLES } from '../../src/agents/contract-docs.js';
import { BUILTIN_CONTRACTS, STEP_ATTRIBUTES } from '../../src/agents/contracts.js';
import { agentDocs } from '../../scripts/agent-docs-render.js';

const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/agents.md'), 'utf8');

describe('docs/agents.md', () => {
  it('is what the generator writes (run npm run docs:agents after changing a contract)', async () => {
    expect(await agentDocs(doc)).toBe(doc);
  });

  it('holds a table for the step attributes, every built-in kind and custom agents', () => {
    expect(PARAM_TABLES).toEqual(
      expect.arrayContaining(['step', 'custom', ...Object.keys(BUILTIN_CONTRACTS)]),
    );
    for (const name of PARAM_TABLES) expect(doc).toContain(`<!-- params:${name} -->`);
    for (const attr of Object.keys(STEP_ATTRIBUTES)) expect(doc).toContain(`| \`${attr}\``);
  });
});
