import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FUNCTIONS } from '../../src/config/expressions/functions.js';

it('docs/hcl.md lists exactly the functions Orbit has', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/hcl.md'), 'utf8');
  const section = /### Functions\n\n`([^`]+)`/.exec(doc)?.[1] ?? '';
  expect(section.split(/\s+/).sort()).toEqual(Object.keys(FUNCTIONS).sort());
});
