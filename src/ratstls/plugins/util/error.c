/* rats_tls_error_set for plugins (each plugin links its own copy, hidden). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <rats-tls/plugin.h>

int rats_tls_error_set(rats_tls_error_t *err, int errnum, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	if (errnum < 0)
		errnum = -errnum;
	return errnum ? -errnum : -EINVAL;
}
