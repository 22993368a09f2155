/*
 * test_acd_nodes - two nodes on one store: each node is a tapisrv with the
 * same line configuration (the built-in 8 lines, permanent ids 1..8) and
 * its own acdproxy, both acdproxies on the one store acdt_store gives.
 * This process is an app on node A; node B's app is helper_acdnode.
 *
 * Shown: a session made on A is listed on B and its changes reach B's
 * monitors as LINE_AGENTSESSIONSTATUS (and the other way round); handles
 * taken on both nodes at once never collide; two nodes racing for the same
 * agent, group, line and address give one session and one
 * LINEERR_INVALAGENTSESSIONSTATE; an `acdproxy admin` change reaches both;
 * with A's acdproxy SIGKILLed, B serves on, A's sessions included.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acdharness.h"
#include "harness.h"
#include "tapitest.h"

#define NLINES 8
#define LINE_MS 30000 /* a command of the helper, churn included */
#define EVENT_MS 10000

struct nodes {
    char dir[64], db[256], sock_a[128], sock_b[128], log_a[128], log_b[128];
    pid_t srv_a, srv_b;
    struct acdp *acd_a, *acd_b;
    HLINEAPP app; /* node A's app: this process */
    HLINE line[NLINES];
    struct acd_msgs keep;
    struct helper *b; /* node B's app */
    HAGENT ag;        /* agent 1001, bound to us */
};

static int rm_entry(const char *p, const struct stat *sb, int fl, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return fl == FTW_DP ? rmdir(p) : unlink(p);
}

