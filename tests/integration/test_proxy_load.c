/*
 * test_proxy_load - the proxy path under load.
 *
 *  - LINE_REPLY racing ahead of the function's return (DESIGN §4): a
 *    handler answering at once, 8 threads each issuing many requests of
 *    five kinds, in callback mode and in event mode.  Every request id
 *    returned appears in exactly one LINE_REPLY, the output is right when
 *    the reply is delivered (checked in the callback itself when the id is
 *    already known, else by the issuing thread as soon as it is), and no
 *    reply is for an unknown id.
 *  - One frame each way (DESIGN §6): 10,000 lineCreateAgentSession calls
 *    from one thread, every request id returned before the first
 *    LINE_REPLY is read, then all 10,000 complete with the right handles.
 *  - Several requester processes at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "proxytest.h"
#include "tapitest.h"
#include "varstruct.h"

#define THREADS 8
#define PER_THREAD 2000
#define BULK 10000
#define GROUPS_SIZE 512u

static struct helper *g_h;

static int group_setup(void **state)
{
    (void)state;
    char why[256];
    HLINE h;
    if (group_srv_start(NULL, "test_proxy_load group setup"))
        return -1;
    watchdog_arm(60, "test_proxy_load group setup");
    g_h = pt_spawn(0, &h, why, sizeof why, "--dev", "0", (char *)NULL);
    alarm(0);
    if (!g_h)
        fprintf(stderr, "test_proxy_load: the handler did not start: %s\n", why);
    return g_h ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    helper_free(g_h);
    return group_srv_stop("test_proxy_load group teardown");
}

static int test_setup(void **state)
{
    (void)state;
    watchdog_arm(55, "a proxy load test");
    return 0;
}

/* ------------------------------------------------------------------ request ids -> requests */

enum kind { K_SESSION_A, K_SESSION_W, K_INFO, K_STATE, K_GROUPS_W, K_SPECIFIC, K_COUNT };

struct req {
    enum kind kind;
    HAGENT agent;     /* what the answer depends on: unique per request */
    HAGENTSESSION hs; /* K_SESSION_* output */
    LINEAGENTINFO info;
    uint8_t params[8];
    uint8_t *groups; /* K_GROUPS_W output, GROUPS_SIZE + guard */
    LONG id;
};

/* One entry per request id, under g_mu: the request (once its function
   returned) and the replies seen (possibly before that). */
