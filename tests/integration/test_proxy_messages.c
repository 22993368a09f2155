/*
 * test_proxy_messages - lineProxyMessage (DESIGN §5.5): each of the six
 * messages a handler may generate reaches every other open of the line
 * with that open's own hLine as hDevice, its own dwCallbackInstance and the
 * parameters, in event and callback mode; not the sender's line, not
 * another line's opens; the TAPI 2.2 ones not a 2.0 app.  Any other
 * message is LINEERR_INVALPARAM, a line that handles nothing
 * LINEERR_NOTREGISTERED.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "proxytest.h"
#include "tapitest.h"

static struct helper *g_h; /* the handler of line 0 */
static HLINE g_hl;         /* its hLine */
static HLINEAPP g_a, g_b, g_c, g_d;
static HLINE g_la1, g_la2, g_lb, g_lc, g_ld;

#define IA1 ((DWORD_PTR)0xA1)
#define IA2 ((DWORD_PTR)0xA2)
#define IB ((DWORD_PTR)0xB1)
#define IC ((DWORD_PTR)0xC1)
#define ID ((DWORD_PTR)0xD1)

static const DWORD allowed[] = {LINE_AGENTSPECIFIC, LINE_AGENTSTATUS,   LINE_AGENTSESSIONSTATUS,
                                LINE_QUEUESTATUS,   LINE_AGENTSTATUSEX, LINE_GROUPSTATUS};

static int group_setup(void **state)
{
    (void)state;
    char why[256];
    if (group_srv_start(NULL, "test_proxy_messages group setup"))
        return -1;
    watchdog_arm(60, "test_proxy_messages group setup");
    g_h = pt_spawn(0, &g_hl, why, sizeof why, "--dev", "0", "--log-msgs", (char *)NULL);
    alarm(0);
    if (!g_h) {
        fprintf(stderr, "test_proxy_messages: the handler did not start: %s\n", why);
        return -1;
    }
    LINEINITIALIZEEXPARAMS p = {.dwTotalSize = sizeof p,
                                .dwOptions = LINEINITIALIZEEXOPTION_USEEVENT};
    DWORD n, v20 = 0x00020000;
    int ok = app_init_event(&g_a, NULL, NULL) == 0 && open_monitor(g_a, 0, &g_la1, IA1) == 0 &&
             open_monitor(g_a, 0, &g_la2, IA2) == 0 && app_init_callback(&g_b, NULL) == 0 &&
             lineOpenA(g_b, 0, &g_lb, API_HI, 0, IB, LINECALLPRIVILEGE_NONE, 0, NULL) == 0 &&
             lineInitializeExA(&g_c, NULL, NULL, "tapix-it-20", &n, &v20, &p) == 0 &&
             lineOpenA(g_c, 0, &g_lc, 0x00020000, 0, IC, LINECALLPRIVILEGE_MONITOR, 0, NULL) == 0 &&
             app_init_event(&g_d, NULL, NULL) == 0 && open_monitor(g_d, 1, &g_ld, ID) == 0;
    return ok ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    lineShutdown(g_a);
    lineShutdown(g_b);
    lineShutdown(g_c);
    lineShutdown(g_d);
    helper_free(g_h);
    return group_srv_stop("test_proxy_messages group teardown");
}

static void drain(HLINEAPP app)
{
    DWORD v;
    LINEEXTENSIONID ext;
    LINEMESSAGE m;
    lineNegotiateAPIVersion(app, 0, API_LO, API_HI, &v, &ext);
    while (lineGetMessage(app, &m, 0) == 0)
        ;
}

/* Start clean even after a failed test: the handler's output read up to a
   fence, every app's queue emptied. */
static int test_setup(void **state)
{
    char line[4096];
    wd_setup(state);
    if (helper_send(g_h, "sync") == 0)
        while (helper_wait_line(g_h, line, sizeof line, now_ms() + PT_WAIT_MS) >= 0)
            if (!strncmp(line, "SYNC ", 5))
                break;
    drain(g_a);
    drain(g_c);
    drain(g_d);
    cbrec_reset();
    return 0;
}

/* ------------------------------------------------------------------ helpers */

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
        fail_msg("handler: expected \"%s\", got \"%s\"", want, line);
}

static void send_msg(DWORD msg, DWORD p1, DWORD p2, DWORD p3, LONG want)
{
    assert_int_equal(helper_send(g_h, "msg %u %u %u %u", (unsigned)msg, (unsigned)p1, (unsigned)p2,
                                 (unsigned)p3),
                     0);
    expect_line(g_h, "MSG 0x%08x", (unsigned)want);
}

