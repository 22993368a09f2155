/*
 * test_acd_model - acdproxy's model, state machines and the 20 request
 * handlers, driven with hand-built LINEPROXYREQUEST buffers on a real
 * SQLite store in a temp dir (no tapisrv, no libtapi32 traffic), plus group
 * commit with a store that fails on demand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcntl.h>

/* acdproxy's headers live beside its sources */
#include "../../src/acd/acd.h"
#include "../../src/acd/config.h"
#include "../../src/acd/pin.h"
#include "../../src/acd/store_backend.h"
#include "proxytab.h"
#include "utf.h"
#include "varstruct.h"

#define RQ_SIZE 8192u
#define RQ_USER_AT 7000u
#define RQ_STR_AT 6000u
#define ROOM 2048u
#define V22 0x00020002u
#define V20 0x00020000u

/* --- a store that fails on demand, wrapping the real one --------------------------- */

struct faulty {
    struct acd_store base;
    struct acd_store *in;
    int fail_commit; /* next commit fails with this */
    int fail_writes; /* writes fail with this */
    int fail_begin;
};

#define IN(s) (((struct faulty *)(s))->in)
#define FA(s) ((struct faulty *)(s))

static void f_close(struct acd_store *s)
{
    store_close(IN(s));
    free(s);
}
static int f_schema(struct acd_store *s)
{
    return store_schema_version(IN(s));
}
static int f_begin(struct acd_store *s)
{
    if (FA(s)->fail_begin)
        return FA(s)->fail_begin;
    return store_begin(IN(s));
}
static int f_commit(struct acd_store *s)
{
    if (FA(s)->fail_commit) {
        store_rollback(IN(s));
        snprintf(s->err, sizeof s->err, "injected commit failure");
        return FA(s)->fail_commit;
    }
    return store_commit(IN(s));
}
static void f_rollback(struct acd_store *s)
{
    store_rollback(IN(s));
}
static uint32_t f_next(struct acd_store *s)
{
    return store_next_handle(IN(s));
}
static int f_changed(struct acd_store *s, bool *c)
{
    return store_changed(IN(s), c);
}
static int f_fd(struct acd_store *s)
{
    return store_fd(IN(s));
}
static int f_agents(struct acd_store *s, st_agent_fn fn, void *arg)
{
    return store_agents(IN(s), fn, arg);
}
static int f_agent_get(struct acd_store *s, const char *id, struct st_agent *o)
{
    return store_agent_get(IN(s), id, o);
}
static int f_agent_add(struct acd_store *s, struct st_agent *a)
{
    return store_agent_add(IN(s), a);
}
static int f_agent_update(struct acd_store *s, const struct st_agent *a)
{
    return FA(s)->fail_writes ? FA(s)->fail_writes : store_agent_update(IN(s), a);
}
static int f_agent_remove(struct acd_store *s, const char *id)
{
    return store_agent_remove(IN(s), id);
}
static int f_groups(struct acd_store *s, st_group_fn fn, void *arg)
{
    return store_groups(IN(s), fn, arg);
}
static int f_group_add(struct acd_store *s, const struct st_group *g)
{
    return store_group_add(IN(s), g);
}
static int f_group_remove(struct acd_store *s, const st_guid *g)
{
    return store_group_remove(IN(s), g);
}
static int f_queues(struct acd_store *s, st_queue_fn fn, void *arg)
{
    return store_queues(IN(s), fn, arg);
}
static int f_queue_add(struct acd_store *s, const struct st_queue *q)
{
    return store_queue_add(IN(s), q);
}
static int f_queue_update(struct acd_store *s, const struct st_queue *q)
{
    return FA(s)->fail_writes ? FA(s)->fail_writes : store_queue_update(IN(s), q);
}
static int f_queue_remove(struct acd_store *s, uint32_t id)
{
    return store_queue_remove(IN(s), id);
}
static int f_acts(struct acd_store *s, st_activity_fn fn, void *arg)
{
    return store_activities(IN(s), fn, arg);
}
static int f_act_add(struct acd_store *s, const struct st_activity *a)
{
    return store_activity_add(IN(s), a);
}
static int f_act_remove(struct acd_store *s, uint32_t id)
{
    return store_activity_remove(IN(s), id);
}
static int f_sessions(struct acd_store *s, st_session_fn fn, void *arg)
{
    return store_sessions(IN(s), fn, arg);
}
static int f_session_add(struct acd_store *s, struct st_session *ss)
{
    return FA(s)->fail_writes ? FA(s)->fail_writes : store_session_add(IN(s), ss);
}
static int f_session_update(struct acd_store *s, const struct st_session *ss)
{
    return FA(s)->fail_writes ? FA(s)->fail_writes : store_session_update(IN(s), ss);
}

static int f_sessions_changed(struct acd_store *s, uint64_t *cursor, st_session_fn fn, void *arg)
{
    return store_sessions_changed(IN(s), cursor, fn, arg);
}

static const struct store_ops faulty_ops = {
    .close = f_close,
    .schema_version = f_schema,
    .begin = f_begin,
    .commit = f_commit,
    .rollback = f_rollback,
    .next_handle = f_next,
    .changed = f_changed,
    .fd = f_fd,
    .agents = f_agents,
    .agent_get = f_agent_get,
    .agent_add = f_agent_add,
    .agent_update = f_agent_update,
    .agent_remove = f_agent_remove,
    .groups = f_groups,
    .group_add = f_group_add,
    .group_remove = f_group_remove,
    .queues = f_queues,
    .queue_add = f_queue_add,
    .queue_update = f_queue_update,
    .queue_remove = f_queue_remove,
    .activities = f_acts,
    .activity_add = f_act_add,
    .activity_remove = f_act_remove,
    .sessions = f_sessions,
    .session_add = f_session_add,
    .session_update = f_session_update,
    .sessions_changed = f_sessions_changed,
};

/* --- fixture -------------------------------------------------------------------------- */

static int64_t fake_now = 1700000000000LL;
static int64_t clock_fake(void)
{
    return fake_now;
}

static bool sup_lookup(const char *user, const char *group)
{
    (void)group;
    return !strcmp(user, "boss");
}

struct fx {
    char dir[64], path[128];
    struct acd_store *st; /* the faulty wrapper */
    struct acd a;
    struct acd_line line;  /* device 0, permanent id 1, 2 addresses */
    struct acd_line line2; /* device 1, permanent id 2, 1 address */
    st_guid sales, support, ghost;
    uint32_t h1001, h1002, h1003;
};

static const uint8_t SALES[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                  0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01};
static const uint8_t SUPPORT[16] = {0x21, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                    0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x02};

static uint32_t add_agent(struct acd_store *st, const char *id, const char *user, const char *pin)
{
    struct st_agent ag;
    memset(&ag, 0, sizeof ag);
    snprintf(ag.id, sizeof ag.id, "%s", id);
    snprintf(ag.name, sizeof ag.name, "Agent %s", id);
    snprintf(ag.os_user, sizeof ag.os_user, "%s", user ? user : "");
    if (pin)
        assert_int_equal(pin_make_hash(pin, ag.pin_hash), 0);
    assert_int_equal(store_agent_add(st, &ag), ST_OK);
    assert_true(ag.handle != 0);
    return ag.handle;
}

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/tapix-acd-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/acd.db", f->dir);
    char err[256];
    struct faulty *fs = calloc(1, sizeof *fs);
    assert_non_null(fs);
    assert_int_equal(store_open(f->path, &fs->in, err, sizeof err), ST_OK);
    fs->base.ops = &faulty_ops;
    f->st = &fs->base;
    assert_int_equal(pin_init(), 0);

    struct st_group g = {{{0}}, "Sales"};
    memcpy(g.guid.b, SALES, 16);
    f->sales = g.guid;
    assert_int_equal(store_group_add(f->st, &g), ST_OK);
    memcpy(g.guid.b, SUPPORT, 16);
    snprintf(g.name, sizeof g.name, "Support");
    f->support = g.guid;
    assert_int_equal(store_group_add(f->st, &g), ST_OK);
    memset(f->ghost.b, 0x5a, 16);
    struct st_queue q = {100, "Sales EU", f->sales, 0};
    assert_int_equal(store_queue_add(f->st, &q), ST_OK);
    q = (struct st_queue){101, "Sales US", f->sales, 30};
    assert_int_equal(store_queue_add(f->st, &q), ST_OK);
    q = (struct st_queue){200, "Support", f->support, 0};
    assert_int_equal(store_queue_add(f->st, &q), ST_OK);
    struct st_activity act = {1, "Calls"};
    assert_int_equal(store_activity_add(f->st, &act), ST_OK);
    act = (struct st_activity){2, "Email"};
    assert_int_equal(store_activity_add(f->st, &act), ST_OK);
    f->h1001 = add_agent(f->st, "1001", "alice", NULL);
    f->h1002 = add_agent(f->st, "1002", NULL, "1234");
    f->h1003 = add_agent(f->st, "1003", "carol", "9999");

    assert_int_equal(model_load(&f->a.m, f->st), ST_OK);
    auth_init(&f->a.auth, "tapix-supervisors");
    auth_set_lookup(sup_lookup);
    f->a.clock_ms = clock_fake;
    f->line = (struct acd_line){101, 0, 1, 2, V22};
    f->line2 = (struct acd_line){102, 1, 2, 1, V22};
    *state = f;
    return 0;
}

