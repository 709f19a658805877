/*
 * spawn(): starts an exec step's process with posix_spawn, which glibc implements with
 * clone(CLONE_VM | CLONE_VFORK): the child runs in the parent's memory until it execs, so
 * nothing of the parent is copied. Node's spawn() forks (libuv 1.46 on Linux): it copies the
 * page tables of the whole Node process and the parent then takes a copy-on-write fault for
 * every page it writes while the child still shares it. See src/agents/native-spawn.ts.
 *
 * spawn(file, argv, envp, cwd | null) -> [id, pid, stdoutFd, stderrFd]
 *   The child leads a new session (as Node's `detached: true`), has stdin on /dev/null, stdout and
 *   stderr on pipes whose read ends are returned, every signal at its default disposition and
 *   none blocked (Node ignores SIGPIPE; an ignored disposition would survive exec). `file`
 *   without a slash is looked up in the PATH of `envp`, as libuv does. Throws an Error whose
 *   message is the errno name (ENOENT, EACCES, ...) when the process could not start.
 *   Events go to the handler set by setSpawnHandler: handler(id, 0, code, signal) once it exited
 *   (code null when a signal ended it), and handler(id, 1, pipe) the first time its stdout (0) or
 *   stderr (1) has output or is closed: the pipes are non-blocking and JS's to read from then
 *   (for a process that writes nothing, one read that sees the end: no stream is set up at all).
 *
 * Each exit is watched through a pidfd, by one thread per Node environment blocked in epoll_wait,
 * and reaped with waitid(P_PIDFD): only processes started here are ever reaped (libuv reaps its
 * own children by pid). The thread hands events to the JS thread through a thread-safe
 * function, referenced only while a process runs so that it never keeps Node alive by itself.
 * Only Node-API is used (node-api-headers; no libuv or V8 headers), so native/build.mjs
 * builds it with a C compiler alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "napi-strings.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* One per Node environment: the thread that waits for exits and output and hands them to JS. */
typedef struct {
  int epfd;
  int stop; /* eventfd: the environment is going away */
  pthread_t thread;
  napi_threadsafe_function events;
  napi_ref handler;  /* handler(id, kind, a, b): see setSpawnHandler; JS thread only */
  uint32_t running;  /* processes not yet reported exited; JS thread only */
  uint32_t next_id;  /* JS thread only */
} watcher_t;

typedef struct {
  int pidfd;
  uint32_t id;
  int exited; /* CLD_EXITED: status is the code; otherwise the signal */
  int status;
} child_t;

/*
 * An output pipe's epoll data: this bit, the process's id shifted by one, and which pipe (0
 * stdout, 1 stderr) in the lowest bit. Handed to JS as is: nothing is allocated for it, and the
 * pipe itself is JS's from the start (the watcher never reads or closes it). A child_t pointer
 * never has this bit set.
 */
#define STREAM_TAG ((uint64_t)1 << 63)

static void *watch(void *arg) {
  watcher_t *w = arg;
  struct epoll_event ev[16];
  for (;;) {
    int n = epoll_wait(w->epfd, ev, 16, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return NULL;
    for (int i = 0; i < n; i++) {
      if (ev[i].data.u64 & STREAM_TAG) {
        /* Readable or closed, once (EPOLLONESHOT): JS reads it from here on. */
        napi_call_threadsafe_function(w->events, (void *)(uintptr_t)ev[i].data.u64, napi_tsfn_blocking);
        continue;
      }
      child_t *c = ev[i].data.ptr;
      if (!c) return NULL; /* the stop eventfd */
      siginfo_t si;
      memset(&si, 0, sizeof si);
      if (waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &si, WEXITED | WNOHANG) != 0) {
        if (errno == EINTR) continue;
        si.si_code = CLD_KILLED; /* cannot be reaped (cannot happen): report it ended */
        si.si_status = SIGKILL;
      } else if (si.si_pid == 0) {
        continue; /* not exited yet */
      }
      epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->pidfd, NULL);
      close(c->pidfd);
      c->exited = si.si_code == CLD_EXITED;
      c->status = si.si_status;
      napi_call_threadsafe_function(w->events, c, napi_tsfn_blocking);
    }
  }
}

/*
 * On the JS thread: handler(id, 0, code, null) or handler(id, 0, null, signal) when a process
 * exited; handler(id, 1, pipe, null) when one of its pipes first has output or is closed.
 */
