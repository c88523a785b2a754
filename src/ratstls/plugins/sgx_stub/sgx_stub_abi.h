/* The ECALL interface of the Rats-TLS SGX stub enclave (sim platform), on
 * top of the sim enclave ABI (enclave/sim/enclave_abi.h). Freestanding-safe:
 * the enclave includes it too.
 *
 * The stub's only job is to make REPORTs whose REPORTDATA the host chooses:
 *   struct sgx_stub_report_data_args a;  memcpy(a.report_data, data, 64);
 *   enclave->Call(SGX_STUB_ECALL_SET_REPORT_DATA, &a);     // stored inside
 *   enclave->CreateReport(target);    // SIM_ECALL_REPORT_DATA hands it out
 * SIM_ECALL_REPORT_DATA returns the stored value once and clears it; without
 * a stored value it refuses (-ENODATA), so no REPORT with unchosen data is
 * ever made. */
#ifndef RATSTLS_SGX_STUB_ABI_H
#define RATSTLS_SGX_STUB_ABI_H

#include <stdint.h>

/* arg: struct sgx_stub_report_data_args *; returns 0. */
#define SGX_STUB_ECALL_SET_REPORT_DATA 0x100

/* What SIM_ECALL_REPORT_DATA returns when no value was stored (-ENODATA). */
#define SGX_STUB_ENODATA 61

struct sgx_stub_report_data_args {
	uint8_t report_data[64];
};

#endif
