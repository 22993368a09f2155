/*
 * handlers.c - one function per LINEPROXYREQUEST_ type, dispatched from a
 * table indexed by the type (docs/ACD.md is the behaviour).  Adding a type
 * is one row here plus its handler; the request's shape (sizes, where the
 * output goes) comes from src/common/proxytab.c.
 *
 * Every output structure is built with the varstruct writer; its strings
 * are UTF-16, and string offsets inside list entries count from the start
 * of the list.  Handles go to offset 28, the parameter block stays in place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acd.h"
#include "proxytab.h"
#include "utf.h"
#include "varstruct.h"

#define U32(r, off) vs_get_u32((r)->req, (off))

#define TAPIX_EXT_GUID                                                                             \
    {                                                                                              \
        0x6A, 0x70, 0x61, 0x74, 0x00, 0x00, 0x63, 0x41, 0x84, 0x70, 0x72, 0x6F, 0x78, 0x79, 0x00,  \
            0x01                                                                                   \
    }
/* {7461706A-0000-4163-8470-726F78790001}: the tapix extension, index 0 */
static const uint8_t ext_guid[16] = TAPIX_EXT_GUID;
/* {7461706A-0000-4163-8470-726F78790000}: LINEAGENTCAPS.ProxyGUID */
static const uint8_t proxy_guid[16] = {0x6A, 0x70, 0x61, 0x74, 0x00, 0x00, 0x63, 0x41,
                                       0x84, 0x70, 0x72, 0x6F, 0x78, 0x79, 0x00, 0x00};

#define MAX_GROUP_ENTRIES 16u
#define EXT_ECHO 1u
#define EXT_SESSIONS 2u
#define PIN_MAX 256

/* The states of the 2.0 per-address view an app may set, and their features. */
#define STATES20 (LINEAGENTSTATE_LOGGEDOFF | LINEAGENTSTATE_NOTREADY | LINEAGENTSTATE_READY)
#define FEATURES20                                                                                 \
    (LINEAGENTFEATURE_SETAGENTGROUP | LINEAGENTFEATURE_SETAGENTSTATE |                             \
     LINEAGENTFEATURE_SETAGENTACTIVITY | LINEAGENTFEATURE_AGENTSPECIFIC |                          \
     LINEAGENTFEATURE_GETAGENTACTIVITYLIST | LINEAGENTFEATURE_GETAGENTGROUP)
#define STATUSMSGS                                                                                 \
    (LINEAGENTSTATUS_GROUP | LINEAGENTSTATUS_STATE | LINEAGENTSTATUS_NEXTSTATE |                   \
     LINEAGENTSTATUS_ACTIVITY)

/* --- small things ----------------------------------------------------------------- */

static int64_t now(struct acd *a)
{
    return a->clock_ms ? a->clock_ms() : model_now_ms();
}

/*
 * The UTF-16 string at the (size, offset) pair pair_off of the request,
 * as UTF-8 in buf.  Returns 1 when present, 0 when absent (size 0), -1
 * when malformed or too long for buf.
 */
static int req_string(const struct acd_req *r, uint32_t pair_off, char *buf, size_t cap)
{
    buf[0] = 0;
    if (pair_off + 8 > r->size)
        return -1;
    uint32_t size = U32(r, pair_off), off = U32(r, pair_off + 4);
    if (!size)
        return 0;
    if (size % 2 || size < 2 || off > r->size || size > r->size - off)
        return -1;
    uint32_t units = size / 2 - 1;
    if (vs_get_u16(r->req, off + 2 * units) != 0 || units >= cap)
        return -1;
    uint16_t tmp[PIN_MAX];
    if (units > PIN_MAX - 1)
        return -1;
    for (uint32_t i = 0; i < units; i++)
        tmp[i] = vs_get_u16(r->req, off + 2 * i);
    long n = utf16_to_utf8(tmp, units, buf, cap);
    explicit_bzero(tmp, sizeof tmp);
    if (n < 0) {
        explicit_bzero(buf, cap);
        buf[0] = 0;
        return -1;
    }
    return 1;
}

void acd_req_user(struct acd_req *r)
{
    if (req_string(r, 12, r->user, sizeof r->user) < 0)
        r->user[0] = 0;
}

static bool addr_ok(const struct acd_req *r, uint32_t addr)
{
    return addr < r->line->naddr;
}

/* The agent bound to the requesting OS user (the 2.0 functions act on it). */
static LONG bound_agent(struct acd *a, const struct acd_req *r, struct m_agent **out)
{
    *out = model_agent_by_user(&a->m, r->user);
    return *out ? 0 : (LONG)LINEERR_INVALAGENTID;
}

/* The 2.0 functions' common start: the address must exist on the line and
   the requesting OS user must be bound to an agent, checked in that order
   (the address error wins). */
static LONG addressed_agent(struct acd *a, const struct acd_req *r, uint32_t addr,
                            struct m_agent **out)
{
    if (!addr_ok(r, addr))
        return (LONG)LINEERR_INVALADDRESSID;
    return bound_agent(a, r, out);
}

