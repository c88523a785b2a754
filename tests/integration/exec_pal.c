/*
 * A test double of an enclave runtime for rune's integration tests: it
 * implements the PAL API (versions 1-3, from PAL_API_VERSION) by running the
 * program as an ordinary process of the init-runelet, so the tests can
 * check rune's side (settings, init-runelet, stdio, terminal, exit codes,
 * signal forwarding, exec) on any host. It is not an enclave runtime: the
 * skeleton (pal/skeleton) is the real one on the sim platform.
 *
 * ENCLAVE_RUNTIME_ARGS words: "fail-init" (pal_init returns -EINVAL),
 * "fail-create" (pal_create_process returns -ENOEXEC), "log=FILE" (each
 * call appends its name and arguments to FILE, a host path opened in
 * pal_init, before pivot_root).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <inclavare/pal.h>

static int fail_create;
static FILE *log_file;


static void log_call(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void log_call(const char *fmt, ...) {
	if (!log_file)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
	fflush(log_file);
}

#if PAL_API_VERSION >= 2
int pal_get_version(void) { return PAL_API_VERSION; }
#endif

static int do_init(const char *args, const char *log_level) {
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", args ? args : "");
	for (char *w = strtok(buf, " "); w; w = strtok(NULL, " ")) {
		if (strcmp(w, "fail-init") == 0)
			return -EINVAL;
		if (strcmp(w, "fail-create") == 0)
			fail_create = 1;
		if (strncmp(w, "log=", 4) == 0) {
			log_file = fopen(w + 4, "ae");
			if (!log_file)
				return -errno;
		}
	}
	log_call("init v%d args=%s log_level=%s", PAL_API_VERSION, args, log_level);
	return 0;
}

#if PAL_API_VERSION == 3
int pal_init(pal_attr_v3_t *attr) {
	int ret = do_init(attr->attr_v1.args, attr->attr_v1.log_level);
	log_call("init fd=%d addr=%llu", attr->fd, (unsigned long long)attr->addr);
	return ret;
}
#else
int pal_init(pal_attr_t *attr) { return do_init(attr->args, attr->log_level); }
#endif

static pid_t spawn(const char *path, char **argv, char **env, pal_stdio_fds *stdio) {
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int fds[3] = {stdio->stdin, stdio->stdout, stdio->stderr};
	for (int i = 0; i < 3; ++i) {
		/* Move them above 2 first so the dup2s cannot clobber each other. */
		fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
	}
	for (int i = 0; i < 3; ++i)
		dup2(fds[i], i);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(path, argv, env ? env : (char *[]){NULL});
	_exit(127);
}

static int wait_status(pid_t pid) {
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#if PAL_API_VERSION == 1
int pal_exec(char *path, char *argv[], pal_stdio_fds *stdio, int *exit_code) {
	log_call("exec %s argc0=%s", path, argv[0]);
	pid_t pid = spawn(path, argv, NULL, stdio);
	if (pid < 0)
		return -errno;
	*exit_code = wait_status(pid);
	return 0;
}
#else
int pal_create_process(pal_create_process_args *args) {
	log_call("create_process %s", args->path);
	for (char **a = args->argv; *a; ++a)
		log_call("arg %s", *a);
	if (fail_create)
		return -ENOEXEC;
	pid_t pid = spawn(args->path, args->argv, args->env, args->stdio);
	if (pid < 0)
		return -errno;
	*args->pid = pid;
	return 0;
}

int pal_exec(pal_exec_args *args) {
	log_call("exec pid");
	*args->exit_value = wait_status(args->pid);
	return 0;
}

int pal_kill(int pid, int sig) {
	log_call("kill %s %d", pid > 0 ? "pid" : pid == 0 ? "0" : "-1", sig);
	if (pid <= 0)
		return -EINVAL;
	return kill(pid, sig) == 0 ? 0 : -errno;
}
#endif

#if PAL_API_VERSION >= 3
int pal_get_local_report(void *targetinfo, int targetinfo_len, void *report, int *report_len) {
	(void)targetinfo;
	(void)targetinfo_len;
	(void)report;
	(void)report_len;
	log_call("get_local_report");
	return -ENOSYS; /* no enclave, no report */
}
#endif

int pal_destroy(void) {
	log_call("destroy");
	return 0;
}
