/*
 * test_acd_lifecycle - acdproxy's life around its requests: every session
 * acknowledged before a SIGKILL is back after a restart on the same store,
 * with its state, and new handles never collide with old ones; SIGTERM
 * answers what is pending and exits 0; a restarted tapisrv is found again
 * and the 20 types are registered anew without help; a store that cannot
 * be written refuses changes with LINEERR_RESOURCEUNAVAIL and still serves
 * reads.  Each test has its own tapisrv (on a socket path that survives its
 * restart) and its own store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "acdharness.h"
#include "harness.h"
#include "tapitest.h"

#define NLINES 8

struct world {
    char dir[64], sock[128], db[128], log[128];
    pid_t srv;
    struct acdp *acd;
    HLINEAPP app;
    HLINE line[NLINES];
    GUID sales, support;
};

static int rm_entry(const char *p, const struct stat *sb, int fl, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return fl == FTW_DP ? rmdir(p) : unlink(p);
}

/* A requester app with every line open (retrying while the lines are not
 * served yet, e.g. right after a restart). */
static int open_app(struct world *w)
{
    if (app_init_event(&w->app, NULL, NULL))
        return -1;
    for (int i = 0; i < NLINES; i++)
        if (lineOpenA(w->app, (DWORD)i, &w->line[i], API_HI, 0, (DWORD_PTR)i,
                      LINECALLPRIVILEGE_MONITOR, 0, NULL))
            return -1;
    return 0;
}

static int world_up(struct world *w, const char *db_url)
{
    memset(w, 0, sizeof *w);
    snprintf(w->dir, sizeof w->dir, "/tmp/tapix-acdlc-XXXXXX");
    if (!mkdtemp(w->dir))
        return -1;
    snprintf(w->sock, sizeof w->sock, "%s/tapisrv.sock", w->dir);
    if (acdt_store(w->db, sizeof w->db, w->dir, "acd"))
        return -1;
    snprintf(w->log, sizeof w->log, "%s/acd.log", w->dir);
    w->srv = tapisrv_start_at(w->sock, NULL);
    if (w->srv < 0)
        return -1;
    setenv("TAPI_SERVER", w->sock, 1);
    char me[80];
    snprintf(me, sizeof me, "%s", acd_me());
    if (acd_admin(w->db, NULL, NULL, 0, "group", "add", "Sales", (char *)NULL) ||
        acd_admin(w->db, NULL, NULL, 0, "group", "add", "Support", (char *)NULL) ||
        acd_admin(w->db, NULL, NULL, 0, "agent", "add", "1001", "--user", me, (char *)NULL) ||
        acd_admin(w->db, NULL, NULL, 0, "agent", "add", "1002", (char *)NULL) ||
        acd_admin(w->db, NULL, NULL, 0, "agent", "add", "1003", (char *)NULL))
        return -1;
    w->acd = acdp_start(db_url ? db_url : w->db, w->log, NULL);
    if (!w->acd || open_app(w))
        return -1;
    return acd_find_group(w->app, w->line[0], "Sales", &w->sales) ||
           acd_find_group(w->app, w->line[0], "Support", &w->support);
}

