/*
 * Unit tests for the server's connection handling and request handlers
 * (src/server/client.c, dispatch.c, opens.c): a real server state and a
 * real client object on one end of a socketpair, the test on the other,
 * the event loop pumped by hand.  No listening socket, no processes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tapi.h>

#include "../../src/server/client.h"
#include "../../src/server/dispatch.h"
#include "log.h"
#include "../../src/server/loop.h"
#include "../../src/server/server.h"
#include "wire.h"

static struct server srv;

/* The test's end of one connection. */
struct peer {
    int fd;
    uint8_t buf[1 << 16];
    size_t len;
    uint32_t seq;
    /* the last frame taken by next_frame() */
    uint8_t frame[1 << 16];
    unsigned type;
    union wire_msg m;
};

static int setup_with(uint32_t max_frame, uint32_t max_queue)
{
    memset(&srv, 0, sizeof srv);
    log_set_level(LOG_ERROR); /* the bad clients below would flood the output */
    if (config_defaults(&srv.cfg) < 0)
        return -1;
    srv.cfg.max_frame = max_frame;
    srv.cfg.max_queue = max_queue;
    return server_init(&srv);
}

static int setup(void **state)
{
    (void)state;
    return setup_with(WIRE_MAX_FRAME_DEFAULT, 64u << 20);
}

static int teardown(void **state)
{
    (void)state;
    server_free(&srv);
    return 0;
}

/* Run the loop until nothing happens any more. */
static void pump(void)
{
    for (int i = 0; i < 10000 && loop_once(&srv, 0) > 0; i++)
        ;
    loop_once(&srv, 0); /* flush what the last batch queued */
}

static struct peer *connect_peer(void)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
    assert_non_null(client_new(&srv, sv[0]));
    struct peer *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->fd = sv[1];
    return p;
}

static void peer_free(struct peer *p)
{
    close(p->fd);
    free(p);
    pump();
}

static void send_raw(struct peer *p, const void *data, size_t len)
{
    const uint8_t *d = data;
    while (len) {
        ssize_t n = write(p->fd, d, len);
        if (n < 0 && errno == EAGAIN) {
            pump();
            continue;
        }
        assert_true(n > 0);
        d += n;
        len -= (size_t)n;
    }
}

/* Send one request; returns its seq. */
static uint32_t send_msg(struct peer *p, unsigned type, const void *msg)
{
    struct wbuf b = {0};
    uint32_t seq = ++p->seq;
    assert_int_equal(wire_encode(&b, type, seq, msg, WIRE_MAX_FRAME_DEFAULT), WIRE_OK);
    send_raw(p, b.p, b.len);
    wbuf_free(&b);
    return seq;
}

/* Read what the server sent.  Returns 1 at EOF, else 0. */
static int fill(struct peer *p)
{
    for (;;) {
        ssize_t n = read(p->fd, p->buf + p->len, sizeof p->buf - p->len);
        if (n > 0) {
            p->len += (size_t)n;
            if (p->len == sizeof p->buf)
                return 0;
            continue;
        }
        if (n == 0)
            return 1;
        if (errno == ECONNRESET)
            return 1;
        assert_int_equal(errno, EAGAIN);
        return 0;
    }
}

/* Take the next frame the server sent into p->frame / p->m; 0 if none. */
static int next_frame(struct peer *p)
{
    pump();
    fill(p);
    if (p->len < WIRE_HDR)
        return 0;
    long len = wire_peek(p->buf, p->len, WIRE_MAX_FRAME_DEFAULT);
    assert_true(len > 0);
    if (p->len < (size_t)len)
        return 0;
    memcpy(p->frame, p->buf, (size_t)len);
    memmove(p->buf, p->buf + len, p->len - (size_t)len);
    p->len -= (size_t)len;
    uint32_t seq;
    assert_int_equal(
        wire_decode(p->frame, (uint32_t)len, WIRE_MAX_FRAME_DEFAULT, &p->type, &seq, &p->m),
        WIRE_OK);
    p->seq = p->type == W_RESULT ? seq : p->seq;
    return 1;
}

