/*
 * test_proxy_failures - the rows of DESIGN §5 where something goes wrong:
 * a handler that closes its line, shuts down or is SIGKILLed with 20
 * requests pending from three requesters (two apps here, one process);
 * the proxy timeout and the late lineProxyResponse; lineProxyResponse
 * misused (twice, foreign pointers, wrong line, positive result); a
 * hostile structure from a libtapi32 handler (refused at once) and from a
 * raw wire peer (refused by the server: LINEERR_OPERATIONFAILED, the
 * requester's memory untouched); and a requester that goes away before the
 * answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "proxytest.h"
#include "tapitest.h"
#include "varstruct.h"

#define FAILED ((LONG)LINEERR_OPERATIONFAILED)
#define PROMPT_MS 5000 /* "promptly": far below any proxy timeout */

static int group_setup(void **state)
{
    (void)state;
    return group_srv_start(NULL, "test_proxy_failures group setup");
}

static int group_teardown(void **state)
{
    (void)state;
    return group_srv_stop("test_proxy_failures group teardown");
}

static int test_setup(void **state)
{
    (void)state;
    watchdog_arm(45, "a proxy failure test");
    cbrec_reset();
    return 0;
}

/* ------------------------------------------------------------------ helpers */

static struct helper *handler(int raw, const char *dev, const char *mode, HLINE *hline)
{
    char why[512];
    struct helper *h =
        pt_spawn(raw, hline, why, sizeof why, "--dev", dev, "--mode", mode, (char *)NULL);
    if (!h)
        fail_msg("%s --dev %s --mode %s did not start: %s",
                 raw ? "helper_rawproxy" : "helper_handler", dev, mode, why);
    return h;
}

