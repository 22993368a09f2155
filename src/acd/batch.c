/*
 * batch.c - group commit: many requests in one store transaction, answered
 * only after it is on disk (docs/ACD.md "Durability").
 */
#include <stdlib.h>

#include "acd.h"
#include "log.h"

int acd_reload(struct acd *a)
{
    struct acd_model fresh;
    int rc = model_load(&fresh, a->m.st);
    if (rc) {
        log_warn("reloading the model from the store failed (%d: %s); retrying later", rc,
                 store_errmsg(a->m.st));
        model_free(&fresh);
        a->need_reload = true;
        model_clear_err(&a->m);
        return rc;
    }
    model_free(&a->m);
    a->m = fresh;
    a->need_reload = false;
    return 0;
}

size_t acd_sync_directory(struct acd *a)
{
    bool changed = false;
    int rc = store_changed(a->m.st, &changed);
    if (rc) {
        log_debug("store_changed: %d (%s)", rc, store_errmsg(a->m.st));
        return 0;
    }
    if (!changed)
        return 0;
    struct m_change *ch = NULL;
    size_t nch = 0;
    rc = model_reload_directory(&a->m, &ch, &nch);
    if (rc) {
        log_warn("reading the directory failed (%d: %s)", rc, store_errmsg(a->m.st));
        free(ch);
        return 0;
    }
    uint32_t cur = a->cur_req;
    a->cur_req = UINT32_MAX; /* belongs to no request: never dropped */
    for (size_t i = 0; i < nch; i++) {
        switch (ch[i].kind) {
        case MC_NEWGROUP:
            notify_group(a, LINEGROUPSTATUS_NEWGROUP);
            break;
        case MC_GROUPREMOVED:
            notify_group(a, LINEGROUPSTATUS_GROUPREMOVED);
            break;
        case MC_NEWQUEUE:
            notify_queue(a, ch[i].id, LINEQUEUESTATUS_NEWQUEUE);
            break;
        case MC_QUEUEREMOVED:
            notify_queue(a, ch[i].id, LINEQUEUESTATUS_QUEUEREMOVED);
            break;
        case MC_NEWAGENT:
            notify_agentex(a, ch[i].id, LINEAGENTSTATUSEX_NEWAGENT, 0);
            break;
        case MC_AGENTSTATE:
        case MC_AGENTINFO:
        case MC_AGENTACTIVITY:
            acd_announce_agent(a, &ch[i]);
            break;
        }
    }
    long nsess = acd_sync_sessions(a); /* other nodes' sessions */
    a->cur_req = cur;
    if (nch)
        log_info("directory changed: %zu announcement(s)", nch);
    if (nsess > 0)
        log_debug("%ld session(s) changed by another node", nsess);
    free(ch);
    return nch + (nsess > 0 ? (size_t)nsess : 0);
}

/* The transaction holding items [from, to] failed: undo them. */
static size_t fail_segment(struct acd *a, struct acd_item *items, size_t from, size_t to,
                           bool began, int why)
{
    size_t refused = 0;
    if (began)
        store_rollback(a->m.st);
    for (size_t i = from; i <= to; i++) {
        if (!items[i].changed)
            continue;
        items[i].result = (LONG)LINEERR_RESOURCEUNAVAIL;
        notify_drop(a, (uint32_t)i);
        refused++;
    }
    log_warn("store write failed (%d: %s): %zu change(s) refused with RESOURCEUNAVAIL", why,
             store_errmsg(a->m.st), refused);
    if (began && refused)
        acd_reload(a); /* memory held changes the store just dropped */
    model_clear_err(&a->m);
    return refused;
}

static bool begin(struct acd *a)
{
    int rc = store_begin(a->m.st);
    if (rc) {
        /* no transaction: the model refuses every write of this segment */
        a->m.store_err = rc < 0 ? rc : ST_ERR;
        return false;
    }
    /* An admin may have changed a record we would write back whole. */
    acd_sync_directory(a);
    return true;
}

size_t acd_batch(struct acd *a, struct acd_item *items, size_t n)
{
    size_t refused = 0, seg = 0;
    if (!n)
        return 0;
    if (a->need_reload)
        acd_reload(a);
    bool began = begin(a);
    for (size_t i = 0; i < n; i++) {
        struct acd_item *it = &items[i];
        it->changed = false;
        if (!it->line || !it->req) {
            it->result = (LONG)LINEERR_OPERATIONFAILED;
            continue;
        }
        struct acd_req r = {it->req, it->req->dwSize, it->line, {0}};
        acd_req_user(&r);
        a->cur_req = (uint32_t)i;
        uint32_t w0 = a->m.writes;
        it->result = acd_handle(a, &r);
        it->changed = a->m.writes != w0;
        log_debug("%s from '%s' on line %u: %s%08x", acd_type_name(it->req->dwRequestType), r.user,
                  it->line->device, it->result ? "LINEERR " : "", (unsigned)it->result);
        if (a->m.store_err && it->changed) {
            int why = a->m.store_err;
            refused += fail_segment(a, items, seg, i, began, why);
            seg = i + 1;
            if (began && i + 1 < n)
                began = begin(a); /* the rest in a new transaction */
            else if (!began)
                a->m.store_err = why; /* no transaction at all: keep refusing */
        }
    }
    if (began) {
        int rc = store_commit(a->m.st);
        if (rc)
            refused += fail_segment(a, items, seg, n - 1, true, rc);
    }
    model_clear_err(&a->m);
    return refused;
}
