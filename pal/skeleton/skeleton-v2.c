/* liberpal-skeleton-v2.so: PAL API version 2. */
#define PAL_API_VERSION 2
#include "liberpal-skeleton.h"

PAL_EXPORT int pal_get_version(void) { return 2; }

PAL_EXPORT int pal_init(pal_attr_t *attr) {
	return skeleton_init(2, attr ? attr->args : NULL, attr ? attr->log_level : NULL);
}

PAL_EXPORT int pal_create_process(pal_create_process_args *args) {
	if (args == NULL) return -EINVAL;
	return skeleton_create_process(args->path, args->argv, args->env, args->stdio, args->pid);
}

PAL_EXPORT int pal_exec(pal_exec_args *args) {
	if (args == NULL) return -EINVAL;
	return skeleton_exec(args->pid, args->exit_value);
}

PAL_EXPORT int pal_kill(int pid, int sig) { return skeleton_kill(pid, sig); }

PAL_EXPORT int pal_destroy(void) { return skeleton_destroy(); }