/* Read the helper's next line, which must be exactly want. */
static void expect_line(struct helper *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void expect_line(struct helper *h, const char *fmt, ...)
{
    char want[256], line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    if (pt_expect(h, want, line, sizeof line, PT_WAIT_MS) || strcmp(line, want))
        fail_msg("helper: expected \"%s\", got \"%s\"", want, line);
}

/* Read n "GOT <type>" lines: n requests are pending at the handler. */
static void expect_got(struct helper *h, int n)
{
    char line[256];
    for (int i = 0; i < n; i++)
        if (pt_expect(h, "GOT ", line, sizeof line, PT_WAIT_MS))
            fail_msg("handler: expected GOT line %d of %d, got \"%s\"", i + 1, n, line);
}

/* The next LINE_REPLY of app (other messages are skipped; LINE_PROXYSTATUS
   CLOSE ones counted per type in closes when not NULL). */
static void next_reply(HLINEAPP app, LINEMESSAGE *m, int64_t deadline, uint32_t *closes)
{
    for (;;) {
        LONG rc = pt_next_msg(app, m, ms_left(deadline));
        if (rc)
            fail_msg("no LINE_REPLY in time (lineGetMessage 0x%08x)", (unsigned)rc);
        if (m->dwMessageID == LINE_REPLY)
            return;
        if (closes && m->dwMessageID == LINE_PROXYSTATUS && m->dwParam1 == LINEPROXYSTATUS_CLOSE &&
            m->dwParam2 <= PX_TYPE_MAX)
            *closes |= 1u << m->dwParam2;
    }
}

/* The app's queue is empty once every message sent before is in it. */
static void assert_no_message(HLINEAPP app)
{
    DWORD v;
    LINEEXTENSIONID ext;
    LINEMESSAGE m;
    assert_int_equal(lineNegotiateAPIVersion(app, 0, API_LO, API_HI, &v, &ext), 0);
    LONG rc = lineGetMessage(app, &m, 0);
    if (rc == 0)
        fail_msg("unexpected message %u (param1 %lu, param2 0x%lx)", (unsigned)m.dwMessageID,
                 (unsigned long)m.dwParam1, (unsigned long)m.dwParam2);
}

static void assert_untouched(const void *buf, DWORD total)
{
    long i = vs_untouched(buf, total);
    if (i >= 0)
        fail_msg("byte %ld of the requester's buffer was written (0x%02x)", i,
                 ((const uint8_t *)buf)[i]);
}

static LONG proxy_list_entries(HLINEAPP app, DWORD dev)
{
    uint8_t buf[24 + 4 * 32];
    LPLINEPROXYREQUESTLIST l = (LPLINEPROXYREQUESTLIST)buf;
    memset(buf, 0, sizeof buf);
    l->dwTotalSize = sizeof buf;
    LONG rc = lineGetProxyStatus(app, dev, API_HI, l);
    return rc ? rc : (LONG)l->dwNumEntries;
}

/* ------------------------------------------------------------------ handler gone */

enum gone { GONE_CLOSE, GONE_SHUTDOWN, GONE_KILL };

/*
 * DESIGN §5.3: 20 requests pending at a handler from three requesters (an
 * event-mode app and a callback-mode app here, and helper_requester); the
 * handler's line closes, its app shuts down or its process dies: every
 * request completes with LINE_REPLY(LINEERR_OPERATIONFAILED) at once, no
 * output is written, apps with the line open get LINE_PROXYSTATUS(CLOSE)
 * per type, and the types are unserved from then on.
 */
static void handler_gone(enum gone how)
{
    HLINE hh, la, lb;
    HLINEAPP a, b;
    struct helper *h = handler(0, "0", "silent", &hh);
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    assert_int_equal(app_init_callback(&b, NULL), 0);
    assert_int_equal(open_monitor(a, 0, &la, 0xA), 0);
    assert_int_equal(open_monitor(b, 0, &lb, 0xB), 0);
    char *rargs[] = {"--dev", "0", "--count", "6", NULL};
    struct helper *r = helper_spawn_io("helper_requester", rargs);
    assert_non_null(r);
    char line[4096];
    if (pt_expect(r, "IDS ", line, sizeof line, PT_START_MS))
        fail_msg("helper_requester: \"%s\"", line);
    LONG rids[6];
    char *p = line + 3;
    for (int i = 0; i < 6; i++) {
        rids[i] = strtol(p, &p, 10);
        assert_true(rids[i] > 0);
    }

    /* app a: eight kinds of request with outputs of every kind */
    HAGENT ha = 0xAAAAAAAAu, hs = 0xAAAAAAAAu;
    GUID g;
    pt_guid(3, 3, &g);
    void *st = vs_alloc(256), *caps = vs_alloc(256), *ql = vs_alloc(256);
    uint8_t params[16];
    memset(params, 0x5A, sizeof params);
    LONG aid[8] = {
        lineCreateAgentA(la, "x", NULL, &ha),
        lineCreateAgentSessionW(la, 5, NULL, 0, &g, &hs),
        lineGetAgentStatusA(la, 0, st),
        lineGetAgentCapsW(a, 0, 0, API_HI, caps),
        lineAgentSpecific(la, 0, 0, params, sizeof params),
        lineSetAgentStateEx(la, 1, 2, 0),
        lineGetQueueListA(la, &g, ql),
        lineSetAgentGroup(la, 0, NULL),
    };
    /* app b: six more */
    void *info[3];
    LONG bid[6];
    for (int i = 0; i < 3; i++) {
        info[i] = vs_alloc(sizeof(LINEAGENTINFO));
        bid[2 * i] = lineGetAgentInfo(lb, 7, info[i]);
        bid[2 * i + 1] = lineSetAgentState(lb, 0, LINEAGENTSTATE_READY, 0);
    }
    for (int i = 0; i < 8; i++)
        assert_true(aid[i] > 0);
    for (int i = 0; i < 6; i++)
        assert_true(bid[i] > 0);
    expect_got(h, 20);

    int64_t t0 = now_ms(), deadline = t0 + PROMPT_MS;
    if (how == GONE_CLOSE) {
        assert_int_equal(helper_send(h, "close"), 0);
        expect_line(h, "CLOSE 0x00000000");
    } else if (how == GONE_SHUTDOWN) {
        assert_int_equal(helper_send(h, "shutdown"), 0);
        expect_line(h, "SHUTDOWN 0x00000000");
    } else {
        assert_int_equal(helper_kill(h, SIGKILL), 0);
    }

    /* app a: its eight replies, in any order, and CLOSE for the 20 types */
    uint32_t closes = 0, seen = 0;
    for (int n = 0; n < 8; n++) {
        LINEMESSAGE m;
        next_reply(a, &m, deadline, &closes);
        int k;
        for (k = 0; k < 8 && aid[k] != (LONG)m.dwParam1; k++)
            ;
        if (k == 8 || (seen & (1u << k)))
            fail_msg("app a: LINE_REPLY for unknown or repeated request %lu",
                     (unsigned long)m.dwParam1);
        seen |= 1u << k;
        assert_int_equal((LONG)m.dwParam2, FAILED);
        assert_int_equal(m.dwCallbackInstance, aid[k] == aid[3] ? 0 : 0xA);
    }
    /* app b (callback): six replies */
    int64_t left = deadline;
    int nb = 0;
    uint32_t bseen = 0;
    for (int i = 0; nb < 6; i++) {
        if (cbrec_wait(i + 1, left) < i + 1)
            fail_msg("app b: %d of 6 replies within %d ms", nb, PROMPT_MS);
        struct cbmsg m;
        assert_int_equal(cbrec_get(i, &m), 0);
        if (m.dwMessage != LINE_REPLY)
            continue;
        int k;
        for (k = 0; k < 6 && bid[k] != (LONG)m.dwParam1; k++)
            ;
        if (k == 6 || (bseen & (1u << k)))
            fail_msg("app b: LINE_REPLY for unknown or repeated request %lu",
                     (unsigned long)m.dwParam1);
        bseen |= 1u << k;
        assert_int_equal((LONG)m.dwParam2, FAILED);
        assert_int_equal(m.dwInstance, 0xB);
        nb++;
    }
    /* the requester process: six replies, outputs untouched */
    for (int i = 0; i < 6; i++) {
        if (pt_expect(r, "REPLY ", line, sizeof line, ms_left(deadline)))
            fail_msg("helper_requester: reply %d of 6: \"%s\"", i + 1, line);
        long id;
        unsigned res;
        int ok;
        assert_int_equal(sscanf(line, "REPLY %ld 0x%x %d", &id, &res, &ok), 3);
        assert_int_equal((LONG)res, FAILED);
        assert_int_equal(ok, 1);
    }
    expect_line(r, "DONE");
    int64_t elapsed = now_ms() - t0;
    print_message("        20 pending requests failed %lld ms after the handler %s\n",
                  (long long)elapsed,
                  how == GONE_CLOSE      ? "closed its line"
                  : how == GONE_SHUTDOWN ? "shut down"
                                         : "died");

    assert_int_equal(ha, 0xAAAAAAAAu);
    assert_int_equal(hs, 0xAAAAAAAAu);
    assert_untouched(st, 256);
    assert_untouched(caps, 256);
    assert_untouched(ql, 256);
    for (int i = 0; i < 3; i++) {
        assert_untouched(info[i], sizeof(LINEAGENTINFO));
        free(info[i]);
    }
    for (unsigned i = 0; i < sizeof params; i++)
        assert_int_equal(params[i], 0x5A);

    /* LINE_PROXYSTATUS(CLOSE) for each of the 20 types */
    while (closes != PT_ALL_MASK) {
        LINEMESSAGE m;
        LONG rc = pt_next_msg(a, &m, ms_left(deadline));
        if (rc)
            fail_msg("LINE_PROXYSTATUS(CLOSE) seen for types 0x%x only", (unsigned)closes);
        if (m.dwMessageID == LINE_PROXYSTATUS && m.dwParam1 == LINEPROXYSTATUS_CLOSE)
            closes |= 1u << m.dwParam2;
    }
    /* nothing is served any more, and the library knows it */
    assert_int_equal(proxy_list_entries(a, 0), 0);
    assert_int_equal(lineCreateAgentA(la, "x", NULL, &ha), (LONG)LINEERR_OPERATIONUNAVAIL);
    assert_int_equal(lineSetAgentState(lb, 0, 1, 0), (LONG)LINEERR_OPERATIONUNAVAIL);

    /* the handler answering now: the line is gone (INVALLINEHANDLE), or
       with the app the buffers (INVALPOINTER) */
    if (how != GONE_KILL) {
        assert_int_equal(helper_send(h, "answer"), 0);
        LONG want = how == GONE_CLOSE ? (LONG)LINEERR_INVALLINEHANDLE : (LONG)LINEERR_INVALPOINTER;
        for (int i = 0; i < 20; i++) {
            if (pt_expect(h, "RESP ", line, sizeof line, PT_WAIT_MS) ||
                strtoul(strstr(line + 5, " ") + 1, NULL, 16) != (unsigned long)(uint32_t)want)
                fail_msg("late answer %d: \"%s\", want result 0x%08x", i, line, (unsigned)want);
        }
        expect_line(h, "ANSWERED 20");
    }
    assert_no_message(a);
    free(st);
    free(caps);
    free(ql);
    assert_int_equal(lineShutdown(a), 0);
    assert_int_equal(lineShutdown(b), 0);
    helper_free(r);
    helper_free(h);
}

static void handler_closes_line(void **state)
{
    (void)state;
    handler_gone(GONE_CLOSE);
}

static void handler_shuts_down(void **state)
{
    (void)state;
    handler_gone(GONE_SHUTDOWN);
}

static void handler_killed(void **state)
{
    (void)state;
    handler_gone(GONE_KILL);
}

/* ------------------------------------------------------------------ timeout */

/* DESIGN §5.4: unanswered within proxy_timeout_ms: LINEERR_OPERATIONFAILED,
   nothing written; the handler's late lineProxyResponse: LINEERR_INVALPARAM,
   without a round trip; an answer in time still works. */
static void proxy_timeout(void **state)
{
    (void)state;
    struct srv *s = srv_start("[server]\nproxy_timeout_ms = 500\n");
    assert_non_null(s);
    HLINE hh, l;
    HLINEAPP a;
    struct helper *h = handler(0, "0", "silent", &hh);
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    assert_int_equal(open_monitor(a, 0, &l, 0x77), 0);

    HAGENT ha = 0xAAAAAAAAu;
    void *st = vs_alloc(300);
    uint8_t params[8];
    memset(params, 0x5A, sizeof params);
    int64_t t0 = now_ms();
    LONG id[3];
    id[0] = lineCreateAgentA(l, "late", NULL, &ha);
    id[1] = lineGetAgentStatusW(l, 0, st);
    id[2] = lineAgentSpecific(l, 0, 0, params, sizeof params);
    for (int i = 0; i < 3; i++)
        assert_true(id[i] > 0);
    expect_got(h, 3);
    for (int i = 0; i < 3; i++) {
        LINEMESSAGE m;
        next_reply(a, &m, t0 + PROMPT_MS, NULL);
        assert_int_equal((LONG)m.dwParam1, id[i]); /* same timeout: in order */
        assert_int_equal((LONG)m.dwParam2, FAILED);
    }
    int64_t elapsed = now_ms() - t0;
    print_message("        3 requests timed out after %lld ms (proxy_timeout_ms = 500)\n",
                  (long long)elapsed);
    assert_true(elapsed >= 450);
    assert_int_equal(ha, 0xAAAAAAAAu);
    assert_untouched(st, 300);
    for (unsigned i = 0; i < sizeof params; i++)
        assert_int_equal(params[i], 0x5A);

    /* the late answers */
    assert_int_equal(helper_send(h, "answer"), 0);
    expect_line(h, "RESP %u 0x%08x", LINEPROXYREQUEST_CREATEAGENT, (unsigned)LINEERR_INVALPARAM);
    expect_line(h, "RESP %u 0x%08x", LINEPROXYREQUEST_GETAGENTSTATUS, (unsigned)LINEERR_INVALPARAM);
    expect_line(h, "RESP %u 0x%08x", LINEPROXYREQUEST_AGENTSPECIFIC, (unsigned)LINEERR_INVALPARAM);
    expect_line(h, "ANSWERED 3");
    assert_untouched(st, 300);

    /* answered in time */
    LONG ok = lineCreateAgentA(l, "ontime", NULL, &ha);
    assert_true(ok > 0);
    expect_got(h, 1);
    assert_int_equal(helper_send(h, "answer"), 0);
    expect_line(h, "RESP %u 0x00000000", LINEPROXYREQUEST_CREATEAGENT);
    expect_line(h, "ANSWERED 1");
    LINEMESSAGE m;
    next_reply(a, &m, now_ms() + PT_WAIT_MS, NULL);
    assert_int_equal((LONG)m.dwParam1, ok);
    assert_int_equal(m.dwParam2, 0);
    assert_int_equal(ha, pt_agent_handle("ontime"));
    assert_no_message(a);

    free(st);
    assert_int_equal(lineShutdown(a), 0);
    helper_free(h);
    assert_int_equal(srv_stop(s), 0);
    srv_free(s);
    srv_use(group_srv);
}

/* ------------------------------------------------------------------ lineProxyResponse misuse */

/* DESIGN §5.4: a pointer never given (stack, heap, NULL) or answered
   before: LINEERR_INVALPOINTER; the wrong line: LINEERR_INVALLINEHANDLE; a
   positive result: LINEERR_INVALPARAM.  None of them consumes the request,
   and the requester gets exactly one LINE_REPLY. */
static void response_misuse(void **state)
{
    (void)state;
    HLINE hh, l;
    HLINEAPP a;
    struct helper *h = handler(0, "1", "silent", &hh);
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    assert_int_equal(open_monitor(a, 1, &l, 0x55), 0);
    HAGENTSESSION hs = 0;
    GUID g;
    pt_guid(1, 1, &g);
    LONG id = lineCreateAgentSessionA(l, 0x1010, "pin", 1, &g, &hs);
    assert_true(id > 0);
    expect_got(h, 1);

    const unsigned ptr = (unsigned)LINEERR_INVALPOINTER;
    assert_int_equal(helper_send(h, "foreign"), 0);
    expect_line(h, "FOREIGN 0x%08x 0x%08x 0x%08x", ptr, ptr, ptr);
    assert_int_equal(helper_send(h, "wrongline"), 0);
    expect_line(h, "WRONGLINE 0x%08x 0x%08x", (unsigned)LINEERR_INVALLINEHANDLE,
                (unsigned)LINEERR_INVALLINEHANDLE);
    assert_int_equal(helper_send(h, "posresult"), 0);
    expect_line(h, "POSRESULT 0x%08x", (unsigned)LINEERR_INVALPARAM);
    assert_int_equal(helper_send(h, "held"), 0);
    expect_line(h, "HELD 1");
    assert_no_message(a);
    assert_int_equal(hs, 0);

    /* answered, then the same pointer again */
    assert_int_equal(helper_send(h, "twice"), 0);
    expect_line(h, "TWICE 0x00000000 0x%08x", ptr);
    LINEMESSAGE m;
    next_reply(a, &m, now_ms() + PT_WAIT_MS, NULL);
    assert_int_equal((LONG)m.dwParam1, id);
    assert_int_equal(m.dwParam2, 0);
    assert_int_equal(hs, 0x2000 + 0x1010);
    /* no second reply: the next one is for the next request */
    LONG id2 = lineSetAgentState(l, 0, 1, 0);
    assert_true(id2 > 0);
    expect_got(h, 1);
    assert_int_equal(helper_send(h, "answer"), 0);
    expect_line(h, "RESP %u 0x00000000", LINEPROXYREQUEST_SETAGENTSTATE);
    expect_line(h, "ANSWERED 1");
    next_reply(a, &m, now_ms() + PT_WAIT_MS, NULL);
    assert_int_equal((LONG)m.dwParam1, id2);
    assert_no_message(a);
    assert_int_equal(lineShutdown(a), 0);
    helper_free(h);
}

/* ------------------------------------------------------------------ hostile structures */

/* DESIGN §5.7, first check: a libtapi32 handler's lineProxyResponse with a
   bad structure returns LINEERR_INVALPARAM at once and the request stays
   answerable (the handler then answers properly: the requester gets the
   right data). */
static void handler_bad_structure(void **state)
{
    (void)state;
    static const char *const modes[] = {"bad-offsets", "used-gt-total", "no-nul"};
    for (size_t k = 0; k < 3; k++) {
        HLINE hh, l;
        HLINEAPP a;
        struct helper *h = handler(0, "3", modes[k], &hh);
        assert_int_equal(app_init_event(&a, NULL, NULL), 0);
        assert_int_equal(open_monitor(a, 3, &l, 3), 0);
        const uint32_t types[] = {LINEPROXYREQUEST_GETAGENTSTATUS,
                                  LINEPROXYREQUEST_GETAGENTACTIVITYLIST,
                                  LINEPROXYREQUEST_GETAGENTCAPS, LINEPROXYREQUEST_GETAGENTINFO,
                                  LINEPROXYREQUEST_AGENTSPECIFIC};
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            uint32_t t = types[i];
            DWORD total = t == LINEPROXYREQUEST_GETAGENTINFO ? sizeof(LINEAGENTINFO) : 512;
            void *buf = vs_alloc(total);
            uint8_t params[16] = {0};
            LONG id = t == LINEPROXYREQUEST_GETAGENTSTATUS ? lineGetAgentStatusW(l, 1, buf)
                      : t == LINEPROXYREQUEST_GETAGENTACTIVITYLIST
                          ? lineGetAgentActivityListA(l, 1, buf)
                      : t == LINEPROXYREQUEST_GETAGENTCAPS ? lineGetAgentCapsW(a, 3, 1, API_HI, buf)
                      : t == LINEPROXYREQUEST_GETAGENTINFO
                          ? lineGetAgentInfo(l, 1, buf)
                          : lineAgentSpecific(l, 1, 0, params, sizeof params);
            assert_true(id > 0);
            expect_got(h, 1);
            expect_line(h, "BADRESP %u 0x%08x", (unsigned)t, (unsigned)LINEERR_INVALPARAM);
            expect_line(h, "RESP %u 0x00000000", (unsigned)t);
            LINEMESSAGE m;
            next_reply(a, &m, now_ms() + PT_WAIT_MS, NULL);
            assert_int_equal((LONG)m.dwParam1, id);
            assert_int_equal(m.dwParam2, 0);
            if (t == LINEPROXYREQUEST_AGENTSPECIFIC) {
                for (unsigned j = 0; j < sizeof params; j++)
                    assert_int_equal(params[j], 1);
            } else {
                uint8_t *exp = malloc(total);
                int narrow = t == LINEPROXYREQUEST_GETAGENTACTIVITYLIST;
                assert_int_equal(pt_build(t, 1, API_HI, narrow, exp, total), 0);
                assert_memory_equal(buf, exp, vs_get_u32(exp, 8));
                assert_true(vs_guard_ok(buf, total));
                free(exp);
            }
            free(buf);
        }
        assert_int_equal(lineShutdown(a), 0);
        helper_free(h);
    }
}

