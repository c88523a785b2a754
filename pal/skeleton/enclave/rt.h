/* The skeleton enclave's tiny freestanding runtime: string helpers, output
 * through the write OCALL, number parsing. No libc exists inside enclaves. */
#ifndef SKELETON_ENCLAVE_RT_H
#define SKELETON_ENCLAVE_RT_H

#include <stddef.h>
#include <stdint.h>

#include "enclave/sim/enclave_abi.h"

/* The OCALL table of the current ECALL (set by enclave_entry). */
extern const struct sim_ocall_table *rt_ocalls;

/* The compiler may emit calls to these even in freestanding code. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t rt_strlen(const char *s);
int rt_streq(const char *a, const char *b);
/* Writes all bytes to fd; returns 0 or a negative errno. */
long rt_write_all(int fd, const void *buf, size_t len);
long rt_puts(int fd, const char *s); /* s, without a newline */
long rt_put_long(int fd, long v);    /* decimal */
/* Parses a decimal number 0..max; returns 0 on success, -1 otherwise. */
int rt_parse_ulong(const char *s, unsigned long max, unsigned long *out);

#endif
