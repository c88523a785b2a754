/* The skeleton PAL's C view of the sim platform: load an enclave image
 * (ECREATE/EADD/EEXTEND/EINIT against its SIGSTRUCT, map, relocate), run its
 * main ECALL, make REPORTs. Implemented in C++ over enclave/sim/loader.h and
 * linked statically into each liberpal-skeleton-v*.so.
 *
 * Functions return 0 or a negative errno and never throw; on failure they
 * write a message naming what failed into err (err_len bytes, NUL-ended). */
#ifndef SKELETON_SIM_HOST_H
#define SKELETON_SIM_HOST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct skel_enclave;

/* Loads the sim state from sim_dir and the enclave. config may be NULL or
 * "" (default config). *out is owned by the caller: skel_enclave_free. */
int skel_enclave_load(const char *sim_dir, const char *image, const char *sigstruct, const char *config,
                      struct skel_enclave **out, char *err, size_t err_len);

/* MRENCLAVE and MRSIGNER as 64 hex digits (out: 65 bytes). */
void skel_enclave_identity_hex(const struct skel_enclave *e, char mrenclave[65], char mrsigner[65]);

/* The main ECALL in the calling process (a forked child): returns the exit
 * code, or does not return when the enclave calls the exit OCALL. */
int skel_enclave_run_main(const struct skel_enclave *e, int argc, char **argv, char **envp);

/* EREPORT for a 512-byte TARGETINFO into a 432-byte REPORT. */
int skel_enclave_report(const struct skel_enclave *e, const void *target_info, void *report, char *err,
                        size_t err_len);

void skel_enclave_free(struct skel_enclave *e);

#ifdef __cplusplus
}
#endif

#endif