/* DESIGN §5.7, second check: a peer that does not use libtapi32 sends what
   the library would refuse; the server refuses it: the requester gets
   LINEERR_OPERATIONFAILED, and not one byte of its memory changes. */
static void raw_bad_outputs(void **state)
{
    (void)state;
    static const char *const modes[] = {"bad-offsets", "used-gt-total", "no-nul", "needed-lt-used",
                                        "oversize",    "short-handle",  "good",   "unknown-id"};
    for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
        HLINE hh, l;
        HLINEAPP a;
        struct helper *h = handler(1, "5", modes[k], &hh);
        int good = !strcmp(modes[k], "good") || !strcmp(modes[k], "unknown-id");
        int handles = !strcmp(modes[k], "short-handle");
        assert_int_equal(app_init_event(&a, NULL, NULL), 0);
        assert_int_equal(open_monitor(a, 5, &l, 5), 0);
        for (int i = 0; i < 5; i++) {
            DWORD total = i == 3 ? sizeof(LINEAGENTINFO) : 512;
            void *buf = vs_alloc(total);
            uint8_t params[16];
            memset(params, 0x5A, sizeof params);
            HAGENT hx = 0xAAAAAAAAu;
            GUID g = {0};
            LONG id;
            uint32_t t;
            if (handles) {
                if (i > 1) {
                    free(buf);
                    break;
                }
                t = i ? LINEPROXYREQUEST_CREATEAGENTSESSION : LINEPROXYREQUEST_CREATEAGENT;
                id = i ? lineCreateAgentSessionW(l, 9, NULL, 0, &g, &hx)
                       : lineCreateAgentA(l, "x", NULL, &hx);
            } else {
                t = i == 0   ? LINEPROXYREQUEST_GETAGENTSTATUS
                    : i == 1 ? LINEPROXYREQUEST_GETAGENTSTATUS
                    : i == 2 ? LINEPROXYREQUEST_GETAGENTACTIVITYLIST
                    : i == 3 ? LINEPROXYREQUEST_GETAGENTINFO
                             : LINEPROXYREQUEST_AGENTSPECIFIC;
                id = i == 0   ? lineGetAgentStatusW(l, 0, buf)
                     : i == 1 ? lineGetAgentStatusA(l, 0, buf)
                     : i == 2 ? lineGetAgentActivityListW(l, 0, buf)
                     : i == 3 ? lineGetAgentInfo(l, 0, buf)
                              : lineAgentSpecific(l, 0, 0, params, sizeof params);
            }
            assert_true(id > 0);
            expect_line(h, "GOT %u", (unsigned)t);
            expect_line(h, "SENT %u", (unsigned)t);
            LINEMESSAGE m;
            next_reply(a, &m, now_ms() + PT_WAIT_MS, NULL);
            assert_int_equal((LONG)m.dwParam1, id);
            /* what only a broken peer can send; the rest is its good answer */
            int spoiled =
                !good && (handles || t != LINEPROXYREQUEST_AGENTSPECIFIC ||
                          !strcmp(modes[k], "bad-offsets") || !strcmp(modes[k], "used-gt-total") ||
                          !strcmp(modes[k], "no-nul"));
            if (spoiled) {
                if ((LONG)m.dwParam2 != FAILED)
                    fail_msg("raw handler %s, type %u: LINE_REPLY result 0x%08x, want "
                             "LINEERR_OPERATIONFAILED",
                             modes[k], (unsigned)t, (unsigned)m.dwParam2);
                assert_untouched(buf, total);
                assert_int_equal(hx, 0xAAAAAAAAu);
                for (unsigned j = 0; j < sizeof params; j++)
                    assert_int_equal(params[j], 0x5A);
            } else {
                if (m.dwParam2 != 0)
                    fail_msg("raw handler %s, type %u: LINE_REPLY result 0x%08x, want 0", modes[k],
                             (unsigned)t, (unsigned)m.dwParam2);
                if (t != LINEPROXYREQUEST_AGENTSPECIFIC) {
                    uint8_t *exp = malloc(total);
                    assert_int_equal(pt_build(t, 0, API_HI, i == 1, exp, total), 0);
                    assert_memory_equal(buf, exp, vs_get_u32(exp, 8));
                    free(exp);
                }
                assert_true(vs_guard_ok(buf, total));
            }
            free(buf);
        }
        assert_no_message(a);
        assert_int_equal(lineShutdown(a), 0);
        helper_free(h);
    }
}

