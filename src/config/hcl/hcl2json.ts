/**
 * The one door to `@cdktn/hcl2json`: HashiCorp's hclsyntax, a Go program compiled to
 * WebAssembly. It is started on first use: commands that never parse HCL (status, log, show,
 * --help) never pay it. Started here rather than through the package's index, whose bridge loads
 * fs-extra (19 ms) and unzips the 7 MB module (22 ms) at every start, on the path of every
 * command that loads config: the module comes from `build/hcl2json-<version>.wasm`, unzipped once
 * by `npm ci` (native/build.mjs), or from the package's `main.wasm.gz` when it is not there; and
 * only the Go runtime's glue (`wasm/bridge_wasm_exec.js`) is loaded. `parse` and
 * `getExpressionAst` are the package's own: they call what the Go program registered and parse
 * its JSON answer.
 */
import type * as Hcl2Json from '@cdktn/hcl2json';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { builtFile } from '../../util/build-dir.js';

export type Hcl2JsonApi = Pick<typeof Hcl2Json, 'parse' | 'getExpressionAst'>;

/** The global the Go program registers its functions on (the package's own name for it). */
const REGISTRY = '__parse_terraform_config_wasm__';

type GoFunction = (...args: unknown[]) => void;
interface GoRuntime {
  importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
}

let loading: Promise<Hcl2JsonApi> | undefined;

export function hcl2json(): Promise<Hcl2JsonApi> {
  loading ??= start();
  return loading;
}

/** The package's folder and version: the unzipped module's name says which version it is of. */
export function parserPackage(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@cdktn/hcl2json/package.json');
  return { dir: dirname(manifest), version: (require(manifest) as { version: string }).version };
}

/** The name native/build.mjs gives the unzipped module of a version. */
export const unzippedWasmName = (version: string): string => `hcl2json-${version}.wasm`;

async function start(): Promise<Hcl2JsonApi> {
  const { dir, version } = parserPackage();
  const unzipped = builtFile(unzippedWasmName(version));
  const bytes = unzipped ? await readFile(unzipped) : gunzipSync(await readFile(join(dir, 'main.wasm.gz')));
  // Defines globalThis.Go, Go's own wasm_exec.js for Node.
  createRequire(import.meta.url)(join(dir, 'wasm', 'bridge_wasm_exec.js'));
  const go = new (globalThis as unknown as { Go: new () => GoRuntime }).Go();
  const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
  const registered: Record<string, GoFunction> = {};
  (globalThis as Record<string, unknown>)[REGISTRY] = registered;
  // Runs the Go program's main until it waits: by then it has registered its functions.
  void go.run(instance);

  const call = (name: string, ...args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      const fn = registered[name];
      if (typeof fn !== 'function')
        return reject(new Error(`There is nothing defined with the name "${name}"`));
      fn(...args, (err: string | null, answer: string) => (err ? reject(new Error(err)) : resolve(answer)));
    });
  return {
    parse: async (filename, contents) => JSON.parse(await call('parse', filename, contents)),
    getExpressionAst: async (filename, expression) =>
      JSON.parse(await call('getExpressionAst', filename, expression)) || null,
  };
}
