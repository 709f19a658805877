/**
 * Regenerates the parameter tables of docs/agents.md from the agent contracts
 * (src/agents/*-contract.ts). `--check` changes nothing and exits 1 when the file is out of date.
 * Run through `npm run docs:agents`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { agentDocs } from './agent-docs-render.js';

const file = path.resolve(import.meta.dirname, '../docs/agents.md');
const current = await readFile(file, 'utf8');
const wanted = await agentDocs(current);
if (process.argv.includes('--check')) {
  if (wanted !== current) {
    process.stderr.write('docs/agents.md is out of date: run npm run docs:agents\n');
    process.exitCode = 1;
  }
} else if (wanted !== current) {
  await writeFile(file, wanted);
  process.stdout.write('docs/agents.md updated\n');
}