static int rm_entry(const char *p, const struct stat *sb, int fl, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return fl == FTW_DP ? rmdir(p) : unlink(p);
}

/* Every agent's live list holds exactly its sessions that are not ended,
   in the order of its session list: checked after every test, whatever
   the test did to the model (handlers, failed commits, reloads, syncs). */
static void check_live_lists(struct acd_model *m)
{
    for (uint32_t i = 0; i < m->nagents; i++) {
        const struct m_agent *ag = &m->agents[i];
        uint32_t k = 0;
        for (uint32_t j = 0; j < ag->nsess; j++) {
            if (m->sess[ag->sess[j]].state == LINEAGENTSESSIONSTATE_ENDED)
                continue;
            assert_true(k < ag->nlive);
            assert_int_equal(ag->live[k], ag->sess[j]);
            k++;
        }
        assert_int_equal(k, ag->nlive);
    }
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    check_live_lists(&f->a.m);
    model_free(&f->a.m);
    auth_free(&f->a.auth);
    auth_set_lookup(NULL);
    free(f->a.notes);
    store_close(f->st);
    nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* --- requests ---------------------------------------------------------------------------- */

static void put_str16(uint8_t *b, uint32_t pair_off, uint32_t at, const char *s)
{
    uint16_t w[256];
    long n = utf8_to_utf16(s, strlen(s), w, 256);
    assert_true(n >= 0);
    for (long i = 0; i <= n; i++)
        vs_put_u16(b, at + 2 * (uint32_t)i, w[i]);
    vs_put_u32(b, pair_off, (uint32_t)(n + 1) * 2);
    vs_put_u32(b, pair_off + 4, at);
}

/* A zeroed request of `type` from OS user `user` (NULL: none), with ROOM
 * bytes for an output structure. */
static uint8_t *rq(uint32_t type, const char *user)
{
    uint8_t *b = calloc(1, RQ_SIZE);
    assert_non_null(b);
    vs_put_u32(b, 0, RQ_SIZE);
    vs_put_u32(b, 20, V22);
    vs_put_u32(b, 24, type);
    if (user)
        put_str16(b, 12, RQ_USER_AT, user);
    const struct px_type *t = px_type(type);
    if (t->out == PX_OUT_STRUCT)
        vs_put_u32(b, t->out_off, ROOM);
    return b;
}

static LONG run_on(struct fx *f, uint8_t *b, const struct acd_line *line)
{
    struct acd_req r = {(LINEPROXYREQUEST *)b, RQ_SIZE, line, {0}};
    acd_req_user(&r);
    return acd_handle(&f->a, &r);
}

static LONG run(struct fx *f, uint8_t *b)
{
    return run_on(f, b, &f->line);
}

static LONG create_agent(struct fx *f, const char *user, const char *id, const char *pin,
                         uint32_t *h)
{
    uint8_t *b = rq(LINEPROXYREQUEST_CREATEAGENT, user);
    if (id)
        put_str16(b, 32, RQ_STR_AT, id);
    if (pin)
        put_str16(b, 40, RQ_STR_AT + 200, pin);
    LONG rc = run(f, b);
    if (h)
        *h = vs_get_u32(b, 28);
    free(b);
    return rc;
}

static LONG create_session(struct fx *f, const char *user, uint32_t agent, const char *pin,
                           uint32_t addr, const st_guid *g, uint32_t *h)
{
    uint8_t *b = rq(LINEPROXYREQUEST_CREATEAGENTSESSION, user);
    vs_put_u32(b, 40, agent);
    memcpy(b + 44, g->b, 16);
    vs_put_u32(b, 60, addr);
    if (pin)
        put_str16(b, 32, RQ_STR_AT, pin);
    LONG rc = run(f, b);
    if (h)
        *h = vs_get_u32(b, 28);
    free(b);
    return rc;
}

static LONG set3(struct fx *f, uint32_t type, const char *user, uint32_t x, uint32_t y, uint32_t z)
{
    uint8_t *b = rq(type, user);
    vs_put_u32(b, 28, x);
    vs_put_u32(b, 32, y);
    vs_put_u32(b, 36, z);
    LONG rc = run(f, b);
    free(b);
    return rc;
}

static LONG session_state(struct fx *f, const char *user, uint32_t s, uint32_t st, uint32_t nx)
{
    return set3(f, LINEPROXYREQUEST_SETAGENTSESSIONSTATE, user, s, st, nx);
}

/* A "get" keyed by the DWORD at 28; *out receives the buffer (free it). */
static LONG get(struct fx *f, uint32_t type, const char *user, uint32_t key, uint8_t **out)
{
    uint8_t *b = rq(type, user);
    vs_put_u32(b, 28, key);
    LONG rc = run(f, b);
    if (!rc) {
        const struct px_type *t = px_type(type);
        const char *why = NULL;
        uint8_t *st = b + t->out_off;
        assert_int_equal(px_validate(t->st, st, vs_get_u32(st, 8), V22, 0, &why), 0);
        assert_int_equal(vs_get_u32(st, 4), vs_get_u32(st, 8)); /* ROOM was enough */
    }
    if (out)
        *out = b;
    else
        free(b);
    return rc;
}

static const struct acd_note *find_note(const struct fx *f, uint32_t msg, uint32_t p1)
{
    for (size_t i = 0; i < f->a.nnotes; i++)
        if (f->a.notes[i].msg == msg && f->a.notes[i].p1 == p1 && !f->a.notes[i].dropped)
            return &f->a.notes[i];
    return NULL;
}

/* The UTF-16 string at (size, off) of base equals ascii. */
static bool str16_is(const uint8_t *base, uint32_t size, uint32_t off, const char *ascii)
{
    size_t n = strlen(ascii);
    if (size != (n + 1) * 2)
        return false;
    for (size_t i = 0; i <= n; i++)
        if (vs_get_u16(base, off + 2 * (uint32_t)i) != (uint8_t)ascii[i])
            return false;
    return true;
}

/* --- tests: agents ------------------------------------------------------------------------ */

static void createagent_rules(void **state)
{
    struct fx *f = *state;
    uint32_t h = 0, h2 = 0;
    /* bound user, by ID and by NULL ID; the same handle every time */
    assert_int_equal(create_agent(f, "alice", "1001", NULL, &h), 0);
    assert_int_equal(h, f->h1001);
    assert_int_equal(create_agent(f, "alice", NULL, NULL, &h2), 0);
    assert_int_equal(h2, f->h1001);
    /* unknown ID, no bound agent */
    assert_int_equal(create_agent(f, "alice", "4711", NULL, NULL), (LONG)LINEERR_INVALAGENTID);
    assert_int_equal(create_agent(f, "dave", NULL, NULL, NULL), (LONG)LINEERR_INVALAGENTID);
    /* no right: another user without PIN */
    assert_int_equal(create_agent(f, "dave", "1001", NULL, NULL), (LONG)LINEERR_INVALPASSWORD);
    assert_int_equal(create_agent(f, NULL, "1002", NULL, NULL), (LONG)LINEERR_INVALPASSWORD);
    /* wrong PIN, whoever gives it (the bound user and a supervisor too) */
    assert_int_equal(create_agent(f, "dave", "1002", "0000", NULL), (LONG)LINEERR_INVALPASSWORD);
    assert_int_equal(create_agent(f, "carol", "1003", "1234", NULL), (LONG)LINEERR_INVALPASSWORD);
    assert_int_equal(create_agent(f, "boss", "1002", "12345", NULL), (LONG)LINEERR_INVALPASSWORD);
    /* a PIN for an agent that has none is wrong */
    assert_int_equal(create_agent(f, "alice", "1001", "1234", NULL), (LONG)LINEERR_INVALPASSWORD);
    assert_false(auth_granted(&f->a.auth, f->h1002, "dave"));
    /* the right PIN grants dave the agent */
    assert_int_equal(create_agent(f, "dave", "1002", "1234", &h), 0);
    assert_int_equal(h, f->h1002);
    assert_true(auth_granted(&f->a.auth, f->h1002, "dave"));
    assert_int_equal(create_agent(f, "dave", "1002", NULL, &h), 0);
    assert_int_equal(
        set3(f, LINEPROXYREQUEST_SETAGENTSTATEEX, "dave", f->h1002, LINEAGENTSTATEEX_READY, 0), 0);
    /* but not another user, and not another agent */
    assert_int_equal(
        set3(f, LINEPROXYREQUEST_SETAGENTSTATEEX, "erin", f->h1002, LINEAGENTSTATEEX_READY, 0),
        (LONG)LINEERR_INVALPASSWORD);
    assert_int_equal(create_agent(f, "dave", "1003", NULL, NULL), (LONG)LINEERR_INVALPASSWORD);
    /* supervisors and root act for anybody */
    assert_int_equal(create_agent(f, "boss", "1003", NULL, &h), 0);
    assert_int_equal(h, f->h1003);
    assert_int_equal(create_agent(f, "root", "1002", NULL, &h), 0);
    /* an ID that is not UTF-16 */
    uint8_t *b = rq(LINEPROXYREQUEST_CREATEAGENT, "alice");
    vs_put_u32(b, 32, 3);
    vs_put_u32(b, 36, RQ_STR_AT);
    assert_int_equal(run(f, b), (LONG)LINEERR_INVALAGENTID);
    free(b);
    assert_int_equal(f->a.m.writes, 1); /* only the SETAGENTSTATEEX wrote */
}

static void agent_state_and_info(void **state)
{
    struct fx *f = *state;
    uint8_t *b;
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTINFO, "nobody", f->h1001, &b), 0);
    uint8_t *ai = b + 32;
    assert_int_equal(vs_get_u32(ai, 8), 56);
    assert_int_equal(vs_get_u32(ai, 12), LINEAGENTSTATEEX_NOTREADY);
    assert_int_equal(vs_get_u32(ai, 16), 0);
    assert_int_equal(vs_get_u32(ai, 20), M_DEFAULT_PERIOD);
    free(b);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTINFO, "alice", 0xDEAD, NULL),
                     (LONG)LINEERR_INVALAGENTID);

    uint32_t T = LINEPROXYREQUEST_SETAGENTSTATEEX;
    assert_int_equal(
        set3(f, T, "alice", f->h1001, LINEAGENTSTATEEX_READY, LINEAGENTSTATEEX_NOTREADY), 0);
    const struct acd_note *n = find_note(f, LINE_AGENTSTATUSEX, f->h1001);
    assert_non_null(n);
    assert_true(n->all);
    assert_int_equal(n->p2, LINEAGENTSTATUSEX_STATE);
    assert_int_equal(n->p3, LINEAGENTSTATEEX_READY);
    notify_clear(&f->a);
    /* 0 keeps the state; only next changes: UPDATEINFO */
    assert_int_equal(set3(f, T, "alice", f->h1001, 0, LINEAGENTSTATEEX_READY), 0);
    n = find_note(f, LINE_AGENTSTATUSEX, f->h1001);
    assert_int_equal(n->p2, LINEAGENTSTATUSEX_UPDATEINFO);
    assert_int_equal(set3(f, T, "alice", f->h1001, LINEAGENTSTATEEX_RELEASED, 0), 0);
    /* the ACD's states and anything else */
    static const uint32_t bad[] = {LINEAGENTSTATEEX_BUSYACD,
                                   LINEAGENTSTATEEX_BUSYINCOMING,
                                   LINEAGENTSTATEEX_BUSYOUTGOING,
                                   LINEAGENTSTATEEX_UNKNOWN,
                                   0x80,
                                   LINEAGENTSTATEEX_READY | LINEAGENTSTATEEX_NOTREADY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(set3(f, T, "alice", f->h1001, bad[i], 0), (LONG)LINEERR_INVALAGENTSTATE);
        assert_int_equal(set3(f, T, "alice", f->h1001, 0, bad[i]), (LONG)LINEERR_INVALAGENTSTATE);
    }
    assert_int_equal(set3(f, T, "alice", f->h1001, 0, LINEAGENTSTATEEX_RELEASED),
                     (LONG)LINEERR_INVALAGENTSTATE);
    assert_int_equal(set3(f, T, "alice", 0xDEAD, LINEAGENTSTATEEX_READY, 0),
                     (LONG)LINEERR_INVALAGENTID);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTINFO, "x", f->h1001, &b), 0);
    assert_int_equal(vs_get_u32(b + 32, 12), LINEAGENTSTATEEX_RELEASED);
    assert_int_equal(vs_get_u32(b + 32, 16), 0);
    free(b);

    /* measurement period */
    T = LINEPROXYREQUEST_SETAGENTMEASUREMENTPERIOD;
    notify_clear(&f->a);
    assert_int_equal(set3(f, T, "alice", f->h1001, 0, 0), (LONG)LINEERR_INVALPARAM);
    assert_int_equal(set3(f, T, "alice", 0xDEAD, 30, 0), (LONG)LINEERR_INVALAGENTID);
    assert_int_equal(set3(f, T, "dave", f->h1001, 30, 0), (LONG)LINEERR_INVALPASSWORD);
    assert_int_equal(set3(f, T, "alice", f->h1001, 900, 0), 0);
    n = find_note(f, LINE_AGENTSTATUSEX, f->h1001);
    assert_non_null(n);
    assert_int_equal(n->p2, LINEAGENTSTATUSEX_UPDATEINFO);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTINFO, "x", f->h1001, &b), 0);
    assert_int_equal(vs_get_u32(b + 32, 20), 900);
    free(b);
    /* persisted */
    struct st_agent sa;
    assert_int_equal(store_agent_get(f->st, "1001", &sa), ST_OK);
    assert_int_equal(sa.period, 900);
    assert_int_equal(sa.state, LINEAGENTSTATEEX_RELEASED);
}

