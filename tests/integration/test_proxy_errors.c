/*
 * test_proxy_errors - the synchronous errors of the 20 call-center
 * functions, A and W: bad line (or app) handle, NULL required pointer,
 * dwTotalSize below the fixed size, no handler for the type on the line
 * (LINEERR_OPERATIONUNAVAIL, no request id, DESIGN §5.1), and a TAPI 2.2
 * function on a line opened with an older version.  None of them may be
 * followed by a LINE_REPLY.
 *
 * Lines: 0 = handler of every type, 2 = no handler, 4 = handler of
 * SETAGENTSTATE and CREATEAGENT only.
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
#include "varstruct.h"

static struct helper *g_h0, *g_h4;
static HLINEAPP g_app;
static HLINE g_l0, g_l2, g_l4;

static int group_setup(void **state)
{
    (void)state;
    char why[256];
    HLINE h;
    if (group_srv_start(NULL, "test_proxy_errors group setup"))
        return -1;
    watchdog_arm(60, "test_proxy_errors group setup");
    g_h0 = pt_spawn(0, &h, why, sizeof why, "--dev", "0", (char *)NULL);
    g_h4 = g_h0 ? pt_spawn(0, &h, why, sizeof why, "--dev", "4", "--types", "2,9", (char *)NULL)
                : NULL;
    alarm(0);
    if (!g_h4) {
        fprintf(stderr, "test_proxy_errors: a handler did not start: %s\n", why);
        return -1;
    }
    return app_init_event(&g_app, NULL, NULL) == 0 && open_monitor(g_app, 0, &g_l0, 0) == 0 &&
                   open_monitor(g_app, 2, &g_l2, 2) == 0 && open_monitor(g_app, 4, &g_l4, 4) == 0
               ? 0
               : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    lineShutdown(g_app);
    helper_free(g_h0);
    helper_free(g_h4);
    return group_srv_stop("test_proxy_errors group teardown");
}

/* ------------------------------------------------------------------ calling any of them */

/* Outputs of requests that do go out: they stay valid until LINE_REPLY. */
static uint8_t g_buf[4096];
static HAGENT g_out;
static GUID g_guid;
static uint8_t g_params[16];

#define NTYPES 20
static const uint32_t all_types[NTYPES] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                           11, 12, 13, 14, 15, 16, 17, 18, 19, 20};

/* Whether type has an A and a W form. */
static int has_aw(uint32_t type)
{
    switch (type) {
    case LINEPROXYREQUEST_GETAGENTACTIVITYLIST:
    case LINEPROXYREQUEST_GETAGENTCAPS:
    case LINEPROXYREQUEST_GETAGENTGROUPLIST:
    case LINEPROXYREQUEST_GETAGENTSTATUS:
    case LINEPROXYREQUEST_GETGROUPLIST:
    case LINEPROXYREQUEST_GETQUEUELIST:
    case LINEPROXYREQUEST_CREATEAGENT:
    case LINEPROXYREQUEST_CREATEAGENTSESSION:
        return 1;
    default:
        return 0;
    }
}

/*
 * Call the function of `type` (A or W) on line (for GETAGENTCAPS: app and
 * the device of line, ver), with the output structure's dwTotalSize =
 * total; null = 1 or 2 passes NULL for the first / second pointer argument
 * (see the switch).  Returns what it returned.
 */
