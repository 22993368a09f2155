/* model.c - the in-memory ACD model and its write-through (model.h). */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tapi.h"

int64_t model_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- u32map ---------------------------------------------------------------------- */

static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

static void u32map_free(struct u32map *t)
{
    free(t->keys);
    free(t->vals);
    memset(t, 0, sizeof *t);
}

static uint32_t u32map_get(const struct u32map *t, uint32_t key)
{
    if (!t->cap)
        return M_NONE;
    uint32_t mask = t->cap - 1;
    for (uint32_t i = mix32(key) & mask;; i = (i + 1) & mask) {
        if (!t->vals[i])
            return M_NONE;
        if (t->keys[i] == key)
            return t->vals[i] - 1;
    }
}

static int u32map_grow(struct u32map *t)
{
    uint32_t ncap = t->cap ? t->cap * 2 : 64;
    if (!ncap)
        return -1;
    uint32_t *k = calloc(ncap, sizeof *k), *v = calloc(ncap, sizeof *v);
    if (!k || !v) {
        free(k);
        free(v);
        return -1;
    }
    for (uint32_t i = 0; i < t->cap; i++) {
        if (!t->vals[i])
            continue;
        uint32_t j = mix32(t->keys[i]) & (ncap - 1);
        while (v[j])
            j = (j + 1) & (ncap - 1);
        k[j] = t->keys[i];
        v[j] = t->vals[i];
    }
    free(t->keys);
    free(t->vals);
    t->keys = k;
    t->vals = v;
    t->cap = ncap;
    return 0;
}

/* Insert or replace key -> idx.  0 or -1 (no memory). */
static int u32map_put(struct u32map *t, uint32_t key, uint32_t idx)
{
    if ((uint64_t)(t->n + 1) * 2 > t->cap && u32map_grow(t))
        return -1;
    uint32_t mask = t->cap - 1;
    uint32_t i = mix32(key) & mask;
    while (t->vals[i] && t->keys[i] != key)
        i = (i + 1) & mask;
    if (!t->vals[i])
        t->n++;
    t->keys[i] = key;
    t->vals[i] = idx + 1;
    return 0;
}

/* --- agents ------------------------------------------------------------------------ */

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* Rebuild both agent indexes.  0 or -1. */
static int index_agents(struct acd_model *m)
{
    u32map_free(&m->agent_by_handle);
    free(m->agent_by_id);
    m->agent_by_id = NULL;
    m->id_cap = 0;
    uint32_t cap = 16;
    while (cap < m->nagents * 2u + 2)
        cap *= 2;
    m->agent_by_id = calloc(cap, sizeof *m->agent_by_id);
    if (!m->agent_by_id)
        return -1;
    m->id_cap = cap;
    for (uint32_t i = 0; i < m->nagents; i++) {
        if (u32map_put(&m->agent_by_handle, m->agents[i].a.handle, i))
            return -1;
        uint32_t j = fnv1a(m->agents[i].a.id) & (cap - 1);
        while (m->agent_by_id[j])
            j = (j + 1) & (cap - 1);
        m->agent_by_id[j] = i + 1;
    }
    return 0;
}

struct m_agent *model_agent(struct acd_model *m, uint32_t handle)
{
    uint32_t i = u32map_get(&m->agent_by_handle, handle);
    return i == M_NONE ? NULL : &m->agents[i];
}

struct m_agent *model_agent_by_id(struct acd_model *m, const char *id)
{
    if (!m->id_cap || !id)
        return NULL;
    uint32_t mask = m->id_cap - 1;
    for (uint32_t j = fnv1a(id) & mask; m->agent_by_id[j]; j = (j + 1) & mask) {
        struct m_agent *a = &m->agents[m->agent_by_id[j] - 1];
        if (!strcmp(a->a.id, id))
            return a;
    }
    return NULL;
}

