/* log.c - leveled logging to stderr (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level cur_level = LOG_INFO;
static const char *prog_name;

void log_set_prog(const char *prog)
{
    prog_name = prog;
}

static const char *const names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
    cur_level = level;
}

enum log_level log_get_level(void)
{
    return cur_level;
}

int log_enabled(enum log_level level)
{
    return level <= cur_level;
}

int log_level_parse(const char *s, enum log_level *level)
{
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i]) == 0) {
            *level = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

const char *log_level_name(enum log_level level)
{
    return (unsigned)level < sizeof names / sizeof names[0] ? names[level] : "?";
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    /* Format the whole line first and emit it with one fputs: stderr is
     * unbuffered, and one write keeps lines whole when several processes
     * (server, tests) share the same terminal or pipe. */
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    int n = (int)strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
    n += snprintf(line + n, sizeof line - (size_t)n, ".%03ld %-5s %s%s", ts.tv_nsec / 1000000L,
                  log_level_name(level), prog_name ? prog_name : "", prog_name ? ": " : "");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t end = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (end > sizeof line - 2)
        end = sizeof line - 2; /* truncated: still end the line */
    line[end] = '\n';
    line[end + 1] = '\0';
    fputs(line, stderr);
}
