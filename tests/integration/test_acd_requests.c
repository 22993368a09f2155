/*
 * test_acd_requests - acdproxy end to end: this process is the requester
 * (and a second app in it the monitor), tapisrv routes, acdproxy answers
 * from its SQLite store.  Every one of the 20 request types on its success
 * path and its documented failures; events seen by a monitoring app; the
 * 2.0 per-address view against the 2.2 sessions; another OS user without a
 * PIN or a supervisor's role (helper_acduser under uid "nobody"); directory
 * changes made with `acdproxy admin` while it runs; and no PIN in clear in
 * acdproxy's log or in its database.
 *
 * Directory: groups Sales (queues 10, 11) and Support (queue 20);
 * activities 1 Calls, 2 Email; agents 1001 bound to the user running the
 * test, 1002 with a PIN, 1003 with neither.  Line 0 has 2 addresses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "acdharness.h"
#include "harness.h"
#include "tapitest.h"

#define PIN "Zq7#pin93"

static const char config[] = "[line 0]\n"
                             "[line 0 address 0]\naddress = 201\n"
                             "[line 0 address 1]\naddress = 202\n"
                             "[line 1]\n[line 1 address 0]\naddress = 301\n";

static struct acdp *g_acd;
static char g_db[256], g_log[256];
static HLINEAPP g_app, g_mon;
static HLINE g_l0, g_l1, g_m0, g_m1;
static struct acd_msgs g_monq;
static HAGENT g_h1001, g_h1002, g_h1003;
static GUID g_sales, g_support;

#define CALL(expr) acd_reply(g_app, (expr), NULL)

/* ------------------------------------------------------------------ setup */

static int admin(const char *in, ...)
{
    char *args[16] = {0};
    int n = 0;
    va_list ap;
    va_start(ap, in);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && n < 15)
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    /* at most 8 arguments are used here */
    return acd_admin(g_db, in, NULL, 0, args[0], args[1], args[2], args[3], args[4], args[5],
                     args[6], args[7], (char *)NULL);
}

