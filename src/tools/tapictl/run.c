/*
 * run.c - the asynchronous pattern every call-center function follows, and
 * error reporting.
 *
 *   LONG rid = lineGetAgentInfo(hLine, hAgent, info);   // > 0: request id
 *   if (rid < 0) ...                                    // < 0: LINEERR_
 *   lineGetMessage(...) until LINE_REPLY with dwParam1 == rid;
 *   (LONG)dwParam2 is the result: 0, or a LINEERR_ value.
 *
 * The output buffer must stay valid until that LINE_REPLY.  For a variably
 * sized structure the reply may say dwNeededSize > dwTotalSize: grow the
 * buffer and ask again (ctl_get).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tapictl.h"

/* stderr: "tapictl: COMMAND: MSG"; with --json also an error object on
   stdout, whose "message" is detail (MSG when NULL). */
static void report(struct ctl *c, const char *kind, LONG code, const char *fn, const char *msg,
                   const char *detail)
{
    if (c->quiet)
        return;
    fprintf(stderr, "tapictl: %s%s%s\n", c->what ? c->what : "", c->what ? ": " : "", msg);
    if (!c->json)
        return;
    char *k = json_quote(kind), *m = json_quote(detail ? detail : msg);
    char *w = json_quote(c->what ? c->what : ""), *f = json_quote(fn ? fn : "");
    char *obj = NULL;
    int n;
    if (code)
        n = asprintf(&obj,
                     "{\"error\":%s,\"code\":%u,\"hex\":\"0x%08X\",\"message\":%s,"
                     "\"function\":%s,\"command\":%s}",
                     k, (unsigned)code, (unsigned)code, m, f, w);
    else
        n = asprintf(&obj, "{\"error\":%s,\"message\":%s,\"command\":%s}", k, m, w);
    if (n >= 0) {
        out_json_line(obj);
        free(obj);
    }
    free(k);
    free(m);
    free(w);
    free(f);
}

int ctl_error(struct ctl *c, int code, const char *kind, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    report(c, kind, 0, NULL, msg, NULL);
    return code;
}

int ctl_fail(struct ctl *c, const char *fn, LONG err)
{
    /* LINEERR_OPERATIONFAILED is also what every call gets once tapisrv
       has gone away; tell the two apart. */
    if (err == (LONG)LINEERR_OPERATIONFAILED && ctl_server_gone(c))
        return ctl_error(c, EXIT_UNREACHABLE, "unreachable",
                         "lost the connection to tapisrv (during %s)", fn);
    const char *name = lineerr_name(err);
    char msg[512];
    if (name)
        snprintf(msg, sizeof msg, "%s (0x%08X): %s", name, (unsigned)err, lineerr_text(err));
    else /* not in tapi.h: a handler's own, or device-specific */
        snprintf(msg, sizeof msg, "error 0x%08X: %s", (unsigned)err, lineerr_text(err));
    report(c, name ? name : "LINEERR_UNKNOWN", err, fn, msg, lineerr_text(err));
    return EXIT_TAPI;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ctl_wait(struct ctl *c, LONG rid, const char *fn)
{
    if (rid < 0)
        return ctl_fail(c, fn, rid); /* refused at once */
    if (rid == 0)
        return 0;
    int64_t deadline = now_ms() + (int64_t)(c->timeout_s * 1000.0);
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return ctl_error(c, EXIT_TIMEOUT, "timeout",
                             "no LINE_REPLY to %s (request %ld) within %g s", fn, (long)rid,
                             c->timeout_s);
        LINEMESSAGE m;
        LONG rc = lineGetMessage(c->app, &m, (DWORD)left);
        if (rc == (LONG)LINEERR_OPERATIONFAILED)
            continue; /* nothing arrived in time: the loop checks the deadline */
        if (rc)
            return ctl_fail(c, "lineGetMessage", rc);
        if (m.dwMessageID == LINE_CLOSE && m.hDevice == c->line)
            c->lost = true; /* the reply follows as LINEERR_OPERATIONFAILED */
        if (m.dwMessageID != LINE_REPLY || (LONG)m.dwParam1 != rid)
            continue; /* not ours: other requests' replies and events */
        LONG result = (LONG)(DWORD)m.dwParam2;
        return result ? ctl_fail(c, fn, result) : 0;
    }
}

int ctl_get(struct ctl *c, get_fn get, const void *arg, size_t fixed, const char *fn, void **out)
{
    DWORD size = (DWORD)fixed + 1024;
    *out = NULL;
    for (int attempt = 0; attempt < 8; attempt++) {
        DWORD *buf = calloc(1, size);
        if (!buf)
            return ctl_error(c, EXIT_FAILURE, "error", "out of memory");
        buf[0] = size; /* dwTotalSize: what TAPI may write */
        int ex = ctl_wait(c, get(c, buf, arg), fn);
        if (ex) {
            free(buf);
            return ex;
        }
        DWORD needed = buf[1]; /* dwNeededSize */
        *out = buf;
        if (needed <= size)
            return 0;
        free(buf); /* too small: ask again with room for everything */
        *out = NULL;
        size = needed;
    }
    return ctl_error(c, EXIT_FAILURE, "error", "%s: the answer kept growing", fn);
}

/* dwUsedSize of a variably-sized structure. */
static DWORD used_size(const void *st)
{
    DWORD used;
    memcpy(&used, (const char *)st + 8, sizeof used);
    return used;
}

const char *vs_string(const void *st, DWORD size, DWORD offset)
{
    DWORD used = used_size(st);
    if (!size || offset < 12 || offset > used || size > used - offset)
        return "";
    const char *s = (const char *)st + offset;
    return s[size - 1] == '\0' ? s : "";
}

const void *vs_entry(const void *list, DWORD list_offset, DWORD list_size, size_t entry_size,
                     DWORD i)
{
    DWORD used = used_size(list);
    if (list_offset > used || list_size > used - list_offset ||
        ((uint64_t)i + 1) * entry_size > list_size)
        return NULL;
    return (const char *)list + list_offset + (size_t)i * entry_size;
}

int handle_get(struct ctl *c, int argc, char **argv, const char *what, get_fn get, size_t fixed,
               const char *fn, DWORD *h, void **out)
{
    char *pos[1];
    int ex;
    if ((ex = handle_args(c, argc, argv, NULL, pos, 1, what, h)) || (ex = ctl_open(c)))
        return ex;
    return ctl_get(c, get, h, fixed, fn, out);
}
