/**
 * The one door to `@cdktn/hcl2json`. Loading it starts a WebAssembly module (~0.5 s), so it is
 * imported on first use: commands that never parse HCL (status, log, show, --help) never pay it.
 */
import type * as Hcl2Json from '@cdktn/hcl2json';

let loading: Promise<typeof Hcl2Json> | undefined;

export function hcl2json(): Promise<typeof Hcl2Json> {
  loading ??= import('@cdktn/hcl2json');
  return loading;
}
