/*
 * helper_rawproxy - a proxy handler that speaks the wire protocol itself
 * (src/common/wire.h) instead of using libtapi32, so that it can send what
 * the library would refuse: the server must check every handler's output
 * on its own (DESIGN §5.7).
 *
 *   helper_rawproxy [--dev N] [--ver HEX] [--types SPEC] [--priv HEX] [--mode MODE]
 *                   [--answer-as H] [--steal-from H|self]
 *       HELLO, then OPEN (privileges priv | LINEOPENOPTION_PROXY, the types);
 *       prints "READY <hLine>" (or "OPENFAIL 0x<rc>", exit 3).  For every
 *       LINE_PROXYREQUEST: "GOT <type>", then a RESPONSE by mode, then
 *       "SENT <type>":
 *         good            the test handler's answer (pt_answer)
 *         bad-offsets | used-gt-total | no-nul | lone-surrogate
 *                         pt_corrupt's hostile answer
 *         needed-lt-used  a structure whose dwNeededSize < dwUsedSize
 *         oversize        a consistent structure larger than the room given
 *                         (dwTotalSize = dwUsedSize = given + 64)
 *         short-handle    a 2-byte handle for CREATEAGENT[SESSION], else good
 *         unknown-id      first a RESPONSE for a proxy id that does not exist,
 *                         then the good one
 *         positive-result a result that is no LINEERR_ value (5), no output
 *         silent          no RESPONSE
 *       With --steal-from H: right after READY, a RESPONSE (result 0, a
 *       4-byte output) for every proxy id 1..2000, naming hLine H, then a
 *       round trip, then "STOLEN": requests routed to another handler must
 *       not be completed by this peer.  --steal-from self: the same, naming
 *       this peer's own hLine.
 *       With --answer-as H: every RESPONSE names hLine H (another line, of
 *       this peer or another) instead of the line the request came on.
 *       Exits 0 on EOF on stdin or when the server closes the connection.
 *
 *   helper_rawproxy --open-raw HEX [--dev N] [--ver HEX] [--priv HEX]
 *       HELLO, then OPEN with exactly the bytes HEX as the proxy type list
 *       ("-" for none); prints "OPEN 0x<result> <hLine>" and exits 0.
 * Setup failures print "FAIL what" and exit 2; usage errors exit 64.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxytest.h"
#include "rawwire.h"
#include "varstruct.h"
#include "wire.h"

static struct rawconn g_c;
static uint32_t g_answer_as; /* --answer-as: the hLine its RESPONSEs name, 0: its own */

static int usage(void)
{
    fprintf(stderr, "usage: helper_rawproxy [--dev N] [--ver HEX] [--types SPEC] [--priv HEX] "
                    "[--mode MODE] | --open-raw HEX ...\n");
    return 64;
}

static int send_msg(unsigned type, uint32_t seq, const void *msg)
{
    return rw_send(&g_c, type, seq, msg);
}

static int call(unsigned type, const void *msg, struct w_result *res)
{
    return rw_call(&g_c, type, msg, res);
}

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* Answer one LINE_PROXYREQUEST (data = the request image) by mode. */
static void answer(uint32_t hline, uint32_t proxy_id, const struct wire_blob *data,
                   const char *mode)
{
    if (data->len < PX_HDR + 4)
        return;
    uint32_t type = vs_get_u32(data->p, 24);
    out("GOT %u", (unsigned)type);
    if (!strcmp(mode, "silent"))
        return;
    const struct px_type *t = px_type(type);
    /* a copy with slack, for outputs that claim more than the buffer */
    uint8_t *req = calloc(1, (size_t)data->len + 256);
    if (!req || !t) {
        free(req);
        return;
    }
    memcpy(req, data->p, data->len);
    LONG result = !strcmp(mode, "positive-result") ? 5 : pt_answer(req, data->len);
    int bad = pt_bad_kind(mode);
    if (result == 0 && bad)
        pt_corrupt(req, bad);
    struct w_response r = {hline, proxy_id, (uint32_t)result, {NULL, 0}};
    if (result == 0 || result == 5) {
        switch (result ? PX_OUT_NONE : t->out) {
        case PX_OUT_HANDLE:
            r.out.p = req + t->out_off;
            r.out.len = !strcmp(mode, "short-handle") ? 2 : 4;
            break;
        case PX_OUT_PARAMS:
            r.out.p = req + 40;
            r.out.len = vs_get_u32(req, 36);
            if (r.out.len > data->len - 40 + 1)
                r.out.len = data->len - 40 + 1;
            break;
        case PX_OUT_STRUCT: {
            uint8_t *st = req + t->out_off;
            if (!strcmp(mode, "needed-lt-used"))
                vs_put_u32(st, 4, vs_get_u32(st, 8) - 1);
            if (!strcmp(mode, "oversize")) {
                uint32_t big = vs_get_u32(st, 0) + 64;
                vs_put_u32(st, 0, big);
                vs_put_u32(st, 4, big);
                vs_put_u32(st, 8, big);
            }
            r.out.p = st;
            r.out.len = vs_get_u32(st, 8);
            if (r.out.len > data->len - t->out_off + 256)
                r.out.len = data->len - t->out_off + 256;
            break;
        }
        default:
            break;
        }
    }
    if (g_answer_as)
        r.hline = g_answer_as;
    if (!strcmp(mode, "unknown-id")) {
        struct w_response u = r;
        u.proxy_id = proxy_id + 0x10000;
        send_msg(W_RESPONSE, 0, &u);
    }
    send_msg(W_RESPONSE, 0, &r);
    out("SENT %u", (unsigned)type);
    free(req);
}