static LONG store_failed(void)
{
    return (LONG)LINEERR_RESOURCEUNAVAIL;
}

static bool active(const struct m_session *s)
{
    return s->state != LINEAGENTSESSIONSTATE_ENDED;
}

static bool at(const struct m_session *s, uint32_t line, uint32_t addr)
{
    return s->line == line && s->address == addr;
}

/* Where a loop over ag->live goes on after visiting session idx at
   position i: ending that session took it out of the list, and what
   followed moved up into position i. */
static uint32_t live_next(const struct m_agent *ag, uint32_t i, uint32_t idx)
{
    return i < ag->nlive && ag->live[i] == idx ? i + 1 : i;
}

static uint32_t next20(uint32_t session_next)
{
    switch (session_next) {
    case LINEAGENTSESSIONSTATE_NOTREADY:
        return LINEAGENTSTATE_NOTREADY;
    case LINEAGENTSESSIONSTATE_READY:
        return LINEAGENTSTATE_READY;
    case LINEAGENTSESSIONSTATE_ENDED:
        return LINEAGENTSTATE_LOGGEDOFF;
    default:
        return 0;
    }
}

void acd_status20(struct acd *a, const struct m_agent *ag, uint32_t perm_line, uint32_t address,
                  struct acd_status20 *o)
{
    bool ready = false, oncall = false, wrapup = false;
    memset(o, 0, sizeof *o);
    for (uint32_t i = 0; i < ag->nlive; i++) {
        const struct m_session *s = &a->m.sess[ag->live[i]];
        if (!active(s) || !at(s, perm_line, address))
            continue;
        o->ngroups++;
        ready |= s->state == LINEAGENTSESSIONSTATE_READY;
        oncall |= s->state == LINEAGENTSESSIONSTATE_BUSYONCALL;
        wrapup |= s->state == LINEAGENTSESSIONSTATE_BUSYWRAPUP;
        if (!o->next)
            o->next = next20(s->next_state);
    }
    if (!o->ngroups)
        o->state = LINEAGENTSTATE_LOGGEDOFF;
    else if (oncall)
        o->state = LINEAGENTSTATE_BUSYACD;
    else if (wrapup)
        o->state = LINEAGENTSTATE_WORKINGAFTERCALL;
    else if (ready)
        o->state = LINEAGENTSTATE_READY;
    else
        o->state = LINEAGENTSTATE_NOTREADY;
}

/* LINE_AGENTSESSIONSTATUS after a session was set: a request that named a
   state announces the state it got; one that changed only the next state
   announces an information update. */
static void notify_session_change(struct acd *a, const struct m_session *s, bool state_set,
                                  uint32_t state)
{
    if (state_set)
        notify_session(a, s, LINEAGENTSESSIONSTATUS_STATE, state);
    else
        notify_session(a, s, LINEAGENTSESSIONSTATUS_UPDATEINFO, 0);
}

void acd_announce20(struct acd *a, const struct m_agent *ag, uint32_t line, uint32_t addr,
                    const struct acd_status20 *before, bool groups_changed)
{
    struct acd_status20 after;
    acd_status20(a, ag, line, addr, &after);
    uint32_t bits = 0;
    if (groups_changed || after.ngroups != before->ngroups)
        bits |= LINEAGENTSTATUS_GROUP;
    if (after.state != before->state)
        bits |= LINEAGENTSTATUS_STATE;
    if (after.next != before->next)
        bits |= LINEAGENTSTATUS_NEXTSTATE;
    if (bits)
        notify_agent_status(a, line, addr, bits, bits & LINEAGENTSTATUS_STATE ? after.state : 0);
}

/* OLE automation date of a Unix time in ms (days since 1899-12-30, UTC). */
static double ole_date(int64_t ms)
{
    return (double)ms / 86400000.0 + 25569.0;
}

static void put_double(vs_writer *w, uint32_t off, double d)
{
    uint8_t b[8];
    memcpy(b, &d, 8); /* little-endian host, as the ABI */
    vs_write(w, off, b, 8);
}

/* CURRENCY: a 64-bit integer scaled by 10 000. */
static void put_cy(vs_writer *w, uint32_t off, uint64_t calls, uint64_t seconds)
{
    int64_t v = seconds ? (int64_t)(calls * 3600u * 10000u / seconds) : 0;
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)v >> (8 * i));
    vs_write(w, off, b, 8);
}

static uint32_t avg(uint32_t total, uint32_t n)
{
    return n ? total / n : 0;
}

static uint64_t session_seconds(const struct m_session *s, int64_t now_ms)
{
    int64_t end = s->end_ms ? s->end_ms : now_ms;
    return end > s->start_ms ? (uint64_t)(end - s->start_ms) / 1000u : 0;
}

/* --- output structures ----------------------------------------------------------------- */

