/*
 * test_faults - hostile peers of tapisrv (DESIGN §9, §5.7):
 *
 * - clients that send garbage, a frame with a garbage body, a truncated
 *   frame and then close, a length beyond max_frame, 0xFFFFFFFF or below
 *   the header, or that send requests and never read: each is disconnected
 *   (its socket sees EOF or a reset; tapisrv holds no socket for it any
 *   more), while a well-behaved app keeps its line and gets every answer;
 *   and after 200 rounds of all of them tapisrv's RSS has not grown by
 *   more than 4 MiB;
 * - a raw proxy handler that answers requests in the name of another line
 *   (the requester's own, another handler's): nothing is completed by that,
 *   the requester gets LINEERR_OPERATIONFAILED (at the proxy timeout), its
 *   buffer and guard bytes untouched, and the server serves on.
 * The other hostile handler outputs (offsets past the end, dwUsedSize >
 * dwTotalSize, strings without NUL) are in test_proxy_failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "proxytest.h"
#include "rawwire.h"
#include "tapitest.h"
#include "varstruct.h"

#define MAX_FRAME 65536u
#define FAILED ((LONG)LINEERR_OPERATIONFAILED)
#define TIMEOUT_MS 1000 /* proxy_timeout_ms */
#define ROUNDS 200
#define RSS_LIMIT_KB 4096

/* The smallest frame and queue limits tapisrv accepts: a client that stops
   reading reaches the queue limit soon. */
static const char config[] = "[server]\nmax_frame = 65536\nmax_queue = 65536\n"
                             "proxy_timeout_ms = 1000\n";

static struct srv *g_srv;
static int g_base_sockets; /* tapisrv's sockets with only the good app connected */
static HLINEAPP g_good;
static HLINE g_good_line;

/* ------------------------------------------------------------------ hostile clients */

enum hostile {
    H_GARBAGE,    /* bytes that are no frame header */
    H_BAD_BODY,   /* HELLO, then a REQUEST header with a body that does not decode */
    H_TRUNCATED,  /* HELLO, then half a frame, then close */
    H_TOO_LONG,   /* a header announcing max_frame + 1 */
    H_ALL_ONES,   /* a header announcing 0xFFFFFFFF */
    H_TOO_SHORT,  /* a header announcing 5 bytes, less than the header */
    H_NO_READING, /* HELLO, then requests, never reading the answers */
    H_COUNT
};

static const char *const hostile_name[H_COUNT] = {
    "garbage",           "bad body", "truncated frame", "length max_frame + 1",
    "length 0xFFFFFFFF", "length 5", "never reads",
};

static void put_header(uint8_t *h, uint32_t len, uint16_t type)
{
    vs_put_u32(h, 0, len);
    vs_put_u16(h, 4, type);
    vs_put_u16(h, 6, 0);
    vs_put_u32(h, 8, 1);
}

/* Deterministic garbage whose header is never valid (nonzero flags). */
static void garbage(uint8_t *p, size_t n, unsigned seed)
{
    uint32_t x = 2463534242u ^ seed;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    p[6] |= 1;
}

/* DEVCAPS requests until the server stops taking them (EPIPE or a reset:
   it has closed the connection).  Returns the number sent, -1 when the
   server still takes them after 100000 (it never gave up on us). */
static long flood_without_reading(struct rawconn *c)
{
    struct w_devcaps d = {.device = 0, .api_version = API_HI, .total = MAX_FRAME / 2, .wide = 1};
    struct wbuf b = {0};
    if (wire_encode(&b, W_DEVCAPS, 2, &d, MAX_FRAME))
        return -1;
    long n;
    for (n = 0; n < 100000; n++) {
        if (poll_fd(c->fd, POLLOUT, now_ms() + 10000) <= 0)
            break;
        if (rw_write(c, b.p, b.len))
            break;
    }
    int err = errno;
    wbuf_free(&b);
    return n < 100000 && (err == EPIPE || err == ECONNRESET) ? n : -1;
}

