/*
 * helper_acdload - one of several app processes that keep requests
 * outstanding at acdproxy while a test kills acdproxy or tapisrv.
 *
 *   helper_acdload --dev N --lines K --agent ID --pin PIN --groups G0,G1,.. --warm WARM
 *       lineInitializeExA (USEEVENT, 2.2) on $TAPI_SERVER, opens lines N..N+K-1
 *       (MONITOR), lineCreateAgentA(ID, PIN) (the PIN grants this OS user the
 *       agent), creates one session in group WARM at address 0 of line N and
 *       prints "READY <hAgent> <hWarm>".  Then reads commands on stdin:
 *
 *   fire N     N requests without reading a message, request k (counted over
 *              every fire) by k % 4: 0 lineCreateAgentSessionA on line N in
 *              the next unused (group, address) pair (group c % ngroups,
 *              address c / ngroups for the c-th create), 1 lineSetAgentSessionState
 *              of the warm session, alternately READY and NOTREADY, 2
 *              lineGetAgentSessionList, 3 lineGetAgentSessionInfo of the warm
 *              session.  Then one synchronous call (a round trip to tapisrv,
 *              which handles one connection's frames in order) and "FIRED N":
 *              every request has reached tapisrv.
 *   collect MS C  waits (MS at most) for the LINE_REPLY of every request fired
 *              and not yet answered and for C LINE_CLOSEs, takes what else is
 *              queued already (counting LINE_CLOSEs), then
 *              prints "ACK <hSession> <group> <address>" per create answered
 *              with success, "WARM <hWarm> <mask>" (the LINEAGENTSESSIONSTATE_
 *              bits the warm session may be in: the state of the last
 *              acknowledged change, or of any sent after it), "CLOSED <n>" and
 *              "DONE <replies> <ok> <failed> <unavail> <other> <missing> <wok>
 *              <last_ms>": failed counts LINEERR_OPERATIONFAILED, unavail
 *              LINEERR_RESOURCEUNAVAIL, other any other error, wok the changes
 *              (creates, state changes) answered with success; last_ms is
 *              CLOCK_MONOTONIC (ms) when the last reply was taken.
 *   grant      a round trip (so that the request types a restarted acdproxy
 *              registered are known here), then lineCreateAgentA(ID, PIN)
 *              again (a restarted acdproxy has forgotten the grant):
 *              "GRANT 0x<rc>".
 *   reinit     lineShutdown, lineInitializeExA and the lines again:
 *              "REINIT 0x<rc>".
 *   probe MS   lineGetAgentInfo(hAgent) until it succeeds (every 20 ms; a
 *              request type nobody serves yet fails at once), at most MS:
 *              "PROBE 0x<rc> <tries>".
 *   exit       lineShutdown, exit 0 (also on EOF).
 * Setup failures print "FAIL what 0xRC" and exit 2; usage errors exit 64.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acdharness.h"
#include "harness.h"
#include "tapitest.h"

#define MAXREQ 4096
#define MAXLINES 8
#define MAXGROUPS 8

static HLINEAPP app;
static HLINE lines[MAXLINES];
static DWORD dev, nlines = 1;
static HAGENT agent;
static HAGENTSESSION warm;
static GUID groups[MAXGROUPS];
static int ngroups;

/* One request fired: what it was and where its output goes. */
struct req {
    LONG id;
    int kind;          /* k % 4 */
    int group, addr;   /* creates */
    DWORD state;       /* state changes */
    HAGENTSESSION out; /* creates: the handle written by the library */
    int done;
};
static struct req reqs[MAXREQ];
static int nreq, ncreate;
static DWORD warm_known = LINEAGENTSESSIONSTATE_NOTREADY; /* last acknowledged state */
static int warm_acked = -1; /* index of the last acknowledged state change */
static union {
    LINEAGENTSESSIONLIST l;
    char b[8192];
} list_buf;
static LINEAGENTSESSIONINFO info_buf;

static int open_lines(void)
{
    LONG rc = app_init_event(&app, NULL, NULL);
    for (DWORD i = 0; rc == 0 && i < nlines; i++)
        rc = lineOpenA(app, dev + i, &lines[i], API_HI, 0, i, LINECALLPRIVILEGE_MONITOR, 0, NULL);
    return (int)rc;
}

