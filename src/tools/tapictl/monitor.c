/*
 * monitor.c - `tapictl monitor`: open the line(s) with monitor privilege
 * and print every message as it arrives, decoded into words, one line
 * each, timestamped and flushed at once.
 *
 * It shows the USEEVENT model at work: LINEINITIALIZEEXPARAMS.Handles.hEvent
 * is a descriptor that polls readable while messages are queued, so one
 * poll() waits for TAPI and for signals (through a signalfd) together.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "tapictl.h"

struct mon {
    DWORD *devs;  /* device of each open line */
    HLINE *lines; /* its handle, 0 once closed */
    DWORD n, open;
};

/* "2026-11-23T23:45:20.123Z": now, UTC, with milliseconds. */
static void timestamp(char *buf, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

/* A flag field: "A,B" for people, ["A","B"] in JSON. */
static void flags_field(struct rec *r, const char *key, const struct name *t, DWORD v)
{
    char human[256];
    rec_flags(r, key, key, t, v);
    free(r->f[r->n - 1].text);
    r->f[r->n - 1].text = strdup(*flags_str(t, v, ",", human, sizeof human) ? human : "0");
}

/* A parameter without a meaning tapictl knows: hex, a JSON string. */
static void hex_field(struct rec *r, const char *key, DWORD_PTR v)
{
    char s[24], q[28];
    snprintf(s, sizeof s, "0x%llX", (unsigned long long)v);
    snprintf(q, sizeof q, "\"%s\"", s);
    rec_raw(r, key, key, s, q);
}

/* The status messages all say: whose status (dwParam1, unless who is NULL),
   which parts of it changed (dwParam2, flags of bits) and, when state_bit
   is among them, the new state (dwParam3). */
static const struct status_msg {
    DWORD msg;
    const char *who;
    const struct name *bits;
    DWORD state_bit;
    const struct name *states;
} status_msgs[] = {
    {LINE_AGENTSESSIONSTATUS, "session", session_status_bits, LINEAGENTSESSIONSTATUS_STATE,
     session_states},
    {LINE_AGENTSTATUSEX, "agent", agent_statusex_bits, LINEAGENTSTATUSEX_STATE, agent_states_ex},
    {LINE_AGENTSTATUS, "address", agent_status_bits, LINEAGENTSTATUS_STATE, agent_states},
    {LINE_QUEUESTATUS, "queue", queue_status_bits, 0, NULL},
    {LINE_GROUPSTATUS, NULL, group_status_bits, 0, NULL},
};

/* The message's parameters, in words. */
static void decode(struct rec *r, const LINEMESSAGE *m)
{
    DWORD p1 = (DWORD)m->dwParam1, p2 = (DWORD)m->dwParam2, p3 = (DWORD)m->dwParam3;
    for (size_t i = 0; i < sizeof status_msgs / sizeof status_msgs[0]; i++) {
        const struct status_msg *k = &status_msgs[i];
        if (k->msg != m->dwMessageID)
            continue;
        if (k->who)
            rec_uint(r, k->who, k->who, p1);
        flags_field(r, "status", k->bits, p2);
        if (p2 & k->state_bit)
            rec_state(r, "state", "state", k->states, p3);
        return;
    }
    switch (m->dwMessageID) {
    case LINE_PROXYSTATUS: {
        const char *s = name_of(proxy_status_values, p1), *t = name_of(proxy_requests, p2);
        if (s)
            rec_str(r, "status", "status", s);
        else
            rec_uint(r, "status", "status", p1);
        if (p1 == LINEPROXYSTATUS_OPEN || p1 == LINEPROXYSTATUS_CLOSE) {
            if (t)
                rec_str(r, "request", "request", t);
            else
                rec_uint(r, "request", "request", p2);
        }
        break;
    }
    case LINE_AGENTSPECIFIC:
        rec_uint(r, "extension", "extension", p1);
        hex_field(r, "param2", m->dwParam2);
        hex_field(r, "param3", m->dwParam3);
        break;
    case LINE_CLOSE:
        break;
    default:
        hex_field(r, "param1", m->dwParam1);
        hex_field(r, "param2", m->dwParam2);
        hex_field(r, "param3", m->dwParam3);
    }
}

/* One line of output: "TIME  line N  MESSAGE  key=value ...", or JSON. */
static int print_event(struct ctl *c, struct rec *r)
{
    if (c->json)
        return out_record(c, r);
    bool has_line = r->n > 1 && !strcmp(r->f[1].key, "line");
    for (size_t i = 0; i < r->n; i++) {
        const struct field *f = &r->f[i];
        if (!strcmp(f->key, "time"))
            fputs(f->text, stdout);
        else if (!strcmp(f->key, "line"))
            printf("  line %s", f->text);
        else if (!strcmp(f->key, "event"))
            printf(has_line && i + 1 < r->n ? "  %-23s" : "  %s", f->text); /* aligned */
        else
            printf("  %s=%s", f->key, f->text);
    }
    putchar('\n');
    return fflush(stdout) == 0 ? 0 : EXIT_FAILURE;
}

/* time, line (unless dev is -1) and event: the fields every event has. */
static struct rec event_rec(long dev, const char *event)
{
    struct rec r = {0};
    char ts[40];
    timestamp(ts, sizeof ts);
    rec_str(&r, "time", "time", ts);
    if (dev >= 0)
        rec_uint(&r, "line", "line", (unsigned long long)dev);
    rec_str(&r, "event", "event", event);
    return r;
}

/* Handle one message; -1 when every line is closed now. */
static int on_message(struct ctl *c, struct mon *mo, const LINEMESSAGE *m, int *ex)
{
    DWORD i = 0;
    while (i < mo->n && mo->lines[i] != m->hDevice)
        i++;
    if (i == mo->n)
        return 0; /* not one of our lines (LINE_REPLY: we make no requests) */
    char unknown[32];
    const char *name = name_of(messages, m->dwMessageID);
    if (!name) {
        snprintf(unknown, sizeof unknown, "message %u", (unsigned)m->dwMessageID);
        name = unknown;
    }
    struct rec r = event_rec((long)mo->devs[i], name);
    decode(&r, m);
    *ex = print_event(c, &r);
    rec_free(&r);
    if (m->dwMessageID == LINE_CLOSE) {
        mo->lines[i] = 0; /* the handle is dead now */
        if (--mo->open == 0)
            return -1;
    }
    return *ex ? -1 : 0;
}

/* Open the line(s) with LINECALLPRIVILEGE_MONITOR; 0 or an exit code. */
static int open_lines(struct ctl *c, struct mon *mo)
{
    DWORD first = 0, last = c->num_devs;
    if (c->line_opt >= 0) {
        first = (DWORD)c->line_opt;
        last = first + 1;
    }
    mo->devs = calloc(last - first + 1, sizeof *mo->devs);
    mo->lines = calloc(last - first + 1, sizeof *mo->lines);
    if (!mo->devs || !mo->lines)
        return ctl_error(c, EXIT_FAILURE, "error", "out of memory");
    for (DWORD d = first; d < last; d++) {
        DWORD version;
        LONG rc = ctl_negotiate(c, d, &version);
        if (!rc)
            rc = lineOpenA(c->app, d, &mo->lines[mo->n], version, 0, 0, LINECALLPRIVILEGE_MONITOR,
                           0, NULL);
        if (rc)
            return ctl_fail(c, "lineOpen", rc);
        mo->devs[mo->n++] = d;
    }
    mo->open = mo->n;
    if (!mo->n)
        return ctl_error(c, EXIT_TAPI, "LINEERR_BADDEVICEID", "tapisrv has no line devices");
    return 0;
}

/* Wait for messages and signals; the exit code. */
static int loop(struct ctl *c, struct mon *mo, int sfd)
{
    struct pollfd p[2] = {{c->event_fd, POLLIN, 0}, {sfd, POLLIN, 0}};
    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return ctl_error(c, EXIT_FAILURE, "error", "poll: %s", strerror(errno));
        }
        if (p[1].revents)
            return 0; /* SIGINT or SIGTERM: a normal end */
        LINEMESSAGE m;
        int ex = 0;
        while (lineGetMessage(c->app, &m, 0) == 0)
            if (on_message(c, mo, &m, &ex)) {
                if (ex)
                    return ex;
                /* Every line closed: tapisrv shut down or went away. */
                return ctl_error(c, EXIT_UNREACHABLE, "unreachable",
                                 "tapisrv closed the line%s (it stopped or went away)",
                                 mo->n > 1 ? "s" : "");
            }
    }
}

