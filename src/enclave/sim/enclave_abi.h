/*
 * The call interface between the sim loader (enclave/sim/loader.h) and the
 * code of an enclave image (docs/sim-platform.md, "Enclave images").
 *
 * C, and freestanding-safe (only <stdint.h>): enclave code built with
 * -ffreestanding -nostdlib includes it too.
 *
 * An enclave image exports one entry point, its ELF e_entry (link with
 * -Wl,-e,enclave_entry); TCS.OENTRY holds its offset. The loader calls
 *
 *   long enclave_entry(long ecall, void *arg, const struct sim_enclave_host *host);
 *
 * with an ECALL number and its argument. Everything the enclave does outside
 * its own memory goes through host->ocalls: an enclave image has no imports.
 * OCALLs return a non-negative value or a negative errno.
 *
 *   long enclave_entry(long ecall, void *arg, const struct sim_enclave_host *host) {
 *     if (ecall != SIM_ECALL_MAIN) return -38;  // -ENOSYS
 *     const struct sim_main_args *a = arg;
 *     host->ocalls->write(1, "hi\n", 3);
 *     return 0;                                 // the exit code
 *   }
 *
 * Sim does not isolate memory: pointers in the arguments are host memory the
 * enclave reads directly (a hardware enclave would copy them in first).
 */
#ifndef INCLAVARE_SIM_ENCLAVE_ABI_H
#define INCLAVARE_SIM_ENCLAVE_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SIM_ENCLAVE_ABI_VERSION 1

/* ECALL numbers. */
/* Runs the workload; arg: struct sim_main_args *; returns the exit code
 * (0..255). The enclave may also end the process with ocalls->exit. */
#define SIM_ECALL_MAIN 1
/* Lets the enclave choose the REPORTDATA of an EREPORT; arg: struct
 * sim_report_data_args *. Returns 0, or a negative errno (the REPORT is then
 * not made). An enclave without it gets REPORTDATA zero (-ENOSYS). */
#define SIM_ECALL_REPORT_DATA 2

struct sim_main_args {
	int argc;
	char **argv; /* argc elements then NULL */
	char **envp; /* NULL-terminated */
};

struct sim_report_data_args {
	const uint8_t *target_info; /* the 512-byte TARGETINFO of the report */
	uint8_t report_data[64];    /* in: zero; out: the enclave's choice */
};

struct sim_ocall_table {
	/* write(2)/read(2) on a host fd; EINTR is retried by the host. */
	long (*write)(int fd, const void *buf, uint64_t len);
	long (*read)(int fd, void *buf, uint64_t len);
	/* Ends the process (all threads) with status code & 0xff. */
	void (*exit)(int code) __attribute__((noreturn));
	long (*getpid)(void);
	/* Sleeps; returns 0, or -EINTR when a signal interrupted it. */
	long (*sleep)(uint64_t seconds, uint64_t nanoseconds);
	/* From now on, asynchronous signals (all but SIGKILL, SIGSTOP and the
	 * synchronous fault signals) are queued for wait_signal instead of taking
	 * their default action. Returns 0. */
	long (*signal_subscribe)(void);
	/* Blocks until a subscribed signal arrives; returns its number.
	 * -EINVAL before signal_subscribe. */
	long (*wait_signal)(void);
};

struct sim_enclave_host {
	uint32_t abi_version; /* SIM_ENCLAVE_ABI_VERSION */
	uint32_t size;        /* sizeof(struct sim_enclave_host) */
	const struct sim_ocall_table *ocalls;
	uint64_t enclave_base; /* linear address of the enclave (SECS.BASEADDR) */
	uint64_t enclave_size; /* SECS.SIZE */
	void *heap;            /* the enclave's heap: zero pages, RW */
	uint64_t heap_size;
};

typedef long (*sim_enclave_entry_fn)(long ecall, void *arg, const struct sim_enclave_host *host);

#ifdef __cplusplus
}
#endif

#endif /* INCLAVARE_SIM_ENCLAVE_ABI_H */