static void deliver(napi_env env, napi_value unused, void *context, void *data) {
  (void)unused;
  watcher_t *w = context;
  uint64_t tag = (uint64_t)(uintptr_t)data;
  child_t *c = tag & STREAM_TAG ? NULL : data;
  if (env && w->handler) {
    napi_value fn, recv, args[4], result;
    napi_get_reference_value(env, w->handler, &fn);
    napi_get_undefined(env, &recv);
    if (c) {
      napi_create_uint32(env, c->id, &args[0]);
      napi_create_int32(env, 0, &args[1]);
      napi_create_int32(env, c->status, &args[c->exited ? 2 : 3]);
      napi_get_null(env, &args[c->exited ? 3 : 2]);
    } else {
      napi_create_uint32(env, (uint32_t)((tag & ~STREAM_TAG) >> 1), &args[0]);
      napi_create_int32(env, 1, &args[1]);
      napi_create_int32(env, (int32_t)(tag & 1), &args[2]);
      napi_get_null(env, &args[3]);
    }
    /* The JS side catches what its handler throws (native-spawn.ts). */
    napi_call_function(env, recv, fn, 4, args, &result);
  }
  if (c) {
    if (env && --w->running == 0) napi_unref_threadsafe_function(env, w->events);
    free(c);
  }
}

static void stop_watcher(void *arg) {
  watcher_t *w = arg;
  uint64_t one = 1;
  if (write(w->stop, &one, sizeof one) == sizeof one) pthread_join(w->thread, NULL);
  close(w->stop);
  close(w->epfd);
  free(w);
}

/* The environment's watcher, started on its first spawn; NULL (errno set) if it cannot start. */
static watcher_t *watcher(napi_env env) {
  watcher_t *w = NULL;
  napi_get_instance_data(env, (void **)&w);
  if (w) return w;
  w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->epfd = epoll_create1(EPOLL_CLOEXEC);
  w->stop = eventfd(0, EFD_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  napi_value name;
  napi_create_string_utf8(env, "orbit:spawn", NAPI_AUTO_LENGTH, &name);
  if (w->epfd < 0 || w->stop < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->stop, &ev) != 0 ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, w, deliver, &w->events) !=
          napi_ok) {
    int e = errno ? errno : ENOMEM;
    if (w->epfd >= 0) close(w->epfd);
    if (w->stop >= 0) close(w->stop);
    free(w);
    errno = e;
    return NULL;
  }
  napi_unref_threadsafe_function(env, w->events);
  if ((errno = pthread_create(&w->thread, NULL, watch, w)) != 0) {
    int e = errno;
    napi_release_threadsafe_function(w->events, napi_tsfn_abort);
    close(w->epfd);
    close(w->stop);
    free(w);
    errno = e;
    return NULL;
  }
  napi_set_instance_data(env, w, NULL, NULL);
  napi_add_env_cleanup_hook(env, stop_watcher, w);
  return w;
}

/* The value of PATH in envp, or libuv's default when envp has none. */
static const char *path_of(char **envp) {
  for (char **e = envp; *e; e++)
    if (strncmp(*e, "PATH=", 5) == 0) return *e + 5;
  return "/usr/local/bin:/bin:/usr/bin";
}

/*
 * posix_spawn of `file`, looked up in PATH as execvp does when it has no slash: a candidate that
 * is missing (or under a non-directory) is skipped, EACCES is kept in case nothing else is
 * found, any other error stops the search. Returns 0 or an errno value.
 */
static int spawn_found(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                       const posix_spawnattr_t *at, char **argv, char **envp) {
  if (strchr(file, '/')) return posix_spawn(pid, file, fa, at, argv, envp);
  if (!*file) return ENOENT;
  const char *path = path_of(envp);
  size_t flen = strlen(file);
  int seen_eacces = 0;
  char *buf = malloc(strlen(path) + flen + 3);
  if (!buf) return ENOMEM;
  for (const char *p = path;; p++) {
    const char *end = strchrnul(p, ':');
    size_t dlen = (size_t)(end - p);
    /* An empty entry is the current directory, as for execvp. */
    if (dlen == 0) buf[0] = '.', dlen = 1;
    else memcpy(buf, p, dlen);
    buf[dlen] = '/';
    memcpy(buf + dlen + 1, file, flen + 1);
    struct stat st;
    /*
     * A stat first: a failed posix_spawn still costs a clone. Not for a relative entry, which
     * the child resolves in its own working directory (after the chdir), as libuv's search does.
     */
    int rc = buf[0] != '/' || stat(buf, &st) == 0 ? posix_spawn(pid, buf, fa, at, argv, envp) : errno;
    if (rc == 0) return free(buf), 0;
    if (rc == EACCES) seen_eacces = 1;
    else if (rc != ENOENT && rc != ENOTDIR) return free(buf), rc;
    if (!*end) break;
    p = end;
  }
  free(buf);
  return seen_eacces ? EACCES : ENOENT;
}