static LONG invoke(uint32_t type, int wide, HLINE line, HLINEAPP app, DWORD dev, DWORD ver,
                   DWORD total, int null)
{
    void *buf = null == 1 ? NULL : g_buf;
    vs_put_u32(g_buf, 0, total);
    HAGENT *out = null == 2 || (null == 1 && type == LINEPROXYREQUEST_CREATEAGENT) ? NULL : &g_out;
    GUID *guid = null == 1 ? NULL : &g_guid;
    LPLINEAGENTGROUPLIST gl = (LPLINEAGENTGROUPLIST)g_buf;
    static const WCHAR wid[] = {'a', 0};
    switch (type) {
    case LINEPROXYREQUEST_SETAGENTGROUP:
        memset(g_buf + 4, 0, 20);
        return lineSetAgentGroup(line, 0, gl);
    case LINEPROXYREQUEST_SETAGENTSTATE:
        return lineSetAgentState(line, 0, LINEAGENTSTATE_READY, 0);
    case LINEPROXYREQUEST_SETAGENTACTIVITY:
        return lineSetAgentActivity(line, 0, 1);
    case LINEPROXYREQUEST_GETAGENTCAPS:
        return wide ? lineGetAgentCapsW(app, dev, 0, ver, buf)
                    : lineGetAgentCapsA(app, dev, 0, ver, buf);
    case LINEPROXYREQUEST_GETAGENTSTATUS:
        return wide ? lineGetAgentStatusW(line, 0, buf) : lineGetAgentStatusA(line, 0, buf);
    case LINEPROXYREQUEST_AGENTSPECIFIC:
        return lineAgentSpecific(line, 0, 0, null == 1 ? NULL : g_params, sizeof g_params);
    case LINEPROXYREQUEST_GETAGENTACTIVITYLIST:
        return wide ? lineGetAgentActivityListW(line, 0, buf)
                    : lineGetAgentActivityListA(line, 0, buf);
    case LINEPROXYREQUEST_GETAGENTGROUPLIST:
        return wide ? lineGetAgentGroupListW(line, 0, buf) : lineGetAgentGroupListA(line, 0, buf);
    case LINEPROXYREQUEST_CREATEAGENT:
        return wide ? lineCreateAgentW(line, wid, NULL, out)
                    : lineCreateAgentA(line, "a", NULL, out);
    case LINEPROXYREQUEST_SETAGENTMEASUREMENTPERIOD:
        return lineSetAgentMeasurementPeriod(line, 1, 10);
    case LINEPROXYREQUEST_GETAGENTINFO:
        return lineGetAgentInfo(line, 1, buf);
    case LINEPROXYREQUEST_CREATEAGENTSESSION:
        return wide ? lineCreateAgentSessionW(line, 1, NULL, 0, guid, out)
                    : lineCreateAgentSessionA(line, 1, NULL, 0, guid, out);
    case LINEPROXYREQUEST_GETAGENTSESSIONLIST:
        return lineGetAgentSessionList(line, 1, buf);
    case LINEPROXYREQUEST_SETAGENTSESSIONSTATE:
        return lineSetAgentSessionState(line, 1, LINEAGENTSESSIONSTATE_READY, 0);
    case LINEPROXYREQUEST_GETAGENTSESSIONINFO:
        return lineGetAgentSessionInfo(line, 1, buf);
    case LINEPROXYREQUEST_GETQUEUELIST:
        if (null == 2)
            return wide ? lineGetQueueListW(line, &g_guid, NULL)
                        : lineGetQueueListA(line, &g_guid, NULL);
        return wide ? lineGetQueueListW(line, guid, (void *)g_buf)
                    : lineGetQueueListA(line, guid, (void *)g_buf);
    case LINEPROXYREQUEST_SETQUEUEMEASUREMENTPERIOD:
        return lineSetQueueMeasurementPeriod(line, 1, 10);
    case LINEPROXYREQUEST_GETQUEUEINFO:
        return lineGetQueueInfo(line, 1, buf);
    case LINEPROXYREQUEST_GETGROUPLIST:
        return wide ? lineGetGroupListW(line, buf) : lineGetGroupListA(line, buf);
    case LINEPROXYREQUEST_SETAGENTSTATEEX:
        return lineSetAgentStateEx(line, 1, LINEAGENTSTATEEX_READY, 0);
    default:
        return 0;
    }
}

/* The fixed size of type's output (or input) structure, 0 when none. */
static DWORD fixed_of(uint32_t type)
{
    const struct px_type *t = px_type(type);
    return t->st ? px_fixed(t->st, API_HI) : 0;
}

