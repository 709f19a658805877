/*
 * spawn(): starts an exec step's process with posix_spawn, which glibc implements with
 * clone(CLONE_VM | CLONE_VFORK): the child runs in the parent's memory until it execs, so
 * nothing of the parent is copied. Node's spawn() forks (libuv 1.46 on Linux): it copies the
 * page tables of the whole Node process and the parent then takes a copy-on-write fault for
 * every page it writes while the child still shares it. See src/agents/native-spawn.ts.
 *
 * spawn(file, argv, envp, cwd | null, onExit) -> [pid, stdoutFd, stderrFd]
 *   The child leads a new session (as Node's `detached: true`), has stdin on /dev/null, stdout and
 *   stderr on pipes whose read ends are returned, every signal at its default disposition and
 *   none blocked (Node ignores SIGPIPE; an ignored disposition would survive exec). `file`
 *   without a slash is looked up in the PATH of `envp`, as libuv does. Throws an Error whose
 *   message is the errno name (ENOENT, EACCES, ...) when the process could not start.
 *   onExit(code, signal) is called once it exited: code null when a signal ended it.
 *
 * Each exit is watched through a pidfd, by one thread per Node environment blocked in epoll_wait,
 * and reaped with waitid(P_PIDFD): only processes started here are ever reaped (libuv reaps its
 * own children by pid). The thread hands the exit to the JS thread through a thread-safe
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

/* One per Node environment: the thread that waits for exits and hands them to JS. */
typedef struct {
  int epfd;
  int stop; /* eventfd: the environment is going away */
  pthread_t thread;
  napi_threadsafe_function exits;
  uint32_t running; /* JS thread only */
} watcher_t;

typedef struct {
  int pidfd;
  napi_ref on_exit;
  int exited; /* CLD_EXITED: status is the code; otherwise the signal */
  int status;
} child_t;

static void *watch(void *arg) {
  watcher_t *w = arg;
  struct epoll_event ev[16];
  for (;;) {
    int n = epoll_wait(w->epfd, ev, 16, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return NULL;
    for (int i = 0; i < n; i++) {
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
      napi_call_threadsafe_function(w->exits, c, napi_tsfn_blocking);
    }
  }
}

/* On the JS thread: onExit(code, null) or onExit(null, signal). */
static void deliver(napi_env env, napi_value unused, void *context, void *data) {
  (void)unused;
  watcher_t *w = context;
  child_t *c = data;
  if (env) {
    napi_value fn, recv, args[2], result;
    napi_get_reference_value(env, c->on_exit, &fn);
    napi_get_undefined(env, &recv);
    napi_create_int32(env, c->status, &args[c->exited ? 0 : 1]);
    napi_get_null(env, &args[c->exited ? 1 : 0]);
    /* The JS side catches what its callback throws (native-spawn.ts). */
    napi_call_function(env, recv, fn, 2, args, &result);
    napi_delete_reference(env, c->on_exit);
    if (--w->running == 0) napi_unref_threadsafe_function(env, w->exits);
  }
  free(c);
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
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, w, deliver, &w->exits) !=
          napi_ok) {
    int e = errno ? errno : ENOMEM;
    if (w->epfd >= 0) close(w->epfd);
    if (w->stop >= 0) close(w->stop);
    free(w);
    errno = e;
    return NULL;
  }
  napi_unref_threadsafe_function(env, w->exits);
  if ((errno = pthread_create(&w->thread, NULL, watch, w)) != 0) {
    int e = errno;
    napi_release_threadsafe_function(w->exits, napi_tsfn_abort);
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
  size_t argc = 5;
  napi_value a[5];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  napi_valuetype cwd_type = napi_undefined, fn_type = napi_undefined;
  if (argc == 5) {
    napi_typeof(env, a[3], &cwd_type);
    napi_typeof(env, a[4], &fn_type);
  }
  if (argc < 5 || fn_type != napi_function || (cwd_type != napi_string && cwd_type != napi_null)) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd | null, onExit)");
    return NULL;
  }
  char *file = string_of(env, a[0]);
  char **argv = strings_of(env, a[1]);
  char **envp = strings_of(env, a[2]);
  char *cwd = cwd_type == napi_string ? string_of(env, a[3]) : NULL;
  int out[2] = {-1, -1}, err[2] = {-1, -1}, pidfd = -1, reserve = -1, rc = 0;
  pid_t pid = -1;
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
  pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  child_t *c = pidfd >= 0 ? calloc(1, sizeof *c) : NULL;
  /* Filled before the watcher can see it: the process may have exited already. */
  if (c) c->pidfd = pidfd;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  if (!c || epoll_ctl(w->epfd, EPOLL_CTL_ADD, pidfd, &ev) != 0) {
    /* Cannot watch it (cannot happen but for memory): stop it rather than leave it unwatched. */
    rc = errno ? errno : ENOMEM;
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    if (pidfd >= 0) close(pidfd);
    free(c);
    goto done;
  }
  /* deliver() runs on this thread, after this function returned. */
  napi_create_reference(env, a[4], 1, &c->on_exit);
  if (w->running++ == 0) napi_ref_threadsafe_function(env, w->exits);

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
  napi_create_array_with_length(env, 3, &result);
  napi_create_int32(env, pid, &v);
  napi_set_element(env, result, 0, v);
  napi_create_int32(env, out[0], &v);
  napi_set_element(env, result, 1, v);
  napi_create_int32(env, err[0], &v);
  napi_set_element(env, result, 2, v);
  return result;
}

void register_spawn(napi_env env, napi_value exports) {
  /* Without pidfds (Linux before 5.3) there is no `spawn`: the caller spawns as Node does. */
  int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (self < 0) return;
  close(self);
  napi_value fn;
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, Spawn, NULL, &fn);
  napi_set_named_property(env, exports, "spawn", fn);
}
