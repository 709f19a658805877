#!/usr/bin/env node
// Builds the exec agent's native spawner (native/spawn.c) into build/orbit_spawn.node with the C
// compiler alone: it uses only Node-API, whose headers come from the node-api-headers package, so
// neither node-gyp, Python nor Node's own headers (a download where Node did not come with them)
// are needed. Run by `npm ci` (the `install` script). Where it cannot be built (no compiler, not
// Linux) it says so and exits 0: exec steps then spawn as Node does (slower, same behaviour);
// ORBIT_REQUIRE_NATIVE=1 (CI, the image build) makes that an error instead.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const required = process.env.ORBIT_REQUIRE_NATIVE === '1';

function give(why) {
  const text = `orbit: the native spawner was not built (${why}); exec steps will spawn through Node, about 0.6 ms slower a step`;
  console.error(required ? `${text}. ORBIT_REQUIRE_NATIVE=1: failing.` : text);
  process.exit(required ? 1 : 0);
}

if (process.platform !== 'linux') give(`it is for Linux, this is ${process.platform}`);
let include;
try {
  include = join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include');
} catch {
  give('the node-api-headers package is not installed');
}
const cc = process.env.CC || 'cc';
const out = join(root, 'build', 'orbit_spawn.node');
mkdirSync(dirname(out), { recursive: true });
// Built beside and renamed: a running Orbit that has the old one loaded keeps it intact.
const tmp = `${out}.${process.pid}.tmp`;
const args = ['-O2', '-fPIC', '-shared', '-Wall', '-Wextra', '-Werror', '-DNAPI_VERSION=8', '-I', include];
const r = spawnSync(cc, [...args, join(root, 'native', 'spawn.c'), '-o', tmp, '-lpthread'], {
  stdio: 'inherit',
});
if (r.error) give(`${cc}: ${r.error.code ?? r.error.message}`);
if (r.status !== 0) give(`${cc} exited with ${r.status ?? r.signal}`);
renameSync(tmp, out);
