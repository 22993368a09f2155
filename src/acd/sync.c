/*
 * sync.c - several acdproxy nodes on one store (docs/ACD.md "Several
 * nodes"): what another node committed reaches this node's model and its
 * monitoring apps.
 *
 * acd_sync_directory (batch.c) calls in here when store_changed says the
 * store moved: inside a batch right after store_begin, so the handlers see
 * the other nodes' sessions before they write, and on the timer or the
 * store's descriptor while idle, so monitors hear of a change promptly.
 * Each difference is announced as the local handler would have announced
 * the change (handlers.c): the same messages with the same bits.
 */
#include <stdlib.h>

#include "acd.h"
#include "log.h"

/* An (agent, line, address) whose 2.0 view a session change may move, with
 * the view before the first change to it. */
struct touched {
    uint32_t agent, line, address;
    struct acd_status20 before;
    bool groups; /* a session came or ended there */
};

struct sess_sync {
    struct acd *a;
    struct touched *t;
    size_t n, cap;
    long changes;
};

static void touch(struct sess_sync *y, const struct m_session *old, const struct m_session *now)
{
    bool groups = !old || (old->state != LINEAGENTSESSIONSTATE_ENDED &&
                           now->state == LINEAGENTSESSIONSTATE_ENDED);
    for (size_t i = 0; i < y->n; i++) {
        struct touched *t = &y->t[i];
        if (t->agent == now->agent && t->line == now->line && t->address == now->address) {
            t->groups |= groups;
            return;
        }
    }
    const struct m_agent *ag = model_agent(&y->a->m, now->agent);
    if (!ag)
        return; /* not in the directory (yet): no 2.0 view to move */
    if (y->n == y->cap) {
        size_t ncap = y->cap ? y->cap * 2 : 16;
        struct touched *p = realloc(y->t, ncap * sizeof *p);
        if (!p)
            return; /* that LINE_AGENTSTATUS is lost; the sessions are right */
        y->t = p;
        y->cap = ncap;
    }
    struct touched *t = &y->t[y->n++];
    *t = (struct touched){
        .agent = now->agent, .line = now->line, .address = now->address, .groups = groups};
    acd_status20(y->a, ag, now->line, now->address, &t->before);
}

static void on_session(void *arg, const struct m_session *old, const struct m_session *now)
{
    struct sess_sync *y = arg;
    y->changes++;
    touch(y, old, now);
    if (!old)
        notify_session(y->a, now, LINEAGENTSESSIONSTATUS_NEWSESSION | LINEAGENTSESSIONSTATUS_STATE,
                       now->state);
    else if (old->state != now->state)
        notify_session(y->a, now, LINEAGENTSESSIONSTATUS_STATE, now->state);
    else
        notify_session(y->a, now, LINEAGENTSESSIONSTATUS_UPDATEINFO, 0);
}

long acd_sync_sessions(struct acd *a)
{
    struct sess_sync y = {.a = a, .t = NULL, .n = 0, .cap = 0, .changes = 0};
    int rc = model_sync_sessions(&a->m, on_session, &y);
    if (rc)
        log_warn("reading the sessions failed (%d: %s)", rc, store_errmsg(a->m.st));
    /* what was merged before a failure is in memory: announce it too */
    for (size_t i = 0; i < y.n; i++) {
        const struct touched *t = &y.t[i];
        const struct m_agent *ag = model_agent(&a->m, t->agent);
        if (ag)
            acd_announce20(a, ag, t->line, t->address, &t->before, t->groups);
    }
    free(y.t);
    return rc ? -1 : y.changes;
}

/* LINE_AGENTSTATUS(ACTIVITY) wherever the agent is logged in: the activity
 * is the agent's, the 2.0 view shows it at each of its addresses. */
static void announce_activity(struct acd *a, const struct m_agent *ag)
{
    for (uint32_t i = 0; i < ag->nlive; i++) {
        const struct m_session *s = &a->m.sess[ag->live[i]];
        if (s->state == LINEAGENTSESSIONSTATE_ENDED)
            continue;
        bool dup = false;
        for (uint32_t k = 0; k < i && !dup; k++) {
            const struct m_session *o = &a->m.sess[ag->live[k]];
            dup = o->state != LINEAGENTSESSIONSTATE_ENDED && o->line == s->line &&
                  o->address == s->address;
        }
        if (!dup)
            notify_agent_status(a, s->line, s->address, LINEAGENTSTATUS_ACTIVITY, 0);
    }
}

void acd_announce_agent(struct acd *a, const struct m_change *c)
{
    const struct m_agent *ag = model_agent(&a->m, c->id);
    if (!ag)
        return;
    switch (c->kind) {
    case MC_AGENTSTATE:
        notify_agentex(a, c->id, LINEAGENTSTATUSEX_STATE, ag->a.state);
        break;
    case MC_AGENTINFO:
        notify_agentex(a, c->id, LINEAGENTSTATUSEX_UPDATEINFO, 0);
        break;
    case MC_AGENTACTIVITY:
        announce_activity(a, ag);
        break;
    default:
        break;
    }
}