static void world_down(struct world *w)
{
    if (w->app)
        lineShutdown(w->app);
    acdp_free(w->acd);
    if (w->srv > 0)
        tapisrv_stop_pid(w->srv);
    nftw(w->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static LONG call(struct world *w, LONG id)
{
    return acd_reply(w->app, id, NULL);
}

static HAGENT agent(struct world *w, const char *id)
{
    HAGENT h = 0;
    assert_int_equal(call(w, lineCreateAgentA(w->line[0], id, NULL, &h)), 0);
    return h;
}

static void session_info(struct world *w, HAGENTSESSION s, DWORD *state, DWORD *next)
{
    LINEAGENTSESSIONINFO si;
    memset(&si, 0, sizeof si);
    si.dwTotalSize = sizeof si;
    assert_int_equal(call(w, lineGetAgentSessionInfo(w->line[0], s, &si)), 0);
    *state = si.dwAgentSessionState;
    *next = si.dwNextAgentSessionState;
}

/* ------------------------------------------------------------------ tests */

static void sessions_survive_sigkill(void **state)
{
    (void)state;
    struct world w;
    assert_int_equal(world_up(&w, NULL), 0);
    HAGENT ag[3] = {agent(&w, "1001"), agent(&w, "1002"), agent(&w, "1003")};
    enum { N = 3 * NLINES };
    HAGENTSESSION s[N];
    DWORD st[N], nx[N];
    static const DWORD states[4][2] = {
        {LINEAGENTSESSIONSTATE_NOTREADY, 0},
        {LINEAGENTSESSIONSTATE_READY, LINEAGENTSESSIONSTATE_NOTREADY},
        {LINEAGENTSESSIONSTATE_ENDED, 0},
        {LINEAGENTSESSIONSTATE_NOTREADY, LINEAGENTSESSIONSTATE_ENDED},
    };
    for (int i = 0; i < N; i++) {
        HAGENT a = ag[i % 3];
        HLINE l = w.line[i / 3];
        assert_int_equal(
            call(&w, lineCreateAgentSessionA(l, a, NULL, 0, i % 2 ? &w.sales : &w.support, &s[i])),
            0);
        st[i] = states[i % 4][0];
        nx[i] = states[i % 4][1];
        if (st[i] != LINEAGENTSESSIONSTATE_NOTREADY || nx[i])
            assert_int_equal(call(&w, lineSetAgentSessionState(l, s[i], st[i], nx[i])), 0);
    }
    /* right after the last LINE_REPLY */
    assert_int_equal(acdp_kill(w.acd), 0);
    assert_int_equal(acdp_restart(w.acd), 0);
    lineShutdown(w.app);
    assert_int_equal(open_app(&w), 0);
    HAGENTSESSION max = 0;
    for (int i = 0; i < N; i++) {
        DWORD a, b;
        session_info(&w, s[i], &a, &b);
        assert_int_equal(a, st[i]);
        assert_int_equal(b, nx[i]);
        if (s[i] > max)
            max = s[i];
    }
    union {
        LINEAGENTSESSIONLIST l;
        char b[4096];
    } sl;
    memset(&sl, 0, sizeof sl);
    sl.l.dwTotalSize = sizeof sl;
    assert_int_equal(call(&w, lineGetAgentSessionList(w.line[0], ag[1], &sl.l)), 0);
    assert_int_equal(sl.l.dwNumEntries, N / 3);
    /* the same agent handles, and new session handles above every old one */
    assert_int_equal(agent(&w, "1002"), ag[1]);
    /* (1001 is in Support only on lines 0 and 2) */
    for (int k = 0; k < 4; k += 2) {
        HAGENTSESSION n = 0;
        assert_int_equal(call(&w, lineCreateAgentSessionA(w.line[k], ag[0], NULL, 0, &w.sales, &n)),
                         0);
        assert_true(n > max);
        for (int i = 0; i < 3; i++)
            assert_true(n != ag[i]);
        max = n;
    }
    world_down(&w);
}

static void sigterm_answers_and_exits_0(void **state)
{
    (void)state;
    struct world w;
    assert_int_equal(world_up(&w, NULL), 0);
    HAGENT a = agent(&w, "1003");
    enum { N = 200 };
    LONG ids[N];
    /* the requests wait in acdproxy's socket while it is stopped, and are
       pending there when SIGTERM comes */
    assert_int_equal(kill(w.acd->pid, SIGSTOP), 0);
    for (int i = 0; i < N; i++) {
        ids[i] = i % 2 ? lineSetAgentMeasurementPeriod(w.line[0], a, (DWORD)(100 + i))
                       : lineSetAgentStateEx(
                             w.line[0], a,
                             i % 4 ? LINEAGENTSTATEEX_READY : LINEAGENTSTATEEX_NOTREADY, 0);
        assert_true(ids[i] > 0);
    }
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(kill(w.acd->pid, SIGTERM), 0);
    assert_int_equal(kill(w.acd->pid, SIGCONT), 0);
    assert_int_equal(acdp_stop(w.acd), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(acd_reply(w.app, ids[i], NULL), 0);
    /* and all of it was committed */
    assert_int_equal(acdp_restart(w.acd), 0);
    lineShutdown(w.app);
    assert_int_equal(open_app(&w), 0);
    LINEAGENTINFO ai;
    memset(&ai, 0, sizeof ai);
    ai.dwTotalSize = sizeof ai;
    assert_int_equal(call(&w, lineGetAgentInfo(w.line[0], a, &ai)), 0);
    assert_int_equal(ai.dwMeasurementPeriod, 100 + N - 1);
    assert_int_equal(ai.dwAgentState, LINEAGENTSTATEEX_READY);
    assert_int_equal(acdp_stop(w.acd), 0);
    world_down(&w);
}

static int proxy_types(HLINEAPP app, DWORD dev)
{
    union {
        LINEPROXYREQUESTLIST l;
        char b[512];
    } pl;
    memset(&pl, 0, sizeof pl);
    pl.l.dwTotalSize = sizeof pl;
    if (lineGetProxyStatus(app, dev, API_HI, &pl.l))
        return -1;
    return (int)pl.l.dwNumEntries;
}

static void tapisrv_restart_reregisters(void **state)
{
    (void)state;
    struct world w;
    assert_int_equal(world_up(&w, NULL), 0);
    assert_int_equal(proxy_types(w.app, 0), 20);
    lineShutdown(w.app);
    w.app = 0;
    assert_int_equal(tapisrv_stop_pid(w.srv), 0);
    w.srv = tapisrv_start_at(w.sock, NULL);
    assert_true(w.srv > 0);
    /* acdproxy finds it again by itself: 100 ms doubling up to 5 s */
    HLINEAPP app = 0;
    assert_int_equal(app_init_event(&app, NULL, NULL), 0);
    int64_t deadline = now_ms() + 15000;
    int n;
    while ((n = proxy_types(app, 7)) != 20 && ms_left(deadline)) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(n, 20);
    assert_int_equal(proxy_types(app, 0), 20);
    lineShutdown(app);
    assert_int_equal(open_app(&w), 0);
    assert_int_equal(agent(&w, "1001") != 0, 1);
    assert_int_equal(acdp_stop(w.acd), 0);
    world_down(&w);
}

static void readonly_store(void **state)
{
    (void)state;
    struct world w;
    char url[200];
    char dir[64];
    /* seed first (world_up adds the directory), then restart read-only */
    assert_int_equal(world_up(&w, NULL), 0);
    HAGENT a = agent(&w, "1001");
    assert_int_equal(acdp_stop(w.acd), 0);
    snprintf(dir, sizeof dir, "%s", w.dir);
    snprintf(url, sizeof url, "sqlite:%s?mode=ro", w.db);
    snprintf(w.acd->db, sizeof w.acd->db, "%s", url);
    assert_int_equal(acdp_restart(w.acd), 0);
    lineShutdown(w.app);
    assert_int_equal(open_app(&w), 0);
    LINEAGENTINFO ai;
    memset(&ai, 0, sizeof ai);
    ai.dwTotalSize = sizeof ai;
    assert_int_equal(call(&w, lineGetAgentInfo(w.line[0], a, &ai)), 0);
    assert_int_equal(call(&w, lineSetAgentStateEx(w.line[0], a, LINEAGENTSTATEEX_READY, 0)),
                     (LONG)LINEERR_RESOURCEUNAVAIL);
    HAGENTSESSION s = 0xAAAA;
    assert_int_equal(call(&w, lineCreateAgentSessionA(w.line[0], a, NULL, 0, &w.sales, &s)),
                     (LONG)LINEERR_RESOURCEUNAVAIL);
    assert_int_equal(s, 0xAAAA);
    /* nothing changed in memory either */
    assert_int_equal(call(&w, lineGetAgentInfo(w.line[0], a, &ai)), 0);
    assert_int_equal(ai.dwAgentState, LINEAGENTSTATEEX_NOTREADY);
    union {
        LINEAGENTSESSIONLIST l;
        char b[1024];
    } sl;
    memset(&sl, 0, sizeof sl);
    sl.l.dwTotalSize = sizeof sl;
    assert_int_equal(call(&w, lineGetAgentSessionList(w.line[0], a, &sl.l)), 0);
    assert_int_equal(sl.l.dwNumEntries, 0);
    assert_int_equal(acdp_stop(w.acd), 0);
    world_down(&w);
}

static int lc_setup(void **state)
{
    (void)state;
    watchdog_arm(60, "a test_acd_lifecycle test");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sessions_survive_sigkill, lc_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(sigterm_answers_and_exits_0, lc_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(tapisrv_restart_reregisters, lc_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(readonly_store, lc_setup, wd_teardown),
    };
    return cmocka_run_group_tests_name("acd_lifecycle", tests, NULL, NULL);
}
