/* requests.c - proxy requests in flight (see requests.h). */
#include "requests.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <tapi.h>

#include "client.h"
#include "log.h"
#include "loop.h"
#include "opens.h"
#include "server.h"
#include "utf.h"
#include "varstruct.h"

#define CID(c) ((unsigned long long)(c)->id)

/* An EVENT frame without its data: header, hdevice, msg, p1..p3, blob length. */
#define EVENT_OVERHEAD (WIRE_HDR + 4u + 4u + 3u * 8u + 4u)
/* Room kept free in a frame besides an output structure (names, header). */
#define ROOM_MARGIN 4096u

#define V20 0x00020000u
#define V22 0x00020002u

static void on_timer(struct server *srv, struct ev_source *src, uint32_t events);

uint64_t requests_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the table ------------------------------------------------------------ */

int requests_init(struct server *srv)
{
    struct preq_table *t = &srv->preqs;
    list_init(&t->all);
    t->count = 0;
    t->next_id = 0;
    t->armed_ns = 0;
    t->nbuckets = 64;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets) {
        errno = ENOMEM;
        return -1;
    }
    srv->proxy_timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    srv->proxy_timer.on_event = on_timer;
    if (srv->proxy_timer.fd < 0)
        return -1;
    return loop_add(srv, &srv->proxy_timer, EPOLLIN);
}

void requests_free(struct server *srv)
{
    struct preq_table *t = &srv->preqs;
    if (t->all.next) { /* requests_init ran */
        while (!list_empty(&t->all)) {
            struct preq *q = list_entry(t->all.next, struct preq, all);
            list_del(&q->all);
            list_del(&q->at_handler);
            list_del(&q->at_requester);
            free(q);
        }
    }
    free(t->buckets);
    t->buckets = NULL;
    t->nbuckets = t->count = 0;
    if (srv->proxy_timer.fd >= 0)
        close(srv->proxy_timer.fd);
    srv->proxy_timer.fd = -1;
}

static size_t bucket(const struct preq_table *t, uint32_t id)
{
    return id & (t->nbuckets - 1); /* ids are sequential: the low bits spread them */
}

struct preq *requests_find(const struct server *srv, uint32_t proxy_id)
{
    const struct preq_table *t = &srv->preqs;
    if (!t->buckets)
        return NULL;
    for (struct preq *q = t->buckets[bucket(t, proxy_id)]; q; q = q->h_next)
        if (q->proxy_id == proxy_id)
            return q;
    return NULL;
}

