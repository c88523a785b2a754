/* test_init: a static helper copied into integration-test rootfs images.
 *
 * It reports what a container process sees as one JSON object on stdout, in
 * the spirit of crun's tests/init.c and youki's runtimetest. The JSON is
 * hand-formatted (this is a freestanding C test helper; the C++ harness parses
 * it with nlohmann-json).
 *
 *   test_init report            ids, groups, cwd, umask, uts names, env, the
 *                               five capability sets, no_new_privs, rlimits,
 *                               oom_score_adj, pid/ppid, namespace ids, seccomp
 *                               mode, session keyring id
 *   test_init mounts            /proc/self/mountinfo, parsed
 *   test_init exit N            exits with status N
 *   test_init sleep S           sleeps S seconds, exits 0
 *   test_init wait-signal [F]   blocks all signals, creates file F (if given)
 *                               once ready, prints {"signal":N} for the first
 *                               signal received, exits 0
 *   test_init cat-file PATH     {"path":..,"errno":..,"content":..}
 *   test_init write-file PATH   creates/truncates PATH, writes "x":
 *                               {"path":..,"errno":..}
 *   test_init fds               open fds with their readlink targets
 *   test_init isatty            isatty() of fds 0, 1, 2
 *   test_init stat PATH...      type, mode, uid, gid, rdev major/minor (lstat)
 *   test_init readlink PATH...  link targets
 *   test_init open P:MODE...    open each path with MODE r|w|rw:
 *                               {"opens":[{"path":..,"mode":..,"errno":..}]}
 *   test_init alloc             allocates and touches memory 1 MiB at a time
 *                               until killed (e.g. by the OOM killer)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char** environ;

static void put_str(const char* s) {
  putchar('"');
  for (const unsigned char* p = (const unsigned char*)s; *p; ++p) {
    switch (*p) {
      case '"': fputs("\\\"", stdout); break;
      case '\\': fputs("\\\\", stdout); break;
      case '\n': fputs("\\n", stdout); break;
      case '\r': fputs("\\r", stdout); break;
      case '\t': fputs("\\t", stdout); break;
      default:
        if (*p < 0x20 || *p >= 0x7f) {
          printf("\\u%04x", *p);
        } else {
          putchar(*p);
        }
    }
  }
  putchar('"');
}

static void put_key(const char* k) {
  put_str(k);
  putchar(':');
}

/* Returns the value of "Key:" in /proc/self/status (whitespace-trimmed) in
 * buf, or "" when absent. */
static const char* status_field(const char* key, char* buf, size_t len) {
  FILE* f = fopen("/proc/self/status", "re");
  char line[512];
  size_t klen = strlen(key);
  buf[0] = '\0';
  if (!f) return buf;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
      char* v = line + klen + 1;
      while (*v == ' ' || *v == '\t') ++v;
      v[strcspn(v, "\n")] = '\0';
      snprintf(buf, len, "%s", v);
      break;
    }
  }
  fclose(f);
  return buf;
}

static int read_small(const char* path, char* buf, size_t len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  ssize_t n = read(fd, buf, len - 1);
  int e = errno;
  close(fd);
  if (n < 0) return -e;
  buf[n] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  return 0;
}