/* After what the server disconnects for, the client's socket must see the
   end: EOF or a reset, after whatever answers were queued before. */
static int sees_end(int fd)
{
    char buf[65536];
    int64_t deadline = now_ms() + 10000;
    for (;;) {
        if (poll_fd(fd, POLLIN, deadline) <= 0)
            return 0;
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return 1;
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return 0;
    }
}

/* One hostile client, start to end.  Fails the test unless tapisrv drops
   it; returns what it sent for H_NO_READING (requests), else 0. */
static long hostile_client(enum hostile kind, unsigned seed)
{
    struct rawconn c;
    uint8_t buf[256];
    long sent = 0;
    assert_int_equal(rw_connect(&c), 0);
    switch (kind) {
    case H_GARBAGE:
        garbage(buf, sizeof buf, seed);
        assert_int_equal(rw_write(&c, buf, sizeof buf), 0);
        break;
    case H_BAD_BODY:
        assert_int_equal(rw_hello(&c, API_HI, "hostile"), 0);
        garbage(buf, sizeof buf, seed);
        put_header(buf, sizeof buf, W_REQUEST);
        assert_int_equal(rw_write(&c, buf, sizeof buf), 0);
        break;
    case H_TRUNCATED:
        assert_int_equal(rw_hello(&c, API_HI, "hostile"), 0);
        memset(buf, 0, sizeof buf);
        put_header(buf, 100, W_NEGOTIATE);
        assert_int_equal(rw_write(&c, buf, 50), 0);
        /* the rest never comes: the client closes */
        assert_int_equal(shutdown(c.fd, SHUT_WR), 0);
        break;
    case H_TOO_LONG:
    case H_ALL_ONES:
    case H_TOO_SHORT:
        put_header(buf,
                   kind == H_TOO_LONG   ? MAX_FRAME + 1
                   : kind == H_ALL_ONES ? 0xFFFFFFFFu
                                        : 5,
                   W_HELLO);
        assert_int_equal(rw_write(&c, buf, WIRE_HDR), 0);
        break;
    case H_NO_READING:
        assert_int_equal(rw_hello(&c, API_HI, "hostile"), 0);
        sent = flood_without_reading(&c);
        if (sent < 0)
            fail_msg("a client that never reads was not disconnected");
        break;
    default:
        fail();
    }
    if (!sees_end(c.fd))
        fail_msg("client \"%s\": its socket saw no EOF or reset", hostile_name[kind]);
    rw_close(&c);
    /* and tapisrv holds nothing for it */
    int n = proc_wait_sockets(g_srv->pid, g_base_sockets, now_ms() + 10000);
    if (n != g_base_sockets)
        fail_msg("client \"%s\": tapisrv holds %d sockets, want %d", hostile_name[kind], n,
                 g_base_sockets);
    return sent;
}

/* The well-behaved app: a round trip works and no message is queued (no
   LINE_CLOSE, nothing). */
static void good_app_unaffected(void)
{
    LINEDEVCAPS *dc = vs_alloc(4096);
    LINEMESSAGE m;
    assert_non_null(dc);
    assert_int_equal(lineGetDevCapsA(g_good, 0, API_HI, 0, dc), 0);
    assert_true(vs_guard_ok(dc, 4096));
    free(dc);
    LONG rc = lineGetMessage(g_good, &m, 0);
    if (rc == 0)
        fail_msg("the good app got message %u (hDevice %u)", (unsigned)m.dwMessageID,
                 (unsigned)m.hDevice);
}

static void each_hostile_client_is_dropped(void **state)
{
    (void)state;
    for (int k = 0; k < H_COUNT; k++) {
        long sent = hostile_client((enum hostile)k, (unsigned)k);
        if (k == H_NO_READING)
            print_message("        a client that never reads: dropped after %ld requests\n", sent);
        good_app_unaffected();
    }
}

