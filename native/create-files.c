/*
 * createFiles(paths, mode) -> Promise<number[]>: creates each file exclusively (O_CREAT | O_EXCL,
 * close-on-exec, write-only) in one job on libuv's thread pool, and resolves with a descriptor
 * for each, or -errno where it could not be created. TempFilePool (src/util/temp-pool.ts) fills
 * itself so: one fs.open() per file cost the event loop 10-60 µs to submit, several files a step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdlib.h>
#include <unistd.h>

#include "napi-strings.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char **paths;
  uint32_t count;
  int mode;
  int *results;
} job_t;

static void create(napi_env env, void *data) {
  (void)env;
  job_t *j = data;
  for (uint32_t i = 0; i < j->count; i++) {
    int fd = open(j->paths[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, j->mode);
    j->results[i] = fd >= 0 ? fd : -errno;
  }
}

static void created(napi_env env, napi_status status, void *data) {
  job_t *j = data;
  napi_value list, v;
  if (status == napi_ok && napi_create_array_with_length(env, j->count, &list) == napi_ok) {
    for (uint32_t i = 0; i < j->count; i++) {
      napi_create_int32(env, j->results[i], &v);
      napi_set_element(env, list, i, v);
    }
    napi_resolve_deferred(env, j->deferred, list);
  } else {
    for (uint32_t i = 0; i < j->count; i++)
      if (j->results[i] >= 0) close(j->results[i]);
    napi_value message, error;
    napi_create_string_utf8(env, "createFiles: cancelled", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    napi_reject_deferred(env, j->deferred, error);
  }
  napi_delete_async_work(env, j->work);
  strings_free(j->paths);
  free(j->results);
  free(j);
}

static napi_value CreateFiles(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2], name, promise;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  int32_t mode = 0;
  job_t *j = calloc(1, sizeof *j);
  if (j && argc == 2) j->paths = strings_of(env, a[0]);
  if (!j || !j->paths || napi_get_value_int32(env, a[1], &mode) != napi_ok) {
    if (j) strings_free(j->paths);
    free(j);
    napi_throw_type_error(env, NULL, "createFiles(paths: string[], mode: number)");
    return NULL;
  }
  while (j->paths[j->count]) j->count++;
  j->mode = mode;
  j->results = calloc(j->count ? j->count : 1, sizeof(int));
  napi_create_string_utf8(env, "orbit:createFiles", NAPI_AUTO_LENGTH, &name);
  if (!j->results || napi_create_promise(env, &j->deferred, &promise) != napi_ok ||
      napi_create_async_work(env, NULL, name, create, created, j, &j->work) != napi_ok ||
      napi_queue_async_work(env, j->work) != napi_ok) {
    strings_free(j->paths);
    free(j->results);
    free(j);
    napi_throw_error(env, NULL, "createFiles: cannot queue the job");
    return NULL;
  }
  return promise;
}

void register_create_files(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "createFiles", NAPI_AUTO_LENGTH, CreateFiles, NULL, &fn);
  napi_set_named_property(env, exports, "createFiles", fn);
}