struct m_agent *model_agent_by_user(struct acd_model *m, const char *user)
{
    struct m_agent *best = NULL;
    if (!user || !*user)
        return NULL;
    for (uint32_t i = 0; i < m->nagents; i++) {
        struct m_agent *a = &m->agents[i];
        if (a->a.os_user[0] && !strcmp(a->a.os_user, user) &&
            (!best || a->a.handle < best->a.handle))
            best = a;
    }
    return best;
}

/* Room for one more in a growing array of indices.  0 or -1. */
static int idx_reserve(uint32_t **p, uint32_t n, uint32_t *cap)
{
    if (n == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 4;
        uint32_t *q = realloc(*p, (size_t)ncap * sizeof *q);
        if (!q)
            return -1;
        *p = q;
        *cap = ncap;
    }
    return 0;
}

static int agent_reserve(struct m_agent *a)
{
    return idx_reserve(&a->sess, a->nsess, &a->capsess);
}

static bool live(const struct m_session *s)
{
    return s->state != LINEAGENTSESSIONSTATE_ENDED;
}

/* Put session idx into the index list *list (of *n, room for *cap),
   which stays in handle order: another node's handles interleave with
   ours.  0 or -1. */
static int list_insert(const struct acd_model *m, uint32_t **list, uint32_t *n, uint32_t *cap,
                       uint32_t idx)
{
    if (idx_reserve(list, *n, cap))
        return -1;
    uint32_t *l = *list, h = m->sess[idx].handle, k = *n;
    while (k > 0 && m->sess[l[k - 1]].handle > h)
        k--;
    memmove(&l[k + 1], &l[k], (size_t)(*n - k) * sizeof *l);
    l[k] = idx;
    (*n)++;
    return 0;
}

/* Put session idx among the agent's live ones.  0 or -1. */
static int live_insert(const struct acd_model *m, struct m_agent *a, uint32_t idx)
{
    return list_insert(m, &a->live, &a->nlive, &a->caplive, idx);
}

static void live_remove(struct m_agent *a, uint32_t idx)
{
    for (uint32_t k = 0; k < a->nlive; k++)
        if (a->live[k] == idx) {
            memmove(&a->live[k], &a->live[k + 1], (size_t)(a->nlive - k - 1) * sizeof *a->live);
            a->nlive--;
            return;
        }
}

/* Session idx of m->sess changed from `was` to what it is now: keep its
   agent's live list right.  0 or -1 (no memory: the list lacks it). */
static int live_update(struct acd_model *m, uint32_t idx, bool was)
{
    bool is = live(&m->sess[idx]);
    struct m_agent *a = was == is ? NULL : model_agent(m, m->sess[idx].agent);
    if (!a)
        return 0;
    if (!is) {
        live_remove(a, idx);
        return 0;
    }
    return live_insert(m, a, idx);
}

/* Append session idx (the newest so far) to its agent's lists. */
static int agent_push_session(struct acd_model *m, struct m_agent *a, uint32_t idx)
{
    if (agent_reserve(a))
        return -1;
    a->sess[a->nsess++] = idx;
    return live(&m->sess[idx]) ? live_insert(m, a, idx) : 0;
}

/* Stored runtime values an app could not have set: shown as the defaults. */
static void agent_normalise(struct st_agent *a)
{
    if (!a->state)
        a->state = LINEAGENTSTATEEX_NOTREADY;
    if (!a->period)
        a->period = M_DEFAULT_PERIOD;
}

/* --- groups, queues, activities ------------------------------------------------------ */

uint32_t model_group_index(const struct acd_model *m, const st_guid *g)
{
    for (uint32_t i = 0; i < m->ngroups; i++)
        if (m->groups[i].alive && !memcmp(m->groups[i].guid.b, g->b, 16))
            return i;
    return M_NONE;
}

/* Any slot with this GUID, alive or not. */
static uint32_t group_slot(const struct acd_model *m, const st_guid *g)
{
    for (uint32_t i = 0; i < m->ngroups; i++)
        if (!memcmp(m->groups[i].guid.b, g->b, 16))
            return i;
    return M_NONE;
}