/* Node B's helper: send one command, read its one answer line into buf. */
static void b_cmd(struct nodes *w, char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void b_cmd(struct nodes *w, char *buf, size_t cap, const char *fmt, ...)
{
    char cmd[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    assert_int_equal(helper_send(w->b, "%s", cmd), 0);
    int n = helper_wait_line(w->b, buf, cap, now_ms() + LINE_MS);
    if (n < 0)
        fail_msg("node B's helper did not answer '%s' (%d)", cmd, n);
}

static LONG call(struct nodes *w, LONG id)
{
    return acd_reply(w->app, id, &w->keep);
}

static int find_group(struct nodes *w, const char *name, GUID *out)
{
    return acd_find_group(w->app, w->line[0], name, out, &w->keep);
}

static LONG session_a(struct nodes *w, int dev, const char *group, HAGENTSESSION *h)
{
    GUID g;
    assert_int_equal(find_group(w, group, &g), 0);
    return call(w, lineCreateAgentSessionA(w->line[dev], w->ag, NULL, 0, &g, h));
}

/* The session handles lineGetAgentSessionList gives for w->ag on node A. */
static DWORD list_a(struct nodes *w, HAGENTSESSION *out, DWORD cap)
{
    DWORD n;
    assert_int_equal(acd_session_list(w->app, w->line[0], w->ag, out, cap, &n, &w->keep), 0);
    return n;
}

/* Parse "WORD 0xRC N1 N2 ..." into rc and up to cap numbers; returns how many. */
static int parse(const char *line, const char *word, LONG *rc, unsigned long *v, int cap)
{
    size_t wl = strlen(word);
    if (strncmp(line, word, wl) || line[wl] != ' ')
        fail_msg("expected %s, got '%s'", word, line);
    char *end;
    *rc = (LONG)strtoul(line + wl + 1, &end, 0);
    int n = 0;
    for (;;) {
        char *p = end;
        unsigned long x = strtoul(p, &end, 0);
        if (end == p)
            break;
        if (n < cap)
            v[n] = x;
        n++;
    }
    return n;
}

/* A helper app on a node, READY awaited. */
static struct helper *node_app(const char *sock)
{
    char *args[] = {(char *)sock, NULL};
    struct helper *h = helper_spawn_io("helper_acdnode", args);
    assert_non_null(h);
    char buf[64];
    assert_true(helper_wait_line(h, buf, sizeof buf, now_ms() + LINE_MS) > 0);
    assert_int_equal(strncmp(buf, "READY ", 6), 0);
    return h;
}

static void nodes_up(struct nodes *w)
{
    memset(w, 0, sizeof *w);
    snprintf(w->dir, sizeof w->dir, "/tmp/tapix-acdnodes-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    /* one store for both nodes, asked for once */
    assert_int_equal(acdt_store(w->db, sizeof w->db, w->dir, "acd"), 0);
    snprintf(w->sock_a, sizeof w->sock_a, "%s/a.sock", w->dir);
    snprintf(w->sock_b, sizeof w->sock_b, "%s/b.sock", w->dir);
    snprintf(w->log_a, sizeof w->log_a, "%s/acd-a.log", w->dir);
    snprintf(w->log_b, sizeof w->log_b, "%s/acd-b.log", w->dir);
    const char *me = acd_me();
    assert_int_equal(acd_admin(w->db, NULL, NULL, 0, "group", "add", "Sales", (char *)NULL), 0);
    assert_int_equal(acd_admin(w->db, NULL, NULL, 0, "group", "add", "Support", (char *)NULL), 0);
    assert_int_equal(
        acd_admin(w->db, NULL, NULL, 0, "agent", "add", "1001", "--user", me, (char *)NULL), 0);
    /* the same (built-in) line configuration on both nodes */
    w->srv_a = tapisrv_start_at(w->sock_a, NULL);
    w->srv_b = tapisrv_start_at(w->sock_b, NULL);
    assert_true(w->srv_a > 0 && w->srv_b > 0);
    setenv("TAPI_SERVER", w->sock_b, 1);
    w->acd_b = acdp_start(w->db, w->log_b, NULL);
    setenv("TAPI_SERVER", w->sock_a, 1);
    w->acd_a = acdp_start(w->db, w->log_a, NULL);
    assert_non_null(w->acd_a);
    assert_non_null(w->acd_b);
    assert_int_equal(app_init_event(&w->app, NULL, NULL), 0);
    for (int i = 0; i < NLINES; i++)
        assert_int_equal(lineOpenA(w->app, (DWORD)i, &w->line[i], API_HI, 0, (DWORD_PTR)i,
                                   LINECALLPRIVILEGE_MONITOR, 0, NULL),
                         0);
    w->b = node_app(w->sock_b);
    char buf[256];
    assert_int_equal(call(w, lineCreateAgentA(w->line[0], "1001", NULL, &w->ag)), 0);
    /* the agent has the same handle on B: one store, one counter */
    LONG rc;
    unsigned long h;
    b_cmd(w, buf, sizeof buf, "agent 1001");
    assert_int_equal(parse(buf, "AGENT", &rc, &h, 1), 1);
    assert_int_equal(rc, 0);
    assert_int_equal(h, w->ag);
}

static void nodes_down(struct nodes *w)
{
    if (w->b) {
        helper_send(w->b, "exit");
        helper_wait(w->b, now_ms() + 10000);
        helper_free(w->b);
    }
    if (w->app)
        lineShutdown(w->app);
    assert_int_equal(acdp_stop(w->acd_b), 0);
    if (w->acd_a->pid)
        assert_int_equal(acdp_stop(w->acd_a), 0);
    acdp_free(w->acd_a);
    acdp_free(w->acd_b);
    tapisrv_stop_pid(w->srv_a);
    tapisrv_stop_pid(w->srv_b);
    nftw(w->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* B's helper waits for message msg (p1; "*" any) and answers "GOT p1 p2 p3". */
static void b_wait(struct nodes *w, DWORD msg, const char *p1, unsigned long got[3])
{
    char buf[256];
    LONG p1v;
    b_cmd(w, buf, sizeof buf, "wait %u %s %d", (unsigned)msg, p1, EVENT_MS);
    if (strncmp(buf, "GOT ", 4))
        fail_msg("node B's monitor did not get message %u: %s", (unsigned)msg, buf);
    assert_int_equal(parse(buf, "GOT", &p1v, got + 1, 2), 2);
    got[0] = (unsigned long)(DWORD)p1v;
}

/* ------------------------------------------------------------------ tests */

static void sessions_and_events_shared(void **state)
{
    (void)state;
    struct nodes w;
    nodes_up(&w);
    char buf[1024], p1[32];
    unsigned long got[3], v[8];
    LONG rc;

    /* made on A: B's monitor hears NEWSESSION, B lists it */
    HAGENTSESSION s;
    int64_t t0 = now_ms();
    assert_int_equal(session_a(&w, 0, "Sales", &s), 0);
    int64_t t1 = now_ms();
    b_wait(&w, LINE_AGENTSESSIONSTATUS, "*", got);
    int64_t t2 = now_ms();
    assert_int_equal(got[0], s);
    assert_int_equal(got[1], LINEAGENTSESSIONSTATUS_NEWSESSION | LINEAGENTSESSIONSTATUS_STATE);
    assert_int_equal(got[2], LINEAGENTSESSIONSTATE_NOTREADY);
    b_cmd(&w, buf, sizeof buf, "list 0 %u", (unsigned)w.ag);
    assert_int_equal(parse(buf, "LIST", &rc, v, 8), 2);
    assert_int_equal(rc, 0);
    assert_int_equal(v[0], 1);
    assert_int_equal(v[1], s);

    /* a state change on A: LINE_AGENTSESSIONSTATUS(STATE) on B */
    snprintf(p1, sizeof p1, "%u", (unsigned)s);
    assert_int_equal(call(&w, lineSetAgentSessionState(w.line[0], s, LINEAGENTSESSIONSTATE_READY,
                                                       LINEAGENTSESSIONSTATE_NOTREADY)),
                     0);
    int64_t t3 = now_ms();
    b_wait(&w, LINE_AGENTSESSIONSTATUS, p1, got);
    int64_t t4 = now_ms();
    assert_int_equal(got[1], LINEAGENTSESSIONSTATUS_STATE);
    assert_int_equal(got[2], LINEAGENTSESSIONSTATE_READY);
    b_cmd(&w, buf, sizeof buf, "info 0 %u", (unsigned)s);
    assert_int_equal(parse(buf, "INFO", &rc, v, 2), 2);
    assert_int_equal(rc, 0);
    assert_int_equal(v[0], LINEAGENTSESSIONSTATE_READY);
    assert_int_equal(v[1], LINEAGENTSESSIONSTATE_NOTREADY);

    /* an agent's state on A: LINE_AGENTSTATUSEX(STATE) on B */
    snprintf(p1, sizeof p1, "%u", (unsigned)w.ag);
    assert_int_equal(call(&w, lineSetAgentStateEx(w.line[0], w.ag, LINEAGENTSTATEEX_READY, 0)), 0);
    b_wait(&w, LINE_AGENTSTATUSEX, p1, got);
    assert_int_equal(got[1], LINEAGENTSTATUSEX_STATE);
    assert_int_equal(got[2], LINEAGENTSTATEEX_READY);

    /* and the other way: made and ended on B, heard and listed on A */
    b_cmd(&w, buf, sizeof buf, "session 1 %u Support 0", (unsigned)w.ag);
    assert_int_equal(parse(buf, "SESSION", &rc, v, 1), 1);
    assert_int_equal(rc, 0);
    HAGENTSESSION sb = (HAGENTSESSION)v[0];
    assert_true(sb != s && sb != w.ag);
    LINEMESSAGE m;
    assert_int_equal(acd_wait_msg(w.app, &w.keep, LINE_AGENTSESSIONSTATUS, sb, EVENT_MS, &m), 0);
    assert_int_equal(m.dwParam2, LINEAGENTSESSIONSTATUS_NEWSESSION | LINEAGENTSESSIONSTATUS_STATE);
    assert_int_equal(m.hDevice, w.line[1]);
    b_cmd(&w, buf, sizeof buf, "state 1 %u %u 0", (unsigned)sb, LINEAGENTSESSIONSTATE_ENDED);
    assert_int_equal(parse(buf, "STATE", &rc, v, 1), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(acd_wait_msg(w.app, &w.keep, LINE_AGENTSESSIONSTATUS, sb, EVENT_MS, &m), 0);
    assert_int_equal(m.dwParam2, LINEAGENTSESSIONSTATUS_STATE);
    assert_int_equal(m.dwParam3, LINEAGENTSESSIONSTATE_ENDED);
    HAGENTSESSION l[8];
    assert_int_equal(list_a(&w, l, 8), 2);
    assert_int_equal(l[0], s);
    assert_int_equal(l[1], sb);
    print_message("[   INFO   ] A -> B: NEWSESSION heard on B %lld ms after A's reply "
                  "(request %lld ms), STATE %lld ms\n",
                  (long long)(t2 - t1), (long long)(t1 - t0), (long long)(t4 - t3));
    nodes_down(&w);
}

static int cmp_ul(const void *x, const void *y)
{
    unsigned long a = *(const unsigned long *)x, b = *(const unsigned long *)y;
    return (a > b) - (a < b);
}

static void handles_never_collide(void **state)
{
    (void)state;
    struct nodes w;
    nodes_up(&w);
    enum { N = 100 };
    static unsigned long all[2 * N + 1];
    static char buf[1 << 16];
    GUID sales;
    assert_int_equal(find_group(&w, "Sales", &sales), 0);
    /* both nodes make and end sessions at the same time, on different lines */
    int64_t t0 = now_ms();
    assert_int_equal(helper_send(w.b, "churn 1 %u Sales %d", (unsigned)w.ag, N), 0);
    for (int i = 0; i < N; i++) {
        HAGENTSESSION h = 0;
        assert_int_equal(call(&w, lineCreateAgentSessionA(w.line[0], w.ag, NULL, 0, &sales, &h)),
                         0);
        assert_int_equal(
            call(&w, lineSetAgentSessionState(w.line[0], h, LINEAGENTSESSIONSTATE_ENDED, 0)), 0);
        all[i] = h;
        w.keep.n = 0;
    }
    int64_t t1 = now_ms();
    assert_true(helper_wait_line(w.b, buf, sizeof buf, now_ms() + LINE_MS) > 0);
    int64_t t2 = now_ms();
    LONG rc;
    assert_int_equal(parse(buf, "CHURN", &rc, all + N, N), N);
    assert_int_equal(rc, 0);
    /* how much the two nodes' handles interleave: they took turns at the counter */
    int turns = 0;
    for (int i = 0, j = N; i < N && j < 2 * N;) {
        bool a_next = all[i] < all[j];
        while (i < N && j < 2 * N && (all[i] < all[j]) == a_next) {
            if (a_next)
                i++;
            else
                j++;
        }
        turns++;
    }
    all[2 * N] = w.ag;
    qsort(all, 2 * N + 1, sizeof all[0], cmp_ul);
    for (int i = 1; i < 2 * N + 1; i++)
        if (all[i] == all[i - 1])
            fail_msg("handle %lu given twice", all[i]);
    /* and both nodes list all of them */
    static HAGENTSESSION l[4 * N];
    assert_int_equal(list_a(&w, l, 4 * N), 2 * N);
    unsigned long v[1];
    b_cmd(&w, buf, sizeof buf, "list 0 %u", (unsigned)w.ag);
    assert_int_equal(parse(buf, "LIST", &rc, v, 1), 2 * N + 1);
    assert_int_equal(v[0], 2 * N);
    print_message("[   INFO   ] %d sessions made and ended on each node at once: A in %lld ms, "
                  "B's answer %lld ms after; %d handles, all distinct, taken in %d turns\n",
                  N, (long long)(t1 - t0), (long long)(t2 - t1), 2 * N, turns);
    nodes_down(&w);
}

/* The answer to a command sent earlier: "SESSION 0xRC H". */
static LONG session_answer(struct helper *h, HAGENTSESSION *hs)
{
    char buf[256];
    unsigned long v[1];
    LONG rc;
    assert_true(helper_wait_line(h, buf, sizeof buf, now_ms() + LINE_MS) > 0);
    assert_int_equal(parse(buf, "SESSION", &rc, v, 1), 1);
    *hs = (HAGENTSESSION)v[0];
    return rc;
}

static void one_active_session_per_address(void **state)
{
    (void)state;
    struct nodes w;
    nodes_up(&w);
    enum { ROUNDS = 12 };
    int won[2] = {0, 0};
    char buf[256];
    unsigned long v[2];
    LONG rc;
    /* both contenders are helper apps, so each round is a fair race: the
       two requests leave one after the other, in turns A first, B first */
    struct helper *app[2] = {node_app(w.sock_a), w.b};
    for (int r = 0; r < ROUNDS; r++) {
        /* the same agent, group, line (permanent id 3 on both) and address */
        for (int k = 0; k < 2; k++)
            assert_int_equal(
                helper_send(app[(r + k) % 2], "session 2 %u Support 0", (unsigned)w.ag), 0);
        HAGENTSESSION h[2];
        LONG res[2] = {session_answer(app[0], &h[0]), session_answer(app[1], &h[1])};
        if (!res[0] == !res[1])
            fail_msg("round %d: A got 0x%08x, B got 0x%08x: want one session", r, (unsigned)res[0],
                     (unsigned)res[1]);
        int win = res[0] ? 1 : 0;
        assert_int_equal(res[1 - win], (LONG)LINEERR_INVALAGENTSESSIONSTATE);
        won[win]++;
        /* the winner ends it; both must see it ended before the next round */
        helper_send(app[win], "state 2 %u %u 0", (unsigned)h[win], LINEAGENTSESSIONSTATE_ENDED);
        assert_true(helper_wait_line(app[win], buf, sizeof buf, now_ms() + LINE_MS) > 0);
        assert_int_equal(parse(buf, "STATE", &rc, v, 1), 0);
        assert_int_equal(rc, 0);
        int64_t deadline = now_ms() + EVENT_MS;
        for (int k = 0; k < 2; k++) {
            /* each look is a request to the node: no pause needed */
            for (;;) {
                helper_send(app[k], "info 2 %u", (unsigned)h[win]);
                assert_true(helper_wait_line(app[k], buf, sizeof buf, now_ms() + LINE_MS) > 0);
                assert_int_equal(parse(buf, "INFO", &rc, v, 2), 2);
                if (!rc && v[0] == LINEAGENTSESSIONSTATE_ENDED)
                    break;
                if (!ms_left(deadline))
                    fail_msg("round %d: session %u not seen ENDED on node %c", r, (unsigned)h[win],
                             "AB"[k]);
            }
        }
    }
    helper_send(app[0], "exit");
    helper_wait(app[0], now_ms() + 10000);
    helper_free(app[0]);
    print_message("[   INFO   ] %d races for one agent/group/line/address: A won %d, B won %d, "
                  "the other refused each time\n",
                  ROUNDS, won[0], won[1]);
    nodes_down(&w);
}

static void directory_change_reaches_both(void **state)
{
    (void)state;
    struct nodes w;
    nodes_up(&w);
    char buf[512];
    unsigned long got[3];
    assert_int_equal(acd_admin(w.db, NULL, NULL, 0, "group", "add", "Marketing", (char *)NULL), 0);
    LINEMESSAGE m;
    assert_int_equal(acd_wait_msg(w.app, &w.keep, LINE_GROUPSTATUS, ~(DWORD_PTR)0, EVENT_MS, &m),
                     0);
    assert_int_equal(m.dwParam2, LINEGROUPSTATUS_NEWGROUP);
    b_wait(&w, LINE_GROUPSTATUS, "*", got);
    assert_int_equal(got[1], LINEGROUPSTATUS_NEWGROUP);
    GUID g;
    assert_int_equal(find_group(&w, "Marketing", &g), 0);
    b_cmd(&w, buf, sizeof buf, "groups");
    assert_non_null(strstr(buf, " Marketing"));
    /* and it can be logged into on either node */
    b_cmd(&w, buf, sizeof buf, "session 5 %u Marketing 0", (unsigned)w.ag);
    assert_int_equal(strncmp(buf, "SESSION 0x00000000 ", 19), 0);
    nodes_down(&w);
}

static void node_a_killed_b_serves(void **state)
{
    (void)state;
    struct nodes w;
    nodes_up(&w);
    char buf[512];
    unsigned long v[8];
    LONG rc;
    HAGENTSESSION s1, s2;
    assert_int_equal(session_a(&w, 0, "Sales", &s1), 0);
    assert_int_equal(session_a(&w, 3, "Support", &s2), 0);
    assert_int_equal(acdp_kill(w.acd_a), 0);
    /* B lists A's committed sessions, and changes them */
    b_cmd(&w, buf, sizeof buf, "list 0 %u", (unsigned)w.ag);
    assert_int_equal(parse(buf, "LIST", &rc, v, 8), 3);
    assert_int_equal(rc, 0);
    assert_int_equal(v[1], s1);
    assert_int_equal(v[2], s2);
    b_cmd(&w, buf, sizeof buf, "state 3 %u %u 0", (unsigned)s2, LINEAGENTSESSIONSTATE_READY);
    assert_int_equal(parse(buf, "STATE", &rc, v, 1), 0);
    assert_int_equal(rc, 0);
    b_cmd(&w, buf, sizeof buf, "session 4 %u Sales 0", (unsigned)w.ag);
    assert_int_equal(parse(buf, "SESSION", &rc, v, 1), 1);
    assert_int_equal(rc, 0);
    HAGENTSESSION s3 = (HAGENTSESSION)v[0];
    /* A's acdproxy back: once our library has heard that line 0 is served
       again (LINE_PROXYSTATUS), it sees what B did meanwhile */
    w.keep.n = 0;
    assert_int_equal(acdp_restart(w.acd_a), 0);
    int64_t deadline = now_ms() + EVENT_MS;
    LINEMESSAGE m;
    do
        assert_int_equal(acd_wait_msg(w.app, &w.keep, LINE_PROXYSTATUS,
                                      LINEPROXYSTATUS_ALLOPENFORACD, ms_left(deadline), &m),
                         0);
    while (m.hDevice != w.line[0]);
    HAGENTSESSION l[8];
    assert_int_equal(list_a(&w, l, 8), 3);
    assert_int_equal(l[2], s3);
    LINEAGENTSESSIONINFO si;
    memset(&si, 0, sizeof si);
    si.dwTotalSize = sizeof si;
    assert_int_equal(call(&w, lineGetAgentSessionInfo(w.line[3], s2, &si)), 0);
    assert_int_equal(si.dwAgentSessionState, LINEAGENTSESSIONSTATE_READY);
    nodes_down(&w);
}

static int nodes_setup(void **state)
{
    (void)state;
    watchdog_arm(120, "a test_acd_nodes test");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sessions_and_events_shared, nodes_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(handles_never_collide, nodes_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(one_active_session_per_address, nodes_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(directory_change_reaches_both, nodes_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(node_a_killed_b_serves, nodes_setup, wd_teardown),
    };
    return cmocka_run_group_tests_name("acd_nodes", tests, NULL, NULL);
}
