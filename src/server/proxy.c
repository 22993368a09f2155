/* proxy.c - proxy registrations and what they announce (see proxy.h). */
#include "proxy.h"

#include <stdlib.h>
#include <string.h>

#include <tapi.h>

#include "client.h"
#include "log.h"
#include "opens.h"
#include "proxytab.h"
#include "requests.h"
#include "server.h"
#include "varstruct.h"

#define CID(c) ((unsigned long long)(c)->id)

#define V20 0x00020000u
#define V22 0x00020002u

/* ---- fan-out -------------------------------------------------------------- */

/*
 * EVENT{recipient's hLine, msg, p1, p2, p3} to every open of line dev of at
 * least version min_ver, except the open `except` and the opens of client
 * `skip`.  Encoded once, on the first recipient.  A recipient that cannot
 * take it is doomed (client.h), which changes no open here.
 */
static void fanout(struct server *srv, uint32_t dev, const struct open *except,
                   const struct client *skip, uint32_t min_ver, uint32_t msg, uint64_t p1,
                   uint64_t p2, uint64_t p3)
{
    struct wbuf frame = {0};
    for (const struct open *o = srv->opens.lines[dev].head; o; o = o->l_next) {
        if (o == except || (skip && o->client == skip) || o->api_version < min_ver)
            continue;
        if (!frame.len) {
            struct w_event ev = {0, msg, p1, p2, p3, {NULL, 0}};
            if (wire_encode(&frame, W_EVENT, 0, &ev, srv->cfg.max_frame) != WIRE_OK) {
                log_error("cannot encode an event: out of memory");
                break;
            }
        }
        client_send_event_as(o->client, frame.p, frame.len, o->hline);
    }
    wbuf_free(&frame);
}

/* LINE_PROXYSTATUS(status, type) per type of mask, ascending. */
static void status_per_type(struct server *srv, const struct open *o, const struct client *skip,
                            uint32_t status, uint32_t mask)
{
    for (uint32_t t = 1; t <= PX_TYPE_MAX; t++)
        if (mask & (1u << t))
            fanout(srv, o->device, o, skip, V22, LINE_PROXYSTATUS, status, t, 0);
}

/* ---- registration ------------------------------------------------------------ */

uint32_t proxy_parse_types(const struct wire_blob *types, uint32_t ver, uint32_t *mask)
{
    *mask = 0;
    if (types->len == 0 || types->len % 4)
        return LINEERR_INVALPARAM;
    for (uint32_t i = 0; i < types->len; i += 4) {
        uint32_t t = vs_get_u32(types->p, i);
        const struct px_type *row = px_type(t);
        if (!row || row->min_version > ver)
            return LINEERR_INVALPARAM;
        *mask |= 1u << t;
    }
    return 0;
}

uint32_t proxy_check_free(const struct server *srv, uint32_t dev, uint32_t mask)
{
    return (srv->opens.lines[dev].mask & mask) ? LINEERR_NOTREGISTERED : 0;
}

uint32_t proxy_line_mask(const struct server *srv, uint32_t dev)
{
    return srv->opens.lines[dev].mask;
}

void proxy_register(struct server *srv, struct open *o, uint32_t mask)
{
    struct line_opens *lo = &srv->opens.lines[o->device];
    for (uint32_t t = 1; t <= PX_TYPE_MAX; t++)
        if (mask & (1u << t))
            lo->handler[t] = o;
    lo->mask |= mask;
    o->handles = mask;
    log_info("client #%llu: hLine %u handles proxy request types %#x on line %u (served now "
             "%#x)",
             CID(o->client), o->hline, mask, o->device, lo->mask);
}

void proxy_announce(struct server *srv, const struct open *o, uint32_t added, uint32_t before)
{
    uint32_t now = srv->opens.lines[o->device].mask;
    fanout(srv, o->device, o, NULL, 0, WIRE_EV_TYPES, now, 0, 0);
    status_per_type(srv, o, NULL, LINEPROXYSTATUS_OPEN, added);
    if ((now & PX_ACD_MASK) == PX_ACD_MASK && (before & PX_ACD_MASK) != PX_ACD_MASK)
        fanout(srv, o->device, o, NULL, V22, LINE_PROXYSTATUS, LINEPROXYSTATUS_ALLOPENFORACD, 0, 0);
}

