/* Thread-local storage: PT_TLS, which enclave images may not have. */
#include "enclave/sim/enclave_abi.h"
static __thread long per_thread;
__attribute__((visibility("default"))) long enclave_entry(long ecall, void *arg,
                                                         const struct sim_enclave_host *host) {
	(void)arg;
	(void)host;
	per_thread += ecall;
	return per_thread;
}