static int group_setup(void **state)
{
    (void)state;
    if (group_srv_start(config, "test_acd_requests group setup"))
        return -1;
    watchdog_arm(60, "test_acd_requests group setup");
    /* other users reach the socket: the uid test needs it */
    chmod(group_srv->dir, 0755);
    chmod(group_srv->sock, 0666);
    if (acdt_store(g_db, sizeof g_db, group_srv->dir, "acd"))
        return -1;
    snprintf(g_log, sizeof g_log, "%s/acd.log", group_srv->dir);
    int bad =
        admin(NULL, "group", "add", "Sales", (char *)NULL) ||
        admin(NULL, "group", "add", "Support", (char *)NULL) ||
        admin(NULL, "queue", "add", "10", "Sales EU", "--group", "Sales", (char *)NULL) ||
        admin(NULL, "queue", "add", "11", "Sales US", "--group", "Sales", (char *)NULL) ||
        admin(NULL, "queue", "add", "20", "Support", "--group", "Support", (char *)NULL) ||
        admin(NULL, "activity", "add", "1", "Calls", (char *)NULL) ||
        admin(NULL, "activity", "add", "2", "Email", (char *)NULL) ||
        admin(NULL, "agent", "add", "1001", "--name", "Alice", "--user", acd_me(), (char *)NULL) ||
        admin(PIN "\n", "agent", "add", "1002", "--name", "Bob", "--pin-stdin", (char *)NULL) ||
        admin(NULL, "agent", "add", "1003", "--name", "Carol", (char *)NULL);
    if (bad) {
        fprintf(stderr, "test_acd_requests: seeding the directory failed\n");
        return -1;
    }
    g_acd = acdp_start(g_db, g_log, NULL);
    if (!g_acd)
        return -1;
    if (app_init_event(&g_app, NULL, NULL) || app_init_event(&g_mon, NULL, NULL) ||
        lineOpenA(g_app, 0, &g_l0, API_HI, 0, 0x1000, LINECALLPRIVILEGE_MONITOR, 0, NULL) ||
        lineOpenA(g_app, 1, &g_l1, API_HI, 0, 0x1001, LINECALLPRIVILEGE_MONITOR, 0, NULL) ||
        lineOpenA(g_mon, 0, &g_m0, API_HI, 0, 0x2000, LINECALLPRIVILEGE_MONITOR, 0, NULL) ||
        lineOpenA(g_mon, 1, &g_m1, API_HI, 0, 0x2001, LINECALLPRIVILEGE_MONITOR, 0, NULL))
        return -1;
    if (CALL(lineCreateAgentA(g_l0, "1001", NULL, &g_h1001)) ||
        CALL(lineCreateAgentA(g_l0, "1002", PIN, &g_h1002)) ||
        CALL(lineCreateAgentA(g_l0, "1003", NULL, &g_h1003)) ||
        acd_find_group(g_app, g_l0, "Sales", &g_sales) ||
        acd_find_group(g_app, g_l0, "Support", &g_support)) {
        fprintf(stderr, "test_acd_requests: the agents or groups are not there\n");
        return -1;
    }
    alarm(0);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    watchdog_arm(30, "test_acd_requests group teardown");
    lineShutdown(g_app);
    lineShutdown(g_mon);
    int rc = g_acd ? acdp_stop(g_acd) : 0;
    acdp_free(g_acd);
    alarm(0);
    if (rc != 0)
        fprintf(stderr, "acdproxy exited with %d after SIGTERM (want 0)\n", rc);
    return group_srv_stop("test_acd_requests group teardown") || rc != 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ helpers */

static void mon_drain(void)
{
    LINEMESSAGE m;
    g_monq.n = 0;
    while (lineGetMessage(g_mon, &m, 0) == 0)
        ;
}

/* The monitor gets msg(p1) with params 2 and 3 (p3 ~0: any); others with
 * the same msg and p1 before it are passed over (the "every line" messages
 * come once per line it has open). */
static void mon_expect(DWORD msg, DWORD_PTR p1, DWORD p2, DWORD p3)
{
    int64_t deadline = now_ms() + 5000;
    for (;;) {
        LINEMESSAGE m;
        int left = ms_left(deadline);
        if (acd_wait_msg(g_mon, &g_monq, msg, p1, left ? left : 1, &m))
            fail_msg("no message %u(%lu, 0x%x, 0x%x)", (unsigned)msg, (unsigned long)p1,
                     (unsigned)p2, (unsigned)p3);
        if (m.dwParam2 == p2 && (p3 == ~0u || m.dwParam3 == p3))
            return;
    }
}

static DWORD session_state(HAGENTSESSION s, DWORD *next)
{
    LINEAGENTSESSIONINFO si;
    memset(&si, 0, sizeof si);
    si.dwTotalSize = sizeof si;
    assert_int_equal(CALL(lineGetAgentSessionInfo(g_l0, s, &si)), 0);
    if (next)
        *next = si.dwNextAgentSessionState;
    return si.dwAgentSessionState;
}

static DWORD status20(HLINE line, DWORD addr, DWORD *ngroups)
{
    union {
        LINEAGENTSTATUS s;
        char b[4096];
    } st;
    memset(&st, 0, sizeof st);
    st.s.dwTotalSize = sizeof st;
    assert_int_equal(CALL(lineGetAgentStatusA(line, addr, &st.s)), 0);
    if (ngroups)
        *ngroups = st.s.dwNumEntries;
    return st.s.dwState;
}

static void end_all(HAGENT h)
{
    union {
        LINEAGENTSESSIONLIST l;
        char b[16384];
    } sl;
    memset(&sl, 0, sizeof sl);
    sl.l.dwTotalSize = sizeof sl;
    assert_int_equal(CALL(lineGetAgentSessionList(g_l0, h, &sl.l)), 0);
    for (DWORD i = 0; i < sl.l.dwNumEntries; i++) {
        const LINEAGENTSESSIONENTRY *e =
            (const LINEAGENTSESSIONENTRY *)(sl.b + sl.l.dwListOffset) + i;
        DWORD st = session_state(e->hAgentSession, NULL);
        if (st != LINEAGENTSESSIONSTATE_ENDED)
            assert_int_equal(CALL(lineSetAgentSessionState(g_l0, e->hAgentSession,
                                                           LINEAGENTSESSIONSTATE_ENDED, 0)),
                             0);
    }
}

/* ------------------------------------------------------------------ agents */

static void createagent(void **state)
{
    (void)state;
    HAGENT h = 0, h2 = 0;
    assert_true(g_h1001 && g_h1002 && g_h1003);
    assert_true(g_h1001 != g_h1002 && g_h1002 != g_h1003);
    /* the same handle every time; NULL ID: the agent bound to this user */
    assert_int_equal(CALL(lineCreateAgentA(g_l0, "1001", NULL, &h)), 0);
    assert_int_equal(h, g_h1001);
    assert_int_equal(CALL(lineCreateAgentA(g_l1, NULL, NULL, &h2)), 0);
    assert_int_equal(h2, g_h1001);
    WCHAR id[] = {'1', '0', '0', '2', 0}, pin[16];
    for (size_t i = 0; i <= strlen(PIN); i++)
        pin[i] = (WCHAR)PIN[i];
    assert_int_equal(CALL(lineCreateAgentW(g_l0, id, pin, &h)), 0);
    assert_int_equal(h, g_h1002);
    /* failures leave the output alone */
    h = 0xAAAA;
    assert_int_equal(CALL(lineCreateAgentA(g_l0, "4711", NULL, &h)), (LONG)LINEERR_INVALAGENTID);
    assert_int_equal(CALL(lineCreateAgentA(g_l0, "1002", "0000", &h)), (LONG)LINEERR_INVALPASSWORD);
    assert_int_equal(CALL(lineCreateAgentA(g_l0, "1003", "0000", &h)),
                     (LONG)LINEERR_INVALPASSWORD); /* an agent without a PIN */
    assert_int_equal(h, 0xAAAA);
}

static void agent_info_state_period(void **state)
{
    (void)state;
    mon_drain();
    LINEAGENTINFO ai;
    memset(&ai, 0, sizeof ai);
    ai.dwTotalSize = sizeof ai;
    assert_int_equal(CALL(lineGetAgentInfo(g_l0, g_h1003, &ai)), 0);
    assert_int_equal(ai.dwUsedSize, sizeof ai);
    assert_int_equal(ai.dwAgentState, LINEAGENTSTATEEX_NOTREADY);
    assert_true(ai.dwMeasurementPeriod > 0);
    assert_int_equal(CALL(lineGetAgentInfo(g_l0, 0xDEAD, &ai)), (LONG)LINEERR_INVALAGENTID);

    assert_int_equal(
        CALL(lineSetAgentStateEx(g_l0, g_h1003, LINEAGENTSTATEEX_READY, LINEAGENTSTATEEX_NOTREADY)),
        0);
    mon_expect(LINE_AGENTSTATUSEX, g_h1003, LINEAGENTSTATUSEX_STATE, LINEAGENTSTATEEX_READY);
    assert_int_equal(CALL(lineGetAgentInfo(g_l1, g_h1003, &ai)), 0);
    assert_int_equal(ai.dwAgentState, LINEAGENTSTATEEX_READY);
    assert_int_equal(ai.dwNextAgentState, LINEAGENTSTATEEX_NOTREADY);
    assert_int_equal(CALL(lineSetAgentStateEx(g_l0, g_h1003, LINEAGENTSTATEEX_BUSYACD, 0)),
                     (LONG)LINEERR_INVALAGENTSTATE);
    assert_int_equal(CALL(lineSetAgentStateEx(g_l0, g_h1003, LINEAGENTSTATEEX_UNKNOWN, 0)),
                     (LONG)LINEERR_INVALAGENTSTATE);
    assert_int_equal(CALL(lineSetAgentStateEx(g_l0, g_h1003, 0, LINEAGENTSTATEEX_RELEASED)),
                     (LONG)LINEERR_INVALAGENTSTATE);
    assert_int_equal(CALL(lineSetAgentStateEx(g_l0, 0xDEAD, LINEAGENTSTATEEX_READY, 0)),
                     (LONG)LINEERR_INVALAGENTID);

    assert_int_equal(CALL(lineSetAgentMeasurementPeriod(g_l0, g_h1003, 0)),
                     (LONG)LINEERR_INVALPARAM);
    assert_int_equal(CALL(lineSetAgentMeasurementPeriod(g_l0, 0xDEAD, 10)),
                     (LONG)LINEERR_INVALAGENTID);
    assert_int_equal(CALL(lineSetAgentMeasurementPeriod(g_l0, g_h1003, 900)), 0);
    mon_expect(LINE_AGENTSTATUSEX, g_h1003, LINEAGENTSTATUSEX_UPDATEINFO, ~0u);
    assert_int_equal(CALL(lineGetAgentInfo(g_l0, g_h1003, &ai)), 0);
    assert_int_equal(ai.dwMeasurementPeriod, 900);
}

/* ------------------------------------------------------------------ sessions */

static double ole_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((double)ts.tv_sec + ts.tv_nsec / 1e9) / 86400.0 + 25569.0;
}

