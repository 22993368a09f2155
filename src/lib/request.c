/*
 * request.c - the requesting side of the proxy machinery, for all 20
 * call-center functions at once: checks that need no round trip, the
 * LINEPROXYREQUEST image sent to the server, and on LINE_REPLY the output
 * written into the caller's memory before the message is queued.
 *
 * Everything that differs between request types comes from the table in
 * src/common/proxytab.c; the API functions (agent.c) only fill in their
 * parameters.
 */
#include "lib.h"

#include <stdlib.h>
#include <string.h>

#include "proxytab.h"
#include "utf.h"
#include "varstruct.h"

struct htab tx_pending;
static uint32_t next_reqid; /* under tx_lock */

/* A fresh request id in 1..0x7FFFFFFF, not pending (tx_lock held). */
static uint32_t new_reqid(void)
{
    do
        next_reqid = next_reqid >= 0x7FFFFFFFu ? 1 : next_reqid + 1;
    while (tx_htab_get(&tx_pending, next_reqid));
    return next_reqid;
}

/* Append a UTF-16 string at an even offset of img and set its pair. */
static int put_str16(struct wbuf *img, uint32_t pair_off, const WCHAR *w, const char *s8)
{
    uint16_t *tmp = NULL;
    int err = 0;
    if (!w && s8) {
        tmp = utf8_to_utf16_dup(s8, &err);
        if (!tmp)
            return err == UTF_ENOMEM ? (int)LINEERR_NOMEM : (int)LINEERR_INVALPARAM;
        w = tmp;
    }
    if (!w)
        return 0; /* NULL: absent, size and offset 0 */
    size_t units = utf16_len(w) + 1;
    if (img->len & 1)
        img->len++;
    if (units > 0x7FFFFFFu || wbuf_reserve(img, units * 2 + 1)) {
        free(tmp);
        return (int)LINEERR_NOMEM;
    }
    uint32_t off = (uint32_t)img->len;
    for (size_t i = 0; i < units; i++)
        vs_put_u16(img->p, off + (uint32_t)(2 * i), w[i]);
    img->len += units * 2;
    vs_put_u32(img->p, pair_off, (uint32_t)(units * 2));
    vs_put_u32(img->p, pair_off + 4, off);
    free(tmp);
    return 0;
}

/* The app's input LINEAGENTGROUPLIST: only the GroupIDs matter, so the
   entry array must lie inside dwTotalSize; names are not looked at. */
static LONG check_group_list(const void *list, uint32_t *len)
{
    if (!list) {
        *len = 0;
        return 0;
    }
    uint32_t total = vs_get_u32(list, 0), n = vs_get_u32(list, 12);
    uint32_t size = vs_get_u32(list, 16), off = vs_get_u32(list, 20);
    if (total < 24)
        return (LONG)LINEERR_STRUCTURETOOSMALL;
    if ((uint64_t)n * 24 != size || (size && (off < 24 || off > total || size > total - off)))
        return (LONG)LINEERR_INVALPARAM;
    *len = total;
    return 0;
}

/* Build the LINEPROXYREQUEST image of r (see docs/PROTOCOL.md). */
static LONG build_body(const struct px_type *t, struct tx_req *r, DWORD version, uint32_t max_frame,
                       struct wbuf *img)
{
    uint32_t fixed = PX_HDR + t->union_size;
    if (t->out == PX_OUT_STRUCT) /* room is added by the server */
        fixed = t->out_off + px_fixed(t->st, version);
    if (wbuf_reserve(img, fixed + 64))
        return (LONG)LINEERR_NOMEM;
    memset(img->p, 0, fixed);
    vs_put_u32(img->p, 24, t->type);
    memcpy(img->p + PX_HDR, r->u, fixed - PX_HDR < sizeof r->u ? fixed - PX_HDR : sizeof r->u);
    img->len = fixed;
    if (t->out == PX_OUT_STRUCT) {
        /* The handler writes UTF-16; an A caller's buffer holds the UTF-8
           form, at most half as long, so the handler gets twice the room. */
        uint64_t give = r->wide ? r->out_len : (uint64_t)r->out_len * 2;
        /* capped so that the request, with the names the server adds,
           fits the server's frame limit */
        uint32_t cap = max_frame - 4096 - t->out_off;
        vs_put_u32(img->p, t->out_off, give > cap ? cap : (uint32_t)give);
    }
    if (t->in == PX_IN_STRINGS) {
        for (int i = 0; i < t->nstr; i++) {
            int rc = put_str16(img, t->str_pairs[i], r->s16[i], r->s8[i]);
            if (rc)
                return rc;
        }
    } else if (t->in == PX_IN_GROUPLIST || t->in == PX_IN_PARAMS) {
        uint32_t at = t->out_off; /* the group list at 32, the parameter block at 40 */
        if (t->in == PX_IN_GROUPLIST && !r->in_len) {
            /* NULL list: an empty one, which logs the agent out of all groups */
            uint32_t empty[6] = {24, 24, 24, 0, 0, 0};
            for (int i = 0; i < 6; i++)
                vs_put_u32(img->p, at + 4 * (uint32_t)i, empty[i]);
        } else {
            size_t end = (size_t)at + r->in_len;
            if (end > img->len && wbuf_reserve(img, end - img->len))
                return (LONG)LINEERR_NOMEM;
            if (r->in_len) /* lineAgentSpecific(..., NULL, 0): nothing, and no memcpy(NULL) */
                memcpy(img->p + at, r->in, r->in_len);
            if (end > img->len)
                img->len = end;
            if (t->in == PX_IN_GROUPLIST) { /* all of it is input */
                vs_put_u32(img->p, at + 4, r->in_len);
                vs_put_u32(img->p, at + 8, r->in_len);
            }
        }
    }
    return 0;
}

