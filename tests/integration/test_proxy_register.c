/*
 * test_proxy_register - registering proxy handlers (lineOpen with
 * LINEOPENOPTION_PROXY): the LINE_PROXYSTATUS sequence a 2.2 app with the
 * line open sees (OPEN per type, ALLOPENFORACD once the 13 ACD types are
 * registered, also across handlers, CLOSE per type) and a 2.0 app does
 * not; lineGetProxyStatus and its errors; duplicate registration
 * (LINEERR_NOTREGISTERED, DESIGN §5.2) by another process or the same app;
 * bad registration lists, refused by the library and, from a raw wire
 * peer, by the server; and the served types reaching lines opened before
 * the handler came.
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

static int group_setup(void **state)
{
    (void)state;
    return group_srv_start(NULL, "test_proxy_register group setup");
}

static int group_teardown(void **state)
{
    (void)state;
    return group_srv_stop("test_proxy_register group teardown");
}

/* ------------------------------------------------------------------ helpers */

static struct helper *handler(const char *dev, const char *types, HLINE *hline)
{
    char why[512];
    struct helper *h =
        pt_spawn(0, hline, why, sizeof why, "--dev", dev, "--types", types, (char *)NULL);
    if (!h)
        fail_msg("helper_handler --dev %s --types %s did not start: %s", dev, types, why);
    return h;
}

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

/* A 2.0 app: lineInitializeEx with 0x00020000 and its line opened with it. */
static HLINEAPP app20(DWORD dev, HLINE *line, DWORD_PTR instance)
{
    LINEINITIALIZEEXPARAMS p = {.dwTotalSize = sizeof p,
                                .dwOptions = LINEINITIALIZEEXOPTION_USEEVENT};
    HLINEAPP a = 0;
    DWORD n, v = 0x00020000;
    assert_int_equal(lineInitializeExA(&a, NULL, NULL, "tapix-it-20", &n, &v, &p), 0);
    assert_int_equal(
        lineOpenA(a, dev, line, 0x00020000, 0, instance, LINECALLPRIVILEGE_MONITOR, 0, NULL), 0);
    return a;
}

/* The next message of app within the deadline; fails when there is none. */
static void next_msg(HLINEAPP app, LINEMESSAGE *m)
{
    LONG rc = pt_next_msg(app, m, PT_WAIT_MS);
    if (rc)
        fail_msg("no message within %d ms (0x%08x)", PT_WAIT_MS, (unsigned)rc);
}

/*
 * Read LINE_PROXYSTATUS messages of app (line, instance) until `status`
 * was seen for every type in want (each exactly once) and, when want_acd,
 * an ALLOPENFORACD too; return the number of ALLOPENFORACD seen; *acd_pos
 * gets how many of the 13 ACD types had their OPEN before the first one.
 */
static int read_status(HLINEAPP app, HLINE line, DWORD_PTR instance, DWORD status, uint32_t want,
                       int want_acd, int *acd_pos)
{
    uint32_t seen = 0;
    int acd = 0;
    while (seen != want || (want_acd && !acd)) {
        LINEMESSAGE m;
        next_msg(app, &m);
        if (m.dwMessageID != LINE_PROXYSTATUS)
            fail_msg("unexpected message %u while waiting for LINE_PROXYSTATUS",
                     (unsigned)m.dwMessageID);
        assert_int_equal(m.hDevice, line);
        assert_int_equal(m.dwCallbackInstance, instance);
        assert_int_equal(m.dwParam3, 0);
        if (m.dwParam1 == LINEPROXYSTATUS_ALLOPENFORACD) {
            assert_int_equal(m.dwParam2, 0);
            if (!acd++ && acd_pos)
                *acd_pos = __builtin_popcount(seen & PX_ACD_MASK);
            continue;
        }
        if (m.dwParam1 != status || m.dwParam2 > PX_TYPE_MAX || !(want & (1u << m.dwParam2)) ||
            (seen & (1u << m.dwParam2)))
            fail_msg("LINE_PROXYSTATUS(%lu, %lu): not expected now (status %u, types 0x%x, seen "
                     "0x%x)",
                     (unsigned long)m.dwParam1, (unsigned long)m.dwParam2, (unsigned)status,
                     (unsigned)want, (unsigned)seen);
        seen |= 1u << m.dwParam2;
    }
    return acd;
}