/* Start the request's embedded output structure. */
static LONG out_begin(const struct acd_req *r, vs_writer *w)
{
    const struct px_type *t = px_type(r->req->dwRequestType);
    uint32_t fixed = px_fixed(t->st, r->req->dwClientAppAPIVersion);
    if (t->out_off + 12 > r->size)
        return (LONG)LINEERR_OPERATIONFAILED;
    uint32_t total = U32(r, t->out_off);
    if (total < fixed)
        return (LONG)LINEERR_STRUCTURETOOSMALL;
    if (total > r->size - t->out_off)
        return (LONG)LINEERR_OPERATIONFAILED;
    if (vs_init(w, (uint8_t *)r->req + t->out_off, total, fixed))
        return (LONG)LINEERR_OPERATIONFAILED;
    return 0;
}

static LONG out_end(vs_writer *w)
{
    return vs_finish(w) ? (LONG)LINEERR_OPERATIONFAILED : 0;
}

/* A LINEAGENTGROUPLIST-shaped list of the given group indexes (all alive
 * groups when idx is NULL) with num/pair at 12/16. */
static void write_groups(struct acd *a, vs_writer *w, uint32_t num_off, uint32_t pair_off,
                         const uint32_t *idx, uint32_t n)
{
    uint32_t count = n;
    if (!idx) {
        count = 0;
        for (uint32_t i = 0; i < a->m.ngroups; i++)
            count += a->m.groups[i].alive;
    }
    vs_block blk = vs_reserve_list(w, num_off, pair_off, count, 24);
    uint32_t k = 0;
    for (uint32_t i = 0; idx ? i < n : i < a->m.ngroups; i++) {
        const struct m_group *g = &a->m.groups[idx ? idx[i] : i];
        if (!idx && !g->alive)
            continue;
        vs_write_in(w, &blk, k * 24, g->guid.b, 16);
        if (vs_append_utf8_as_utf16_in(w, &blk, k * 24 + 16, g->name) == VS_EENCODING)
            vs_append_utf8_as_utf16_in(w, &blk, k * 24 + 16, "?");
        k++;
    }
}

/* --- TAPI 2.0: per-address control ---------------------------------------------------- */

static LONG h_setagentgroup(struct acd *a, struct acd_req *r)
{
    uint32_t addr = U32(r, 28);
    struct m_agent *ag;
    LONG rc = addressed_agent(a, r, addr, &ag);
    if (rc)
        return rc;
    /* the input list at 32, offsets from its start */
    const uint8_t *list = (const uint8_t *)r->req + 32;
    uint32_t room = r->size - 32;
    uint32_t total = vs_get_u32(list, 0), n = vs_get_u32(list, 12);
    uint32_t lsize = vs_get_u32(list, 16), loff = vs_get_u32(list, 20);
    if (total > room || (uint64_t)n * 24 != lsize ||
        (n && (loff < 24 || loff > total || lsize > total - loff)))
        return (LONG)LINEERR_INVALPARAM;
    if (n > MAX_GROUP_ENTRIES)
        return (LONG)LINEERR_INVALPARAM;
    uint32_t want[MAX_GROUP_ENTRIES], nwant = 0;
    for (uint32_t i = 0; i < n; i++) {
        st_guid g;
        memcpy(g.b, list + loff + 24 * i, 16);
        uint32_t gi = model_group_index(&a->m, &g);
        if (gi == M_NONE)
            return (LONG)LINEERR_INVALAGENTGROUP;
        bool dup = false;
        for (uint32_t k = 0; k < nwant; k++)
            dup |= want[k] == gi;
        if (!dup)
            want[nwant++] = gi;
    }
    uint32_t line = r->line->perm_id;
    int64_t t = now(a);
    struct acd_status20 before;
    acd_status20(a, ag, line, addr, &before);
    bool changed = false;
    /* end the sessions of groups not in the list */
    for (uint32_t i = 0, idx = 0; i < ag->nlive; i = live_next(ag, i, idx)) {
        idx = ag->live[i];
        struct m_session *s = &a->m.sess[idx];
        if (!active(s) || !at(s, line, addr))
            continue;
        bool keep = false;
        for (uint32_t k = 0; k < nwant && !keep; k++)
            keep = want[k] == s->group;
        if (keep)
            continue;
        if (model_session_set(&a->m, s, LINEAGENTSESSIONSTATE_ENDED, 0, t))
            return store_failed();
        notify_session(a, s, LINEAGENTSESSIONSTATUS_STATE, LINEAGENTSESSIONSTATE_ENDED);
        changed = true;
    }
    /* a session for each new group */
    for (uint32_t k = 0; k < nwant; k++) {
        bool have = false;
        for (uint32_t i = 0; i < ag->nlive && !have; i++) {
            const struct m_session *s = &a->m.sess[ag->live[i]];
            have = active(s) && at(s, line, addr) && s->group == want[k];
        }
        if (have)
            continue;
        struct m_session *s;
        int added = model_session_add(&a->m, ag, want[k], line, addr, t, &s);
        if (added == ST_EXISTS)
            continue; /* another node logged it in there: the group is in the list */
        if (added)
            return store_failed();
        notify_session(a, s, LINEAGENTSESSIONSTATUS_NEWSESSION | LINEAGENTSESSIONSTATUS_STATE,
                       LINEAGENTSESSIONSTATE_NOTREADY);
        changed = true;
    }
    acd_announce20(a, ag, line, addr, &before, changed);
    return 0;
}

