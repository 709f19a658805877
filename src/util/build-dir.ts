import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where `npm ci` leaves what it builds (native/build.mjs): the package's `build/` folder. This
 * module runs from src/util/ (tsx) or from a chunk of the bundle in dist/, so both depths are tried.
 */
const CANDIDATES = ['../../build/', '../build/'];

/** The path of `name` in build/, if it is there. */
export function builtFile(name: string): string | undefined {
  for (const rel of CANDIDATES) {
    const file = fileURLToPath(new URL(rel + name, import.meta.url));
    if (existsSync(file)) return file;
  }
  return undefined;
}