/* Double the buckets when the load passes 1; failing only costs speed. */
static void maybe_grow(struct preq_table *t)
{
    if (t->count < t->nbuckets || t->nbuckets > SIZE_MAX / 2 / sizeof *t->buckets)
        return;
    size_t n = t->nbuckets * 2;
    struct preq **b = calloc(n, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct preq *q = t->buckets[i], *next;
        for (; q; q = next) {
            next = q->h_next;
            q->h_next = b[q->proxy_id & (n - 1)];
            b[q->proxy_id & (n - 1)] = q;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

/* A proxy id: server-wide counter, never 0, never one still pending. */
static uint32_t new_id(struct server *srv)
{
    struct preq_table *t = &srv->preqs;
    for (;;) {
        uint32_t id = ++t->next_id;
        if (id != 0 && !requests_find(srv, id))
            return id;
    }
}

static void insert(struct server *srv, struct preq *q, struct client *requester)
{
    struct preq_table *t = &srv->preqs;
    list_add_tail(&t->all, &q->all);
    list_add_tail(&q->handler->pending, &q->at_handler);
    list_add_tail(&requester->preqs, &q->at_requester);
    size_t b = bucket(t, q->proxy_id);
    q->h_next = t->buckets[b];
    t->buckets[b] = q;
    t->count++;
    maybe_grow(t);
}

/* Take q out of every index; the caller completes and frees it. */
static void detach(struct server *srv, struct preq *q)
{
    struct preq_table *t = &srv->preqs;
    struct preq **pp = &t->buckets[bucket(t, q->proxy_id)];
    while (*pp && *pp != q)
        pp = &(*pp)->h_next;
    if (*pp)
        *pp = q->h_next;
    t->count--;
    list_del(&q->all);
    list_del(&q->at_handler);
    list_del(&q->at_requester); /* a no-op once orphaned */
}

/* ---- the timer -------------------------------------------------------------- */

static void arm(struct server *srv, uint64_t at_ns)
{
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (at_ns == 0)
        at_ns = 1; /* 0 would disarm */
    its.it_value.tv_sec = (time_t)(at_ns / 1000000000u);
    its.it_value.tv_nsec = (long)(at_ns % 1000000000u);
    if (timerfd_settime(srv->proxy_timer.fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
        log_error("proxy timer: %s", strerror(errno));
        return;
    }
    srv->preqs.armed_ns = at_ns;
}

/* The timer is only ever set for the oldest request at the time, and every
 * later request has a later deadline, so a set timer never fires after the
 * oldest pending request is due; when it fires, it is set again for the
 * oldest request left (if any). */
static void arm_for_oldest(struct server *srv)
{
    struct preq_table *t = &srv->preqs;
    if (t->armed_ns || list_empty(&t->all))
        return;
    arm(srv, list_entry(t->all.next, struct preq, all)->deadline_ns);
}

static void on_timer(struct server *srv, struct ev_source *src, uint32_t events)
{
    uint64_t n;
    (void)events;
    if (read(src->fd, &n, sizeof n) < 0 && errno != EAGAIN)
        log_error("proxy timer: %s", strerror(errno));
    srv->preqs.armed_ns = 0;
    requests_expire(srv, requests_now_ns());
}

/* ---- completing a request ------------------------------------------------------ */

/* LINE_REPLY for a request that has no record (refused on arrival). */
static void refuse(struct client *c, uint32_t hline, uint32_t reqid, uint32_t err)
{
    struct w_event ev = {hline, LINE_REPLY, reqid, err, 0, {NULL, 0}};
    client_send(c, W_EVENT, 0, &ev);
}

/* LINE_REPLY to q's requester; nothing when it is gone. */
static void complete(struct preq *q, uint32_t result, const uint8_t *out, uint32_t len)
{
    if (!q->requester) {
        log_debug("proxy request %u: requester gone, result %08x dropped", q->proxy_id, result);
        return;
    }
    struct w_event ev = {q->req_hline, LINE_REPLY, q->reqid, result, 0, {out, len}};
    client_send(q->requester, W_EVENT, 0, &ev);
}

void requests_expire(struct server *srv, uint64_t now_ns)
{
    struct preq_table *t = &srv->preqs;
    while (!list_empty(&t->all)) {
        struct preq *q = list_entry(t->all.next, struct preq, all);
        if (q->deadline_ns > now_ns)
            break;
        detach(srv, q);
        struct open *h = q->handler;
        log_warn("proxy request %u (%s) not answered by client #%llu (hLine %u) in time: "
                 "LINEERR_OPERATIONFAILED",
                 q->proxy_id, px_type(q->type)->name, CID(h->client), h->hline);
        complete(q, LINEERR_OPERATIONFAILED, NULL, 0);
        client_event(h->client, h->hline, WIRE_EV_CANCEL, q->proxy_id, 0, 0);
        free(q);
    }
    arm_for_oldest(srv);
}

void requests_handler_gone(struct server *srv, struct open *o)
{
    size_t n = 0;
    while (!list_empty(&o->pending)) {
        struct preq *q = list_entry(o->pending.next, struct preq, at_handler);
        detach(srv, q);
        if (!srv->exiting)
            complete(q, LINEERR_OPERATIONFAILED, NULL, 0);
        free(q);
        n++;
    }
    if (n && !srv->exiting)
        log_info("client #%llu: handler hLine %u gone with %zu proxy request%s pending: "
                 "LINEERR_OPERATIONFAILED",
                 CID(o->client), o->hline, n, n == 1 ? "" : "s");
}

void requests_orphan(struct server *srv, struct client *c, uint32_t hline)
{
    (void)srv;
    struct list_node *n, *next;
    for (n = c->preqs.next; n != &c->preqs; n = next) {
        next = n->next;
        struct preq *q = list_entry(n, struct preq, at_requester);
        if (hline && q->req_hline != hline)
            continue;
        list_del(&q->at_requester);
        q->requester = NULL;
    }
}

/* ---- checking what peers send ---------------------------------------------------- */

static uint32_t bad(const char **why, const char *reason)
{
    *why = reason;
    return LINEERR_INVALPARAM;
}

uint32_t requests_check_body(const struct px_type *t, const uint8_t *b, uint32_t len, uint32_t ver,
                             uint32_t max_frame, uint32_t *given, const char **why)
{
    *given = 0;
    if (len < PX_HDR)
        return bad(why, "shorter than the LINEPROXYREQUEST header");
    if (vs_get_u32(b, 24) != t->type)
        return bad(why, "dwRequestType is not the request's type");
    if (t->out == PX_OUT_STRUCT) {
        /* The structure's fixed part; the server adds the room. */
        uint32_t fixed = px_fixed(t->st, ver);
        if (len != t->out_off + fixed)
            return bad(why, "not the size of the request with its structure's fixed part");
        uint32_t total = vs_get_u32(b, t->out_off);
        uint32_t cap =
            max_frame > ROOM_MARGIN + t->out_off ? max_frame - ROOM_MARGIN - t->out_off : 0;
        if (total < fixed)
            return bad(why, "embedded dwTotalSize below the structure's fixed size");
        if (total > cap)
            return bad(why, "embedded dwTotalSize does not fit in a frame");
        *given = total;
        return 0;
    }
    uint32_t fixed = PX_HDR + t->union_size;
    switch (t->in) {
    case PX_IN_PLAIN:
        if (len != fixed)
            return bad(why, "not the size of the request");
        return 0;
    case PX_IN_STRINGS:
        if (len < fixed)
            return bad(why, "shorter than the request");
        for (unsigned i = 0; i < t->nstr; i++) {
            uint32_t size = vs_get_u32(b, t->str_pairs[i]);
            uint32_t off = vs_get_u32(b, t->str_pairs[i] + 4);
            if (size == 0)
                continue; /* absent */
            if (off < fixed)
                return bad(why, "string offset inside the fixed part");
            if (off > len || size > len - off)
                return bad(why, "string outside the request");
            if (size % 2 || size < 2)
                return bad(why, "UTF-16 string of odd or zero size");
            if (vs_get_u16(b, off + size - 2) != 0)
                return bad(why, "UTF-16 string not NUL-terminated");
        }
        return 0;
    case PX_IN_GROUPLIST: {
        /* The app's LINEAGENTGROUPLIST, all of it, runs to the end. */
        uint32_t at = t->out_off;
        if (len < at + VS_HEADER_SIZE + 12u)
            return bad(why, "group list shorter than its fixed part");
        uint32_t total = vs_get_u32(b, at), n = vs_get_u32(b, at + 12);
        uint32_t size = vs_get_u32(b, at + 16), off = vs_get_u32(b, at + 20);
        if (total < 24 || total != len - at)
            return bad(why, "group list dwTotalSize is not its length");
        if ((uint64_t)n * 24u != size)
            return bad(why, "group list dwListSize is not dwNumEntries * 24");
        if (size && (off < 24 || off > total || size > total - off))
            return bad(why, "group list entries outside the list");
        return 0;
    }
    case PX_IN_PARAMS: {
        if (len < 40)
            return bad(why, "shorter than the request");
        uint32_t size = vs_get_u32(b, 36);
        if ((uint64_t)len != 40u + (uint64_t)size)
            return bad(why, "dwSize is not the size of the parameter block");
        *given = size;
        return 0;
    }
    default:
        return bad(why, "unknown input kind");
    }
}

int requests_check_output(const struct preq *q, const uint8_t *out, uint32_t len, const char **why)
{
    const struct px_type *t = px_type(q->type);
    switch (t->out) {
    case PX_OUT_HANDLE:
        if (len != 4) {
            *why = "a handle is not 4 bytes";
            return -1;
        }
        return 0;
    case PX_OUT_PARAMS:
        if (len > q->given) {
            *why = "more parameter bytes than the request's dwSize";
            return -1;
        }
        return 0;
    case PX_OUT_STRUCT:
        if (len < VS_HEADER_SIZE) {
            *why = "shorter than a structure header";
            return -1;
        }
        if (vs_get_u32(out, 0) != q->given) {
            *why = "dwTotalSize is not the size the handler was given";
            return -1;
        }
        if (vs_get_u32(out, 8) != len) {
            *why = "dwUsedSize is not the length sent";
            return -1;
        }
        return px_validate(t->st, out, len, q->req_version, 0, why) ? -1 : 0;
    default:
        return 0;
    }
}

/* ---- REQUEST ---------------------------------------------------------------------- */

/* s as UTF-16 (malloc'd, NUL-terminated; *units without the NUL).  A name
 * that is not UTF-8 (an odd account name) has its non-ASCII bytes replaced
 * by '?' rather than being left out. */
static uint16_t *name16(const char *s, size_t *units)
{
    int err = 0;
    uint16_t *w = utf8_to_utf16_dup(s ? s : "", &err);
    if (!w && err == UTF_EINVAL) {
        char *a = strdup(s);
        if (!a)
            return NULL;
        for (char *p = a; *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
        w = utf8_to_utf16_dup(a, &err);
        free(a);
    }
    if (w)
        *units = utf16_len(w);
    return w;
}

static void put16(uint8_t *buf, uint32_t off, const uint16_t *w, size_t units)
{
    for (size_t i = 0; i <= units; i++) /* the NUL too */
        vs_put_u16(buf, off + 2 * (uint32_t)i, w[i]);
}

/*
 * The LINEPROXYREQUEST the handler gets: the body, room for an output
 * structure, the requester's machine and user names, the header.  Returns
 * the malloc'd buffer with *len set, or NULL with *err (INVALPARAM when it
 * would not fit in a frame, NOMEM).
 */
static uint8_t *build_request(struct server *srv, const struct px_type *t, struct client *c,
                              const struct wire_blob *body, uint32_t given, uint32_t client_ver,
                              uint32_t *len, uint32_t *err)
{
    size_t mu = 0, uu = 0;
    uint16_t *mw = name16(c->machine, &mu), *uw = name16(c->user, &uu);
    uint8_t *buf = NULL;
    *err = LINEERR_NOMEM;
    if (!mw || !uw)
        goto out;
    uint64_t size = t->out == PX_OUT_STRUCT ? (uint64_t)t->out_off + given : body->len;
    size = (size + 3u) & ~(uint64_t)3u;
    uint64_t msize = ((uint64_t)mu + 1) * 2, usize = ((uint64_t)uu + 1) * 2;
    uint64_t total = size + msize + usize;
    if (total + EVENT_OVERHEAD > srv->cfg.max_frame) {
        *err = LINEERR_INVALPARAM;
        goto out;
    }
    buf = calloc(1, (size_t)total);
    if (!buf)
        goto out;
    memcpy(buf, body->p, body->len);
    if (t->out == PX_OUT_STRUCT) /* dwTotalSize stays, the handler fills the rest */
        memset(buf + t->out_off + 4, 0, given - 4);
    put16(buf, (uint32_t)size, mw, mu);
    put16(buf, (uint32_t)(size + msize), uw, uu);
    vs_put_u32(buf, 0, (uint32_t)total);           /* dwSize */
    vs_put_u32(buf, 4, (uint32_t)msize);           /* dwClientMachineNameSize */
    vs_put_u32(buf, 8, (uint32_t)size);            /* dwClientMachineNameOffset */
    vs_put_u32(buf, 12, (uint32_t)usize);          /* dwClientUserNameSize */
    vs_put_u32(buf, 16, (uint32_t)(size + msize)); /* dwClientUserNameOffset */
    vs_put_u32(buf, 20, client_ver);               /* dwClientAppAPIVersion */
    *len = (uint32_t)total;
    *err = 0;
out:
    free(mw);
    free(uw);
    return buf;
}

void requests_on_request(struct server *srv, struct client *c, const struct w_request *m)
{
    uint32_t device, version;
    if (m->hline) {
        const struct open *ro = opens_find(&srv->opens, m->hline);
        if (!ro || ro->client != c) {
            refuse(c, 0, m->reqid, LINEERR_INVALLINEHANDLE);
            return;
        }
        device = ro->device;
        version = ro->api_version;
    } else {
        /* lineGetAgentCaps names a device, not an open line. */
        if (m->type != LINEPROXYREQUEST_GETAGENTCAPS) {
            refuse(c, 0, m->reqid, LINEERR_INVALPARAM);
            return;
        }
        if (m->device >= srv->cfg.lines.n) {
            refuse(c, 0, m->reqid, LINEERR_BADDEVICEID);
            return;
        }
        if (m->app_version < V20 || m->app_version > V22) {
            refuse(c, 0, m->reqid, LINEERR_INCOMPATIBLEAPIVERSION);
            return;
        }
        device = m->device;
        version = m->app_version;
    }
    const struct px_type *t = px_type(m->type);
    if (!t) {
        refuse(c, m->hline, m->reqid, LINEERR_INVALPARAM);
        return;
    }
    struct open *h = srv->opens.lines[device].handler[t->type];
    if (t->min_version > version || !h) {
        /* A newer function than the line's version, or (the race the
         * library cannot see) its handler just went. */
        refuse(c, m->hline, m->reqid, LINEERR_OPERATIONUNAVAIL);
        return;
    }
    uint32_t given = 0;
    const char *why = "";
    uint32_t r =
        requests_check_body(t, m->body.p, m->body.len, version, srv->cfg.max_frame, &given, &why);
    if (r) {
        log_warn("client #%llu: %s request %u refused: %s", CID(c), t->name, m->reqid, why);
        refuse(c, m->hline, m->reqid, r);
        return;
    }
    /* What the requesting app said it speaks; lineGetAgentCaps says it. */
    uint32_t client_ver = m->hline ? (c->app_version < V22 ? c->app_version : V22) : m->app_version;
    uint32_t len = 0;
    uint8_t *req = build_request(srv, t, c, &m->body, given, client_ver, &len, &r);
    struct preq *q = req ? calloc(1, sizeof *q) : NULL;
    if (!q) {
        if (req)
            r = LINEERR_NOMEM;
        else if (r == LINEERR_INVALPARAM)
            log_warn("client #%llu: %s request %u refused: too big to forward", CID(c), t->name,
                     m->reqid);
        free(req);
        refuse(c, m->hline, m->reqid, r);
        return;
    }
    q->proxy_id = new_id(srv);
    q->type = t->type;
    q->requester = c;
    q->req_hline = m->hline;
    q->reqid = m->reqid;
    q->req_version = version;
    q->given = given;
    q->handler = h;
    q->deadline_ns = requests_now_ns() + config_proxy_timeout_ms(&srv->cfg) * 1000000u;
    insert(srv, q, c);
    arm_for_oldest(srv);
    log_debug("client #%llu: %s request %u (hLine %u) -> proxy request %u at client #%llu "
              "(hLine %u)",
              CID(c), t->name, m->reqid, m->hline, q->proxy_id, CID(h->client), h->hline);
    /* If the handler cannot take it, it is doomed, and when the loop closes
     * it this request completes with the others pending there. */
    struct w_event ev = {h->hline, LINE_PROXYREQUEST, q->proxy_id, 0, 0, {req, len}};
    client_send(h->client, W_EVENT, 0, &ev);
    free(req);
}

/* ---- RESPONSE --------------------------------------------------------------------- */

void requests_on_response(struct server *srv, struct client *c, const struct w_response *m)
{
    struct preq *q = requests_find(srv, m->proxy_id);
    if (!q) {
        log_debug("client #%llu: response to proxy request %u, which is not pending (timed "
                  "out or cancelled): ignored",
                  CID(c), m->proxy_id);
        return;
    }
    if (q->handler->client != c || q->handler->hline != m->hline) {
        log_warn("client #%llu: response (hLine %u) to proxy request %u, which was sent to "
                 "client #%llu hLine %u: ignored",
                 CID(c), m->hline, m->proxy_id, CID(q->handler->client), q->handler->hline);
        return;
    }
    detach(srv, q);
    const struct px_type *t = px_type(q->type);
    uint32_t result = m->result;
    const uint8_t *out = NULL;
    uint32_t len = 0;
    if (result == 0) {
        const char *why = "";
        if (requests_check_output(q, m->out.p, m->out.len, &why) < 0) {
            log_warn("client #%llu: bad output for proxy request %u (%s): %s; the requester "
                     "gets LINEERR_OPERATIONFAILED",
                     CID(c), q->proxy_id, t->name, why);
            result = LINEERR_OPERATIONFAILED;
        } else if (t->out != PX_OUT_NONE) {
            out = m->out.p;
            len = m->out.len;
        }
    } else if (!(result & 0x80000000u)) {
        log_warn("client #%llu: proxy request %u (%s) answered with %08x, not a LINEERR_ "
                 "value: LINEERR_OPERATIONFAILED",
                 CID(c), q->proxy_id, t->name, result);
        result = LINEERR_OPERATIONFAILED;
    }
    complete(q, result, out, len);
    free(q);
}