int cmd_monitor(struct ctl *c, int argc, char **argv)
{
    char *pos[1];
    int npos, ex = scan_args(c, argc, argv, NULL, pos, 0, &npos);
    if (ex)
        return ex;
    /* Block the signals before libtapi32 starts its thread (in
       lineInitializeEx), so that only the signalfd sees them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sfd < 0)
        return ctl_error(c, EXIT_FAILURE, "error", "signalfd: %s", strerror(errno));
    struct mon mo = {0};
    if (!(ex = ctl_init(c)) && !(ex = open_lines(c, &mo))) {
        /* The first line says that every line is open: from here on no
           message is missed.  Tests and scripts wait for it. */
        struct rec r = event_rec(-1, "ready");
        char *human = malloc(12 * (size_t)mo.n + 3), *json = malloc(12 * (size_t)mo.n + 3);
        size_t hn = 0, jn = 0;
        for (DWORD i = 0; human && json && i < mo.n; i++) {
            hn += (size_t)sprintf(human + hn, "%s%u", i ? "," : "", (unsigned)mo.devs[i]);
            jn += (size_t)sprintf(json + jn, "%s%u", i ? "," : "[", (unsigned)mo.devs[i]);
        }
        if (json)
            strcpy(json + jn, "]");
        rec_raw(&r, "lines", "lines", human && json ? human : "?", human && json ? json : "[]");
        free(human);
        free(json);
        ex = print_event(c, &r);
        rec_free(&r);
        if (!ex)
            ex = loop(c, &mo, sfd);
    }
    for (DWORD i = 0; i < mo.n; i++)
        if (mo.lines[i])
            lineClose(mo.lines[i]);
    free(mo.devs);
    free(mo.lines);
    close(sfd);
    return ex;
}
