/*
 * log.h - acdproxy's log: lines on stderr, "acdproxy: LEVEL: text", below
 * the configured level dropped.  Nothing that logs may pass a PIN: the
 * request handlers never hand PIN strings to anything but auth.c.
 */
#ifndef TAPIX_ACD_LOG_H
#define TAPIX_ACD_LOG_H

enum acd_log_level { ALOG_ERROR, ALOG_WARN, ALOG_INFO, ALOG_DEBUG };

/* "error", "warn", "info", "debug" -> *out; 0, or -1 when unknown. */
int acd_log_parse(const char *s, enum acd_log_level *out);
void acd_log_set(enum acd_log_level lv);
enum acd_log_level acd_log_get(void);
void acd_log(enum acd_log_level lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) acd_log(ALOG_ERROR, __VA_ARGS__)
#define log_warn(...) acd_log(ALOG_WARN, __VA_ARGS__)
#define log_info(...) acd_log(ALOG_INFO, __VA_ARGS__)
#define log_debug(...) acd_log(ALOG_DEBUG, __VA_ARGS__)

#endif