static bool settable20(uint32_t s)
{
    return s == 0 || s == LINEAGENTSTATE_LOGGEDOFF || s == LINEAGENTSTATE_NOTREADY ||
           s == LINEAGENTSTATE_READY;
}

static uint32_t session_of20(uint32_t s)
{
    switch (s) {
    case LINEAGENTSTATE_NOTREADY:
        return LINEAGENTSESSIONSTATE_NOTREADY;
    case LINEAGENTSTATE_READY:
        return LINEAGENTSESSIONSTATE_READY;
    case LINEAGENTSTATE_LOGGEDOFF:
        return LINEAGENTSESSIONSTATE_ENDED;
    default:
        return 0;
    }
}

static LONG h_setagentstate(struct acd *a, struct acd_req *r)
{
    uint32_t addr = U32(r, 28), state = U32(r, 32), next = U32(r, 36);
    struct m_agent *ag;
    LONG rc = addressed_agent(a, r, addr, &ag);
    if (rc)
        return rc;
    if (!settable20(state) || !settable20(next))
        return (LONG)LINEERR_INVALAGENTSTATE;
    uint32_t line = r->line->perm_id;
    struct acd_status20 before;
    acd_status20(a, ag, line, addr, &before);
    if (state != LINEAGENTSTATE_LOGGEDOFF && !before.ngroups) {
        if (!state && !next)
            return 0;
        return (LONG)LINEERR_INVALAGENTSTATE; /* nobody to set */
    }
    int64_t t = now(a);
    for (uint32_t i = 0, idx = 0; i < ag->nlive; i = live_next(ag, i, idx)) {
        idx = ag->live[i];
        struct m_session *s = &a->m.sess[idx];
        if (!active(s) || !at(s, line, addr))
            continue;
        uint32_t ns = state ? session_of20(state) : s->state;
        uint32_t nn = ns == LINEAGENTSESSIONSTATE_ENDED ? 0 : session_of20(next);
        if (!state && !next)
            continue;
        if (model_session_set(&a->m, s, ns, nn, t))
            return store_failed();
        notify_session_change(a, s, state != 0, ns);
    }
    acd_announce20(a, ag, line, addr, &before, false);
    return 0;
}

static LONG h_setagentactivity(struct acd *a, struct acd_req *r)
{
    uint32_t addr = U32(r, 28), id = U32(r, 32);
    struct m_agent *ag;
    LONG rc = addressed_agent(a, r, addr, &ag);
    if (rc)
        return rc;
    if (!model_activity(&a->m, id))
        return (LONG)LINEERR_INVALAGENTACTIVITY;
    struct st_agent n = ag->a;
    n.activity = id;
    if (model_agent_update(&a->m, ag, &n))
        return store_failed();
    notify_agent_status(a, r->line->perm_id, addr, LINEAGENTSTATUS_ACTIVITY, 0);
    return 0;
}

static LONG h_getagentcaps(struct acd *a, struct acd_req *r)
{
    (void)a;
    if (!addr_ok(r, U32(r, 28)))
        return (LONG)LINEERR_INVALADDRESSID;
    vs_writer w;
    LONG rc = out_begin(r, &w);
    if (rc)
        return rc;
    uint32_t ver = r->req->dwClientAppAPIVersion;
    vs_append_utf8_as_utf16(&w, 12, "tapix acdproxy");
    vs_set_u32(&w, 20, ver < 0x00020002u ? ver : 0x00020002u);
    vs_set_u32(&w, 24, FEATURES20);
    vs_set_u32(&w, 28, STATES20);
    vs_set_u32(&w, 32, STATES20);
    vs_set_u32(&w, 36, MAX_GROUP_ENTRIES);
    vs_set_u32(&w, 40, STATUSMSGS);
    vs_set_u32(&w, 44, 1);
    vs_append(&w, 48, ext_guid, 16);
    if (vs_get_u32(w.base, 52) == 0)
        vs_set_u32(&w, 44, 0); /* the list did not fit: no entries appear */
    if (ver >= 0x00020002u)
        vs_write(&w, 56, proxy_guid, 16);
    return out_end(&w);
}