static LONG proxy_status(HLINEAPP app, DWORD dev, DWORD ver, DWORD total, uint8_t **out)
{
    uint8_t *b = vs_alloc(total);
    vs_put_u32(b, 0, total); /* also below 4 bytes (vs_alloc keeps 4 spare) */
    LONG rc = lineGetProxyStatus(app, dev, ver, (LPLINEPROXYREQUESTLIST)b);
    *out = b;
    return rc;
}

/* The set of types in a LINEPROXYREQUESTLIST, checked for consistency. */
static uint32_t list_mask(const uint8_t *b)
{
    const LINEPROXYREQUESTLIST *l = (const LINEPROXYREQUESTLIST *)b;
    assert_true(l->dwUsedSize >= 24 && l->dwUsedSize <= l->dwTotalSize);
    assert_true(l->dwNeededSize >= l->dwUsedSize);
    assert_int_equal(l->dwListSize, 4 * l->dwNumEntries);
    if (!l->dwNumEntries)
        return 0;
    assert_true(l->dwListOffset >= 24 && l->dwListOffset + l->dwListSize <= l->dwUsedSize);
    uint32_t mask = 0;
    for (DWORD i = 0; i < l->dwNumEntries; i++) {
        DWORD t = vs_get_u32(b, l->dwListOffset + 4 * i);
        assert_true(t >= 1 && t <= PX_TYPE_MAX);
        assert_false(mask & (1u << t));
        mask |= 1u << t;
    }
    return mask;
}

static uint32_t served(HLINEAPP app, DWORD dev)
{
    uint8_t *b;
    assert_int_equal(proxy_status(app, dev, API_HI, 24 + 4 * 32, &b), 0);
    uint32_t m = list_mask(b);
    free(b);
    return m;
}

/* ------------------------------------------------------------------ LINE_PROXYSTATUS */

static void proxystatus_sequence(void **state)
{
    (void)state;
    HLINEAPP a, b20;
    HLINE la, lb, hh, h2;
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    assert_int_equal(open_monitor(a, 0, &la, 0x22), 0);
    b20 = app20(0, &lb, 0x20);

    struct helper *h = handler("0", "all", &hh);
    int pos = -1;
    assert_int_equal(read_status(a, la, 0x22, LINEPROXYSTATUS_OPEN, PT_ALL_MASK, 1, &pos), 1);
    assert_int_equal(pos, 13); /* after the last of the 13 ACD types */
    /* the 2.0 app saw none of it: the next thing it gets is this */
    assert_int_equal(helper_send(h, "msg 22 1 2 3"), 0);
    expect_line(h, "MSG 0x00000000");
    LINEMESSAGE m;
    next_msg(b20, &m);
    assert_int_equal(m.dwMessageID, LINE_AGENTSTATUS);
    next_msg(a, &m);
    assert_int_equal(m.dwMessageID, LINE_AGENTSTATUS);

    assert_int_equal(helper_send(h, "close"), 0);
    expect_line(h, "CLOSE 0x00000000");
    assert_int_equal(read_status(a, la, 0x22, LINEPROXYSTATUS_CLOSE, PT_ALL_MASK, 0, NULL), 0);

    /* a new handler of one type: OPEN for it alone, no ALLOPENFORACD */
    struct helper *h2h = handler("0", "2", &h2);
    assert_int_equal(read_status(a, la, 0x22, LINEPROXYSTATUS_OPEN, 1u << 2, 0, NULL), 0);
    assert_int_equal(helper_send(h2h, "msg 22 4 5 6"), 0);
    expect_line(h2h, "MSG 0x00000000");
    next_msg(b20, &m);
    assert_int_equal(m.dwMessageID, LINE_AGENTSTATUS); /* still nothing before it */
    assert_int_equal(m.dwParam1, 4);
    next_msg(a, &m);
    assert_int_equal(m.dwMessageID, LINE_AGENTSTATUS); /* nor an ALLOPENFORACD for a */

    assert_int_equal(lineShutdown(a), 0);
    assert_int_equal(lineShutdown(b20), 0);
    helper_free(h);
    helper_free(h2h);
}

/* ALLOPENFORACD needs the 13 ACD types, whoever registers them, and comes
   again when the set is complete again. */
