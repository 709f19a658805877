/* Copies of JS strings for the addon's functions (native/spawn.c, native/create-files.c). */
#ifndef ORBIT_NAPI_STRINGS_H
#define ORBIT_NAPI_STRINGS_H
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

static inline char *string_of(napi_env env, napi_value v) {
  size_t n = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) return NULL;
  char *s = malloc(n + 1);
  if (s) napi_get_value_string_utf8(env, v, s, n + 1, &n);
  /* A NUL inside would cut the string short: refused (EINVAL), as Node refuses it. */
  if (s && strlen(s) != n) free(s), s = NULL;
  return s;
}

static inline void strings_free(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

/* A NULL-terminated copy of a JS array of strings, or NULL (not an array, or a non-string in it). */
static inline char **strings_of(napi_env env, napi_value arr) {
  uint32_t n = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return NULL;
  char **v = calloc(n + 1, sizeof(char *));
  if (!v) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    if (napi_get_element(env, arr, i, &e) != napi_ok || !(v[i] = string_of(env, e))) {
      strings_free(v);
      return NULL;
    }
  }
  return v;
}

#endif