static int group_append(struct acd_model *m, const st_guid *g, const char *name, bool alive)
{
    if (m->ngroups == m->capgroups) {
        uint32_t ncap = m->capgroups ? m->capgroups * 2 : 8;
        struct m_group *p = realloc(m->groups, (size_t)ncap * sizeof *p);
        if (!p)
            return -1;
        m->groups = p;
        m->capgroups = ncap;
    }
    struct m_group *x = &m->groups[m->ngroups++];
    memset(x, 0, sizeof *x);
    x->guid = *g;
    snprintf(x->name, sizeof x->name, "%s", name);
    x->alive = alive;
    return 0;
}

struct st_queue *model_queue(struct acd_model *m, uint32_t id)
{
    for (uint32_t i = 0; i < m->nqueues; i++)
        if (m->queues[i].id == id)
            return &m->queues[i];
    return NULL;
}

const struct st_activity *model_activity(const struct acd_model *m, uint32_t id)
{
    for (uint32_t i = 0; i < m->nacts; i++)
        if (m->acts[i].id == id)
            return &m->acts[i];
    return NULL;
}

/* --- loading ------------------------------------------------------------------------- */

/* Growable arrays the store callbacks fill. */
struct dir {
    struct st_agent *agents;
    uint32_t nagents, capagents;
    struct st_group *groups;
    uint32_t ngroups, capgroups;
    struct st_queue *queues;
    uint32_t nqueues, capqueues;
    struct st_activity *acts;
    uint32_t nacts, capacts;
};

