/* A constructor (DT_INIT_ARRAY): the sim loader runs no constructors. */
#include "enclave/sim/enclave_abi.h"
static long initialised;
__attribute__((constructor)) static void init(void) { initialised = 1; }
__attribute__((visibility("default"))) long enclave_entry(long ecall, void *arg,
                                                         const struct sim_enclave_host *host) {
	(void)ecall;
	(void)arg;
	(void)host;
	return initialised;
}