struct ent {
    uint32_t id;
    struct req *req;
    int replies;
    LONG result;
    int checked;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static struct ent *g_tab;
static size_t g_cap;
static int g_replies, g_unknown_ids, g_bad_outputs, g_early;
static char g_first_bad[256];

static struct ent *ent_get(uint32_t id)
{
    size_t i = (id * 2654435761u) & (g_cap - 1);
    while (g_tab[i].id && g_tab[i].id != id)
        i = (i + 1) & (g_cap - 1);
    g_tab[i].id = id;
    return &g_tab[i];
}

static void tab_reset(size_t n)
{
    free(g_tab);
    for (g_cap = 1; g_cap < 2 * n; g_cap *= 2)
        ;
    g_tab = calloc(g_cap, sizeof *g_tab);
    g_replies = g_unknown_ids = g_bad_outputs = g_early = 0;
    g_first_bad[0] = 0;
}

/* Is the output of r right for a successful reply?  Run when the reply has
   been delivered: the library must have written it before. */
static int output_ok(const struct req *r)
{
    switch (r->kind) {
    case K_SESSION_A:
    case K_SESSION_W:
        return r->hs == 0x2000u + r->agent;
    case K_INFO: {
        LINEAGENTINFO want;
        want.dwTotalSize = sizeof want;
        if (pt_build(LINEPROXYREQUEST_GETAGENTINFO, r->agent, API_HI, 0, &want, sizeof want))
            return 0;
        return !memcmp(&want, &r->info, sizeof want);
    }
    case K_GROUPS_W: {
        uint8_t want[GROUPS_SIZE];
        if (pt_build(LINEPROXYREQUEST_GETAGENTGROUPLIST, 0, API_HI, 0, want, GROUPS_SIZE))
            return 0;
        return !memcmp(want, r->groups, vs_get_u32(want, 8)) &&
               vs_get_u32(r->groups, 0) == GROUPS_SIZE && vs_guard_ok(r->groups, GROUPS_SIZE);
    }
    case K_SPECIFIC:
        for (int i = 0; i < 8; i++)
            if (r->params[i] != (uint8_t)(r->agent + (unsigned)i + 1))
                return 0;
        return 1;
    default:
        return 1;
    }
}

/* g_mu held */
static void check_locked(struct ent *e)
{
    if (e->checked || !e->req || !e->replies)
        return;
    e->checked = 1;
    if (e->result != 0 || !output_ok(e->req)) {
        if (!g_bad_outputs++)
            snprintf(g_first_bad, sizeof g_first_bad, "request %u (kind %d): result 0x%08x", e->id,
                     (int)e->req->kind, (unsigned)e->result);
    }
}

/* A LINE_REPLY was delivered (callback thread or event reader). */
static void on_reply(DWORD_PTR id, DWORD_PTR result)
{
    pthread_mutex_lock(&g_mu);
    if (id == 0 || id > 0x7FFFFFFF) {
        g_unknown_ids++;
    } else {
        struct ent *e = ent_get((uint32_t)id);
        e->replies++;
        e->result = (LONG)result;
        check_locked(e); /* the function already returned: check right here */
    }
    g_replies++;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

/* The function returned id for r. */
static void on_issued(struct req *r, LONG id)
{
    r->id = id;
    pthread_mutex_lock(&g_mu);
    if (id > 0) {
        struct ent *e = ent_get((uint32_t)id);
        if (e->req)
            g_unknown_ids++; /* the same id twice */
        e->req = r;
        if (e->replies)
            g_early++; /* its LINE_REPLY beat the return */
        check_locked(e);
    }
    pthread_mutex_unlock(&g_mu);
}

static void CALLBACK load_cb(DWORD hDevice, DWORD dwMessage, DWORD_PTR dwInstance,
                             DWORD_PTR dwParam1, DWORD_PTR dwParam2, DWORD_PTR dwParam3)
{
    (void)hDevice;
    (void)dwInstance;
    (void)dwParam3;
    if (dwMessage == LINE_REPLY)
        on_reply(dwParam1, dwParam2);
}

/* ------------------------------------------------------------------ issuing */

struct worker {
    HLINE line;
    struct req *reqs;
    int n, failed_calls;
    LONG first_rc;
    pthread_t t;
};

static LONG issue(HLINE line, struct req *r)
{
    GUID g;
    pt_guid(r->agent, 0, &g);
    static const WCHAR pin[] = {'1', 0};
    switch (r->kind) {
    case K_SESSION_A:
        return lineCreateAgentSessionA(line, r->agent, "1", 0, &g, &r->hs);
    case K_SESSION_W:
        return lineCreateAgentSessionW(line, r->agent, pin, 0, &g, &r->hs);
    case K_INFO:
        r->info.dwTotalSize = sizeof r->info;
        return lineGetAgentInfo(line, r->agent, &r->info);
    case K_STATE:
        return lineSetAgentStateEx(line, r->agent, LINEAGENTSTATEEX_READY, 0);
    case K_GROUPS_W:
        return lineGetAgentGroupListW(line, 0, (LPLINEAGENTGROUPLIST)r->groups);
    case K_SPECIFIC:
        for (int i = 0; i < 8; i++)
            r->params[i] = (uint8_t)(r->agent + (unsigned)i);
        return lineAgentSpecific(line, 0, 0, r->params, sizeof r->params);
    default:
        return 0;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < w->n; i++) {
        LONG id = issue(w->line, &w->reqs[i]);
        if (id <= 0 && !w->failed_calls++)
            w->first_rc = id;
        on_issued(&w->reqs[i], id);
    }
    return NULL;
}

struct reader {
    HLINEAPP app;
    int want;
    int stop;
    pthread_t t;
};

static void *reader_main(void *arg)
{
    struct reader *rd = arg;
    int got = 0;
    while (got < rd->want) {
        LINEMESSAGE m;
        if (lineGetMessage(rd->app, &m, 20000) != 0)
            break;
        if (m.dwMessageID == LINE_REPLY) {
            on_reply(m.dwParam1, m.dwParam2);
            got++;
        }
    }
    return NULL;
}

/* 8 threads x PER_THREAD requests on app's line to device 0; replies come
   to load_cb (callback mode) or a reader thread (event mode). */
static void race(int event_mode)
{
    HLINEAPP app;
    HLINE line;
    LINEINITIALIZEEXPARAMS p = {.dwTotalSize = sizeof p,
                                .dwOptions = event_mode ? LINEINITIALIZEEXOPTION_USEEVENT
                                                        : LINEINITIALIZEEXOPTION_USEHIDDENWINDOW};
    DWORD n, v = API_HI;
    assert_int_equal(
        lineInitializeExA(&app, NULL, event_mode ? NULL : load_cb, "tapix-load", &n, &v, &p), 0);
    assert_int_equal(open_monitor(app, 0, &line, 0x10AD), 0);
    const int total = THREADS * PER_THREAD;
    tab_reset((size_t)total);
    struct worker w[THREADS];
    struct req *reqs = calloc((size_t)total, sizeof *reqs);
    assert_non_null(reqs);
    for (int i = 0; i < total; i++) {
        reqs[i].kind = (enum kind)(i % K_COUNT);
        reqs[i].agent = 0x10000u + (HAGENT)i;
        if (reqs[i].kind == K_GROUPS_W)
            reqs[i].groups = vs_alloc(GROUPS_SIZE);
    }
    struct reader rd = {app, total, 0, 0};
    if (event_mode)
        assert_int_equal(pthread_create(&rd.t, NULL, reader_main, &rd), 0);
    int64_t t0 = now_ms();
    for (int k = 0; k < THREADS; k++) {
        w[k] = (struct worker){line, reqs + k * PER_THREAD, PER_THREAD, 0, 0, 0};
        assert_int_equal(pthread_create(&w[k].t, NULL, worker_main, &w[k]), 0);
    }
    for (int k = 0; k < THREADS; k++)
        pthread_join(w[k].t, NULL);
    /* wait for every reply */
    pthread_mutex_lock(&g_mu);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 30;
    while (g_replies < total)
        if (pthread_cond_timedwait(&g_cv, &g_mu, &ts))
            break;
    int replies = g_replies;
    pthread_mutex_unlock(&g_mu);
    int64_t elapsed = now_ms() - t0;
    if (event_mode)
        pthread_join(rd.t, NULL);

    for (int k = 0; k < THREADS; k++)
        if (w[k].failed_calls)
            fail_msg("thread %d: %d calls failed, the first with 0x%08x", k, w[k].failed_calls,
                     (unsigned)w[k].first_rc);
    if (replies != total)
        fail_msg("%d of %d replies arrived", replies, total);
    pthread_mutex_lock(&g_mu);
    int dup = 0, missing = 0;
    for (int i = 0; i < total; i++) {
        struct ent *e = ent_get((uint32_t)reqs[i].id);
        if (e->replies > 1)
            dup++;
        else if (e->replies == 0)
            missing++;
    }
    int unknown = g_unknown_ids, bad = g_bad_outputs, early = g_early;
    pthread_mutex_unlock(&g_mu);
    print_message("        %s mode: %d requests from %d threads in %lld ms; replies delivered "
                  "before their function returned: %d\n",
                  event_mode ? "event" : "callback", total, THREADS, (long long)elapsed, early);
    if (dup || missing || unknown)
        fail_msg("%d ids replied more than once, %d never, %d replies for unknown ids", dup,
                 missing, unknown);
    if (bad)
        fail_msg("%d wrong outputs or results; first: %s", bad, g_first_bad);
    for (int i = 0; i < total; i++)
        free(reqs[i].groups);
    free(reqs);
    assert_int_equal(lineShutdown(app), 0);
}

static void reply_races_return_callback(void **state)
{
    (void)state;
    race(0);
}

static void reply_races_return_event(void **state)
{
    (void)state;
    race(1);
}

/* ------------------------------------------------------------------ 10,000 */

static void ten_thousand_one_thread(void **state)
{
    (void)state;
    HLINEAPP app;
    HLINE line;
    assert_int_equal(app_init_event(&app, NULL, NULL), 0);
    assert_int_equal(open_monitor(app, 0, &line, 0x1000), 0);
    HAGENTSESSION *hs = malloc(BULK * sizeof *hs);
    LONG *ids = malloc(BULK * sizeof *ids);
    assert_non_null(hs);
    assert_non_null(ids);
    tab_reset(BULK);
    GUID g;
    pt_guid(0, 0, &g);

    int64_t t0 = now_ms();
    for (int i = 0; i < BULK; i++) {
        hs[i] = 0;
        ids[i] = lineCreateAgentSessionA(line, 0x100000u + (HAGENT)i, NULL, 0, &g, &hs[i]);
        if (ids[i] <= 0)
            fail_msg("call %d returned 0x%08x", i, (unsigned)ids[i]);
        struct ent *e = ent_get((uint32_t)ids[i]);
        if (e->req || e->replies)
            fail_msg("request id %ld returned twice", (long)ids[i]);
        e->req = (struct req *)&hs[i]; /* only a marker here */
        e->result = i;                 /* the index, until its reply */
    }
    int64_t t1 = now_ms();
    /* now read them all */
    for (int n = 0; n < BULK; n++) {
        LINEMESSAGE m;
        LONG rc = lineGetMessage(app, &m, 20000);
        if (rc)
            fail_msg("%d of %d replies read, then lineGetMessage 0x%08x", n, BULK, (unsigned)rc);
        if (m.dwMessageID != LINE_REPLY)
            fail_msg("message %u among the replies", (unsigned)m.dwMessageID);
        struct ent *e = ent_get((uint32_t)m.dwParam1);
        if (!e->req || e->replies++)
            fail_msg("LINE_REPLY for unknown or answered request %lu", (unsigned long)m.dwParam1);
        if (m.dwParam2 != 0)
            fail_msg("request %lu failed: 0x%08lx", (unsigned long)m.dwParam1,
                     (unsigned long)m.dwParam2);
        int i = (int)e->result;
        if (hs[i] != 0x2000u + 0x100000u + (HAGENT)i)
            fail_msg("request %d: hAgentSession 0x%x, want 0x%x", i, (unsigned)hs[i],
                     0x2000u + 0x100000u + (unsigned)i);
    }
    int64_t t2 = now_ms();
    print_message("        %d lineCreateAgentSessionA: all ids in %lld ms, all replies %lld ms "
                  "later, %lld ms in all (%.0f requests/s)\n",
                  BULK, (long long)(t1 - t0), (long long)(t2 - t1), (long long)(t2 - t0),
                  BULK * 1000.0 / (double)(t2 - t0 ? t2 - t0 : 1));
    free(hs);
    free(ids);
    assert_int_equal(lineShutdown(app), 0);
}

/* ------------------------------------------------------------------ processes */

/* Four requester processes and this one at the same time. */
static void several_requester_processes(void **state)
{
    (void)state;
    struct helper *r[4];
    char *args[] = {"--dev", "0", "--count", "400", NULL};
    for (int i = 0; i < 4; i++)
        assert_non_null(r[i] = helper_spawn_io("helper_requester", args));
    race(1);
    for (int i = 0; i < 4; i++) {
        char line[16384];
        if (pt_expect(r[i], "IDS ", line, sizeof line, PT_START_MS))
            fail_msg("requester %d: \"%.100s\"", i, line);
        for (int k = 0; k < 400; k++) {
            if (pt_expect(r[i], "REPLY ", line, sizeof line, PT_WAIT_MS))
                fail_msg("requester %d, reply %d: \"%s\"", i, k, line);
            if (!strstr(line, " 0x00000000 1"))
                fail_msg("requester %d: \"%s\"", i, line);
        }
        assert_int_equal(pt_expect(r[i], "DONE", line, sizeof line, PT_WAIT_MS), 0);
        helper_free(r[i]);
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, wd_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(reply_races_return_callback),
        T(reply_races_return_event),
        T(ten_thousand_one_thread),
        T(several_requester_processes),
    };
    return cmocka_run_group_tests_name("proxy_load", tests, group_setup, group_teardown);
}
