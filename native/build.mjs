#!/usr/bin/env node
// What `npm ci` builds into build/ (the `install` script; `npm run build:native` again):
// - build/hcl2json-<version>.wasm, the HCL parser's WebAssembly module unzipped once, rather than
//   at the start of every process that parses config (src/config/hcl/hcl2json.ts);
// - build/orbit_native.node, Orbit's native addon (native/addon.c: the exec agent's spawner,
//   native/spawn.c; the temp-file pool's creation of files, native/create-files.c), with the C compiler
//   alone: it uses only Node-API, whose headers come from the node-api-headers package, so neither
//   node-gyp, Python nor Node's own headers (a download where Node did not come with them) are
//   needed. Where it cannot be built (no compiler, not Linux) this says so and exits 0: exec
//   steps then spawn as Node does (slower, same behaviour); ORBIT_REQUIRE_NATIVE=1 (CI, the image
//   build) makes that an error instead.
// Each file is written beside and renamed: a running Orbit that has the old one open keeps it intact.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const required = process.env.ORBIT_REQUIRE_NATIVE === '1';

function give(why) {
  const text = `orbit: the native addon was not built (${why}); exec steps will spawn through Node (about 0.8 ms slower a step)`;
  console.error(required ? `${text}. ORBIT_REQUIRE_NATIVE=1: failing.` : text);
  process.exit(required ? 1 : 0);
}

const require = createRequire(import.meta.url);
const outDir = join(root, 'build');
mkdirSync(outDir, { recursive: true });

// The parser's module: its version in the name, so an upgrade of the package never meets an old one.
const parser = dirname(require.resolve('@cdktn/hcl2json/package.json'));
const { version } = JSON.parse(readFileSync(join(parser, 'package.json'), 'utf8'));
const wasm = join(outDir, `hcl2json-${version}.wasm`);
writeFileSync(`${wasm}.${process.pid}.tmp`, gunzipSync(readFileSync(join(parser, 'main.wasm.gz'))));
renameSync(`${wasm}.${process.pid}.tmp`, wasm);

if (process.platform !== 'linux') give(`it is for Linux, this is ${process.platform}`);
let include;
try {
  include = join(dirname(require.resolve('node-api-headers/package.json')), 'include');
} catch {
  give('the node-api-headers package is not installed');
}
const cc = process.env.CC || 'cc';
const out = join(outDir, 'orbit_native.node');
const tmp = `${out}.${process.pid}.tmp`;
const args = ['-O2', '-fPIC', '-shared', '-Wall', '-Wextra', '-Werror', '-DNAPI_VERSION=8', '-I', include];
const sources = ['addon.c', 'spawn.c', 'create-files.c'].map((f) => join(root, 'native', f));
const r = spawnSync(cc, [...args, ...sources, '-o', tmp, '-lpthread'], {
  stdio: 'inherit',
});
if (r.error) give(`${cc}: ${r.error.code ?? r.error.message}`);
if (r.status !== 0) give(`${cc} exited with ${r.status ?? r.signal}`);
renameSync(tmp, out);