static void memory_stays_bounded(void **state)
{
    (void)state;
    for (int r = 0; r < 5; r++) /* warm-up: the allocator's arenas */
        for (int k = 0; k < H_COUNT; k++)
            hostile_client((enum hostile)k, (unsigned)(r * H_COUNT + k));
    long base = srv_rss_kb(g_srv->pid);
    assert_true(base > 0);
    int64_t t0 = now_ms();
    for (int r = 0; r < ROUNDS; r++) {
        for (int k = 0; k < H_COUNT; k++)
            hostile_client((enum hostile)k, (unsigned)(1000 + r * H_COUNT + k));
        good_app_unaffected();
    }
    long after = srv_rss_kb(g_srv->pid);
    assert_true(after > 0);
    print_message("        %d rounds of %d hostile clients in %lld ms: tapisrv VmRSS %ld kB -> "
                  "%ld kB (%+ld kB, limit +%d kB)\n",
                  ROUNDS, H_COUNT, (long long)(now_ms() - t0), base, after, after - base,
                  RSS_LIMIT_KB);
    if (after > base + RSS_LIMIT_KB && !under_valgrind())
        fail_msg("tapisrv VmRSS grew from %ld kB to %ld kB", base, after);
}

/* ------------------------------------------------------------------ another line's answer */

/* A raw handler on line 5 that answers every request in the name of
   `as`: the server must take none of it as the answer. */
static void answered_as(HLINEAPP a, HLINE l, HLINE as)
{
    char hs[16], why[256], line[256];
    HLINE hh;
    snprintf(hs, sizeof hs, "%u", (unsigned)as);
    struct helper *h = pt_spawn(1, &hh, why, sizeof why, "--dev", "5", "--mode", "good",
                                "--answer-as", hs, (char *)NULL);
    if (!h)
        fail_msg("helper_rawproxy --answer-as %s: %s", hs, why);
    /* a round trip: the served types reached the app's library */
    DWORD v;
    LINEEXTENSIONID ext;
    assert_int_equal(lineNegotiateAPIVersion(a, 5, API_LO, API_HI, &v, &ext), 0);

    void *st = vs_alloc(512);
    HAGENT hx = 0xAAAAAAAAu;
    uint8_t params[16];
    memset(params, 0x5A, sizeof params);
    int64_t t0 = now_ms();
    const uint32_t types[3] = {LINEPROXYREQUEST_GETAGENTSTATUS, LINEPROXYREQUEST_CREATEAGENT,
                               LINEPROXYREQUEST_AGENTSPECIFIC};
    LONG id[3] = {
        lineGetAgentStatusW(l, 0, st),
        lineCreateAgentA(l, "x", NULL, &hx),
        lineAgentSpecific(l, 0, 0, params, sizeof params),
    };
    for (int i = 0; i < 3; i++) {
        assert_true(id[i] > 0);
        char want[32];
        snprintf(want, sizeof want, "SENT %u", (unsigned)types[i]);
        if (pt_expect(h, "GOT ", line, sizeof line, PT_WAIT_MS) ||
            pt_expect(h, "SENT ", line, sizeof line, PT_WAIT_MS) || strcmp(line, want))
            fail_msg("raw handler: \"%s\", want \"%s\"", line, want);
    }
    for (int i = 0; i < 3; i++) {
        LINEMESSAGE m;
        do
            assert_int_equal(pt_next_msg(a, &m, TIMEOUT_MS + PT_WAIT_MS), 0);
        while (m.dwMessageID != LINE_REPLY);
        assert_int_equal((LONG)m.dwParam1, id[i]); /* same timeout: in order */
        if ((LONG)m.dwParam2 != FAILED)
            fail_msg("answered as hLine %u: request %d got 0x%08x, want OPERATIONFAILED",
                     (unsigned)as, i, (unsigned)m.dwParam2);
    }
    int64_t el = now_ms() - t0;
    print_message("        answered as hLine %u: 3 requests failed after %lld ms\n", (unsigned)as,
                  (long long)el);
    assert_true(el >= TIMEOUT_MS - 100); /* by the timeout, not by the answer */
    long i = vs_untouched(st, 512);
    if (i >= 0)
        fail_msg("byte %ld of the requester's buffer was written", i);
    assert_int_equal(hx, 0xAAAAAAAAu);
    for (unsigned j = 0; j < sizeof params; j++)
        assert_int_equal(params[j], 0x5A);
    free(st);
    helper_free(h);
}

