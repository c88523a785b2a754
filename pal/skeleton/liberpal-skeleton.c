/* The skeleton enclave runtime: runs the skeleton enclave image on the sim
 * SGX platform, one forked process per pal_create_process. See README.md.
 *
 * pal_kill and pal_get_local_report may be called from another thread while
 * pal_exec waits (signal forwarding, rune attest): the process table is
 * guarded by g_mu, pal_exec removes a process from it before reaping it, so a
 * signal never reaches a recycled pid, and a REPORT only reads the enclave.
 * The other calls are made from one thread. */
#define _GNU_SOURCE
#include "liberpal-skeleton.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim_host.h"

enum { LOG_OFF, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

struct proc {
	pid_t pid;
	int go_fd; /* our end of the start socket; -1 once started */
};

static struct {
	int initialized;
	int version;
	int log_level;
	struct skel_enclave *enclave;
	struct proc *procs;
	size_t nprocs, cap;
} g = {.log_level = LOG_INFO};
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

static void pal_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pal_log(int level, const char *fmt, ...) {
	static const char *const names[] = {"off", "error", "warning", "info", "debug", "trace"};
	if (level > g.log_level) return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "liberpal-skeleton-v%d: %s: %s\n", g.version, names[level], msg);
}

static int parse_log_level(const char *s) {
	static const char *const names[] = {"off", "error", "warning", "info", "debug", "trace"};
	if (s == NULL || *s == '\0') return LOG_INFO;
	if (strcmp(s, "warn") == 0) return LOG_WARN;
	for (int i = 0; i < (int)(sizeof names / sizeof names[0]); ++i) {
		if (strcmp(s, names[i]) == 0) return i;
	}
	return -1;
}

/* --- ENCLAVE_RUNTIME_ARGS ------------------------------------------------ */

struct config {
	char image[PATH_MAX], sigstruct[PATH_MAX], config[PATH_MAX], sim_dir[PATH_MAX];
};

