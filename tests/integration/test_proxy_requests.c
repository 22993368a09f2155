/*
 * test_proxy_requests - the 20 call-center functions end to end, A and W:
 * requester (this process) -> tapisrv -> test handler (helper_handler) and
 * back.  For every function: the positive request id returned at once; the
 * LINEPROXYREQUEST exactly as the handler received it (header with the
 * requester's OS user and host name in UTF-16, every in-field, input
 * strings in UTF-16 for A and W callers, the embedded dwTotalSize); the
 * outputs copied back (UTF-8 for A, UTF-16 for W); LINE_REPLY(id, result)
 * with the line's callback instance; outputs written before LINE_REPLY and
 * never on failure; and for the variably-sized structures the too-small
 * buffer and the retry with dwNeededSize.
 *
 * Lines: 0 = handler answering (dump mode), 1 = handler writing its outputs
 * but failing every request with LINEERR_INVALAGENTID, 3 = a TAPI 2.0
 * handler of the 2.0 types, opened by a 2.0 requester.
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

#define REPLY_MS PT_WAIT_MS
#define FAIL_RESULT ((LONG)LINEERR_INVALAGENTID)
#define BIG 1024u /* a buffer that holds every answer */

static const char config[] = "[line 0]\n"
                             "[line 0 address 0]\naddress = 201\n"
                             "[line 0 address 1]\naddress = 202\n"
                             "[line 0 address 2]\naddress = 203\n"
                             "[line 1]\n[line 1 address 0]\naddress = 301\n"
                             "[line 2]\n[line 2 address 0]\naddress = 401\n"
                             "[line 3]\n[line 3 address 0]\naddress = 501\n";

#define INST0 ((DWORD_PTR)0x11110000u)
#define INST1 ((DWORD_PTR)0x22220000u)
#define INST3 ((DWORD_PTR)0x44440000u)

static struct helper *g_h0, *g_h1, *g_h3; /* handlers of lines 0, 1, 3 */
static HLINEAPP g_app, g_app20;
static HLINE g_l0, g_l1, g_l3;

/* ------------------------------------------------------------------ setup */

static int group_setup(void **state)
{
    (void)state;
    char why[256];
    HLINE h;
    if (group_srv_start(config, "test_proxy_requests group setup"))
        return -1;
    watchdog_arm(60, "test_proxy_requests group setup");
    g_h0 = pt_spawn(0, &h, why, sizeof why, "--dev", "0", "--mode", "dump", (char *)NULL);
    g_h1 = g_h0 ? pt_spawn(0, &h, why, sizeof why, "--dev", "1", "--mode", "fail:80000057",
                           "--print", "got", (char *)NULL)
                : NULL;
    g_h3 = g_h1 ? pt_spawn(0, &h, why, sizeof why, "--dev", "3", "--ver", "0x00020000", "--types",
                           "v20", "--mode", "dump", (char *)NULL)
                : NULL;
    if (!g_h3) {
        fprintf(stderr, "test_proxy_requests: a handler did not start: %s\n", why);
        alarm(0);
        return -1;
    }
    /* The requesters open their lines after the handlers registered: the
       served types come with lineOpen's answer. */
    LINEINITIALIZEEXPARAMS p = {.dwTotalSize = sizeof p,
                                .dwOptions = LINEINITIALIZEEXOPTION_USEEVENT};
    DWORD n, v20 = 0x00020000;
    int ok =
        app_init_event(&g_app, NULL, NULL) == 0 &&
        lineOpenA(g_app, 0, &g_l0, API_HI, 0, INST0, LINECALLPRIVILEGE_MONITOR, 0, NULL) == 0 &&
        lineOpenA(g_app, 1, &g_l1, API_HI, 0, INST1, LINECALLPRIVILEGE_MONITOR, 0, NULL) == 0 &&
        lineInitializeExA(&g_app20, NULL, NULL, "tapix-it-20", &n, &v20, &p) == 0 &&
        lineOpenA(g_app20, 3, &g_l3, 0x00020000, 0, INST3, LINECALLPRIVILEGE_MONITOR, 0, NULL) == 0;
    alarm(0);
    return ok ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    lineShutdown(g_app);
    lineShutdown(g_app20);
    helper_free(g_h0);
    helper_free(g_h1);
    helper_free(g_h3);
    return group_srv_stop("test_proxy_requests group teardown");
}

/* Before each test: whatever an earlier failed test left behind (handler
   lines, replies) is read and dropped, so that one failure does not
   cascade.  The handler's "sync" answers after everything it got before;
   the app's round trip after every reply queued before. */
static void drain_helper(struct helper *h)
{
    char line[70000];
    if (helper_send(h, "sync"))
        return;
    while (helper_wait_line(h, line, sizeof line, now_ms() + PT_WAIT_MS) >= 0)
        if (!strncmp(line, "SYNC ", 5))
            break;
}

static void drain_app(HLINEAPP app)
{
    DWORD v;
    LINEEXTENSIONID ext;
    LINEMESSAGE m;
    lineNegotiateAPIVersion(app, 0, API_LO, API_HI, &v, &ext);
    while (lineGetMessage(app, &m, 0) == 0)
        ;
}

static int test_setup(void **state)
{
    wd_setup(state);
    drain_helper(g_h0);
    drain_helper(g_h1);
    drain_helper(g_h3);
    drain_app(g_app);
    drain_app(g_app20);
    return 0;
}

/* ------------------------------------------------------------------ checks */

