/* An exported (interposable) variable referenced from data: the linker emits
 * R_X86_64_64 against its symbol, which enclave images may not have. */
#include "enclave/sim/enclave_abi.h"
__attribute__((visibility("default"))) long exported_value = 7;
long *pointer_to_exported = &exported_value;
__attribute__((visibility("default"))) long enclave_entry(long ecall, void *arg,
                                                         const struct sim_enclave_host *host) {
	(void)ecall;
	(void)arg;
	(void)host;
	return *pointer_to_exported;
}
