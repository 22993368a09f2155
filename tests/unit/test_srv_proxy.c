/*
 * Protocol tests for the server side of the proxy machinery
 * (src/server/proxy.c, requests.c and their hooks in dispatch.c): handler
 * registration and LINE_PROXYSTATUS, the served-type masks, routing a
 * REQUEST to its handler and checking everything an untrusted peer sends,
 * the RESPONSE back, handlers and requesters going away, the proxy
 * timeout, lineProxyMessage's fan-out and lineGetProxyStatus.
 *
 * As in test_srv_proto.c: a real server state, real clients on socketpairs,
 * the test at the other ends, the loop pumped by hand.
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
#include <time.h>
#include <unistd.h>

#include <tapi.h>

#include "../../src/server/client.h"
#include "../../src/server/dispatch.h"
#include "log.h"
#include "../../src/server/loop.h"
#include "../../src/server/requests.h"
#include "../../src/server/server.h"
#include "proxytab.h"
#include "utf.h"
#include "varstruct.h"
#include "wire.h"

#define V14 0x00010004u
#define V20 0x00020000u
#define V21 0x00020001u
#define V22 0x00020002u
#define MON LINECALLPRIVILEGE_MONITOR
#define NONE LINECALLPRIVILEGE_NONE
#define PROXY LINEOPENOPTION_PROXY
#define ACD PX_ACD_MASK
#define BIT(t) (1u << (t))
#define FAILED LINEERR_OPERATIONFAILED

static struct server srv;

/* ---- the test's end of a connection ---------------------------------------- */

#define PEER_BUF (1u << 20)

struct peer {
    int fd;
    uint8_t *buf;
    size_t len;
    uint32_t seq;
    uint8_t *frame; /* the last frame taken by next_frame() */
    unsigned type;
    uint32_t frame_seq;
    union wire_msg m;
};

/* One event as received. */
struct ev {
    uint32_t hdev, msg;
    uint64_t p1, p2, p3;
    uint32_t len;
};

static int setup(void **state)
{
    (void)state;
    memset(&srv, 0, sizeof srv);
    log_set_level(LOG_ERROR); /* the bad peers below would flood the output */
    if (config_defaults(&srv.cfg) < 0)
        return -1;
    return server_init(&srv);
}

static int teardown(void **state)
{
    (void)state;
    server_free(&srv);
    return 0;
}

static void pump(void)
{
    for (int i = 0; i < 10000 && loop_once(&srv, 0) > 0; i++)
        ;
    loop_once(&srv, 0);
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
    p->buf = malloc(PEER_BUF);
    p->frame = malloc(PEER_BUF);
    assert_non_null(p->buf);
    assert_non_null(p->frame);
    p->fd = sv[1];
    return p;
}

static void peer_free(struct peer *p)
{
    if (p->fd >= 0)
        close(p->fd);
    free(p->buf);
    free(p->frame);
    free(p);
    pump();
}

/* Hang up without freeing: the server sees EOF. */
static void hang_up(struct peer *p)
{
    close(p->fd);
    p->fd = -1;
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

static uint32_t send_msg(struct peer *p, unsigned type, const void *msg)
{
    struct wbuf b = {0};
    uint32_t seq = ++p->seq;
    assert_int_equal(wire_encode(&b, type, seq, msg, WIRE_MAX_FRAME_DEFAULT), WIRE_OK);
    send_raw(p, b.p, b.len);
    wbuf_free(&b);
    return seq;
}

/* Read what the server sent.  Returns 1 at EOF. */
static int fill(struct peer *p)
{
    for (;;) {
        ssize_t n = read(p->fd, p->buf + p->len, PEER_BUF - p->len);
        if (n > 0) {
            p->len += (size_t)n;
            if (p->len == PEER_BUF)
                return 0;
            continue;
        }
        if (n == 0 || errno == ECONNRESET)
            return 1;
        assert_int_equal(errno, EAGAIN);
        return 0;
    }
}

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
    assert_int_equal(wire_decode(p->frame, (uint32_t)len, WIRE_MAX_FRAME_DEFAULT, &p->type,
                                 &p->frame_seq, &p->m),
                     WIRE_OK);
    return 1;
}

static const struct w_result *result(struct peer *p, uint32_t seq)
{
    assert_true(next_frame(p));
    assert_int_equal(p->type, W_RESULT);
    assert_int_equal(p->frame_seq, seq);
    return &p->m.result;
}

static void assert_dropped(struct peer *p)
{
    pump();
    assert_true(fill(p));
}

static void no_frame(struct peer *p)
{
    int got = next_frame(p);
    if (got)
        print_error("unexpected frame: type %u msg %#x\n", p->type,
                    p->type == W_EVENT ? p->m.event.msg : 0);
    assert_false(got);
}

static void hello_v(struct peer *p, uint32_t ver)
{
    struct w_hello h = {WIRE_MAGIC, WIRE_PROTO, ver, 4321, wire_str("proxy test")};
    assert_int_equal(result(p, send_msg(p, W_HELLO, &h))->result, 0);
}

static struct peer *app(uint32_t ver)
{
    struct peer *p = connect_peer();
    hello_v(p, ver);
    return p;
}

/* OPEN; with n > 0 as a proxy for the n types.  Returns the result; sets
 * *hline and *mask (the RESULT's served-type mask). */
static uint32_t open_ex(struct peer *p, uint32_t dev, uint32_t ver, uint32_t priv,
                        const uint32_t *types, uint32_t tbytes, uint32_t *hline, uint32_t *mask)
{
    uint8_t blob[256];
    if (tbytes)
        memcpy(blob, types, tbytes);
    struct w_open m = {dev, ver, 0, priv, 0, 0, {tbytes ? blob : NULL, tbytes}};
    const struct w_result *r = result(p, send_msg(p, W_OPEN, &m));
    if (hline)
        *hline = r->a;
    if (mask && r->result == 0) {
        assert_int_equal(r->data.len, 4);
        *mask = vs_get_u32(r->data.p, 0);
    }
    return r->result;
}

/* A plain monitor open; returns the hLine. */
static uint32_t open_plain(struct peer *p, uint32_t dev, uint32_t ver)
{
    uint32_t h = 0;
    assert_int_equal(open_ex(p, dev, ver, MON, NULL, 0, &h, NULL), 0);
    return h;
}

/* A proxy open for the types in `types` (0-terminated); returns the hLine. */
static uint32_t open_proxy(struct peer *p, uint32_t dev, uint32_t ver, const uint32_t *types)
{
    uint32_t n = 0, h = 0;
    while (types[n])
        n++;
    uint32_t r = open_ex(p, dev, ver, NONE | PROXY, types, 4 * n, &h, NULL);
    if (r)
        print_error("proxy open failed: %08x\n", r);
    assert_int_equal(r, 0);
    return h;
}

static uint32_t open_mask(struct peer *p, uint32_t dev, uint32_t ver, uint32_t mask)
{
    uint32_t types[PX_TYPE_MAX + 1], n = 0;
    for (uint32_t t = 1; t <= PX_TYPE_MAX; t++)
        if (mask & BIT(t))
            types[n++] = t;
    types[n] = 0;
    return open_proxy(p, dev, ver, types);
}

static uint32_t req_close(struct peer *p, uint32_t hline)
{
    struct w_close m = {hline};
    return result(p, send_msg(p, W_CLOSE, &m))->result;
}

static void shutdown_app(struct peer *p)
{
    struct w_shutdown s = {0};
    assert_int_equal(result(p, send_msg(p, W_SHUTDOWN, &s))->result, 0);
}

/* Every event p has now (no other frame allowed). */
static size_t events(struct peer *p, struct ev *out, size_t max)
{
    size_t n = 0;
    while (next_frame(p)) {
        assert_int_equal(p->type, W_EVENT);
        assert_true(n < max);
        const struct w_event *e = &p->m.event;
        out[n++] = (struct ev){e->hdevice, e->msg, e->p1, e->p2, e->p3, e->data.len};
    }
    return n;
}

/* Forget whatever events p has. */
static void drain(struct peer *p)
{
    struct ev evs[256];
    events(p, evs, 256);
}

/* Index of the first event (msg, p1) in evs, or -1. */
static long idx(const struct ev *evs, size_t n, uint32_t msg, uint64_t p1)
{
    for (size_t i = 0; i < n; i++)
        if (evs[i].msg == msg && evs[i].p1 == p1)
            return (long)i;
    return -1;
}

/* The events for hdev among evs must be exactly want[0..nw). */
static void expect_for(const struct ev *evs, size_t n, uint32_t hdev, const struct ev *want,
                       size_t nw)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (evs[i].hdev != hdev)
            continue;
        if (k >= nw || evs[i].msg != want[k].msg || evs[i].p1 != want[k].p1 ||
            evs[i].p2 != want[k].p2 || evs[i].p3 != want[k].p3)
            print_error("hLine %u event %zu: msg %#x p1 %#llx p2 %#llx p3 %#llx\n", hdev, k,
                        evs[i].msg, (unsigned long long)evs[i].p1, (unsigned long long)evs[i].p2,
                        (unsigned long long)evs[i].p3);
        assert_true(k < nw);
        assert_int_equal(evs[i].msg, want[k].msg);
        assert_true(evs[i].p1 == want[k].p1);
        assert_true(evs[i].p2 == want[k].p2);
        assert_true(evs[i].p3 == want[k].p3);
        k++;
    }
    assert_int_equal(k, nw);
}