/* The next message of app must be LINE_REPLY(id, result) with instance. */
static void expect_reply(HLINEAPP app, LONG id, LONG result, DWORD_PTR instance)
{
    LINEMESSAGE m;
    LONG rc = pt_next_msg(app, &m, REPLY_MS);
    if (rc != 0)
        fail_msg("no LINE_REPLY for request %ld within %d ms (lineGetMessage 0x%08x)", (long)id,
                 REPLY_MS, (unsigned)rc);
    if (m.dwMessageID != LINE_REPLY || (LONG)m.dwParam1 != id)
        fail_msg("expected LINE_REPLY for request %ld, got message %u param1 %lu param2 0x%lx",
                 (long)id, (unsigned)m.dwMessageID, (unsigned long)m.dwParam1,
                 (unsigned long)m.dwParam2);
    if ((LONG)m.dwParam2 != result)
        fail_msg("LINE_REPLY for request %ld: result 0x%08x, want 0x%08x", (long)id,
                 (unsigned)m.dwParam2, (unsigned)result);
    assert_int_equal(m.dwCallbackInstance, instance);
}

/* Read the handler's "REQ <type> <hex>" line: the request as it got it. */
static uint8_t *read_req(struct helper *h, uint32_t type, uint32_t *len)
{
    static char line[70000];
    if (pt_expect(h, "REQ ", line, sizeof line, REPLY_MS))
        fail_msg("handler: expected a REQ line, got \"%.200s\"", line);
    char *end;
    unsigned long t = strtoul(line + 4, &end, 10);
    if (t != type || *end != ' ')
        fail_msg("handler got request type %lu, want %u", t, (unsigned)type);
    uint8_t *b = NULL;
    long n = pt_unhex(end + 1, &b);
    assert_true(n >= PX_HDR + 4);
    *len = (uint32_t)n;
    return b;
}

/* The handler's "RESP <type> 0x<rc>" line: lineProxyResponse's result. */
static void expect_resp(struct helper *h, uint32_t type, LONG rc)
{
    char line[256], want[64];
    snprintf(want, sizeof want, "RESP %u 0x%08x", (unsigned)type, (unsigned)rc);
    if (pt_expect(h, want, line, sizeof line, REPLY_MS) || strcmp(line, want))
        fail_msg("handler: expected \"%s\", got \"%s\"", want, line);
}

struct region {
    uint32_t off, len;
};

static int overlaps(struct region a, struct region b)
{
    return a.len && b.len && a.off < b.off + b.len && b.off < a.off + a.len;
}

static void check_name(const uint8_t *rq, uint32_t len, uint32_t pair, const char *want,
                       const struct region *taken, int ntaken, struct region *out)
{
    uint32_t size = vs_get_u32(rq, pair), off = vs_get_u32(rq, pair + 4);
    char *s = pt_str16(rq, len, size, off);
    if (!s)
        fail_msg("LINEPROXYREQUEST pair at %u (%u bytes at %u): not a UTF-16 string inside "
                 "dwSize %u",
                 (unsigned)pair, (unsigned)size, (unsigned)off, (unsigned)len);
    if (strcmp(s, want))
        fail_msg("LINEPROXYREQUEST pair at %u: \"%s\", want \"%s\"", (unsigned)pair, s, want);
    free(s);
    *out = (struct region){off, size};
    for (int i = 0; i < ntaken; i++)
        if (overlaps(*out, taken[i]))
            fail_msg("string at %u (%u bytes) overlaps request data at %u (%u bytes)",
                     (unsigned)off, (unsigned)size, (unsigned)taken[i].off, (unsigned)taken[i].len);
}

/*
 * Check the request rq (len bytes) against what the requester asked: e
 * holds the expected union (with the embedded dwTotalSize for a structure
 * request); s[] the expected input strings (UTF-8, NULL = absent); extra
 * the expected parameter block or group list.  ver is the expected
 * dwClientAppAPIVersion.
 */
static void check_req(const uint8_t *rq, uint32_t len, const LINEPROXYREQUEST *e, DWORD ver,
                      const char *s0, const char *s1, const void *extra, uint32_t extra_len)
{
    const uint8_t *eb = (const uint8_t *)e;
    const struct px_type *t = px_type(e->dwRequestType);
    const char *s[2] = {s0, s1};
    struct region taken[8];
    int ntaken = 0;
    uint32_t cmp_end = PX_HDR + t->union_size;

    assert_non_null(t);
    assert_int_equal(vs_get_u32(rq, 0), len); /* dwSize: the whole buffer */
    assert_int_equal(vs_get_u32(rq, 20), ver);
    assert_int_equal(vs_get_u32(rq, 24), e->dwRequestType);
    if (t->out == PX_OUT_STRUCT)
        cmp_end = t->out_off + 4;
    else if (t->in == PX_IN_PARAMS)
        cmp_end = 40;
    else if (t->in == PX_IN_GROUPLIST)
        cmp_end = 32;
    assert_true(len >= cmp_end);
    /* the union's fixed part; a structure's is part of its room (checked
       below), which for a 2.0 client of LINEAGENTCAPS is 16 bytes shorter */
    taken[ntaken++] =
        (struct region){0, t->out == PX_OUT_STRUCT ? t->out_off : PX_HDR + t->union_size};

    uint8_t want[128];
    memcpy(want, eb, cmp_end);
    if (t->in == PX_IN_STRINGS) {
        for (int i = 0; i < t->nstr; i++) {
            uint32_t pair = t->str_pairs[i];
            if (!s[i]) {
                if (vs_get_u32(rq, pair) != 0 || vs_get_u32(rq, pair + 4) != 0)
                    fail_msg("absent input string %d: pair %u/%u, want 0/0", i,
                             (unsigned)vs_get_u32(rq, pair), (unsigned)vs_get_u32(rq, pair + 4));
                continue;
            }
            check_name(rq, len, pair, s[i], taken, ntaken, &taken[ntaken]);
            ntaken++;
            memcpy(want + pair, rq + pair, 8); /* the string's place is the server's choice */
        }
    }
    for (uint32_t i = PX_HDR; i < cmp_end; i++)
        if (rq[i] != want[i])
            fail_msg("LINEPROXYREQUEST byte %u is 0x%02x, want 0x%02x (type %u)", (unsigned)i,
                     rq[i], want[i], (unsigned)e->dwRequestType);
    if (t->out == PX_OUT_STRUCT) {
        uint32_t given = vs_get_u32(eb, t->out_off);
        if (len < t->out_off + given)
            fail_msg("dwSize %u leaves no room for the %u bytes promised at %u", (unsigned)len,
                     (unsigned)given, (unsigned)t->out_off);
        for (uint32_t i = t->out_off + 4; i < t->out_off + given; i++)
            if (rq[i])
                fail_msg("embedded structure byte %u is 0x%02x, want 0", (unsigned)(i - t->out_off),
                         rq[i]);
        taken[ntaken++] = (struct region){t->out_off, given};
    } else if (extra_len) {
        if (len < cmp_end + extra_len || memcmp(rq + cmp_end, extra, extra_len))
            fail_msg("the request's input block (%u bytes at %u) differs from the caller's",
                     (unsigned)extra_len, (unsigned)cmp_end);
        taken[ntaken++] = (struct region){cmp_end, extra_len};
    }
    struct region names[2];
    check_name(rq, len, 4, pt_host_name(), taken, ntaken, &names[0]);
    check_name(rq, len, 12, pt_user_name(), taken, ntaken, &names[1]);
    if (overlaps(names[0], names[1]))
        fail_msg("client machine and user names overlap");
}

