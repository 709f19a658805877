import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { parserPackage, unzippedWasmName } from '../../src/config/hcl/hcl2json.js';
import { builtFile } from '../../src/util/build-dir.js';

// `npm ci` (native/build.mjs) unzips the parser's module once, so that no process unzips it at
// its start; what the parser then runs must be the package's own module, byte for byte.
it("leaves the parser's WebAssembly unzipped in build/, the package's module byte for byte", () => {
  const { dir, version } = parserPackage();
  const unzipped = builtFile(unzippedWasmName(version));
  expect(unzipped, 'build/hcl2json-<version>.wasm (npm ci builds it: native/build.mjs)').toBeDefined();
  const own = gunzipSync(readFileSync(join(dir, 'main.wasm.gz')));
  expect(readFileSync(unzipped!).equals(own)).toBe(true);
});
