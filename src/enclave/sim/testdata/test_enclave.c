/* A minimal sim enclave image for the image and loader tests: pointer tables
 * (R_X86_64_RELATIVE relocations, some in RELRO), .bss, the heap and OCALLs. */
#include "enclave/sim/enclave_abi.h"

#define ECALL_SUM_TABLE 100  /* arg: unsigned *n; the sum of the first n table entries, through pointers */
#define ECALL_HEAP 101       /* writes and reads the heap; returns its size in pages */
#define ECALL_BSS 102        /* increments a .bss counter; returns the new value */

static long one(void) { return 1; }
static long two(void) { return 2; }
static long three(void) { return 3; }
static long (*const kTable[])(void) = {one, two, three}; /* RELRO */
static const char *volatile greeting = "test enclave\n";     /* writable data */
static long counter;                                         /* .bss */

static long sum_table(const volatile unsigned *count) {
	long s = 0;
	for (unsigned i = 0; i < *count && i < sizeof kTable / sizeof kTable[0]; ++i) s += kTable[i]();
	return s;
}

__attribute__((visibility("default"))) long enclave_entry(long ecall, void *arg,
                                                         const struct sim_enclave_host *host) {
	switch (ecall) {
	case SIM_ECALL_MAIN: {
		const struct sim_main_args *a = arg;
		const char *g = greeting;
		unsigned long n = 0;
		while (g[n]) ++n;
		host->ocalls->write(1, g, n);
		return a->argc;
	}
	case SIM_ECALL_REPORT_DATA: {
		struct sim_report_data_args *r = arg;
		for (int i = 0; i < 64; ++i) r->report_data[i] = (uint8_t)(i + 1);
		return 0;
	}
	case ECALL_SUM_TABLE:
		return sum_table(arg);
	case ECALL_HEAP: {
		volatile uint8_t *h = host->heap;
		for (uint64_t i = 0; i < host->heap_size; i += 4096) {
			if (h[i] != 0) return -1;
			h[i] = 0x5a;
		}
		return (long)(host->heap_size / 4096);
	}
	case ECALL_BSS:
		return ++counter;
	default:
		return -38; /* -ENOSYS */
	}
}
