/*
 * scen.c - the TAPI scenarios, end to end: this process is the requesting
 * app (libtapi32, USEEVENT mode, lineGetMessage), a private tapisrv routes,
 * a private acdproxy answers from its store: SQLite (synchronous=FULL,
 * WAL) or PostgreSQL, whichever URL tb_env_start is given.
 *
 * Sessions: a session is keyed by (agent, group, line, address), and a
 * second active one on the same key is refused, so every create in a run
 * uses its own key: key k is line k % L, group (k / L) % G, agent
 * k / (L * G), address 0.  tapibench provisions enough agents (all bound to
 * the current OS user) and groups for the largest run; after each run the
 * sessions it created are ended (lineSetAgentSessionState ENDED, 256
 * outstanding, not timed), so the next run reuses the keys.  Ended sessions
 * stay in the store, as they do in service.
 */
#include "tapibench.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tapi.h>

#define API_22 0x00020002u
#define REPLY_MS 30000u

struct tb_env {
    pid_t srv, acd;
    HLINEAPP app;
    DWORD nlines;
    HLINE *line;
    int nagents, ngroups, nkeys;
    int key_base; /* create i uses key key_base + i */
    HAGENT *agent;
    GUID *group;
    HAGENTSESSION *sess; /* per key */
    /* the outstanding requests */
    LONG slot_id[TB_WINDOW];
    int slot_idx[TB_WINDOW];
    double slot_t0[TB_WINDOW];
    int free_slots[TB_WINDOW], nfree;
    LINEAGENTSESSIONINFO info[TB_WINDOW];
    LONG last_error;
    /* fan-out: the toggled session and the number of changes so far */
    HAGENTSESSION fan_sess;
    unsigned long fan_changes;
    /* scale: per-session keys (agent index, line, group) */
    int *sc_agent;
};

static const char *me(void)
{
    static char name[64];
    if (!name[0]) {
        struct passwd *pw = getpwuid(geteuid());
        snprintf(name, sizeof name, "%s", pw ? pw->pw_name : "root");
    }
    return name;
}

typedef LONG (*issue_fn)(struct tb_env *e, int idx, int slot);

/*
 * Run n requests (issue(idx) for idx 0..n-1) with at most `window`
 * outstanding; the latency of request idx (call to its LINE_REPLY dequeued)
 * into lat[idx] when lat is not NULL, the wall time into *elapsed.
 * Other messages (the session events on our own lines) are dropped.
 */
static int drive(struct tb_env *e, int n, int window, issue_fn issue, double *lat, double *elapsed)
{
    if (window > TB_WINDOW)
        window = TB_WINDOW;
    e->nfree = 0;
    memset(e->slot_id, 0, sizeof e->slot_id);
    for (int s = window - 1; s >= 0; s--)
        e->free_slots[e->nfree++] = s;
    int issued = 0, done = 0;
    double t0 = tb_now_us();
    while (done < n) {
        while (issued < n && e->nfree) {
            int s = e->free_slots[--e->nfree];
            e->slot_idx[s] = issued;
            e->slot_t0[s] = tb_now_us();
            LONG id = issue(e, issued, s);
            if (id <= 0) {
                fprintf(stderr, "tapibench: request %d failed synchronously: 0x%lx\n", issued,
                        (unsigned long)(DWORD)id);
                return -1;
            }
            e->slot_id[s] = id;
            issued++;
        }
        LINEMESSAGE m;
        LONG rc = lineGetMessage(e->app, &m, REPLY_MS);
        if (rc) {
            fprintf(stderr, "tapibench: no reply within %u ms (lineGetMessage 0x%lx)\n", REPLY_MS,
                    (unsigned long)(DWORD)rc);
            return -1;
        }
        if (m.dwMessageID != LINE_REPLY)
            continue;
        int s = -1;
        for (int k = 0; k < window; k++)
            if (e->slot_id[k] == (LONG)m.dwParam1) {
                s = k;
                break;
            }
        if (s < 0)
            continue;
        if (lat)
            lat[e->slot_idx[s]] = tb_now_us() - e->slot_t0[s];
        if (m.dwParam2) {
            e->last_error = (LONG)(DWORD)m.dwParam2;
            fprintf(stderr, "tapibench: request %d failed: 0x%lx\n", e->slot_idx[s],
                    (unsigned long)(DWORD)m.dwParam2);
            return -1;
        }
        e->slot_id[s] = 0;
        e->free_slots[e->nfree++] = s;
        done++;
    }
    if (elapsed)
        *elapsed = tb_now_us() - t0;
    return 0;
}