static int cmd_report(void) {
  char buf[512];
  struct utsname un;
  gid_t groups[256];
  int ngroups = getgroups(256, groups);

  printf("{");
  printf("\"uid\":%u,\"gid\":%u,\"euid\":%u,\"egid\":%u,", getuid(), getgid(), geteuid(), getegid());
  put_key("groups");
  putchar('[');
  for (int i = 0; i < ngroups; ++i) printf("%s%u", i ? "," : "", groups[i]);
  printf("],");
  put_key("cwd");
  put_str(getcwd(buf, sizeof buf) ? buf : "");
  printf(",");
  put_key("umask");
  put_str(status_field("Umask", buf, sizeof buf));
  printf(",");
  uname(&un);
  put_key("hostname");
  put_str(un.nodename);
  printf(",");
  put_key("domainname");
  put_str(un.domainname);
  printf(",");
  put_key("env");
  putchar('[');
  for (char** e = environ; e && *e; ++e) {
    if (e != environ) putchar(',');
    put_str(*e);
  }
  printf("],");
  put_key("caps");
  putchar('{');
  static const char* const kCaps[][2] = {{"inheritable", "CapInh"}, {"permitted", "CapPrm"},
                                         {"effective", "CapEff"},   {"bounding", "CapBnd"},
                                         {"ambient", "CapAmb"}};
  for (size_t i = 0; i < sizeof kCaps / sizeof kCaps[0]; ++i) {
    if (i) putchar(',');
    put_key(kCaps[i][0]);
    put_str(status_field(kCaps[i][1], buf, sizeof buf));
  }
  printf("},");
  printf("\"no_new_privs\":%d,", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  put_key("seccomp");
  put_str(status_field("Seccomp", buf, sizeof buf));
  printf(",");
  put_key("rlimits");
  putchar('{');
  static const struct {
    const char* name;
    int res;
  } kLimits[] = {
      {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_FSIZE", RLIMIT_FSIZE},
      {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_STACK", RLIMIT_STACK},
      {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_AS", RLIMIT_AS},
      {"RLIMIT_LOCKS", RLIMIT_LOCKS},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
  };
  for (size_t i = 0; i < sizeof kLimits / sizeof kLimits[0]; ++i) {
    struct rlimit rl;
    getrlimit(kLimits[i].res, &rl);
    printf("%s\"%s\":[%llu,%llu]", i ? "," : "", kLimits[i].name, (unsigned long long)rl.rlim_cur,
           (unsigned long long)rl.rlim_max);
  }
  printf("},");
  int oom = 0;
  if (read_small("/proc/self/oom_score_adj", buf, sizeof buf) == 0) oom = atoi(buf);
  printf("\"oom_score_adj\":%d,\"pid\":%d,\"ppid\":%d,", oom, getpid(), getppid());
  put_key("ns");
  putchar('{');
  static const char* const kNs[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};
  for (size_t i = 0; i < sizeof kNs / sizeof kNs[0]; ++i) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/ns/%s", kNs[i]);
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = '\0';
    if (i) putchar(',');
    put_key(kNs[i]);
    put_str(buf);
  }
  printf("},");
  /* KEYCTL_GET_KEYRING_ID = 0, KEY_SPEC_SESSION_KEYRING = -3, create = 0 */
  long key = syscall(SYS_keyctl, 0, -3, 0);
  printf("\"session_keyring\":%ld", key < 0 ? -(long)errno : key);
  printf("}\n");
  return 0;
}

static int cmd_mounts(void) {
  FILE* f = fopen("/proc/self/mountinfo", "re");
  char line[4096];
  int first = 1;
  if (!f) {
    printf("{\"errno\":%d}\n", errno);
    return 1;
  }
  printf("{\"mounts\":[");
  while (fgets(line, sizeof line, f)) {
    /* id parent maj:min root mountpoint options [optional...] - fstype source superopts */
    char* fields[64];
    int n = 0;
    line[strcspn(line, "\n")] = '\0';
    for (char* tok = strtok(line, " "); tok && n < 64; tok = strtok(NULL, " ")) fields[n++] = tok;
    int dash = -1;
    for (int i = 6; i < n; ++i) {
      if (strcmp(fields[i], "-") == 0) {
        dash = i;
        break;
      }
    }
    if (n < 6 || dash < 0 || dash + 3 > n) continue;
    printf("%s{\"id\":%s,\"parent\":%s,", first ? "" : ",", fields[0], fields[1]);
    put_key("major_minor");
    put_str(fields[2]);
    putchar(',');
    put_key("root");
    put_str(fields[3]);
    putchar(',');
    put_key("mount_point");
    put_str(fields[4]);
    putchar(',');
    put_key("options");
    put_str(fields[5]);
    putchar(',');
    put_key("optional");
    putchar('[');
    for (int i = 6; i < dash; ++i) {
      if (i > 6) putchar(',');
      put_str(fields[i]);
    }
    printf("],");
    put_key("fstype");
    put_str(fields[dash + 1]);
    putchar(',');
    put_key("source");
    put_str(fields[dash + 2]);
    putchar(',');
    put_key("super_options");
    put_str(dash + 3 < n ? fields[dash + 3] : "");
    putchar('}');
    first = 0;
  }
  fclose(f);
  printf("]}\n");
  return 0;
}

static int cmd_wait_signal(const char* ready_file) {
  sigset_t all;
  siginfo_t info;
  for (int s = 1; s < NSIG; ++s) signal(s, SIG_DFL);
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL);
  if (ready_file) {
    int fd = open(ready_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) close(fd);
  }
  int sig;
  do {
    sig = sigwaitinfo(&all, &info);
  } while (sig < 0 && errno == EINTR);
  /* SIGCHLD, window changes and SIGURG (runc forwards the Go runtime's
   * preemption signal) are not what callers wait for. */
  while (sig == SIGCHLD || sig == SIGWINCH || sig == SIGURG || (sig < 0 && errno == EINTR)) {
    sig = sigwaitinfo(&all, &info);
  }
  printf("{\"signal\":%d}\n", sig);
  fflush(stdout);
  return 0;
}

static int cmd_cat_file(const char* path) {
  char buf[65536];
  size_t total = 0;
  int err = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
  } else {
    for (;;) {
      ssize_t n = read(fd, buf + total, sizeof buf - 1 - total);
      if (n < 0) {
        if (errno == EINTR) continue;
        err = errno;
        break;
      }
      if (n == 0 || total + n >= sizeof buf - 1) {
        total += n;
        break;
      }
      total += n;
    }
    close(fd);
  }
  buf[total] = '\0';
  printf("{");
  put_key("path");
  put_str(path);
  printf(",\"errno\":%d,", err);
  put_key("content");
  put_str(buf);
  printf("}\n");
  return 0;
}

static int cmd_write_file(const char* path) {
  int err = 0;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    err = errno;
  } else {
    if (write(fd, "x", 1) != 1) err = errno;
    if (close(fd) != 0 && !err) err = errno;
  }
  printf("{");
  put_key("path");
  put_str(path);
  printf(",\"errno\":%d}\n", err);
  return 0;
}

