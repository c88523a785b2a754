/* The skeleton enclave runtime's implementation, shared by the per-version
 * PAL entry points (skeleton-v1.c, -v2.c, -v3.c), which only adapt the
 * version's signatures. Every function returns 0 or a negative errno.
 * skeleton_kill and skeleton_get_local_report may run while another thread
 * is in skeleton_exec; the rest is for one thread. */
#ifndef LIBERPAL_SKELETON_H
#define LIBERPAL_SKELETON_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* The version files define PAL_API_VERSION first; the core uses version 3's
 * types, which are a superset. */
#ifndef PAL_API_VERSION
#define PAL_API_VERSION 3
#endif
#include <inclavare/pal.h>

#define PAL_EXPORT __attribute__((visibility("default")))

/* args: ENCLAVE_RUNTIME_ARGS; see README.md. log_level: "off".."trace",
 * NULL or "" for "info". */
int skeleton_init(int version, const char *args, const char *log_level);
/* envp NULL: no environment. stdio NULL: the caller's 0, 1, 2. */
int skeleton_create_process(const char *path, char *const argv[], char *const envp[], const pal_stdio_fds *stdio,
                            int *pid);
int skeleton_exec(int pid, int *exit_value);
int skeleton_kill(int pid, int sig);
int skeleton_get_local_report(const void *targetinfo, int targetinfo_len, void *report, int *report_len);
int skeleton_destroy(void);
/* Refuses an epm-created enclave (fd >= 0): the sim skeleton creates its own. */
int skeleton_check_v3_attr(int fd, uint64_t addr);

#endif