static void expect_event(struct peer *p, uint32_t hdev, uint32_t msg, uint64_t p1, uint64_t p2)
{
    int got = next_frame(p);
    if (!got || p->type != W_EVENT || p->m.event.hdevice != hdev || p->m.event.msg != msg ||
        p->m.event.p1 != p1 || p->m.event.p2 != p2)
        print_error("want event hLine %u msg %#x p1 %#llx p2 %#llx; got %s type %u hLine %u "
                    "msg %#x p1 %#llx p2 %#llx\n",
                    hdev, msg, (unsigned long long)p1, (unsigned long long)p2,
                    got ? "frame" : "nothing", p->type, p->m.event.hdevice, p->m.event.msg,
                    (unsigned long long)p->m.event.p1, (unsigned long long)p->m.event.p2);
    assert_true(got);
    assert_int_equal(p->type, W_EVENT);
    assert_int_equal(p->m.event.hdevice, hdev);
    assert_int_equal(p->m.event.msg, msg);
    assert_true(p->m.event.p1 == p1);
    assert_true(p->m.event.p2 == p2);
}

static void expect_reply(struct peer *p, uint32_t hdev, uint32_t reqid, uint32_t res)
{
    expect_event(p, hdev, LINE_REPLY, reqid, res);
}

/* ---- requests ------------------------------------------------------------------ */

struct body {
    uint8_t b[8192];
    uint32_t len;
};

/* A body of len bytes, zero but dwRequestType. */
static void body_init(struct body *b, uint32_t type, uint32_t len)
{
    memset(b, 0, sizeof *b);
    b->len = len;
    vs_put_u32(b->b, 24, type);
}

/* The body the library sends for a plain request of type t. */
static void body_plain(struct body *b, uint32_t t)
{
    body_init(b, t, PX_HDR + px_type(t)->union_size);
}

/* The body of a "get" request giving `total` bytes of room to a requester
 * of version ver. */
static void body_get(struct body *b, uint32_t t, uint32_t ver, uint32_t total)
{
    const struct px_type *row = px_type(t);
    body_init(b, t, row->out_off + px_fixed(row->st, ver));
    vs_put_u32(b->b, row->out_off, total);
}

/* Append a UTF-16 string at an even offset, pair at pair_off. */
static void body_str(struct body *b, uint32_t pair_off, const char *s)
{
    if (b->len & 1)
        b->len++;
    uint32_t off = b->len, n = 0;
    for (; s[n]; n++)
        vs_put_u16(b->b, off + 2 * n, (uint8_t)s[n]);
    vs_put_u16(b->b, off + 2 * n, 0);
    b->len += 2 * (n + 1);
    vs_put_u32(b->b, pair_off, 2 * (n + 1));
    vs_put_u32(b->b, pair_off + 4, off);
}

static void send_request(struct peer *p, uint32_t hline, uint32_t dev, uint32_t app_ver,
                         uint32_t reqid, uint32_t type, const struct body *b)
{
    struct w_request m = {hline, dev, app_ver, reqid, type, {b ? b->b : NULL, b ? b->len : 0}};
    send_msg(p, W_REQUEST, &m);
}

/* A LINE_PROXYREQUEST as the handler got it. */
struct got {
    uint32_t proxy_id;
    uint32_t len;
    uint8_t *d;
};

static struct got expect_proxyrequest(struct peer *h, uint32_t hline)
{
    int got = next_frame(h);
    if (!got || h->type != W_EVENT || h->m.event.msg != LINE_PROXYREQUEST)
        print_error("no LINE_PROXYREQUEST (%s, msg %#x p2 %#llx)\n", got ? "frame" : "nothing",
                    h->m.event.msg, (unsigned long long)h->m.event.p2);
    assert_true(got);
    assert_int_equal(h->type, W_EVENT);
    assert_int_equal(h->m.event.msg, LINE_PROXYREQUEST);
    assert_int_equal(h->m.event.hdevice, hline);
    assert_true(h->m.event.p1 != 0 && h->m.event.p1 <= UINT32_MAX);
    struct got g = {(uint32_t)h->m.event.p1, h->m.event.data.len, malloc(h->m.event.data.len)};
    assert_non_null(g.d);
    memcpy(g.d, h->m.event.data.p, g.len);
    return g;
}

static void respond(struct peer *h, uint32_t hline, uint32_t proxy_id, uint32_t res,
                    const void *out, uint32_t len)
{
    struct w_response m = {hline, proxy_id, res, {out, len}};
    send_msg(h, W_RESPONSE, &m);
}

/* The requester's user and machine names as the server knows them. */
static const struct client *any_client(void)
{
    return list_entry(srv.clients.next, struct client, all);
}

/* The UTF-16 string at (size, offset) pair pair_off of the request equals s. */
static void assert_str16(const struct got *g, uint32_t pair_off, const char *s)
{
    uint32_t size = vs_get_u32(g->d, pair_off), off = vs_get_u32(g->d, pair_off + 4);
    uint16_t *w = utf8_to_utf16_dup(s, NULL);
    assert_non_null(w);
    size_t units = utf16_len(w);
    assert_int_equal(size, 2 * (units + 1));
    assert_true(off + size <= g->len);
    for (size_t i = 0; i <= units; i++)
        assert_int_equal(vs_get_u16(g->d, off + 2 * (uint32_t)i), w[i]);
    free(w);
}

/* Check the header the server fills in. */
static void check_header(const struct got *g, uint32_t type, uint32_t client_ver)
{
    const struct client *c = any_client();
    assert_int_equal(vs_get_u32(g->d, 0), g->len); /* dwSize */
    assert_int_equal(vs_get_u32(g->d, 20), client_ver);
    assert_int_equal(vs_get_u32(g->d, 24), type);
    uint32_t moff = vs_get_u32(g->d, 8), msize = vs_get_u32(g->d, 4);
    assert_int_equal(moff % 4, 0);
    assert_int_equal(vs_get_u32(g->d, 16), moff + msize); /* user name right after */
    assert_int_equal(vs_get_u32(g->d, 16) + vs_get_u32(g->d, 12), g->len);
    assert_str16(g, 4, c->machine);
    assert_str16(g, 12, c->user);
}

/* A LINEAGENTSTATUS in the room given: one group "Sales", activity "Lunch". */
static uint32_t make_status(uint8_t *buf, uint32_t total)
{
    vs_writer w;
    assert_int_equal(vs_init(&w, buf, total, 56), 0);
    vs_block blk = vs_reserve_list(&w, 12, 16, 1, 24);
    vs_set_u32_in(&w, &blk, 0, 0x11111111);
    vs_append_utf8_as_utf16_in(&w, &blk, 16, "Sales");
    vs_append_utf8_as_utf16(&w, 36, "Lunch");
    vs_set_u32(&w, 24, LINEAGENTSTATE_READY);
    assert_int_equal(vs_finish(&w), 0);
    return vs_get_u32(buf, 8);
}

/* ---- registration ---------------------------------------------------------------- */

static void test_register_errors(void **state)
{
    (void)state;
    struct peer *p = app(V22);
    uint32_t t5[] = {5}, t55[] = {5, 5}, t9[] = {9}, bad0[] = {0}, bad21[] = {21}, mix[] = {2, 21};
    uint8_t three[3] = {5, 0, 0};
    /* Proxies need TAPI 2.0. */
    assert_int_equal(open_ex(p, 0, V14, NONE | PROXY, t5, 4, NULL, NULL), LINEERR_INVALPRIVSELECT);
    /* The type list: empty, not whole DWORDs, unknown types, newer types. */
    assert_int_equal(open_ex(p, 0, V22, NONE | PROXY, NULL, 0, NULL, NULL), LINEERR_INVALPARAM);
    assert_int_equal(open_ex(p, 0, V22, NONE | PROXY, (uint32_t *)(void *)three, 3, NULL, NULL),
                     LINEERR_INVALPARAM);
    assert_int_equal(open_ex(p, 0, V22, NONE | PROXY, t55, 6, NULL, NULL), LINEERR_INVALPARAM);
    assert_int_equal(open_ex(p, 0, V22, NONE | PROXY, bad0, 4, NULL, NULL), LINEERR_INVALPARAM);
    assert_int_equal(open_ex(p, 0, V22, NONE | PROXY, bad21, 4, NULL, NULL), LINEERR_INVALPARAM);
    assert_int_equal(open_ex(p, 0, V22, NONE | PROXY, mix, 8, NULL, NULL), LINEERR_INVALPARAM);
    assert_int_equal(open_ex(p, 0, V20, NONE | PROXY, t9, 4, NULL, NULL), LINEERR_INVALPARAM);
    assert_int_equal(open_ex(p, 0, V21, NONE | PROXY, t9, 4, NULL, NULL), LINEERR_INVALPARAM);
    /* The general checks still come first. */
    assert_int_equal(open_ex(p, 8, V22, NONE | PROXY, t5, 4, NULL, NULL), LINEERR_BADDEVICEID);
    assert_int_equal(open_ex(p, 0, V22, 0 | PROXY, t5, 4, NULL, NULL), LINEERR_INVALPRIVSELECT);
    assert_int_equal(srv.opens.count, 0);
    assert_int_equal(srv.opens.lines[0].mask, 0);

    /* A type is handled once per line, whoever asks again. */
    struct peer *q = app(V22);
    uint32_t a[] = {5, 2, 0}, dup[] = {5, 5, 2, 2};
    uint32_t h, mask;
    assert_int_equal(open_ex(p, 0, V22, NONE | PROXY, dup, sizeof dup, &h, &mask), 0);
    assert_int_equal(mask, BIT(2) | BIT(5)); /* named twice, registered once */
    assert_int_equal(opens_find(&srv.opens, h)->handles, BIT(2) | BIT(5));
    uint32_t t7_5[] = {7, 5}, t2[] = {2};
    assert_int_equal(open_ex(p, 0, V22, NONE | PROXY, a, 8, NULL, NULL), LINEERR_NOTREGISTERED);
    assert_int_equal(open_ex(q, 0, V22, NONE | PROXY, t2, 4, NULL, NULL), LINEERR_NOTREGISTERED);
    /* Nothing of a refused list is registered. */
    assert_int_equal(open_ex(q, 0, V22, NONE | PROXY, t7_5, 8, NULL, NULL), LINEERR_NOTREGISTERED);
    assert_int_equal(srv.opens.lines[0].mask, BIT(2) | BIT(5));
    assert_int_equal(srv.opens.count, 1);
    /* Another line is another matter; the same type there is free. */
    assert_int_equal(open_ex(q, 1, V22, NONE | PROXY, t7_5, 8, NULL, &mask), 0);
    assert_int_equal(mask, BIT(5) | BIT(7));
    /* Freed by lineClose: free again. */
    assert_int_equal(req_close(p, h), 0);
    assert_int_equal(srv.opens.lines[0].mask, 0);
    assert_int_equal(open_ex(q, 0, V20, NONE | PROXY, t2, 4, NULL, &mask), 0);
    assert_int_equal(mask, BIT(2));
    peer_free(p);
    peer_free(q);
}