static void allopenforacd_across_handlers(void **state)
{
    (void)state;
    HLINEAPP a;
    HLINE la, h1l, h2l;
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    assert_int_equal(open_monitor(a, 1, &la, 0x33), 0);
    /* 12 of the 13, and SETAGENTGROUP, which is not one of them */
    struct helper *h1 = handler("1", "1,4,9,10,11,12,13,14,15,16,17,18,19", &h1l);
    uint32_t first = (PX_ACD_MASK & ~(1u << 0x14)) | (1u << 1);
    assert_int_equal(read_status(a, la, 0x33, LINEPROXYSTATUS_OPEN, first, 0, NULL), 0);
    /* the 13th; every message before it was read, so an early
       ALLOPENFORACD would have shown up */
    struct helper *h2 = handler("1", "20", &h2l);
    int pos = -1;
    assert_int_equal(read_status(a, la, 0x33, LINEPROXYSTATUS_OPEN, 1u << 0x14, 1, &pos), 1);
    assert_int_equal(pos, 1); /* after the 13th type's OPEN */
    LINEMESSAGE m;

    /* the 13th goes and comes back */
    assert_int_equal(helper_send(h2, "close"), 0);
    expect_line(h2, "CLOSE 0x00000000");
    assert_int_equal(read_status(a, la, 0x33, LINEPROXYSTATUS_CLOSE, 1u << 0x14, 0, NULL), 0);
    struct helper *h3 = handler("1", "20", &h2l);
    pos = -1;
    assert_int_equal(read_status(a, la, 0x33, LINEPROXYSTATUS_OPEN, 1u << 0x14, 1, &pos), 1);
    assert_int_equal(pos, 1);
    assert_int_equal(served(a, 1), PX_ACD_MASK | (1u << 1));
    /* and nothing else came */
    DWORD v;
    LINEEXTENSIONID ext;
    assert_int_equal(lineNegotiateAPIVersion(a, 1, API_LO, API_HI, &v, &ext), 0);
    assert_int_equal(lineGetMessage(a, &m, 0), (LONG)LINEERR_OPERATIONFAILED);

    assert_int_equal(lineShutdown(a), 0);
    helper_free(h1);
    helper_free(h2);
    helper_free(h3);
}

/* ------------------------------------------------------------------ lineGetProxyStatus */

static void get_proxy_status(void **state)
{
    (void)state;
    HLINEAPP a;
    HLINE hh;
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    struct helper *h = handler("2", "1,4,9,20", &hh);
    const uint32_t want = (1u << 1) | (1u << 4) | (1u << 9) | (1u << 20);

    /* the app does not need the line open */
    uint8_t *b;
    assert_int_equal(proxy_status(a, 2, API_HI, 24 + 4 * 20, &b), 0);
    assert_int_equal(list_mask(b), want);
    assert_int_equal(vs_get_u32(b, 0), 24 + 4 * 20);
    assert_int_equal(vs_get_u32(b, 4), vs_get_u32(b, 8));
    assert_true(vs_guard_ok(b, 24 + 4 * 20));
    free(b);
    /* room for the header only: dwNeededSize tells, nothing is cut */
    assert_int_equal(proxy_status(a, 2, API_HI, 24, &b), 0);
    DWORD needed = vs_get_u32(b, 4);
    assert_true(needed >= 24 + 16);
    assert_int_equal(vs_get_u32(b, 8), 24);
    assert_int_equal(vs_get_u32(b, 12), 0);
    assert_true(vs_guard_ok(b, 24));
    free(b);
    assert_int_equal(proxy_status(a, 2, API_HI, needed, &b), 0);
    assert_int_equal(vs_get_u32(b, 8), vs_get_u32(b, 4));
    assert_int_equal(list_mask(b), want);
    assert_true(vs_guard_ok(b, needed));
    free(b);
    /* a line without a handler */
    assert_int_equal(served(a, 3), 0);

    /* errors */
    HLINEAPP dead;
    assert_int_equal(app_init_event(&dead, NULL, NULL), 0);
    assert_int_equal(lineShutdown(dead), 0);
    const HLINEAPP badapp[] = {0, 0xDEADBEEFu, dead};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(proxy_status(badapp[i], 2, API_HI, 64, &b), (LONG)LINEERR_INVALAPPHANDLE);
        free(b);
    }
    assert_int_equal(proxy_status(a, DEFAULT_NUM_LINES, API_HI, 64, &b), (LONG)LINEERR_BADDEVICEID);
    free(b);
    assert_int_equal(proxy_status(a, 1000, API_HI, 64, &b), (LONG)LINEERR_BADDEVICEID);
    free(b);
    static const DWORD oldver[] = {0x00010004, 0x00020000, 0x00020001, 0x00020003, 0x00030000};
    for (size_t i = 0; i < sizeof oldver / sizeof oldver[0]; i++) {
        assert_int_equal(proxy_status(a, 2, oldver[i], 64, &b),
                         (LONG)LINEERR_INCOMPATIBLEAPIVERSION);
        assert_true(vs_guard_ok(b, 64));
        free(b);
    }
    assert_int_equal(lineGetProxyStatus(a, 2, API_HI, NULL), (LONG)LINEERR_INVALPOINTER);
    static const DWORD small[] = {0, 12, 23};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(proxy_status(a, 2, API_HI, small[i], &b), (LONG)LINEERR_STRUCTURETOOSMALL);
        assert_true(vs_guard_ok(b, small[i] < 4 ? 4 : small[i]));
        free(b);
    }
    assert_int_equal(lineShutdown(a), 0);
    helper_free(h);
}