/* How many pointer arguments the function must not get as NULL. */
static int required_pointers(uint32_t type)
{
    const struct px_type *t = px_type(type);
    if (type == LINEPROXYREQUEST_CREATEAGENTSESSION || type == LINEPROXYREQUEST_GETQUEUELIST)
        return 2;
    return t->out == PX_OUT_NONE ? 0 : 1;
}

static const char *fname(uint32_t type, int wide)
{
    static char b[64];
    snprintf(b, sizeof b, "%s%s", px_type(type)->name, has_aw(type) ? (wide ? " W" : " A") : "");
    return b;
}

static void expect_rc(LONG got, LONG want, uint32_t type, int wide, const char *what)
{
    if (got != want)
        fail_msg("%s (%s): 0x%08x, want 0x%08x", fname(type, wide), what, (unsigned)got,
                 (unsigned)want);
}

/* The next message is the LINE_REPLY of a request made now: nothing was
   queued for the failed calls before it. */
static void fence(void)
{
    LONG id = lineSetAgentState(g_l0, 0, LINEAGENTSTATE_READY, 0);
    assert_true(id > 0);
    LINEMESSAGE m;
    assert_int_equal(pt_next_msg(g_app, &m, PT_WAIT_MS), 0);
    if (m.dwMessageID != LINE_REPLY || (LONG)m.dwParam1 != id)
        fail_msg("a failed call left message %u (param1 %lu) behind", (unsigned)m.dwMessageID,
                 (unsigned long)m.dwParam1);
    assert_int_equal(m.dwParam2, 0);
}

/* ------------------------------------------------------------------ tests */

static void bad_line_handle(void **state)
{
    (void)state;
    HLINE closed = 0;
    assert_int_equal(open_monitor(g_app, 0, &closed, 9), 0);
    assert_int_equal(lineClose(closed), 0);
    const HLINE bad[] = {0, 0xDEADBEEFu, closed};
    HLINEAPP dead = 0;
    assert_int_equal(app_init_event(&dead, NULL, NULL), 0);
    assert_int_equal(lineShutdown(dead), 0);
    const HLINEAPP badapp[] = {0, 0xDEADBEEFu, dead};
    for (int i = 0; i < NTYPES; i++) {
        uint32_t t = all_types[i];
        for (int wide = 0; wide < 2; wide++) {
            for (int k = 0; k < 3; k++) {
                if (t == LINEPROXYREQUEST_GETAGENTCAPS)
                    expect_rc(invoke(t, wide, 0, badapp[k], 0, API_HI, sizeof g_buf, 0),
                              (LONG)LINEERR_INVALAPPHANDLE, t, wide, "bad hLineApp");
                else
                    expect_rc(invoke(t, wide, bad[k], 0, 0, 0, sizeof g_buf, 0),
                              (LONG)LINEERR_INVALLINEHANDLE, t, wide, "bad hLine");
                /* the handle is checked first */
                if (t != LINEPROXYREQUEST_GETAGENTCAPS && required_pointers(t))
                    expect_rc(invoke(t, wide, bad[k], 0, 0, 0, sizeof g_buf, 1),
                              (LONG)LINEERR_INVALLINEHANDLE, t, wide, "bad hLine and NULL");
            }
        }
    }
    fence();
}

static void null_pointers(void **state)
{
    (void)state;
    for (int i = 0; i < NTYPES; i++) {
        uint32_t t = all_types[i];
        for (int wide = 0; wide < 2; wide++)
            for (int null = 1; null <= required_pointers(t); null++)
                expect_rc(invoke(t, wide, g_l0, g_app, 0, API_HI, sizeof g_buf, null),
                          (LONG)LINEERR_INVALPOINTER, t, wide, null == 1 ? "NULL 1" : "NULL 2");
    }
    fence();
}