/* --- tests: sessions ------------------------------------------------------------------------ */

static void session_lifecycle(void **state)
{
    struct fx *f = *state;
    uint32_t s1 = 0, s2 = 0, s3 = 0;
    /* failures first */
    assert_int_equal(create_session(f, "alice", 0xDEAD, NULL, 0, &f->sales, NULL),
                     (LONG)LINEERR_INVALAGENTID);
    assert_int_equal(create_session(f, "alice", f->h1001, NULL, 2, &f->sales, NULL),
                     (LONG)LINEERR_INVALADDRESSID);
    assert_int_equal(create_session(f, "alice", f->h1001, NULL, 0, &f->ghost, NULL),
                     (LONG)LINEERR_INVALAGENTGROUP);
    assert_int_equal(create_session(f, "dave", f->h1001, NULL, 0, &f->sales, NULL),
                     (LONG)LINEERR_INVALPASSWORD);
    assert_int_equal(create_session(f, "dave", f->h1002, "1111", 0, &f->sales, NULL),
                     (LONG)LINEERR_INVALPASSWORD);
    assert_int_equal(f->a.m.writes, 0);

    fake_now = 1700000000000LL;
    assert_int_equal(create_session(f, "alice", f->h1001, NULL, 0, &f->sales, &s1), 0);
    assert_true(s1 != 0);
    const struct acd_note *n = find_note(f, LINE_AGENTSESSIONSTATUS, s1);
    assert_non_null(n);
    assert_false(n->all);
    assert_int_equal(n->perm_line, 1);
    assert_int_equal(n->p2, LINEAGENTSESSIONSTATUS_NEWSESSION | LINEAGENTSESSIONSTATUS_STATE);
    assert_int_equal(n->p3, LINEAGENTSESSIONSTATE_NOTREADY);
    n = find_note(f, LINE_AGENTSTATUS, 0);
    assert_non_null(n);
    assert_int_equal(n->p2 & (LINEAGENTSTATUS_GROUP | LINEAGENTSTATUS_STATE),
                     LINEAGENTSTATUS_GROUP | LINEAGENTSTATUS_STATE);
    assert_int_equal(n->p3, LINEAGENTSTATE_NOTREADY);
    /* the same agent, group, line and address again */
    assert_int_equal(create_session(f, "alice", f->h1001, NULL, 0, &f->sales, NULL),
                     (LONG)LINEERR_INVALAGENTSESSIONSTATE);
    /* another address, another group, another line: fine */
    assert_int_equal(create_session(f, "alice", f->h1001, NULL, 1, &f->sales, &s2), 0);
    assert_int_equal(create_session(f, "boss", f->h1001, NULL, 0, &f->support, &s3), 0);
    assert_true(s1 < s2 && s2 < s3);
    /* a PIN session: dave is granted 1002 */
    uint32_t s4 = 0;
    assert_int_equal(create_session(f, "dave", f->h1002, "1234", 0, &f->support, &s4), 0);
    assert_int_equal(session_state(f, "dave", s4, LINEAGENTSESSIONSTATE_READY, 0), 0);

    /* info: start time as an OLE date, duration from the clock */
    fake_now += 65500;
    uint8_t *b;
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTSESSIONINFO, "x", s1, &b), 0);
    uint8_t *si = b + 32;
    assert_int_equal(vs_get_u32(si, 8), 76);
    assert_int_equal(vs_get_u32(si, 12), LINEAGENTSESSIONSTATE_NOTREADY);
    double d;
    memcpy(&d, si + 20, 8);
    assert_true(d > 45000.0 && d < 80000.0);
    assert_true(d - (1700000000000.0 / 86400000.0 + 25569.0) < 1e-6);
    assert_int_equal(vs_get_u32(si, 28), 65);
    free(b);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTSESSIONINFO, "x", 0xDEAD, NULL),
                     (LONG)LINEERR_INVALPARAM);

    /* transitions */
    notify_clear(&f->a);
    assert_int_equal(
        session_state(f, "alice", s1, LINEAGENTSESSIONSTATE_READY, LINEAGENTSESSIONSTATE_NOTREADY),
        0);
    n = find_note(f, LINE_AGENTSESSIONSTATUS, s1);
    assert_int_equal(n->p2, LINEAGENTSESSIONSTATUS_STATE);
    assert_int_equal(n->p3, LINEAGENTSESSIONSTATE_READY);
    n = find_note(f, LINE_AGENTSTATUS, 0);
    assert_non_null(n);
    assert_int_equal(n->p3, LINEAGENTSTATE_READY);
    notify_clear(&f->a);
    assert_int_equal(session_state(f, "alice", s1, 0, LINEAGENTSESSIONSTATE_READY), 0);
    n = find_note(f, LINE_AGENTSESSIONSTATUS, s1);
    assert_int_equal(n->p2, LINEAGENTSESSIONSTATUS_UPDATEINFO);
    assert_int_equal(n->p3, 0);
    static const uint32_t acd_only[] = {LINEAGENTSESSIONSTATE_BUSYONCALL,
                                        LINEAGENTSESSIONSTATE_BUSYWRAPUP,
                                        LINEAGENTSESSIONSTATE_RELEASED, 0x40, 0x3};
    for (size_t i = 0; i < sizeof acd_only / sizeof acd_only[0]; i++) {
        assert_int_equal(session_state(f, "alice", s1, acd_only[i], 0),
                         (LONG)LINEERR_INVALAGENTSESSIONSTATE);
        assert_int_equal(session_state(f, "alice", s1, 0, acd_only[i]),
                         (LONG)LINEERR_INVALAGENTSESSIONSTATE);
    }
    assert_int_equal(session_state(f, "alice", 0xDEAD, LINEAGENTSESSIONSTATE_READY, 0),
                     (LONG)LINEERR_INVALPARAM);
    assert_int_equal(session_state(f, "dave", s1, LINEAGENTSESSIONSTATE_READY, 0),
                     (LONG)LINEERR_INVALPASSWORD);
    /* ENDED is final; its duration freezes */
    assert_int_equal(session_state(f, "alice", s1, LINEAGENTSESSIONSTATE_ENDED, 0), 0);
    assert_int_equal(session_state(f, "alice", s1, LINEAGENTSESSIONSTATE_READY, 0),
                     (LONG)LINEERR_INVALAGENTSESSIONSTATE);
    assert_int_equal(session_state(f, "alice", s1, 0, LINEAGENTSESSIONSTATE_READY),
                     (LONG)LINEERR_INVALAGENTSESSIONSTATE);
    assert_int_equal(session_state(f, "alice", s1, LINEAGENTSESSIONSTATE_ENDED, 0),
                     (LONG)LINEERR_INVALAGENTSESSIONSTATE);
    fake_now += 10000;
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTSESSIONINFO, "x", s1, &b), 0);
    assert_int_equal(vs_get_u32(b + 32, 12), LINEAGENTSESSIONSTATE_ENDED);
    assert_int_equal(vs_get_u32(b + 32, 28), 65);
    free(b);
    /* a new session in the same place is allowed once the old one ended */
    uint32_t s5 = 0;
    assert_int_equal(create_session(f, "alice", f->h1001, NULL, 0, &f->sales, &s5), 0);

    /* the list: every session, ended too, oldest first */
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTSESSIONLIST, "x", f->h1001, &b), 0);
    uint8_t *sl = b + 32;
    assert_int_equal(vs_get_u32(sl, 12), 4);
    uint32_t off = vs_get_u32(sl, 20);
    uint32_t want[] = {s1, s2, s3, s5};
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(vs_get_u32(sl, off + 28 * i), want[i]);
        assert_int_equal(vs_get_u32(sl, off + 28 * i + 4), f->h1001);
    }
    assert_memory_equal(sl + off + 8, SALES, 16);
    assert_int_equal(vs_get_u32(sl, off + 28 + 24), 1); /* s2's address */
    assert_memory_equal(sl + off + 28 * 2 + 8, SUPPORT, 16);
    free(b);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTSESSIONLIST, "x", 0xDEAD, NULL),
                     (LONG)LINEERR_INVALAGENTID);
    /* the same in the store */
    struct acd_model m2;
    assert_int_equal(model_load(&m2, f->st), ST_OK);
    assert_int_equal(m2.nsess, 5);
    assert_int_equal(model_session(&m2, s1)->state, LINEAGENTSESSIONSTATE_ENDED);
    assert_int_equal(model_session(&m2, s4)->state, LINEAGENTSESSIONSTATE_READY);
    assert_int_equal(model_session(&m2, s1)->end_ms, 1700000000000LL + 65500);
    model_free(&m2);
}

