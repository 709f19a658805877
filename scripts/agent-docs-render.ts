/** docs/agents.md as the generator writes it: the contract tables filled in, then formatted. */
import prettier from 'prettier';
import { renderParamTables } from '../src/agents/contract-docs.js';

export async function agentDocs(markdown: string): Promise<string> {
  const options = (await prettier.resolveConfig(new URL('../docs/agents.md', import.meta.url))) ?? {};
  return prettier.format(renderParamTables(markdown), { ...options, parser: 'markdown' });
}
