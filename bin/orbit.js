#!/usr/bin/env node
// Runs the bundle that `npm install` builds (dist/orbit.mjs, see `npm run build`) when it is newer
// than every source file: it starts in a third of the time. Otherwise the TypeScript sources run
// through tsx, so an edited checkout never runs stale code.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleIsFresh, bundlePath } from './bundle-fresh.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (bundleIsFresh(root)) {
  await import(pathToFileURL(bundlePath(root)).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(root, 'src', 'cli', 'main.ts')).href);
}
