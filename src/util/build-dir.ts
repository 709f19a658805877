import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where `npm ci` leaves what it builds (native/build.mjs): the package's `build/` folder, seen
 * from this module in src/util/ (run through tsx) or from the bundle's chunk in dist/. Only the
 * package's own: a native addon found anywhere else would be someone else's code.
 */
const BUILD_DIR = new URL(import.meta.url.endsWith('.ts') ? '../../build/' : '../build/', import.meta.url);

/** The path of `name` in build/, if it is there. */
export function builtFile(name: string): string | undefined {
  const file = fileURLToPath(new URL(name, BUILD_DIR));
  return existsSync(file) ? file : undefined;
}