/* Every byte of buf after dwTotalSize, guard included, still GUARD_BYTE. */
static void assert_untouched(const void *buf, DWORD total)
{
    const uint8_t *b = buf;
    for (DWORD i = 4; i < total + GUARD_LEN; i++)
        if (b[i] != GUARD_BYTE)
            fail_msg("byte %u of the caller's buffer was written (0x%02x)", (unsigned)i, b[i]);
}

/* The caller's structure equals the handler's answer built for (total,
   narrow); dwTotalSize is the caller's; the guard is intact. */
static void assert_struct(uint32_t type, uint32_t key, DWORD ver, int wide, const void *got,
                          DWORD total)
{
    uint8_t *exp = malloc(total);
    assert_non_null(exp);
    assert_int_equal(pt_build(type, key, ver, !wide, exp, total), 0);
    uint32_t used = vs_get_u32(exp, 8);
    assert_int_equal(vs_get_u32(got, 0), total);
    assert_int_equal(vs_get_u32(got, 4), vs_get_u32(exp, 4));
    assert_int_equal(vs_get_u32(got, 8), used);
    for (uint32_t i = 0; i < used; i++)
        if (((const uint8_t *)got)[i] != exp[i])
            fail_msg("%s %c: byte %u is 0x%02x, want 0x%02x", px_type(type)->st->name,
                     wide ? 'W' : 'A', (unsigned)i, ((const uint8_t *)got)[i], exp[i]);
    assert_true(vs_guard_ok(got, total));
    const char *why;
    if (px_validate(px_type(type)->st, got, used, ver, !wide, &why))
        fail_msg("%s %c as returned is invalid: %s", px_type(type)->st->name, wide ? 'W' : 'A',
                 why);
    free(exp);
}

/* ------------------------------------------------------------------ get requests */

struct getcase {
    uint32_t type;
    int aw;         /* the function has A and W forms */
    int variable;   /* the structure has a variable part */
    uint32_t key;   /* what the handler's answer depends on */
    uint8_t in[16]; /* the union's in-fields before the structure */
    uint32_t in_len;
    DWORD ver; /* dwClientAppAPIVersion */
    LONG (*call)(const struct getcase *c, HLINE line, int wide, void *buf);
    HLINE line; /* the requester's line (0: lineGetAgentCaps) */
    DWORD_PTR inst;
};

static LONG call_activity(const struct getcase *c, HLINE line, int wide, void *buf)
{
    return wide ? lineGetAgentActivityListW(line, c->key, buf)
                : lineGetAgentActivityListA(line, c->key, buf);
}

static LONG call_caps(const struct getcase *c, HLINE line, int wide, void *buf)
{
    DWORD dev = line == g_l1 ? 1 : 0;
    return wide ? lineGetAgentCapsW(g_app, dev, c->key, c->ver, buf)
                : lineGetAgentCapsA(g_app, dev, c->key, c->ver, buf);
}

static LONG call_agentgroups(const struct getcase *c, HLINE line, int wide, void *buf)
{
    return wide ? lineGetAgentGroupListW(line, c->key, buf)
                : lineGetAgentGroupListA(line, c->key, buf);
}

static LONG call_status(const struct getcase *c, HLINE line, int wide, void *buf)
{
    return wide ? lineGetAgentStatusW(line, c->key, buf) : lineGetAgentStatusA(line, c->key, buf);
}

static LONG call_groups(const struct getcase *c, HLINE line, int wide, void *buf)
{
    (void)c;
    return wide ? lineGetGroupListW(line, buf) : lineGetGroupListA(line, buf);
}

static LONG call_queues(const struct getcase *c, HLINE line, int wide, void *buf)
{
    GUID g;
    memcpy(&g, c->in, sizeof g);
    return wide ? lineGetQueueListW(line, &g, buf) : lineGetQueueListA(line, &g, buf);
}

static LONG call_info(const struct getcase *c, HLINE line, int wide, void *buf)
{
    (void)wide;
    return lineGetAgentInfo(line, c->key, buf);
}

