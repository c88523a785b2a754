/*
 * Enclave Runtime PAL API, versions 1, 2 and 3.
 *
 * The C ABI between rune's init-runelet and an enclave runtime, a shared
 * object (by convention liberpal-<name>.so) that rune loads with dlopen()
 * when a container has enclave settings (ENCLAVE_TYPE, ENCLAVE_RUNTIME_PATH,
 * ...). Binary-compatible with the API published by the upstream Inclavare
 * Containers project, so PALs written for it (Occlum, the upstream skeleton)
 * load unchanged.
 *
 * Every call returns 0 on success or a negative errno value (-EINVAL,
 * -ENOSYS, ...); rune reports a failure naming the call and the errno.
 *
 *   version  symbols the PAL exports
 *   1        pal_init(pal_attr_t *), pal_exec(path, argv, stdio, &exit_code),
 *            pal_destroy(); pal_get_version absent or returning 1
 *   2        pal_get_version() == 2, pal_init(pal_attr_t *),
 *            pal_create_process(), pal_exec(pal_exec_args *), pal_kill(),
 *            pal_destroy()
 *   3        as 2, but pal_init(pal_attr_v3_t *) (fd and addr of an enclave
 *            created in advance by the enclave pool manager, or -1 and 0),
 *            plus pal_get_local_report()
 *
 * Calling sequence (init-runelet):
 *   pal_get_version -> pal_init            at `rune create`, before pivot_root
 *   pal_create_process -> pal_exec         at `rune start` (v1: pal_exec only)
 *   pal_kill(pid, sig)                     for every signal init-runelet gets,
 *                                          pid from pal_create_process
 *   pal_create_process -> pal_exec         again for each `rune exec`
 *   pal_get_local_report                   for `rune attest` (v3)
 *   pal_destroy                            when the container ends
 *
 * A PAL implementation defines PAL_API_VERSION (1, 2 or 3; default 3) before
 * including this header to get the prototypes of its version:
 *
 *   #define PAL_API_VERSION 2
 *   #include <inclavare/pal.h>
 *   int pal_get_version(void) { return 2; }
 *   int pal_init(pal_attr_t *attr) { ... }
 *
 * Layout notes (x86-64): all structures use the natural C layout. The
 * upstream v2 specification text marks pal_create_process_args and
 * pal_exec_args __attribute__((packed)), but no implementation packs them:
 * upstream rune, its skeleton and Occlum all pass and read the natural
 * layout (pal_exec_args is 16 bytes, exit_value at offset 8). This header
 * follows the binaries, since they are what has to interoperate.
 */
#ifndef INCLAVARE_PAL_H
#define INCLAVARE_PAL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The newest version this header describes. */
#define PAL_API_VERSION_MAX 3

/* Sizes pal_get_local_report works with: an SGX TARGETINFO and REPORT. */
#define PAL_SGX_TARGETINFO_SIZE 512
#define PAL_SGX_REPORT_SIZE 432

/* pal_init's argument in versions 1 and 2. */
typedef struct {
	const char *args;      /* ENCLAVE_RUNTIME_ARGS, PAL-specific, or "" */
	const char *log_level; /* ENCLAVE_RUNTIME_LOGLEVEL: "off", "error",
	                          "warning", "info", "debug", "trace" */
} pal_attr_t;
/* The upstream skeleton's name for the same structure. */
typedef pal_attr_t pal_attr_v1_t;

/* pal_init's argument in version 3. */
typedef struct {
	pal_attr_v1_t attr_v1;
	int fd;        /* enclave device fd of a pre-created enclave, or -1 */
	uint64_t addr; /* its base address, or 0 */
} pal_attr_v3_t;

/* The workload's standard streams, as fds of the calling process. */
typedef struct {
	int stdin, stdout, stderr;
} pal_stdio_fds;

/* pal_create_process (v2, v3). argv and env end with a NULL element. */
typedef struct {
	char *path;            /* executable, in the enclave runtime's view */
	char **argv;
	char **env;
	pal_stdio_fds *stdio;
	int *pid;              /* out: the process id pal_exec and pal_kill use */
} pal_create_process_args;

/* pal_exec (v2, v3): runs the created process and waits for its end. */
typedef struct {
	int pid;
	int *exit_value; /* out: the process's exit status */
} pal_exec_args;

/* Function types, for loaders that resolve the symbols with dlsym(). */
typedef int (*pal_get_version_fn)(void);
typedef int (*pal_init_v1_fn)(pal_attr_t *attr);
typedef int (*pal_init_v3_fn)(pal_attr_v3_t *attr);
typedef int (*pal_exec_v1_fn)(char *path, char *argv[], pal_stdio_fds *stdio, int *exit_code);
typedef int (*pal_create_process_fn)(pal_create_process_args *args);
typedef int (*pal_exec_v2_fn)(pal_exec_args *args);
typedef int (*pal_kill_fn)(int pid, int sig);
typedef int (*pal_destroy_fn)(void);
typedef int (*pal_get_local_report_fn)(void *targetinfo, int targetinfo_len, void *report, int *report_len);

/* Prototypes for a PAL implementation of version PAL_API_VERSION. */
#ifndef PAL_API_VERSION
#define PAL_API_VERSION PAL_API_VERSION_MAX
#endif

#if PAL_API_VERSION < 1 || PAL_API_VERSION > PAL_API_VERSION_MAX
#error "PAL_API_VERSION must be 1, 2 or 3"
#endif

/*
 * The API version the PAL implements. Optional in version 1 (rune assumes 1
 * when the symbol is absent). rune refuses a version above the one it
 * supports.
 */
int pal_get_version(void);

#if PAL_API_VERSION == 3
/* Initialises the enclave runtime (and creates or adopts the enclave). */
int pal_init(pal_attr_v3_t *attr);
#else
int pal_init(pal_attr_t *attr);
#endif

#if PAL_API_VERSION == 1
/* Runs path with argv and stdio to completion; *exit_code gets its status. */
int pal_exec(char *path, char *argv[], pal_stdio_fds *stdio, int *exit_code);
#else
/* Creates a process without running it; *args->pid identifies it. */
int pal_create_process(pal_create_process_args *args);
/* Runs the process created with args->pid, waits, sets *args->exit_value. */
int pal_exec(pal_exec_args *args);
/*
 * Sends sig to a process: pid > 0 the process pal_create_process returned,
 * 0 the current process, -1 every process of the enclave runtime.
 */
int pal_kill(int pid, int sig);
#endif

#if PAL_API_VERSION >= 3
/*
 * A local attestation REPORT of the enclave for targetinfo (an SGX
 * TARGETINFO, PAL_SGX_TARGETINFO_SIZE bytes). report must hold *report_len
 * bytes, at least PAL_SGX_REPORT_SIZE; *report_len is set to the size
 * written.
 */
int pal_get_local_report(void *targetinfo, int targetinfo_len, void *report, int *report_len);
#endif

/* Tears the enclave runtime down. */
int pal_destroy(void);

#ifdef __cplusplus
}
#endif

#endif /* INCLAVARE_PAL_H */