static void test_register_announces(void **state)
{
    (void)state;
    struct peer *a = app(V22), *b = app(V20), *h = app(V22), *other = app(V22);
    uint32_t a22 = open_plain(a, 0, V22), a20 = open_plain(a, 0, V20);
    uint32_t b22 = open_plain(b, 0, V22); /* 2.2 open of an app that said 2.0 */
    uint32_t h_own = open_plain(h, 0, V22);
    uint32_t other1 = open_plain(other, 1, V22);
    (void)other1;
    uint32_t types[] = {5, 2, 5};
    uint32_t hp, mask;
    assert_int_equal(open_ex(h, 0, V22, NONE | PROXY, types, sizeof types, &hp, &mask), 0);
    assert_int_equal(mask, BIT(2) | BIT(5));

    const uint32_t M = BIT(2) | BIT(5);
    const struct ev full[] = {{0, WIRE_EV_TYPES, M, 0, 0, 0},
                              {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_OPEN, 2, 0, 0},
                              {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_OPEN, 5, 0, 0}};
    struct ev evs[64];
    size_t n = events(a, evs, 64);
    assert_int_equal(n, 4);
    expect_for(evs, n, a22, full, 3);
    expect_for(evs, n, a20, full, 1); /* 2.0 opens learn the mask, no LINE_PROXYSTATUS */
    n = events(b, evs, 64);
    assert_int_equal(n, 3);
    expect_for(evs, n, b22, full, 3); /* the open's version counts, not HELLO's */
    n = events(h, evs, 64);
    assert_int_equal(n, 3);
    expect_for(evs, n, h_own, full, 3); /* the registering app's other open too ... */
    expect_for(evs, n, hp, full, 0);    /* ... but not the registering open */
    no_frame(other);                    /* another line */

    /* Anybody opening the line later learns the mask from the RESULT. */
    uint32_t hl;
    assert_int_equal(open_ex(other, 0, V14, MON, NULL, 0, &hl, &mask), 0);
    assert_int_equal(mask, M);
    assert_int_equal(open_ex(other, 1, V22, MON, NULL, 0, &hl, &mask), 0);
    assert_int_equal(mask, 0);
    no_frame(a);

    /* A second handler for other types: the mask grows. */
    uint32_t t9[] = {9};
    assert_int_equal(open_ex(b, 0, V22, NONE | PROXY, t9, 4, &hl, &mask), 0);
    assert_int_equal(mask, M | BIT(9));
    const struct ev more[] = {{0, WIRE_EV_TYPES, M | BIT(9), 0, 0, 0},
                              {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_OPEN, 9, 0, 0}};
    n = events(h, evs, 64);
    expect_for(evs, n, hp, more, 2); /* the first handler is told */
    expect_for(evs, n, h_own, more, 2);
    n = events(a, evs, 64);
    expect_for(evs, n, a22, more, 2);
    expect_for(evs, n, a20, more, 1);
    peer_free(a);
    peer_free(b);
    peer_free(h);
    peer_free(other);
}

static void test_allopenforacd(void **state)
{
    (void)state;
    struct peer *w = app(V22), *h1 = app(V22), *h2 = app(V22);
    uint32_t w22 = open_plain(w, 0, V22), w20 = open_plain(w, 0, V20);
    /* Twelve of the thirteen, and a type that is not among them. */
    uint32_t last = 0x14;
    uint32_t first = (ACD & ~BIT(last)) | BIT(2);
    uint32_t p1 = open_mask(h1, 0, V22, first);
    struct ev evs[64];
    size_t n = events(w, evs, 64);
    assert_int_equal(n, 1 + 13 + 1); /* TYPES + 13 OPEN to w22, TYPES to w20 */
    for (size_t i = 0; i < n; i++)
        assert_true(evs[i].p1 != LINEPROXYSTATUS_ALLOPENFORACD || evs[i].msg != LINE_PROXYSTATUS);
    /* The thirteenth completes the set: ALLOPENFORACD after its OPEN. */
    uint32_t p2 = open_mask(h2, 0, V22, BIT(last) | BIT(3));
    const struct ev want[] = {{0, WIRE_EV_TYPES, first | BIT(last) | BIT(3), 0, 0, 0},
                              {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_OPEN, 3, 0, 0},
                              {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_OPEN, last, 0, 0},
                              {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_ALLOPENFORACD, 0, 0, 0}};
    n = events(w, evs, 64);
    expect_for(evs, n, w22, want, 4);
    expect_for(evs, n, w20, want, 1);
    n = events(h1, evs, 64);
    expect_for(evs, n, p1, want, 4); /* the other handler is an open of the line too */
    no_frame(h2);

    /* More types once all are there: no second ALLOPENFORACD. */
    struct peer *h3 = app(V22);
    open_mask(h3, 0, V22, BIT(1));
    n = events(w, evs, 64);
    drain(h1);
    drain(h2);
    const uint32_t all = first | BIT(last) | BIT(3) | BIT(1);
    const struct ev one[] = {{0, WIRE_EV_TYPES, all, 0, 0, 0},
                             {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_OPEN, 1, 0, 0}};
    expect_for(evs, n, w22, one, 2);

    /* The thirteenth goes and comes back: CLOSE, then ALLOPENFORACD again. */
    assert_int_equal(req_close(h2, p2), 0);
    const struct ev gone[] = {{0, WIRE_EV_TYPES, all & ~(BIT(last) | BIT(3)), 0, 0, 0},
                              {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_CLOSE, 3, 0, 0},
                              {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_CLOSE, last, 0, 0}};
    n = events(w, evs, 64);
    expect_for(evs, n, w22, gone, 3);
    expect_for(evs, n, w20, gone, 1);
    open_mask(h2, 0, V22, BIT(last));
    const struct ev again[] = {{0, WIRE_EV_TYPES, all & ~BIT(3), 0, 0, 0},
                               {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_OPEN, last, 0, 0},
                               {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_ALLOPENFORACD, 0, 0, 0}};
    n = events(w, evs, 64);
    expect_for(evs, n, w22, again, 3);
    peer_free(w);
    peer_free(h1);
    peer_free(h2);
    peer_free(h3);
}

/* lineClose, lineShutdown and a lost connection all unregister. */
static void test_unregister_announces(void **state)
{
    (void)state;
    struct peer *w = app(V22);
    uint32_t w22 = open_plain(w, 2, V22), w20 = open_plain(w, 2, V20);
    struct ev evs[64];
    for (int how = 0; how < 3; how++) {
        struct peer *h = app(V22);
        uint32_t h_own = open_plain(h, 2, V22);
        uint32_t hp = open_mask(h, 2, V22, BIT(4) | BIT(6));
        drain(h);
        uint32_t hq = open_mask(h, 2, V22, BIT(8));
        events(w, evs, 64);
        events(h, evs, 64);
        const struct ev closed[] = {{0, WIRE_EV_TYPES, BIT(8), 0, 0, 0},
                                    {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_CLOSE, 4, 0, 0},
                                    {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_CLOSE, 6, 0, 0}};
        if (how == 0) {
            assert_int_equal(req_close(h, hp), 0);
            /* the closing app's other opens are told too */
            size_t n = events(h, evs, 64);
            expect_for(evs, n, h_own, closed, 3);
            expect_for(evs, n, hq, closed, 3);
            n = events(w, evs, 64);
            expect_for(evs, n, w22, closed, 3);
            expect_for(evs, n, w20, closed, 1);
            assert_int_equal(srv.opens.lines[2].mask, BIT(8));
            shutdown_app(h);
            no_frame(h); /* an app shutting down hears nothing about itself */
        } else if (how == 1) {
            shutdown_app(h);
            no_frame(h);
        } else {
            hang_up(h);
        }
        if (how != 0) {
            const struct ev all_rev[] = {{0, WIRE_EV_TYPES, BIT(4) | BIT(6), 0, 0, 0},
                                         {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_CLOSE, 8, 0, 0},
                                         {0, WIRE_EV_TYPES, 0, 0, 0, 0},
                                         {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_CLOSE, 4, 0, 0},
                                         {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_CLOSE, 6, 0, 0}};
            size_t n = events(w, evs, 64);
            /* the app's opens go newest first */
            expect_for(evs, n, w22, all_rev, 5);
        } else {
            size_t n = events(w, evs, 64);
            const struct ev last[] = {{0, WIRE_EV_TYPES, 0, 0, 0, 0},
                                      {0, LINE_PROXYSTATUS, LINEPROXYSTATUS_CLOSE, 8, 0, 0}};
            expect_for(evs, n, w22, last, 2);
            expect_for(evs, n, w20, last, 1);
        }
        assert_int_equal(srv.opens.lines[2].mask, 0);
        assert_null(srv.opens.lines[2].handler[4]);
        assert_null(srv.opens.lines[2].handler[8]);
        peer_free(h);
    }
    peer_free(w);
}