static LONG call_sessioninfo(const struct getcase *c, HLINE line, int wide, void *buf)
{
    (void)wide;
    return lineGetAgentSessionInfo(line, c->key, buf);
}

static LONG call_sessions(const struct getcase *c, HLINE line, int wide, void *buf)
{
    (void)wide;
    return lineGetAgentSessionList(line, c->key, buf);
}

static LONG call_queueinfo(const struct getcase *c, HLINE line, int wide, void *buf)
{
    (void)wide;
    return lineGetQueueInfo(line, c->key, buf);
}

/* One request of case c with a buffer of total bytes on line 0: checks the
   request, the answer and the reply; returns the buffer. */
static void *get_once(const struct getcase *c, int wide, DWORD total)
{
    const struct px_type *t = px_type(c->type);
    void *buf = vs_alloc(total);
    assert_non_null(buf);
    LONG id = c->call(c, c->line, wide, buf);
    if (id <= 0)
        fail_msg("%s%s: returned 0x%08x, want a request id", t->name, wide ? " W" : " A",
                 (unsigned)id);
    uint32_t len;
    uint8_t *rq = read_req(c->line == g_l3 ? g_h3 : g_h0, c->type, &len);
    LINEPROXYREQUEST e;
    memset(&e, 0, sizeof e);
    e.dwRequestType = c->type;
    memcpy((uint8_t *)&e + PX_HDR, c->in, c->in_len);
    /* the handler writes UTF-16: an A caller's room is doubled */
    vs_put_u32(&e, t->out_off, wide || !c->aw ? total : 2 * total);
    check_req(rq, len, &e, c->ver, NULL, NULL, NULL, 0);
    free(rq);
    expect_resp(c->line == g_l3 ? g_h3 : g_h0, c->type, 0);
    expect_reply(c->line == g_l3 ? g_app20 : g_app, id, 0, c->inst);
    return buf;
}

static void run_get(const struct getcase *c)
{
    const struct px_type *t = px_type(c->type);
    DWORD fixed = px_fixed(t->st, c->ver);
    for (int wide = c->aw ? 0 : 1; wide < 2; wide++) {
        /* room for everything */
        void *buf = get_once(c, wide, BIG);
        assert_struct(c->type, c->key, c->ver, wide || !c->aw, buf, BIG);
        assert_int_equal(vs_get_u32(buf, 4), vs_get_u32(buf, 8));
        free(buf);
        /* exactly the fixed part */
        buf = get_once(c, wide, fixed);
        DWORD needed = vs_get_u32(buf, 4), used = vs_get_u32(buf, 8);
        assert_true(vs_guard_ok(buf, fixed));
        assert_int_equal(vs_get_u32(buf, 0), fixed);
        assert_true(used <= fixed);
        if (!c->variable) {
            assert_struct(c->type, c->key, c->ver, wide || !c->aw, buf, fixed);
            free(buf);
            continue;
        }
        if (needed <= fixed || needed <= used)
            fail_msg("%s %c with dwTotalSize %u: dwNeededSize %u, dwUsedSize %u: want needed > "
                     "total",
                     t->st->name, wide ? 'W' : 'A', (unsigned)fixed, (unsigned)needed,
                     (unsigned)used);
        if (wide || !c->aw) /* the W answer is the handler's, byte for byte */
            assert_struct(c->type, c->key, c->ver, 1, buf, fixed);
        free(buf);
        /* The retry with dwNeededSize gets everything.  A W caller's
           dwNeededSize is exact.  An A caller's is the UTF-8 size when the
           handler's UTF-16 answer was complete, else an upper bound (the
           UTF-8 form of strings it never saw is unknown): the retry then
           reports the exact size, which fits. */
        buf = get_once(c, wide, needed);
        DWORD exact = vs_get_u32(buf, 4);
        assert_int_equal(vs_get_u32(buf, 8), exact);
        if (wide || !c->aw)
            assert_int_equal(exact, needed);
        else if (exact > needed)
            fail_msg("%s A: the retry with dwNeededSize %u needs %u", t->st->name, (unsigned)needed,
                     (unsigned)exact);
        assert_struct(c->type, c->key, c->ver, wide || !c->aw, buf, needed);
        free(buf);
    }
}

#define GETCASE(T, AW, VAR, KEY, CALL)                                                             \
    {                                                                                              \
        LINEPROXYREQUEST_##T, AW, VAR, KEY, {0}, 0, API_HI, CALL, g_l0, INST0                      \
    }

static void put_key(struct getcase *c)
{
    memcpy(c->in, &c->key, 4);
    c->in_len = 4;
}

static void get_agent_activity_list(void **state)
{
    (void)state;
    struct getcase c = GETCASE(GETAGENTACTIVITYLIST, 1, 1, 1, call_activity);
    put_key(&c);
    run_get(&c);
}

static void get_agent_group_list(void **state)
{
    (void)state;
    struct getcase c = GETCASE(GETAGENTGROUPLIST, 1, 1, 2, call_agentgroups);
    put_key(&c);
    run_get(&c);
}

static void get_agent_status(void **state)
{
    (void)state;
    struct getcase c = GETCASE(GETAGENTSTATUS, 1, 1, 0, call_status);
    put_key(&c);
    run_get(&c);
}

static void get_group_list(void **state)
{
    (void)state;
    struct getcase c = GETCASE(GETGROUPLIST, 1, 1, 0, call_groups);
    run_get(&c);
}

static void get_queue_list(void **state)
{
    (void)state;
    struct getcase c = GETCASE(GETQUEUELIST, 1, 1, 0, call_queues);
    GUID g;
    pt_guid(0x77, 1, &g);
    memcpy(c.in, &g, sizeof g);
    c.in_len = sizeof g;
    c.key = g.Data1;
    run_get(&c);
}