static void sessions(void **state)
{
    (void)state;
    mon_drain();
    HAGENTSESSION s = 0, s2 = 0, x = 0xAAAA;
    GUID ghost;
    memset(&ghost, 0x5a, sizeof ghost);
    /* the failures */
    assert_int_equal(CALL(lineCreateAgentSessionA(g_l0, 0xDEAD, NULL, 0, &g_sales, &x)),
                     (LONG)LINEERR_INVALAGENTID);
    assert_int_equal(CALL(lineCreateAgentSessionA(g_l0, g_h1002, "0000", 0, &g_sales, &x)),
                     (LONG)LINEERR_INVALPASSWORD);
    assert_int_equal(CALL(lineCreateAgentSessionA(g_l0, g_h1001, NULL, 0, &ghost, &x)),
                     (LONG)LINEERR_INVALAGENTGROUP);
    assert_int_equal(CALL(lineCreateAgentSessionA(g_l0, g_h1001, NULL, 2, &g_sales, &x)),
                     (LONG)LINEERR_INVALADDRESSID);
    assert_int_equal(CALL(lineCreateAgentSessionA(g_l1, g_h1001, NULL, 1, &g_sales, &x)),
                     (LONG)LINEERR_INVALADDRESSID);
    assert_int_equal(x, 0xAAAA);

    double before = ole_now();
    assert_int_equal(CALL(lineCreateAgentSessionA(g_l0, g_h1001, NULL, 0, &g_sales, &s)), 0);
    double after = ole_now();
    assert_true(s != 0);
    mon_expect(LINE_AGENTSESSIONSTATUS, s,
               LINEAGENTSESSIONSTATUS_NEWSESSION | LINEAGENTSESSIONSTATUS_STATE,
               LINEAGENTSESSIONSTATE_NOTREADY);
    mon_expect(LINE_AGENTSTATUS, 0, LINEAGENTSTATUS_GROUP | LINEAGENTSTATUS_STATE,
               LINEAGENTSTATE_NOTREADY);
    assert_int_equal(CALL(lineCreateAgentSessionA(g_l0, g_h1001, NULL, 0, &g_sales, &x)),
                     (LONG)LINEERR_INVALAGENTSESSIONSTATE);
    /* the PIN agent, with its PIN, on another line */
    assert_int_equal(CALL(lineCreateAgentSessionA(g_l1, g_h1002, PIN, 0, &g_support, &s2)), 0);
    mon_expect(LINE_AGENTSESSIONSTATUS, s2,
               LINEAGENTSESSIONSTATUS_NEWSESSION | LINEAGENTSESSIONSTATUS_STATE,
               LINEAGENTSESSIONSTATE_NOTREADY);

    /* info: start as an OLE date near now, duration growing */
    LINEAGENTSESSIONINFO si;
    memset(&si, 0, sizeof si);
    si.dwTotalSize = sizeof si;
    assert_int_equal(CALL(lineGetAgentSessionInfo(g_l0, s, &si)), 0);
    assert_int_equal(si.dwUsedSize, sizeof si);
    assert_int_equal(si.dwAgentSessionState, LINEAGENTSESSIONSTATE_NOTREADY);
    double tol = 2.0 / 86400.0;
    assert_true(si.dateSessionStartTime >= before - tol);
    assert_true(si.dateSessionStartTime <= after + tol);
    DWORD d0 = si.dwSessionDuration;
    struct timespec ts = {1, 300 * 1000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(CALL(lineGetAgentSessionInfo(g_l0, s, &si)), 0);
    assert_true(si.dwSessionDuration >= d0 + 1);
    assert_int_equal(CALL(lineGetAgentSessionInfo(g_l0, 0xDEAD, &si)), (LONG)LINEERR_INVALPARAM);

    /* state machine */
    assert_int_equal(CALL(lineSetAgentSessionState(g_l0, s, LINEAGENTSESSIONSTATE_READY,
                                                   LINEAGENTSESSIONSTATE_NOTREADY)),
                     0);
    mon_expect(LINE_AGENTSESSIONSTATUS, s, LINEAGENTSESSIONSTATUS_STATE,
               LINEAGENTSESSIONSTATE_READY);
    DWORD next;
    assert_int_equal(session_state(s, &next), LINEAGENTSESSIONSTATE_READY);
    assert_int_equal(next, LINEAGENTSESSIONSTATE_NOTREADY);
    assert_int_equal(CALL(lineSetAgentSessionState(g_l0, s, 0, LINEAGENTSESSIONSTATE_READY)), 0);
    mon_expect(LINE_AGENTSESSIONSTATUS, s, LINEAGENTSESSIONSTATUS_UPDATEINFO, 0);
    static const DWORD acd_only[] = {LINEAGENTSESSIONSTATE_BUSYONCALL,
                                     LINEAGENTSESSIONSTATE_BUSYWRAPUP,
                                     LINEAGENTSESSIONSTATE_RELEASED};
    for (int i = 0; i < 3; i++)
        assert_int_equal(CALL(lineSetAgentSessionState(g_l0, s, acd_only[i], 0)),
                         (LONG)LINEERR_INVALAGENTSESSIONSTATE);
    assert_int_equal(CALL(lineSetAgentSessionState(g_l0, 0xDEAD, LINEAGENTSESSIONSTATE_READY, 0)),
                     (LONG)LINEERR_INVALPARAM);
    assert_int_equal(CALL(lineSetAgentSessionState(g_l0, s, LINEAGENTSESSIONSTATE_ENDED, 0)), 0);
    mon_expect(LINE_AGENTSESSIONSTATUS, s, LINEAGENTSESSIONSTATUS_STATE,
               LINEAGENTSESSIONSTATE_ENDED);
    assert_int_equal(CALL(lineSetAgentSessionState(g_l0, s, LINEAGENTSESSIONSTATE_READY, 0)),
                     (LONG)LINEERR_INVALAGENTSESSIONSTATE);
    /* frozen once ended */
    assert_int_equal(CALL(lineGetAgentSessionInfo(g_l0, s, &si)), 0);
    d0 = si.dwSessionDuration;
    ts.tv_nsec = 100 * 1000000L;
    nanosleep(&ts, NULL);
    assert_int_equal(CALL(lineGetAgentSessionInfo(g_l0, s, &si)), 0);
    assert_int_equal(si.dwSessionDuration, d0);

    /* the list: ended included, oldest first */
    HAGENTSESSION s3 = 0;
    assert_int_equal(CALL(lineCreateAgentSessionA(g_l0, g_h1001, NULL, 1, &g_support, &s3)), 0);
    union {
        LINEAGENTSESSIONLIST l;
        char b[8192];
    } sl;
    memset(&sl, 0, sizeof sl);
    sl.l.dwTotalSize = sizeof sl;
    assert_int_equal(CALL(lineGetAgentSessionList(g_l0, g_h1001, &sl.l)), 0);
    assert_true(sl.l.dwNumEntries >= 2);
    const LINEAGENTSESSIONENTRY *e = (const LINEAGENTSESSIONENTRY *)(sl.b + sl.l.dwListOffset);
    DWORD n = sl.l.dwNumEntries;
    for (DWORD i = 1; i < n; i++)
        assert_true(e[i].hAgentSession > e[i - 1].hAgentSession);
    assert_int_equal(e[n - 1].hAgentSession, s3);
    assert_int_equal(e[n - 1].hAgent, g_h1001);
    assert_int_equal(e[n - 1].dwWorkingAddressID, 1);
    assert_memory_equal(&e[n - 1].GroupID, &g_support, sizeof(GUID));
    assert_int_equal(e[n - 2].hAgentSession, s);
    assert_int_equal(CALL(lineGetAgentSessionList(g_l0, 0xDEAD, &sl.l)),
                     (LONG)LINEERR_INVALAGENTID);
    end_all(g_h1001);
    end_all(g_h1002);
}

/* ------------------------------------------------------------------ groups and queues */

static void groups_and_queues(void **state)
{
    (void)state;
    mon_drain();
    union {
        LINEQUEUELIST l;
        char b[4096];
    } ql;
    memset(&ql, 0, sizeof ql);
    ql.l.dwTotalSize = sizeof ql;
    assert_int_equal(CALL(lineGetQueueListA(g_l0, &g_sales, &ql.l)), 0);
    assert_int_equal(ql.l.dwNumEntries, 2);
    const LINEQUEUEENTRY *q = (const LINEQUEUEENTRY *)(ql.b + ql.l.dwListOffset);
    assert_int_equal(q[0].dwQueueID, 10);
    assert_string_equal(ql.b + q[0].dwNameOffset, "Sales EU");
    assert_int_equal(q[1].dwQueueID, 11);
    GUID ghost;
    memset(&ghost, 0x5a, sizeof ghost);
    assert_int_equal(CALL(lineGetQueueListA(g_l0, &ghost, &ql.l)), (LONG)LINEERR_INVALAGENTGROUP);
    /* W: UTF-16 names */
    memset(&ql, 0, sizeof ql);
    ql.l.dwTotalSize = sizeof ql;
    assert_int_equal(CALL(lineGetQueueListW(g_l0, &g_support, &ql.l)), 0);
    assert_int_equal(ql.l.dwNumEntries, 1);
    q = (const LINEQUEUEENTRY *)(ql.b + ql.l.dwListOffset);
    assert_int_equal(q[0].dwNameSize, 16);

    LINEQUEUEINFO qi;
    memset(&qi, 0, sizeof qi);
    qi.dwTotalSize = sizeof qi;
    assert_int_equal(CALL(lineGetQueueInfo(g_l0, 20, &qi)), 0);
    assert_int_equal(qi.dwUsedSize, sizeof qi);
    assert_true(qi.dwMeasurementPeriod > 0);
    assert_int_equal(CALL(lineGetQueueInfo(g_l0, 99, &qi)), (LONG)LINEERR_INVALPARAM);
    assert_int_equal(CALL(lineSetQueueMeasurementPeriod(g_l0, 20, 0)), (LONG)LINEERR_INVALPARAM);
    assert_int_equal(CALL(lineSetQueueMeasurementPeriod(g_l0, 99, 10)), (LONG)LINEERR_INVALPARAM);
    assert_int_equal(CALL(lineSetQueueMeasurementPeriod(g_l0, 20, 45)), 0);
    mon_expect(LINE_QUEUESTATUS, 20, LINEQUEUESTATUS_UPDATEINFO, 0);
    assert_int_equal(CALL(lineGetQueueInfo(g_l1, 20, &qi)), 0);
    assert_int_equal(qi.dwMeasurementPeriod, 45);

    union {
        LINEAGENTGROUPLIST l;
        char b[4096];
    } gl;
    memset(&gl, 0, sizeof gl);
    gl.l.dwTotalSize = 30; /* too small for the entries: needed tells */
    assert_int_equal(CALL(lineGetGroupListA(g_l0, &gl.l)), 0);
    assert_true(gl.l.dwNeededSize > gl.l.dwUsedSize);
    DWORD need = gl.l.dwNeededSize;
    memset(&gl, 0, sizeof gl);
    gl.l.dwTotalSize = need;
    assert_int_equal(CALL(lineGetGroupListA(g_l0, &gl.l)), 0);
    assert_int_equal(gl.l.dwNeededSize, gl.l.dwUsedSize);
    assert_true(gl.l.dwNumEntries >= 2);
}

/* ------------------------------------------------------------------ TAPI 2.0 */

static LONG set_groups(HLINE line, DWORD addr, const GUID *g, DWORD n)
{
    union {
        LINEAGENTGROUPLIST l;
        char b[4096];
    } gl;
    memset(&gl, 0, sizeof gl);
    gl.l.dwTotalSize = gl.l.dwNeededSize = gl.l.dwUsedSize =
        (DWORD)(sizeof gl.l + n * sizeof(LINEAGENTGROUPENTRY));
    gl.l.dwNumEntries = n;
    gl.l.dwListSize = n * (DWORD)sizeof(LINEAGENTGROUPENTRY);
    gl.l.dwListOffset = n ? (DWORD)sizeof gl.l : 0;
    for (DWORD i = 0; i < n; i++)
        memcpy(gl.b + sizeof gl.l + i * sizeof(LINEAGENTGROUPENTRY), &g[i], sizeof(GUID));
    return CALL(lineSetAgentGroup(line, addr, &gl.l));
}

static void v20_per_address(void **state)
{
    (void)state;
    mon_drain();
    GUID both[2] = {g_sales, g_support}, ghost, many[17];
    memset(&ghost, 0x5a, sizeof ghost);
    for (int i = 0; i < 17; i++)
        many[i] = g_sales;
    GUID bad[2] = {g_sales, ghost};
    assert_int_equal(set_groups(g_l0, 0, bad, 2), (LONG)LINEERR_INVALAGENTGROUP);
    assert_int_equal(set_groups(g_l0, 2, both, 2), (LONG)LINEERR_INVALADDRESSID);
    assert_int_equal(set_groups(g_l0, 0, many, 17), (LONG)LINEERR_INVALPARAM);
    assert_int_equal(status20(g_l0, 0, NULL), LINEAGENTSTATE_LOGGEDOFF);

    /* two groups at address 0 = two sessions in the 2.2 list */
    assert_int_equal(set_groups(g_l0, 0, both, 2), 0);
    mon_expect(LINE_AGENTSTATUS, 0, LINEAGENTSTATUS_GROUP | LINEAGENTSTATUS_STATE,
               LINEAGENTSTATE_NOTREADY);
    union {
        LINEAGENTSESSIONLIST l;
        char b[16384];
    } sl;
    memset(&sl, 0, sizeof sl);
    sl.l.dwTotalSize = sizeof sl;
    assert_int_equal(CALL(lineGetAgentSessionList(g_l0, g_h1001, &sl.l)), 0);
    HAGENTSESSION act[2];
    int nact = 0;
    const LINEAGENTSESSIONENTRY *e = (const LINEAGENTSESSIONENTRY *)(sl.b + sl.l.dwListOffset);
    for (DWORD i = 0; i < sl.l.dwNumEntries; i++)
        if (session_state(e[i].hAgentSession, NULL) != LINEAGENTSESSIONSTATE_ENDED) {
            assert_true(nact < 2);
            assert_int_equal(e[i].dwWorkingAddressID, 0);
            act[nact++] = e[i].hAgentSession;
        }
    assert_int_equal(nact, 2);
    DWORD ng = 0;
    assert_int_equal(status20(g_l0, 0, &ng), LINEAGENTSTATE_NOTREADY);
    assert_int_equal(ng, 2);
    assert_int_equal(status20(g_l0, 1, &ng), LINEAGENTSTATE_LOGGEDOFF);
    assert_int_equal(status20(g_l1, 0, &ng), LINEAGENTSTATE_LOGGEDOFF);

    /* a 2.2 session going READY shows in the 2.0 status */
    assert_int_equal(CALL(lineSetAgentSessionState(g_l0, act[1], LINEAGENTSESSIONSTATE_READY, 0)),
                     0);
    assert_int_equal(status20(g_l0, 0, NULL), LINEAGENTSTATE_READY);
    /* and 2.0 states reach the sessions */
    assert_int_equal(CALL(lineSetAgentState(g_l0, 0, LINEAGENTSTATE_NOTREADY, 0)), 0);
    assert_int_equal(session_state(act[0], NULL), LINEAGENTSESSIONSTATE_NOTREADY);
    assert_int_equal(session_state(act[1], NULL), LINEAGENTSESSIONSTATE_NOTREADY);
    assert_int_equal(
        CALL(lineSetAgentState(g_l0, 0, LINEAGENTSTATE_READY, LINEAGENTSTATE_NOTREADY)), 0);
    DWORD next;
    assert_int_equal(session_state(act[0], &next), LINEAGENTSESSIONSTATE_READY);
    assert_int_equal(next, LINEAGENTSESSIONSTATE_NOTREADY);
    assert_int_equal(CALL(lineSetAgentState(g_l0, 0, LINEAGENTSTATE_BUSYACD, 0)),
                     (LONG)LINEERR_INVALAGENTSTATE);
    assert_int_equal(CALL(lineSetAgentState(g_l0, 0, LINEAGENTSTATE_WORKINGAFTERCALL, 0)),
                     (LONG)LINEERR_INVALAGENTSTATE);
    assert_int_equal(CALL(lineSetAgentState(g_l0, 1, LINEAGENTSTATE_READY, 0)),
                     (LONG)LINEERR_INVALAGENTSTATE); /* no session there */
    assert_int_equal(CALL(lineSetAgentState(g_l0, 2, LINEAGENTSTATE_READY, 0)),
                     (LONG)LINEERR_INVALADDRESSID);

    /* one group less: its session ends */
    assert_int_equal(set_groups(g_l0, 0, &g_support, 1), 0);
    assert_int_equal(status20(g_l0, 0, &ng), LINEAGENTSTATE_READY);
    assert_int_equal(ng, 1);
    /* activity */
    assert_int_equal(CALL(lineSetAgentActivity(g_l0, 0, 77)), (LONG)LINEERR_INVALAGENTACTIVITY);
    assert_int_equal(CALL(lineSetAgentActivity(g_l0, 2, 1)), (LONG)LINEERR_INVALADDRESSID);
    assert_int_equal(CALL(lineSetAgentActivity(g_l0, 0, 2)), 0);
    mon_expect(LINE_AGENTSTATUS, 0, LINEAGENTSTATUS_ACTIVITY, 0);
    union {
        LINEAGENTSTATUS s;
        char b[4096];
    } st;
    memset(&st, 0, sizeof st);
    st.s.dwTotalSize = sizeof st;
    assert_int_equal(CALL(lineGetAgentStatusA(g_l0, 0, &st.s)), 0);
    assert_int_equal(st.s.dwActivityID, 2);
    assert_string_equal(st.b + st.s.dwActivityOffset, "Email");
    assert_int_equal(st.s.dwNumEntries, 1);
    const LINEAGENTGROUPENTRY *ge = (const LINEAGENTGROUPENTRY *)(st.b + st.s.dwGroupListOffset);
    assert_memory_equal(&ge->GroupID, &g_support, sizeof(GUID));
    assert_string_equal(st.b + ge->dwNameOffset, "Support");
    assert_int_equal(CALL(lineGetAgentStatusA(g_l0, 2, &st.s)), (LONG)LINEERR_INVALADDRESSID);
    /* LOGGEDOFF ends the rest; an empty list too */
    assert_int_equal(CALL(lineSetAgentState(g_l0, 0, LINEAGENTSTATE_LOGGEDOFF, 0)), 0);
    assert_int_equal(status20(g_l0, 0, NULL), LINEAGENTSTATE_LOGGEDOFF);
    assert_int_equal(set_groups(g_l0, 0, both, 2), 0);
    assert_int_equal(CALL(lineSetAgentGroup(g_l0, 0, NULL)), 0);
    assert_int_equal(status20(g_l0, 0, NULL), LINEAGENTSTATE_LOGGEDOFF);

    /* the lists and the caps */
    union {
        LINEAGENTACTIVITYLIST l;
        char b[4096];
    } al;
    memset(&al, 0, sizeof al);
    al.l.dwTotalSize = sizeof al;
    assert_int_equal(CALL(lineGetAgentActivityListA(g_l0, 0, &al.l)), 0);
    assert_int_equal(al.l.dwNumEntries, 2);
    const LINEAGENTACTIVITYENTRY *ae = (const LINEAGENTACTIVITYENTRY *)(al.b + al.l.dwListOffset);
    assert_int_equal(ae[0].dwID, 1);
    assert_string_equal(al.b + ae[0].dwNameOffset, "Calls");
    assert_int_equal(CALL(lineGetAgentActivityListA(g_l0, 2, &al.l)), (LONG)LINEERR_INVALADDRESSID);
    union {
        LINEAGENTGROUPLIST l;
        char b[4096];
    } gl;
    memset(&gl, 0, sizeof gl);
    gl.l.dwTotalSize = sizeof gl;
    assert_int_equal(CALL(lineGetAgentGroupListA(g_l0, 1, &gl.l)), 0);
    assert_true(gl.l.dwNumEntries >= 2);
    assert_int_equal(CALL(lineGetAgentGroupListA(g_l0, 2, &gl.l)), (LONG)LINEERR_INVALADDRESSID);

    union {
        LINEAGENTCAPS c;
        char b[4096];
    } caps;
    memset(&caps, 0, sizeof caps);
    caps.c.dwTotalSize = sizeof caps;
    assert_int_equal(CALL(lineGetAgentCapsA(g_app, 0, 0, API_HI, &caps.c)), 0);
    assert_string_equal(caps.b + caps.c.dwAgentHandlerInfoOffset, "tapix acdproxy");
    assert_int_equal(caps.c.dwMaxNumGroupEntries, 16);
    assert_int_equal(caps.c.dwNumAgentExtensionIDs, 1);
    static const uint8_t ext[16] = {0x6A, 0x70, 0x61, 0x74, 0x00, 0x00, 0x63, 0x41,
                                    0x84, 0x70, 0x72, 0x6F, 0x78, 0x79, 0x00, 0x01};
    assert_memory_equal(caps.b + caps.c.dwAgentExtensionIDListOffset, ext, 16);
    static const GUID zero;
    assert_memory_not_equal(&caps.c.ProxyGUID, &zero, sizeof zero);
    assert_true(caps.c.dwFeatures & LINEAGENTFEATURE_SETAGENTGROUP);
    assert_int_equal(caps.c.dwStates,
                     LINEAGENTSTATE_LOGGEDOFF | LINEAGENTSTATE_NOTREADY | LINEAGENTSTATE_READY);
    assert_int_equal(CALL(lineGetAgentCapsA(g_app, 0, 2, API_HI, &caps.c)),
                     (LONG)LINEERR_INVALADDRESSID);
    /* a 2.0 app: the 56-byte structure of 2.0, no ProxyGUID (its variable
       part starts where ProxyGUID would be) */
    memset(&caps, 0, sizeof caps);
    caps.c.dwTotalSize = sizeof caps;
    assert_int_equal(CALL(lineGetAgentCapsA(g_app, 1, 0, 0x00020000, &caps.c)), 0);
    assert_int_equal(caps.c.dwCapsVersion, 0x00020000);
    assert_int_equal(caps.c.dwAgentHandlerInfoOffset, 56);
    assert_string_equal(caps.b + 56, "tapix acdproxy");
}

static void extension(void **state)
{
    (void)state;
    DWORD echo[4] = {1, 0xCAFEBABE, 0x12345678, 42};
    DWORD copy[4];
    memcpy(copy, echo, sizeof copy);
    assert_int_equal(CALL(lineAgentSpecific(g_l0, 0, 0, copy, sizeof copy)), 0);
    assert_memory_equal(copy, echo, sizeof copy);
    assert_int_equal(CALL(lineAgentSpecific(g_l0, 0, 1, copy, sizeof copy)),
                     (LONG)LINEERR_INVALPARAM);
    assert_int_equal(CALL(lineAgentSpecific(g_l0, 2, 0, copy, sizeof copy)),
                     (LONG)LINEERR_INVALADDRESSID);
    DWORD unknown[2] = {9, 0};
    assert_int_equal(CALL(lineAgentSpecific(g_l0, 0, 0, unknown, sizeof unknown)),
                     (LONG)LINEERR_INVALPARAM);
    /* sessions: the active ones of this user's agent at the address */
    HAGENTSESSION a = 0, b = 0;
    assert_int_equal(CALL(lineCreateAgentSessionA(g_l0, g_h1001, NULL, 1, &g_sales, &a)), 0);
    assert_int_equal(CALL(lineCreateAgentSessionA(g_l0, g_h1001, NULL, 1, &g_support, &b)), 0);
    DWORD blk[6] = {2, 0, 0, 0, 0, 0};
    assert_int_equal(CALL(lineAgentSpecific(g_l0, 1, 0, blk, sizeof blk)), 0);
    assert_int_equal(blk[0], 2);
    assert_int_equal(blk[1], 2);
    assert_int_equal(blk[2], 2);
    assert_int_equal(blk[3], a);
    assert_int_equal(blk[4], b);
    DWORD small[4] = {2, 0, 0, 0};
    assert_int_equal(CALL(lineAgentSpecific(g_l0, 1, 0, small, sizeof small)), 0);
    assert_int_equal(small[1], 2);
    assert_int_equal(small[2], 1);
    assert_int_equal(small[3], a);
    end_all(g_h1001);
}

/* ------------------------------------------------------------------ rights */

static void other_user(void **state)
{
    (void)state;
    struct passwd *pw = getpwnam("nobody");
    if (geteuid() != 0 || !pw) {
        print_message("not root, or no user 'nobody': skipped\n");
        skip();
    }
    HAGENTSESSION s = 0;
    assert_int_equal(CALL(lineCreateAgentSessionA(g_l0, g_h1001, NULL, 0, &g_sales, &s)), 0);
    char uid[16], gid[16], h1[16], h2[16], hs[16];
    snprintf(uid, sizeof uid, "%u", (unsigned)pw->pw_uid);
    snprintf(gid, sizeof gid, "%u", (unsigned)pw->pw_gid);
    snprintf(h1, sizeof h1, "%u", g_h1001);
    snprintf(h2, sizeof h2, "%u", g_h1002);
    snprintf(hs, sizeof hs, "%u", s);
    struct helper *h =
        helper_spawn("helper_acduser", uid, gid, h1, h2, hs, "10", PIN, (char *)NULL);
    assert_non_null(h);
    static const struct {
        const char *name;
        DWORD want;
    } expect[] = {
        {"createagent_bound_nopin", LINEERR_INVALPASSWORD},
        {"createagent_null", LINEERR_INVALAGENTID},
        {"createagent_wrongpin", LINEERR_INVALPASSWORD},
        {"setstateex_bound", LINEERR_INVALPASSWORD},
        {"setperiod_bound", LINEERR_INVALPASSWORD},
        {"setsessionstate_bound", LINEERR_INVALPASSWORD},
        {"getgrouplist", 0},
        {"createsession_bound", LINEERR_INVALPASSWORD},
        {"createsession_wrongpin", LINEERR_INVALPASSWORD},
        {"getagentinfo_bound", 0},
        {"getagentstatus_nobound", LINEERR_INVALAGENTID},
        {"setqueueperiod", LINEERR_INVALPASSWORD},
        {"createagent_rightpin", 0},
        {"handle", 0},
        {"setstateex_granted", 0},
        {"createsession_granted", 0},
        {"setstateex_bound_again", LINEERR_INVALPASSWORD},
    };
    char line[256];
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        int n = helper_wait_line(h, line, sizeof line, now_ms() + 15000);
        assert_true(n > 0);
        char name[64];
        unsigned v = 0;
        assert_int_equal(sscanf(line, "%63s %i", name, (int *)&v), 2);
        assert_string_equal(name, expect[i].name);
        if (!strcmp(name, "handle"))
            assert_int_equal(v, g_h1002);
        else if (v != expect[i].want)
            fail_msg("%s: got 0x%08x, want 0x%08x", name, v, (unsigned)expect[i].want);
    }
    assert_true(helper_wait_line(h, line, sizeof line, now_ms() + 5000) > 0);
    assert_string_equal(line, "DONE");
    assert_int_equal(helper_wait(h, now_ms() + 5000), 0);
    helper_free(h);
    /* what nobody did not have the right to do did not happen */
    assert_int_equal(session_state(s, NULL), LINEAGENTSESSIONSTATE_NOTREADY);
    end_all(g_h1001);
    end_all(g_h1002);
}