static LONG h_getagentstatus(struct acd *a, struct acd_req *r)
{
    uint32_t addr = U32(r, 28);
    struct m_agent *ag;
    LONG rc = addressed_agent(a, r, addr, &ag);
    if (rc)
        return rc;
    vs_writer w;
    if ((rc = out_begin(r, &w)))
        return rc;
    uint32_t line = r->line->perm_id;
    struct acd_status20 st;
    acd_status20(a, ag, line, addr, &st);
    uint32_t idx[64], n = 0;
    for (uint32_t i = 0; i < ag->nlive && n < 64; i++) {
        const struct m_session *s = &a->m.sess[ag->live[i]];
        if (active(s) && at(s, line, addr))
            idx[n++] = s->group;
    }
    write_groups(a, &w, 12, 16, idx, n);
    vs_set_u32(&w, 24, st.state);
    vs_set_u32(&w, 28, st.next);
    const struct st_activity *act = model_activity(&a->m, ag->a.activity);
    vs_set_u32(&w, 32, act ? act->id : 0);
    if (act && vs_append_utf8_as_utf16(&w, 36, act->name) == VS_EENCODING)
        vs_append_utf8_as_utf16(&w, 36, "?");
    vs_set_u32(&w, 44, FEATURES20);
    vs_set_u32(&w, 48, STATES20);
    vs_set_u32(&w, 52, STATES20);
    return out_end(&w);
}

static LONG h_agentspecific(struct acd *a, struct acd_req *r)
{
    uint32_t addr = U32(r, 28), index = U32(r, 32), size = U32(r, 36);
    if (!addr_ok(r, addr))
        return (LONG)LINEERR_INVALADDRESSID;
    if (index != 0 || size > r->size - 40 || size < 4)
        return (LONG)LINEERR_INVALPARAM;
    uint8_t *p = (uint8_t *)r->req + 40;
    uint32_t cmd = vs_get_u32(p, 0);
    if (cmd == EXT_ECHO)
        return 0; /* the block goes back as it came */
    if (cmd != EXT_SESSIONS)
        return (LONG)LINEERR_INVALPARAM;
    struct m_agent *ag;
    LONG rc = bound_agent(a, r, &ag);
    if (rc)
        return rc;
    if (size < 12)
        return (LONG)LINEERR_STRUCTURETOOSMALL;
    uint32_t line = r->line->perm_id, count = 0, ret = 0, room = (size - 12) / 4;
    for (uint32_t i = 0; i < ag->nsess; i++) {
        const struct m_session *s = &a->m.sess[ag->sess[i]];
        if (!active(s) || !at(s, line, addr))
            continue;
        if (ret < room)
            vs_put_u32(p, 12 + 4 * ret++, s->handle);
        count++;
    }
    vs_put_u32(p, 4, count);
    vs_put_u32(p, 8, ret);
    return 0;
}

static LONG h_getagentactivitylist(struct acd *a, struct acd_req *r)
{
    struct m_agent *ag;
    LONG rc = addressed_agent(a, r, U32(r, 28), &ag);
    if (rc)
        return rc;
    vs_writer w;
    if ((rc = out_begin(r, &w)))
        return rc;
    vs_block blk = vs_reserve_list(&w, 12, 16, a->m.nacts, 12);
    for (uint32_t i = 0; i < a->m.nacts; i++) {
        vs_set_u32_in(&w, &blk, i * 12, a->m.acts[i].id);
        if (vs_append_utf8_as_utf16_in(&w, &blk, i * 12 + 4, a->m.acts[i].name) == VS_EENCODING)
            vs_append_utf8_as_utf16_in(&w, &blk, i * 12 + 4, "?");
    }
    return out_end(&w);
}

static LONG h_getagentgrouplist(struct acd *a, struct acd_req *r)
{
    struct m_agent *ag;
    LONG rc = addressed_agent(a, r, U32(r, 28), &ag);
    if (rc)
        return rc;
    vs_writer w;
    if ((rc = out_begin(r, &w)))
        return rc;
    write_groups(a, &w, 12, 16, NULL, 0);
    return out_end(&w);
}

/* --- TAPI 2.2: agents ----------------------------------------------------------------- */

/* The PIN at pair_off (UTF-8 into pin, wiped by the caller), and whether
 * the requester may act for ag.  0 or a LINEERR_. */
static LONG may_act(struct acd *a, const struct acd_req *r, const struct m_agent *ag,
                    uint32_t pin_pair)
{
    char pin[PIN_MAX];
    int got = pin_pair ? req_string(r, pin_pair, pin, sizeof pin) : 0;
    LONG rc = got < 0 ? (LONG)LINEERR_INVALPASSWORD
                      : auth_agent(&a->auth, &ag->a, r->user, got ? pin : NULL);
    explicit_bzero(pin, sizeof pin);
    return rc;
}

static LONG h_createagent(struct acd *a, struct acd_req *r)
{
    char id[ST_ID_MAX];
    int got = req_string(r, 32, id, sizeof id);
    struct m_agent *ag = NULL;
    if (got < 0)
        return (LONG)LINEERR_INVALAGENTID;
    ag = got ? model_agent_by_id(&a->m, id) : model_agent_by_user(&a->m, r->user);
    if (!ag)
        return (LONG)LINEERR_INVALAGENTID;
    LONG rc = may_act(a, r, ag, 40);
    if (rc)
        return rc;
    vs_put_u32(r->req, 28, ag->a.handle);
    return 0;
}

