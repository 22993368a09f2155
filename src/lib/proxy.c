/*
 * proxy.c - the handling side of the proxy machinery: LINE_PROXYREQUEST
 * buffers owned by the library, lineProxyResponse, lineProxyMessage, and
 * lineGetProxyStatus.
 *
 * A handler gets a pointer to a buffer this library allocated.  Every such
 * pointer is in tx_preqs; lineProxyResponse looks the pointer up there and
 * never dereferences one it does not know, so a foreign or already-answered
 * pointer is LINEERR_INVALPOINTER, not a crash.
 */
#include "lib.h"

#include <stdlib.h>
#include <string.h>

#include "proxytab.h"
#include "varstruct.h"

struct htab tx_preqs;

static void preq_free(struct tx_preq *q)
{
    tx_htab_del(&tx_preqs, (uint64_t)(uintptr_t)q->req);
    tx_htab_del(&q->app->preqs, q->proxy_id);
    free(q->req);
    free(q);
}

void tx_proxy_request_event(struct tx_app *app, const struct w_event *ev)
{
    if (app->shut || ev->data.len < PX_HDR + 4 || vs_get_u32(ev->data.p, 0) != ev->data.len)
        return;
    const struct px_type *t = px_type(vs_get_u32(ev->data.p, 24));
    struct tx_preq *q = calloc(1, sizeof *q);
    LINEPROXYREQUEST *req = malloc(ev->data.len);
    if (!t || !q || !req) {
        /* Unanswerable here; the server's timeout completes the request. */
        free(q);
        free(req);
        return;
    }
    memcpy(req, ev->data.p, ev->data.len);
    *q = (struct tx_preq){.app = app,
                          .hline = ev->hdevice,
                          .proxy_id = (uint32_t)ev->p1,
                          .type = t->type,
                          .size = ev->data.len,
                          .client_version = req->dwClientAppAPIVersion,
                          .req = req};
    if (t->out == PX_OUT_PARAMS)
        q->params_size = vs_get_u32(req, 36);
    if (t->out == PX_OUT_STRUCT) {
        q->given = ev->data.len >= t->out_off + 4 ? vs_get_u32(req, t->out_off) : 0;
        if (q->given < 12 || q->given > ev->data.len - t->out_off) {
            free(q); /* no room as promised: not a request this library serves */
            free(req);
            return;
        }
    }
    if (tx_htab_put(&tx_preqs, (uint64_t)(uintptr_t)req, q) ||
        tx_htab_put(&app->preqs, q->proxy_id, q)) {
        tx_htab_del(&tx_preqs, (uint64_t)(uintptr_t)req);
        free(q);
        free(req);
        return;
    }
    struct tx_line *line = tx_htab_get(&tx_lines, ev->hdevice);
    LINEMESSAGE m = {
        ev->hdevice, LINE_PROXYREQUEST, line ? line->instance : 0, (DWORD_PTR)req, 0, 0};
    tx_queue_push(app, &m);
}

void tx_proxy_cancel_event(struct tx_app *app, uint32_t proxy_id)
{
    struct tx_preq *q = tx_htab_get(&app->preqs, proxy_id);
    if (q)
        q->cancelled = true;
}

struct free_arg {
    struct tx_app *app;
    struct tx_preq **qs;
    size_t n;
};

static void collect(uint64_t key, void *val, void *arg)
{
    (void)key;
    struct free_arg *fa = arg;
    fa->qs[fa->n++] = val;
}

void tx_preqs_drop(struct tx_app *app)
{
    struct free_arg fa = {app, malloc((app->preqs.n + 1) * sizeof(struct tx_preq *)), 0};
    if (!fa.qs)
        return;
    tx_htab_each(&app->preqs, collect, &fa);
    for (size_t i = 0; i < fa.n; i++)
        preq_free(fa.qs[i]);
    free(fa.qs);
    tx_htab_free(&app->preqs);
}

/* The output of a successful response, checked as DESIGN §5.7 asks: a
   structure must be consistent and fit the room it was given. */
static LONG response_output(const struct tx_preq *q, const struct px_type *t, struct wire_blob *out)
{
    const uint8_t *r = (const uint8_t *)q->req;
    uint32_t size = q->size;
    out->p = NULL;
    out->len = 0;
    switch (t->out) {
    case PX_OUT_HANDLE:
        out->p = r + t->out_off;
        out->len = 4;
        return 0;
    case PX_OUT_PARAMS:
        /* The block goes back at most as large as it came, whatever the
           handler wrote into dwSize (checked against the size as it
           arrived, not against the handler's memory). */
        out->p = r + t->out_off;
        out->len = vs_get_u32(r, 36);
        return out->len > q->params_size || out->len > size - t->out_off ? (LONG)LINEERR_INVALPARAM
                                                                         : 0;
    case PX_OUT_STRUCT: {
        const uint8_t *st = r + t->out_off;
        uint32_t used = vs_get_u32(st, 8);
        const char *why;
        if (vs_get_u32(st, 0) != q->given || used > q->given ||
            px_validate(t->st, st, used, q->client_version, 0, &why))
            return (LONG)LINEERR_INVALPARAM;
        out->p = st;
        out->len = used;
        return 0;
    }
    default:
        return 0;
    }
}