/* ------------------------------------------------------------------ directory */

static void admin_while_running(void **state)
{
    (void)state;
    mon_drain();
    char out[256];
    assert_int_equal(
        acd_admin(g_db, NULL, out, sizeof out, "group", "add", "Billing", (char *)NULL), 0);
    mon_expect(LINE_GROUPSTATUS, 0, LINEGROUPSTATUS_NEWGROUP, 0);
    GUID billing;
    assert_int_equal(acd_find_group(g_app, g_l0, "Billing", &billing), 0);
    assert_int_equal(acd_admin(g_db, NULL, NULL, 0, "queue", "add", "30", "Billing", "--group",
                               "Billing", (char *)NULL),
                     0);
    mon_expect(LINE_QUEUESTATUS, 30, LINEQUEUESTATUS_NEWQUEUE, 0);
    union {
        LINEQUEUELIST l;
        char b[1024];
    } ql;
    memset(&ql, 0, sizeof ql);
    ql.l.dwTotalSize = sizeof ql;
    assert_int_equal(CALL(lineGetQueueListA(g_l0, &billing, &ql.l)), 0);
    assert_int_equal(ql.l.dwNumEntries, 1);
    assert_int_equal(acd_admin(g_db, NULL, NULL, 0, "agent", "add", "1004", (char *)NULL), 0);
    LINEMESSAGE m;
    assert_int_equal(acd_wait_msg(g_mon, &g_monq, LINE_AGENTSTATUSEX, ~(DWORD_PTR)0, 5000, &m), 0);
    assert_int_equal(m.dwParam2, LINEAGENTSTATUSEX_NEWAGENT);
    HAGENT h4 = 0;
    assert_int_equal(CALL(lineCreateAgentA(g_l0, "1004", NULL, &h4)), 0);
    assert_int_equal(h4, (HAGENT)m.dwParam1);
    /* and away again */
    assert_int_equal(acd_admin(g_db, NULL, NULL, 0, "queue", "remove", "30", (char *)NULL), 0);
    mon_expect(LINE_QUEUESTATUS, 30, LINEQUEUESTATUS_QUEUEREMOVED, 0);
    assert_int_equal(acd_admin(g_db, NULL, NULL, 0, "group", "remove", "Billing", (char *)NULL), 0);
    mon_expect(LINE_GROUPSTATUS, 0, LINEGROUPSTATUS_GROUPREMOVED, 0);
    HAGENTSESSION s;
    assert_int_equal(CALL(lineCreateAgentSessionA(g_l0, h4, NULL, 0, &billing, &s)),
                     (LONG)LINEERR_INVALAGENTGROUP);
}