static int set_path(char *dst, const char *src, size_t len, const char *key) {
	if (len >= PATH_MAX) {
		pal_log(LOG_ERROR, "ENCLAVE_RUNTIME_ARGS: %s is too long", key);
		return -ENAMETOOLONG;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/* Defaults: the image, SIGSTRUCT and config in liberpal-skeleton/ next to
 * this library; the config only when that file exists. */
static int default_config(struct config *c) {
	Dl_info info;
	char dir[PATH_MAX];
	if (dladdr((void *)&skeleton_init, &info) == 0 || info.dli_fname == NULL) {
		pal_log(LOG_ERROR, "cannot find the PAL's own path (dladdr)");
		return -EINVAL;
	}
	snprintf(dir, sizeof dir, "%s", info.dli_fname);
	char *slash = strrchr(dir, '/');
	if (slash != NULL) {
		*slash = '\0';
	} else {
		snprintf(dir, sizeof dir, ".");
	}
	const size_t max = PATH_MAX;
	if ((size_t)snprintf(c->image, max, "%s/liberpal-skeleton/enclave.so", dir) >= max ||
	    (size_t)snprintf(c->sigstruct, max, "%s/liberpal-skeleton/enclave.sig", dir) >= max ||
	    (size_t)snprintf(c->config, max, "%s/liberpal-skeleton/enclave.json", dir) >= max) {
		pal_log(LOG_ERROR, "the PAL's directory path is too long");
		return -ENAMETOOLONG;
	}
	if (access(c->config, F_OK) != 0) c->config[0] = '\0';
	const char *env = getenv("INCLAVARE_SIM_DIR");
	snprintf(c->sim_dir, sizeof c->sim_dir, "%s", env != NULL && *env ? env : "/var/lib/inclavare/sim");
	return 0;
}

/* "key=value key=value ...", separated by spaces or tabs. */
static int parse_args(const char *args, struct config *c) {
	int rc = default_config(c);
	if (rc != 0 || args == NULL) return rc;
	const char *p = args;
	for (;;) {
		while (*p == ' ' || *p == '\t') ++p;
		if (*p == '\0') return 0;
		const char *end = p;
		while (*end && *end != ' ' && *end != '\t') ++end;
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL) {
			pal_log(LOG_ERROR, "ENCLAVE_RUNTIME_ARGS: '%.*s' is not key=value", (int)(end - p), p);
			return -EINVAL;
		}
		const size_t klen = (size_t)(eq - p), vlen = (size_t)(end - eq - 1);
		char *dst = NULL;
		if (klen == 5 && memcmp(p, "image", 5) == 0) dst = c->image;
		else if (klen == 9 && memcmp(p, "sigstruct", 9) == 0) dst = c->sigstruct;
		else if (klen == 6 && memcmp(p, "config", 6) == 0) dst = c->config;
		else if (klen == 7 && memcmp(p, "sim_dir", 7) == 0) dst = c->sim_dir;
		if (dst == NULL) {
			pal_log(LOG_ERROR, "ENCLAVE_RUNTIME_ARGS: unknown key '%.*s' (image, sigstruct, config, sim_dir)",
			        (int)klen, p);
			return -EINVAL;
		}
		rc = set_path(dst, eq + 1, vlen, "value");
		if (rc != 0) return rc;
		p = end;
	}
}

/* --- life cycle ------------------------------------------------------------ */

int skeleton_init(int version, const char *args, const char *log_level) {
	g.version = version;
	const int level = parse_log_level(log_level);
	if (level < 0) {
		g.log_level = LOG_ERROR;
		pal_log(LOG_ERROR, "unknown log level '%s' (off, error, warning, info, debug, trace)", log_level);
		return -EINVAL;
	}
	g.log_level = level;
	if (g.initialized) {
		pal_log(LOG_ERROR, "pal_init: already initialised");
		return -EBUSY;
	}
	struct config c;
	int rc = parse_args(args, &c);
	if (rc != 0) return rc;
	pal_log(LOG_DEBUG, "image=%s sigstruct=%s config=%s sim_dir=%s", c.image, c.sigstruct,
	        c.config[0] ? c.config : "(defaults)", c.sim_dir);
	char err[1024];
	rc = skel_enclave_load(c.sim_dir, c.image, c.sigstruct, c.config, &g.enclave, err, sizeof err);
	if (rc != 0) {
		pal_log(LOG_ERROR, "pal_init: %s", err);
		return rc;
	}
	char mrenclave[65], mrsigner[65];
	skel_enclave_identity_hex(g.enclave, mrenclave, mrsigner);
	pal_log(LOG_INFO, "enclave initialised (SIMULATED SGX): mrenclave=%s mrsigner=%s", mrenclave, mrsigner);
	g.initialized = 1;
	return 0;
}

static int require_init(const char *call) {
	if (g.initialized) return 0;
	pal_log(LOG_ERROR, "%s: pal_init has not succeeded", call);
	return -EINVAL;
}

static struct proc *find_proc(pid_t pid) {
	for (size_t i = 0; i < g.nprocs; ++i) {
		if (g.procs[i].pid == pid) return &g.procs[i];
	}
	return NULL;
}

static void remove_proc(struct proc *p) {
	if (p->go_fd >= 0) close(p->go_fd);
	*p = g.procs[--g.nprocs];
}

/* In the child: the workload's standard streams and nothing else. */
static void child_setup_fds(const pal_stdio_fds *stdio, int go) {
	int fds[3] = {0, 1, 2};
	if (stdio != NULL) {
		fds[0] = stdio->stdin;
		fds[1] = stdio->stdout;
		fds[2] = stdio->stderr;
	}
	int high[3], high_go = fcntl(go, F_DUPFD, 10);
	for (int i = 0; i < 3; ++i) high[i] = fcntl(fds[i], F_DUPFD, 10);
	for (int i = 0; i < 3; ++i) {
		if (high[i] < 0 || dup2(high[i], i) < 0) _exit(127);
	}
	if (high_go < 0 || dup2(high_go, 3) < 0) _exit(127);
	close_range(4, ~0U, 0);
}

static void child_reset_signals(void) {
	sigset_t none;
	sigemptyset(&none);
	for (int s = 1; s < NSIG; ++s) {
		if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
	}
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int skeleton_create_process(const char *path, char *const argv[], char *const envp[], const pal_stdio_fds *stdio,
                            int *pid_out) {
	int rc = require_init("pal_create_process");
	if (rc != 0) return rc;
	if (pid_out == NULL || (argv == NULL && path == NULL)) {
		pal_log(LOG_ERROR, "pal_create_process: %s is NULL", pid_out == NULL ? "pid" : "argv");
		return -EINVAL;
	}
	pthread_mutex_lock(&g_mu);
	if (g.nprocs == g.cap) {
		size_t cap = g.cap ? 2 * g.cap : 8;
		struct proc *p = realloc(g.procs, cap * sizeof *p);
		if (p != NULL) {
			g.procs = p;
			g.cap = cap;
		}
	}
	const int full = g.nprocs == g.cap;
	pthread_mutex_unlock(&g_mu);
	if (full) return -ENOMEM;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		rc = -errno;
		pal_log(LOG_ERROR, "pal_create_process: socketpair: %s", strerror(errno));
		return rc;
	}
	char *default_argv[] = {(char *)path, NULL};
	char *const *args = argv != NULL ? argv : default_argv;
	static char *const empty_env[] = {NULL};
	char *const *env = envp != NULL ? envp : empty_env;

	pid_t pid = fork();
	if (pid < 0) {
		rc = -errno;
		pal_log(LOG_ERROR, "pal_create_process: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return rc;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls until the enclave runs. */
		close(sv[0]);
		child_reset_signals();
		child_setup_fds(stdio, sv[1]);
		char go;
		ssize_t n;
		do {
			n = read(3, &go, 1);
		} while (n < 0 && errno == EINTR);
		if (n != 1) _exit(127); /* destroyed before pal_exec */
		close(3);
		int argc = 0;
		while (args[argc] != NULL) ++argc;
		_exit(skel_enclave_run_main(g.enclave, argc, (char **)args, (char **)env));
	}
	close(sv[1]);
	pthread_mutex_lock(&g_mu);
	g.procs[g.nprocs].pid = pid;
	g.procs[g.nprocs].go_fd = sv[0];
	++g.nprocs;
	pthread_mutex_unlock(&g_mu);
	*pid_out = pid;
	pal_log(LOG_DEBUG, "created process %d (%s)", (int)pid, args[0] ? args[0] : "");
	return 0;
}

int skeleton_exec(int pid, int *exit_value) {
	int rc = require_init("pal_exec");
	if (rc != 0) return rc;
	if (exit_value == NULL) {
		pal_log(LOG_ERROR, "pal_exec: exit_value is NULL");
		return -EINVAL;
	}
	pthread_mutex_lock(&g_mu);
	struct proc *p = find_proc(pid);
	int go_fd = p != NULL ? p->go_fd : -1;
	if (p != NULL) p->go_fd = -1;
	pthread_mutex_unlock(&g_mu);
	if (p == NULL) {
		pal_log(LOG_ERROR, "pal_exec: no process %d (not created, or already waited for)", pid);
		return -ESRCH;
	}
	/* Start it (a process killed before it started just gets reaped). */
	if (go_fd >= 0) {
		(void)send(go_fd, "g", 1, MSG_NOSIGNAL);
		close(go_fd);
	}
	siginfo_t info;
	memset(&info, 0, sizeof info);
	while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			pal_log(LOG_ERROR, "pal_exec: waitid %d: %s", pid, strerror(errno));
			return rc;
		}
	}
	pthread_mutex_lock(&g_mu);
	p = find_proc(pid);
	if (p != NULL) remove_proc(p);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
	}
	pthread_mutex_unlock(&g_mu);
	*exit_value = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
	pal_log(LOG_DEBUG, "process %d exited with %d", pid, *exit_value);
	return 0;
}

