/* dispatch.c - request handlers (see dispatch.h). */
#include "dispatch.h"

#include <stdlib.h>
#include <string.h>

#include <tapi.h>

#include "client.h"
#include "lines.h"
#include "log.h"
#include "proxy.h"
#include "requests.h"
#include "varstruct.h"
#include "wire.h"

/* Room left in a RESULT frame for the structure it carries (header, the
 * three DWORDs and the blob length need 28 bytes; the rest is margin). */
#define RESULT_OVERHEAD 256u

#define CID(c) ((unsigned long long)(c)->id)

/* A copy of an untrusted string that is safe to print: control characters
 * become '?', and it is cut at 128 bytes. */
static char *printable_dup(const char *s)
{
    size_t n = s ? strnlen(s, 128) : 0;
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        d[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    d[n] = '\0';
    return d;
}

static void on_hello(struct server *srv, struct client *c, uint32_t seq, const struct w_hello *m)
{
    if (c->flags & C_HELLO) {
        log_warn("client #%llu: second HELLO; disconnecting", CID(c));
        client_close(c, "protocol error");
        return;
    }
    if (m->magic != WIRE_MAGIC || m->proto != WIRE_PROTO) {
        log_warn("client #%llu: incompatible client (magic %08x, protocol %u; we speak %u)", CID(c),
                 m->magic, m->proto, WIRE_PROTO);
        if (client_reply(c, seq, LINEERR_INCOMPATIBLEAPIVERSION, WIRE_PROTO, 0, NULL, 0) == 0)
            client_close_after_write(c);
        return;
    }
    c->flags |= C_HELLO;
    c->app_pid = m->pid;
    c->app_version = m->api_version;
    c->app_name = printable_dup(m->name.p ? (const char *)m->name.p : "");
    log_info("client #%llu: application '%s' pid %u api %08x (user %s, peer pid %d)", CID(c),
             c->app_name ? c->app_name : "?", m->pid, m->api_version, c->user, (int)c->peer_pid);
    /* data: the server's maximum frame size, so the library sizes what it
       asks handlers for (DESIGN §5.7) and what it accepts by the same bound */
    uint8_t max[4];
    vs_put_u32(max, 0, srv->cfg.max_frame);
    client_reply(c, seq, 0, srv->cfg.lines.n, LINES_API_HIGH, max, sizeof max);
}

static void on_negotiate(struct server *srv, struct client *c, uint32_t seq,
                         const struct w_negotiate *m)
{
    static const uint8_t ext_id[16]; /* LINEEXTENSIONID: no extensions */
    if (m->device >= srv->cfg.lines.n) {
        client_reply(c, seq, LINEERR_BADDEVICEID, 0, 0, NULL, 0);
        return;
    }
    if (m->low > m->high || m->high < LINES_API_LOW || m->low > LINES_API_HIGH) {
        client_reply(c, seq, LINEERR_INCOMPATIBLEAPIVERSION, 0, 0, NULL, 0);
        return;
    }
    uint32_t v = m->high < LINES_API_HIGH ? m->high : LINES_API_HIGH;
    client_reply(c, seq, 0, v, 0, ext_id, sizeof ext_id);
}

/* ---- LINEDEVCAPS / LINEADDRESSCAPS -------------------------------------- */

struct caps_req {
    const struct line_dev *ln;
    uint32_t device, addr, version, total;
    int wide, is_addr;
};

static uint32_t build_caps(const struct caps_req *q, void *buf, uint32_t cap)
{
    if (q->is_addr)
        return lines_build_addrcaps(q->ln, q->device, q->addr, q->version, q->wide, q->total, buf,
                                    cap);
    return lines_build_devcaps(q->ln, q->version, q->wide, q->total, buf, cap);
}

/*
 * Build into a stack buffer first: caps are a few hundred bytes, so one
 * pass nearly always does.  Only when the structure needs more and the
 * application offered more is it rebuilt in a buffer of the size needed
 * (never the application's total, which may be huge, and never more than
 * fits in a frame).
 */
static void reply_caps(struct server *srv, struct client *c, uint32_t seq, const struct caps_req *q)
{
    uint8_t small[1024];
    uint32_t limit = srv->cfg.max_frame - RESULT_OVERHEAD;
    if (q->total < limit)
        limit = q->total;
    uint32_t cap = limit < sizeof small ? limit : (uint32_t)sizeof small;
    uint32_t r = build_caps(q, small, cap);
    if (r) {
        client_reply(c, seq, r, 0, 0, NULL, 0);
        return;
    }
    uint32_t needed = vs_get_u32(small, 4);
    if (needed <= cap || limit <= cap) {
        client_reply(c, seq, 0, 0, 0, small, vs_get_u32(small, 8));
        return;
    }
    uint32_t cap2 = needed < limit ? needed : limit;
    uint8_t *big = malloc(cap2);
    if (!big) {
        client_reply(c, seq, LINEERR_NOMEM, 0, 0, NULL, 0);
        return;
    }
    r = build_caps(q, big, cap2);
    if (r)
        client_reply(c, seq, r, 0, 0, NULL, 0);
    else
        client_reply(c, seq, 0, 0, 0, big, vs_get_u32(big, 8));
    free(big);
}

/* The checks both caps requests share, in the documented order. */
static uint32_t check_caps(struct server *srv, uint32_t device, uint32_t version, uint32_t ext)
{
    if (device >= srv->cfg.lines.n)
        return LINEERR_BADDEVICEID;
    if (!lines_version_ok(version))
        return LINEERR_INCOMPATIBLEAPIVERSION;
    if (ext != 0)
        return LINEERR_INCOMPATIBLEEXTVERSION;
    return 0;
}

static void on_devcaps(struct server *srv, struct client *c, uint32_t seq,
                       const struct w_devcaps *m)
{
    uint32_t r = check_caps(srv, m->device, m->api_version, m->ext_version);
    if (r) {
        client_reply(c, seq, r, 0, 0, NULL, 0);
        return;
    }
    struct caps_req q = {
        &srv->cfg.lines.v[m->device], m->device, 0, m->api_version, m->total, m->wide != 0, 0};
    reply_caps(srv, c, seq, &q);
}

static void on_addrcaps(struct server *srv, struct client *c, uint32_t seq,
                        const struct w_addrcaps *m)
{
    uint32_t r = check_caps(srv, m->device, m->api_version, m->ext_version);
    if (r) {
        client_reply(c, seq, r, 0, 0, NULL, 0);
        return;
    }
    /* lines_build_addrcaps checks the address before the size. */
    struct caps_req q = {&srv->cfg.lines.v[m->device],
                         m->device,
                         m->address,
                         m->api_version,
                         m->total,
                         m->wide != 0,
                         1};
    reply_caps(srv, c, seq, &q);
}

/* ---- lineOpen / lineClose / lineShutdown --------------------------------- */

/* Media modes an owner may ask for on line ln: its own plus UNKNOWN. */
static int media_ok(const struct line_dev *ln, uint32_t modes)
{
    return (modes & ~(ln->media_modes | LINEMEDIAMODE_UNKNOWN)) == 0;
}

/* The checks of OPEN in the documented order; *types receives the request
 * types a proxy registers (0 for other opens). */
static uint32_t check_open(struct server *srv, const struct w_open *m, uint32_t *device,
                           struct open *o, uint32_t *types)
{
    const struct line_table *lt = &srv->cfg.lines;
    uint32_t dev = m->device;
    if (dev == LINEMAPPER) {
        for (dev = 0; dev < lt->n; dev++)
            if (media_ok(&lt->v[dev], m->media_modes))
                break;
        if (dev == lt->n)
            return LINEERR_LINEMAPPERFAILED;
    } else if (dev >= lt->n) {
        return LINEERR_BADDEVICEID;
    }
    const struct line_dev *ln = &lt->v[dev];
    if (!lines_version_ok(m->api_version))
        return LINEERR_INCOMPATIBLEAPIVERSION;
    if (m->ext_version != 0)
        return LINEERR_INCOMPATIBLEEXTVERSION;
    uint32_t opts = m->privileges & (LINEOPENOPTION_SINGLEADDRESS | LINEOPENOPTION_PROXY);
    uint32_t priv = m->privileges & ~opts;
    if (priv != LINECALLPRIVILEGE_NONE && priv != LINECALLPRIVILEGE_MONITOR &&
        priv != LINECALLPRIVILEGE_OWNER &&
        priv != (LINECALLPRIVILEGE_OWNER | LINECALLPRIVILEGE_MONITOR))
        return LINEERR_INVALPRIVSELECT;
    *types = 0;
    if (opts & LINEOPENOPTION_PROXY) {
        uint32_t r;
        if (m->api_version < 0x00020000u)
            return LINEERR_INVALPRIVSELECT; /* proxies arrived with TAPI 2.0 */
        if ((r = proxy_parse_types(&m->proxy_types, m->api_version, types)) != 0)
            return r;
    }
    if ((priv & LINECALLPRIVILEGE_OWNER) && (m->media_modes == 0 || !media_ok(ln, m->media_modes)))
        return LINEERR_INVALMEDIAMODE;
    if ((opts & LINEOPENOPTION_SINGLEADDRESS) && m->address_id >= ln->naddrs)
        return LINEERR_INVALADDRESSID;
    /* One handler per type and line, whoever registered it (DESIGN §5.2). */
    if (*types && proxy_check_free(srv, dev, *types))
        return LINEERR_NOTREGISTERED;
    *device = dev;
    memset(o, 0, sizeof *o);
    o->device = dev;
    o->api_version = m->api_version;
    o->privileges = priv;
    o->options = opts;
    o->media_modes = m->media_modes;
    o->address_id = (opts & LINEOPENOPTION_SINGLEADDRESS) ? m->address_id : OPEN_ALL_ADDRESSES;
    return 0;
}

static void on_open(struct server *srv, struct client *c, uint32_t seq, const struct w_open *m)
{
    uint32_t dev = 0, types = 0;
    struct open tmpl;
    uint32_t r = check_open(srv, m, &dev, &tmpl, &types);
    if (r) {
        client_reply(c, seq, r, 0, 0, NULL, 0);
        return;
    }
    struct open *o = opens_add(&srv->opens, c, &c->opens, &tmpl);
    if (!o) {
        client_reply(c, seq, LINEERR_NOMEM, 0, 0, NULL, 0);
        return;
    }
    log_debug("client #%llu: opened line %u as hLine %u (api %08x, privileges %x, media %x)",
              CID(c), dev, o->hline, o->api_version, m->privileges, o->media_modes);
    uint32_t before = proxy_line_mask(srv, dev);
    if (types)
        proxy_register(srv, o, types);
    /* The types served on the line now, so the library can refuse a request
     * nobody handles without asking. */
    uint8_t mask[4];
    vs_put_u32(mask, 0, proxy_line_mask(srv, dev));
    client_reply(c, seq, 0, o->hline, dev, mask, sizeof mask);
    if (types)
        proxy_announce(srv, o, types, before);
}

static void on_close(struct server *srv, struct client *c, uint32_t seq, const struct w_close *m)
{
    struct open *o = opens_find(&srv->opens, m->hline);
    /* Another application's handle is as invalid as an unknown one. */
    if (!o || o->client != c) {
        client_reply(c, seq, LINEERR_INVALLINEHANDLE, 0, 0, NULL, 0);
        return;
    }
    log_debug("client #%llu: closed hLine %u (line %u)", CID(c), o->hline, o->device);
    /* lineClose suppresses the closer's outstanding replies on that line.
     * The closer learns first, then whoever else must (as for OPEN). */
    requests_orphan(srv, c, o->hline);
    client_reply(c, seq, 0, 0, 0, NULL, 0);
    proxy_open_gone(srv, o, NULL);
    opens_remove(&srv->opens, &c->opens, o);
}

void dispatch_release(struct server *srv, struct client *c)
{
    /* Its own requests first, so that nothing it asked for is answered to
     * it while its opens go; then its opens, telling only the others. */
    requests_orphan(srv, c, 0);
    while (c->opens.head) {
        struct open *o = c->opens.head;
        proxy_open_gone(srv, o, c);
        opens_remove(&srv->opens, &c->opens, o);
    }
}

static void on_shutdown(struct server *srv, struct client *c, uint32_t seq)
{
    dispatch_release(srv, c);
    c->flags |= C_SHUT;
    client_reply(c, seq, 0, 0, 0, NULL, 0);
}

/* ---- entry points -------------------------------------------------------- */

void dispatch_frame(struct server *srv, struct client *c, const uint8_t *frame, uint32_t len)
{
    union wire_msg m;
    unsigned type;
    uint32_t seq;
    int r = wire_decode(frame, len, srv->cfg.max_frame, &type, &seq, &m);
    if (r != WIRE_OK) {
        log_warn("client #%llu: malformed %s frame (error %d); disconnecting", CID(c),
                 wire_type_name((unsigned)frame[4] | (unsigned)frame[5] << 8), r);
        client_close(c, "malformed frame");
        return;
    }
    if (!(c->flags & C_HELLO) && type != W_HELLO) {
        log_warn("client #%llu: %s before HELLO; disconnecting", CID(c), wire_type_name(type));
        client_close(c, "protocol error");
        return;
    }
    if (c->flags & C_SHUT) {
        /* lineShutdown was the application's last word. */
        log_warn("client #%llu: %s after SHUTDOWN; disconnecting", CID(c), wire_type_name(type));
        client_close(c, "protocol error");
        return;
    }
    if (log_enabled(LOG_DEBUG))
        log_debug("client #%llu: %s seq %u", CID(c), wire_type_name(type), seq);
    switch (type) {
    case W_HELLO:
        on_hello(srv, c, seq, &m.hello);
        break;
    case W_NEGOTIATE:
        on_negotiate(srv, c, seq, &m.negotiate);
        break;
    case W_DEVCAPS:
        on_devcaps(srv, c, seq, &m.devcaps);
        break;
    case W_ADDRCAPS:
        on_addrcaps(srv, c, seq, &m.addrcaps);
        break;
    case W_OPEN:
        on_open(srv, c, seq, &m.open);
        break;
    case W_CLOSE:
        on_close(srv, c, seq, &m.close);
        break;
    case W_SHUTDOWN:
        on_shutdown(srv, c, seq);
        break;
    case W_REQUEST:
        requests_on_request(srv, c, &m.request);
        break;
    case W_RESPONSE:
        requests_on_response(srv, c, &m.response);
        break;
    case W_PROXYMSG:
        proxy_on_msg(srv, c, &m.proxymsg);
        break;
    case W_PROXYSTATUS:
        proxy_on_status(srv, c, seq, &m.proxystatus);
        break;
    case W_RESULT:
    case W_EVENT:
        /* These only flow from server to client. */
        log_warn("client #%llu: unexpected %s frame; disconnecting", CID(c), wire_type_name(type));
        client_close(c, "protocol error");
        break;
    default:
        /* Not reached: wire_decode knows no other type.  Should the
         * protocol grow one this server does not implement, answer it as
         * every request is answered. */
        log_warn("client #%llu: %s not implemented", CID(c), wire_type_name(type));
        client_reply(c, seq, LINEERR_OPERATIONUNAVAIL, 0, 0, NULL, 0);
        break;
    }
}

void dispatch_stop(struct server *srv)
{
    struct list_node *n, *next;
    for (n = srv->clients.next; n != &srv->clients; n = next) {
        struct client *c = list_entry(n, struct client, all);
        next = n->next;
        struct open *o, *onext;
        for (o = c->opens.head; o; o = onext) {
            onext = o->c_next;
            /* A failed send doomed c: nothing more reaches it. */
            if (client_event(c, o->hline, LINE_CLOSE, 0, 0, 0) < 0)
                break;
        }
    }
}