static void structure_too_small(void **state)
{
    (void)state;
    for (int i = 0; i < NTYPES; i++) {
        uint32_t t = all_types[i];
        DWORD fixed = fixed_of(t);
        if (!fixed)
            continue;
        const DWORD sizes[] = {0, 12, fixed - 1};
        for (int wide = 0; wide < 2; wide++)
            for (int k = 0; k < 3; k++)
                expect_rc(invoke(t, wide, g_l0, g_app, 0, API_HI, sizes[k], 0),
                          (LONG)LINEERR_STRUCTURETOOSMALL, t, wide, "dwTotalSize < fixed");
    }
    /* the 2.0 LINEAGENTCAPS is 56 bytes */
    expect_rc(invoke(LINEPROXYREQUEST_GETAGENTCAPS, 0, 0, g_app, 0, 0x00020000, 55, 0),
              (LONG)LINEERR_STRUCTURETOOSMALL, LINEPROXYREQUEST_GETAGENTCAPS, 0, "2.0, 55 bytes");
    fence();
}

/* lineSetAgentGroup's list must be consistent. */
static void set_agent_group_bad_list(void **state)
{
    (void)state;
    uint8_t list[24 + 48];
    LPLINEAGENTGROUPLIST gl = (LPLINEAGENTGROUPLIST)list;
    memset(list, 0, sizeof list);
    gl->dwTotalSize = sizeof list;
    gl->dwNumEntries = 2;
    gl->dwListSize = 24; /* not 2 * 24 */
    gl->dwListOffset = 24;
    assert_int_equal(lineSetAgentGroup(g_l0, 0, gl), (LONG)LINEERR_INVALPARAM);
    gl->dwListSize = 48;
    gl->dwListOffset = 48; /* past dwTotalSize */
    assert_int_equal(lineSetAgentGroup(g_l0, 0, gl), (LONG)LINEERR_INVALPARAM);
    gl->dwListOffset = 8; /* inside the header */
    assert_int_equal(lineSetAgentGroup(g_l0, 0, gl), (LONG)LINEERR_INVALPARAM);
    fence();
}

/* DESIGN §5.1: a type without a handler on the line fails at once. */
static void no_handler(void **state)
{
    (void)state;
    for (int i = 0; i < NTYPES; i++) {
        uint32_t t = all_types[i];
        if (t == LINEPROXYREQUEST_GETAGENTCAPS)
            continue; /* names a device, not a line: below */
        for (int wide = 0; wide < 2; wide++) {
            expect_rc(invoke(t, wide, g_l2, 0, 0, 0, sizeof g_buf, 0),
                      (LONG)LINEERR_OPERATIONUNAVAIL, t, wide, "line 2, no handler");
            if (t != LINEPROXYREQUEST_SETAGENTSTATE && t != LINEPROXYREQUEST_CREATEAGENT)
                expect_rc(invoke(t, wide, g_l4, 0, 0, 0, sizeof g_buf, 0),
                          (LONG)LINEERR_OPERATIONUNAVAIL, t, wide, "line 4, other types only");
        }
    }
    fence();
}

/* lineGetAgentCaps on a device without a GETAGENTCAPS handler: the app may
   not have the line open, so the library cannot know; the error comes at
   once or in LINE_REPLY, but it comes, and never a success. */
static void agent_caps_no_handler(void **state)
{
    (void)state;
    for (int wide = 0; wide < 2; wide++) {
        LONG rc = invoke(LINEPROXYREQUEST_GETAGENTCAPS, wide, 0, g_app, 2, API_HI, sizeof g_buf, 0);
        if (rc > 0) {
            LINEMESSAGE m;
            assert_int_equal(pt_next_msg(g_app, &m, PT_WAIT_MS), 0);
            assert_int_equal(m.dwMessageID, LINE_REPLY);
            assert_int_equal(m.dwParam1, rc);
            rc = (LONG)m.dwParam2;
        }
        expect_rc(rc, (LONG)LINEERR_OPERATIONUNAVAIL, LINEPROXYREQUEST_GETAGENTCAPS, wide,
                  "device 2, no handler");
    }
    fence();
}