/* A list the handler returned: too small a room gives needed > used. */
static void small_room(void **state)
{
    struct fx *f = *state;
    uint8_t *b = rq(LINEPROXYREQUEST_GETGROUPLIST, "x");
    vs_put_u32(b, 28, 24 + 10);
    assert_int_equal(run(f, b), 0);
    assert_int_equal(vs_get_u32(b + 28, 8), 24);
    assert_true(vs_get_u32(b + 28, 4) > 24);
    assert_int_equal(vs_get_u32(b + 28, 12), 0);
    free(b);
    b = rq(LINEPROXYREQUEST_GETAGENTINFO, "x");
    vs_put_u32(b, 28, f->h1001);
    vs_put_u32(b, 32, 20);
    assert_int_equal(run(f, b), (LONG)LINEERR_STRUCTURETOOSMALL);
    free(b);
}

/* --- tests: groups and queues ----------------------------------------------------------------- */

static void groups_and_queues(void **state)
{
    struct fx *f = *state;
    uint8_t *b;
    b = rq(LINEPROXYREQUEST_GETGROUPLIST, "x");
    assert_int_equal(run(f, b), 0);
    uint8_t *gl = b + 28;
    const char *why = NULL;
    assert_int_equal(px_validate(px_type(0x13)->st, gl, vs_get_u32(gl, 8), V22, 0, &why), 0);
    assert_int_equal(vs_get_u32(gl, 12), 2);
    uint32_t off = vs_get_u32(gl, 20);
    bool saw_sales = false, saw_support = false;
    for (uint32_t i = 0; i < 2; i++) {
        const uint8_t *e = gl + off + 24 * i;
        if (!memcmp(e, SALES, 16))
            saw_sales = str16_is(gl, vs_get_u32(e, 16), vs_get_u32(e, 20), "Sales");
        if (!memcmp(e, SUPPORT, 16))
            saw_support = str16_is(gl, vs_get_u32(e, 16), vs_get_u32(e, 20), "Support");
    }
    assert_true(saw_sales && saw_support);
    free(b);

    b = rq(LINEPROXYREQUEST_GETQUEUELIST, "x");
    memcpy(b + 28, SALES, 16);
    assert_int_equal(run(f, b), 0);
    uint8_t *ql = b + 44;
    assert_int_equal(px_validate(px_type(0x10)->st, ql, vs_get_u32(ql, 8), V22, 0, &why), 0);
    assert_int_equal(vs_get_u32(ql, 12), 2);
    off = vs_get_u32(ql, 20);
    assert_int_equal(vs_get_u32(ql, off), 100);
    assert_true(str16_is(ql, vs_get_u32(ql, off + 4), vs_get_u32(ql, off + 8), "Sales EU"));
    assert_int_equal(vs_get_u32(ql, off + 12), 101);
    free(b);
    b = rq(LINEPROXYREQUEST_GETQUEUELIST, "x");
    memcpy(b + 28, f->ghost.b, 16);
    assert_int_equal(run(f, b), (LONG)LINEERR_INVALAGENTGROUP);
    free(b);

    assert_int_equal(get(f, LINEPROXYREQUEST_GETQUEUEINFO, "x", 101, &b), 0);
    assert_int_equal(vs_get_u32(b + 32, 8), 52);
    assert_int_equal(vs_get_u32(b + 32, 12), 30);
    free(b);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETQUEUEINFO, "x", 999, NULL),
                     (LONG)LINEERR_INVALPARAM);
    uint32_t T = LINEPROXYREQUEST_SETQUEUEMEASUREMENTPERIOD;
    assert_int_equal(set3(f, T, "boss", 101, 0, 0), (LONG)LINEERR_INVALPARAM);
    assert_int_equal(set3(f, T, "boss", 999, 10, 0), (LONG)LINEERR_INVALPARAM);
    assert_int_equal(set3(f, T, "alice", 101, 10, 0), (LONG)LINEERR_INVALPASSWORD);
    assert_int_equal(set3(f, T, "boss", 101, 10, 0), 0);
    const struct acd_note *n = find_note(f, LINE_QUEUESTATUS, 101);
    assert_non_null(n);
    assert_true(n->all);
    assert_int_equal(n->p2, LINEQUEUESTATUS_UPDATEINFO);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETQUEUEINFO, "x", 101, &b), 0);
    assert_int_equal(vs_get_u32(b + 32, 12), 10);
    free(b);
}

/* --- tests: TAPI 2.0 ------------------------------------------------------------------------ */

static LONG set_groups(struct fx *f, const char *user, uint32_t addr, const st_guid *g, uint32_t n)
{
    uint8_t *b = rq(LINEPROXYREQUEST_SETAGENTGROUP, user);
    vs_put_u32(b, 28, addr);
    uint8_t *l = b + 32;
    vs_put_u32(l, 0, 24 + 24 * n);
    vs_put_u32(l, 4, 24 + 24 * n);
    vs_put_u32(l, 8, 24 + 24 * n);
    vs_put_u32(l, 12, n);
    vs_put_u32(l, 16, 24 * n);
    vs_put_u32(l, 20, n ? 24 : 0);
    for (uint32_t i = 0; i < n; i++)
        memcpy(l + 24 + 24 * i, g[i].b, 16);
    LONG rc = run(f, b);
    free(b);
    return rc;
}

static uint32_t status20(struct fx *f, const char *user, uint32_t addr, uint32_t *ngroups)
{
    uint8_t *b;
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTSTATUS, user, addr, &b), 0);
    uint32_t s = vs_get_u32(b + 32, 24);
    if (ngroups)
        *ngroups = vs_get_u32(b + 32, 12);
    free(b);
    return s;
}