static void key(const struct tb_env *e, int k, int *line, int *group, int *agent)
{
    *line = k % (int)e->nlines;
    *group = (k / (int)e->nlines) % e->ngroups;
    *agent = k / ((int)e->nlines * e->ngroups);
}

static LONG issue_create(struct tb_env *e, int idx, int slot)
{
    (void)slot;
    int k = e->key_base + idx, l, g, a;
    key(e, k, &l, &g, &a);
    return lineCreateAgentSessionA(e->line[l], e->agent[a], NULL, 0, &e->group[g], &e->sess[k]);
}

static LONG issue_end(struct tb_env *e, int idx, int slot)
{
    (void)slot;
    int k = e->key_base + idx, l, g, a;
    key(e, k, &l, &g, &a);
    return lineSetAgentSessionState(e->line[l], e->sess[k], LINEAGENTSESSIONSTATE_ENDED, 0);
}

static LONG issue_info(struct tb_env *e, int idx, int slot)
{
    int k = idx % TB_WINDOW, l, g, a;
    key(e, k, &l, &g, &a);
    LINEAGENTSESSIONINFO *si = &e->info[slot];
    memset(si, 0, sizeof *si);
    si->dwTotalSize = sizeof *si;
    return lineGetAgentSessionInfo(e->line[l], e->sess[k], si);
}

/* ------------------------------------------------------------ setup */

static int provision(const struct tb_params *p, const char *db)
{
    char name[32];
    for (int g = 0; g < p->groups; g++) {
        snprintf(name, sizeof name, "B%d", g);
        char *args[] = {(char *)"group", (char *)"add", name, NULL};
        if (tb_admin(db, NULL, 0, args))
            return -1;
    }
    for (int a = 0; a < p->agents; a++) {
        snprintf(name, sizeof name, "b%d", a);
        char *args[] = {(char *)"agent", (char *)"add", name, (char *)"--user", (char *)me(), NULL};
        if (tb_admin(db, NULL, 0, args))
            return -1;
    }
    return 0;
}

static LONG reply(struct tb_env *e, LONG id)
{
    if (id <= 0)
        return id ? id : -1;
    for (;;) {
        LINEMESSAGE m;
        if (lineGetMessage(e->app, &m, REPLY_MS))
            return -1;
        if (m.dwMessageID == LINE_REPLY && (LONG)m.dwParam1 == id)
            return (LONG)(DWORD)m.dwParam2;
    }
}

static int find_groups(struct tb_env *e)
{
    size_t cap = 64 + (size_t)e->ngroups * 256;
    LINEAGENTGROUPLIST *gl = calloc(1, cap);
    if (!gl)
        return -1;
    gl->dwTotalSize = (DWORD)cap;
    if (reply(e, lineGetGroupListA(e->line[0], gl))) {
        free(gl);
        return -1;
    }
    int found = 0;
    for (DWORD i = 0; i < gl->dwNumEntries; i++) {
        const LINEAGENTGROUPENTRY *ge =
            (const LINEAGENTGROUPENTRY *)((char *)gl + gl->dwListOffset + i * sizeof *ge);
        int g;
        const char *nm = (const char *)gl + ge->dwNameOffset;
        if (ge->dwNameSize && sscanf(nm, "B%d", &g) == 1 && g >= 0 && g < e->ngroups) {
            memcpy(&e->group[g], &ge->GroupID, sizeof(GUID));
            found++;
        }
    }
    free(gl);
    return found == e->ngroups ? 0 : -1;
}

/* This process's app on the tapisrv of $TAPI_SERVER: lineInitializeEx,
 * every line opened, the groups found, lineCreateAgent for every agent. */