static void agent_caps_errors(void **state)
{
    (void)state;
    static const DWORD badver[] = {0, 0x00010004, 0x00010003, 0x00020003, 0x00030000};
    for (int wide = 0; wide < 2; wide++) {
        for (size_t k = 0; k < sizeof badver / sizeof badver[0]; k++)
            expect_rc(invoke(LINEPROXYREQUEST_GETAGENTCAPS, wide, 0, g_app, 0, badver[k],
                             sizeof g_buf, 0),
                      (LONG)LINEERR_INCOMPATIBLEAPIVERSION, LINEPROXYREQUEST_GETAGENTCAPS, wide,
                      "bad dwAppAPIVersion");
        /* a device that does not exist: at once or in LINE_REPLY */
        LONG rc =
            invoke(LINEPROXYREQUEST_GETAGENTCAPS, wide, 0, g_app, 99, API_HI, sizeof g_buf, 0);
        if (rc > 0) {
            LINEMESSAGE m;
            assert_int_equal(pt_next_msg(g_app, &m, PT_WAIT_MS), 0);
            assert_int_equal(m.dwMessageID, LINE_REPLY);
            assert_int_equal(m.dwParam1, rc);
            rc = (LONG)m.dwParam2;
        }
        expect_rc(rc, (LONG)LINEERR_BADDEVICEID, LINEPROXYREQUEST_GETAGENTCAPS, wide, "device 99");
    }
    fence();
}

/* A line opened with 0x00020000 (or 1.4) has no TAPI 2.2 functions, even
   with a handler serving them; the 2.0 ones work on a 2.0 line. */
static void version_of_line(void **state)
{
    (void)state;
    HLINE l20 = 0, l14 = 0;
    assert_int_equal(
        lineOpenA(g_app, 0, &l20, 0x00020000, 0, 20, LINECALLPRIVILEGE_MONITOR, 0, NULL), 0);
    assert_int_equal(
        lineOpenA(g_app, 0, &l14, 0x00010004, 0, 14, LINECALLPRIVILEGE_MONITOR, 0, NULL), 0);
    for (int i = 0; i < NTYPES; i++) {
        uint32_t t = all_types[i];
        if (t == LINEPROXYREQUEST_GETAGENTCAPS)
            continue;
        for (int wide = 0; wide < 2; wide++) {
            expect_rc(invoke(t, wide, l14, 0, 0, 0, sizeof g_buf, 0),
                      (LONG)LINEERR_OPERATIONUNAVAIL, t, wide, "1.4 line");
            LONG rc = invoke(t, wide, l20, 0, 0, 0, sizeof g_buf, 0);
            if (px_type(t)->min_version > 0x00020000) {
                expect_rc(rc, (LONG)LINEERR_OPERATIONUNAVAIL, t, wide, "2.0 line");
                continue;
            }
            if (rc <= 0)
                fail_msg("%s on a 2.0 line: 0x%08x, want a request id", fname(t, wide),
                         (unsigned)rc);
            LINEMESSAGE m;
            assert_int_equal(pt_next_msg(g_app, &m, PT_WAIT_MS), 0);
            assert_int_equal(m.dwMessageID, LINE_REPLY);
            assert_int_equal(m.dwParam1, rc);
            assert_int_equal(m.dwParam2, 0);
            assert_int_equal(m.dwCallbackInstance, 20);
        }
    }
    assert_int_equal(lineClose(l20), 0);
    assert_int_equal(lineClose(l14), 0);
    fence();
}

/* Before each test: drop what an earlier failed test left queued (a round
   trip first, so that every reply sent before is in the queue). */
static int test_setup(void **state)
{
    DWORD v;
    LINEEXTENSIONID ext;
    LINEMESSAGE m;
    wd_setup(state);
    lineNegotiateAPIVersion(g_app, 0, API_LO, API_HI, &v, &ext);
    while (lineGetMessage(g_app, &m, 0) == 0)
        ;
    return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, wd_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(bad_line_handle),          T(null_pointers),   T(structure_too_small),
        T(set_agent_group_bad_list), T(no_handler),      T(agent_caps_no_handler),
        T(agent_caps_errors),        T(version_of_line),
    };
    return cmocka_run_group_tests_name("proxy_errors", tests, group_setup, group_teardown);
}