LONG tx_request(struct tx_req *r)
{
    const struct px_type *t = px_type(r->type);
    /* lineGetAgentCaps names hLineApp + device; every other one an hLine,
       and hLine 0 is as invalid as any other unknown handle. */
    bool by_app = t->type == LINEPROXYREQUEST_GETAGENTCAPS;
    struct tx_line line = {0};
    struct tx_app *app = by_app ? tx_app_get(r->happ) : tx_app_of_line(r->hline, &line);
    if (!app)
        return by_app ? (LONG)LINEERR_INVALAPPHANDLE : (LONG)LINEERR_INVALLINEHANDLE;
    DWORD version = by_app ? r->app_version : line.version;
    LONG rc = 0;
    if (by_app && (!tx_version_ok(version) || version < t->min_version))
        rc = (LONG)LINEERR_INCOMPATIBLEAPIVERSION; /* lineGetAgentCaps' dwAppAPIVersion */
    else if (r->in_missing || (t->out != PX_OUT_NONE && t->out != PX_OUT_PARAMS && !r->out) ||
             (t->out == PX_OUT_PARAMS && !r->out && r->out_len))
        rc = (LONG)LINEERR_INVALPOINTER;
    else if (t->out == PX_OUT_STRUCT &&
             (r->out_len = vs_get_u32(r->out, 0)) < px_fixed(t->st, version))
        rc = (LONG)LINEERR_STRUCTURETOOSMALL;
    else if (t->in == PX_IN_GROUPLIST)
        rc = check_group_list(r->in, &r->in_len);
    /* not an else: lineSetAgentGroup's list check above must not skip it */
    if (!rc && !by_app && (version < t->min_version || !(line.served & (1u << t->type))))
        rc = (LONG)LINEERR_OPERATIONUNAVAIL; /* no handler, or a newer function than the line */
    struct wbuf img = {0};
    if (!rc)
        rc = build_body(t, r, version, app->max_frame, &img);
    struct tx_pending *p = rc ? NULL : malloc(sizeof *p);
    if (!rc && !p)
        rc = (LONG)LINEERR_NOMEM;
    if (rc) {
        wbuf_free(&img);
        tx_app_put(app);
        return rc;
    }
    *p = (struct tx_pending){.app = app,
                             .hline = r->hline,
                             .instance = line.instance,
                             .type = t->type,
                             .out = r->out,
                             .out_len = r->out_len,
                             .version = version,
                             .wide = r->wide};
    pthread_mutex_lock(&tx_lock);
    p->reqid = new_reqid();
    if (tx_htab_put(&tx_pending, p->reqid, p))
        rc = (LONG)LINEERR_NOMEM;
    pthread_mutex_unlock(&tx_lock);
    uint32_t reqid = p->reqid;
    if (!rc) {
        /* Registered before sending: the LINE_REPLY may beat our return. */
        struct w_request msg = {r->hline, r->device, r->app_version,
                                reqid,    t->type,   {img.p, (uint32_t)img.len}};
        rc = tx_send(app, W_REQUEST, &msg);
    }
    wbuf_free(&img);
    if (rc) {
        pthread_mutex_lock(&tx_lock);
        if (tx_htab_get(&tx_pending, reqid) == p) { /* not already failed by a disconnect */
            tx_htab_del(&tx_pending, reqid);
            free(p);
        } else {
            rc = (LONG)reqid; /* its LINE_REPLY(OPERATIONFAILED) is already queued */
        }
        pthread_mutex_unlock(&tx_lock);
    }
    tx_app_put(app);
    return rc ? rc : (LONG)reqid;
}

