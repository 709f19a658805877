/**
 * Global setup of the tiers that run `bin/orbit.js`: builds the bundle once, before any test, when
 * it is older than the sources, so the CLI under test is the bundle users run (and starts in a
 * third of tsx's time). Nothing rebuilds it while tests run: a rebuild under a starting CLI would
 * hand it half-written chunks.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { bundleIsFresh } from '../../bin/bundle-fresh.js';

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '../..');
  if (!bundleIsFresh(root))
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
}