/* ---- routing ------------------------------------------------------------------ */

static void test_route_get(void **state)
{
    (void)state;
    struct peer *r = app(0x00030001), *h = app(V22); /* HELLO above 2.2: clamped */
    uint32_t rl = open_plain(r, 0, V20);
    uint32_t hl = open_mask(h, 0, V22, BIT(5));
    events(r, (struct ev[8]){{0}}, 8);
    struct body b;
    body_get(&b, 5, V20, 300);
    vs_put_u32(b.b, 28, 7);               /* dwAddressID */
    vs_put_u32(b.b, 32 + 24, 0xDEADBEEF); /* junk in the structure: not passed on */
    send_request(r, rl, 0, 0, 41, 5, &b);
    struct got g = expect_proxyrequest(h, hl);
    check_header(&g, 5, V22);
    assert_int_equal(vs_get_u32(g.d, 28), 7);
    assert_int_equal(vs_get_u32(g.d, 32), 300); /* the room, and all of it zero */
    for (uint32_t i = 36; i < 32 + 300; i++)
        assert_int_equal(g.d[i], 0);
    assert_int_equal(vs_get_u32(g.d, 8), 332); /* names after the room, 4-aligned */
    struct preq *q = requests_find(&srv, g.proxy_id);
    assert_non_null(q);
    assert_int_equal(q->given, 300);
    no_frame(r);

    /* The answer reaches the requester as it was sent. */
    uint8_t out[300];
    uint32_t used = make_status(out, 300);
    respond(h, hl, g.proxy_id, 0, out, used);
    expect_reply(r, rl, 41, 0);
    assert_int_equal(r->m.event.data.len, used);
    assert_memory_equal(r->m.event.data.p, out, used);
    assert_null(requests_find(&srv, g.proxy_id));
    assert_int_equal(srv.preqs.count, 0);
    /* Answering twice: the second is ignored. */
    respond(h, hl, g.proxy_id, 0, out, used);
    no_frame(r);
    no_frame(h);
    free(g.d);

    /* A structure too small for everything: dwNeededSize says so. */
    body_get(&b, 5, V22, 56);
    send_request(r, rl, 0, 0, 42, 5, &b);
    g = expect_proxyrequest(h, hl);
    uint8_t small[56];
    used = make_status(small, 56);
    assert_int_equal(used, 56);
    assert_true(vs_get_u32(small, 4) > 56);
    respond(h, hl, g.proxy_id, 0, small, used);
    expect_reply(r, rl, 42, 0);
    assert_int_equal(r->m.event.data.len, 56);
    free(g.d);

    /* An error result travels without data. */
    body_get(&b, 5, V22, 100);
    send_request(r, rl, 0, 0, 43, 5, &b);
    g = expect_proxyrequest(h, hl);
    respond(h, hl, g.proxy_id, LINEERR_INVALADDRESSID, out, used);
    expect_reply(r, rl, 43, LINEERR_INVALADDRESSID);
    assert_int_equal(r->m.event.data.len, 0);
    free(g.d);
    peer_free(r);
    peer_free(h);
}

static void test_route_strings_and_handles(void **state)
{
    (void)state;
    struct peer *r = app(V21), *h = app(V22);
    uint32_t rl = open_plain(r, 1, V22);
    uint32_t hl = open_mask(h, 1, V22, BIT(9) | BIT(0xC) | BIT(6) | BIT(1) | BIT(2));
    events(r, (struct ev[16]){{0}}, 16);

    /* CREATEAGENT: two strings, a handle back. */
    struct body b;
    body_plain(&b, 9);
    body_str(&b, 32, "agent7");
    body_str(&b, 40, "1234");
    send_request(r, rl, 0, 0, 1, 9, &b);
    struct got g = expect_proxyrequest(h, hl);
    check_header(&g, 9, V21);                            /* the requester's HELLO version */
    assert_memory_equal(g.d + 28, b.b + 28, b.len - 28); /* the strings, as sent */
    assert_int_equal(vs_get_u32(g.d, 8), (b.len + 3) & ~3u);
    uint8_t handle[4];
    vs_put_u32(handle, 0, 0x4711);
    respond(h, hl, g.proxy_id, 0, handle, 4);
    expect_reply(r, rl, 1, 0);
    assert_int_equal(r->m.event.data.len, 4);
    assert_int_equal(vs_get_u32(r->m.event.data.p, 0), 0x4711);
    free(g.d);

    /* CREATEAGENTSESSION with its PIN absent. */
    body_plain(&b, 0xC);
    vs_put_u32(b.b, 60, 3);
    send_request(r, rl, 0, 0, 2, 0xC, &b);
    g = expect_proxyrequest(h, hl);
    assert_int_equal(vs_get_u32(g.d, 32), 0);
    assert_int_equal(vs_get_u32(g.d, 60), 3);
    respond(h, hl, g.proxy_id, 0, handle, 4);
    expect_reply(r, rl, 2, 0);
    free(g.d);

    /* AGENTSPECIFIC: the parameter block goes and comes back. */
    body_init(&b, 6, 40 + 16);
    vs_put_u32(b.b, 36, 16);
    memset(b.b + 40, 0xAB, 16);
    send_request(r, rl, 0, 0, 3, 6, &b);
    g = expect_proxyrequest(h, hl);
    assert_memory_equal(g.d + 40, b.b + 40, 16);
    uint8_t params[16];
    memset(params, 0xCD, sizeof params);
    respond(h, hl, g.proxy_id, 0, params, 12); /* fewer bytes: fine */
    expect_reply(r, rl, 3, 0);
    assert_int_equal(r->m.event.data.len, 12);
    free(g.d);

    /* SETAGENTGROUP: the app's whole group list, entry names included. */
    body_init(&b, 1, 32 + 24 + 24 + 12);
    uint8_t *gl = b.b + 32;
    vs_put_u32(gl, 0, 60);
    vs_put_u32(gl, 4, 60);
    vs_put_u32(gl, 8, 60);
    vs_put_u32(gl, 12, 1);
    vs_put_u32(gl, 16, 24);
    vs_put_u32(gl, 20, 24);
    vs_put_u32(gl, 24 + 16, 12); /* a name pair the server does not look at */
    vs_put_u32(gl, 24 + 20, 48);
    send_request(r, rl, 0, 0, 4, 1, &b);
    g = expect_proxyrequest(h, hl);
    assert_memory_equal(g.d + 32, gl, 60);
    respond(h, hl, g.proxy_id, 0, "junk", 4); /* a result-only request: out ignored */
    expect_reply(r, rl, 4, 0);
    assert_int_equal(r->m.event.data.len, 0);
    free(g.d);

    /* SETAGENTSTATE: plain. */
    body_plain(&b, 2);
    send_request(r, rl, 0, 0, 5, 2, &b);
    g = expect_proxyrequest(h, hl);
    assert_int_equal(g.len, 40 + (vs_get_u32(g.d, 4) + vs_get_u32(g.d, 12)));
    respond(h, hl, g.proxy_id, LINEERR_INVALAGENTSTATE, NULL, 0);
    expect_reply(r, rl, 5, LINEERR_INVALAGENTSTATE);
    free(g.d);

    /* Proxy ids: distinct and nonzero. */
    uint32_t ids[8];
    for (uint32_t i = 0; i < 8; i++) {
        send_request(r, rl, 0, 0, 10 + i, 2, &b);
        g = expect_proxyrequest(h, hl);
        ids[i] = g.proxy_id;
        for (uint32_t k = 0; k < i; k++)
            assert_true(ids[k] != ids[i]);
        free(g.d);
    }
    assert_int_equal(srv.preqs.count, 8);
    peer_free(r);
    peer_free(h);
}

/* Everything the server refuses before the handler sees it. */
static void test_request_errors(void **state)
{
    (void)state;
    struct peer *r = app(V22), *h = app(V22), *x = app(V22);
    uint32_t r20 = open_plain(r, 0, V20), r22 = open_plain(r, 0, V22);
    uint32_t r_other = open_plain(r, 5, V22);
    uint32_t xl = open_plain(x, 0, V22);
    open_mask(h, 0, V22, BIT(2) | BIT(9));
    events(r, (struct ev[16]){{0}}, 16);
    events(x, (struct ev[16]){{0}}, 16);
    struct body b;
    body_plain(&b, 2);
    /* Another app's line, an unknown line. */
    send_request(r, xl, 0, 0, 1, 2, &b);
    expect_reply(r, 0, 1, LINEERR_INVALLINEHANDLE);
    send_request(r, 0x7FFFFFF0, 0, 0, 2, 2, &b);
    expect_reply(r, 0, 2, LINEERR_INVALLINEHANDLE);
    /* No line is for lineGetAgentCaps only. */
    send_request(r, 0, 0, V22, 3, 2, &b);
    expect_reply(r, 0, 3, LINEERR_INVALPARAM);
    /* Types that do not exist. */
    body_init(&b, 0, 60);
    send_request(r, r22, 0, 0, 4, 0, &b);
    expect_reply(r, r22, 4, LINEERR_INVALPARAM);
    body_init(&b, 21, 60);
    send_request(r, r22, 0, 0, 5, 21, &b);
    expect_reply(r, r22, 5, LINEERR_INVALPARAM);
    /* A 2.2 function on a 2.0 line. */
    body_plain(&b, 9);
    send_request(r, r20, 0, 0, 6, 9, &b);
    expect_reply(r, r20, 6, LINEERR_OPERATIONUNAVAIL);
    /* No handler for the type, or none on that line. */
    body_plain(&b, 3);
    send_request(r, r22, 0, 0, 7, 3, &b);
    expect_reply(r, r22, 7, LINEERR_OPERATIONUNAVAIL);
    body_plain(&b, 2);
    send_request(r, r_other, 0, 0, 8, 2, &b);
    expect_reply(r, r_other, 8, LINEERR_OPERATIONUNAVAIL);
    /* lineGetAgentCaps by device: the device, then the version. */
    body_get(&b, 4, V22, 100);
    send_request(r, 0, 8, V22, 9, 4, &b);
    expect_reply(r, 0, 9, LINEERR_BADDEVICEID);
    send_request(r, 0, 0, V14, 10, 4, &b);
    expect_reply(r, 0, 10, LINEERR_INCOMPATIBLEAPIVERSION);
    send_request(r, 0, 0, 0x00020003, 11, 4, &b);
    expect_reply(r, 0, 11, LINEERR_INCOMPATIBLEAPIVERSION);
    send_request(r, 0, 0, V22, 12, 4, &b); /* nobody handles GETAGENTCAPS */
    expect_reply(r, 0, 12, LINEERR_OPERATIONUNAVAIL);
    no_frame(h);
    assert_int_equal(srv.preqs.count, 0);
    peer_free(r);
    peer_free(h);
    peer_free(x);
}

