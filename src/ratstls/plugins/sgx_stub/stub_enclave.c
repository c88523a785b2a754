/* The Rats-TLS SGX stub enclave (sim platform): stores a caller-chosen
 * REPORTDATA and hands it to the next EREPORT (sgx_stub_abi.h). Freestanding:
 * no libc, no OCALLs needed. */
#include "enclave/sim/enclave_abi.h"
#include "ratstls/plugins/sgx_stub/sgx_stub_abi.h"

#define ENOSYS_NUMBER 38
#define EINVAL_NUMBER 22

static uint8_t g_report_data[64];
static int g_have_report_data;

/* A byte loop through volatile pointers: the compiler must not turn it into
 * a memcpy/memset call (there is no libc to resolve one). */
static void copy64(volatile uint8_t *dst, const volatile uint8_t *src) {
	for (int i = 0; i < 64; ++i) dst[i] = src[i];
}

static void zero64(volatile uint8_t *dst) {
	for (int i = 0; i < 64; ++i) dst[i] = 0;
}

__attribute__((visibility("default"))) long enclave_entry(long ecall, void *arg, const struct sim_enclave_host *host) {
	if (host == 0 || host->abi_version != SIM_ENCLAVE_ABI_VERSION || arg == 0) return -EINVAL_NUMBER;
	switch (ecall) {
	case SGX_STUB_ECALL_SET_REPORT_DATA: {
		const struct sgx_stub_report_data_args *a = arg;
		copy64(g_report_data, a->report_data);
		g_have_report_data = 1;
		return 0;
	}
	case SIM_ECALL_REPORT_DATA: {
		struct sim_report_data_args *r = arg;
		if (!g_have_report_data) return -SGX_STUB_ENODATA;
		copy64(r->report_data, g_report_data);
		zero64(g_report_data);
		g_have_report_data = 0;
		return 0;
	}
	default:
		return -ENOSYS_NUMBER;
	}
}