/* Wait for the RESULT answering `seq`. */
static const struct w_result *result(struct peer *p, uint32_t seq)
{
    assert_true(next_frame(p));
    assert_int_equal(p->type, W_RESULT);
    uint32_t got = (uint32_t)p->frame[8] | (uint32_t)p->frame[9] << 8 |
                   (uint32_t)p->frame[10] << 16 | (uint32_t)p->frame[11] << 24;
    assert_int_equal(got, seq);
    return &p->m.result;
}

/* The server closed the connection (after whatever it still sent). */
static void assert_dropped(struct peer *p)
{
    pump();
    int eof = fill(p);
    assert_true(eof);
}

static void hello(struct peer *p)
{
    struct w_hello h = {WIRE_MAGIC, WIRE_PROTO, 0x00020002, 1234, wire_str("test app")};
    const struct w_result *r = result(p, send_msg(p, W_HELLO, &h));
    assert_int_equal(r->result, 0);
    assert_int_equal(r->a, 8);
    assert_int_equal(r->b, 0x00020002);
}

static uint32_t req_negotiate(struct peer *p, uint32_t dev, uint32_t lo, uint32_t hi, uint32_t *ver)
{
    struct w_negotiate m = {dev, lo, hi};
    const struct w_result *r = result(p, send_msg(p, W_NEGOTIATE, &m));
    if (ver)
        *ver = r->a;
    if (r->result == 0) {
        static const uint8_t zero[16];
        assert_int_equal(r->data.len, 16);
        assert_memory_equal(r->data.p, zero, 16);
    }
    return r->result;
}

static uint32_t req_open(struct peer *p, uint32_t dev, uint32_t ver, uint32_t ext, uint32_t priv,
                         uint32_t media, uint32_t addr, uint32_t *hline, uint32_t *opened)
{
    struct w_open m = {dev, ver, ext, priv, media, addr, {NULL, 0}};
    const struct w_result *r = result(p, send_msg(p, W_OPEN, &m));
    if (hline)
        *hline = r->a;
    if (opened)
        *opened = r->b;
    return r->result;
}

static uint32_t req_close(struct peer *p, uint32_t hline)
{
    struct w_close m = {hline};
    return result(p, send_msg(p, W_CLOSE, &m))->result;
}

/* ---- the greeting --------------------------------------------------------- */

static void test_hello(void **state)
{
    (void)state;
    struct peer *p = connect_peer();
    hello(p);
    assert_int_equal(srv.nclients, 1);
    struct client *c = list_entry(srv.clients.next, struct client, all);
    assert_string_equal(c->app_name, "test app");
    assert_int_equal(c->app_pid, 1234);
    assert_int_equal(c->uid, getuid()); /* from SO_PEERCRED */
    assert_int_equal(c->peer_pid, getpid());
    assert_non_null(c->user);
    assert_non_null(c->machine);
    peer_free(p);
    assert_int_equal(srv.nclients, 0);
}

static void test_request_before_hello(void **state)
{
    (void)state;
    struct peer *p = connect_peer();
    struct w_negotiate m = {0, 0x00010004, 0x00020002};
    send_msg(p, W_NEGOTIATE, &m);
    assert_dropped(p);
    assert_int_equal(srv.nclients, 0);
    peer_free(p);
}

static void test_second_hello(void **state)
{
    (void)state;
    struct peer *p = connect_peer();
    hello(p);
    struct w_hello h = {WIRE_MAGIC, WIRE_PROTO, 0x00020002, 1, wire_str("again")};
    send_msg(p, W_HELLO, &h);
    assert_dropped(p);
    peer_free(p);
}

static void test_incompatible_hello(void **state)
{
    (void)state;
    const uint32_t bad[][2] = {{0x12345678, WIRE_PROTO}, {WIRE_MAGIC, WIRE_PROTO + 1}};
    for (int i = 0; i < 2; i++) {
        struct peer *p = connect_peer();
        struct w_hello h = {bad[i][0], bad[i][1], 0x00020002, 1, wire_str("old")};
        const struct w_result *r = result(p, send_msg(p, W_HELLO, &h));
        assert_int_equal(r->result, LINEERR_INCOMPATIBLEAPIVERSION);
        assert_int_equal(r->a, WIRE_PROTO);
        assert_dropped(p);
        peer_free(p);
    }
}