static int grow(void **p, uint32_t *cap, uint32_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    uint32_t ncap = *cap ? *cap * 2 : 16;
    void *q = realloc(*p, (size_t)ncap * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = ncap;
    return 0;
}

#define PUSH(d, arr, n, cap, val)                                                                  \
    do {                                                                                           \
        if (grow((void **)&(d)->arr, &(d)->cap, (d)->n, sizeof *(d)->arr))                         \
            return ST_ERR;                                                                         \
        (d)->arr[(d)->n++] = *(val);                                                               \
    } while (0)

static int on_agent(void *arg, const struct st_agent *a)
{
    struct dir *d = arg;
    PUSH(d, agents, nagents, capagents, a);
    return 0;
}

static int on_group(void *arg, const struct st_group *g)
{
    struct dir *d = arg;
    PUSH(d, groups, ngroups, capgroups, g);
    return 0;
}

static int on_queue(void *arg, const struct st_queue *q)
{
    struct dir *d = arg;
    PUSH(d, queues, nqueues, capqueues, q);
    return 0;
}

static int on_activity(void *arg, const struct st_activity *a)
{
    struct dir *d = arg;
    PUSH(d, acts, nacts, capacts, a);
    return 0;
}

static void dir_free(struct dir *d)
{
    free(d->agents);
    free(d->groups);
    free(d->queues);
    free(d->acts);
    memset(d, 0, sizeof *d);
}

static int dir_read(struct acd_store *st, struct dir *d)
{
    memset(d, 0, sizeof *d);
    int rc = store_agents(st, on_agent, d);
    if (!rc)
        rc = store_groups(st, on_group, d);
    if (!rc)
        rc = store_queues(st, on_queue, d);
    if (!rc)
        rc = store_activities(st, on_activity, d);
    if (rc) {
        dir_free(d);
        return rc < 0 ? rc : ST_ERR;
    }
    return ST_OK;
}

static int cmp_agent_handle(const void *x, const void *y)
{
    const struct st_agent *a = x, *b = y;
    return (a->handle > b->handle) - (a->handle < b->handle);
}

static int sess_reserve(struct acd_model *m, uint32_t more)
{
    if ((uint64_t)m->nsess + more <= m->capsess)
        return 0;
    uint64_t ncap = m->capsess ? m->capsess : 64;
    while (ncap < (uint64_t)m->nsess + more)
        ncap *= 2;
    if (ncap > UINT32_MAX)
        return -1;
    struct m_session *p = realloc(m->sess, (size_t)ncap * sizeof *p);
    if (!p)
        return -1;
    m->sess = p;
    m->capsess = (uint32_t)ncap;
    return 0;
}

static void to_mem(struct m_session *d, const struct st_session *s, uint32_t gi)
{
    memset(d, 0, sizeof *d);
    d->handle = s->handle;
    d->agent = s->agent;
    d->line = s->line;
    d->address = s->address;
    d->start_ms = s->start_ms;
    d->end_ms = s->end_ms;
    d->group = gi;
    d->state = (uint8_t)s->state;
    d->next_state = (uint8_t)s->next_state;
    d->calls = s->calls;
    d->talk_s = s->talk_s;
    d->call_s = s->call_s;
    d->wrapup_s = s->wrapup_s;
    d->longest_answer_s = s->longest_answer_s;
    d->total_answer_s = s->total_answer_s;
}

static void to_store(struct st_session *d, const struct acd_model *m, const struct m_session *s)
{
    memset(d, 0, sizeof *d);
    d->handle = s->handle;
    d->agent = s->agent;
    d->group = m->groups[s->group].guid;
    d->line = s->line;
    d->address = s->address;
    d->state = s->state;
    d->next_state = s->next_state;
    d->start_ms = s->start_ms;
    d->end_ms = s->end_ms;
    d->calls = s->calls;
    d->talk_s = s->talk_s;
    d->call_s = s->call_s;
    d->wrapup_s = s->wrapup_s;
    d->longest_answer_s = s->longest_answer_s;
    d->total_answer_s = s->total_answer_s;
}

/* The group slot of a stored session: a group removed from the directory
   gets a dead slot, so the session keeps its GUID.  M_NONE: no memory. */
static uint32_t session_group(struct acd_model *m, const st_guid *g)
{
    uint32_t gi = group_slot(m, g);
    if (gi == M_NONE && !group_append(m, g, "", false))
        gi = m->ngroups - 1;
    return gi;
}

static int on_session(void *arg, const struct st_session *s)
{
    struct acd_model *m = arg;
    if (sess_reserve(m, 1))
        return ST_ERR;
    uint32_t gi = session_group(m, &s->group);
    if (gi == M_NONE)
        return ST_ERR;
    to_mem(&m->sess[m->nsess++], s, gi);
    return 0;
}

/* Rebuild the handle table and every agent's session list from m->sess.
   0 or -1. */
static int index_sessions(struct acd_model *m)
{
    u32map_free(&m->sess_by_handle);
    for (uint32_t i = 0; i < m->nagents; i++)
        m->agents[i].nsess = m->agents[i].nlive = 0;
    for (uint32_t i = 0; i < m->nsess; i++) {
        if (u32map_put(&m->sess_by_handle, m->sess[i].handle, i))
            return -1;
        struct m_agent *a = model_agent(m, m->sess[i].agent);
        if (a && agent_push_session(m, a, i))
            return -1;
    }
    return 0;
}

static int cmp_sess_handle(const void *x, const void *y)
{
    const struct m_session *a = x, *b = y;
    return (a->handle > b->handle) - (a->handle < b->handle);
}

int model_load(struct acd_model *m, struct acd_store *st)
{
    memset(m, 0, sizeof *m);
    m->st = st;
    struct dir d;
    int rc = dir_read(st, &d);
    if (rc)
        return rc;
    /* groups */
    for (uint32_t i = 0; i < d.ngroups && !rc; i++)
        if (group_append(m, &d.groups[i].guid, d.groups[i].name, true))
            rc = ST_ERR;
    /* agents, by handle so that "the first bound agent" is stable */
    if (!rc && d.nagents) {
        qsort(d.agents, d.nagents, sizeof *d.agents, cmp_agent_handle);
        m->agents = calloc(d.nagents, sizeof *m->agents);
        if (!m->agents)
            rc = ST_ERR;
        for (uint32_t i = 0; !rc && i < d.nagents; i++) {
            m->agents[i].a = d.agents[i];
            agent_normalise(&m->agents[i].a);
        }
        if (!rc)
            m->nagents = m->capagents = d.nagents;
    }
    if (!rc && index_agents(m))
        rc = ST_ERR;
    m->queues = d.queues;
    m->nqueues = d.nqueues;
    d.queues = NULL;
    for (uint32_t i = 0; i < m->nqueues; i++)
        if (!m->queues[i].period)
            m->queues[i].period = M_DEFAULT_PERIOD;
    m->acts = d.acts;
    m->nacts = d.nacts;
    d.acts = NULL;
    dir_free(&d);
    /* sessions, oldest (lowest handle) first */
    if (!rc) {
        rc = store_sessions_changed(st, &m->sess_cursor, on_session, m);
        if (rc > 0)
            rc = ST_ERR;
    }
    if (!rc && m->nsess) {
        qsort(m->sess, m->nsess, sizeof *m->sess, cmp_sess_handle);
        if (index_sessions(m))
            rc = ST_ERR;
    }
    if (rc) {
        model_free(m);
        m->st = st;
    }
    return rc;
}

/* An agents array and each agent's session lists. */
static void agents_free(struct m_agent *agents, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        free(agents[i].sess);
        free(agents[i].live);
    }
    free(agents);
}

