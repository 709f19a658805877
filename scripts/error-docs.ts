/** `npm run docs:errors`: writes docs/errors.md from the error-code registry (src/util/error-codes.ts). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'prettier';
import { errorTableMarkdown } from '../src/util/error-table.js';

const file = path.resolve(import.meta.dirname, '../docs/errors.md');
writeFileSync(file, await format(errorTableMarkdown(), { filepath: file }));
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