/* ---- bad frames end that one connection, nothing else --------------------- */

static void test_bad_frames(void **state)
{
    (void)state;
    struct peer *watcher = connect_peer();
    hello(watcher);
    struct {
        uint8_t bytes[32];
        size_t len;
        int after_hello;
    } cases[] = {
        /* absurd length: rejected from the header alone */
        {{0xFF, 0xFF, 0xFF, 0xFF, W_HELLO, 0, 0, 0, 1, 0, 0, 0}, 12, 0},
        /* length below the header */
        {{5, 0, 0, 0, W_HELLO, 0, 0, 0, 1, 0, 0, 0}, 12, 0},
        /* nonzero flags */
        {{12, 0, 0, 0, W_HELLO, 0, 1, 0, 1, 0, 0, 0}, 12, 0},
        /* unknown type */
        {{12, 0, 0, 0, 0xE7, 0x03, 0, 0, 1, 0, 0, 0}, 12, 0},
        /* HELLO cut short */
        {{16, 0, 0, 0, W_HELLO, 0, 0, 0, 1, 0, 0, 0, 0x54, 0x41, 0x50, 0x58}, 16, 0},
        /* CLOSE with a trailing byte */
        {{17, 0, 0, 0, W_CLOSE, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 9}, 17, 1},
        /* the server's own frame types */
        {{12 + 16, 0, 0, 0, W_RESULT, 0, 0, 0, 2, 0, 0, 0}, 28, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct peer *p = connect_peer();
        if (cases[i].after_hello)
            hello(p);
        send_raw(p, cases[i].bytes, cases[i].len);
        assert_dropped(p);
        assert_int_equal(srv.nclients, 1); /* only the watcher is left */
        peer_free(p);
    }
    /* A STR without its NUL. */
    struct peer *p = connect_peer();
    uint8_t f[] = {12 + 16 + 4 + 3,
                   0,
                   0,
                   0,
                   W_HELLO,
                   0,
                   0,
                   0,
                   1,
                   0,
                   0,
                   0,
                   0x54,
                   0x41,
                   0x50,
                   0x58,
                   1,
                   0,
                   0,
                   0,
                   2,
                   0,
                   2,
                   0,
                   1,
                   0,
                   0,
                   0,
                   3,
                   0,
                   0,
                   0,
                   'a',
                   'b',
                   'c'};
    send_raw(p, f, sizeof f);
    assert_dropped(p);
    peer_free(p);

    assert_int_equal(req_negotiate(watcher, 0, 0x00010004, 0x00020002, NULL), 0);
    peer_free(watcher);
}

/* A frame larger than max_frame is refused from its header, before the
 * server buffers its body. */
static void test_frame_too_big(void **state)
{
    (void)state;
    struct peer *p = connect_peer();
    hello(p);
    uint32_t len = srv.cfg.max_frame + 1;
    uint8_t h[12] = {(uint8_t)len,
                     (uint8_t)(len >> 8),
                     (uint8_t)(len >> 16),
                     (uint8_t)(len >> 24),
                     W_CLOSE,
                     0,
                     0,
                     0,
                     5,
                     0,
                     0,
                     0};
    send_raw(p, h, sizeof h);
    assert_dropped(p);
    peer_free(p);
}

static void test_fragmented(void **state)
{
    (void)state;
    struct peer *p = connect_peer();
    struct wbuf b = {0};
    struct w_hello h = {WIRE_MAGIC, WIRE_PROTO, 0x00020002, 7, wire_str("slow")};
    struct w_devcaps d = {0, 0x00020002, 0, 4096, 1};
    assert_int_equal(wire_encode(&b, W_HELLO, 1, &h, 1u << 20), 0);
    assert_int_equal(wire_encode(&b, W_DEVCAPS, 2, &d, 1u << 20), 0);
    for (size_t i = 0; i < b.len; i++) {
        send_raw(p, b.p + i, 1);
        pump();
    }
    wbuf_free(&b);
    assert_int_equal(result(p, 1)->result, 0);
    const struct w_result *r = result(p, 2);
    assert_int_equal(r->result, 0);
    assert_true(r->data.len > 268);
    peer_free(p);
}

static void test_pipelined(void **state)
{
    (void)state;
    struct peer *p = connect_peer();
    hello(p);
    struct wbuf b = {0};
    enum { N = 1000 };
    for (uint32_t i = 0; i < N; i++) {
        struct w_negotiate m = {i % 10, 0x00010004, 0x00020002};
        assert_int_equal(wire_encode(&b, W_NEGOTIATE, 100 + i, &m, 1u << 20), 0);
    }
    send_raw(p, b.p, b.len);
    wbuf_free(&b);
    for (uint32_t i = 0; i < N; i++) {
        const struct w_result *r = result(p, 100 + i);
        assert_int_equal(r->result, i % 10 < 8 ? 0 : LINEERR_BADDEVICEID);
    }
    peer_free(p);
}

/* ---- requests ------------------------------------------------------------- */

static void test_negotiate(void **state)
{
    (void)state;
    struct peer *p = connect_peer();
    hello(p);
    uint32_t v = 0;
    assert_int_equal(req_negotiate(p, 0, 0x00010004, 0x00020002, &v), 0);
    assert_int_equal(v, 0x00020002);
    assert_int_equal(req_negotiate(p, 7, 0x00010000, 0x00030001, &v), 0);
    assert_int_equal(v, 0x00020002);
    assert_int_equal(req_negotiate(p, 0, 0x00010000, 0x00020000, &v), 0);
    assert_int_equal(v, 0x00020000);
    assert_int_equal(req_negotiate(p, 0, 0x00010004, 0x00010004, &v), 0);
    assert_int_equal(v, 0x00010004);
    assert_int_equal(req_negotiate(p, 8, 0x00010004, 0x00020002, NULL), LINEERR_BADDEVICEID);
    /* the device is checked before the versions */
    assert_int_equal(req_negotiate(p, 8, 5, 1, NULL), LINEERR_BADDEVICEID);
    assert_int_equal(req_negotiate(p, 0, 0x00020002, 0x00010004, NULL),
                     LINEERR_INCOMPATIBLEAPIVERSION);
    assert_int_equal(req_negotiate(p, 0, 0x00010000, 0x00010003, NULL),
                     LINEERR_INCOMPATIBLEAPIVERSION);
    assert_int_equal(req_negotiate(p, 0, 0x00030000, 0x00030001, NULL),
                     LINEERR_INCOMPATIBLEAPIVERSION);
    peer_free(p);
}

static uint32_t req_devcaps(struct peer *p, uint32_t dev, uint32_t ver, uint32_t ext,
                            uint32_t total, uint32_t wide)
{
    struct w_devcaps m = {dev, ver, ext, total, wide};
    const struct w_result *r = result(p, send_msg(p, W_DEVCAPS, &m));
    if (r->result == 0) {
        assert_true(r->data.len >= 12);
        uint32_t tot, used;
        memcpy(&tot, r->data.p, 4);
        memcpy(&used, r->data.p + 8, 4);
        assert_int_equal(tot, total);
        assert_int_equal(used, r->data.len); /* exactly dwUsedSize bytes */
    }
    return r->result;
}

static uint32_t req_addrcaps(struct peer *p, uint32_t dev, uint32_t addr, uint32_t ver,
                             uint32_t ext, uint32_t total)
{
    struct w_addrcaps m = {dev, addr, ver, ext, total, 0};
    return result(p, send_msg(p, W_ADDRCAPS, &m))->result;
}

static void test_caps_requests(void **state)
{
    (void)state;
    struct peer *p = connect_peer();
    hello(p);
    /* Checks in order: device, version, extension version, (address,) size. */
    assert_int_equal(req_devcaps(p, 8, 0x99, 1, 0, 0), LINEERR_BADDEVICEID);
    assert_int_equal(req_devcaps(p, 0, 0x00030000, 1, 0, 0), LINEERR_INCOMPATIBLEAPIVERSION);
    assert_int_equal(req_devcaps(p, 0, 0x00010003, 0, 4096, 0), LINEERR_INCOMPATIBLEAPIVERSION);
    assert_int_equal(req_devcaps(p, 0, 0x00020000, 1, 0, 0), LINEERR_INCOMPATIBLEEXTVERSION);
    assert_int_equal(req_devcaps(p, 0, 0x00020002, 0, 267, 0), LINEERR_STRUCTURETOOSMALL);
    assert_int_equal(req_devcaps(p, 0, 0x00020001, 0, 251, 0), LINEERR_STRUCTURETOOSMALL);
    assert_int_equal(req_devcaps(p, 0, 0x00010004, 0, 239, 0), LINEERR_STRUCTURETOOSMALL);
    assert_int_equal(req_devcaps(p, 0, 0x00020002, 0, 268, 0), 0);
    assert_int_equal(req_devcaps(p, 0, 0x00010004, 0, 240, 1), 0);
    /* A huge dwTotalSize is answered with what is needed, not with 4 GB. */
    assert_int_equal(req_devcaps(p, 7, 0x00020002, 0, 0xFFFFFFFF, 1), 0);
    assert_true(p->m.result.data.len < 1024);

    assert_int_equal(req_addrcaps(p, 8, 5, 0x99, 1, 0), LINEERR_BADDEVICEID);
    assert_int_equal(req_addrcaps(p, 0, 5, 0x99, 1, 0), LINEERR_INCOMPATIBLEAPIVERSION);
    assert_int_equal(req_addrcaps(p, 0, 5, 0x00020000, 1, 0), LINEERR_INCOMPATIBLEEXTVERSION);
    assert_int_equal(req_addrcaps(p, 0, 1, 0x00020000, 0, 0), LINEERR_INVALADDRESSID);
    assert_int_equal(req_addrcaps(p, 0, 0, 0x00020000, 0, 227), LINEERR_STRUCTURETOOSMALL);
    assert_int_equal(req_addrcaps(p, 0, 0, 0x00010004, 0, 179), LINEERR_STRUCTURETOOSMALL);
    assert_int_equal(req_addrcaps(p, 0, 0, 0x00010004, 0, 180), 0);
    assert_int_equal(p->m.result.data.len, 180);
    assert_int_equal(req_addrcaps(p, 3, 0, 0x00020002, 0, 1000), 0);
    peer_free(p);
}

static void test_open_errors(void **state)
{
    (void)state;
    struct peer *p = connect_peer();
    hello(p);
    const uint32_t V = 0x00020002, IV = LINEMEDIAMODE_INTERACTIVEVOICE;
    const struct {
        uint32_t dev, ver, ext, priv, media, addr, want;
    } t[] = {
        {8, V, 0, 2, 0, 0, LINEERR_BADDEVICEID},
        {8, 1, 1, 0, 0, 0, LINEERR_BADDEVICEID},
        {0, 0x00010003, 0, 2, 0, 0, LINEERR_INCOMPATIBLEAPIVERSION},
        {0, 0x00020003, 0, 2, 0, 0, LINEERR_INCOMPATIBLEAPIVERSION},
        {0, V, 1, 2, 0, 0, LINEERR_INCOMPATIBLEEXTVERSION},
        {0, V, 0, 0, 0, 0, LINEERR_INVALPRIVSELECT},
        {0, V, 0, 3, 0, 0, LINEERR_INVALPRIVSELECT},
        {0, V, 0, 5, IV, 0, LINEERR_INVALPRIVSELECT},
        {0, V, 0, 8, 0, 0, LINEERR_INVALPRIVSELECT},
        {0, V, 0, LINEOPENOPTION_PROXY, 0, 0, LINEERR_INVALPRIVSELECT},
        /* a proxy needs 2.0, then a list of types (tests/unit/test_srv_proxy.c) */
        {0, 0x00010004, 0, LINEOPENOPTION_PROXY | 1, 0, 0, LINEERR_INVALPRIVSELECT},
        {0, V, 0, LINEOPENOPTION_PROXY | 1, 0, 0, LINEERR_INVALPARAM},
        {0, V, 0, 4, 0, 0, LINEERR_INVALMEDIAMODE},
        {0, V, 0, 6, LINEMEDIAMODE_DATAMODEM, 0, LINEERR_INVALMEDIAMODE},
        {0, V, 0, 4, IV | LINEMEDIAMODE_G3FAX, 0, LINEERR_INVALMEDIAMODE},
        {0, V, 0, LINEOPENOPTION_SINGLEADDRESS | 2, 0, 1, LINEERR_INVALADDRESSID},
        {LINEMAPPER, V, 0, 4, LINEMEDIAMODE_G3FAX, 0, LINEERR_LINEMAPPERFAILED},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint32_t r =
            req_open(p, t[i].dev, t[i].ver, t[i].ext, t[i].priv, t[i].media, t[i].addr, NULL, NULL);
        if (r != t[i].want)
            print_error("case %zu: got %08x want %08x\n", i, r, t[i].want);
        assert_int_equal(r, t[i].want);
    }
    assert_int_equal(srv.opens.count, 0);
    peer_free(p);
}

static void test_open_close(void **state)
{
    (void)state;
    struct peer *a = connect_peer(), *b = connect_peer();
    hello(a);
    hello(b);
    const uint32_t V = 0x00020002, IV = LINEMEDIAMODE_INTERACTIVEVOICE;
    uint32_t h1, h2, h3, h4, dev;
    assert_int_equal(req_open(a, 2, V, 0, LINECALLPRIVILEGE_NONE, 0, 0, &h1, &dev), 0);
    assert_int_equal(dev, 2);
    assert_int_equal(req_open(a, 2, 0x00010004, 0,
                              LINECALLPRIVILEGE_OWNER | LINECALLPRIVILEGE_MONITOR,
                              IV | LINEMEDIAMODE_UNKNOWN, 0, &h2, &dev),
                     0);
    assert_int_equal(req_open(b, LINEMAPPER, V, 0, LINECALLPRIVILEGE_OWNER, IV, 0, &h3, &dev), 0);
    assert_int_equal(dev, 0);
    assert_int_equal(req_open(b, 7, V, 0, LINEOPENOPTION_SINGLEADDRESS | LINECALLPRIVILEGE_MONITOR,
                              0, 0, &h4, &dev),
                     0);
    assert_int_equal(dev, 7);
    /* Handles: nonzero and distinct across connections. */
    assert_true(h1 && h2 && h3 && h4);
    assert_true(h1 != h2 && h1 != h3 && h1 != h4 && h2 != h3 && h2 != h4 && h3 != h4);
    assert_int_equal(srv.opens.count, 4);
    assert_int_equal(srv.opens.lines[2].count, 2);
    struct open *o = opens_find(&srv.opens, h4);
    assert_non_null(o);
    assert_int_equal(o->address_id, 0);
    assert_int_equal(o->privileges, LINECALLPRIVILEGE_MONITOR);
    assert_int_equal(opens_find(&srv.opens, h1)->address_id, OPEN_ALL_ADDRESSES);

    /* Another application's handle is invalid for this one. */
    assert_int_equal(req_close(b, h1), LINEERR_INVALLINEHANDLE);
    assert_int_equal(req_close(a, h1), 0);
    assert_int_equal(req_close(a, h1), LINEERR_INVALLINEHANDLE);
    assert_int_equal(req_close(a, 0), LINEERR_INVALLINEHANDLE);
    assert_int_equal(srv.opens.count, 3);

    /* A closed handle is not handed out again. */
    uint32_t h5;
    assert_int_equal(req_open(a, 2, V, 0, 1, 0, 0, &h5, NULL), 0);
    assert_true(h5 != h1 && h5 != h2 && h5 != h3 && h5 != h4);

    /* lineShutdown closes everything of that application only. */
    struct w_shutdown s = {0};
    assert_int_equal(result(a, send_msg(a, W_SHUTDOWN, &s))->result, 0);
    assert_int_equal(srv.opens.count, 2);
    assert_null(opens_find(&srv.opens, h2));

    /* A dropped connection releases its opens. */
    peer_free(b);
    assert_int_equal(srv.opens.count, 0);
    assert_int_equal(srv.opens.lines[0].count, 0);
    peer_free(a);
}

/* lineShutdown is an application's last word: anything after it ends the
 * connection (and only that one). */
static void test_after_shutdown(void **state)
{
    (void)state;
    struct peer *p = connect_peer(), *other = connect_peer();
    hello(p);
    hello(other);
    assert_int_equal(req_open(p, 0, 0x00020002, 0, 2, 0, 0, NULL, NULL), 0);
    struct w_shutdown s = {0};
    assert_int_equal(result(p, send_msg(p, W_SHUTDOWN, &s))->result, 0);
    assert_int_equal(srv.opens.count, 0);
    struct w_negotiate m = {0, 0x00010004, 0x00020002};
    send_msg(p, W_NEGOTIATE, &m);
    assert_dropped(p);
    assert_int_equal(srv.nclients, 1);
    assert_int_equal(req_negotiate(other, 0, 0x00010004, 0x00020002, NULL), 0);
    peer_free(p);
    peer_free(other);
}

/* Server stop: every open line of every client gets LINE_CLOSE. */
static void test_stop_sends_line_close(void **state)
{
    (void)state;
    struct peer *a = connect_peer(), *b = connect_peer();
    hello(a);
    hello(b);
    uint32_t h1, h2, h3;
    assert_int_equal(req_open(a, 0, 0x00020002, 0, 2, 0, 0, &h1, NULL), 0);
    assert_int_equal(req_open(a, 1, 0x00020002, 0, 2, 0, 0, &h2, NULL), 0);
    assert_int_equal(req_open(b, 1, 0x00020002, 0, 2, 0, 0, &h3, NULL), 0);
    clients_stop_input(&srv);
    dispatch_stop(&srv);
    uint32_t seen = 0;
    while (next_frame(a)) {
        assert_int_equal(a->type, W_EVENT);
        assert_int_equal(a->m.event.msg, LINE_CLOSE);
        seen |= a->m.event.hdevice == h1 ? 1u : a->m.event.hdevice == h2 ? 2u : 4u;
    }
    assert_int_equal(seen, 3);
    assert_true(next_frame(b));
    assert_int_equal(b->type, W_EVENT);
    assert_int_equal(b->m.event.msg, LINE_CLOSE);
    assert_int_equal(b->m.event.hdevice, h3);
    assert_false(next_frame(b));
    peer_free(a);
    peer_free(b);
}

/* A client that does not read is disconnected once max_queue is passed;
 * the others go on. */
static void test_queue_limit(void **state)
{
    (void)state;
    server_free(&srv);
    assert_int_equal(setup_with(65536, 65536), 0);
    struct peer *watcher = connect_peer(), *p = connect_peer();
    hello(watcher);
    hello(p);
    int sz = 4096;
    setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    struct w_devcaps m = {0, 0x00020002, 0, 60000, 1};
    struct wbuf b = {0};
    for (int i = 0; i < 64; i++)
        assert_int_equal(wire_encode(&b, W_DEVCAPS, 10, &m, 1u << 20), 0);
    int dropped = 0;
    for (int round = 0; round < 500 && !dropped; round++) {
        ssize_t n = write(p->fd, b.p, b.len);
        if (n < 0 && errno != EAGAIN)
            dropped = 1; /* EPIPE / ECONNRESET: the server hung up */
        pump();
        dropped |= srv.nclients == 1;
    }
    wbuf_free(&b);
    assert_true(dropped);
    assert_int_equal(srv.nclients, 1);
    assert_int_equal(req_negotiate(watcher, 0, 0x00010004, 0x00020002, NULL), 0);
    peer_free(p);
    peer_free(watcher);
}

static void test_many_clients(void **state)
{
    (void)state;
    enum { N = 200 };
    struct peer *p[N];
    for (int i = 0; i < N; i++) {
        p[i] = connect_peer();
        hello(p[i]);
        assert_int_equal(req_open(p[i], (uint32_t)i % 8, 0x00020002, 0, 2, 0, 0, NULL, NULL), 0);
    }
    assert_int_equal(srv.nclients, N);
    assert_int_equal(srv.opens.count, N);
    for (int i = 0; i < N; i++)
        peer_free(p[i]);
    assert_int_equal(srv.nclients, 0);
    assert_int_equal(srv.opens.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_before_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incompatible_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frame_too_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragmented, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipelined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_negotiate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caps_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_after_shutdown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_sends_line_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_clients, setup, teardown),
    };
    return cmocka_run_group_tests_name("srv_proto", tests, NULL, NULL);
}
