/* Calls a function nobody defines: an import, refused by the image checks. */
#include "enclave/sim/enclave_abi.h"
extern long host_function(long);
__attribute__((visibility("default"))) long enclave_entry(long ecall, void *arg,
                                                         const struct sim_enclave_host *host) {
	(void)arg;
	(void)host;
	return host_function(ecall);
}
