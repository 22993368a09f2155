/*
 * faultworld.c - see faultworld.h.
 */
#include "faultworld.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acdharness.h"
#include "harness.h"
#include "tapitest.h"

#define START_MS 20000 /* exec, lineInitializeEx, a PIN check (Argon2id) */
#define LINE_MS 10000

static const char *const group_names[FW_GROUPS + 1] = {"G0", "G1", "G2", "G3", "Warm"};

static int why(const char *fmt, const char *arg)
{
    fprintf(stderr, "faultworld: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return -1;
}

static int write_conf(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (int l = 0; l < FW_APPS + FW_APP_LINES - 1; l++) {
        fprintf(f, "[line %d]\n", l);
        for (int a = 0; a < FW_ADDRS; a++)
            fprintf(f, "[line %d address %d]\naddress = %d\n", l, a, 100 * (l + 1) + a);
    }
    return fclose(f) ? -1 : 0;
}

static int provision(const char *db)
{
    for (int g = 0; g <= FW_GROUPS; g++)
        if (acd_admin(db, NULL, NULL, 0, "group", "add", group_names[g], (char *)NULL))
            return why("group add %s failed", group_names[g]);
    for (int i = 0; i < FW_APPS; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", 3000 + i);
        if (acd_admin(db, FW_PIN "\n", NULL, 0, "agent", "add", id, "--pin-stdin", (char *)NULL))
            return why("agent add %s failed", id);
    }
    return 0;
}

static int spawn_app(struct fworld *w, int i)
{
    char dev[16], id[16], groups[64], line[256];
    snprintf(dev, sizeof dev, "%d", i);
    snprintf(id, sizeof id, "%d", 3000 + i);
    snprintf(groups, sizeof groups, "%s,%s,%s,%s", group_names[0], group_names[1], group_names[2],
             group_names[3]);
    char *args[] = {"--dev", dev,        "--lines", FW_APP_LINES_STR, "--agent", id,  "--pin",
                    FW_PIN,  "--groups", groups,    "--warm",         "Warm",    NULL};
    struct fw_app *a = &w->app[i];
    a->h = helper_spawn_io("helper_acdload", args);
    if (!a->h)
        return why("cannot spawn helper_acdload %s", dev);
    unsigned ag, ws;
    if (helper_wait_line(a->h, line, sizeof line, now_ms() + START_MS) < 0 ||
        sscanf(line, "READY %u %u", &ag, &ws) != 2)
        return why("helper_acdload did not start: \"%s\"", line);
    a->agent = ag;
    a->warm = ws;
    a->warm_mask = LINEAGENTSESSIONSTATE_NOTREADY;
    return 0;
}

int fw_up(struct fworld *w, const char *storedir)
{
    memset(w, 0, sizeof *w);
    snprintf(w->dir, sizeof w->dir, "/tmp/tapix-fault-XXXXXX");
    if (!mkdtemp(w->dir))
        return why("mkdtemp %s", w->dir);
    snprintf(w->sock, sizeof w->sock, "%s/tapisrv.sock", w->dir);
    snprintf(w->conf, sizeof w->conf, "%s/tapisrv.conf", w->dir);
    snprintf(w->log, sizeof w->log, "%s/acd.log", w->dir);
    if (write_conf(w->conf))
        return why("cannot write %s", w->conf);
    if (acdt_store(w->db, sizeof w->db, storedir ? storedir : w->dir, "acd") || provision(w->db))
        return -1;
    w->srv = tapisrv_start_at(w->sock, w->conf);
    if (w->srv < 0)
        return why("tapisrv did not start on %s", w->sock);
    setenv("TAPI_SERVER", w->sock, 1);
    w->acd = acdp_start(w->db, w->log, NULL);
    if (!w->acd)
        return why("acdproxy did not start on %s", w->db);
    for (int i = 0; i < FW_APPS; i++)
        if (spawn_app(w, i))
            return -1;
    return 0;
}

static int rm_entry(const char *p, const struct stat *sb, int fl, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return fl == FTW_DP ? rmdir(p) : unlink(p);
}

void fw_down(struct fworld *w)
{
    for (int i = 0; i < FW_APPS; i++) {
        if (!w->app[i].h)
            continue;
        helper_send(w->app[i].h, "exit");
        helper_wait(w->app[i].h, now_ms() + LINE_MS);
        helper_free(w->app[i].h);
        w->app[i].h = NULL;
    }
    acdp_free(w->acd);
    w->acd = NULL;
    if (w->srv > 0)
        tapisrv_stop_pid(w->srv);
    w->srv = 0;
    if (w->dir[0])
        nftw(w->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int fw_fire(struct fworld *w, int n)
{
    char line[256], want[32];
    snprintf(want, sizeof want, "FIRED %d", n);
    for (int i = 0; i < FW_APPS; i++)
        if (helper_send(w->app[i].h, "fire %d", n))
            return why("app %s: cannot send fire", "?");
    for (int i = 0; i < FW_APPS; i++) {
        if (helper_wait_line(w->app[i].h, line, sizeof line, now_ms() + LINE_MS) < 0 ||
            strcmp(line, want))
            return why("fire: \"%s\"", line);
        w->app[i].fired += n;
    }
    return 0;
}

static int parse_collect(struct fw_app *a, int64_t deadline)
{
    char line[256];
    for (;;) {
        if (helper_wait_line(a->h, line, sizeof line, deadline) < 0)
            return why("collect: no DONE line%s", "");
        unsigned h, mask;
        int g, ad, n;
        long long last;
        if (sscanf(line, "ACK %u %d %d", &h, &g, &ad) == 3) {
            if (a->nacks == FW_MAX_ACKS)
                return why("collect: more than FW_MAX_ACKS acks%s", "");
            a->acks[a->nacks].h = h;
            a->acks[a->nacks].group = g;
            a->acks[a->nacks].addr = ad;
            a->nacks++;
        } else if (sscanf(line, "WARM %u %u", &h, &mask) == 2) {
            a->warm_mask = mask;
        } else if (sscanf(line, "CLOSED %d", &n) == 1) {
            a->closed = n;
        } else if (sscanf(line, "DONE %d %d %d %d %d %d %d %lld", &a->replies, &a->ok, &a->failed,
                          &a->unavail, &a->other, &a->missing, &a->wok, &last) == 8) {
            a->last_ms = last;
            return 0;
        } else {
            return why("collect: \"%s\"", line);
        }
    }
}

int fw_collect_send(struct fworld *w, int ms, int closes)
{
    for (int i = 0; i < FW_APPS; i++)
        if (helper_send(w->app[i].h, "collect %d %d", ms, closes))
            return why("cannot send collect%s", "");
    return 0;
}

int fw_collect_read(struct fworld *w, int ms)
{
    int64_t deadline = now_ms() + ms + 5000;
    for (int i = 0; i < FW_APPS; i++)
        if (parse_collect(&w->app[i], deadline))
            return -1;
    return 0;
}

int fw_collect(struct fworld *w, int ms)
{
    return fw_collect_send(w, ms, 0) || fw_collect_read(w, ms) ? -1 : 0;
}

int fw_all_ok(struct fworld *w, const char *cmd, const char *prefix, int ms)
{
    char line[256];
    for (int i = 0; i < FW_APPS; i++)
        if (helper_send(w->app[i].h, "%s", cmd))
            return why("cannot send %s", cmd);
    int64_t deadline = now_ms() + ms * harness_time_scale();
    size_t pl = strlen(prefix);
    for (int i = 0; i < FW_APPS; i++) {
        if (helper_wait_line(w->app[i].h, line, sizeof line, deadline) < 0 ||
            strncmp(line, prefix, pl) || strncmp(line + pl, " 0x00000000", 11))
            return why("answer: \"%s\"", line);
    }
    return 0;
}

/* ---- the store check ------------------------------------------------------------- */

struct checker {
    HLINEAPP app;
    HLINE line;
    GUID groups[FW_GROUPS + 1];
};

static int group_index(const struct checker *c, const GUID *g)
{
    for (int k = 0; k <= FW_GROUPS; k++)
        if (!memcmp(&c->groups[k], g, sizeof *g))
            return k;
    return -1;
}

static int session_state(const struct checker *c, HAGENTSESSION s, DWORD *state)
{
    LINEAGENTSESSIONINFO si;
    memset(&si, 0, sizeof si);
    si.dwTotalSize = sizeof si;
    if (acd_reply(c->app, lineGetAgentSessionInfo(c->line, s, &si), NULL))
        return -1;
    *state = si.dwAgentSessionState;
    return 0;
}

static int check_app(const struct checker *c, int i, const struct fw_app *a)
{
    static union {
        LINEAGENTSESSIONLIST l;
        char b[65536];
    } sl;
    char what[160];
    memset(&sl, 0, sizeof sl);
    sl.l.dwTotalSize = sizeof sl;
    LONG rc = acd_reply(c->app, lineGetAgentSessionList(c->line, a->agent, &sl.l), NULL);
    if (rc) {
        snprintf(what, sizeof what, "app %d: lineGetAgentSessionList 0x%08x", i, (unsigned)rc);
        return why("%s", what);
    }
    const LINEAGENTSESSIONENTRY *e = (const void *)(sl.b + sl.l.dwListOffset);
    int ncreates = (a->fired + 3) / 4, seen[FW_GROUPS + 1][FW_ADDRS] = {{0}};
    if (sl.l.dwNumEntries > (DWORD)(1 + ncreates)) {
        snprintf(what, sizeof what, "app %d: %u sessions, but 1 + %d were created", i,
                 (unsigned)sl.l.dwNumEntries, ncreates);
        return why("%s", what);
    }
    int found_warm = 0;
    for (DWORD k = 0; k < sl.l.dwNumEntries; k++) {
        int g = group_index(c, &e[k].GroupID);
        DWORD ad = e[k].dwWorkingAddressID;
        if (e[k].hAgent != a->agent || g < 0 || ad >= FW_ADDRS || seen[g][ad]++) {
            snprintf(what, sizeof what,
                     "app %d: session %u: agent %u (want %u), group #%d, address %u (twice: %d)", i,
                     (unsigned)e[k].hAgentSession, (unsigned)e[k].hAgent, (unsigned)a->agent, g,
                     (unsigned)ad, g >= 0 && ad < FW_ADDRS ? seen[g][ad] > 1 : 0);
            return why("%s", what);
        }
        if (e[k].hAgentSession == a->warm)
            found_warm = g == FW_GROUPS && ad == 0;
        else if (g == FW_GROUPS || (int)(ad * FW_GROUPS + (DWORD)g) >= ncreates) {
            snprintf(what, sizeof what,
                     "app %d: session %u in group #%d address %u never asked for", i,
                     (unsigned)e[k].hAgentSession, g, (unsigned)ad);
            return why("%s", what);
        }
    }
    DWORD st;
    if (!found_warm || session_state(c, a->warm, &st) || !(st & a->warm_mask)) {
        snprintf(what, sizeof what,
                 "app %d: warm session %u missing or in state 0x%x (allowed 0x%x)", i,
                 (unsigned)a->warm, found_warm ? (unsigned)st : 0u, a->warm_mask);
        return why("%s", what);
    }
    for (int n = 0; n < a->nacks; n++) {
        DWORD k;
        for (k = 0; k < sl.l.dwNumEntries; k++)
            if (e[k].hAgentSession == a->acks[n].h)
                break;
        if (k == sl.l.dwNumEntries ||
            memcmp(&e[k].GroupID, &c->groups[a->acks[n].group], sizeof(GUID)) ||
            e[k].dwWorkingAddressID != (DWORD)a->acks[n].addr ||
            session_state(c, a->acks[n].h, &st) || st != LINEAGENTSESSIONSTATE_NOTREADY) {
            snprintf(what, sizeof what,
                     "app %d: acknowledged session %u (group #%d, address %d) lost or changed", i,
                     (unsigned)a->acks[n].h, a->acks[n].group, a->acks[n].addr);
            return why("%s", what);
        }
    }
    return 0;
}

int fw_check_store(struct fworld *w)
{
    struct checker c = {.app = 0};
    int rc = -1;
    if (app_init_event(&c.app, NULL, NULL) ||
        lineOpenA(c.app, 0, &c.line, API_HI, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, NULL)) {
        why("checker: no app or line%s", "");
        goto out;
    }
    for (int g = 0; g <= FW_GROUPS; g++)
        if (acd_find_group(c.app, c.line, group_names[g], &c.groups[g], NULL)) {
            why("checker: no group %s", group_names[g]);
            goto out;
        }
    rc = 0;
    for (int i = 0; i < FW_APPS && !rc; i++)
        rc = check_app(&c, i, &w->app[i]);
out:
    if (c.app)
        lineShutdown(c.app);
    return rc;
}