static void get_agent_info(void **state)
{
    (void)state;
    struct getcase c = GETCASE(GETAGENTINFO, 0, 0, 0x1007, call_info);
    put_key(&c);
    run_get(&c);
}

static void get_agent_session_info(void **state)
{
    (void)state;
    struct getcase c = GETCASE(GETAGENTSESSIONINFO, 0, 0, 0x3006, call_sessioninfo);
    put_key(&c);
    run_get(&c);
}

static void get_agent_session_list(void **state)
{
    (void)state;
    struct getcase c = GETCASE(GETAGENTSESSIONLIST, 0, 1, 0x1006, call_sessions);
    put_key(&c);
    run_get(&c);
}

static void get_queue_info(void **state)
{
    (void)state;
    struct getcase c = GETCASE(GETQUEUEINFO, 0, 0, 42, call_queueinfo);
    put_key(&c);
    run_get(&c);
}

/* lineGetAgentCaps names hLineApp + device (no open line): dwClientAppAPIVersion
   is its dwAppAPIVersion, and a 2.0 caller gets the 56-byte LINEAGENTCAPS. */
static void get_agent_caps(void **state)
{
    (void)state;
    struct getcase c = GETCASE(GETAGENTCAPS, 1, 1, 2, call_caps);
    put_key(&c);
    c.inst = 0; /* no line: no callback instance */
    run_get(&c);
    c.ver = 0x00020000;
    run_get(&c);
    /* 56 bytes is too small for a 2.2 caller */
    void *buf = vs_alloc(56);
    assert_int_equal(lineGetAgentCapsA(g_app, 0, 0, API_HI, buf), (LONG)LINEERR_STRUCTURETOOSMALL);
    assert_int_equal(lineGetAgentCapsW(g_app, 0, 0, API_HI, buf), (LONG)LINEERR_STRUCTURETOOSMALL);
    free(buf);
}

/* ------------------------------------------------------------------ the others */

static void agent_specific(void **state)
{
    (void)state;
    uint8_t params[37], orig[37];
    for (unsigned i = 0; i < sizeof params; i++)
        params[i] = orig[i] = (uint8_t)(i * 7 + 250);
    LONG id = lineAgentSpecific(g_l0, 2, 3, params, sizeof params);
    assert_true(id > 0);
    uint32_t len;
    uint8_t *rq = read_req(g_h0, LINEPROXYREQUEST_AGENTSPECIFIC, &len);
    LINEPROXYREQUEST e;
    memset(&e, 0, sizeof e);
    e.dwRequestType = LINEPROXYREQUEST_AGENTSPECIFIC;
    e.AgentSpecific.dwAddressID = 2;
    e.AgentSpecific.dwAgentExtensionIDIndex = 3;
    e.AgentSpecific.dwSize = sizeof params;
    check_req(rq, len, &e, API_HI, NULL, NULL, orig, sizeof orig);
    free(rq);
    expect_resp(g_h0, LINEPROXYREQUEST_AGENTSPECIFIC, 0);
    expect_reply(g_app, id, 0, INST0);
    for (unsigned i = 0; i < sizeof params; i++)
        assert_int_equal(params[i], (uint8_t)(orig[i] + 1));

    /* no parameter block at all */
    id = lineAgentSpecific(g_l0, 0, 0, NULL, 0);
    assert_true(id > 0);
    rq = read_req(g_h0, LINEPROXYREQUEST_AGENTSPECIFIC, &len);
    e.AgentSpecific.dwAddressID = 0;
    e.AgentSpecific.dwAgentExtensionIDIndex = 0;
    e.AgentSpecific.dwSize = 0;
    check_req(rq, len, &e, API_HI, NULL, NULL, NULL, 0);
    free(rq);
    expect_resp(g_h0, LINEPROXYREQUEST_AGENTSPECIFIC, 0);
    expect_reply(g_app, id, 0, INST0);
}

static LONG create_agent(int wide, const char *id8, const char *pin8, HAGENT *h)
{
    if (!wide)
        return lineCreateAgentA(g_l0, id8, pin8, h);
    WCHAR *id16 = pt_w(id8), *pin16 = pt_w(pin8);
    LONG rc = lineCreateAgentW(g_l0, id16, pin16, h);
    free(id16);
    free(pin16);
    return rc;
}

static void create_agent_aw(void **state)
{
    (void)state;
    static const char *const ids[][2] = {
        {"J\xC3\xBCrgen", "1234"},
        {"\xF0\x9F\x8E\xA7 agent", "\xE2\x82\xAC\xE2\x82\xAC"},
        {"agent-7", NULL},
        {NULL, NULL},
        {"", ""},
    };
    for (int wide = 0; wide < 2; wide++) {
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
            HAGENT h = 0xAAAAAAAAu;
            LONG id = create_agent(wide, ids[i][0], ids[i][1], &h);
            if (id <= 0)
                fail_msg("lineCreateAgent%c(\"%s\") = 0x%08x", wide ? 'W' : 'A',
                         ids[i][0] ? ids[i][0] : "(null)", (unsigned)id);
            uint32_t len;
            uint8_t *rq = read_req(g_h0, LINEPROXYREQUEST_CREATEAGENT, &len);
            LINEPROXYREQUEST e;
            memset(&e, 0, sizeof e);
            e.dwRequestType = LINEPROXYREQUEST_CREATEAGENT;
            check_req(rq, len, &e, API_HI, ids[i][0], ids[i][1], NULL, 0);
            free(rq);
            expect_resp(g_h0, LINEPROXYREQUEST_CREATEAGENT, 0);
            expect_reply(g_app, id, 0, INST0);
            assert_int_equal(h, pt_agent_handle(ids[i][0]));
        }
    }
    /* invalid UTF-8 from an A caller never reaches anybody */
    HAGENT h = 0;
    assert_int_equal(lineCreateAgentA(g_l0, "bad \xFF", NULL, &h), (LONG)LINEERR_INVALPARAM);
    assert_int_equal(lineCreateAgentA(g_l0, "ok", "\xC3", &h), (LONG)LINEERR_INVALPARAM);
}