void proxy_open_gone(struct server *srv, struct open *o, const struct client *skip)
{
    requests_handler_gone(srv, o);
    uint32_t gone = o->handles;
    if (!gone)
        return;
    struct line_opens *lo = &srv->opens.lines[o->device];
    for (uint32_t t = 1; t <= PX_TYPE_MAX; t++)
        if (gone & (1u << t))
            lo->handler[t] = NULL;
    lo->mask &= ~gone;
    o->handles = 0;
    if (srv->exiting)
        return;
    log_info("client #%llu: hLine %u no longer handles proxy request types %#x on line %u "
             "(served now %#x)",
             CID(o->client), o->hline, gone, o->device, lo->mask);
    fanout(srv, o->device, o, skip, 0, WIRE_EV_TYPES, lo->mask, 0, 0);
    status_per_type(srv, o, skip, LINEPROXYSTATUS_CLOSE, gone);
}

/* ---- lineProxyMessage ---------------------------------------------------------- */

/* The messages a handler may generate (DESIGN §5.5) and the version each
 * needs; 0 for any other. */
static uint32_t msg_version(uint32_t msg)
{
    switch (msg) {
    case LINE_AGENTSPECIFIC:
    case LINE_AGENTSTATUS:
        return V20;
    case LINE_AGENTSESSIONSTATUS:
    case LINE_QUEUESTATUS:
    case LINE_AGENTSTATUSEX:
    case LINE_GROUPSTATUS:
        return V22;
    default:
        return 0;
    }
}

void proxy_on_msg(struct server *srv, struct client *c, const struct w_proxymsg *m)
{
    const struct open *o = opens_find(&srv->opens, m->hline);
    uint32_t need = msg_version(m->msg);
    const char *why = NULL;
    if (!o || o->client != c)
        why = "not a line of this application";
    else if (!o->handles)
        why = "the line handles no proxy request type";
    else if (m->hcall)
        why = "hCall is not 0";
    else if (!need)
        why = "a message proxies may not generate";
    else if (o->api_version < need)
        why = "a message newer than the line's version";
    if (why) {
        log_warn("client #%llu: PROXYMSG %u on hLine %u ignored: %s", CID(c), m->msg, m->hline,
                 why);
        return;
    }
    /* Recipients below the message's version do not know it. */
    fanout(srv, o->device, o, NULL, need, m->msg, m->p1, m->p2, m->p3);
}

/* ---- lineGetProxyStatus ------------------------------------------------------------ */

void proxy_on_status(struct server *srv, struct client *c, uint32_t seq,
                     const struct w_proxystatus *m)
{
    if (m->device >= srv->cfg.lines.n) {
        client_reply(c, seq, LINEERR_BADDEVICEID, 0, 0, NULL, 0);
        return;
    }
    if (m->api_version != V22) { /* a TAPI 2.2 function */
        client_reply(c, seq, LINEERR_INCOMPATIBLEAPIVERSION, 0, 0, NULL, 0);
        return;
    }
    if (m->total < 24) {
        client_reply(c, seq, LINEERR_STRUCTURETOOSMALL, 0, 0, NULL, 0);
        return;
    }
    /* LINEPROXYREQUESTLIST: the list header, then one DWORD per type. */
    uint8_t buf[24 + 4 * PX_TYPE_MAX];
    uint32_t mask = proxy_line_mask(srv, m->device), n = 0;
    for (uint32_t t = 1; t <= PX_TYPE_MAX; t++)
        n += (mask >> t) & 1u;
    vs_writer w;
    vs_init(&w, buf, m->total < sizeof buf ? m->total : (uint32_t)sizeof buf, 24);
    vs_block blk = vs_reserve_list(&w, 12, 16, n, 4);
    for (uint32_t t = 1, k = 0; t <= PX_TYPE_MAX; t++)
        if (mask & (1u << t))
            vs_set_u32_in(&w, &blk, 4 * k++, t);
    if (vs_finish(&w) < 0) {
        client_reply(c, seq, LINEERR_OPERATIONFAILED, 0, 0, NULL, 0);
        return;
    }
    vs_put_u32(buf, 0, m->total); /* the app's dwTotalSize */
    client_reply(c, seq, 0, 0, 0, buf, vs_get_u32(buf, 8));
}