static int app_open(struct tb_env *e)
{
    LINEINITIALIZEEXPARAMS ip;
    memset(&ip, 0, sizeof ip);
    ip.dwTotalSize = sizeof ip;
    ip.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
    DWORD ver = API_22;
    LONG rc = lineInitializeExA(&e->app, NULL, NULL, "tapibench", &e->nlines, &ver, &ip);
    if (rc || !e->nlines) {
        fprintf(stderr, "tapibench: lineInitializeEx: 0x%lx\n", (unsigned long)(DWORD)rc);
        e->app = 0;
        return -1;
    }
    e->line = calloc(e->nlines, sizeof *e->line);
    e->agent = calloc((size_t)e->nagents, sizeof *e->agent);
    e->group = calloc((size_t)e->ngroups, sizeof *e->group);
    e->nkeys = (int)e->nlines * e->ngroups * e->nagents;
    e->sess = calloc((size_t)e->nkeys, sizeof *e->sess);
    if (!e->line || !e->agent || !e->group || !e->sess)
        return -1;
    for (DWORD l = 0; l < e->nlines; l++) {
        rc = lineOpenA(e->app, l, &e->line[l], API_22, 0, l, LINECALLPRIVILEGE_MONITOR, 0, NULL);
        if (rc) {
            fprintf(stderr, "tapibench: lineOpen %u: 0x%lx\n", (unsigned)l,
                    (unsigned long)(DWORD)rc);
            return -1;
        }
    }
    if (find_groups(e)) {
        fprintf(stderr, "tapibench: the provisioned groups are not there\n");
        return -1;
    }
    for (int a = 0; a < e->nagents; a++) {
        char id[32];
        snprintf(id, sizeof id, "b%d", a);
        if (reply(e, lineCreateAgentA(e->line[0], id, NULL, &e->agent[a]))) {
            fprintf(stderr, "tapibench: lineCreateAgent %s failed\n", id);
            return -1;
        }
    }
    return 0;
}

struct tb_env *tb_env_start(const struct tb_params *p, const char *db, const char *tag, int flags)
{
    char sock[PATH_MAX], slog[PATH_MAX], alog[PATH_MAX], name[64];
    char srvbin[PATH_MAX + 16], acdbin[PATH_MAX + 16];
    snprintf(name, sizeof name, "tapisrv%s.sock", tag);
    tb_path(sock, sizeof sock, name);
    snprintf(name, sizeof name, "tapisrv%s.log", tag);
    tb_path(slog, sizeof slog, name);
    snprintf(name, sizeof name, "acd%s.log", tag);
    tb_path(alog, sizeof alog, name);
    snprintf(srvbin, sizeof srvbin, "%s/tapisrv", tb_build_dir());
    snprintf(acdbin, sizeof acdbin, "%s/acdproxy", tb_build_dir());

    struct tb_env *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->ngroups = p->groups;
    e->nagents = p->agents;
    if ((flags & TB_ENV_PROVISION) && provision(p, db))
        goto fail;
    char *sargv[] = {srvbin, (char *)"--socket", sock, (char *)"--log-level", (char *)"warn", NULL};
    e->srv = tb_spawn_ready(sargv, slog);
    if (e->srv < 0)
        goto fail;
    /* acdproxy, and this process's app below, use this tapisrv */
    setenv("TAPI_SERVER", sock, 1);
    char *aargv[] = {acdbin, (char *)"--db", (char *)db, (char *)"--log-level", (char *)"warn",
                     NULL};
    e->acd = tb_spawn_ready(aargv, alog);
    if (e->acd < 0)
        goto fail;
    if ((flags & TB_ENV_APP) && app_open(e))
        goto fail;
    return e;
fail:
    tb_dump_log(alog);
    tb_env_stop(e);
    return NULL;
}

struct tb_env *tb_env_attach(const char *sock, int groups, int agents)
{
    struct tb_env *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->ngroups = groups;
    e->nagents = agents;
    setenv("TAPI_SERVER", sock, 1);
    if (app_open(e)) {
        tb_env_stop(e);
        return NULL;
    }
    return e;
}

void tb_env_key_base(struct tb_env *e, int base)
{
    e->key_base = base;
}

void tb_env_stop(struct tb_env *e)
{
    if (!e)
        return;
    if (e->app)
        lineShutdown(e->app);
    if (e->acd > 0)
        tb_stop(e->acd);
    if (e->srv > 0)
        tb_stop(e->srv);
    free(e->line);
    free(e->agent);
    free(e->group);
    free(e->sess);
    free(e);
}

pid_t tb_env_srv_pid(const struct tb_env *e)
{
    return e->srv;
}

pid_t tb_env_acd_pid(const struct tb_env *e)
{
    return e->acd;
}

/* ------------------------------------------------------------ scenarios */