/* Write a successful request's output; returns 0 or the LINEERR_ that the
   requester gets instead (its memory then untouched). */
static LONG write_output(const struct tx_pending *p, const struct w_event *ev)
{
    const struct px_type *t = px_type(p->type);
    const uint8_t *d = ev->data.p;
    uint32_t len = ev->data.len;
    switch (t->out) {
    case PX_OUT_HANDLE:
        if (len != 4)
            return (LONG)LINEERR_OPERATIONFAILED;
        memcpy(p->out, d, 4);
        return 0;
    case PX_OUT_PARAMS:
        if (len > p->out_len)
            return (LONG)LINEERR_OPERATIONFAILED;
        if (len)
            memcpy(p->out, d, len);
        return 0;
    case PX_OUT_STRUCT:
        break;
    default:
        return 0;
    }
    const char *why;
    if (px_validate(t->st, d, len, p->version, 0, &why))
        return (LONG)LINEERR_OPERATIONFAILED;
    if (p->wide) {
        if (len > p->out_len)
            return (LONG)LINEERR_OPERATIONFAILED;
        memcpy(p->out, d, len);
        vs_put_u32(p->out, 0, p->out_len); /* the app's dwTotalSize stays */
        return 0;
    }
    /* Convert aside, so that a failure leaves the caller's memory alone. */
    uint8_t *tmp = malloc(p->out_len);
    if (!tmp)
        return (LONG)LINEERR_NOMEM;
    int rc = px_to_narrow(t->st, d, len, tmp, p->out_len, p->version);
    if (!rc)
        memcpy(p->out, tmp, vs_get_u32(tmp, 8));
    free(tmp);
    return rc ? (LONG)LINEERR_OPERATIONFAILED : 0;
}

static void queue_reply(struct tx_app *app, const struct tx_pending *p, LONG result)
{
    /* dwParam2 holds the LONG result zero-extended, so both
       (LONG)dwParam2 and a compare with a LINEERR_ constant work. */
    LINEMESSAGE m = {0, LINE_REPLY, p->instance, p->reqid, (DWORD)result, 0};
    if (!app->shut)
        tx_queue_push(app, &m);
}

void tx_reply_event(struct tx_app *app, const struct w_event *ev)
{
    struct tx_pending *p = tx_htab_get(&tx_pending, (uint32_t)ev->p1);
    if (!p || p->app != app)
        return; /* suppressed: the requester closed its line meanwhile */
    tx_htab_del(&tx_pending, p->reqid);
    LONG result = (LONG)(uint32_t)ev->p2;
    if (result > 0)
        result = (LONG)LINEERR_OPERATIONFAILED;
    if (!result)
        result = write_output(p, ev);
    queue_reply(app, p, result);
    free(p);
}

struct drop_arg {
    struct tx_app *app;
    HLINE hline;
    uint32_t *ids;
    size_t n;
};

static void collect(uint64_t key, void *val, void *arg)
{
    struct drop_arg *da = arg;
    struct tx_pending *p = val;
    if (p->app == da->app && (!da->hline || p->hline == da->hline))
        da->ids[da->n++] = (uint32_t)key;
}

static int cmp_id(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

void tx_pending_drop(struct tx_app *app, HLINE hline, bool fail)
{
    struct drop_arg da = {app, hline, malloc((tx_pending.n + 1) * sizeof(uint32_t)), 0};
    if (!da.ids)
        return;
    tx_htab_each(&tx_pending, collect, &da);
    /* in request-id order, which is the order they were made (until the
       2^31 wrap) */
    qsort(da.ids, da.n, sizeof da.ids[0], cmp_id);
    for (size_t i = 0; i < da.n; i++) {
        struct tx_pending *p = tx_htab_del(&tx_pending, da.ids[i]);
        if (fail)
            queue_reply(app, p, (LONG)LINEERR_OPERATIONFAILED);
        free(p);
    }
    free(da.ids);
}