void model_free(struct acd_model *m)
{
    agents_free(m->agents, m->nagents);
    u32map_free(&m->agent_by_handle);
    free(m->agent_by_id);
    free(m->groups);
    free(m->queues);
    free(m->acts);
    free(m->sess);
    u32map_free(&m->sess_by_handle);
    memset(m, 0, sizeof *m);
}

/* --- directory reload ------------------------------------------------------------------ */

static int note(struct m_change **ch, size_t *n, size_t *cap, int kind, uint32_t id)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct m_change *p = realloc(*ch, nc * sizeof *p);
        if (!p)
            return -1;
        *ch = p;
        *cap = nc;
    }
    (*ch)[*n].kind = kind;
    (*ch)[(*n)++].id = id;
    return 0;
}

int model_reload_directory(struct acd_model *m, struct m_change **chp, size_t *nchp)
{
    struct dir d;
    int rc = dir_read(m->st, &d);
    if (rc)
        return rc;
    struct m_change *ch = *chp;
    size_t nch = *nchp, capch = nch;
    struct m_agent *agents = NULL;
    /* Everything that can fail (memory) first, on copies. */
    uint32_t ng_extra = 0;
    for (uint32_t i = 0; i < d.ngroups; i++)
        if (group_slot(m, &d.groups[i].guid) == M_NONE)
            ng_extra++;
    if (d.nagents && !(agents = calloc(d.nagents, sizeof *agents)))
        goto nomem;
    while (m->ngroups + ng_extra > m->capgroups) {
        uint32_t ncap = m->capgroups ? m->capgroups * 2 : 8;
        struct m_group *p = realloc(m->groups, (size_t)ncap * sizeof *p);
        if (!p)
            goto nomem;
        m->groups = p;
        m->capgroups = ncap;
    }
    /* groups */
    bool *seen = calloc(m->ngroups + 1, sizeof *seen);
    if (!seen)
        goto nomem;
    uint32_t old_ngroups = m->ngroups;
    for (uint32_t i = 0; i < d.ngroups; i++) {
        uint32_t gi = group_slot(m, &d.groups[i].guid);
        if (gi == M_NONE) {
            group_append(m, &d.groups[i].guid, d.groups[i].name, true); /* room reserved */
            note(&ch, &nch, &capch, MC_NEWGROUP, 0);
            continue;
        }
        seen[gi] = true;
        snprintf(m->groups[gi].name, sizeof m->groups[gi].name, "%s", d.groups[i].name);
        if (!m->groups[gi].alive) {
            m->groups[gi].alive = true;
            note(&ch, &nch, &capch, MC_NEWGROUP, 0);
        }
    }
    for (uint32_t gi = 0; gi < old_ngroups; gi++) {
        if (m->groups[gi].alive && !seen[gi]) {
            m->groups[gi].alive = false;
            note(&ch, &nch, &capch, MC_GROUPREMOVED, 0);
        }
    }
    free(seen);
    /* queues */
    for (uint32_t i = 0; i < d.nqueues; i++) {
        struct st_queue *old = model_queue(m, d.queues[i].id);
        if (!old)
            note(&ch, &nch, &capch, MC_NEWQUEUE, d.queues[i].id);
        if (!d.queues[i].period)
            d.queues[i].period = old ? old->period : M_DEFAULT_PERIOD;
    }
    for (uint32_t i = 0; i < m->nqueues; i++) {
        bool found = false;
        for (uint32_t k = 0; k < d.nqueues && !found; k++)
            found = d.queues[k].id == m->queues[i].id;
        if (!found)
            note(&ch, &nch, &capch, MC_QUEUEREMOVED, m->queues[i].id);
    }
    free(m->queues);
    m->queues = d.queues;
    m->nqueues = d.nqueues;
    d.queues = NULL;
    free(m->acts);
    m->acts = d.acts;
    m->nacts = d.nacts;
    d.acts = NULL;
    /* agents: directory fields from the store, runtime fields and session
       lists of the ones we have from memory */
    if (d.nagents)
        qsort(d.agents, d.nagents, sizeof *d.agents, cmp_agent_handle);
    uint32_t kept = 0; /* agents of memory still stored */
    for (uint32_t i = 0; i < d.nagents; i++) {
        struct m_agent *old = model_agent(m, d.agents[i].handle);
        kept += old != NULL;
        agents[i].a = d.agents[i];
        agent_normalise(&agents[i].a);
        if (agents[i].a.activity && !model_activity(m, agents[i].a.activity))
            agents[i].a.activity = 0; /* the activity left the directory */
        if (old) {
            const struct st_agent *was = &old->a, *is = &agents[i].a;
            uint32_t h = is->handle;
            /* another node changed it (this process's own writes are in memory already) */
            if (is->state != was->state)
                note(&ch, &nch, &capch, MC_AGENTSTATE, h);
            else if (is->next_state != was->next_state || is->period != was->period)
                note(&ch, &nch, &capch, MC_AGENTINFO, h);
            if (is->activity != was->activity)
                note(&ch, &nch, &capch, MC_AGENTACTIVITY, h);
            agents[i].sess = old->sess;
            agents[i].nsess = old->nsess;
            agents[i].capsess = old->capsess;
            old->sess = NULL;
            agents[i].live = old->live;
            agents[i].nlive = old->nlive;
            agents[i].caplive = old->caplive;
            old->live = NULL;
        } else {
            note(&ch, &nch, &capch, MC_NEWAGENT, d.agents[i].handle);
            /* sessions it may already have (an agent re-added under a handle
               we did not know: only possible after an outside restore) */
            for (uint32_t s = 0; s < m->nsess; s++)
                if (m->sess[s].agent == d.agents[i].handle)
                    agent_push_session(m, &agents[i], s);
        }
    }
    /* a removed agent took its sessions along: only a full pass sees that */
    if (kept < m->nagents)
        m->sess_full = true;
    agents_free(m->agents, m->nagents);
    m->agents = agents;
    m->nagents = m->capagents = d.nagents;
    dir_free(&d);
    *chp = ch;
    *nchp = nch;
    return index_agents(m) ? ST_ERR : ST_OK;
nomem:
    free(agents);
    dir_free(&d);
    *chp = ch;
    *nchp = nch;
    return ST_ERR;
}

