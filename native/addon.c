/*
 * Orbit's native addon (build/orbit_native.node, built by native/build.mjs): Linux system calls
 * Node does not offer, each in a file of its own. Loaded by src/util/native-addon.ts.
 */
#include <node_api.h>

void register_spawn(napi_env env, napi_value exports);
void register_create_files(napi_env env, napi_value exports);

NAPI_MODULE_INIT() {
  register_spawn(env, exports);
  register_create_files(env, exports);
  return exports;
}