/* A string that is no UTF-16 (a lone surrogate) in an otherwise sound
   structure: it has no UTF-8 form, so an A caller gets an error and an
   untouched buffer, never half a conversion.  A W caller gets the units as
   they are or an error, but its memory is never half written either. */
static void raw_lone_surrogate(void **state)
{
    (void)state;
    HLINE hh, l;
    HLINEAPP a;
    struct helper *h = handler(1, "5", "lone-surrogate", &hh);
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    assert_int_equal(open_monitor(a, 5, &l, 5), 0);
    for (int wide = 0; wide < 2; wide++) {
        for (int k = 0; k < 3; k++) {
            uint32_t t = k == 0   ? LINEPROXYREQUEST_GETAGENTSTATUS
                         : k == 1 ? LINEPROXYREQUEST_GETGROUPLIST
                                  : LINEPROXYREQUEST_GETAGENTCAPS;
            void *buf = vs_alloc(512);
            LONG id = k == 0
                          ? (wide ? lineGetAgentStatusW(l, 0, buf) : lineGetAgentStatusA(l, 0, buf))
                      : k == 1 ? (wide ? lineGetGroupListW(l, buf) : lineGetGroupListA(l, buf))
                               : (wide ? lineGetAgentCapsW(a, 5, 0, API_HI, buf)
                                       : lineGetAgentCapsA(a, 5, 0, API_HI, buf));
            assert_true(id > 0);
            expect_line(h, "GOT %u", (unsigned)t);
            expect_line(h, "SENT %u", (unsigned)t);
            LINEMESSAGE m;
            next_reply(a, &m, now_ms() + PT_WAIT_MS, NULL);
            assert_int_equal((LONG)m.dwParam1, id);
            if (!wide || m.dwParam2 != 0) {
                if (!wide && m.dwParam2 == 0)
                    fail_msg("type %u A: a lone surrogate came back as success", (unsigned)t);
                assert_untouched(buf, 512);
            } else {
                assert_true(vs_guard_ok(buf, 512));
                assert_int_equal(vs_get_u32(buf, 0), 512);
            }
            free(buf);
        }
    }
    assert_no_message(a);
    assert_int_equal(lineShutdown(a), 0);
    helper_free(h);
}