/* ------------------------------------------------------------------ duplicates */

/* DESIGN §5.2: a type already handled on the line cannot be registered
   again, by another process or by the same app; other types and other
   lines can; and a failed registration registers nothing. */
static void duplicate_registration(void **state)
{
    (void)state;
    HLINEAPP a;
    HLINE hh, x;
    char why[256];
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    struct helper *h = handler("4", "9,12", &hh);
    /* another process, overlapping in one type */
    struct helper *d =
        pt_spawn(0, &x, why, sizeof why, "--dev", "4", "--types", "12,13", (char *)NULL);
    assert_null(d);
    assert_string_equal(why, "OPENFAIL 0x80000047");
    /* the same app */
    assert_int_equal(helper_send(h, "open 9"), 0);
    expect_line(h, "OPEN 0x%08x 0", (unsigned)LINEERR_NOTREGISTERED);
    assert_int_equal(helper_send(h, "open 13,9"), 0);
    expect_line(h, "OPEN 0x%08x 0", (unsigned)LINEERR_NOTREGISTERED);
    assert_int_equal(served(a, 4), (1u << 9) | (1u << 12));
    /* this process too (a library handler is any app) */
    size_t total = sizeof(LINECALLPARAMS) + 4;
    LINECALLPARAMS *cp = calloc(1, total);
    cp->dwTotalSize = (DWORD)total;
    cp->dwDevSpecificSize = 4;
    cp->dwDevSpecificOffset = sizeof(LINECALLPARAMS);
    DWORD t12 = 12;
    memcpy((uint8_t *)cp + sizeof(LINECALLPARAMS), &t12, 4);
    assert_int_equal(
        lineOpenW(a, 4, &x, API_HI, 0, 0, LINECALLPRIVILEGE_NONE | LINEOPENOPTION_PROXY, 0, cp),
        (LONG)LINEERR_NOTREGISTERED);
    free(cp);
    /* other types, on the same line, by the same app or another */
    char line[256];
    assert_int_equal(helper_send(h, "open 17"), 0);
    assert_int_equal(pt_expect(h, "OPEN 0x00000000 ", line, sizeof line, PT_WAIT_MS), 0);
    struct helper *o = handler("4", "13", &x);
    /* the same types on another line */
    struct helper *o2 = handler("5", "9,12", &x);
    assert_int_equal(served(a, 4), (1u << 9) | (1u << 12) | (1u << 13) | (1u << 17));
    assert_int_equal(served(a, 5), (1u << 9) | (1u << 12));
    /* once the first handler is gone, its types are free again */
    assert_int_equal(helper_send(h, "exit"), 0);
    assert_int_equal(helper_wait(h, now_ms() + PT_WAIT_MS), 0);
    helper_free(h);
    struct helper *n = handler("4", "9,12", &x);
    assert_int_equal(served(a, 4), (1u << 9) | (1u << 12) | (1u << 13));
    assert_int_equal(lineShutdown(a), 0);
    helper_free(o);
    helper_free(o2);
    helper_free(n);
}