static void create_agent_session_aw(void **state)
{
    (void)state;
    static const char *const pins[] = {"4321", "\xC3\x9c\xE2\x82\xAC", NULL};
    for (int wide = 0; wide < 2; wide++) {
        for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
            GUID g;
            pt_guid(0x55, (unsigned)i, &g);
            HAGENTSESSION hs = 0xAAAAAAAAu;
            HAGENT ha = 0x1006 + (HAGENT)i;
            LONG id;
            if (wide) {
                WCHAR *pin = pt_w(pins[i]);
                id = lineCreateAgentSessionW(g_l0, ha, pin, 2, &g, &hs);
                free(pin);
            } else {
                id = lineCreateAgentSessionA(g_l0, ha, pins[i], 2, &g, &hs);
            }
            assert_true(id > 0);
            uint32_t len;
            uint8_t *rq = read_req(g_h0, LINEPROXYREQUEST_CREATEAGENTSESSION, &len);
            LINEPROXYREQUEST e;
            memset(&e, 0, sizeof e);
            e.dwRequestType = LINEPROXYREQUEST_CREATEAGENTSESSION;
            e.CreateAgentSession.hAgent = ha;
            e.CreateAgentSession.GroupID = g;
            e.CreateAgentSession.dwWorkingAddressID = 2;
            check_req(rq, len, &e, API_HI, pins[i], NULL, NULL, 0);
            free(rq);
            expect_resp(g_h0, LINEPROXYREQUEST_CREATEAGENTSESSION, 0);
            expect_reply(g_app, id, 0, INST0);
            assert_int_equal(hs, 0x2000 + ha);
        }
    }
}

/* A request whose only output is its result. */
static void plain(LONG id, const LINEPROXYREQUEST *e, LONG result)
{
    if (id <= 0)
        fail_msg("type %u: returned 0x%08x, want a request id", (unsigned)e->dwRequestType,
                 (unsigned)id);
    uint32_t len;
    uint8_t *rq = read_req(g_h0, e->dwRequestType, &len);
    check_req(rq, len, e, API_HI, NULL, NULL, NULL, 0);
    free(rq);
    expect_resp(g_h0, e->dwRequestType, 0);
    expect_reply(g_app, id, result, INST0);
}

static void set_requests(void **state)
{
    (void)state;
    LINEPROXYREQUEST e;
#define E(T) (memset(&e, 0, sizeof e), e.dwRequestType = LINEPROXYREQUEST_##T)
    E(SETAGENTSTATE);
    e.SetAgentState.dwAddressID = 1;
    e.SetAgentState.dwAgentState = LINEAGENTSTATE_READY;
    e.SetAgentState.dwNextAgentState = LINEAGENTSTATE_NOTREADY;
    plain(lineSetAgentState(g_l0, 1, LINEAGENTSTATE_READY, LINEAGENTSTATE_NOTREADY), &e, 0);

    E(SETAGENTACTIVITY);
    e.SetAgentActivity.dwAddressID = 2;
    e.SetAgentActivity.dwActivityID = 77;
    plain(lineSetAgentActivity(g_l0, 2, 77), &e, 0);

    E(SETAGENTMEASUREMENTPERIOD);
    e.SetAgentMeasurementPeriod.hAgent = 0x1234;
    e.SetAgentMeasurementPeriod.dwMeasurementPeriod = 30;
    plain(lineSetAgentMeasurementPeriod(g_l0, 0x1234, 30), &e, 0);
    e.SetAgentMeasurementPeriod.dwMeasurementPeriod = 0;
    plain(lineSetAgentMeasurementPeriod(g_l0, 0x1234, 0), &e, (LONG)LINEERR_INVALPARAM);

    E(SETAGENTSESSIONSTATE);
    e.SetAgentSessionState.hAgentSession = 0x3006;
    e.SetAgentSessionState.dwAgentSessionState = LINEAGENTSESSIONSTATE_READY;
    e.SetAgentSessionState.dwNextAgentSessionState = LINEAGENTSESSIONSTATE_NOTREADY;
    plain(lineSetAgentSessionState(g_l0, 0x3006, LINEAGENTSESSIONSTATE_READY,
                                   LINEAGENTSESSIONSTATE_NOTREADY),
          &e, 0);

    E(SETAGENTSTATEEX);
    e.SetAgentStateEx.hAgent = 0x1007;
    e.SetAgentStateEx.dwAgentState = LINEAGENTSTATEEX_READY;
    e.SetAgentStateEx.dwNextAgentState = 0;
    plain(lineSetAgentStateEx(g_l0, 0x1007, LINEAGENTSTATEEX_READY, 0), &e, 0);

    E(SETQUEUEMEASUREMENTPERIOD);
    e.SetQueueMeasurementPeriod.dwQueueID = 42;
    e.SetQueueMeasurementPeriod.dwMeasurementPeriod = 15;
    plain(lineSetQueueMeasurementPeriod(g_l0, 42, 15), &e, 0);
    e.SetQueueMeasurementPeriod.dwMeasurementPeriod = 0;
    plain(lineSetQueueMeasurementPeriod(g_l0, 42, 0), &e, (LONG)LINEERR_INVALPARAM);
#undef E
}

/* lineSetAgentGroup: the caller's list travels as it is (only GroupIDs
   matter); NULL means an empty list. */