static void expect_msg(HLINEAPP app, HLINE line, DWORD_PTR inst, DWORD msg, DWORD p1, DWORD p2,
                       DWORD p3)
{
    LINEMESSAGE m;
    LONG rc = pt_next_msg(app, &m, PT_WAIT_MS);
    if (rc)
        fail_msg("message %u for hLine %u: nothing came (0x%08x)", (unsigned)msg, (unsigned)line,
                 (unsigned)rc);
    if (m.dwMessageID != msg || m.hDevice != line || m.dwCallbackInstance != inst ||
        m.dwParam1 != p1 || m.dwParam2 != p2 || m.dwParam3 != p3)
        fail_msg("got message %u hDevice %u instance 0x%lx params %lu %lu %lu; want %u %u 0x%lx "
                 "%u %u %u",
                 (unsigned)m.dwMessageID, (unsigned)m.hDevice, (unsigned long)m.dwCallbackInstance,
                 (unsigned long)m.dwParam1, (unsigned long)m.dwParam2, (unsigned long)m.dwParam3,
                 (unsigned)msg, (unsigned)line, (unsigned long)inst, (unsigned)p1, (unsigned)p2,
                 (unsigned)p3);
}

/* Nothing more for app: everything sent to it so far has arrived after the
   handler's fence (its next request is handled after its messages) and our
   own round trip. */
static void fence(void)
{
    char line[4096];
    assert_int_equal(helper_send(g_h, "fence"), 0);
    for (;;) {
        if (pt_expect(g_h, "", line, sizeof line, PT_WAIT_MS))
            fail_msg("handler: no FENCE line (%s)", line);
        if (!strncmp(line, "FENCE ", 6))
            break;
        /* the handler's own line must get nothing of what it sent */
        fail_msg("handler got \"%s\"", line);
    }
    assert_string_equal(line, "FENCE 0x00000000");
}

static void assert_empty(HLINEAPP app)
{
    DWORD v;
    LINEEXTENSIONID ext;
    LINEMESSAGE m;
    assert_int_equal(lineNegotiateAPIVersion(app, 0, API_LO, API_HI, &v, &ext), 0);
    LONG rc = lineGetMessage(app, &m, 0);
    if (rc == 0)
        fail_msg("unexpected message %u hDevice %u params %lu %lu %lu", (unsigned)m.dwMessageID,
                 (unsigned)m.hDevice, (unsigned long)m.dwParam1, (unsigned long)m.dwParam2,
                 (unsigned long)m.dwParam3);
}

/* App a has two opens of line 0: one copy each, with its own handle and
   instance, in whichever order the server sent them. */
static void expect_both_a(DWORD msg, DWORD p1, DWORD p2, DWORD p3)
{
    LINEMESSAGE m[2];
    assert_int_equal(pt_next_msg(g_a, &m[0], PT_WAIT_MS), 0);
    assert_int_equal(pt_next_msg(g_a, &m[1], PT_WAIT_MS), 0);
    if (m[0].hDevice == g_la2) {
        LINEMESSAGE t = m[0];
        m[0] = m[1];
        m[1] = t;
    }
    const HLINE ls[2] = {g_la1, g_la2};
    const DWORD_PTR is[2] = {IA1, IA2};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(m[k].dwMessageID, msg);
        assert_int_equal(m[k].hDevice, ls[k]);
        assert_int_equal(m[k].dwCallbackInstance, is[k]);
        assert_int_equal(m[k].dwParam1, p1);
        assert_int_equal(m[k].dwParam2, p2);
        assert_int_equal(m[k].dwParam3, p3);
    }
}

/* The callback app got nothing so far: a message sent now is its first
   (and callbacks come in order). */
static void assert_no_callbacks(void)
{
    send_msg(LINE_AGENTSTATUS, 0xCB, 0, 0, 0);
    expect_both_a(LINE_AGENTSTATUS, 0xCB, 0, 0);
    expect_msg(g_c, g_lc, IC, LINE_AGENTSTATUS, 0xCB, 0, 0);
    assert_int_equal(cbrec_wait(1, now_ms() + PT_WAIT_MS), 1);
    struct cbmsg c;
    assert_int_equal(cbrec_get(0, &c), 0);
    assert_int_equal(c.dwMessage, LINE_AGENTSTATUS);
    assert_int_equal(c.dwParam1, 0xCB);
}

/* ------------------------------------------------------------------ tests */

static void allowed_messages_fan_out(void **state)
{
    (void)state;
    int cb = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        DWORD msg = allowed[i], p1 = msg * 10 + 1, p2 = 0x80000000u | msg, p3 = 0xFFFFFFFFu - msg;
        send_msg(msg, p1, p2, p3, 0);
        expect_both_a(msg, p1, p2, p3);
        /* the callback app */
        if (cbrec_wait(cb + 1, now_ms() + PT_WAIT_MS) < cb + 1)
            fail_msg("callback app: message %u did not come", (unsigned)msg);
        struct cbmsg c;
        assert_int_equal(cbrec_get(cb++, &c), 0);
        assert_int_equal(c.dwMessage, msg);
        assert_int_equal(c.hDevice, g_lb);
        assert_int_equal(c.dwInstance, IB);
        assert_int_equal(c.dwParam1, p1);
        assert_int_equal(c.dwParam2, p2);
        assert_int_equal(c.dwParam3, p3);
        /* the 2.0 app: only the 2.0 messages */
        if (msg == LINE_AGENTSPECIFIC || msg == LINE_AGENTSTATUS)
            expect_msg(g_c, g_lc, IC, msg, p1, p2, p3);
    }
    /* the 2.0 app got nothing else: a 2.0 message sent now is next */
    send_msg(LINE_AGENTSTATUS, 7, 8, 9, 0);
    expect_msg(g_c, g_lc, IC, LINE_AGENTSTATUS, 7, 8, 9);
    expect_both_a(LINE_AGENTSTATUS, 7, 8, 9);
    assert_int_equal(cbrec_wait(cb + 1, now_ms() + PT_WAIT_MS), cb + 1);
    fence();
    assert_empty(g_a);
    assert_empty(g_c);
    assert_empty(g_d); /* line 1: nothing of line 0 */
    assert_int_equal(cbrec_count(), cb + 1);
    assert_int_equal(cbrec_max_concurrent(), 1);
}

