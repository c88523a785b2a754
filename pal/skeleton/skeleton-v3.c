/* liberpal-skeleton-v3.so: PAL API version 3. */
#define PAL_API_VERSION 3
#include "liberpal-skeleton.h"

PAL_EXPORT int pal_get_version(void) { return 3; }

PAL_EXPORT int pal_init(pal_attr_v3_t *attr) {
	int rc = skeleton_init(3, attr ? attr->attr_v1.args : NULL, attr ? attr->attr_v1.log_level : NULL);
	if (rc != 0 || attr == NULL) return rc;
	rc = skeleton_check_v3_attr(attr->fd, attr->addr);
	if (rc != 0) skeleton_destroy();
	return rc;
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

PAL_EXPORT int pal_get_local_report(void *targetinfo, int targetinfo_len, void *report, int *report_len) {
	return skeleton_get_local_report(targetinfo, targetinfo_len, report, report_len);
}

PAL_EXPORT int pal_destroy(void) { return skeleton_destroy(); }