static LONG h_setagentmeasurementperiod(struct acd *a, struct acd_req *r)
{
    struct m_agent *ag = model_agent(&a->m, U32(r, 28));
    uint32_t period = U32(r, 32);
    if (!ag)
        return (LONG)LINEERR_INVALAGENTID;
    if (!period)
        return (LONG)LINEERR_INVALPARAM;
    LONG rc = may_act(a, r, ag, 0);
    if (rc)
        return rc;
    struct st_agent n = ag->a;
    n.period = period;
    if (model_agent_update(&a->m, ag, &n))
        return store_failed();
    notify_agentex(a, ag->a.handle, LINEAGENTSTATUSEX_UPDATEINFO, 0);
    return 0;
}

static LONG h_getagentinfo(struct acd *a, struct acd_req *r)
{
    struct m_agent *ag = model_agent(&a->m, U32(r, 28));
    if (!ag)
        return (LONG)LINEERR_INVALAGENTID;
    vs_writer w;
    LONG rc = out_begin(r, &w);
    if (rc)
        return rc;
    int64_t t = now(a);
    uint64_t secs = 0;
    uint32_t calls = 0, talk = 0, callt = 0, wrap = 0;
    for (uint32_t i = 0; i < ag->nlive; i++) {
        const struct m_session *s = &a->m.sess[ag->live[i]];
        secs += session_seconds(s, t);
        calls += s->calls;
        talk += s->talk_s;
        callt += s->call_s;
        wrap += s->wrapup_s;
    }
    vs_set_u32(&w, 12, ag->a.state);
    vs_set_u32(&w, 16, ag->a.next_state);
    vs_set_u32(&w, 20, ag->a.period);
    put_cy(&w, 24, calls, secs);
    vs_set_u32(&w, 32, calls);
    vs_set_u32(&w, 36, 0);
    vs_set_u32(&w, 40, 0);
    vs_set_u32(&w, 44, talk);
    vs_set_u32(&w, 48, callt);
    vs_set_u32(&w, 52, wrap);
    return out_end(&w);
}

static bool settable_ex(uint32_t s)
{
    return s == LINEAGENTSTATEEX_NOTREADY || s == LINEAGENTSTATEEX_READY ||
           s == LINEAGENTSTATEEX_RELEASED;
}

static LONG h_setagentstateex(struct acd *a, struct acd_req *r)
{
    struct m_agent *ag = model_agent(&a->m, U32(r, 28));
    uint32_t state = U32(r, 32), next = U32(r, 36);
    if (!ag)
        return (LONG)LINEERR_INVALAGENTID;
    if ((state && !settable_ex(state)) ||
        (next && next != LINEAGENTSTATEEX_NOTREADY && next != LINEAGENTSTATEEX_READY))
        return (LONG)LINEERR_INVALAGENTSTATE;
    LONG rc = may_act(a, r, ag, 0);
    if (rc)
        return rc;
    struct st_agent n = ag->a;
    if (state)
        n.state = state;
    n.next_state = next;
    if (model_agent_update(&a->m, ag, &n))
        return store_failed();
    if (state)
        notify_agentex(a, ag->a.handle, LINEAGENTSTATUSEX_STATE, state);
    else
        notify_agentex(a, ag->a.handle, LINEAGENTSTATUSEX_UPDATEINFO, 0);
    return 0;
}

/* --- TAPI 2.2: sessions ---------------------------------------------------------------- */

static LONG h_createagentsession(struct acd *a, struct acd_req *r)
{
    struct m_agent *ag = model_agent(&a->m, U32(r, 40));
    uint32_t addr = U32(r, 60);
    if (!ag)
        return (LONG)LINEERR_INVALAGENTID;
    st_guid g;
    memcpy(g.b, (const uint8_t *)r->req + 44, 16);
    if (!addr_ok(r, addr))
        return (LONG)LINEERR_INVALADDRESSID;
    uint32_t gi = model_group_index(&a->m, &g);
    if (gi == M_NONE)
        return (LONG)LINEERR_INVALAGENTGROUP;
    LONG rc = may_act(a, r, ag, 32);
    if (rc)
        return rc;
    uint32_t line = r->line->perm_id;
    for (uint32_t i = 0; i < ag->nlive; i++) {
        const struct m_session *s = &a->m.sess[ag->live[i]];
        if (active(s) && at(s, line, addr) && s->group == gi)
            return (LONG)LINEERR_INVALAGENTSESSIONSTATE;
    }
    struct acd_status20 before;
    acd_status20(a, ag, line, addr, &before);
    struct m_session *s;
    int added = model_session_add(&a->m, ag, gi, line, addr, now(a), &s);
    if (added == ST_EXISTS)
        return (LONG)LINEERR_INVALAGENTSESSIONSTATE; /* the same, made on another node */
    if (added)
        return store_failed();
    vs_put_u32(r->req, 28, s->handle);
    notify_session(a, s, LINEAGENTSESSIONSTATUS_NEWSESSION | LINEAGENTSESSIONSTATUS_STATE,
                   LINEAGENTSESSIONSTATE_NOTREADY);
    acd_announce20(a, ag, line, addr, &before, true);
    return 0;
}

