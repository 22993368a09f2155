/* log.c - acdproxy's stderr log (log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static enum acd_log_level level = ALOG_INFO;
static const char *const names[] = {"error", "warn", "info", "debug"};

int acd_log_parse(const char *s, enum acd_log_level *out)
{
    for (int i = 0; i <= ALOG_DEBUG; i++) {
        if (s && !strcmp(s, names[i])) {
            *out = (enum acd_log_level)i;
            return 0;
        }
    }
    if (s && !strcmp(s, "warning")) {
        *out = ALOG_WARN;
        return 0;
    }
    return -1;
}

void acd_log_set(enum acd_log_level lv)
{
    level = lv;
}

enum acd_log_level acd_log_get(void)
{
    return level;
}

void acd_log(enum acd_log_level lv, const char *fmt, ...)
{
    if (lv > level)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "acdproxy: %s: %s\n", names[lv], buf);
}