/* Every body the server must not pass on: LINE_REPLY(INVALPARAM). */
static void test_body_validation(void **state)
{
    (void)state;
    srv.cfg.max_frame = 256u * 1024u; /* the largest room fits the test's buffer */
    struct peer *r = app(V22), *h = app(V22);
    uint32_t rl = open_plain(r, 0, V22), rl20 = open_plain(r, 0, V20);
    uint32_t hl = open_mask(h, 0, V22, BIT(1) | BIT(2) | BIT(4) | BIT(5) | BIT(6) | BIT(9));
    events(r, (struct ev[16]){{0}}, 16);
    const uint32_t room_max = srv.cfg.max_frame - 4096 - 32;
    struct body cases[40];
    uint32_t types[40], lines[40];
    int nc = 0;
#define CASE(t, l) (types[nc] = (t), lines[nc] = (l), &cases[nc++])
    struct body *b;
    /* Short of the header; the wrong dwRequestType. */
    b = CASE(2, rl);
    body_plain(b, 2);
    b->len = 27;
    b = CASE(2, rl);
    body_plain(b, 2);
    vs_put_u32(b->b, 24, 3);
    /* Plain: exactly the union. */
    b = CASE(2, rl);
    body_plain(b, 2);
    b->len++;
    b = CASE(2, rl);
    body_plain(b, 2);
    b->len--;
    /* Output structure: exactly its fixed part, room between fixed and max. */
    b = CASE(5, rl);
    body_get(b, 5, V22, 100);
    b->len++;
    b = CASE(5, rl);
    body_get(b, 5, V22, 100);
    b->len--;
    b = CASE(5, rl);
    body_get(b, 5, V22, 55);
    b = CASE(5, rl);
    body_get(b, 5, V22, room_max + 1);
    b = CASE(5, rl);
    body_get(b, 5, V22, 0xFFFFFFFF);
    b = CASE(4, rl20); /* a 2.0 line's LINEAGENTCAPS is 56 bytes, not 72 */
    body_get(b, 4, V22, 100);
    b = CASE(4, rl);
    body_get(b, 4, V20, 100);
    b = CASE(4, rl); /* room for 2.0's structure, not 2.2's */
    body_get(b, 4, V22, 60);
    /* Strings. */
    b = CASE(9, rl);
    body_plain(b, 9);
    b->len = 47;
    b = CASE(9, rl); /* offset in the fixed part */
    body_plain(b, 9);
    body_str(b, 32, "x");
    vs_put_u32(b->b, 36, 44);
    b = CASE(9, rl); /* beyond the end */
    body_plain(b, 9);
    body_str(b, 40, "pin");
    vs_put_u32(b->b, 40, 10);
    b = CASE(9, rl); /* offset + size wraps */
    body_plain(b, 9);
    body_str(b, 32, "id");
    vs_put_u32(b->b, 32, 0x20);
    vs_put_u32(b->b, 36, 0xFFFFFFF0);
    b = CASE(9, rl); /* odd size */
    body_plain(b, 9);
    body_str(b, 32, "id");
    vs_put_u32(b->b, 32, 5);
    b = CASE(9, rl); /* one byte */
    body_plain(b, 9);
    body_str(b, 32, "id");
    vs_put_u32(b->b, 32, 1);
    b = CASE(9, rl); /* not terminated */
    body_plain(b, 9);
    body_str(b, 40, "pin");
    vs_put_u16(b->b, b->len - 2, 'x');
    /* The group list. */
    b = CASE(1, rl);
    body_init(b, 1, 55);
    vs_put_u32(b->b, 32, 23);
    b = CASE(1, rl); /* dwTotalSize < 24 */
    body_init(b, 1, 56);
    vs_put_u32(b->b, 32, 23);
    b = CASE(1, rl); /* dwTotalSize is not the rest of the body */
    body_init(b, 1, 56);
    vs_put_u32(b->b, 32, 28);
    b = CASE(1, rl);
    body_init(b, 1, 60);
    vs_put_u32(b->b, 32, 24);
    b = CASE(1, rl); /* dwListSize != dwNumEntries * 24 */
    body_init(b, 1, 32 + 48);
    vs_put_u32(b->b, 32, 48);
    vs_put_u32(b->b, 32 + 12, 1);
    vs_put_u32(b->b, 32 + 16, 20);
    vs_put_u32(b->b, 32 + 20, 24);
    b = CASE(1, rl); /* count overflowing 32 bits */
    body_init(b, 1, 32 + 48);
    vs_put_u32(b->b, 32, 48);
    vs_put_u32(b->b, 32 + 12, 0x0AAAAAAB);
    vs_put_u32(b->b, 32 + 16, 8);
    vs_put_u32(b->b, 32 + 20, 24);
    b = CASE(1, rl); /* array in the header */
    body_init(b, 1, 32 + 48);
    vs_put_u32(b->b, 32, 48);
    vs_put_u32(b->b, 32 + 12, 1);
    vs_put_u32(b->b, 32 + 16, 24);
    vs_put_u32(b->b, 32 + 20, 8);
    b = CASE(1, rl); /* array past the end */
    body_init(b, 1, 32 + 48);
    vs_put_u32(b->b, 32, 48);
    vs_put_u32(b->b, 32 + 12, 1);
    vs_put_u32(b->b, 32 + 16, 24);
    vs_put_u32(b->b, 32 + 20, 28);
    b = CASE(1, rl); /* array offset wrapping */
    body_init(b, 1, 32 + 48);
    vs_put_u32(b->b, 32, 48);
    vs_put_u32(b->b, 32 + 12, 1);
    vs_put_u32(b->b, 32 + 16, 24);
    vs_put_u32(b->b, 32 + 20, 0xFFFFFFF8);
    /* The parameter block. */
    b = CASE(6, rl);
    body_init(b, 6, 39);
    b = CASE(6, rl);
    body_init(b, 6, 48);
    vs_put_u32(b->b, 36, 7);
    b = CASE(6, rl);
    body_init(b, 6, 48);
    vs_put_u32(b->b, 36, 9);
    b = CASE(6, rl);
    body_init(b, 6, 40);
    vs_put_u32(b->b, 36, 0xFFFFFFFF);
#undef CASE
    for (int i = 0; i < nc; i++) {
        send_request(r, lines[i], 0, 0, 100 + (uint32_t)i, types[i], &cases[i]);
        int got = next_frame(r);
        if (!got || r->m.event.msg != LINE_REPLY || r->m.event.p2 != LINEERR_INVALPARAM)
            print_error("case %d (type %u) was not refused\n", i, types[i]);
        assert_true(got);
        assert_int_equal(r->m.event.hdevice, lines[i]);
        assert_int_equal(r->m.event.msg, LINE_REPLY);
        assert_true(r->m.event.p1 == 100 + (uint32_t)i);
        assert_true(r->m.event.p2 == LINEERR_INVALPARAM);
    }
    /* The same bodies, made right, pass: the limits are where they should be. */
    struct body ok;
    uint32_t n_ok = 0;
    body_get(&ok, 5, V22, 56);
    send_request(r, rl, 0, 0, 1, 5, &ok), n_ok++;
    body_get(&ok, 5, V22, room_max);
    send_request(r, rl, 0, 0, 2, 5, &ok), n_ok++;
    body_get(&ok, 4, V20, 56);
    send_request(r, rl20, 0, 0, 3, 4, &ok), n_ok++;
    body_init(&ok, 1, 56); /* an empty group list */
    vs_put_u32(ok.b, 32, 24);
    send_request(r, rl, 0, 0, 4, 1, &ok), n_ok++;
    body_init(&ok, 6, 40); /* no parameters */
    send_request(r, rl, 0, 0, 5, 6, &ok), n_ok++;
    body_plain(&ok, 9); /* both strings absent, offsets ignored */
    vs_put_u32(ok.b, 36, 3);
    send_request(r, rl, 0, 0, 6, 9, &ok), n_ok++;
    for (uint32_t i = 0; i < n_ok; i++) {
        struct got g = expect_proxyrequest(h, hl);
        if (i == 1)
            assert_true(g.len > room_max);
        free(g.d);
    }
    no_frame(r);
    peer_free(r);
    peer_free(h);
}