static LONG h_getagentsessionlist(struct acd *a, struct acd_req *r)
{
    struct m_agent *ag = model_agent(&a->m, U32(r, 28));
    if (!ag)
        return (LONG)LINEERR_INVALAGENTID;
    vs_writer w;
    LONG rc = out_begin(r, &w);
    if (rc)
        return rc;
    vs_block blk = vs_reserve_list(&w, 12, 16, ag->nsess, 28);
    if (blk.off) {
        for (uint32_t i = 0; i < ag->nsess; i++) {
            const struct m_session *s = &a->m.sess[ag->sess[i]];
            uint8_t e[28];
            vs_put_u32(e, 0, s->handle);
            vs_put_u32(e, 4, s->agent);
            memcpy(e + 8, a->m.groups[s->group].guid.b, 16);
            vs_put_u32(e, 24, s->address);
            vs_write_in(&w, &blk, i * 28, e, 28);
        }
    }
    return out_end(&w);
}

static bool app_session_state(uint32_t s)
{
    return s == LINEAGENTSESSIONSTATE_NOTREADY || s == LINEAGENTSESSIONSTATE_READY ||
           s == LINEAGENTSESSIONSTATE_ENDED;
}

static LONG h_setagentsessionstate(struct acd *a, struct acd_req *r)
{
    struct m_session *s = model_session(&a->m, U32(r, 28));
    uint32_t state = U32(r, 32), next = U32(r, 36);
    if (!s)
        return (LONG)LINEERR_INVALPARAM;
    if ((state && !app_session_state(state)) || (next && !app_session_state(next)))
        return (LONG)LINEERR_INVALAGENTSESSIONSTATE;
    if (!state && !next)
        return 0; /* nothing to change */
    if (!active(s))
        return (LONG)LINEERR_INVALAGENTSESSIONSTATE; /* ENDED is final */
    struct m_agent *ag = model_agent(&a->m, s->agent);
    if (!ag)
        return (LONG)LINEERR_INVALAGENTID; /* its agent left the directory */
    LONG rc = may_act(a, r, ag, 0);
    if (rc)
        return rc;
    struct acd_status20 before;
    acd_status20(a, ag, s->line, s->address, &before);
    uint32_t ns = state ? state : s->state;
    uint32_t nn = ns == LINEAGENTSESSIONSTATE_ENDED ? 0 : next;
    if (model_session_set(&a->m, s, ns, nn, now(a)))
        return store_failed();
    notify_session_change(a, s, state != 0, ns);
    acd_announce20(a, ag, s->line, s->address, &before, ns == LINEAGENTSESSIONSTATE_ENDED);
    return 0;
}

static LONG h_getagentsessioninfo(struct acd *a, struct acd_req *r)
{
    const struct m_session *s = model_session(&a->m, U32(r, 28));
    if (!s)
        return (LONG)LINEERR_INVALPARAM;
    vs_writer w;
    LONG rc = out_begin(r, &w);
    if (rc)
        return rc;
    uint64_t secs = session_seconds(s, now(a));
    vs_set_u32(&w, 12, s->state);
    vs_set_u32(&w, 16, s->next_state);
    put_double(&w, 20, ole_date(s->start_ms));
    vs_set_u32(&w, 28, secs > UINT32_MAX ? UINT32_MAX : (uint32_t)secs);
    vs_set_u32(&w, 32, s->calls);
    vs_set_u32(&w, 36, s->talk_s);
    vs_set_u32(&w, 40, avg(s->talk_s, s->calls));
    vs_set_u32(&w, 44, s->call_s);
    vs_set_u32(&w, 48, avg(s->call_s, s->calls));
    vs_set_u32(&w, 52, s->wrapup_s);
    vs_set_u32(&w, 56, avg(s->wrapup_s, s->calls));
    put_cy(&w, 60, s->calls, secs);
    vs_set_u32(&w, 68, s->longest_answer_s);
    vs_set_u32(&w, 72, avg(s->total_answer_s, s->calls));
    return out_end(&w);
}

/* --- TAPI 2.2: groups and queues ---------------------------------------------------------- */

static LONG h_getqueuelist(struct acd *a, struct acd_req *r)
{
    st_guid g;
    memcpy(g.b, (const uint8_t *)r->req + 28, 16);
    if (model_group_index(&a->m, &g) == M_NONE)
        return (LONG)LINEERR_INVALAGENTGROUP;
    vs_writer w;
    LONG rc = out_begin(r, &w);
    if (rc)
        return rc;
    uint32_t n = 0;
    for (uint32_t i = 0; i < a->m.nqueues; i++)
        n += !memcmp(a->m.queues[i].group.b, g.b, 16);
    vs_block blk = vs_reserve_list(&w, 12, 16, n, 12);
    uint32_t k = 0;
    for (uint32_t i = 0; i < a->m.nqueues; i++) {
        const struct st_queue *q = &a->m.queues[i];
        if (memcmp(q->group.b, g.b, 16))
            continue;
        vs_set_u32_in(&w, &blk, k * 12, q->id);
        if (vs_append_utf8_as_utf16_in(&w, &blk, k * 12 + 4, q->name) == VS_EENCODING)
            vs_append_utf8_as_utf16_in(&w, &blk, k * 12 + 4, "?");
        k++;
    }
    return out_end(&w);
}