/* --- session reload ------------------------------------------------------------------------ */

struct resync {
    struct acd_model *m;
    m_session_fn fn;
    void *arg;
    uint32_t seen; /* sessions of memory found stored, new ones included */
};

/* Put session idx into its agent's list.  0 or -1. */
static int agent_insert_session(struct acd_model *m, struct m_agent *a, uint32_t idx)
{
    return list_insert(m, &a->sess, &a->nsess, &a->capsess, idx);
}

static int on_resync(void *arg, const struct st_session *s)
{
    struct resync *r = arg;
    struct acd_model *m = r->m;
    struct m_session *cur = model_session(m, s->handle), n;
    if (cur) {
        to_mem(&n, s, cur->group); /* a session never changes its group */
        n.mark = cur->mark = m->mark;
        r->seen++;
        if (!memcmp(&n, cur, sizeof n))
            return 0;
        if (r->fn)
            r->fn(r->arg, cur, &n);
        bool was = live(cur);
        *cur = n;
        return live_update(m, (uint32_t)(cur - m->sess), was) ? ST_ERR : 0;
    }
    if (sess_reserve(m, 1))
        return ST_ERR;
    uint32_t gi = session_group(m, &s->group);
    if (gi == M_NONE)
        return ST_ERR;
    to_mem(&n, s, gi);
    n.mark = m->mark;
    struct m_agent *a = model_agent(m, n.agent);
    if (a && agent_reserve(a))
        return ST_ERR;
    if (r->fn)
        r->fn(r->arg, NULL, &n);
    uint32_t idx = m->nsess;
    if (u32map_put(&m->sess_by_handle, n.handle, idx))
        return ST_ERR;
    m->sess[m->nsess++] = n;
    r->seen++;
    /* an agent not in memory yet picks its sessions up when it comes
       (model_reload_directory) */
    if (a) {
        agent_insert_session(m, a, idx); /* room reserved above */
        if (live(&n) && live_insert(m, a, idx))
            return ST_ERR;
    }
    return 0;
}