static void answer_for_another_line(void **state)
{
    (void)state;
    HLINEAPP a;
    HLINE l, other;
    char why[256];
    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    assert_int_equal(open_monitor(a, 5, &l, 5), 0);
    /* another handler's line */
    struct helper *h6 =
        pt_spawn(0, &other, why, sizeof why, "--dev", "6", "--mode", "silent", (char *)NULL);
    if (!h6)
        fail_msg("helper_handler: %s", why);
    answered_as(a, l, l);
    answered_as(a, l, other);
    /* the server serves on: a proper handler's answer arrives */
    HLINE hh;
    struct helper *h =
        pt_spawn(1, &hh, why, sizeof why, "--dev", "5", "--mode", "good", (char *)NULL);
    if (!h)
        fail_msg("helper_rawproxy: %s", why);
    DWORD v;
    LINEEXTENSIONID ext;
    assert_int_equal(lineNegotiateAPIVersion(a, 5, API_LO, API_HI, &v, &ext), 0);
    void *st = vs_alloc(512);
    LONG id = lineGetAgentStatusW(l, 0, st);
    assert_true(id > 0);
    LINEMESSAGE m;
    do
        assert_int_equal(pt_next_msg(a, &m, PT_WAIT_MS), 0);
    while (m.dwMessageID != LINE_REPLY);
    assert_int_equal((LONG)m.dwParam1, id);
    assert_int_equal(m.dwParam2, 0);
    uint8_t exp[512];
    assert_int_equal(pt_build(LINEPROXYREQUEST_GETAGENTSTATUS, 0, API_HI, 0, exp, 512), 0);
    assert_memory_equal(st, exp, vs_get_u32(exp, 8));
    assert_true(vs_guard_ok(st, 512));
    free(st);
    helper_free(h);
    helper_free(h6);
    assert_int_equal(lineShutdown(a), 0);
    good_app_unaffected();
}

/* ------------------------------------------------------------------ setup */

static int group_setup(void **state)
{
    (void)state;
    watchdog_arm(60, "test_faults group setup");
    g_srv = srv_start_rss(config);
    if (!g_srv)
        return -1;
    if (app_init_event(&g_good, NULL, NULL) || open_monitor(g_good, 0, &g_good_line, 1))
        return -1;
    g_base_sockets = proc_count_sockets(g_srv->pid);
    return g_base_sockets > 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    int rc = 0;
    if (lineShutdown(g_good))
        rc = -1;
    if (srv_stop(g_srv) != 0) {
        fprintf(stderr, "tapisrv did not exit 0 after SIGTERM\n");
        rc = -1;
    }
    srv_free(g_srv);
    return rc;
}

static int test_setup(void **state)
{
    (void)state;
    watchdog_arm(300, "a test_faults test");
    return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, wd_teardown)

int main(void)
{
    /* tapisrv warns about every client it drops on purpose */
    if (!getenv("TAPIX_SRV_LOG_LEVEL") || !strcmp(getenv("TAPIX_SRV_LOG_LEVEL"), "warn"))
        setenv("TAPIX_SRV_LOG_LEVEL", "error", 1);
    const struct CMUnitTest tests[] = {
        T(each_hostile_client_is_dropped),
        T(memory_stays_bounded),
        T(answer_for_another_line),
    };
    return cmocka_run_group_tests_name("faults", tests, group_setup, group_teardown);
}