static LONG fire_one(int k)
{
    struct req *r = &reqs[nreq];
    memset(r, 0, sizeof *r);
    r->kind = k % 4;
    switch (r->kind) {
    case 0:
        r->group = ncreate % ngroups;
        r->addr = ncreate / ngroups;
        ncreate++;
        r->id = lineCreateAgentSessionA(lines[0], agent, NULL, (DWORD)r->addr, &groups[r->group],
                                        &r->out);
        break;
    case 1:
        r->state = (k / 4) % 2 ? LINEAGENTSESSIONSTATE_NOTREADY : LINEAGENTSESSIONSTATE_READY;
        r->id = lineSetAgentSessionState(lines[0], warm, r->state, 0);
        break;
    case 2:
        memset(&list_buf, 0, sizeof list_buf);
        list_buf.l.dwTotalSize = sizeof list_buf;
        r->id = lineGetAgentSessionList(lines[0], agent, &list_buf.l);
        break;
    default:
        memset(&info_buf, 0, sizeof info_buf);
        info_buf.dwTotalSize = sizeof info_buf;
        r->id = lineGetAgentSessionInfo(lines[0], warm, &info_buf);
        break;
    }
    return r->id;
}

/* A round trip to tapisrv: it has handled everything this app sent before,
   and what it sent us before (the served-types masks of our lines) is in. */
static LONG sync_server(void)
{
    DWORD v;
    LINEEXTENSIONID ext;
    return lineNegotiateAPIVersion(app, dev, API_LO, API_HI, &v, &ext);
}

static void fire(int n)
{
    static int k;
    for (int i = 0; i < n; i++, k++) {
        if (nreq == MAXREQ || fire_one(k) <= 0) {
            printf("FAIL fire %d 0x%08x\n", i, nreq == MAXREQ ? 0u : (unsigned)reqs[nreq].id);
            fflush(stdout);
            exit(2);
        }
        nreq++;
    }
    LONG rc = sync_server();
    printf(rc ? "FAIL sync 0x%08x\n" : "FIRED %d\n", rc ? (unsigned)rc : (unsigned)n);
    fflush(stdout);
}

static struct req *find_req(LONG id)
{
    for (int i = 0; i < nreq; i++)
        if (reqs[i].id == id && !reqs[i].done)
            return &reqs[i];
    return NULL;
}

static void collect(int ms, int closes)
{
    int64_t deadline = now_ms() + ms, last = 0;
    int replies = 0, ok = 0, failed = 0, unavail = 0, other = 0, closed = 0, missing = 0, wok = 0;
    for (int i = 0; i < nreq; i++)
        missing += !reqs[i].done;
    /* Wait for every reply and `closes` LINE_CLOSEs, then take what is
       queued already, so that a LINE_CLOSE too many is counted too. */
    for (int more = 1; more;) {
        LINEMESSAGE m;
        int wait = missing || closed < closes;
        if (wait && !ms_left(deadline))
            break;
        if (lineGetMessage(app, &m, wait ? (DWORD)ms_left(deadline) : 0)) {
            more = wait;
            continue;
        }
        if (m.dwMessageID == LINE_CLOSE)
            closed++;
        if (m.dwMessageID != LINE_REPLY)
            continue;
        struct req *r = find_req((LONG)m.dwParam1);
        if (!r)
            continue;
        last = now_ms();
        r->done = 1;
        missing--;
        replies++;
        LONG res = (LONG)(DWORD)m.dwParam2;
        if (res == 0) {
            ok++;
            wok += r->kind < 2;
            if (r->kind == 0)
                printf("ACK %u %d %d\n", (unsigned)r->out, r->group, r->addr);
            if (r->kind == 1) {
                warm_known = r->state;
                warm_acked = (int)(r - reqs);
            }
        } else if (res == (LONG)LINEERR_OPERATIONFAILED) {
            failed++;
        } else if (res == (LONG)LINEERR_RESOURCEUNAVAIL) {
            unavail++;
        } else {
            other++;
            fprintf(stderr, "helper_acdload: request kind %d got 0x%08x\n", r->kind, (unsigned)res);
        }
    }
    /* Changes sent after the last acknowledged one may have been committed
       before a kill without their answer reaching us. */
    unsigned mask = warm_known;
    for (int i = warm_acked + 1; i < nreq; i++)
        if (reqs[i].kind == 1)
            mask |= reqs[i].state;
    printf("WARM %u %u\n", (unsigned)warm, mask);
    printf("CLOSED %d\n", closed);
    printf("DONE %d %d %d %d %d %d %d %lld\n", replies, ok, failed, unavail, other, missing, wok,
           (long long)last);
    fflush(stdout);
}

