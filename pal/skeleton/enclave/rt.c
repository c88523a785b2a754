#include "rt.h"

const struct sim_ocall_table *rt_ocalls;

void *memcpy(void *dst, const void *src, size_t n) {
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--) *d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n) {
	unsigned char *d = dst;
	while (n--) *d++ = (unsigned char)c;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d < s) {
		while (n--) *d++ = *s++;
	} else {
		while (n--) d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
	const unsigned char *x = a, *y = b;
	for (; n; --n, ++x, ++y) {
		if (*x != *y) return *x < *y ? -1 : 1;
	}
	return 0;
}

size_t rt_strlen(const char *s) {
	size_t n = 0;
	while (s[n]) ++n;
	return n;
}

int rt_streq(const char *a, const char *b) {
	while (*a && *a == *b) ++a, ++b;
	return *a == *b;
}

long rt_write_all(int fd, const void *buf, size_t len) {
	const char *p = buf;
	while (len > 0) {
		long n = rt_ocalls->write(fd, p, len);
		if (n < 0) return n;
		if (n == 0) return -5; /* -EIO */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

long rt_puts(int fd, const char *s) { return rt_write_all(fd, s, rt_strlen(s)); }

long rt_put_long(int fd, long v) {
	char buf[24];
	int i = sizeof buf;
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0) buf[--i] = '-';
	return rt_write_all(fd, buf + i, sizeof buf - (size_t)i);
}

int rt_parse_ulong(const char *s, unsigned long max, unsigned long *out) {
	unsigned long v = 0;
	if (!*s) return -1;
	for (; *s; ++s) {
		if (*s < '0' || *s > '9') return -1;
		unsigned long d = (unsigned long)(*s - '0');
		if (v > (max - d) / 10) return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}
