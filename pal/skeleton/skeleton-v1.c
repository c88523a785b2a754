/* liberpal-skeleton-v1.so: PAL API version 1 (no pal_get_version: rune
 * assumes 1 when the symbol is absent). */
#define PAL_API_VERSION 1
#include "liberpal-skeleton.h"

extern char **environ;

PAL_EXPORT int pal_init(pal_attr_t *attr) {
	return skeleton_init(1, attr ? attr->args : NULL, attr ? attr->log_level : NULL);
}

/* Version 1 has no environment argument: the workload gets the caller's. */
PAL_EXPORT int pal_exec(char *path, char *argv[], pal_stdio_fds *stdio, int *exit_code) {
	int pid;
	int rc = skeleton_create_process(path, argv, environ, stdio, &pid);
	if (rc != 0) return rc;
	return skeleton_exec(pid, exit_code);
}

PAL_EXPORT int pal_destroy(void) { return skeleton_destroy(); }