/* ------------------------------------------------------------------ bad lists */

static LONG open_proxy_raw(HLINEAPP a, DWORD dev, DWORD ver, DWORD priv, const DWORD *types,
                           DWORD size, DWORD off, DWORD total, HLINE *line)
{
    uint8_t buf[512];
    LINECALLPARAMS *cp = (LINECALLPARAMS *)buf;
    memset(buf, 0, sizeof buf);
    cp->dwTotalSize = total;
    cp->dwDevSpecificSize = size;
    cp->dwDevSpecificOffset = off;
    if (types && (uint64_t)off + size <= sizeof buf)
        memcpy(buf + off, types, size);
    return lineOpenA(a, dev, line, ver, 0, 0, priv | LINEOPENOPTION_PROXY, 0, cp);
}

/* The registration list (LINECALLPARAMS DevSpecific) must be whole DWORDs,
   inside the structure, and name types that exist in the open's version. */
static void registration_list_errors(void **state)
{
    (void)state;
    HLINEAPP a;
    HLINE l;
    const DWORD none = LINECALLPRIVILEGE_NONE, inval = (DWORD)LINEERR_INVALPARAM;
    const DWORD base = sizeof(LINECALLPARAMS);
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    const DWORD ok2[] = {2, 3};
    const DWORD unknown[][2] = {{0, 2}, {2, 21}, {0xFFFFFFFFu, 2}, {0x80000000u, 2}};
    assert_int_equal(open_proxy_raw(a, 6, API_HI, none, ok2, 0, base, base + 8, &l),
                     (LONG)inval); /* empty */
    assert_int_equal(open_proxy_raw(a, 6, API_HI, none, ok2, 6, base, base + 8, &l),
                     (LONG)inval); /* misaligned */
    assert_int_equal(open_proxy_raw(a, 6, API_HI, none, ok2, 8, base, base + 4, &l),
                     (LONG)inval); /* past dwTotalSize */
    assert_int_equal(open_proxy_raw(a, 6, API_HI, none, ok2, 8, 0xFFFFFFF8u, base + 8, &l),
                     (LONG)inval); /* offset wraps */
    for (int i = 0; i < 4; i++)
        assert_int_equal(open_proxy_raw(a, 6, API_HI, none, unknown[i], 8, base, base + 8, &l),
                         (LONG)inval);
    /* a 2.2 type on a 2.0 open; the 2.0 types are fine there */
    const DWORD v22[] = {2, 9};
    assert_int_equal(open_proxy_raw(a, 6, 0x00020000, none, v22, 8, base, base + 8, &l),
                     (LONG)inval);
    /* no LINECALLPARAMS, one too small, and a TAPI 1.4 open */
    assert_int_equal(lineOpenA(a, 6, &l, API_HI, 0, 0, none | LINEOPENOPTION_PROXY, 0, NULL),
                     (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(open_proxy_raw(a, 6, API_HI, none, ok2, 8, 100, 175, &l),
                     (LONG)LINEERR_STRUCTURETOOSMALL);
    assert_int_equal(open_proxy_raw(a, 6, 0x00010004, none, ok2, 8, base, base + 8, &l),
                     (LONG)LINEERR_INVALPRIVSELECT);
    assert_int_equal(served(a, 6), 0);
    /* and what works: 2.0 types at 2.0, with MONITOR privilege too */
    assert_int_equal(
        open_proxy_raw(a, 6, 0x00020000, LINECALLPRIVILEGE_MONITOR, ok2, 8, base, base + 8, &l), 0);
    assert_int_equal(served(a, 6), (1u << 2) | (1u << 3));
    assert_int_equal(lineClose(l), 0);
    assert_int_equal(served(a, 6), 0);
    assert_int_equal(lineShutdown(a), 0);
}

/* The same lists straight on the wire: the server checks them too. */
static void registration_list_errors_raw(void **state)
{
    (void)state;
    HLINE hh;
    struct helper *h = handler("7", "9", &hh);
    static const struct {
        const char *blob, *ver;
        DWORD want;
    } cases[] = {
        {"-", "0x00020002", LINEERR_INVALPARAM},           /* empty */
        {"090000", "0x00020002", LINEERR_INVALPARAM},      /* 3 bytes */
        {"0200000003", "0x00020002", LINEERR_INVALPARAM},  /* 5 bytes */
        {"00000000", "0x00020002", LINEERR_INVALPARAM},    /* type 0 */
        {"15000000", "0x00020002", LINEERR_INVALPARAM},    /* type 21 */
        {"ffffffff", "0x00020002", LINEERR_INVALPARAM},    /* type 0xFFFFFFFF */
        {"0a000000", "0x00020000", LINEERR_INVALPARAM},    /* 2.2 type at 2.0 */
        {"09000000", "0x00020002", LINEERR_NOTREGISTERED}, /* taken */
        {"0200000009000000", "0x00020002", LINEERR_NOTREGISTERED},
        {"0200000002000000", "0x00020002", 0}, /* twice: once */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *args[] = {
            "--dev", "7", "--ver", (char *)cases[i].ver, "--open-raw", (char *)cases[i].blob, NULL};
        struct helper *r = helper_spawnv("helper_rawproxy", args);
        assert_non_null(r);
        char line[256], want[64];
        snprintf(want, sizeof want, "OPEN 0x%08x ", (unsigned)cases[i].want);
        if (pt_expect(r, want, line, sizeof line, PT_START_MS))
            fail_msg("raw OPEN with types %s at %s: \"%s\", want \"%s...\"", cases[i].blob,
                     cases[i].ver, line, want);
        assert_int_equal(helper_wait(r, now_ms() + PT_WAIT_MS), 0);
        helper_free(r);
    }
    assert_int_equal(helper_send(h, "close"), 0);
    expect_line(h, "CLOSE 0x00000000");
    helper_free(h);
}

/* ------------------------------------------------------------------ served types */

/* A line opened before the handler came learns the served types from the
   server (no request id is handed out for an unserved type, and a served
   one gets one at once); and again when the handler goes. */
static void served_types_follow(void **state)
{
    (void)state;
    HLINEAPP a;
    HLINE l, hh;
    HAGENT ha = 0;
    DWORD v;
    LINEEXTENSIONID ext;
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    assert_int_equal(lineOpenA(a, 6, &l, 0x00020000, 0, 1, LINECALLPRIVILEGE_MONITOR, 0, NULL), 0);
    assert_int_equal(lineCreateAgentA(l, "x", NULL, &ha), (LONG)LINEERR_OPERATIONUNAVAIL);
    assert_int_equal(lineSetAgentState(l, 0, 1, 0), (LONG)LINEERR_OPERATIONUNAVAIL);
    struct helper *h = handler("6", "2,9", &hh);
    /* one round trip: what the server sent during the handler's lineOpen
       is in */
    assert_int_equal(lineNegotiateAPIVersion(a, 6, API_LO, API_HI, &v, &ext), 0);
    LONG id = lineSetAgentState(l, 0, 1, 0);
    assert_true(id > 0);
    LINEMESSAGE m;
    next_msg(a, &m);
    assert_int_equal(m.dwMessageID, LINE_REPLY);
    assert_int_equal(m.dwParam1, id);
    assert_int_equal(m.dwParam2, 0);
    /* but a 2.2 function on this 2.0 line stays unavailable */
    assert_int_equal(lineCreateAgentA(l, "x", NULL, &ha), (LONG)LINEERR_OPERATIONUNAVAIL);
    assert_int_equal(helper_send(h, "close"), 0);
    expect_line(h, "CLOSE 0x00000000");
    assert_int_equal(lineNegotiateAPIVersion(a, 6, API_LO, API_HI, &v, &ext), 0);
    assert_int_equal(lineSetAgentState(l, 0, 1, 0), (LONG)LINEERR_OPERATIONUNAVAIL);
    assert_int_equal(lineShutdown(a), 0);
    helper_free(h);
}

#define T(f) cmocka_unit_test_setup_teardown(f, wd_setup, wd_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(proxystatus_sequence),     T(allopenforacd_across_handlers),
        T(get_proxy_status),         T(duplicate_registration),
        T(registration_list_errors), T(registration_list_errors_raw),
        T(served_types_follow),
    };
    return cmocka_run_group_tests_name("proxy_register", tests, group_setup, group_teardown);
}