static int cmd_fds(void) {
  DIR* d = opendir("/proc/self/fd");
  char path[64], target[4096];
  int first = 1;
  if (!d) {
    printf("{\"errno\":%d}\n", errno);
    return 1;
  }
  printf("{\"fds\":[");
  for (struct dirent* de; (de = readdir(d));) {
    if (de->d_name[0] == '.') continue;
    int fd = atoi(de->d_name);
    if (fd == dirfd(d)) continue;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    printf("%s{\"fd\":%d,", first ? "" : ",", fd);
    put_key("target");
    put_str(target);
    putchar('}');
    first = 0;
  }
  closedir(d);
  printf("]}\n");
  return 0;
}

static int cmd_stat(int argc, char** argv) {
  printf("{");
  for (int i = 0; i < argc; ++i) {
    struct stat st;
    if (i) putchar(',');
    put_key(argv[i]);
    if (lstat(argv[i], &st) != 0) {
      printf("{\"errno\":%d}", errno);
      continue;
    }
    const char* type = S_ISCHR(st.st_mode)    ? "c"
                       : S_ISBLK(st.st_mode)  ? "b"
                       : S_ISDIR(st.st_mode)  ? "d"
                       : S_ISLNK(st.st_mode)  ? "l"
                       : S_ISFIFO(st.st_mode) ? "p"
                       : S_ISSOCK(st.st_mode) ? "s"
                                              : "f";
    printf("{\"errno\":0,\"type\":\"%s\",\"mode\":%u,\"uid\":%u,\"gid\":%u,\"major\":%u,\"minor\":%u,"
           "\"size\":%lld}",
           type, (unsigned)(st.st_mode & 07777), st.st_uid, st.st_gid, major(st.st_rdev),
           minor(st.st_rdev), (long long)st.st_size);
  }
  printf("}\n");
  return 0;
}