static napi_value throw_errno(napi_env env, int rc) {
  napi_value code, message, error;
  const char *name = strerrorname_np(rc);
  napi_create_string_utf8(env, name ? name : "EINVAL", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, strerror(rc), NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_throw(env, error);
  return NULL;
}

static napi_value Spawn(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  napi_valuetype cwd_type = napi_undefined;
  if (argc == 4) napi_typeof(env, a[3], &cwd_type);
  if (argc < 4 || (cwd_type != napi_string && cwd_type != napi_null)) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd | null)");
    return NULL;
  }
  char *file = string_of(env, a[0]);
  char **argv = strings_of(env, a[1]);
  char **envp = strings_of(env, a[2]);
  char *cwd = cwd_type == napi_string ? string_of(env, a[3]) : NULL;
  int out[2] = {-1, -1}, err[2] = {-1, -1}, pidfd = -1, reserve = -1, rc = 0;
  pid_t pid = -1;
  uint32_t id = 0;
  watcher_t *w = NULL;
  if (!file || !argv || !envp || (cwd_type == napi_string && !cwd)) {
    rc = EINVAL;
    goto done;
  }
  if (!(w = watcher(env))) {
    rc = errno;
    goto done;
  }
  /*
   * `reserve` keeps a descriptor free for the pidfd: once the process runs, failing to watch it
   * (EMFILE) would leave only killing it, and it may have done something by then.
   */
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
      (reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
    rc = errno;
    goto done;
  }

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  if (cwd) posix_spawn_file_actions_addchdir_np(&fa, cwd);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &all);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
  rc = spawn_found(&pid, file, &fa, &at, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  if (rc != 0) goto done;

  close(reserve);
  reserve = -1;
  id = w->next_id++;
  /* Read by JS without blocking (the child's ends stay blocking, as a process expects). */
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(err[0], F_SETFL, O_NONBLOCK);
  struct epoll_event so = {.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, .data.u64 = STREAM_TAG | ((uint64_t)id << 1)};
  struct epoll_event se = {.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, .data.u64 = so.data.u64 | 1};
  pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  child_t *c = pidfd >= 0 ? calloc(1, sizeof *c) : NULL;
  /* Filled before the watcher can see it: the process may have exited already. */
  if (c) c->pidfd = pidfd, c->id = id;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  errno = 0;
  if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, out[0], &so) != 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, err[0], &se) != 0 ||
      !c || epoll_ctl(w->epfd, EPOLL_CTL_ADD, pidfd, &ev) != 0) {
    /*
     * Cannot watch it (cannot happen but for memory): stop it rather than leave it unwatched.
     * Its pipes, closed below, leave the epoll set; an event already handed over names an id JS
     * never got, and is ignored there.
     */
    rc = errno ? errno : ENOMEM;
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    if (pidfd >= 0) close(pidfd);
    free(c);
    goto done;
  }
  if (w->running++ == 0) napi_ref_threadsafe_function(env, w->events);

done:
  if (reserve >= 0) close(reserve);
  if (out[1] >= 0) close(out[1]);
  if (err[1] >= 0) close(err[1]);
  if (rc != 0) {
    if (out[0] >= 0) close(out[0]);
    if (err[0] >= 0) close(err[0]);
  }
  free(file);
  free(cwd);
  strings_free(argv);
  strings_free(envp);
  if (rc != 0) return throw_errno(env, rc);
  napi_value result, v;
  napi_create_array_with_length(env, 4, &result);
  napi_create_uint32(env, id, &v);
  napi_set_element(env, result, 0, v);
  napi_create_int32(env, pid, &v);
  napi_set_element(env, result, 1, v);
  napi_create_int32(env, out[0], &v);
  napi_set_element(env, result, 2, v);
  napi_create_int32(env, err[0], &v);
  napi_set_element(env, result, 3, v);
  return result;
}

/* setSpawnHandler(handler): where every process's events go (see deliver); set once. */
static napi_value SetSpawnHandler(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value fn;
  napi_valuetype type = napi_undefined;
  napi_get_cb_info(env, info, &argc, &fn, NULL, NULL);
  if (argc == 1) napi_typeof(env, fn, &type);
  watcher_t *w = type == napi_function ? watcher(env) : NULL;
  if (!w) {
    napi_throw_type_error(env, NULL, "setSpawnHandler(handler)");
    return NULL;
  }
  if (w->handler) napi_delete_reference(env, w->handler);
  napi_create_reference(env, fn, 1, &w->handler);
  return NULL;
}

void register_spawn(napi_env env, napi_value exports) {
  /* Without pidfds (Linux before 5.3) there is no `spawn`: the caller spawns as Node does. */
  int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (self < 0) return;
  close(self);
  napi_value fn;
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, Spawn, NULL, &fn);
  napi_set_named_property(env, exports, "spawn", fn);
  napi_create_function(env, "setSpawnHandler", NAPI_AUTO_LENGTH, SetSpawnHandler, NULL, &fn);
  napi_set_named_property(env, exports, "setSpawnHandler", fn);
}