static int end_all(struct tb_env *e, int n)
{
    return drive(e, n, TB_WINDOW, issue_end, NULL, NULL);
}

int tb_create_latency(struct tb_env *e, int n, double *lat)
{
    if (e->key_base + n > e->nkeys)
        return -1;
    if (drive(e, n, 1, issue_create, lat, NULL))
        return -1;
    return end_all(e, n);
}

double tb_create_throughput(struct tb_env *e, int n, int window)
{
    double us;
    if (e->key_base + n > e->nkeys)
        return -1;
    if (drive(e, n, window, issue_create, NULL, &us))
        return -1;
    if (end_all(e, n))
        return -1;
    return n / (us / 1e6);
}

int tb_info_prepare(struct tb_env *e)
{
    if (e->nkeys < TB_WINDOW)
        return -1;
    return drive(e, TB_WINDOW, TB_WINDOW, issue_create, NULL, NULL);
}

int tb_info_latency(struct tb_env *e, int n, double *lat)
{
    return drive(e, n, 1, issue_info, lat, NULL);
}

double tb_info_throughput(struct tb_env *e, int n, int window)
{
    double us;
    if (drive(e, n, window, issue_info, NULL, &us))
        return -1;
    return n / (us / 1e6);
}

int tb_info_finish(struct tb_env *e)
{
    return end_all(e, TB_WINDOW);
}

/* ------------------------------------------------------------ 4. event fan-out */

int tb_fanout_prepare(struct tb_env *e, uint32_t *session)
{
    /* key 0: line 0, group 0, agent 0; starts NOTREADY */
    if (reply(e, lineCreateAgentSessionA(e->line[0], e->agent[0], NULL, 0, &e->group[0],
                                         &e->fan_sess)))
        return -1;
    e->fan_changes = 0;
    *session = (uint32_t)e->fan_sess;
    return 0;
}

static LONG issue_toggle(struct tb_env *e, int idx, int slot)
{
    (void)idx;
    (void)slot;
    DWORD st = e->fan_changes++ % 2 ? LINEAGENTSESSIONSTATE_NOTREADY : LINEAGENTSESSIONSTATE_READY;
    return lineSetAgentSessionState(e->line[0], e->fan_sess, st, 0);
}

double tb_fanout_run(struct tb_env *e, struct tb_monitors *m, int nmon, int n, int window)
{
    long min;
    if (tb_monitors_begin(m, (uint32_t)e->fan_sess, n))
        return -1;
    double t0 = tb_now_us();
    if (drive(e, n, window, issue_toggle, NULL, NULL))
        return -1;
    if (tb_monitors_wait(m, 30000, &min))
        return -1;
    return (double)n * nmon / ((tb_now_us() - t0) / 1e6);
}

int tb_fanout_toggle(struct tb_env *e, double *t0)
{
    *t0 = tb_now_us();
    return reply(e, issue_toggle(e, 0, 0)) ? -1 : 0;
}

int tb_fanout_finish(struct tb_env *e)
{
    return reply(e,
                 lineSetAgentSessionState(e->line[0], e->fan_sess, LINEAGENTSESSIONSTATE_ENDED, 0))
               ? -1
               : 0;
}

/* ------------------------------------------------------------ 5. scale */

/*
 * Sessions: agent 0 ("s0") gets 1000 (8 lines x 125 groups, address 0),
 * the others share the rest evenly, each key (line, group) once per agent.
 */
#define SC_GROUPS 125
#define SC_LIST 1000

static LONG issue_agent(struct tb_env *e, int idx, int slot)
{
    (void)slot;
    char id[32];
    snprintf(id, sizeof id, "s%d", idx);
    return lineCreateAgentA(e->line[0], id, NULL, &e->agent[idx]);
}

static LONG issue_sc_create(struct tb_env *e, int idx, int slot)
{
    (void)slot;
    int a, k;
    if (idx < SC_LIST) {
        a = 0;
        k = idx;
    } else {
        int per = e->sc_agent[0];
        a = 1 + (idx - SC_LIST) / per;
        k = (idx - SC_LIST) % per;
    }
    HAGENTSESSION s;
    return lineCreateAgentSessionA(e->line[k % 8], e->agent[a], NULL, 0, &e->group[k / 8], &s);
}