static void forbidden_messages(void **state)
{
    (void)state;
    static const DWORD bad[] = {LINE_REPLY,
                                LINE_CLOSE,
                                LINE_PROXYREQUEST,
                                LINE_PROXYSTATUS,
                                LINE_ADDRESSSTATE,
                                LINE_CALLSTATE,
                                LINE_LINEDEVSTATE,
                                LINE_CREATE,
                                LINE_REMOVE,
                                32 /* LINE_APPNEWCALLHUB */,
                                0x1234,
                                0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        send_msg(bad[i], 1, 2, 3, (LONG)LINEERR_INVALPARAM);
    /* tapix lines carry no calls */
    assert_int_equal(helper_send(g_h, "msg %u 1 2 3 77", (unsigned)LINE_AGENTSTATUS), 0);
    expect_line(g_h, "MSG 0x%08x", (unsigned)LINEERR_INVALCALLHANDLE);
    fence();
    assert_empty(g_a);
    assert_empty(g_c);
    assert_no_callbacks();
}

/* Only a handler may generate them; a bad handle is a bad handle. */
static void not_a_handler(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        assert_int_equal(lineProxyMessage(g_la1, 0, allowed[i], 1, 2, 3),
                         (LONG)LINEERR_NOTREGISTERED);
        assert_int_equal(lineProxyMessage(g_lc, 0, allowed[i], 1, 2, 3),
                         (LONG)LINEERR_NOTREGISTERED);
        assert_int_equal(lineProxyMessage(0, 0, allowed[i], 1, 2, 3),
                         (LONG)LINEERR_INVALLINEHANDLE);
        assert_int_equal(lineProxyMessage(0xDEADBEEFu, 0, allowed[i], 1, 2, 3),
                         (LONG)LINEERR_INVALLINEHANDLE);
        /* the handler's handle is no handle in this process */
        assert_int_equal(lineProxyMessage(g_hl, 0, allowed[i], 1, 2, 3),
                         (LONG)LINEERR_INVALLINEHANDLE);
    }
    fence();
    assert_empty(g_a);
    assert_empty(g_c);
    assert_no_callbacks();
}

/* A handler that opened its line with 0x00020000 cannot generate the 2.2
   messages, but the 2.0 ones reach everybody. */
static void tapi20_handler(void **state)
{
    (void)state;
    HLINE hl, la, lc;
    char why[256];
    struct helper *h = pt_spawn(0, &hl, why, sizeof why, "--dev", "2", "--ver", "0x00020000",
                                "--types", "v20", (char *)NULL);
    if (!h)
        fail_msg("2.0 handler: %s", why);
    assert_int_equal(open_monitor(g_a, 2, &la, 0x2A), 0);
    assert_int_equal(
        lineOpenA(g_c, 2, &lc, 0x00020000, 0, 0x2C, LINECALLPRIVILEGE_MONITOR, 0, NULL), 0);
    for (size_t i = 2; i < sizeof allowed / sizeof allowed[0]; i++) {
        assert_int_equal(helper_send(h, "msg %u 1 2 3", (unsigned)allowed[i]), 0);
        expect_line(h, "MSG 0x%08x", (unsigned)LINEERR_INVALPARAM);
    }
    assert_int_equal(helper_send(h, "msg %u 4 5 6", (unsigned)LINE_AGENTSPECIFIC), 0);
    expect_line(h, "MSG 0x00000000");
    expect_msg(g_a, la, 0x2A, LINE_AGENTSPECIFIC, 4, 5, 6);
    expect_msg(g_c, lc, 0x2C, LINE_AGENTSPECIFIC, 4, 5, 6);
    assert_int_equal(lineClose(la), 0);
    assert_int_equal(lineClose(lc), 0);
    helper_free(h);
    assert_empty(g_a);
    assert_empty(g_c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, wd_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(allowed_messages_fan_out),
        T(forbidden_messages),
        T(not_a_handler),
        T(tapi20_handler),
    };
    return cmocka_run_group_tests_name("proxy_messages", tests, group_setup, group_teardown);
}