/* Drop the sessions the last pass did not find stored.  ST_OK or ST_ERR. */
static int drop_unseen(struct acd_model *m, m_session_fn fn, void *arg)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->nsess; i++) {
        struct m_session *s = &m->sess[i];
        if (s->mark != m->mark) {
            if (fn && s->state != LINEAGENTSESSIONSTATE_ENDED) {
                struct m_session ended = *s;
                ended.state = LINEAGENTSESSIONSTATE_ENDED;
                ended.next_state = 0;
                fn(arg, s, &ended);
            }
            continue;
        }
        m->sess[k++] = *s;
    }
    m->nsess = k;
    qsort(m->sess, m->nsess, sizeof *m->sess, cmp_sess_handle);
    return index_sessions(m) ? ST_ERR : ST_OK;
}

int model_reload_sessions(struct acd_model *m, m_session_fn fn, void *arg)
{
    struct resync r = {.m = m, .fn = fn, .arg = arg, .seen = 0};
    uint64_t cursor = 0; /* every stored session, and a cursor covering them */
    m->mark++;
    int rc = store_sessions_changed(m->st, &cursor, on_resync, &r);
    if (rc)
        return rc < 0 ? rc : ST_ERR;
    if (r.seen != m->nsess && (rc = drop_unseen(m, fn, arg)) != ST_OK)
        return rc;
    m->sess_cursor = cursor;
    m->sess_full = false;
    return ST_OK;
}

int model_sync_sessions(struct acd_model *m, m_session_fn fn, void *arg)
{
    if (m->sess_full)
        return model_reload_sessions(m, fn, arg);
    struct resync r = {.m = m, .fn = fn, .arg = arg, .seen = 0};
    int rc = store_sessions_changed(m->st, &m->sess_cursor, on_resync, &r);
    return rc > 0 ? ST_ERR : rc;
}

/* --- writes -------------------------------------------------------------------------------- */

static int failed(struct acd_model *m, int rc)
{
    if (!rc)
        return ST_OK;
    if (rc > 0)
        rc = ST_ERR;
    if (!m->store_err)
        m->store_err = rc;
    return rc;
}

void model_clear_err(struct acd_model *m)
{
    m->store_err = ST_OK;
}