static void v20_consistent_with_v22(void **state)
{
    struct fx *f = *state;
    st_guid both[2] = {f->sales, f->support};
    /* no bound agent, or a bad address */
    assert_int_equal(set_groups(f, "dave", 0, both, 2), (LONG)LINEERR_INVALAGENTID);
    assert_int_equal(set_groups(f, "alice", 2, both, 2), (LONG)LINEERR_INVALADDRESSID);
    st_guid bad[2] = {f->sales, f->ghost};
    assert_int_equal(set_groups(f, "alice", 0, bad, 2), (LONG)LINEERR_INVALAGENTGROUP);
    st_guid many[17];
    for (int i = 0; i < 17; i++)
        many[i] = f->sales;
    assert_int_equal(set_groups(f, "alice", 0, many, 17), (LONG)LINEERR_INVALPARAM);
    assert_int_equal(f->a.m.writes, 0);
    assert_int_equal(status20(f, "alice", 0, NULL), LINEAGENTSTATE_LOGGEDOFF);

    /* logging into two groups = two sessions, visible in the 2.2 list */
    assert_int_equal(set_groups(f, "alice", 0, both, 2), 0);
    struct m_agent *ag = model_agent(&f->a.m, f->h1001);
    assert_int_equal(ag->nsess, 2);
    uint32_t sa = f->a.m.sess[ag->sess[0]].handle, sb = f->a.m.sess[ag->sess[1]].handle;
    assert_non_null(find_note(f, LINE_AGENTSESSIONSTATUS, sa));
    uint8_t *b;
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTSESSIONLIST, "x", f->h1001, &b), 0);
    assert_int_equal(vs_get_u32(b + 32, 12), 2);
    free(b);
    uint32_t ng = 0;
    assert_int_equal(status20(f, "alice", 0, &ng), LINEAGENTSTATE_NOTREADY);
    assert_int_equal(ng, 2);
    assert_int_equal(status20(f, "alice", 1, &ng), LINEAGENTSTATE_LOGGEDOFF);
    assert_int_equal(ng, 0);

    /* one 2.2 session READY makes the address READY */
    assert_int_equal(session_state(f, "alice", sb, LINEAGENTSESSIONSTATE_READY, 0), 0);
    assert_int_equal(status20(f, "alice", 0, NULL), LINEAGENTSTATE_READY);

    /* 2.0 state: NOTREADY sets them all */
    uint32_t T = LINEPROXYREQUEST_SETAGENTSTATE;
    notify_clear(&f->a);
    assert_int_equal(set3(f, T, "alice", 0, LINEAGENTSTATE_NOTREADY, LINEAGENTSTATE_READY), 0);
    assert_int_equal(model_session(&f->a.m, sa)->state, LINEAGENTSESSIONSTATE_NOTREADY);
    assert_int_equal(model_session(&f->a.m, sb)->state, LINEAGENTSESSIONSTATE_NOTREADY);
    assert_int_equal(model_session(&f->a.m, sb)->next_state, LINEAGENTSESSIONSTATE_READY);
    const struct acd_note *n = find_note(f, LINE_AGENTSTATUS, 0);
    assert_non_null(n);
    assert_true(n->p2 & LINEAGENTSTATUS_STATE);
    assert_int_equal(n->p3, LINEAGENTSTATE_NOTREADY);
    assert_int_equal(set3(f, T, "alice", 0, LINEAGENTSTATE_BUSYACD, 0),
                     (LONG)LINEERR_INVALAGENTSTATE);
    assert_int_equal(set3(f, T, "alice", 0, LINEAGENTSTATE_WORKINGAFTERCALL, 0),
                     (LONG)LINEERR_INVALAGENTSTATE);
    assert_int_equal(set3(f, T, "alice", 0, LINEAGENTSTATE_READY, LINEAGENTSTATE_BUSYOTHER),
                     (LONG)LINEERR_INVALAGENTSTATE);
    assert_int_equal(set3(f, T, "alice", 1, LINEAGENTSTATE_READY, 0),
                     (LONG)LINEERR_INVALAGENTSTATE); /* no sessions there */
    assert_int_equal(set3(f, T, "alice", 2, LINEAGENTSTATE_READY, 0), (LONG)LINEERR_INVALADDRESSID);
    assert_int_equal(set3(f, T, "dave", 0, LINEAGENTSTATE_READY, 0), (LONG)LINEERR_INVALAGENTID);
    assert_int_equal(set3(f, T, "alice", 0, LINEAGENTSTATE_READY, 0), 0);
    assert_int_equal(status20(f, "alice", 0, NULL), LINEAGENTSTATE_READY);

    /* dropping one group ends its session */
    assert_int_equal(set_groups(f, "alice", 0, &f->support, 1), 0);
    assert_int_equal(model_session(&f->a.m, sa)->state, LINEAGENTSESSIONSTATE_ENDED);
    assert_int_equal(model_session(&f->a.m, sb)->state, LINEAGENTSESSIONSTATE_READY);
    assert_int_equal(status20(f, "alice", 0, &ng), LINEAGENTSTATE_READY);
    assert_int_equal(ng, 1);
    /* LOGGEDOFF ends the rest */
    assert_int_equal(set3(f, T, "alice", 0, LINEAGENTSTATE_LOGGEDOFF, 0), 0);
    assert_int_equal(model_session(&f->a.m, sb)->state, LINEAGENTSESSIONSTATE_ENDED);
    assert_int_equal(status20(f, "alice", 0, NULL), LINEAGENTSTATE_LOGGEDOFF);
    /* NULL/empty list: all ended (nothing left) */
    assert_int_equal(set_groups(f, "alice", 0, NULL, 0), 0);
    assert_int_equal(ag->nsess, 2);

    /* activity */
    T = LINEPROXYREQUEST_SETAGENTACTIVITY;
    assert_int_equal(set3(f, T, "alice", 0, 77, 0), (LONG)LINEERR_INVALAGENTACTIVITY);
    assert_int_equal(set3(f, T, "alice", 5, 1, 0), (LONG)LINEERR_INVALADDRESSID);
    assert_int_equal(set3(f, T, "dave", 0, 1, 0), (LONG)LINEERR_INVALAGENTID);
    assert_int_equal(set3(f, T, "alice", 0, 2, 0), 0);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTSTATUS, "alice", 0, &b), 0);
    uint8_t *as = b + 32;
    assert_int_equal(vs_get_u32(as, 32), 2);
    assert_true(str16_is(as, vs_get_u32(as, 36), vs_get_u32(as, 40), "Email"));
    assert_int_equal(vs_get_u32(as, 48),
                     LINEAGENTSTATE_LOGGEDOFF | LINEAGENTSTATE_NOTREADY | LINEAGENTSTATE_READY);
    free(b);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTSTATUS, "alice", 9, NULL),
                     (LONG)LINEERR_INVALADDRESSID);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTSTATUS, "dave", 0, NULL),
                     (LONG)LINEERR_INVALAGENTID);

    /* lists */
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTACTIVITYLIST, "alice", 0, &b), 0);
    assert_int_equal(vs_get_u32(b + 32, 12), 2);
    uint32_t off = vs_get_u32(b + 32, 20);
    assert_int_equal(vs_get_u32(b + 32, off + 12), 2);
    assert_true(
        str16_is(b + 32, vs_get_u32(b + 32, off + 16), vs_get_u32(b + 32, off + 20), "Email"));
    free(b);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTGROUPLIST, "alice", 0, &b), 0);
    assert_int_equal(vs_get_u32(b + 32, 12), 2);
    free(b);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTGROUPLIST, "alice", 3, NULL),
                     (LONG)LINEERR_INVALADDRESSID);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTACTIVITYLIST, "zed", 0, NULL),
                     (LONG)LINEERR_INVALAGENTID);
}

static void agent_caps(void **state)
{
    struct fx *f = *state;
    uint8_t *b;
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTCAPS, "x", 0, &b), 0);
    uint8_t *c = b + 32;
    assert_int_equal(vs_get_u32(c, 8) >= 72, 1);
    assert_true(str16_is(c, vs_get_u32(c, 12), vs_get_u32(c, 16), "tapix acdproxy"));
    assert_int_equal(vs_get_u32(c, 20), V22);
    assert_int_equal(vs_get_u32(c, 36), 16);
    assert_int_equal(vs_get_u32(c, 44), 1);
    assert_int_equal(vs_get_u32(c, 48), 16);
    static const uint8_t ext[16] = {0x6A, 0x70, 0x61, 0x74, 0x00, 0x00, 0x63, 0x41,
                                    0x84, 0x70, 0x72, 0x6F, 0x78, 0x79, 0x00, 0x01};
    assert_memory_equal(c + vs_get_u32(c, 52), ext, 16);
    static const uint8_t zero[16];
    assert_memory_not_equal(c + 56, zero, 16);
    free(b);
    /* a 2.0 client: the 56-byte structure, no ProxyGUID */
    b = rq(LINEPROXYREQUEST_GETAGENTCAPS, "x");
    vs_put_u32(b, 20, V20);
    assert_int_equal(run(f, b), 0);
    c = b + 32;
    const char *why;
    assert_int_equal(px_validate(px_type(4)->st, c, vs_get_u32(c, 8), V20, 0, &why), 0);
    assert_int_equal(vs_get_u32(c, 20), V20);
    assert_true(vs_get_u32(c, 16) >= 56 && vs_get_u32(c, 16) < 72);
    free(b);
    assert_int_equal(get(f, LINEPROXYREQUEST_GETAGENTCAPS, "x", 2, NULL),
                     (LONG)LINEERR_INVALADDRESSID);
}

