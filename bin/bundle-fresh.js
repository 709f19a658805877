// Whether a checkout's bundle (dist/orbit.mjs, what `npm run build` writes) is newer than every
// source file: bin/orbit.js runs it only then, the tests and benchmarks rebuild it when it is not.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newest(dir) {
  let latest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

/** @param {string} root a checkout */
export function bundlePath(root) {
  return path.join(root, 'dist', 'orbit.mjs');
}

/** @param {string} root a checkout */
export function bundleIsFresh(root) {
  const bundle = bundlePath(root);
  return existsSync(bundle) && statSync(bundle).mtimeMs >= newest(path.join(root, 'src'));
}