/* lineGetAgentCaps names a device and a version, not a line. */
static void test_agentcaps_by_device(void **state)
{
    (void)state;
    struct peer *r = app(V20), *h = app(V22);
    uint32_t hl = open_mask(h, 3, V20, BIT(4));
    for (uint32_t ver = V20; ver <= V22; ver++) {
        struct body b;
        uint32_t fixed = ver == V22 ? 72 : 56;
        body_get(&b, 4, ver, 200);
        vs_put_u32(b.b, 28, 0); /* dwAddressID */
        send_request(r, 0, 3, ver, 50 + ver, 4, &b);
        struct got g = expect_proxyrequest(h, hl);
        check_header(&g, 4, ver); /* the version of the request, not of HELLO */
        assert_int_equal(vs_get_u32(g.d, 32), 200);
        assert_int_equal(requests_find(&srv, g.proxy_id)->req_version, ver);
        uint8_t caps[200];
        vs_writer w;
        assert_int_equal(vs_init(&w, caps, 200, fixed), 0);
        vs_append_utf8_as_utf16(&w, 12, "tapix ACD");
        vs_set_u32(&w, 20, 0x00020002);
        assert_int_equal(vs_finish(&w), 0);
        respond(h, hl, g.proxy_id, 0, caps, vs_get_u32(caps, 8));
        expect_reply(r, 0, 50 + ver, 0);
        assert_int_equal(r->m.event.data.len, vs_get_u32(caps, 8));
        free(g.d);
    }
    /* The other devices have no handler. */
    struct body b;
    body_get(&b, 4, V22, 200);
    send_request(r, 0, 2, V22, 60, 4, &b);
    expect_reply(r, 0, 60, LINEERR_OPERATIONUNAVAIL);
    /* The requester shutting down orphans it too. */
    send_request(r, 0, 3, V22, 61, 4, &b);
    struct got g = expect_proxyrequest(h, hl);
    shutdown_app(r);
    respond(h, hl, g.proxy_id, LINEERR_RESOURCEUNAVAIL, NULL, 0);
    no_frame(r);
    no_frame(h);
    free(g.d);
    peer_free(r);
    peer_free(h);
}

/* ---- responses -------------------------------------------------------------------- */

static void test_response_validation(void **state)
{
    (void)state;
    struct peer *r = app(V22), *h = app(V22);
    uint32_t rl = open_plain(r, 0, V22);
    uint32_t hl = open_mask(h, 0, V22, BIT(5) | BIT(6) | BIT(9) | BIT(2));
    events(r, (struct ev[16]){{0}}, 16);
    uint8_t good[200] = {0}; /* case 2 sends two bytes past dwUsedSize */
    uint32_t used = make_status(good, 200);
    uint8_t out[256];
    struct body b;
    for (int i = 0; i < 13; i++) {
        uint32_t type = 5, len = used, res = 0;
        memcpy(out, good, sizeof good);
        switch (i) {
        case 0: /* dwTotalSize is not what was given */
            vs_put_u32(out, 0, 199);
            break;
        case 1: /* dwUsedSize is not the length */
            len = used - 2;
            break;
        case 2:
            len = used + 2;
            break;
        case 3: /* shorter than the header */
            len = 8;
            break;
        case 4: /* shorter than the fixed part */
            vs_put_u32(out, 8, 40);
            len = 40;
            break;
        case 5: /* a string not terminated */
            vs_put_u16(out, vs_get_u32(out, 40) + vs_get_u32(out, 36) - 2, 'x');
            break;
        case 6: /* the group array beyond dwUsedSize */
            vs_put_u32(out, 20, used - 10);
            break;
        case 7: /* needed < used */
            vs_put_u32(out, 4, used - 1);
            break;
        case 8: /* a handle is 4 bytes */
            type = 9;
            len = 3;
            break;
        case 9:
            type = 9;
            len = 8;
            break;
        case 10: /* more parameters than asked for */
            type = 6;
            len = 17;
            break;
        case 11: /* not a LINEERR_ value */
            type = 2;
            res = 5;
            break;
        case 12:
            type = 2;
            res = 0x7FFFFFFF;
            break;
        }
        if (type == 5)
            body_get(&b, 5, V22, 200);
        else if (type == 9)
            body_plain(&b, 9);
        else if (type == 6) {
            body_init(&b, 6, 40 + 16);
            vs_put_u32(b.b, 36, 16);
        } else
            body_plain(&b, type);
        send_request(r, rl, 0, 0, 200 + (uint32_t)i, type, &b);
        struct got g = expect_proxyrequest(h, hl);
        respond(h, hl, g.proxy_id, res, out, len);
        int got = next_frame(r);
        if (!got || r->m.event.p2 != FAILED)
            print_error("response case %d was passed on\n", i);
        assert_true(got);
        assert_int_equal(r->m.event.msg, LINE_REPLY);
        assert_true(r->m.event.p1 == 200 + (uint32_t)i);
        assert_true(r->m.event.p2 == FAILED);
        assert_int_equal(r->m.event.data.len, 0);
        assert_null(requests_find(&srv, g.proxy_id)); /* done with */
        free(g.d);
    }
    /* Parameters: exactly dwSize and none at all are fine. */
    for (uint32_t len = 0; len <= 16; len += 16) {
        body_init(&b, 6, 40 + 16);
        vs_put_u32(b.b, 36, 16);
        send_request(r, rl, 0, 0, 300 + len, 6, &b);
        struct got g = expect_proxyrequest(h, hl);
        respond(h, hl, g.proxy_id, 0, out, len);
        expect_reply(r, rl, 300 + len, 0);
        assert_int_equal(r->m.event.data.len, len);
        free(g.d);
    }
    no_frame(h);
    peer_free(r);
    peer_free(h);
}

/* Only the handler's open it went to may answer a request. */
static void test_response_foreign(void **state)
{
    (void)state;
    struct peer *r = app(V22), *h = app(V22), *x = app(V22);
    uint32_t rl = open_plain(r, 0, V22);
    uint32_t hl = open_mask(h, 0, V22, BIT(2));
    uint32_t h2 = open_mask(h, 0, V22, BIT(3)); /* the same app, another open */
    uint32_t xl = open_mask(x, 1, V22, BIT(2));
    events(r, (struct ev[16]){{0}}, 16);
    events(h, (struct ev[16]){{0}}, 16);
    struct body b;
    body_plain(&b, 2);
    send_request(r, rl, 0, 0, 9, 2, &b);
    struct got g = expect_proxyrequest(h, hl);
    respond(x, xl, g.proxy_id, 0, NULL, 0);        /* another app */
    respond(x, hl, g.proxy_id, 0, NULL, 0);        /* another app naming the handler's line */
    respond(h, h2, g.proxy_id, 0, NULL, 0);        /* another line of the handler */
    respond(h, hl, g.proxy_id + 1000, 0, NULL, 0); /* not a pending request */
    no_frame(r);
    assert_non_null(requests_find(&srv, g.proxy_id));
    respond(h, hl, g.proxy_id, 0, NULL, 0);
    expect_reply(r, rl, 9, 0);
    no_frame(h);
    no_frame(x);
    assert_int_equal(srv.nclients, 3); /* nobody was punished */
    free(g.d);
    peer_free(r);
    peer_free(h);
    peer_free(x);
}

/* ---- handlers and requesters going away ---------------------------------------------- */

enum { BY_CLOSE, BY_SHUTDOWN, BY_EOF };

static void handler_gone(int how)
{
    struct peer *r = app(V22), *r2 = app(V22), *h = app(V22);
    uint32_t rl = open_plain(r, 4, V22), r2l = open_plain(r2, 4, V22);
    uint32_t hl = open_mask(h, 4, V22, BIT(2) | BIT(5));
    uint32_t keep = open_mask(h, 4, V22, BIT(3)); /* stays, unless the app goes */
    events(r, (struct ev[16]){{0}}, 16);
    events(r2, (struct ev[16]){{0}}, 16);
    events(h, (struct ev[16]){{0}}, 16);
    struct body b;
    enum { N = 5 };
    for (uint32_t i = 0; i < N; i++) {
        body_plain(&b, 2);
        send_request(i % 2 ? r2 : r, i % 2 ? r2l : rl, 0, 0, 70 + i, 2, &b);
        free(expect_proxyrequest(h, hl).d);
    }
    body_plain(&b, 3);
    send_request(r, rl, 0, 0, 90, 3, &b);
    struct got kept = expect_proxyrequest(h, keep);
    assert_int_equal(srv.preqs.count, N + 1);
    if (how == BY_CLOSE)
        assert_int_equal(req_close(h, hl), 0);
    else if (how == BY_SHUTDOWN)
        shutdown_app(h);
    else
        hang_up(h);
    /* Each request completes, in order, before the line hears that its
     * handler is gone (an app that goes releases its newest open first). */
    struct ev evs[32];
    size_t n = events(r, evs, 32);
    long gone = -1;
    for (size_t i = 0; i < n; i++)
        if (evs[i].msg == WIRE_EV_TYPES && !(evs[i].p1 & BIT(2)))
            gone = (long)i;
    assert_true(gone > 0);
    long prev = -1;
    for (uint32_t i = 0; i < N; i += 2) {
        long at = idx(evs, n, LINE_REPLY, 70 + i);
        assert_true(at > prev && at < gone);
        assert_int_equal(evs[at].hdev, rl);
        assert_true(evs[at].p2 == FAILED);
        prev = at;
    }
    long at90 = idx(evs, n, LINE_REPLY, 90);
    if (how == BY_CLOSE) {
        assert_int_equal(at90, -1); /* its handler is still there */
        assert_int_equal(n, 6);     /* 3 replies, TYPES, 2 x CLOSE */
    } else {
        assert_true(at90 >= 0);
        assert_true(evs[at90].p2 == FAILED);
        assert_int_equal(n, 4 + 2 + 3); /* 4 replies, 2 x TYPES, 3 x CLOSE */
    }
    n = events(r2, evs, 32);
    long a71 = idx(evs, n, LINE_REPLY, 71), a73 = idx(evs, n, LINE_REPLY, 73);
    assert_true(a71 >= 0 && a73 > a71);
    assert_true(evs[a73 + 1].msg == WIRE_EV_TYPES && !(evs[a73 + 1].p1 & BIT(2)));
    assert_true(evs[n - 3].p1 == (how == BY_CLOSE ? BIT(3) : 0));
    if (how == BY_CLOSE) {
        assert_int_equal(srv.preqs.count, 1);
        /* The app's other open still answers its own. */
        respond(h, keep, kept.proxy_id, 0, NULL, 0);
        expect_reply(r, rl, 90, 0);
        /* A late answer for a failed request is ignored. */
        respond(h, hl, kept.proxy_id - 1, 0, NULL, 0);
        no_frame(r);
    }
    if (how == BY_SHUTDOWN)
        no_frame(h);
    assert_int_equal(srv.preqs.count, 0);
    free(kept.d);
    peer_free(r);
    peer_free(r2);
    peer_free(h);
}