static void probe(int ms)
{
    int64_t deadline = now_ms() + ms;
    int tries = 0;
    LONG rc;
    do {
        LINEAGENTINFO ai;
        memset(&ai, 0, sizeof ai);
        ai.dwTotalSize = sizeof ai;
        tries++;
        rc = acd_reply(app, lineGetAgentInfo(lines[0], agent, &ai), NULL);
        if (rc && ms_left(deadline)) {
            struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000000L};
            nanosleep(&ts, NULL);
        }
    } while (rc && ms_left(deadline));
    printf("PROBE 0x%08x %d\n", (unsigned)rc, tries);
    fflush(stdout);
}

static int find_groups(const char *spec, const char *warm_name, GUID *warm_group)
{
    char names[512];
    snprintf(names, sizeof names, "%s", spec);
    for (char *save = NULL, *n = strtok_r(names, ",", &save); n && ngroups < MAXGROUPS;
         n = strtok_r(NULL, ",", &save))
        if (acd_find_group(app, lines[0], n, &groups[ngroups++], NULL))
            return -1;
    return acd_find_group(app, lines[0], warm_name, warm_group, NULL);
}

int main(int argc, char **argv)
{
    const char *id = NULL, *pin = NULL, *spec = NULL, *warm_name = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "--dev"))
            dev = (DWORD)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--lines"))
            nlines = (DWORD)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--agent"))
            id = v;
        else if (!strcmp(a, "--pin"))
            pin = v;
        else if (!strcmp(a, "--groups"))
            spec = v;
        else if (!strcmp(a, "--warm"))
            warm_name = v;
    }
    if (!id || !spec || !warm_name || nlines < 1 || nlines > MAXLINES) {
        fprintf(stderr, "usage: helper_acdload --dev N --lines K --agent ID --pin PIN "
                        "--groups G0,G1,.. --warm WARM\n");
        return 64;
    }
    GUID wg;
    LONG rc = open_lines();
    if (!rc)
        rc = acd_reply(app, lineCreateAgentA(lines[0], id, pin, &agent), NULL);
    if (!rc && find_groups(spec, warm_name, &wg))
        rc = -1;
    if (!rc)
        rc = acd_reply(app, lineCreateAgentSessionA(lines[0], agent, NULL, 0, &wg, &warm), NULL);
    if (rc) {
        printf("FAIL setup 0x%08x\n", (unsigned)rc);
        return 2;
    }
    printf("READY %u %u\n", (unsigned)agent, (unsigned)warm);
    fflush(stdout);

    char cmd[128];
    while (fgets(cmd, sizeof cmd, stdin)) {
        int n = 0, closes = 0;
        if (sscanf(cmd, "fire %d", &n) == 1)
            fire(n);
        else if (sscanf(cmd, "collect %d %d", &n, &closes) == 2)
            collect(n, closes);
        else if (sscanf(cmd, "probe %d", &n) == 1)
            probe(n);
        else if (!strncmp(cmd, "grant", 5)) {
            rc = sync_server();
            if (!rc)
                rc = acd_reply(app, lineCreateAgentA(lines[0], id, pin, &agent), NULL);
            printf("GRANT 0x%08x\n", (unsigned)rc);
            fflush(stdout);
        } else if (!strncmp(cmd, "reinit", 6)) {
            lineShutdown(app);
            rc = open_lines();
            printf("REINIT 0x%08x\n", (unsigned)rc);
            fflush(stdout);
        } else if (!strncmp(cmd, "exit", 4))
            break;
    }
    lineShutdown(app);
    return 0;
}