/* Only the handler a request was routed to can answer it: another peer
   answering every proxy id in the name of the handler's hLine completes
   nothing; the real handler's answer then arrives as usual.  And a result
   that is no LINEERR_ value becomes LINEERR_OPERATIONFAILED. */
static void response_from_another_peer(void **state)
{
    (void)state;
    HLINE hh, l, x;
    HLINEAPP a;
    char hs[16], why[256], line[256];
    struct helper *h = handler(0, "6", "silent", &hh);
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    assert_int_equal(open_monitor(a, 6, &l, 6), 0);
    HAGENT ha = 0xAAAAAAAAu;
    LONG id = lineCreateAgentA(l, "mine", NULL, &ha);
    assert_true(id > 0);
    expect_got(h, 1);
    snprintf(hs, sizeof hs, "%u", (unsigned)hh);
    struct helper *thief = pt_spawn(1, &x, why, sizeof why, "--dev", "7", "--types", "9",
                                    "--steal-from", hs, (char *)NULL);
    if (!thief)
        fail_msg("raw peer: %s", why);
    if (pt_expect(thief, "STOLEN", line, sizeof line, PT_WAIT_MS))
        fail_msg("raw peer: \"%s\"", line);
    assert_no_message(a);
    assert_int_equal(ha, 0xAAAAAAAAu);
    assert_int_equal(helper_send(h, "answer"), 0);
    expect_line(h, "RESP %u 0x00000000", LINEPROXYREQUEST_CREATEAGENT);
    expect_line(h, "ANSWERED 1");
    LINEMESSAGE m;
    next_reply(a, &m, now_ms() + PT_WAIT_MS, NULL);
    assert_int_equal((LONG)m.dwParam1, id);
    assert_int_equal(m.dwParam2, 0);
    assert_int_equal(ha, pt_agent_handle("mine"));
    helper_free(thief);
    assert_int_equal(helper_send(h, "close"), 0);
    expect_line(h, "CLOSE 0x00000000");
    helper_free(h);

    /* a positive result from a raw handler */
    h = handler(1, "6", "positive-result", &hh);
    assert_int_equal(lineNegotiateAPIVersion(a, 6, API_LO, API_HI, &x, &(LINEEXTENSIONID){0}), 0);
    while (lineGetMessage(a, &m, 0) == 0) /* LINE_PROXYSTATUS of the handlers */
        ;
    id = lineSetAgentState(l, 0, 1, 0);
    assert_true(id > 0);
    expect_line(h, "GOT %u", LINEPROXYREQUEST_SETAGENTSTATE);
    expect_line(h, "SENT %u", LINEPROXYREQUEST_SETAGENTSTATE);
    next_reply(a, &m, now_ms() + PT_WAIT_MS, NULL);
    assert_int_equal((LONG)m.dwParam1, id);
    assert_int_equal((LONG)m.dwParam2, FAILED);
    assert_int_equal(lineShutdown(a), 0);
    helper_free(h);
}