static LONG h_setqueuemeasurementperiod(struct acd *a, struct acd_req *r)
{
    struct st_queue *q = model_queue(&a->m, U32(r, 28));
    uint32_t period = U32(r, 32);
    if (!q || !period)
        return (LONG)LINEERR_INVALPARAM;
    /* a queue belongs to no agent: changing it is a supervisor's right */
    if (!auth_supervisor(&a->auth, r->user))
        return (LONG)LINEERR_INVALPASSWORD;
    uint32_t id = q->id;
    if (model_queue_set_period(&a->m, q, period))
        return store_failed();
    notify_queue(a, id, LINEQUEUESTATUS_UPDATEINFO);
    return 0;
}

static LONG h_getqueueinfo(struct acd *a, struct acd_req *r)
{
    const struct st_queue *q = model_queue(&a->m, U32(r, 28));
    if (!q)
        return (LONG)LINEERR_INVALPARAM;
    vs_writer w;
    LONG rc = out_begin(r, &w);
    if (rc)
        return rc;
    vs_set_u32(&w, 12, q->period);
    /* no calls flow through this ACD yet: every statistic is 0 */
    return out_end(&w);
}

static LONG h_getgrouplist(struct acd *a, struct acd_req *r)
{
    vs_writer w;
    LONG rc = out_begin(r, &w);
    if (rc)
        return rc;
    write_groups(a, &w, 12, 16, NULL, 0);
    return out_end(&w);
}

/* --- the table --------------------------------------------------------------------------- */

typedef LONG (*acd_handler)(struct acd *a, struct acd_req *r);

static const acd_handler handlers[PX_TYPE_MAX + 1] = {
    [LINEPROXYREQUEST_SETAGENTGROUP] = h_setagentgroup,
    [LINEPROXYREQUEST_SETAGENTSTATE] = h_setagentstate,
    [LINEPROXYREQUEST_SETAGENTACTIVITY] = h_setagentactivity,
    [LINEPROXYREQUEST_GETAGENTCAPS] = h_getagentcaps,
    [LINEPROXYREQUEST_GETAGENTSTATUS] = h_getagentstatus,
    [LINEPROXYREQUEST_AGENTSPECIFIC] = h_agentspecific,
    [LINEPROXYREQUEST_GETAGENTACTIVITYLIST] = h_getagentactivitylist,
    [LINEPROXYREQUEST_GETAGENTGROUPLIST] = h_getagentgrouplist,
    [LINEPROXYREQUEST_CREATEAGENT] = h_createagent,
    [LINEPROXYREQUEST_SETAGENTMEASUREMENTPERIOD] = h_setagentmeasurementperiod,
    [LINEPROXYREQUEST_GETAGENTINFO] = h_getagentinfo,
    [LINEPROXYREQUEST_CREATEAGENTSESSION] = h_createagentsession,
    [LINEPROXYREQUEST_GETAGENTSESSIONLIST] = h_getagentsessionlist,
    [LINEPROXYREQUEST_SETAGENTSESSIONSTATE] = h_setagentsessionstate,
    [LINEPROXYREQUEST_GETAGENTSESSIONINFO] = h_getagentsessioninfo,
    [LINEPROXYREQUEST_GETQUEUELIST] = h_getqueuelist,
    [LINEPROXYREQUEST_SETQUEUEMEASUREMENTPERIOD] = h_setqueuemeasurementperiod,
    [LINEPROXYREQUEST_GETQUEUEINFO] = h_getqueueinfo,
    [LINEPROXYREQUEST_GETGROUPLIST] = h_getgrouplist,
    [LINEPROXYREQUEST_SETAGENTSTATEEX] = h_setagentstateex,
};

const char *acd_type_name(uint32_t type)
{
    const struct px_type *t = px_type(type);
    return t ? t->name : "?";
}

LONG acd_handle(struct acd *a, struct acd_req *r)
{
    if (!r->req || r->size < PX_HDR)
        return (LONG)LINEERR_OPERATIONFAILED;
    uint32_t type = r->req->dwRequestType;
    const struct px_type *t = px_type(type);
    if (!t || !handlers[type])
        return (LONG)LINEERR_OPERATIONUNAVAIL;
    /* the union member must be there (the server checked; we do not trust) */
    uint32_t need = PX_HDR + t->union_size;
    if (t->out == PX_OUT_STRUCT)
        need = t->out_off + 12;
    if (r->size < need)
        return (LONG)LINEERR_OPERATIONFAILED;
    return handlers[type](a, r);
}