int model_agent_update(struct acd_model *m, struct m_agent *a, const struct st_agent *n)
{
    m->writes++;
    if (m->store_err)
        return m->store_err; /* the transaction is already lost */
    int rc = store_agent_update(m->st, n);
    if (rc)
        return failed(m, rc);
    a->a = *n;
    return ST_OK;
}

int model_session_add(struct acd_model *m, struct m_agent *a, uint32_t gi, uint32_t line,
                      uint32_t address, int64_t now_ms, struct m_session **out)
{
    m->writes++;
    if (m->store_err)
        return m->store_err; /* the transaction is already lost */
    if (sess_reserve(m, 1) || agent_reserve(a) || idx_reserve(&a->live, a->nlive, &a->caplive))
        return failed(m, ST_ERR);
    struct st_session ss;
    memset(&ss, 0, sizeof ss);
    ss.agent = a->a.handle;
    ss.group = m->groups[gi].guid;
    ss.line = line;
    ss.address = address;
    ss.state = LINEAGENTSESSIONSTATE_NOTREADY;
    ss.start_ms = now_ms;
    int rc = store_session_add(m->st, &ss);
    if (rc == ST_EXISTS) {
        m->writes--; /* refused for its record: it changed nothing */
        return rc;
    }
    if (!rc && !ss.handle)
        rc = ST_ERR;
    if (rc)
        return failed(m, rc);
    uint32_t idx = m->nsess;
    if (u32map_put(&m->sess_by_handle, ss.handle, idx))
        return failed(m, ST_ERR);
    to_mem(&m->sess[m->nsess++], &ss, gi);
    m->sess[idx].mark = m->mark;
    a->sess[a->nsess++] = idx; /* room reserved above, */
    live_insert(m, a, idx);    /* here too */
    *out = &m->sess[idx];
    return ST_OK;
}

int model_session_set(struct acd_model *m, struct m_session *s, uint32_t state, uint32_t next,
                      int64_t now_ms)
{
    struct m_session n = *s;
    n.state = (uint8_t)state;
    n.next_state = (uint8_t)next;
    if (state == LINEAGENTSESSIONSTATE_ENDED && !n.end_ms)
        n.end_ms = now_ms > n.start_ms ? now_ms : n.start_ms;
    struct st_session ss;
    to_store(&ss, m, &n);
    m->writes++;
    if (m->store_err)
        return m->store_err; /* the transaction is already lost */
    /* Only a session that comes back to life needs its agent (room in
       the live list, before the store is written); a change between live
       states, the common one, looks nothing up. */
    bool was = live(s);
    struct m_agent *a = !was && live(&n) ? model_agent(m, s->agent) : NULL;
    if (a && idx_reserve(&a->live, a->nlive, &a->caplive))
        return failed(m, ST_ERR);
    int rc = store_session_update(m->st, &ss);
    if (rc)
        return failed(m, rc);
    *s = n;
    live_update(m, (uint32_t)(s - m->sess), was); /* room reserved above */
    return ST_OK;
}

int model_queue_set_period(struct acd_model *m, struct st_queue *q, uint32_t period)
{
    struct st_queue n = *q;
    n.period = period;
    m->writes++;
    if (m->store_err)
        return m->store_err; /* the transaction is already lost */
    int rc = store_queue_update(m->st, &n);
    if (rc)
        return failed(m, rc);
    *q = n;
    return ST_OK;
}

struct m_session *model_session(struct acd_model *m, uint32_t handle)
{
    uint32_t i = u32map_get(&m->sess_by_handle, handle);
    return i == M_NONE ? NULL : &m->sess[i];
}

size_t model_session_bytes(const struct acd_model *m)
{
    size_t b = (size_t)m->capsess * sizeof(struct m_session) +
               (size_t)m->sess_by_handle.cap * 2 * sizeof(uint32_t);
    for (uint32_t i = 0; i < m->nagents; i++)
        b += (size_t)(m->agents[i].capsess + m->agents[i].caplive) * sizeof(uint32_t);
    return b;
}