static int cmd_readlink(int argc, char** argv) {
  char buf[4096];
  printf("{");
  for (int i = 0; i < argc; ++i) {
    ssize_t n = readlink(argv[i], buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = '\0';
    if (i) putchar(',');
    put_key(argv[i]);
    put_str(buf);
  }
  printf("}\n");
  return 0;
}

/* open PATH:MODE...: opens each path with MODE r, w or rw (O_NONBLOCK, so
 * device nodes never block) and reports the errno, 0 on success. */
static int cmd_open(int argc, char** argv) {
  printf("{\"opens\":[");
  for (int i = 0; i < argc; ++i) {
    char path[4096];
    const char* colon = strrchr(argv[i], ':');
    const char* mode = colon ? colon + 1 : "r";
    size_t n = colon ? (size_t)(colon - argv[i]) : strlen(argv[i]);
    if (n >= sizeof path) n = sizeof path - 1;
    memcpy(path, argv[i], n);
    path[n] = '\0';
    int flags = strcmp(mode, "rw") == 0 ? O_RDWR : strcmp(mode, "w") == 0 ? O_WRONLY : O_RDONLY;
    int fd = open(path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0) close(fd);
    if (i) putchar(',');
    printf("{");
    put_key("path");
    put_str(path);
    printf(",");
    put_key("mode");
    put_str(mode);
    printf(",\"errno\":%d}", err);
  }
  printf("]}\n");
  return 0;
}

static char* volatile alloc_head; /* keeps the chunks reachable: not optimised away */

static int cmd_alloc(void) {
  for (;;) {
    char* p = malloc(1 << 20);
    if (!p) return 1;
    memset(p, 1, 1 << 20); /* touch every page: the memory is charged */
    *(char**)p = alloc_head;
    alloc_head = p;
  }
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_init report|mounts|exit N|sleep S|wait-signal [F]|cat-file P|"
                    "write-file P|fds|isatty|stat P...|readlink P...\n");
    return 2;
  }
  const char* cmd = argv[1];
  int rc = 2;
  if (strcmp(cmd, "report") == 0) {
    rc = cmd_report();
  } else if (strcmp(cmd, "mounts") == 0) {
    rc = cmd_mounts();
  } else if (strcmp(cmd, "exit") == 0 && argc > 2) {
    return atoi(argv[2]);
  } else if (strcmp(cmd, "sleep") == 0 && argc > 2) {
    sleep((unsigned)atoi(argv[2]));
    rc = 0;
  } else if (strcmp(cmd, "wait-signal") == 0) {
    rc = cmd_wait_signal(argc > 2 ? argv[2] : NULL);
  } else if (strcmp(cmd, "cat-file") == 0 && argc > 2) {
    rc = cmd_cat_file(argv[2]);
  } else if (strcmp(cmd, "write-file") == 0 && argc > 2) {
    rc = cmd_write_file(argv[2]);
  } else if (strcmp(cmd, "fds") == 0) {
    rc = cmd_fds();
  } else if (strcmp(cmd, "isatty") == 0) {
    printf("{\"stdin\":%s,\"stdout\":%s,\"stderr\":%s}\n", isatty(0) ? "true" : "false",
           isatty(1) ? "true" : "false", isatty(2) ? "true" : "false");
    rc = 0;
  } else if (strcmp(cmd, "stat") == 0) {
    rc = cmd_stat(argc - 2, argv + 2);
  } else if (strcmp(cmd, "open") == 0) {
    rc = cmd_open(argc - 2, argv + 2);
  } else if (strcmp(cmd, "readlink") == 0) {
    rc = cmd_readlink(argc - 2, argv + 2);
  } else if (strcmp(cmd, "alloc") == 0) {
    rc = cmd_alloc();
  } else {
    fprintf(stderr, "test_init: unknown command %s\n", cmd);
  }
  fflush(stdout);
  return rc;
}