static int list_once(struct tb_env *e, double *us, DWORD *entries)
{
    size_t cap = sizeof(LINEAGENTSESSIONLIST);
    LINEAGENTSESSIONLIST *l = NULL;
    double t0 = tb_now_us();
    for (int tries = 0; tries < 3; tries++) {
        LINEAGENTSESSIONLIST *nl = realloc(l, cap);
        if (!nl)
            break;
        l = nl;
        memset(l, 0, cap);
        l->dwTotalSize = (DWORD)cap;
        if (reply(e, lineGetAgentSessionList(e->line[0], e->agent[0], l)))
            break;
        if (l->dwNeededSize <= l->dwTotalSize) {
            *us = tb_now_us() - t0;
            *entries = l->dwNumEntries;
            free(l);
            return 0;
        }
        cap = l->dwNeededSize;
    }
    free(l);
    return -1;
}

static int sc_mem(pid_t pid, long *rss, long *hwm)
{
    if (tb_proc_mem(pid, rss, hwm)) {
        fprintf(stderr, "tapibench: cannot read /proc/%d/status\n", (int)pid);
        return -1;
    }
    return 0;
}

int tb_scale(const struct tb_params *p, struct tb_scale_result *r)
{
    char db[PATH_MAX], sock[PATH_MAX], slog[PATH_MAX], alog[PATH_MAX];
    char srvbin[PATH_MAX + 16], acdbin[PATH_MAX + 16];
    tb_path(db, sizeof db, "scale.db");
    tb_path(sock, sizeof sock, "tapisrv.sock");
    tb_path(slog, sizeof slog, "tapisrv.log");
    tb_path(alog, sizeof alog, "acd.log");
    snprintf(srvbin, sizeof srvbin, "%s/tapisrv", tb_build_dir());
    snprintf(acdbin, sizeof acdbin, "%s/acdproxy", tb_build_dir());
    memset(r, 0, sizeof *r);
    int A = p->scale_agents, S = p->scale_sessions, rc = -1;
    if (A < 2 || S <= SC_LIST)
        return -1;
    int per = (S - SC_LIST + A - 2) / (A - 1);
    if (per > 8 * SC_GROUPS)
        return -1;
    r->agents = A;
    r->sessions = S;

    struct tb_env *e = calloc(1, sizeof *e);
    char *sql = NULL;
    if (!e)
        return -1;
    e->ngroups = SC_GROUPS;
    e->nagents = A;

    /* Directory: the groups and agent s0 with acdproxy admin (so the
     * schema and every column are acdproxy's own), then s1.. as copies of
     * s0's row with only id and handle changed, handles taken from the
     * store's counter exactly as admin does, in one sqlite3 transaction
     * (admin is one process and one commit per agent: about 18 ms each). */
    double t0 = tb_now_us();
    char name[32];
    for (int g = 0; g < SC_GROUPS; g++) {
        snprintf(name, sizeof name, "B%d", g);
        char *args[] = {(char *)"group", (char *)"add", name, NULL};
        if (tb_admin(db, NULL, 0, args))
            goto out;
    }
    {
        char *args[] = {(char *)"agent",  (char *)"add", (char *)"s0",
                        (char *)"--user", (char *)me(),  NULL};
        if (tb_admin(db, NULL, 0, args))
            goto out;
    }
    size_t cap = 2048;
    sql = malloc(cap);
    if (!sql)
        goto out;
    snprintf(sql, cap,
             "PRAGMA busy_timeout = 10000;\n"
             "BEGIN IMMEDIATE;\n"
             "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d)\n"
             "INSERT INTO agents (handle, id, name, os_user, pin_hash, state, next_state, "
             "period, activity)\n"
             "SELECT (SELECT next_handle FROM meta WHERE id = 1) + c.i - 1, 's' || c.i, a.name, "
             "a.os_user, a.pin_hash, a.state, a.next_state, a.period, a.activity\n"
             "FROM c, agents a WHERE a.id = 's0';\n"
             "UPDATE meta SET next_handle = next_handle + %d WHERE id = 1;\n"
             "COMMIT;\n",
             A - 1, A - 1);
    if (tb_run_sql(db, sql))
        goto out;
    r->provision_s = (tb_now_us() - t0) / 1e6;

    char *sargv[] = {srvbin, (char *)"--socket", sock, (char *)"--log-level", (char *)"warn", NULL};
    e->srv = tb_spawn_ready(sargv, slog);
    if (e->srv < 0)
        goto out;
    setenv("TAPI_SERVER", sock, 1);
    char *aargv[] = {acdbin, (char *)"--db", db, (char *)"--log-level", (char *)"warn", NULL};
    e->acd = tb_spawn_ready_ms(aargv, alog, 120000);
    if (e->acd < 0)
        goto out;

    LINEINITIALIZEEXPARAMS ip;
    memset(&ip, 0, sizeof ip);
    ip.dwTotalSize = sizeof ip;
    ip.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
    DWORD ver = API_22;
    if (lineInitializeExA(&e->app, NULL, NULL, "tapibench-scale", &e->nlines, &ver, &ip) ||
        e->nlines < 8) {
        e->app = 0;
        fprintf(stderr, "tapibench: scale: lineInitializeEx failed or fewer than 8 lines\n");
        goto out;
    }
    e->line = calloc(e->nlines, sizeof *e->line);
    e->agent = calloc((size_t)A, sizeof *e->agent);
    e->group = calloc(SC_GROUPS, sizeof *e->group);
    e->sc_agent = calloc(1, sizeof *e->sc_agent);
    if (!e->line || !e->agent || !e->group || !e->sc_agent)
        goto out;
    e->sc_agent[0] = per;
    for (DWORD l = 0; l < e->nlines; l++)
        if (lineOpenA(e->app, l, &e->line[l], API_22, 0, l, LINECALLPRIVILEGE_MONITOR, 0, NULL))
            goto out;
    if (find_groups(e))
        goto out;
    if (sc_mem(e->acd, &r->acd_rss0, &r->acd_hwm0) || sc_mem(e->srv, &r->srv_rss0, &r->srv_hwm0))
        goto out;
    t0 = tb_now_us();
    if (drive(e, A, TB_WINDOW, issue_agent, NULL, NULL))
        goto out;
    r->agents_s = (tb_now_us() - t0) / 1e6;
    t0 = tb_now_us();
    if (drive(e, S, TB_WINDOW, issue_sc_create, NULL, NULL))
        goto out;
    r->create_s = (tb_now_us() - t0) / 1e6;
    if (sc_mem(e->acd, &r->acd_rss1, &r->acd_hwm1) || sc_mem(e->srv, &r->srv_rss1, &r->srv_hwm1))
        goto out;

    double lat[15];
    int nl = 15;
    for (int i = 0; i < nl; i++)
        if (list_once(e, &lat[i], &r->list_entries))
            goto out;
    r->list_p50_us = tb_quantile(lat, (size_t)nl, 0.5);

    /* restarts: SIGTERM, wait for the exit, start again, READY */
    double rs[9], st[9];
    int nr = p->scale_restarts > 9 ? 9 : p->scale_restarts;
    for (int i = 0; i < nr; i++) {
        t0 = tb_now_us();
        if (tb_stop(e->acd) != 0) {
            e->acd = 0;
            fprintf(stderr, "tapibench: scale: acdproxy did not exit 0 on SIGTERM\n");
            goto out;
        }
        double t1 = tb_now_us();
        e->acd = tb_spawn_ready_ms(aargv, alog, 120000);
        if (e->acd < 0)
            goto out;
        st[i] = (t1 - t0) / 1e3;
        rs[i] = (tb_now_us() - t0) / 1e3;
    }
    r->restart_ms = tb_median(rs, (size_t)nr);
    r->stop_ms = tb_median(st, (size_t)nr);
    if (sc_mem(e->acd, &r->acd_rss2, &r->acd_hwm2))
        goto out;
    /* the model after the restart answers the same */
    double us;
    DWORD n2 = 0;
    if (list_once(e, &us, &n2) || n2 != r->list_entries)
        goto out;
    if (sc_mem(e->srv, &r->srv_rss2, &r->srv_hwm2))
        goto out;
    rc = 0;
out:
    if (rc)
        tb_dump_log(alog);
    free(sql);
    free(e->sc_agent);
    tb_env_stop(e); /* also stops acdproxy and tapisrv */
    /* the store is removed now: it is large */
    char f[PATH_MAX + 8];
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    for (int i = 0; i < 4; i++) {
        snprintf(f, sizeof f, "%s%s", db, sfx[i]);
        unlink(f);
    }
    return rc;
}