int main(int argc, char **argv)
{
    DWORD types[64];
    int ntypes = pt_parse_types("all", types, 64);
    uint32_t dev = 0, ver = 0x00020002, priv = LINECALLPRIVILEGE_NONE;
    const char *mode = "good", *raw = NULL;
    uint32_t steal = 0;
    int steal_self = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return usage();
        i++;
        if (!strcmp(a, "--dev"))
            dev = (uint32_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--ver"))
            ver = (uint32_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--priv"))
            priv = (uint32_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--mode"))
            mode = v;
        else if (!strcmp(a, "--open-raw"))
            raw = v;
        else if (!strcmp(a, "--answer-as"))
            g_answer_as = (uint32_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--steal-from") && !strcmp(v, "self"))
            steal_self = 1;
        else if (!strcmp(a, "--steal-from"))
            steal = (uint32_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--types")) {
            if ((ntypes = pt_parse_types(v, types, 64)) < 0)
                return usage();
        } else
            return usage();
    }

    struct w_result res;
    if (rw_connect(&g_c)) {
        out("FAIL connect");
        return 2;
    }
    if (rw_hello(&g_c, ver, "helper_rawproxy")) {
        out("FAIL hello");
        return 2;
    }

    uint8_t *blob = NULL;
    long bloblen = 0;
    if (raw && strcmp(raw, "-") && (bloblen = pt_unhex(raw, &blob)) < 0)
        return usage();
    struct w_open op = {
        dev,
        ver,
        0,
        priv | LINEOPENOPTION_PROXY,
        0,
        0,
        {raw ? blob : (const uint8_t *)types, raw ? (uint32_t)bloblen : 4 * (uint32_t)ntypes}};
    if (call(W_OPEN, &op, &res)) {
        out("FAIL open");
        return 2;
    }
    free(blob);
    if (raw) {
        out("OPEN 0x%08x %u", (unsigned)res.result, (unsigned)res.a);
        return 0;
    }
    if (res.result) {
        out("OPENFAIL 0x%08x", (unsigned)res.result);
        return 3;
    }
    uint32_t hline = res.a;
    out("READY %u", (unsigned)hline);
    if (steal || steal_self) {
        static const uint8_t junk[4] = {0xAD, 0xDE, 0, 0};
        for (uint32_t id = 1; id <= 2000; id++) {
            struct w_response r = {steal_self ? hline : steal, id, 0, {junk, sizeof junk}};
            send_msg(W_RESPONSE, 0, &r);
        }
        struct w_negotiate ng = {dev, 0x00010004, 0x00020002};
        if (call(W_NEGOTIATE, &ng, &res))
            return 2;
        out("STOLEN");
    }

    for (;;) {
        /* frames already buffered first, then wait for socket or stdin */
        struct pollfd pf[2] = {{g_c.fd, POLLIN, 0}, {0, POLLIN, 0}};
        if (g_c.in.len <= g_c.consumed && poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (g_c.in.len <= g_c.consumed && pf[1].revents) {
            char c[256];
            if (read(0, c, sizeof c) <= 0)
                break;
            continue;
        }
        unsigned t;
        uint32_t s;
        union wire_msg m;
        if (rw_read(&g_c, &t, &s, &m))
            break;
        if (t == W_EVENT && m.event.msg == LINE_PROXYREQUEST)
            answer(m.event.hdevice, (uint32_t)m.event.p1, &m.event.data, mode);
    }
    rw_close(&g_c);
    return 0;
}