static void test_handler_close(void **state)
{
    (void)state;
    handler_gone(BY_CLOSE);
}

static void test_handler_shutdown(void **state)
{
    (void)state;
    handler_gone(BY_SHUTDOWN);
}

static void test_handler_eof(void **state)
{
    (void)state;
    handler_gone(BY_EOF);
}

/* A requester that leaves: the handler's answer is dropped, the handler
 * still answers normally. */
static void test_orphaned_requester(void **state)
{
    (void)state;
    struct peer *h = app(V22);
    uint32_t hl = open_mask(h, 0, V22, BIT(2) | BIT(5));
    struct body b;
    uint8_t out[100];
    uint32_t used = make_status(out, 100);
    for (int how = 0; how < 3; how++) {
        struct peer *r = app(V22);
        uint32_t rl = open_plain(r, 0, V22), rl2 = open_plain(r, 0, V22);
        events(r, (struct ev[16]){{0}}, 16);
        events(h, (struct ev[16]){{0}}, 16);
        body_get(&b, 5, V22, 100);
        send_request(r, rl, 0, 0, 1, 5, &b);
        struct got g1 = expect_proxyrequest(h, hl);
        send_request(r, rl2, 0, 0, 2, 5, &b);
        struct got g2 = expect_proxyrequest(h, hl);
        if (how == 0)
            assert_int_equal(req_close(r, rl), 0);
        else if (how == 1)
            shutdown_app(r);
        else
            hang_up(r);
        assert_int_equal(srv.preqs.count, 2); /* still pending at the handler */
        respond(h, hl, g1.proxy_id, 0, out, used);
        if (how == 0) {
            no_frame(r);
            /* the request on the line still open is answered */
            respond(h, hl, g2.proxy_id, 0, out, used);
            expect_reply(r, rl2, 2, 0);
        } else {
            respond(h, hl, g2.proxy_id, 0, out, used);
            if (how == 1)
                no_frame(r);
        }
        pump();
        assert_int_equal(srv.preqs.count, 0);
        no_frame(h);
        free(g1.d);
        free(g2.d);
        peer_free(r);
    }
    /* A handler asking itself, then closing: nothing is answered to it. */
    uint32_t own = open_plain(h, 0, V22);
    events(h, (struct ev[16]){{0}}, 16);
    body_plain(&b, 2);
    send_request(h, hl, 0, 0, 5, 2, &b);
    struct got g = expect_proxyrequest(h, hl);
    assert_int_equal(req_close(h, hl), 0);
    size_t n = events(h, (struct ev[16]){{0}}, 16);
    assert_int_equal(n, 3); /* TYPES + 2 x CLOSE to `own`, no LINE_REPLY */
    (void)own;
    assert_int_equal(srv.preqs.count, 0);
    free(g.d);
    peer_free(h);
}

/* ---- the timeout ------------------------------------------------------------------ */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void test_timeout(void **state)
{
    (void)state;
    enum { T = 300 };
    srv.cfg.proxy_timeout_ms = T;
    assert_true(config_proxy_timeout_ms(&srv.cfg) == T);
    struct peer *r = app(V22), *h = app(V22);
    uint32_t rl = open_plain(r, 0, V22);
    uint32_t hl = open_mask(h, 0, V22, BIT(2));
    drain(r);
    struct body b;
    body_plain(&b, 2);
    send_request(r, rl, 0, 0, 1, 2, &b);
    struct got g1 = expect_proxyrequest(h, hl);
    sleep_ms(T / 2);
    send_request(r, rl, 0, 0, 2, 2, &b);
    struct got g2 = expect_proxyrequest(h, hl);
    send_request(r, rl, 0, 0, 3, 2, &b);
    struct got g3 = expect_proxyrequest(h, hl);
    respond(h, hl, g3.proxy_id, 0, NULL, 0); /* answered in time */
    expect_reply(r, rl, 3, 0);
    no_frame(r);
    /* The first is due, the second not yet. */
    sleep_ms(T / 2 + T / 6);
    expect_reply(r, rl, 1, FAILED);
    expect_event(h, hl, WIRE_EV_CANCEL, g1.proxy_id, 0);
    no_frame(r);
    no_frame(h);
    assert_int_equal(srv.preqs.count, 1);
    /* A late answer is ignored. */
    respond(h, hl, g1.proxy_id, 0, NULL, 0);
    no_frame(r);
    /* The timer goes again for the second. */
    for (int i = 0; i < 2 * T && srv.preqs.count; i++) {
        sleep_ms(5);
        pump();
    }
    expect_reply(r, rl, 2, FAILED);
    expect_event(h, hl, WIRE_EV_CANCEL, g2.proxy_id, 0);
    assert_int_equal(srv.preqs.count, 0);
    /* And once more from an idle table. */
    send_request(r, rl, 0, 0, 4, 2, &b);
    struct got g4 = expect_proxyrequest(h, hl);
    sleep_ms(T + T / 6);
    expect_reply(r, rl, 4, FAILED);
    expect_event(h, hl, WIRE_EV_CANCEL, g4.proxy_id, 0);
    /* An orphaned request times out quietly for the requester. */
    send_request(r, rl, 0, 0, 5, 2, &b);
    struct got g5 = expect_proxyrequest(h, hl);
    assert_int_equal(req_close(r, rl), 0);
    sleep_ms(T + T / 6);
    expect_event(h, hl, WIRE_EV_CANCEL, g5.proxy_id, 0);
    no_frame(r);
    free(g1.d);
    free(g2.d);
    free(g3.d);
    free(g4.d);
    free(g5.d);
    peer_free(r);
    peer_free(h);
}

/* requests_expire by hand: exactly the requests due. */
static void test_expire_order(void **state)
{
    (void)state;
    struct peer *r = app(V22), *h = app(V22);
    uint32_t rl = open_plain(r, 0, V22);
    uint32_t hl = open_mask(h, 0, V22, BIT(2));
    events(r, (struct ev[16]){{0}}, 16);
    struct body b;
    body_plain(&b, 2);
    uint32_t ids[4];
    for (uint32_t i = 0; i < 4; i++) {
        send_request(r, rl, 0, 0, 10 + i, 2, &b);
        struct got g = expect_proxyrequest(h, hl);
        ids[i] = g.proxy_id;
        requests_find(&srv, g.proxy_id)->deadline_ns = 1000 * (i + 1);
        free(g.d);
    }
    requests_expire(&srv, 2500);
    expect_reply(r, rl, 10, FAILED);
    expect_reply(r, rl, 11, FAILED);
    no_frame(r);
    expect_event(h, hl, WIRE_EV_CANCEL, ids[0], 0);
    expect_event(h, hl, WIRE_EV_CANCEL, ids[1], 0);
    assert_int_equal(srv.preqs.count, 2);
    requests_expire(&srv, 4000);
    expect_reply(r, rl, 12, FAILED);
    expect_reply(r, rl, 13, FAILED);
    assert_int_equal(srv.preqs.count, 0);
    peer_free(r);
    peer_free(h);
}

/* ---- lineProxyMessage ------------------------------------------------------------------ */

static void send_proxymsg(struct peer *p, uint32_t hline, uint32_t hcall, uint32_t msg, uint32_t p1,
                          uint32_t p2, uint32_t p3)
{
    struct w_proxymsg m = {hline, hcall, msg, p1, p2, p3};
    send_msg(p, W_PROXYMSG, &m);
}