/* ------------------------------------------------------------------ no PIN in clear */

/* Does the file hold needle (len bytes)? */
static int file_has(const char *path, const void *needle, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    int found = 0;
    for (;;) {
        if (n == cap) {
            cap *= 2;
            char *p = realloc(buf, cap);
            if (!p)
                break;
            buf = p;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        if (!k)
            break;
        n += k;
    }
    fclose(f);
    found = n >= len && memmem(buf, n, needle, len) != NULL;
    free(buf);
    return found;
}

static void no_pin_in_clear(void **state)
{
    (void)state;
    /* the PIN went through requests several times by now (A and W) */
    HAGENT h;
    assert_int_equal(CALL(lineCreateAgentA(g_l0, "1002", PIN, &h)), 0);
    uint8_t w[32];
    size_t len = strlen(PIN);
    for (size_t i = 0; i < len; i++) {
        w[2 * i] = (uint8_t)PIN[i];
        w[2 * i + 1] = 0;
    }
    static const char *suffix[] = {"", "-wal", "-shm", "-journal"};
    char path[300];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s%s", g_db, suffix[i]);
        assert_false(file_has(path, PIN, len));
        assert_false(file_has(path, w, 2 * len));
    }
    assert_true(file_has(g_log, "CREATEAGENT", 11)); /* the log is there, at debug */
    assert_false(file_has(g_log, PIN, len));
    assert_false(file_has(g_log, w, 2 * len));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(createagent, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(agent_info_state_period, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(sessions, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(groups_and_queues, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(v20_per_address, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(extension, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(other_user, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(admin_while_running, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(no_pin_in_clear, wd_setup, wd_teardown),
    };
    return cmocka_run_group_tests_name("acd_requests", tests, group_setup, group_teardown);
}