int skeleton_kill(int pid, int sig) {
	int rc = require_init("pal_kill");
	if (rc != 0) return rc;
	if (sig < 0 || sig >= NSIG) {
		pal_log(LOG_ERROR, "pal_kill: bad signal %d", sig);
		return -EINVAL;
	}
	if (pid < -1) {
		pal_log(LOG_ERROR, "pal_kill: bad pid %d", pid);
		return -EINVAL;
	}
	pthread_mutex_lock(&g_mu);
	if (g.nprocs == 0 && pid <= 0) {
		rc = -ESRCH;
	} else if (pid == -1) {
		for (size_t i = 0; i < g.nprocs; ++i) {
			if (kill(g.procs[i].pid, sig) != 0 && errno != ESRCH) rc = -errno;
		}
	} else {
		if (pid == 0) pid = g.procs[g.nprocs - 1].pid; /* the newest process */
		if (find_proc(pid) == NULL) {
			rc = -ESRCH;
		} else if (kill(pid, sig) != 0) {
			rc = -errno;
		}
	}
	pthread_mutex_unlock(&g_mu);
	pal_log(LOG_DEBUG, "pal_kill(%d, %d): %d", pid, sig, rc);
	return rc;
}

int skeleton_get_local_report(const void *targetinfo, int targetinfo_len, void *report, int *report_len) {
	int rc = require_init("pal_get_local_report");
	if (rc != 0) return rc;
	if (targetinfo == NULL || targetinfo_len != PAL_SGX_TARGETINFO_SIZE) {
		pal_log(LOG_ERROR, "pal_get_local_report: targetinfo must be %d bytes", PAL_SGX_TARGETINFO_SIZE);
		return -EINVAL;
	}
	if (report == NULL || report_len == NULL || *report_len < PAL_SGX_REPORT_SIZE) {
		pal_log(LOG_ERROR, "pal_get_local_report: report buffer must hold %d bytes", PAL_SGX_REPORT_SIZE);
		return -EINVAL;
	}
	char err[1024];
	rc = skel_enclave_report(g.enclave, targetinfo, report, err, sizeof err);
	if (rc != 0) {
		pal_log(LOG_ERROR, "pal_get_local_report: %s", err);
		return rc;
	}
	*report_len = PAL_SGX_REPORT_SIZE;
	return 0;
}

int skeleton_check_v3_attr(int fd, uint64_t addr) {
	if (fd < 0) return 0;
	pal_log(LOG_ERROR,
	        "pal_init: an enclave created in advance (fd %d, addr 0x%llx) is not supported on the sim platform", fd,
	        (unsigned long long)addr);
	return -EOPNOTSUPP;
}

int skeleton_destroy(void) {
	if (!g.initialized) {
		pal_log(LOG_DEBUG, "pal_destroy: nothing to destroy");
		return 0;
	}
	while (g.nprocs > 0) {
		struct proc *p = &g.procs[g.nprocs - 1];
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR) {
		}
		remove_proc(p);
	}
	free(g.procs);
	g.procs = NULL;
	g.cap = 0;
	skel_enclave_free(g.enclave);
	g.enclave = NULL;
	g.initialized = 0;
	pal_log(LOG_DEBUG, "destroyed");
	return 0;
}
