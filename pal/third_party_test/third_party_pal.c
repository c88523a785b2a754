/* A third-party enclave runtime in plain C11, compiled against the installed
 * <inclavare/pal.h> alone (no project include path): proves the header is
 * self-contained and that its layouts are what a C compiler produces.
 *
 * PAL API version 2. pal_create_process forks a child that waits for
 * pal_exec, writes "third-party: <path> argc=<n> argv=<a>|<b>... env=<n>\n" to
 * its stdout fd and exits with argc. */
#define _POSIX_C_SOURCE 200809L
#define PAL_API_VERSION 2
#include <inclavare/pal.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* The layouts the ABI fixes (x86-64). */
_Static_assert(sizeof(pal_attr_t) == 16, "pal_attr_t");
_Static_assert(sizeof(pal_attr_v3_t) == 32, "pal_attr_v3_t");
_Static_assert(offsetof(pal_attr_v3_t, fd) == 16, "pal_attr_v3_t.fd");
_Static_assert(offsetof(pal_attr_v3_t, addr) == 24, "pal_attr_v3_t.addr");
_Static_assert(sizeof(pal_stdio_fds) == 12, "pal_stdio_fds");
_Static_assert(sizeof(pal_create_process_args) == 40, "pal_create_process_args");
_Static_assert(sizeof(pal_exec_args) == 16, "pal_exec_args");
_Static_assert(offsetof(pal_exec_args, exit_value) == 8, "pal_exec_args.exit_value");

/* Sizes and offsets as this C compiler sees them, for the C++ side to compare. */
EXPORT int third_party_layout(size_t *out, int n) {
	const size_t v[] = {
	    sizeof(pal_attr_t), offsetof(pal_attr_t, args), offsetof(pal_attr_t, log_level),
	    sizeof(pal_attr_v3_t), offsetof(pal_attr_v3_t, attr_v1), offsetof(pal_attr_v3_t, fd),
	    offsetof(pal_attr_v3_t, addr),
	    sizeof(pal_stdio_fds), offsetof(pal_stdio_fds, stdin), offsetof(pal_stdio_fds, stdout),
	    offsetof(pal_stdio_fds, stderr),
	    sizeof(pal_create_process_args), offsetof(pal_create_process_args, path),
	    offsetof(pal_create_process_args, argv), offsetof(pal_create_process_args, env),
	    offsetof(pal_create_process_args, stdio), offsetof(pal_create_process_args, pid),
	    sizeof(pal_exec_args), offsetof(pal_exec_args, pid), offsetof(pal_exec_args, exit_value),
	};
	const int count = (int)(sizeof v / sizeof v[0]);
	for (int i = 0; i < n && i < count; ++i) out[i] = v[i];
	return count;
}

static int initialized;
static pid_t child = -1;
static int go_fd = -1;

EXPORT int pal_get_version(void) { return 2; }

EXPORT int pal_init(pal_attr_t *attr) {
	if (attr == NULL || attr->args == NULL) return -EINVAL;
	if (strcmp(attr->args, "ok") != 0) return -EINVAL;
	initialized = 1;
	return 0;
}

static void put(int fd, const char *s) {
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w <= 0) _exit(126);
		s += w;
		n -= (size_t)w;
	}
}

EXPORT int pal_create_process(pal_create_process_args *args) {
	if (!initialized) return -EINVAL;
	if (args == NULL || args->argv == NULL || args->stdio == NULL || args->pid == NULL) return -EINVAL;
	if (child > 0) return -EBUSY;
	int p[2];
	if (pipe(p) != 0) return -errno;
	pid_t pid = fork();
	if (pid < 0) return -errno;
	if (pid == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) != 1) _exit(127);
		int argc = 0, envc = 0;
		while (args->argv[argc] != NULL) ++argc;
		while (args->env != NULL && args->env[envc] != NULL) ++envc;
		const int out = args->stdio->stdout;
		char num[32];
		put(out, "third-party: ");
		put(out, args->path);
		snprintf(num, sizeof num, " argc=%d argv=", argc);
		put(out, num);
		for (int i = 0; i < argc; ++i) {
			if (i > 0) put(out, "|");
			put(out, args->argv[i]);
		}
		snprintf(num, sizeof num, " env=%d\n", envc);
		put(out, num);
		_exit(argc);
	}
	close(p[0]);
	child = pid;
	go_fd = p[1];
	*args->pid = pid;
	return 0;
}

EXPORT int pal_exec(pal_exec_args *args) {
	if (args == NULL || args->exit_value == NULL) return -EINVAL;
	if (args->pid != child) return -ESRCH;
	if (write(go_fd, "g", 1) != 1) return -EIO;
	close(go_fd);
	go_fd = -1;
	int status;
	if (waitpid(child, &status, 0) != child) return -errno;
	child = -1;
	*args->exit_value = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

EXPORT int pal_kill(int pid, int sig) {
	if (child <= 0 || (pid != child && pid != -1 && pid != 0)) return -ESRCH;
	return kill(child, sig) == 0 ? 0 : -errno;
}

EXPORT int pal_destroy(void) {
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
	if (go_fd >= 0) close(go_fd);
	go_fd = -1;
	initialized = 0;
	return 0;
}
