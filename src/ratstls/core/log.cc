// global_log_level and rats_tls_log (include/rats-tls/log.h).
#include <rats-tls/log.h>

#include <strings.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "ratstls/core/internal.h"

extern "C" {
RATS_TLS_EXPORT rats_tls_log_level_t global_log_level = RATS_TLS_LOG_LEVEL_DEFAULT;
}

namespace inclavare::ratstls {

std::optional<rats_tls_log_level_t> ParseLogLevel(const char* s) {
  if (s == nullptr) return std::nullopt;
  static const struct {
    const char* name;
    rats_tls_log_level_t level;
  } kLevels[] = {{"debug", RATS_TLS_LOG_LEVEL_DEBUG}, {"info", RATS_TLS_LOG_LEVEL_INFO},
                 {"warn", RATS_TLS_LOG_LEVEL_WARN},   {"error", RATS_TLS_LOG_LEVEL_ERROR},
                 {"fatal", RATS_TLS_LOG_LEVEL_FATAL}, {"off", RATS_TLS_LOG_LEVEL_NONE},
                 {"none", RATS_TLS_LOG_LEVEL_NONE}};
  for (const auto& l : kLevels) {
    if (strcasecmp(s, l.name) == 0) return l.level;
  }
  return std::nullopt;
}

std::optional<rats_tls_log_level_t> EnvLogLevel() {
  return ParseLogLevel(std::getenv("RATS_TLS_GLOBAL_LOG_LEVEL"));
}

namespace {
// The environment's level applies from the library's load on.
__attribute__((constructor)) void InitLogLevel() {
  if (auto l = EnvLogLevel()) global_log_level = *l;
}
}  // namespace

}  // namespace inclavare::ratstls

extern "C" RATS_TLS_EXPORT void rats_tls_log(rats_tls_log_level_t level, const char* func, int line,
                                             const char* fmt, ...) {
  static const char* const kNames[] = {"DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
  if (level < RATS_TLS_LOG_LEVEL_DEBUG || level > RATS_TLS_LOG_LEVEL_FATAL) return;
  FILE* out = level >= RATS_TLS_LOG_LEVEL_ERROR ? stderr : stdout;
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  // One fprintf per line: lines of concurrent threads do not interleave.
  size_t n = strlen(msg);
  const char* nl = (n > 0 && msg[n - 1] == '\n') ? "" : "\n";
  if (level == RATS_TLS_LOG_LEVEL_DEBUG) {
    fprintf(out, "[%s] %s()@L%d: %s%s", kNames[level], func, line, msg, nl);
  } else {
    fprintf(out, "[%s] %s%s", kNames[level], msg, nl);
  }
  fflush(out);
}
