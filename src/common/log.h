/*
 * log.h - leveled logging to stderr, for tapisrv and acdproxy alike.
 *
 * One line per message: "YYYY-MM-DD HH:MM:SS.mmm LEVEL [prog: ]message".  stderr is
 * where systemd and the test harness collect a foreground daemon's output,
 * so there is no log file and no syslog.
 */
#ifndef TAPIX_LOG_H
#define TAPIX_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Name put before every message ("acdproxy: "), or NULL for none. */
void log_set_prog(const char *prog);

/* Messages above `level` are dropped. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parse "error", "warn", "info" or "debug" into *level; returns 0 or -1. */
int log_level_parse(const char *s, enum log_level *level);
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* True when a message at `level` would be printed (to skip costly formatting). */
int log_enabled(enum log_level level);

#endif