static void test_proxymsg(void **state)
{
    (void)state;
    struct peer *a = app(V22), *b = app(V20), *c = app(V22), *h = app(V22);
    uint32_t a22 = open_plain(a, 0, V22), a20 = open_plain(a, 0, V20);
    uint32_t b20 = open_plain(b, 0, V20), b14 = open_plain(b, 0, V14);
    uint32_t c1 = open_plain(c, 1, V22);
    (void)c1;
    uint32_t h_own = open_plain(h, 0, V22);
    uint32_t hl = open_mask(h, 0, V22, BIT(2));
    drain(h);
    uint32_t h20 = open_mask(h, 0, V20, BIT(3)); /* a 2.0 handler */
    drain(h);
    uint32_t hp1 = open_mask(h, 1, V22, BIT(2));
    drain(a);
    drain(b);
    drain(c);
    drain(h);

    /* LINE_AGENTSTATUS (2.0): every open of the line from 2.0 on, but the sender's. */
    send_proxymsg(h, hl, 0, LINE_AGENTSTATUS, 1, LINEAGENTSTATUS_STATE, LINEAGENTSTATE_READY);
    struct ev evs[32];
    const struct ev st[] = {
        {0, LINE_AGENTSTATUS, 1, LINEAGENTSTATUS_STATE, LINEAGENTSTATE_READY, 0}};
    size_t n = events(a, evs, 32);
    assert_int_equal(n, 2);
    expect_for(evs, n, a22, st, 1);
    expect_for(evs, n, a20, st, 1);
    n = events(b, evs, 32);
    assert_int_equal(n, 1);
    expect_for(evs, n, b20, st, 1);
    expect_for(evs, n, b14, st, 0);
    n = events(h, evs, 32);
    assert_int_equal(n, 2);
    expect_for(evs, n, h_own, st, 1);
    expect_for(evs, n, h20, st, 1);
    expect_for(evs, n, hl, st, 0);
    no_frame(c); /* another line */

    /* LINE_GROUPSTATUS (2.2): withheld from opens below 2.2. */
    send_proxymsg(h, hl, 0, LINE_GROUPSTATUS, 0, LINEGROUPSTATUS_NEWGROUP, 0);
    const struct ev gs[] = {{0, LINE_GROUPSTATUS, 0, LINEGROUPSTATUS_NEWGROUP, 0, 0}};
    n = events(a, evs, 32);
    assert_int_equal(n, 1);
    expect_for(evs, n, a22, gs, 1);
    no_frame(b);
    n = events(h, evs, 32);
    assert_int_equal(n, 1);
    expect_for(evs, n, h_own, gs, 1);
    /* the same from the other line's handler reaches that line only */
    send_proxymsg(h, hp1, 0, LINE_QUEUESTATUS, 42, LINEQUEUESTATUS_UPDATEINFO, 0);
    expect_event(c, c1, LINE_QUEUESTATUS, 42, LINEQUEUESTATUS_UPDATEINFO);
    no_frame(a);

    /* Every other case is ignored, and nobody is disconnected. */
    send_proxymsg(a, a22, 0, LINE_AGENTSTATUS, 1, 1, 0); /* not a handler */
    send_proxymsg(h, hl, 5, LINE_AGENTSTATUS, 1, 1, 0);  /* a call handle */
    send_proxymsg(h, hl, 0, LINE_REPLY, 1, 1, 0);        /* not a proxy's message */
    send_proxymsg(h, hl, 0, LINE_PROXYSTATUS, 1, 2, 0);
    send_proxymsg(h, hl, 0, LINE_PROXYREQUEST, 1, 2, 0);
    send_proxymsg(h, hl, 0, 0x10001, 1, 2, 0);             /* internal ones neither */
    send_proxymsg(h, h20, 0, LINE_AGENTSTATUSEX, 1, 1, 0); /* newer than the sender */
    send_proxymsg(h, h_own, 0, LINE_AGENTSTATUS, 1, 1, 0); /* its plain open */
    send_proxymsg(a, hl, 0, LINE_AGENTSTATUS, 1, 1, 0);    /* another app's handler line */
    send_proxymsg(h, 0x7FFFFFF0, 0, LINE_AGENTSTATUS, 1, 1, 0);
    no_frame(a);
    no_frame(b);
    no_frame(c);
    no_frame(h);
    /* ... and the 2.0 handler's own kind of message works. */
    send_proxymsg(h, h20, 0, LINE_AGENTSPECIFIC, 3, 4, 5);
    n = events(b, evs, 32);
    const struct ev as[] = {{0, LINE_AGENTSPECIFIC, 3, 4, 5, 0}};
    expect_for(evs, n, b20, as, 1);
    n = events(h, evs, 32);
    expect_for(evs, n, hl, as, 1);
    expect_for(evs, n, h20, as, 0);
    assert_int_equal(srv.nclients, 4);
    events(a, evs, 32);
    peer_free(a);
    peer_free(b);
    peer_free(c);
    peer_free(h);
}

/* ---- lineGetProxyStatus ------------------------------------------------------------------ */

static const struct w_result *proxystatus(struct peer *p, uint32_t dev, uint32_t ver,
                                          uint32_t total)
{
    struct w_proxystatus m = {dev, ver, total};
    return result(p, send_msg(p, W_PROXYSTATUS, &m));
}

static void test_proxystatus(void **state)
{
    (void)state;
    struct peer *p = app(V22), *h = app(V22);
    assert_int_equal(proxystatus(p, 8, V22, 100)->result, LINEERR_BADDEVICEID);
    assert_int_equal(proxystatus(p, 0, V21, 100)->result, LINEERR_INCOMPATIBLEAPIVERSION);
    assert_int_equal(proxystatus(p, 0, 0x00020003, 100)->result, LINEERR_INCOMPATIBLEAPIVERSION);
    assert_int_equal(proxystatus(p, 8, V21, 10)->result, LINEERR_BADDEVICEID);
    assert_int_equal(proxystatus(p, 0, V22, 23)->result, LINEERR_STRUCTURETOOSMALL);
    /* Nobody handles anything. */
    const struct w_result *r = proxystatus(p, 0, V22, 24);
    assert_int_equal(r->result, 0);
    assert_int_equal(r->data.len, 24);
    assert_int_equal(vs_get_u32(r->data.p, 0), 24);
    assert_int_equal(vs_get_u32(r->data.p, 4), 24);
    assert_int_equal(vs_get_u32(r->data.p, 12), 0);
    /* No open needed to ask; entries ascending. */
    open_mask(h, 6, V22, BIT(9) | BIT(2));
    open_mask(h, 6, V22, BIT(0x14) | BIT(5));
    r = proxystatus(p, 6, V22, 1000);
    assert_int_equal(r->result, 0);
    assert_int_equal(r->data.len, 40);
    assert_int_equal(vs_get_u32(r->data.p, 0), 1000); /* the app's dwTotalSize */
    assert_int_equal(vs_get_u32(r->data.p, 4), 40);
    assert_int_equal(vs_get_u32(r->data.p, 8), 40);
    assert_int_equal(vs_get_u32(r->data.p, 12), 4);
    assert_int_equal(vs_get_u32(r->data.p, 16), 16);
    assert_int_equal(vs_get_u32(r->data.p, 20), 24);
    const uint32_t want[] = {2, 5, 9, 0x14};
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal(vs_get_u32(r->data.p, 24 + 4 * i), want[i]);
    assert_true(vs_validate_list(r->data.p, r->data.len, 24, 12, 16, 4, NULL, 0, NULL) == 0);
    /* Too small for the entries: dwNeededSize tells. */
    r = proxystatus(p, 6, V22, 39);
    assert_int_equal(r->result, 0);
    assert_int_equal(r->data.len, 24);
    assert_int_equal(vs_get_u32(r->data.p, 0), 39);
    assert_int_equal(vs_get_u32(r->data.p, 4), 40);
    assert_int_equal(vs_get_u32(r->data.p, 8), 24);
    assert_int_equal(vs_get_u32(r->data.p, 12), 0);
    assert_int_equal(vs_get_u32(r->data.p, 16), 0);
    r = proxystatus(p, 6, V22, 0xFFFFFFFF);
    assert_int_equal(r->data.len, 40);
    assert_int_equal(vs_get_u32(r->data.p, 0), 0xFFFFFFFF);
    /* The line's handler gone: empty again. */
    drain(h);
    shutdown_app(h);
    r = proxystatus(p, 6, V22, 100);
    assert_int_equal(vs_get_u32(r->data.p, 12), 0);
    peer_free(p);
    peer_free(h);
}

/* ---- fan-out to a client that cannot keep up --------------------------------------------- */

/* A recipient whose queue overflows while the server announces something
 * is dropped after the announcement; everybody else gets all of it. */
static void test_doomed_recipient(void **state)
{
    (void)state;
    server_free(&srv);
    memset(&srv, 0, sizeof srv);
    assert_int_equal(config_defaults(&srv.cfg), 0);
    srv.cfg.max_frame = 65536;
    srv.cfg.max_queue = 65536;
    assert_int_equal(server_init(&srv), 0);
    struct peer *slow = app(V22), *w = app(V22), *h = app(V22), *r = app(V22);
    int sz = 4096;
    setsockopt(slow->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    const struct client *sc = any_client(); /* the first connected: slow */
    setsockopt(sc->ev.fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    uint32_t sl = open_plain(slow, 0, V22);
    (void)sl;
    uint32_t wl = open_plain(w, 0, V22), rl = open_plain(r, 0, V22);
    uint32_t hl = open_mask(h, 0, V22, BIT(2));
    events(w, (struct ev[8]){{0}}, 8);
    events(r, (struct ev[8]){{0}}, 8);
    struct body b;
    body_plain(&b, 2);
    send_request(r, rl, 0, 0, 1, 2, &b);
    struct got g = expect_proxyrequest(h, hl);
    /* Flood: the slow app never reads. */
    for (int i = 0; i < 20000 && srv.nclients == 4; i++)
        send_proxymsg(h, hl, 0, LINE_AGENTSTATUS, (uint32_t)i, 1, 0), pump(),
            events(w, (struct ev[64]){{0}}, 64), events(r, (struct ev[64]){{0}}, 64);
    assert_int_equal(srv.nclients, 3);
    assert_dropped(slow);
    /* Everything else still works. */
    respond(h, hl, g.proxy_id, 0, NULL, 0);
    expect_reply(r, rl, 1, 0);
    send_proxymsg(h, hl, 0, LINE_AGENTSTATUS, 7, 1, 0);
    expect_event(w, wl, LINE_AGENTSTATUS, 7, 1);
    free(g.d);
    peer_free(slow);
    peer_free(w);
    peer_free(h);
    peer_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_announces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allopenforacd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unregister_announces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_strings_and_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agentcaps_by_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_foreign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handler_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handler_shutdown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handler_eof, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orphaned_requester, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expire_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxymsg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxystatus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_doomed_recipient, setup, teardown),
    };
    return cmocka_run_group_tests_name("srv_proxy", tests, NULL, NULL);
}