static LONG agent_specific(struct fx *f, const char *user, uint32_t addr, uint32_t index,
                           const uint32_t *words, uint32_t nwords, uint8_t **out)
{
    uint8_t *b = rq(LINEPROXYREQUEST_AGENTSPECIFIC, user);
    vs_put_u32(b, 28, addr);
    vs_put_u32(b, 32, index);
    vs_put_u32(b, 36, nwords * 4);
    for (uint32_t i = 0; i < nwords; i++)
        vs_put_u32(b, 40 + 4 * i, words[i]);
    LONG rc = run(f, b);
    if (out)
        *out = b;
    else
        free(b);
    return rc;
}

static void extension(void **state)
{
    struct fx *f = *state;
    uint8_t *b;
    uint32_t echo[4] = {1, 0xCAFEBABE, 7, 9};
    assert_int_equal(agent_specific(f, "anyone", 0, 0, echo, 4, &b), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(vs_get_u32(b, 40 + 4 * (uint32_t)i), echo[i]);
    free(b);
    assert_int_equal(agent_specific(f, "alice", 0, 1, echo, 4, NULL), (LONG)LINEERR_INVALPARAM);
    assert_int_equal(agent_specific(f, "alice", 5, 0, echo, 4, NULL), (LONG)LINEERR_INVALADDRESSID);
    uint32_t bad[1] = {3};
    assert_int_equal(agent_specific(f, "alice", 0, 0, bad, 1, NULL), (LONG)LINEERR_INVALPARAM);
    uint32_t none[1] = {0};
    assert_int_equal(agent_specific(f, "alice", 0, 0, none, 0, NULL), (LONG)LINEERR_INVALPARAM);

    uint32_t s1, s2;
    assert_int_equal(create_session(f, "alice", f->h1001, NULL, 0, &f->sales, &s1), 0);
    assert_int_equal(create_session(f, "alice", f->h1001, NULL, 0, &f->support, &s2), 0);
    uint32_t ses[5] = {2, 0, 0, 0, 0};
    assert_int_equal(agent_specific(f, "alice", 0, 0, ses, 5, &b), 0);
    assert_int_equal(vs_get_u32(b, 40), 2);
    assert_int_equal(vs_get_u32(b, 44), 2);
    assert_int_equal(vs_get_u32(b, 48), 2);
    assert_int_equal(vs_get_u32(b, 52), s1);
    assert_int_equal(vs_get_u32(b, 56), s2);
    free(b);
    /* as many as fit */
    assert_int_equal(agent_specific(f, "alice", 0, 0, ses, 4, &b), 0);
    assert_int_equal(vs_get_u32(b, 44), 2);
    assert_int_equal(vs_get_u32(b, 48), 1);
    free(b);
    assert_int_equal(agent_specific(f, "alice", 0, 0, ses, 2, NULL),
                     (LONG)LINEERR_STRUCTURETOOSMALL);
    assert_int_equal(agent_specific(f, "dave", 0, 0, ses, 5, NULL), (LONG)LINEERR_INVALAGENTID);
    /* another line: its own sessions only (none) */
    b = rq(LINEPROXYREQUEST_AGENTSPECIFIC, "alice");
    vs_put_u32(b, 36, 12);
    vs_put_u32(b, 40, 2);
    assert_int_equal(run_on(f, b, &f->line2), 0);
    assert_int_equal(vs_get_u32(b, 44), 0);
    free(b);
}

/* --- tests: durability -------------------------------------------------------------------- */

static void group_commit_failure(void **state)
{
    struct fx *f = *state;
    struct faulty *fs = (struct faulty *)f->st;
    uint32_t s1;
    assert_int_equal(create_session(f, "alice", f->h1001, NULL, 0, &f->sales, &s1), 0);
    notify_clear(&f->a);

    /* a batch: a read, a change, another change, a read; the commit fails */
    uint8_t *r1 = rq(LINEPROXYREQUEST_GETGROUPLIST, "x");
    uint8_t *c1 = rq(LINEPROXYREQUEST_CREATEAGENTSESSION, "alice");
    vs_put_u32(c1, 40, f->h1001);
    memcpy(c1 + 44, SUPPORT, 16);
    uint8_t *c2 = rq(LINEPROXYREQUEST_SETAGENTSESSIONSTATE, "alice");
    vs_put_u32(c2, 28, s1);
    vs_put_u32(c2, 32, LINEAGENTSESSIONSTATE_READY);
    uint8_t *r2 = rq(LINEPROXYREQUEST_GETAGENTINFO, "x");
    vs_put_u32(r2, 28, f->h1001);
    struct acd_item it[4] = {{(LINEPROXYREQUEST *)r1, &f->line, 0, false},
                             {(LINEPROXYREQUEST *)c1, &f->line, 0, false},
                             {(LINEPROXYREQUEST *)c2, &f->line, 0, false},
                             {(LINEPROXYREQUEST *)r2, &f->line, 0, false}};
    fs->fail_commit = ST_FULL;
    assert_int_equal(acd_batch(&f->a, it, 4), 2);
    assert_int_equal(it[0].result, 0);
    assert_int_equal(it[1].result, (LONG)LINEERR_RESOURCEUNAVAIL);
    assert_int_equal(it[2].result, (LONG)LINEERR_RESOURCEUNAVAIL);
    assert_int_equal(it[3].result, 0);
    assert_true(it[1].changed && it[2].changed && !it[0].changed && !it[3].changed);
    /* the model was reloaded: the new session is gone, s1 still NOTREADY */
    assert_int_equal(f->a.m.nsess, 1);
    assert_int_equal(model_session(&f->a.m, s1)->state, LINEAGENTSESSIONSTATE_NOTREADY);
    for (size_t i = 0; i < f->a.nnotes; i++)
        assert_true(f->a.notes[i].dropped);
    notify_clear(&f->a);

    /* a write failing in the middle: the requests before it in the same
       transaction are refused, the ones after it go on */
    fs->fail_commit = 0;
    uint8_t *c3 = rq(LINEPROXYREQUEST_SETAGENTSTATEEX, "alice");
    vs_put_u32(c3, 28, f->h1001);
    vs_put_u32(c3, 32, LINEAGENTSTATEEX_READY);
    it[0] = (struct acd_item){(LINEPROXYREQUEST *)c3, &f->line, 0, false};
    memset(c2 + 36, 0, 4);
    it[1] = (struct acd_item){(LINEPROXYREQUEST *)c2, &f->line, 0, false};
    assert_int_equal(acd_batch(&f->a, it, 2), 0);
    assert_int_equal(it[0].result, 0);
    assert_int_equal(it[1].result, 0);
    assert_int_equal(model_session(&f->a.m, s1)->state, LINEAGENTSESSIONSTATE_READY);
    assert_non_null(find_note(f, LINE_AGENTSTATUSEX, f->h1001));
    notify_clear(&f->a);

    /* begin fails (locked): changes refused, reads answered */
    fs->fail_begin = ST_BUSY;
    vs_put_u32(c2, 32, LINEAGENTSESSIONSTATE_NOTREADY);
    uint8_t *r3 = rq(LINEPROXYREQUEST_GETAGENTSESSIONINFO, "x");
    vs_put_u32(r3, 28, s1);
    it[0] = (struct acd_item){(LINEPROXYREQUEST *)c2, &f->line, 0, false};
    it[1] = (struct acd_item){(LINEPROXYREQUEST *)r3, &f->line, 0, false};
    assert_int_equal(acd_batch(&f->a, it, 2), 1);
    assert_int_equal(it[0].result, (LONG)LINEERR_RESOURCEUNAVAIL);
    assert_int_equal(it[1].result, 0);
    assert_int_equal(vs_get_u32(r3 + 32, 12), LINEAGENTSESSIONSTATE_READY);
    assert_int_equal(model_session(&f->a.m, s1)->state, LINEAGENTSESSIONSTATE_READY);
    fs->fail_begin = 0;
    /* service resumes */
    it[0] = (struct acd_item){(LINEPROXYREQUEST *)c2, &f->line, 0, false};
    assert_int_equal(acd_batch(&f->a, it, 1), 0);
    assert_int_equal(it[0].result, 0);
    assert_int_equal(model_session(&f->a.m, s1)->state, LINEAGENTSESSIONSTATE_NOTREADY);

    /* a write error inside a transaction */
    fs->fail_writes = ST_READONLY;
    vs_put_u32(c2, 32, LINEAGENTSESSIONSTATE_READY);
    it[0] = (struct acd_item){(LINEPROXYREQUEST *)c2, &f->line, 0, false};
    it[1] = (struct acd_item){(LINEPROXYREQUEST *)r3, &f->line, 0, false};
    assert_int_equal(acd_batch(&f->a, it, 2), 1);
    assert_int_equal(it[0].result, (LONG)LINEERR_RESOURCEUNAVAIL);
    assert_int_equal(it[1].result, 0);
    assert_int_equal(model_session(&f->a.m, s1)->state, LINEAGENTSESSIONSTATE_NOTREADY);
    fs->fail_writes = 0;
    free(r1);
    free(c1);
    free(c2);
    free(c3);
    free(r2);
    free(r3);
}

static void handles_survive_restart(void **state)
{
    struct fx *f = *state;
    uint32_t s0, s1;
    assert_int_equal(create_session(f, "boss", f->h1003, NULL, 0, &f->support, &s0), 0);
    assert_int_equal(create_session(f, "boss", f->h1003, NULL, 0, &f->sales, &s1), 0);
    assert_int_equal(create_session(f, "boss", f->h1003, NULL, 0, &f->support, NULL),
                     (LONG)LINEERR_INVALAGENTSESSIONSTATE);
    assert_int_equal(session_state(f, "carol", s0, LINEAGENTSESSIONSTATE_READY, 0), 0);
    /* "restart": a fresh model from the same store */
    model_free(&f->a.m);
    assert_int_equal(model_load(&f->a.m, f->st), ST_OK);
    assert_int_equal(f->a.m.nsess, 2);
    assert_int_equal(model_session(&f->a.m, s0)->state, LINEAGENTSESSIONSTATE_READY);
    assert_int_equal(model_session(&f->a.m, s1)->state, LINEAGENTSESSIONSTATE_NOTREADY);
    assert_int_equal(model_agent(&f->a.m, f->h1003)->nsess, 2);
    uint32_t n;
    assert_int_equal(create_session(f, "boss", f->h1003, NULL, 1, &f->sales, &n), 0);
    assert_true(n > s1 && n != f->h1001 && n != f->h1002 && n != f->h1003);
}

static void directory_reload(void **state)
{
    struct fx *f = *state;
    struct m_change *ch = NULL;
    size_t nch = 0;
    /* another writer (admin) adds a group, a queue, an agent, and removes a queue */
    struct st_group g = {{{0}}, "Billing"};
    memset(g.guid.b, 0x77, 16);
    assert_int_equal(store_group_add(f->st, &g), ST_OK);
    struct st_queue q = {300, "Billing", g.guid, 0};
    assert_int_equal(store_queue_add(f->st, &q), ST_OK);
    assert_int_equal(store_queue_remove(f->st, 200), ST_OK);
    uint32_t h = add_agent(f->st, "1004", "erin", NULL);
    /* a runtime field the model owns survives the merge */
    assert_int_equal(
        set3(f, LINEPROXYREQUEST_SETAGENTSTATEEX, "alice", f->h1001, LINEAGENTSTATEEX_READY, 0), 0);
    assert_int_equal(model_reload_directory(&f->a.m, &ch, &nch), ST_OK);
    int newgroup = 0, newqueue = 0, qremoved = 0, newagent = 0;
    for (size_t i = 0; i < nch; i++) {
        newgroup += ch[i].kind == MC_NEWGROUP;
        newqueue += ch[i].kind == MC_NEWQUEUE && ch[i].id == 300;
        qremoved += ch[i].kind == MC_QUEUEREMOVED && ch[i].id == 200;
        newagent += ch[i].kind == MC_NEWAGENT && ch[i].id == h;
    }
    free(ch);
    assert_int_equal(newgroup, 1);
    assert_int_equal(newqueue, 1);
    assert_int_equal(qremoved, 1);
    assert_int_equal(newagent, 1);
    assert_int_equal(model_agent(&f->a.m, f->h1001)->a.state, LINEAGENTSTATEEX_READY);
    uint32_t ha;
    assert_int_equal(create_agent(f, "erin", NULL, NULL, &ha), 0);
    assert_int_equal(ha, h);
    /* a group removed: GROUPREMOVED, and it cannot be logged into */
    assert_int_equal(store_queue_remove(f->st, 300), ST_OK);
    assert_int_equal(store_group_remove(f->st, &g.guid), ST_OK);
    ch = NULL;
    nch = 0;
    assert_int_equal(model_reload_directory(&f->a.m, &ch, &nch), ST_OK);
    bool removed = false;
    for (size_t i = 0; i < nch; i++)
        removed |= ch[i].kind == MC_GROUPREMOVED;
    free(ch);
    assert_true(removed);
    assert_int_equal(create_session(f, "erin", h, NULL, 0, &g.guid, NULL),
                     (LONG)LINEERR_INVALAGENTGROUP);
    /* acd_sync_directory queues the announcements */
    bool changed;
    store_changed(f->st, &changed);
    assert_int_equal(acd_sync_directory(&f->a), 0);
}

/* Node B: a second model on its own connection to A's store, as a second
   acdproxy on the same database would have it. */
static struct fx *node_b(struct fx *f)
{
    struct fx *b = calloc(1, sizeof *b);
    assert_non_null(b);
    *b = *f;
    memset(&b->a, 0, sizeof b->a);
    char err[256];
    assert_int_equal(store_open(f->path, &b->st, err, sizeof err), ST_OK);
    assert_int_equal(model_load(&b->a.m, b->st), ST_OK);
    auth_init(&b->a.auth, "tapix-supervisors");
    b->a.clock_ms = clock_fake;
    return b;
}

static void node_b_free(struct fx *b)
{
    check_live_lists(&b->a.m);
    model_free(&b->a.m);
    auth_free(&b->a.auth);
    free(b->a.notes);
    store_close(b->st);
    free(b);
}

/* What node A changes reaches node B's model at its next sync, announced
   with the messages and bits A's own handlers used. */
static void other_node_changes(void **state)
{
    struct fx *f = *state, *b = node_b(f);
    const struct acd_note *n, *na;
    uint32_t s0;
    assert_int_equal(create_session(f, "boss", f->h1003, NULL, 0, &f->sales, &s0), 0);
    assert_null(model_session(&b->a.m, s0));
    assert_true(acd_sync_directory(&b->a) >= 1);
    const struct m_session *bs = model_session(&b->a.m, s0);
    assert_non_null(bs);
    assert_int_equal(bs->state, LINEAGENTSESSIONSTATE_NOTREADY);
    assert_int_equal(bs->line, f->line.perm_id);
    assert_int_equal(model_agent(&b->a.m, f->h1003)->nsess, 1);
    assert_non_null(n = find_note(b, LINE_AGENTSESSIONSTATUS, s0));
    assert_non_null(na = find_note(f, LINE_AGENTSESSIONSTATUS, s0));
    assert_int_equal(n->p2, na->p2);
    assert_int_equal(n->p3, na->p3);
    assert_int_equal(n->perm_line, f->line.perm_id);
    assert_non_null(n = find_note(b, LINE_AGENTSTATUS, 0)); /* the 2.0 view of address 0 */
    assert_non_null(na = find_note(f, LINE_AGENTSTATUS, 0));
    assert_int_equal(n->p2, na->p2);
    assert_int_equal(n->p3, na->p3);
    notify_clear(&f->a);
    notify_clear(&b->a);
    assert_int_equal(acd_sync_directory(&b->a), 0); /* nothing new: nothing */
    assert_int_equal(b->a.nnotes, 0);

    /* a session state, an agent state, an activity */
    assert_int_equal(session_state(f, "carol", s0, LINEAGENTSESSIONSTATE_READY, 0), 0);
    assert_int_equal(
        set3(f, LINEPROXYREQUEST_SETAGENTSTATEEX, "carol", f->h1003, LINEAGENTSTATEEX_READY, 0), 0);
    assert_int_equal(set3(f, LINEPROXYREQUEST_SETAGENTACTIVITY, "carol", 0, 2, 0), 0);
    assert_true(acd_sync_directory(&b->a) >= 3);
    assert_int_equal(model_session(&b->a.m, s0)->state, LINEAGENTSESSIONSTATE_READY);
    assert_non_null(n = find_note(b, LINE_AGENTSESSIONSTATUS, s0));
    assert_int_equal(n->p2, LINEAGENTSESSIONSTATUS_STATE);
    assert_int_equal(n->p3, LINEAGENTSESSIONSTATE_READY);
    assert_non_null(n = find_note(b, LINE_AGENTSTATUSEX, f->h1003));
    assert_int_equal(n->p2, LINEAGENTSTATUSEX_STATE);
    assert_int_equal(n->p3, LINEAGENTSTATEEX_READY);
    assert_int_equal(model_agent(&b->a.m, f->h1003)->a.state, LINEAGENTSTATEEX_READY);
    assert_int_equal(model_agent(&b->a.m, f->h1003)->a.activity, 2);
    bool state20 = false, activity20 = false;
    for (size_t i = 0; i < b->a.nnotes; i++) {
        const struct acd_note *x = &b->a.notes[i];
        if (x->msg != LINE_AGENTSTATUS || x->p1 != 0 || x->perm_line != f->line.perm_id)
            continue;
        state20 |= (x->p2 & LINEAGENTSTATUS_STATE) && x->p3 == LINEAGENTSTATE_READY;
        activity20 |= x->p2 == LINEAGENTSTATUS_ACTIVITY;
    }
    assert_true(state20);
    assert_true(activity20);
    notify_clear(&f->a);
    notify_clear(&b->a);

    /* B has not heard of A's new session yet: the database refuses B's
       copy, and that refusal is no store failure */
    uint32_t s1;
    assert_int_equal(create_session(f, "boss", f->h1003, NULL, 0, &f->support, &s1), 0);
    uint32_t w0 = b->a.m.writes;
    assert_int_equal(create_session(b, "boss", f->h1003, NULL, 0, &f->support, NULL),
                     (LONG)LINEERR_INVALAGENTSESSIONSTATE);
    assert_int_equal(b->a.m.store_err, ST_OK);
    assert_int_equal(b->a.m.writes, w0);
    assert_null(model_session(&b->a.m, s1));
    assert_int_equal(b->a.nnotes, 0);

    /* ended on A, then the agent removed: B hears ENDED, then forgets them */
    assert_int_equal(session_state(f, "carol", s0, LINEAGENTSESSIONSTATE_ENDED, 0), 0);
    assert_int_equal(session_state(f, "carol", s1, LINEAGENTSESSIONSTATE_ENDED, 0), 0);
    notify_clear(&b->a);
    assert_true(acd_sync_directory(&b->a) >= 2);
    assert_non_null(n = find_note(b, LINE_AGENTSESSIONSTATUS, s1));
    assert_int_equal(n->p2, LINEAGENTSESSIONSTATUS_NEWSESSION | LINEAGENTSESSIONSTATUS_STATE);
    assert_int_equal(n->p3, LINEAGENTSESSIONSTATE_ENDED);
    assert_non_null(n = find_note(b, LINE_AGENTSESSIONSTATUS, s0));
    assert_int_equal(n->p3, LINEAGENTSESSIONSTATE_ENDED);
    assert_non_null(n = find_note(b, LINE_AGENTSTATUS, 0));
    assert_int_equal(n->p3, LINEAGENTSTATE_LOGGEDOFF);
    check_live_lists(&b->a.m); /* ended by a sync: out of B's live list */
    assert_int_equal(model_agent(&b->a.m, f->h1003)->nlive, 0);
    assert_int_equal(store_agent_remove(f->st, "1003"), ST_OK);
    acd_sync_directory(&b->a);
    assert_null(model_agent(&b->a.m, f->h1003));
    assert_null(model_session(&b->a.m, s0));
    assert_null(model_session(&b->a.m, s1));
    assert_int_equal(b->a.m.nsess, 0);
    /* and the model still works: a session of another agent on B */
    uint32_t s2;
    assert_int_equal(create_session(b, "alice", f->h1001, NULL, 1, &f->sales, &s2), 0);
    assert_int_equal(model_agent(&b->a.m, f->h1001)->nsess, 1);
    assert_ptr_equal(model_session(&b->a.m, s2), &b->a.m.sess[0]);
    node_b_free(b);
}

static void count_change(void *arg, const struct m_session *old, const struct m_session *now)
{
    (void)old;
    (void)now;
    ++*(int *)arg;
}

/* How long one session pass (model_reload_sessions or model_sync_sessions)
 * takes; its changes are counted into *seen. */
static double elapsed_ms(struct fx *f, int (*pass)(struct acd_model *, m_session_fn, void *),
                         int *seen)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(pass(&f->a.m, count_change, seen), ST_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

/* Memory per session with many sessions (the model's own accounting and
 * the process's heap growth). */
static void memory_per_session(void **state)
{
    struct fx *f = *state;
    enum { N = 100000 };
    /* 1000 agents with 100 sessions each, written straight to the store */
    assert_int_equal(store_begin(f->st), ST_OK);
    uint32_t agents[1000];
    for (int i = 0; i < 1000; i++) {
        char id[16];
        snprintf(id, sizeof id, "m%04d", i);
        struct st_agent ag;
        memset(&ag, 0, sizeof ag);
        snprintf(ag.id, sizeof ag.id, "%s", id);
        assert_int_equal(store_agent_add(f->st, &ag), ST_OK);
        agents[i] = ag.handle;
    }
    for (int i = 0; i < N; i++) {
        struct st_session ss;
        memset(&ss, 0, sizeof ss);
        ss.agent = agents[i % 1000];
        ss.group = f->sales;
        ss.line = 1;
        ss.state = LINEAGENTSESSIONSTATE_ENDED;
        ss.start_ms = 1;
        ss.end_ms = 2;
        assert_int_equal(store_session_add(f->st, &ss), ST_OK);
    }
    assert_int_equal(store_commit(f->st), ST_OK);
    model_free(&f->a.m);
    assert_int_equal(model_load(&f->a.m, f->st), ST_OK);
    assert_int_equal(f->a.m.nsess, N);
    size_t per = model_session_bytes(&f->a.m) / N;
    printf("# model: %zu bytes per session at %d sessions (record %zu)\n", per, N,
           sizeof(struct m_session));
    assert_true(per <= 300);
    assert_int_equal(sizeof(struct m_session), 64);
    /* lookups stay right */
    struct m_agent *ag = model_agent(&f->a.m, agents[7]);
    assert_int_equal(ag->nsess, N / 1000);
    for (uint32_t i = 0; i < ag->nsess; i++)
        assert_int_equal(f->a.m.sess[ag->sess[i]].agent, agents[7]);
    /* what another node's commit costs this one: a pass over the stored
       sessions that allocates nothing when nothing new came */
    size_t bytes = model_session_bytes(&f->a.m);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(model_reload_sessions(&f->a.m, NULL, NULL), ST_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(model_session_bytes(&f->a.m), bytes);
    assert_int_equal(f->a.m.nsess, N);
    printf("# model: re-reading %d unchanged sessions took %.0f ms\n", N,
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);

    /* another node changes one session: what this node's sync costs, the
       full pass against the changed sessions only; one change either way */
    struct acd_store *other;
    char err[256];
    assert_int_equal(store_open(f->path, &other, err, sizeof err), ST_OK);
    const struct m_session *ms = &f->a.m.sess[N / 2];
    struct st_session ss = {.handle = ms->handle,
                            .agent = ms->agent,
                            .group = f->sales,
                            .line = 1,
                            .state = LINEAGENTSESSIONSTATE_ENDED,
                            .start_ms = 1,
                            .end_ms = 2,
                            .calls = 1};
    assert_int_equal(store_session_update(other, &ss), ST_OK);
    int seen = 0;
    double full = elapsed_ms(f, model_reload_sessions, &seen);
    assert_int_equal(seen, 1);
    assert_int_equal(model_session(&f->a.m, ss.handle)->calls, 1);
    ss.calls = 2;
    assert_int_equal(store_session_update(other, &ss), ST_OK);
    seen = 0;
    double incr = elapsed_ms(f, model_sync_sessions, &seen);
    assert_int_equal(seen, 1);
    assert_int_equal(model_session(&f->a.m, ss.handle)->calls, 2);
    assert_int_equal(f->a.m.nsess, N);
    printf("# model: sync after another node changed 1 of %d sessions: full pass %.1f ms,"
           " changed sessions only %.2f ms\n",
           N, full, incr);
    store_close(other);
}

/* The real supervisor lookup: uid 0, and membership of the group (the
 * primary group here: "nobody" is in "nogroup" on Debian). */
static void supervisor_lookup(void **state)
{
    (void)state;
    struct acd_auth au;
    auth_set_lookup(NULL);
    auth_init(&au, "tapix-no-such-group");
    assert_true(auth_supervisor(&au, "root"));
    assert_false(auth_supervisor(&au, ""));
    assert_false(auth_supervisor(&au, "tapix-no-such-user"));
    if (getpwnam("nobody") && getgrnam("nogroup")) {
        assert_false(auth_supervisor(&au, "nobody"));
        auth_free(&au);
        auth_init(&au, "nogroup");
        assert_true(auth_supervisor(&au, "nobody"));
        assert_true(auth_supervisor(&au, "nobody")); /* cached */
    }
    auth_free(&au);
}

static void config_and_log(void **state)
{
    (void)state;
    char path[] = "/tmp/tapix-acdconf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "[acdproxy]\ndb = sqlite:/tmp/x.db\nlines = 0, 3 ; two\n"
                       "supervisor_group = sup\nbatch = 8\nlog_level = debug\n"
                       "[other]\nwhatever = 1\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct acd_config c;
    char err[256];
    acd_config_defaults(&c);
    assert_string_equal(c.db, "var/acd.db");
    assert_true(c.all_lines);
    assert_int_equal(c.batch, 256);
    assert_string_equal(c.sup_group, "tapix-supervisors");
    assert_int_equal(acd_config_load(&c, path, err, sizeof err), 0);
    assert_string_equal(c.db, "sqlite:/tmp/x.db");
    assert_false(c.all_lines);
    assert_int_equal(c.nlines, 2);
    assert_int_equal(c.lines[1], 3);
    assert_string_equal(c.sup_group, "sup");
    assert_int_equal(c.batch, 8);
    assert_int_equal(c.log_level, LOG_DEBUG);
    fd = open(path, O_WRONLY | O_TRUNC);
    text = "[acdproxy]\nbatch = 0\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(acd_config_load(&c, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "batch"));
    fd = open(path, O_WRONLY | O_TRUNC);
    text = "[acdproxy]\ncolour = blue\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(acd_config_load(&c, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "colour"));
    unlink(path);
    assert_int_equal(acd_config_load(&c, path, err, sizeof err), -1);
    assert_int_equal(acd_config_parse_lines(&c, "1,x"), -1);
    assert_int_equal(acd_config_parse_lines(&c, "all"), 0);
    assert_true(c.all_lines);
    enum log_level lv;
    assert_int_equal(log_level_parse("warn", &lv), 0);
    assert_int_equal(lv, LOG_WARN);
    assert_int_equal(log_level_parse("loud", &lv), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(createagent_rules, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(agent_state_and_info, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(session_lifecycle, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(small_room, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(groups_and_queues, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(v20_consistent_with_v22, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(agent_caps, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(extension, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(group_commit_failure, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(handles_survive_restart, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(directory_reload, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(other_node_changes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(memory_per_session, fx_setup, fx_teardown),
        cmocka_unit_test(supervisor_lookup),
        cmocka_unit_test(config_and_log),
    };
    return cmocka_run_group_tests_name("acd_model", tests, NULL, NULL);
}
