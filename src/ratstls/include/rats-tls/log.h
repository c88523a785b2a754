/* Logging macros of the upstream API (RTLS_FATAL, RTLS_ERR, RTLS_WARN,
 * RTLS_INFO, RTLS_DEBUG) and the level they obey, global_log_level. The
 * initial level comes from RATS_TLS_GLOBAL_LOG_LEVEL (debug, info, warn,
 * error, fatal, off) or is ERROR; rats_tls_init sets it from conf.log_level
 * unless the environment variable is set (the operator's choice wins).
 * FATAL and ERROR go to stderr, the rest to stdout, as upstream. */
#ifndef RATS_TLS_LOG_H_
#define RATS_TLS_LOG_H_

#include <stdio.h>
#include <rats-tls/api.h>

#ifdef __cplusplus
extern "C" {
#endif

extern rats_tls_log_level_t global_log_level;

void rats_tls_log(rats_tls_log_level_t level, const char *func, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#ifdef __cplusplus
}
#endif

#define RTLS_LOG_AT_(level, fmt, ...)                                            \
	do {                                                                     \
		if ((level) >= global_log_level && global_log_level < RATS_TLS_LOG_LEVEL_NONE) \
			rats_tls_log((level), __func__, __LINE__, fmt, ##__VA_ARGS__); \
	} while (0)

#define RTLS_FATAL(fmt, ...) RTLS_LOG_AT_(RATS_TLS_LOG_LEVEL_FATAL, fmt, ##__VA_ARGS__)
#define RTLS_ERR(fmt, ...)   RTLS_LOG_AT_(RATS_TLS_LOG_LEVEL_ERROR, fmt, ##__VA_ARGS__)
#define RTLS_WARN(fmt, ...)  RTLS_LOG_AT_(RATS_TLS_LOG_LEVEL_WARN, fmt, ##__VA_ARGS__)
#define RTLS_INFO(fmt, ...)  RTLS_LOG_AT_(RATS_TLS_LOG_LEVEL_INFO, fmt, ##__VA_ARGS__)
#define RTLS_DEBUG(fmt, ...) RTLS_LOG_AT_(RATS_TLS_LOG_LEVEL_DEBUG, fmt, ##__VA_ARGS__)

#endif /* RATS_TLS_LOG_H_ */
