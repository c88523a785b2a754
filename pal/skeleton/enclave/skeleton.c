/* The skeleton enclave: the workload that runs "inside the enclave" for the
 * skeleton enclave runtime (liberpal-skeleton). Commands by argv[1]; see
 * pal/skeleton/README.md. Freestanding: all I/O is OCALLs. */
#include "rt.h"

#define SIGTERM_NUMBER 15
#define EXIT_USAGE 2

static const char kGreeting[] = "Hello from the skeleton enclave (SIMULATED SGX)\n";
/* What SIM_ECALL_REPORT_DATA puts in REPORTDATA (then zero bytes). */
static const char kReportDataTag[] = "inclavare-skeleton-enclave";

static int usage(const char *msg, const char *arg) {
	rt_puts(2, "skeleton: ");
	rt_puts(2, msg);
	if (arg) {
		rt_puts(2, ": '");
		rt_puts(2, arg);
		rt_puts(2, "'");
	}
	rt_puts(2, "\n");
	return EXIT_USAGE;
}

/* Each string on its own line, exact bytes. */
static int print_lines(char **items, int count) {
	for (int i = 0; items[i] && (count < 0 || i < count); ++i) {
		if (rt_puts(1, items[i]) < 0 || rt_puts(1, "\n") < 0) return 1;
	}
	return 0;
}

static int cmd_exit(int argc, char **argv) {
	unsigned long code;
	if (argc != 3 || rt_parse_ulong(argv[2], 255, &code) != 0) return usage("exit: expected a code 0..255", argc > 2 ? argv[2] : 0);
	rt_ocalls->exit((int)code);
}

static int cmd_wait_signal(void) {
	if (rt_ocalls->signal_subscribe() < 0) return 1;
	if (rt_puts(1, "waiting for signals\n") < 0) return 1;
	for (;;) {
		long sig = rt_ocalls->wait_signal();
		if (sig < 0) return 1;
		rt_puts(1, "signal ");
		rt_put_long(1, sig);
		rt_puts(1, "\n");
		if (sig == SIGTERM_NUMBER) return 0;
	}
}

static int cmd_cat(void) {
	char buf[4096];
	for (;;) {
		long n = rt_ocalls->read(0, buf, sizeof buf);
		if (n == 0) return 0;
		if (n < 0 || rt_write_all(1, buf, (size_t)n) < 0) return 1;
	}
}

static int cmd_sleep(int argc, char **argv) {
	unsigned long seconds;
	if (argc != 3 || rt_parse_ulong(argv[2], 1000000000UL, &seconds) != 0) {
		return usage("sleep: expected seconds", argc > 2 ? argv[2] : 0);
	}
	/* A signal with a handler would interrupt it; default actions end it. */
	while (rt_ocalls->sleep(seconds, 0) == -4 /* -EINTR */) {
	}
	return 0;
}

static int run(int argc, char **argv, char **envp) {
	const char *cmd = argc > 1 ? argv[1] : "hello";
	if (rt_streq(cmd, "hello")) return rt_puts(1, kGreeting) < 0;
	if (rt_streq(cmd, "echo")) return print_lines(argv + 2, argc - 2);
	if (rt_streq(cmd, "env")) return print_lines(envp, -1);
	if (rt_streq(cmd, "exit")) return cmd_exit(argc, argv);
	if (rt_streq(cmd, "wait-signal")) return cmd_wait_signal();
	if (rt_streq(cmd, "cat")) return cmd_cat();
	if (rt_streq(cmd, "sleep")) return cmd_sleep(argc, argv);
	if (rt_streq(cmd, "pid")) {
		rt_puts(1, "pid ");
		rt_put_long(1, rt_ocalls->getpid());
		return rt_puts(1, "\n") < 0;
	}
	return usage("unknown command", cmd);
}

__attribute__((visibility("default"))) long enclave_entry(long ecall, void *arg, const struct sim_enclave_host *host) {
	if (host == 0 || host->abi_version != SIM_ENCLAVE_ABI_VERSION) return -22; /* -EINVAL */
	rt_ocalls = host->ocalls;
	switch (ecall) {
	case SIM_ECALL_MAIN: {
		const struct sim_main_args *a = arg;
		static char *empty[] = {0};
		return run(a->argc, a->argv, a->envp ? a->envp : empty);
	}
	case SIM_ECALL_REPORT_DATA: {
		struct sim_report_data_args *r = arg;
		memset(r->report_data, 0, sizeof r->report_data);
		memcpy(r->report_data, kReportDataTag, sizeof kReportDataTag - 1);
		return 0;
	}
	default:
		return -38; /* -ENOSYS */
	}
}