/* ------------------------------------------------------------------ requester gone */

/* DESIGN §5.4: the requester closed its line, shut down or died before the
   answer: the answer is dropped, the handler's lineProxyResponse returns 0,
   and no LINE_REPLY for it reaches anybody. */
static void requester_gone(void **state)
{
    (void)state;
    HLINE hh, l, l2, lb;
    HLINEAPP a, b;
    struct helper *h = handler(0, "6", "silent", &hh);
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    assert_int_equal(app_init_event(&b, NULL, NULL), 0);
    assert_int_equal(open_monitor(a, 6, &l, 1), 0);
    assert_int_equal(open_monitor(a, 6, &l2, 2), 0);
    assert_int_equal(open_monitor(b, 6, &lb, 3), 0);

    /* a closes the line the request came on (its other line stays) */
    HAGENT ha = 0xAAAAAAAAu;
    void *st = vs_alloc(256);
    assert_true(lineCreateAgentA(l, "gone", NULL, &ha) > 0);
    assert_true(lineGetAgentStatusW(l, 0, st) > 0);
    expect_got(h, 2);
    assert_int_equal(lineClose(l), 0);
    /* b shuts down */
    HAGENT hb = 0;
    assert_true(lineCreateAgentA(lb, "b", NULL, &hb) > 0);
    expect_got(h, 1);
    assert_int_equal(lineShutdown(b), 0);
    /* a process dies */
    char *rargs[] = {"--dev", "6", "--count", "2", NULL};
    struct helper *r = helper_spawn_io("helper_requester", rargs);
    assert_non_null(r);
    char line[512];
    if (pt_expect(r, "IDS ", line, sizeof line, PT_START_MS))
        fail_msg("helper_requester: \"%s\"", line);
    expect_got(h, 2);
    assert_int_equal(helper_kill(r, SIGKILL), 0);
    assert_int_equal(helper_wait(r, now_ms() + PT_WAIT_MS), 128 + SIGKILL);

    assert_int_equal(helper_send(h, "answer"), 0);
    expect_line(h, "RESP %u 0x00000000", LINEPROXYREQUEST_CREATEAGENT);
    expect_line(h, "RESP %u 0x00000000", LINEPROXYREQUEST_GETAGENTSTATUS);
    expect_line(h, "RESP %u 0x00000000", LINEPROXYREQUEST_CREATEAGENT);
    expect_line(h, "RESP %u 0x00000000", LINEPROXYREQUEST_CREATEAGENTSESSION);
    expect_line(h, "RESP %u 0x00000000", LINEPROXYREQUEST_GETAGENTSTATUS);
    expect_line(h, "ANSWERED 5");
    /* the server has handled the answers once the handler's next round
       trip is back; then a's queue must have nothing for them */
    assert_int_equal(helper_send(h, "sync"), 0);
    expect_line(h, "SYNC 0x00000000");
    assert_no_message(a);
    assert_int_equal(ha, 0xAAAAAAAAu);
    assert_untouched(st, 256);

    /* the handler and a's other line work on */
    LONG id = lineSetAgentState(l2, 0, 1, 0);
    assert_true(id > 0);
    expect_got(h, 1);
    assert_int_equal(helper_send(h, "answer"), 0);
    expect_line(h, "RESP %u 0x00000000", LINEPROXYREQUEST_SETAGENTSTATE);
    expect_line(h, "ANSWERED 1");
    LINEMESSAGE m;
    next_reply(a, &m, now_ms() + PT_WAIT_MS, NULL);
    assert_int_equal((LONG)m.dwParam1, id);
    assert_int_equal(m.dwCallbackInstance, 2);
    free(st);
    assert_int_equal(lineShutdown(a), 0);
    helper_free(r);
    helper_free(h);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, wd_teardown)

int main(void)
{
    /* the server warns about every hostile output and timeout these tests
       cause on purpose; only errors are news here */
    if (!getenv("TAPIX_SRV_LOG_LEVEL") || !strcmp(getenv("TAPIX_SRV_LOG_LEVEL"), "warn"))
        setenv("TAPIX_SRV_LOG_LEVEL", "error", 1);
    const struct CMUnitTest tests[] = {
        T(handler_closes_line), T(handler_shuts_down), T(handler_killed),
        T(proxy_timeout),       T(response_misuse),    T(handler_bad_structure),
        T(raw_bad_outputs),     T(raw_lone_surrogate), T(response_from_another_peer),
        T(requester_gone),
    };
    return cmocka_run_group_tests_name("proxy_failures", tests, group_setup, group_teardown);
}