static void set_agent_group(void **state)
{
    (void)state;
    const DWORD total = 24 + 2 * 24 + 32;
    uint8_t *list = calloc(1, total);
    assert_non_null(list);
    LINEAGENTGROUPLIST *gl = (LINEAGENTGROUPLIST *)list;
    gl->dwTotalSize = gl->dwNeededSize = gl->dwUsedSize = total;
    gl->dwNumEntries = 2;
    gl->dwListSize = 2 * 24;
    gl->dwListOffset = 24;
    LINEAGENTGROUPENTRY *ent = (LINEAGENTGROUPENTRY *)(list + 24);
    for (int k = 0; k < 2; k++) {
        GUID g;
        pt_guid(0x99, (unsigned)k, &g);
        memcpy(&ent[k].GroupID, &g, 16);
        ent[k].dwNameSize = 8;
        ent[k].dwNameOffset = 72 + 8 * (DWORD)k;
        memcpy(list + 72 + 8 * k, k ? "Support" : "Sales\0\0", 8);
    }
    LINEPROXYREQUEST e;
    memset(&e, 0, sizeof e);
    e.dwRequestType = LINEPROXYREQUEST_SETAGENTGROUP;
    e.SetAgentGroup.dwAddressID = 1;
    LONG id = lineSetAgentGroup(g_l0, 1, gl);
    assert_true(id > 0);
    uint32_t len;
    uint8_t *rq = read_req(g_h0, LINEPROXYREQUEST_SETAGENTGROUP, &len);
    check_req(rq, len, &e, API_HI, NULL, NULL, list, total);
    free(rq);
    expect_resp(g_h0, LINEPROXYREQUEST_SETAGENTGROUP, 0);
    expect_reply(g_app, id, 0, INST0);

    /* NULL: log out of every group, an empty list */
    static const DWORD empty[6] = {24, 24, 24, 0, 0, 0};
    e.SetAgentGroup.dwAddressID = 0;
    id = lineSetAgentGroup(g_l0, 0, NULL);
    assert_true(id > 0);
    rq = read_req(g_h0, LINEPROXYREQUEST_SETAGENTGROUP, &len);
    check_req(rq, len, &e, API_HI, NULL, NULL, empty, sizeof empty);
    free(rq);
    expect_resp(g_h0, LINEPROXYREQUEST_SETAGENTGROUP, 0);
    expect_reply(g_app, id, 0, INST0);
    free(list);
}

/* ------------------------------------------------------------------ failure: no output */

/* Line 1's handler writes every output, then answers LINEERR_INVALAGENTID:
   the requester's memory must stay as it was. */
static void expect_failed(LONG id, uint32_t type, DWORD_PTR inst)
{
    char line[256], want[64];
    if (id <= 0)
        fail_msg("type %u on line 1: returned 0x%08x, want a request id", (unsigned)type,
                 (unsigned)id);
    snprintf(want, sizeof want, "GOT %u", (unsigned)type);
    if (pt_expect(g_h1, want, line, sizeof line, REPLY_MS))
        fail_msg("failing handler: expected \"%s\", got \"%s\"", want, line);
    snprintf(want, sizeof want, "RESP %u 0x00000000", (unsigned)type);
    if (pt_expect(g_h1, want, line, sizeof line, REPLY_MS))
        fail_msg("failing handler: expected \"%s\", got \"%s\"", want, line);
    expect_reply(g_app, id, FAIL_RESULT, inst);
}

