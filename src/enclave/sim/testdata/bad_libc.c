/* An ordinary shared object using libc: DT_NEEDED, refused. */
#include <stdio.h>
#include "enclave/sim/enclave_abi.h"
__attribute__((visibility("default"))) long enclave_entry(long ecall, void *arg,
                                                         const struct sim_enclave_host *host) {
	(void)arg;
	(void)host;
	return puts(ecall ? "x" : "y");
}