LONG WINAPI lineProxyResponse(HLINE hLine, LPLINEPROXYREQUEST lpProxyRequest, DWORD dwResult)
{
    pthread_mutex_lock(&tx_lock);
    struct tx_preq *q = tx_htab_get(&tx_preqs, (uint64_t)(uintptr_t)lpProxyRequest);
    if (!q) {
        pthread_mutex_unlock(&tx_lock);
        return (LONG)LINEERR_INVALPOINTER;
    }
    struct tx_app *app = q->app;
    LONG rc = 0;
    if (hLine != q->hline) {
        rc = (LONG)LINEERR_INVALLINEHANDLE; /* not the line it came on: keep it */
    } else if (q->cancelled || !tx_htab_get(&tx_lines, hLine)) {
        /* Timed out, or the handler's line is gone: the server has already
           completed the request, so the buffer goes now. */
        rc = q->cancelled ? (LONG)LINEERR_INVALPARAM : (LONG)LINEERR_INVALLINEHANDLE;
        preq_free(q);
    } else if ((LONG)dwResult > 0) {
        rc = (LONG)LINEERR_INVALPARAM; /* a result is 0 or a LINEERR_ value */
    }
    struct w_response msg = {hLine, 0, dwResult, {NULL, 0}};
    if (!rc) {
        const struct px_type *t = px_type(q->type);
        msg.proxy_id = q->proxy_id;
        if (dwResult == 0)
            rc = response_output(q, t, &msg.out);
    }
    if (rc) {
        pthread_mutex_unlock(&tx_lock);
        return rc;
    }
    tx_app_ref_locked(app);
    /* Detach the buffer from the tables before sending so that no second
       response can be made for it; free it after the output is sent. */
    tx_htab_del(&tx_preqs, (uint64_t)(uintptr_t)q->req);
    tx_htab_del(&app->preqs, q->proxy_id);
    pthread_mutex_unlock(&tx_lock);
    rc = tx_send(app, W_RESPONSE, &msg);
    free(q->req);
    free(q);
    tx_app_put(app);
    /* A lost connection already failed the request at the server. */
    return rc == (LONG)LINEERR_OPERATIONFAILED ? 0 : rc;
}

/* Messages a handler may generate (DESIGN §5.5), and the version each needs. */
static DWORD proxy_msg_version(DWORD msg)
{
    switch (msg) {
    case LINE_AGENTSPECIFIC:
    case LINE_AGENTSTATUS:
        return 0x00020000u;
    case LINE_AGENTSESSIONSTATUS:
    case LINE_QUEUESTATUS:
    case LINE_AGENTSTATUSEX:
    case LINE_GROUPSTATUS:
        return 0x00020002u;
    default:
        return 0;
    }
}

LONG WINAPI lineProxyMessage(HLINE hLine, HCALL hCall, DWORD dwMsg, DWORD dwParam1, DWORD dwParam2,
                             DWORD dwParam3)
{
    struct tx_line line;
    struct tx_app *app = tx_app_of_line(hLine, &line);
    if (!app)
        return (LONG)LINEERR_INVALLINEHANDLE;
    LONG rc = 0;
    DWORD need = proxy_msg_version(dwMsg);
    if (!line.handles)
        rc = (LONG)LINEERR_NOTREGISTERED;
    else if (hCall)
        rc = (LONG)LINEERR_INVALCALLHANDLE; /* tapix lines carry no calls */
    else if (!need || line.version < need)
        rc = (LONG)LINEERR_INVALPARAM;
    else {
        struct w_proxymsg msg = {hLine, hCall, dwMsg, dwParam1, dwParam2, dwParam3};
        rc = tx_send(app, W_PROXYMSG, &msg);
    }
    tx_app_put(app);
    return rc;
}

LONG WINAPI lineGetProxyStatus(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAppAPIVersion,
                               LPLINEPROXYREQUESTLIST lpLineProxyReqestList)
{
    struct tx_app *app = tx_app_get(hLineApp);
    if (!app)
        return (LONG)LINEERR_INVALAPPHANDLE;
    LONG rc = 0;
    DWORD total = 0;
    if (!lpLineProxyReqestList)
        rc = (LONG)LINEERR_INVALPOINTER;
    else if (dwAppAPIVersion < 0x00020002u || !tx_version_ok(dwAppAPIVersion))
        rc = (LONG)LINEERR_INCOMPATIBLEAPIVERSION; /* a TAPI 2.2 function */
    else if ((total = lpLineProxyReqestList->dwTotalSize) < sizeof(LINEPROXYREQUESTLIST))
        rc = (LONG)LINEERR_STRUCTURETOOSMALL;
    struct tx_reply r = {0};
    if (!rc) {
        struct w_proxystatus msg = {dwDeviceID, dwAppAPIVersion, total};
        rc = tx_call(app, W_PROXYSTATUS, &msg, &r, NULL, NULL);
    }
    if (!rc && !(rc = r.result)) {
        if (r.len < 24 || r.len > total)
            rc = (LONG)LINEERR_OPERATIONFAILED;
        else {
            memcpy(lpLineProxyReqestList, r.data, r.len);
            lpLineProxyReqestList->dwTotalSize = total;
        }
    }
    tx_reply_free(&r);
    tx_app_put(app);
    return rc;
}