static void failure_writes_nothing(void **state)
{
    (void)state;
    static const uint32_t gets[] = {
        LINEPROXYREQUEST_GETAGENTCAPS,         LINEPROXYREQUEST_GETAGENTSTATUS,
        LINEPROXYREQUEST_GETAGENTACTIVITYLIST, LINEPROXYREQUEST_GETAGENTGROUPLIST,
        LINEPROXYREQUEST_GETAGENTINFO,         LINEPROXYREQUEST_GETAGENTSESSIONLIST,
        LINEPROXYREQUEST_GETAGENTSESSIONINFO,  LINEPROXYREQUEST_GETQUEUELIST,
        LINEPROXYREQUEST_GETQUEUEINFO,         LINEPROXYREQUEST_GETGROUPLIST};
    GUID g;
    pt_guid(1, 1, &g);
    for (int wide = 0; wide < 2; wide++) {
        for (size_t i = 0; i < sizeof gets / sizeof gets[0]; i++) {
            void *buf = vs_alloc(BIG);
            LONG id;
            switch (gets[i]) {
            case LINEPROXYREQUEST_GETAGENTCAPS:
                id = wide ? lineGetAgentCapsW(g_app, 1, 0, API_HI, buf)
                          : lineGetAgentCapsA(g_app, 1, 0, API_HI, buf);
                break;
            case LINEPROXYREQUEST_GETAGENTSTATUS:
                id = wide ? lineGetAgentStatusW(g_l1, 0, buf) : lineGetAgentStatusA(g_l1, 0, buf);
                break;
            case LINEPROXYREQUEST_GETAGENTACTIVITYLIST:
                id = wide ? lineGetAgentActivityListW(g_l1, 0, buf)
                          : lineGetAgentActivityListA(g_l1, 0, buf);
                break;
            case LINEPROXYREQUEST_GETAGENTGROUPLIST:
                id = wide ? lineGetAgentGroupListW(g_l1, 0, buf)
                          : lineGetAgentGroupListA(g_l1, 0, buf);
                break;
            case LINEPROXYREQUEST_GETAGENTINFO:
                id = lineGetAgentInfo(g_l1, 5, buf);
                break;
            case LINEPROXYREQUEST_GETAGENTSESSIONLIST:
                id = lineGetAgentSessionList(g_l1, 5, buf);
                break;
            case LINEPROXYREQUEST_GETAGENTSESSIONINFO:
                id = lineGetAgentSessionInfo(g_l1, 5, buf);
                break;
            case LINEPROXYREQUEST_GETQUEUELIST:
                id = wide ? lineGetQueueListW(g_l1, &g, buf) : lineGetQueueListA(g_l1, &g, buf);
                break;
            case LINEPROXYREQUEST_GETQUEUEINFO:
                id = lineGetQueueInfo(g_l1, 5, buf);
                break;
            default:
                id = wide ? lineGetGroupListW(g_l1, buf) : lineGetGroupListA(g_l1, buf);
                break;
            }
            expect_failed(id, gets[i], gets[i] == LINEPROXYREQUEST_GETAGENTCAPS ? 0 : INST1);
            assert_untouched(buf, BIG);
            free(buf);
        }
    }
    HAGENT h = 0xAAAAAAAAu;
    expect_failed(lineCreateAgentA(g_l1, "x", "y", &h), LINEPROXYREQUEST_CREATEAGENT, INST1);
    assert_int_equal(h, 0xAAAAAAAAu);
    WCHAR *w = pt_w("x");
    expect_failed(lineCreateAgentW(g_l1, w, NULL, &h), LINEPROXYREQUEST_CREATEAGENT, INST1);
    assert_int_equal(h, 0xAAAAAAAAu);
    expect_failed(lineCreateAgentSessionA(g_l1, 5, NULL, 0, &g, &h),
                  LINEPROXYREQUEST_CREATEAGENTSESSION, INST1);
    assert_int_equal(h, 0xAAAAAAAAu);
    expect_failed(lineCreateAgentSessionW(g_l1, 5, w, 0, &g, &h),
                  LINEPROXYREQUEST_CREATEAGENTSESSION, INST1);
    assert_int_equal(h, 0xAAAAAAAAu);
    free(w);
    uint8_t params[16];
    memset(params, 0x5A, sizeof params);
    expect_failed(lineAgentSpecific(g_l1, 0, 0, params, sizeof params),
                  LINEPROXYREQUEST_AGENTSPECIFIC, INST1);
    for (unsigned i = 0; i < sizeof params; i++)
        assert_int_equal(params[i], 0x5A);
    /* and the result-only ones carry the handler's result */
    expect_failed(lineSetAgentState(g_l1, 0, LINEAGENTSTATE_READY, 0),
                  LINEPROXYREQUEST_SETAGENTSTATE, INST1);
    expect_failed(lineSetAgentStateEx(g_l1, 5, LINEAGENTSTATEEX_READY, 0),
                  LINEPROXYREQUEST_SETAGENTSTATEEX, INST1);
    expect_failed(lineSetAgentGroup(g_l1, 0, NULL), LINEPROXYREQUEST_SETAGENTGROUP, INST1);
}

/* ------------------------------------------------------------------ TAPI 2.0 */

/* A 2.0 requester on a 2.0 line, served by a 2.0 handler: the eight 2.0
   functions work, dwClientAppAPIVersion is 0x00020000, and the 2.2 ones are
   unavailable at once. */
static void tapi20_line(void **state)
{
    (void)state;
    struct getcase c = {
        LINEPROXYREQUEST_GETAGENTSTATUS, 1, 1, 0, {0}, 4, 0x00020000, call_status, g_l3, INST3};
    void *buf = get_once(&c, 0, BIG);
    assert_struct(c.type, 0, 0x00020000, 0, buf, BIG);
    free(buf);
    c.type = LINEPROXYREQUEST_GETAGENTGROUPLIST;
    c.call = call_agentgroups;
    buf = get_once(&c, 1, BIG);
    assert_struct(c.type, 0, 0x00020000, 1, buf, BIG);
    free(buf);

    LONG id = lineSetAgentState(g_l3, 0, LINEAGENTSTATE_READY, 0);
    assert_true(id > 0);
    uint32_t len;
    uint8_t *rq = read_req(g_h3, LINEPROXYREQUEST_SETAGENTSTATE, &len);
    assert_int_equal(vs_get_u32(rq, 20), 0x00020000);
    free(rq);
    expect_resp(g_h3, LINEPROXYREQUEST_SETAGENTSTATE, 0);
    expect_reply(g_app20, id, 0, INST3);

    HAGENT h;
    GUID g = {0};
    void *b2 = vs_alloc(BIG);
    const LONG un = (LONG)LINEERR_OPERATIONUNAVAIL;
    assert_int_equal(lineCreateAgentA(g_l3, "a", NULL, &h), un);
    assert_int_equal(lineCreateAgentSessionW(g_l3, 1, NULL, 0, &g, &h), un);
    assert_int_equal(lineGetAgentInfo(g_l3, 1, b2), un);
    assert_int_equal(lineGetGroupListA(g_l3, b2), un);
    assert_int_equal(lineSetAgentStateEx(g_l3, 1, 1, 0), un);
    assert_int_equal(lineSetQueueMeasurementPeriod(g_l3, 1, 1), un);
    free(b2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, wd_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(get_agent_activity_list),
        T(get_agent_caps),
        T(get_agent_group_list),
        T(get_agent_info),
        T(get_agent_session_info),
        T(get_agent_session_list),
        T(get_agent_status),
        T(get_group_list),
        T(get_queue_info),
        T(get_queue_list),
        T(agent_specific),
        T(create_agent_aw),
        T(create_agent_session_aw),
        T(set_requests),
        T(set_agent_group),
        T(failure_writes_nothing),
        T(tapi20_line),
    };
    return cmocka_run_group_tests_name("proxy_requests", tests, group_setup, group_teardown);
}
