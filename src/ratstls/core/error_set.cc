// rats_tls_error_set for plugins linked statically into an application.
#include <rats-tls/plugin.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>

#include "ratstls/core/internal.h"

extern "C" RATS_TLS_EXPORT int rats_tls_error_set(rats_tls_error_t* err, int errnum, const char* fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  if (errnum < 0) errnum = -errnum;
  return errnum ? -errnum : -EINVAL;
}
