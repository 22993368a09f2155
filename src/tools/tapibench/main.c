/*
 * tapibench - tapix end to end against its floors.
 *
 * Starts its own tapisrv and acdproxy (from the directory of this binary)
 * on a private socket and SQLite database in a temp dir, and measures:
 *
 *   1. floors: (a) a trivial relay with the same process topology and
 *      message sizes (requester -> relay -> echo -> relay -> requester over
 *      Unix sockets), one outstanding (p50/p99 latency) and 256 outstanding
 *      (requests/s); (b) one 4 KiB write + fdatasync on the database's
 *      filesystem;
 *   2. lineCreateAgentSession, durable, acdproxy on SQLite: the same two;
 *   3. lineGetAgentSessionInfo (the read path): the same two;
 *   4. event fan-out: LINE_AGENTSESSIONSTATUS delivered per second to N =
 *      10 and 100 monitoring apps (each its own process) while one session
 *      is toggled READY/NOTREADY with 256 changes outstanding, against a
 *      raw fan-out floor (one writer, N socket pairs, N reader processes);
 *   5. scale: 100k agents and 1M sessions (--quick: 10k / 100k) created
 *      through the API on a fresh tapisrv and acdproxy: RSS of both,
 *      lineGetAgentSessionList of an agent with 1000 sessions, acdproxy's
 *      restart time;
 *   6. lineCreateAgentSession as in 2., acdproxy on a private PostgreSQL
 *      server (scripts/pg-test.sh), against the relay floor + fdatasync on
 *      the server's filesystem;
 *   7. two nodes (tapisrv + acdproxy each) on that one database: creates/s
 *      with 128 outstanding on each node, and how long a session's state
 *      change on node A takes to reach a monitoring app on node B.
 *
 * Every figure is the median over several runs and is printed with its
 * ratio to the floor measured in the same invocation: the machines are
 * shared and absolute times drift, ratios much less.  The targets are
 * reported, never asserted: the exit code is 0 whenever the measurement
 * itself worked.
 *
 * Without PostgreSQL (or with --no-pg) the rows of 6 and 7 say why they
 * are missing and the rest runs.
 *
 *   tapibench [--quick] [--json] [--no-pg] [--runs N] [--only LIST]
 */
#include "tapibench.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whole frame sizes of one proxy request in tapix (measured with strace on
 * the real processes, see docs/PERFORMANCE.md): requester -> tapisrv
 * REQUEST, tapisrv -> acdproxy EVENT LINE_PROXYREQUEST, acdproxy -> tapisrv
 * RESPONSE, tapisrv -> requester EVENT LINE_REPLY.  The floor uses those of
 * lineGetAgentSessionInfo, the larger of the two measured requests. */
static const struct tb_sizes g_sizes = {TB_REQ_SIZE, TB_FWD_SIZE, TB_RESP_SIZE, TB_REPLY_SIZE};

enum unit { U_US, U_RPS, U_MPS, U_MS, U_MIB, U_B };

static const char *const g_unit[] = {"us", "req/s", "msg/s", "ms", "MiB", "B"};
static const char *const g_fmt[] = {"%.1f %s", "%.0f %s", "%.0f %s",
                                    "%.1f %s", "%.2f %s", "%.0f %s"};

struct row {
    const char *name;
    enum unit unit;
    double value; /* median over the runs */
    double floor; /* the floor it is compared with, 0: none */
    const char *floor_name;
    int have;
    const char *why; /* not measured: the reason shown instead */
};

enum {
    R_RELAY_P50,
    R_RELAY_P99,
    R_RELAY_RPS,
    R_FSYNC,
    R_CREATE_P50,
    R_CREATE_P99,
    R_CREATE_RPS,
    R_INFO_P50,
    R_INFO_P99,
    R_INFO_RPS,
    R_FAN0_FLOOR,
    R_FAN1_FLOOR,
    R_FAN0,
    R_FAN1,
    R_SC_ACD_RSS0,
    R_SC_ACD_RSS1,
    R_SC_ACD_HWM1,
    R_SC_ACD_RSS2,
    R_SC_ACD_PER,
    R_SC_SRV_RSS0,
    R_SC_SRV_RSS1,
    R_SC_SRV_HWM,
    R_SC_SRV_GROWTH,
    R_SC_LIST,
    R_SC_RESTART,
    R_SC_STOP,
    R_PG_FSYNC,
    R_PG_CREATE_P50,
    R_PG_CREATE_P99,
    R_PG_CREATE_RPS,
    R_PG2_RPS,
    R_PG2_EV_P50,
    R_PG2_EV_P99,
    R__N
};

static struct row g_rows[R__N] = {
    [R_RELAY_P50] = {"relay floor, 1 outstanding, p50", U_US, 0, 0, NULL, 0},
    [R_RELAY_P99] = {"relay floor, 1 outstanding, p99", U_US, 0, 0, NULL, 0},
    [R_RELAY_RPS] = {"relay floor, 256 outstanding", U_RPS, 0, 0, NULL, 0},
    [R_FSYNC] = {"4 KiB write + fdatasync, p50", U_US, 0, 0, NULL, 0},
    [R_CREATE_P50] = {"lineCreateAgentSession, 1 out, p50", U_US, 0, 0, "relay p50 + fdatasync", 0},
    [R_CREATE_P99] = {"lineCreateAgentSession, 1 out, p99", U_US, 0, 0, "relay p99 + fdatasync", 0},
    [R_CREATE_RPS] = {"lineCreateAgentSession, 256 out", U_RPS, 0, 0, "relay 256 out", 0},
    [R_INFO_P50] = {"lineGetAgentSessionInfo, 1 out, p50", U_US, 0, 0, "relay p50", 0},
    [R_INFO_P99] = {"lineGetAgentSessionInfo, 1 out, p99", U_US, 0, 0, "relay p99", 0},
    [R_INFO_RPS] = {"lineGetAgentSessionInfo, 256 out", U_RPS, 0, 0, "relay 256 out", 0},
    [R_FAN0_FLOOR] = {"raw fan-out floor, N=10", U_MPS, 0, 0, NULL, 0},
    [R_FAN1_FLOOR] = {"raw fan-out floor, N=100", U_MPS, 0, 0, NULL, 0},
    [R_FAN0] = {"AGENTSESSIONSTATUS fan-out, N=10", U_MPS, 0, 0, "raw fan-out N=10", 0},
    [R_FAN1] = {"AGENTSESSIONSTATUS fan-out, N=100", U_MPS, 0, 0, "raw fan-out N=100", 0},
    [R_SC_ACD_RSS0] = {"acdproxy RSS, agents, 0 sessions", U_MIB, 0, 0, "-", 0},
    [R_SC_ACD_RSS1] = {"acdproxy RSS, after creates", U_MIB, 0, 0, "-", 0},
    [R_SC_ACD_HWM1] = {"acdproxy peak RSS (VmHWM)", U_MIB, 0, 0, "-", 0},
    [R_SC_ACD_RSS2] = {"acdproxy RSS, restarted (loaded)", U_MIB, 0, 0, "-", 0},
    [R_SC_ACD_PER] = {"acdproxy RSS per session", U_B, 0, 0, "-", 0},
    [R_SC_SRV_RSS0] = {"tapisrv RSS, before sessions", U_MIB, 0, 0, "-", 0},
    [R_SC_SRV_RSS1] = {"tapisrv RSS, after creates", U_MIB, 0, 0, "-", 0},
    [R_SC_SRV_HWM] = {"tapisrv peak RSS (VmHWM)", U_MIB, 0, 0, "-", 0},
    [R_SC_SRV_GROWTH] = {"tapisrv RSS growth, end vs before", U_MIB, 0, 0, "-", 0},
    [R_SC_LIST] = {"lineGetAgentSessionList 1000, p50", U_US, 0, 0, "-", 0},
    [R_SC_RESTART] = {"acdproxy restart, SIGTERM..READY", U_MS, 0, 0, "-", 0},
    [R_SC_STOP] = {"  of which SIGTERM..exit", U_MS, 0, 0, "-", 0},
    [R_PG_FSYNC] = {.name = "4 KiB write + fdatasync, PG dir, p50", .unit = U_US},
    [R_PG_CREATE_P50] = {.name = "PG lineCreateAgentSession, 1 out, p50",
                         .unit = U_US,
                         .floor_name = "relay p50 + PG dir fdatasync"},
    [R_PG_CREATE_P99] = {.name = "PG lineCreateAgentSession, 1 out, p99",
                         .unit = U_US,
                         .floor_name = "relay p99 + PG dir fdatasync"},
    [R_PG_CREATE_RPS] = {.name = "PG lineCreateAgentSession, 256 out",
                         .unit = U_RPS,
                         .floor_name = "relay 256 out"},
    [R_PG2_RPS] = {.name = "PG 2 nodes: creates, 2 x 128 out",
                   .unit = U_RPS,
                   .floor_name = "PG 1 node, 256 out"},
    [R_PG2_EV_P50] = {.name = "PG 2 nodes: A change..B event, p50",
                      .unit = U_US,
                      .floor_name = "-"},
    [R_PG2_EV_P99] = {.name = "PG 2 nodes: A change..B event, p99",
                      .unit = U_US,
                      .floor_name = "-"},
};

/* The reasons shown in rows that were not measured. */
static char g_pg_why[256], g_pg2_why[256];

/* --only: the scenarios to run (the floors always are), a bit each in the
 * order of this table, and the rows each one fills. */
enum { S_CREATE = 1, S_INFO = 2, S_FANOUT = 4, S_SCALE = 8, S_PG = 16 };
static const struct {
    const char *name;
    int first, last;
} g_scen[] = {
    {"create", R_CREATE_P50, R_CREATE_RPS}, {"info", R_INFO_P50, R_INFO_RPS},
    {"fanout", R_FAN0_FLOOR, R_FAN1},       {"scale", R_SC_ACD_RSS0, R_SC_STOP},
    {"pg", R_PG_FSYNC, R_PG2_EV_P99},
};
#define NSCEN ((int)(sizeof g_scen / sizeof g_scen[0]))
#define S_ALL ((1 << NSCEN) - 1)
_Static_assert(S_PG == 1 << (NSCEN - 1), "the S_ bits follow g_scen");

/* "create, info, ..." from the table, for the messages. */
static const char *scen_names(void)
{
    static char buf[128];
    if (!buf[0])
        for (int i = 0; i < NSCEN; i++)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? ", " : "",
                     g_scen[i].name);
    return buf;
}

/* "info,fanout" -> S_INFO | S_FANOUT; 0 for an unknown name. */
static int parse_only(const char *list)
{
    int mask = 0;
    char buf[128];
    if (strlen(list) >= sizeof buf) /* cut short, it could lose a bad name */
        return 0;
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int bit = 0;
        for (int i = 0; i < NSCEN; i++)
            if (!strcmp(t, g_scen[i].name))
                bit = 1 << i;
        if (!bit)
            return 0;
        mask |= bit;
    }
    return mask;
}

struct target {
    const char *text;
    int row;
    double limit; /* ratio, or the value itself when abs */
    int le;       /* 1: ratio <= limit is met; 0: ratio >= limit */
    int abs;      /* compare the value, not the ratio */
};

static const struct target g_targets[] = {
    {"lineGetAgentSessionInfo p50 <= 1.5x relay floor", R_INFO_P50, 1.5, 1, 0},
    {"durable lineCreateAgentSession p50 <= 1.2x (relay floor + fdatasync)", R_CREATE_P50, 1.2, 1,
     0},
    {"lineCreateAgentSession, 256 outstanding >= 0.5x relay floor req/s", R_CREATE_RPS, 0.5, 0, 0},
    {"lineGetAgentSessionInfo, 256 outstanding >= 0.5x relay floor req/s", R_INFO_RPS, 0.5, 0, 0},
    {"event fan-out N=10 >= 0.5x raw fan-out floor msg/s", R_FAN0, 0.5, 0, 0},
    {"event fan-out N=100 >= 0.5x raw fan-out floor msg/s", R_FAN1, 0.5, 0, 0},
    {"acdproxy <= 300 B RSS per session beyond fixed overhead", R_SC_ACD_PER, 300, 1, 1},
    {"tapisrv RSS independent of sessions (growth <= 1 MiB)", R_SC_SRV_GROWTH, 1, 1, 1},
    {"acdproxy restart with all sessions in its store <= 2 s", R_SC_RESTART, 2000, 1, 1},
};

static char g_scale_desc[160] = "not run";

static double ratio(const struct row *r)
{
    return r->floor > 0 ? r->value / r->floor : 0;
}

static void print_table(const struct tb_params *p, const char *remaining)
{
    printf("\ntapibench: median of %d runs; ratio = figure / floor measured in this run\n",
           p->runs);
    printf("%-38s %14s %14s %8s  %s\n", "scenario", "median", "floor", "ratio", "floor is");
    for (int i = 0; i < R__N; i++) {
        const struct row *r = &g_rows[i];
        if (!r->have && !r->why)
            continue;
        if (i == R_FAN0_FLOOR)
            printf("-- event fan-out\n");
        if (i == R_SC_ACD_RSS0)
            printf("-- scale: %s\n", g_scale_desc);
        if (i == R_PG_FSYNC)
            printf("-- PostgreSQL\n");
        if (!r->have) {
            printf("%-38s unavailable: %s\n", r->name, r->why);
            continue;
        }
        const char *u = g_unit[r->unit];
        char v[32], f[32], q[16];
        snprintf(v, sizeof v, g_fmt[r->unit], r->value, u);
        if (r->floor > 0) {
            snprintf(f, sizeof f, g_fmt[r->unit], r->floor, u);
            snprintf(q, sizeof q, "%.2f", ratio(r));
        } else {
            snprintf(f, sizeof f, "-");
            snprintf(q, sizeof q, "-");
        }
        printf("%-38s %14s %14s %8s  %s\n", r->name, v, f, q,
               r->floor_name ? r->floor_name : "(floor)");
    }
    printf("\ntargets (reported, not asserted):\n");
    for (size_t i = 0; i < sizeof g_targets / sizeof g_targets[0]; i++) {
        const struct target *t = &g_targets[i];
        const struct row *r = &g_rows[t->row];
        if (!r->have) {
            printf("  %-70s  not measured\n", t->text);
            continue;
        }
        double q = t->abs ? r->value : ratio(r);
        int met = t->le ? q <= t->limit : q >= t->limit;
        if (t->abs)
            printf("  %-70s  %.1f %-4s  %s\n", t->text, q, g_unit[r->unit], met ? "MET" : "MISSED");
        else
            printf("  %-70s  ratio %.2f  %s\n", t->text, q, met ? "MET" : "MISSED");
    }
    if (remaining && *remaining)
        printf("\nnot measured: %s\n", remaining);
}

/* A JSON string: the reasons may quote a log line. */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void print_json(const struct tb_params *p, const char *remaining)
{
    printf("{\n  \"runs\": %d,\n  \"rows\": [\n", p->runs);
    int first = 1;
    for (int i = 0; i < R__N; i++) {
        const struct row *r = &g_rows[i];
        if (!r->have && r->why) {
            printf("%s    {\"name\": \"%s\", \"unit\": \"%s\", \"unavailable\": ",
                   first ? "" : ",\n", r->name, g_unit[r->unit]);
            json_str(r->why);
            putchar('}');
            first = 0;
        }
        if (!r->have)
            continue;
        printf("%s    {\"name\": \"%s\", \"unit\": \"%s\", \"median\": %.3f, \"floor\": %.3f, "
               "\"ratio\": %.4f, \"floor_is\": \"%s\"}",
               first ? "" : ",\n", r->name, g_unit[r->unit], r->value, r->floor, ratio(r),
               r->floor_name ? r->floor_name : "floor");
        first = 0;
    }
    printf("\n  ],\n  \"targets\": [\n");
    first = 1;
    for (size_t i = 0; i < sizeof g_targets / sizeof g_targets[0]; i++) {
        const struct target *t = &g_targets[i];
        const struct row *r = &g_rows[t->row];
        double q = t->abs ? r->value : ratio(r);
        int met = r->have && (t->le ? q <= t->limit : q >= t->limit);
        printf("%s    {\"target\": \"%s\", \"limit\": %.2f, \"measured\": %s, \"%s\": %.4f, "
               "\"met\": %s}",
               first ? "" : ",\n", t->text, t->limit, r->have ? "true" : "false",
               t->abs ? "value" : "ratio", q, met ? "true" : "false");
        first = 0;
    }
    printf("\n  ],\n  \"scale\": \"%s\",\n  \"not_measured\": ", g_scale_desc);
    json_str(remaining ? remaining : "");
    printf("\n}\n");
}

static void usage(FILE *f)
{
    fputs("usage: tapibench [--quick] [--json] [--no-pg] [--runs N] [--only LIST]\n"
          "  Starts a private tapisrv and acdproxy (from this binary's directory) on a temp\n"
          "  socket and SQLite database, measures the floors, lineCreateAgentSession and\n"
          "  lineGetAgentSessionInfo, event fan-out to 10 and 100 monitoring apps, and\n"
          "  scale (100k agents, 1M sessions: RSS, session list, restart), and prints\n"
          "  medians with their ratios to the floors.  Then the same creates with acdproxy on\n"
          "  a private PostgreSQL server (scripts/pg-test.sh), and two nodes on it.\n"
          "  --quick  a reduced run (under a minute; scale with 10k agents, 100k sessions)\n"
          "  --json   print the results as JSON instead of a table\n"
          "  --no-pg  leave out the PostgreSQL rows\n"
          "  --runs N runs per figure (default 7, --quick 3)\n"
          "  --only LIST  only these scenarios (and the floors), comma-separated from\n"
          "           create, info, fanout, scale, pg; the other rows say \"not selected\"\n",
          f);
}

/* Progress goes to stderr so that --json output stays clean. */
#define PROGRESS(...) fprintf(stderr, "tapibench: " __VA_ARGS__)

static void set_row(int i, double value, double floor)
{
    g_rows[i].value = value;
    g_rows[i].floor = floor;
    g_rows[i].have = 1;
}

/* 4: for N = 10 and 100, alternate a floor run and a tapix run. */
static int fanout(struct tb_env *env, const struct tb_params *p)
{
    static const int ns[2] = {TB_FAN_N0, TB_FAN_N1};
    double *fl = calloc((size_t)p->runs, sizeof *fl), *tx = calloc((size_t)p->runs, sizeof *tx);
    uint32_t sess;
    int rc = -1;
    if (!fl || !tx || tb_fanout_prepare(env, &sess) < 0)
        goto out;
    for (int k = 0; k < 2; k++) {
        PROGRESS("4/7 event fan-out, N=%d: %d changes per run (floor: %d messages of %u B)\n",
                 ns[k], p->fan_ops[k], p->fan_floor_ops, TB_EVENT_SIZE);
        struct tb_fan *f = tb_fan_start(ns[k], TB_EVENT_SIZE);
        struct tb_monitors *m = f ? tb_monitors_start(ns[k], 0) : NULL;
        int ok = f && m;
        for (int r = 0; r < p->runs && ok; r++) {
            fl[r] = tb_fan_run(f, p->fan_floor_ops);
            tx[r] = fl[r] < 0 ? -1 : tb_fanout_run(env, m, ns[k], p->fan_ops[k], TB_WINDOW);
            ok = fl[r] >= 0 && tx[r] >= 0;
        }
        tb_monitors_stop(m);
        tb_fan_stop(f);
        if (!ok)
            goto out;
        double floor = tb_median(fl, (size_t)p->runs);
        set_row(k ? R_FAN1_FLOOR : R_FAN0_FLOOR, floor, 0);
        set_row(k ? R_FAN1 : R_FAN0, tb_median(tx, (size_t)p->runs), floor);
    }
    rc = tb_fanout_finish(env);
out:
    free(fl);
    free(tx);
    return rc;
}

/* 5: one run (the setup is the measurement's cost); restarts: median. */
static int scale(const struct tb_params *p)
{
    struct tb_scale_result s;
    PROGRESS("5/7 scale: %d agents, %d sessions (fresh tapisrv and acdproxy)\n", p->scale_agents,
             p->scale_sessions);
    if (tb_scale(p, &s) < 0)
        return -1;
    const double mib = 1024.0;
    snprintf(g_scale_desc, sizeof g_scale_desc,
             "%d agents, %d sessions; setup: directory %.1f s, lineCreateAgent %.1f s, "
             "creates %.1f s",
             s.agents, s.sessions, s.provision_s, s.agents_s, s.create_s);
    PROGRESS("scale: %s; list entries %u\n", g_scale_desc, (unsigned)s.list_entries);
    set_row(R_SC_ACD_RSS0, s.acd_rss0 / mib, 0);
    set_row(R_SC_ACD_RSS1, s.acd_rss1 / mib, 0);
    set_row(R_SC_ACD_HWM1, s.acd_hwm1 / mib, 0);
    set_row(R_SC_ACD_RSS2, s.acd_rss2 / mib, 0);
    /* per session beyond the fixed overhead: the larger of the two loads */
    long load = s.acd_rss1 > s.acd_rss2 ? s.acd_rss1 : s.acd_rss2;
    set_row(R_SC_ACD_PER, (double)(load - s.acd_rss0) * 1024.0 / s.sessions, 0);
    set_row(R_SC_SRV_RSS0, s.srv_rss0 / mib, 0);
    set_row(R_SC_SRV_RSS1, s.srv_rss1 / mib, 0);
    set_row(R_SC_SRV_HWM, (s.srv_hwm2 > s.srv_hwm1 ? s.srv_hwm2 : s.srv_hwm1) / mib, 0);
    long srv_end = s.srv_rss2 > s.srv_rss1 ? s.srv_rss2 : s.srv_rss1;
    set_row(R_SC_SRV_GROWTH, (double)(srv_end - s.srv_rss0) / mib, 0);
    set_row(R_SC_LIST, s.list_p50_us, 0);
    set_row(R_SC_RESTART, s.restart_ms, 0);
    set_row(R_SC_STOP, s.stop_ms, 0);
    return 0;
}

/* The per-run figures' buffers. */
struct bufs {
    double *lat, *p50, *p99, *rps;
};

/* 2 and 6: lineCreateAgentSession on env's store into the three rows from
 * `first` (p50, p99, 256 out), against the relay floor + fsync50. */
static int create_rows(struct tb_env *env, const struct tb_params *p, const struct bufs *b,
                       int first, double fsync50)
{
    for (int r = 0; r < p->runs; r++) {
        if (tb_create_latency(env, p->lat_ops, b->lat) < 0)
            return -1;
        b->p50[r] = tb_quantile(b->lat, (size_t)p->lat_ops, 0.50);
        b->p99[r] = tb_quantile(b->lat, (size_t)p->lat_ops, 0.99);
        b->rps[r] = tb_create_throughput(env, p->tput_ops, TB_WINDOW);
        if (b->rps[r] < 0)
            return -1;
    }
    set_row(first, tb_median(b->p50, (size_t)p->runs), g_rows[R_RELAY_P50].value + fsync50);
    set_row(first + 1, tb_median(b->p99, (size_t)p->runs), g_rows[R_RELAY_P99].value + fsync50);
    set_row(first + 2, tb_median(b->rps, (size_t)p->runs), g_rows[R_RELAY_RPS].value);
    return 0;
}

/* Rows from..to were not measured, because of why (copied into buf).  The
 * first reason a row or buf was given stands. */
static void unavailable(int from, int to, char *buf, size_t cap, const char *why)
{
    if (buf[0])
        return;
    snprintf(buf, cap, "%s", why);
    for (int i = from; i <= to; i++)
        if (!g_rows[i].have && !g_rows[i].why)
            g_rows[i].why = buf;
}

/* 7b: one change at a time on node A (this process's app), each timed
 * until the monitor on node B has dequeued its LINE_AGENTSESSIONSTATUS. */
static int cross_node(struct tb_env *a, const char *sock_b, const struct tb_params *p,
                      const struct bufs *b)
{
    uint32_t sess;
    int rc = -1;
    double t0, t;
    long min;
    /* The monitor listens before the session exists, and the session's
     * NEWSESSION on node B is awaited (not timed): a toggle racing node B's
     * first sight of the session would be announced with it, as one. */
    struct tb_monitors *m = tb_monitors_start_stamped(sock_b, 0);
    if (!m || tb_monitors_begin(m, 0, 1) < 0 || tb_fanout_prepare(a, &sess) < 0 ||
        tb_monitors_stamp(m, TB_XNODE_MS, &t) < 0 || tb_monitors_wait(m, TB_XNODE_MS, &min) < 0) {
        unavailable(R_PG2_EV_P50, R_PG2_EV_P99, g_pg2_why, sizeof g_pg2_why,
                    "node B announced no session made on node A");
        tb_monitors_stop(m);
        return -1;
    }
    for (int r = 0; r < p->runs; r++) {
        if (tb_monitors_begin(m, sess, p->xnode_ops) < 0)
            goto out;
        for (int i = 0; i < p->xnode_ops; i++) {
            if (tb_fanout_toggle(a, &t0) < 0)
                goto out;
            if (tb_monitors_stamp(m, TB_XNODE_MS, &t) < 0) {
                char why[160];
                snprintf(why, sizeof why,
                         "node B announced no LINE_AGENTSESSIONSTATUS of node A's change "
                         "within %d ms",
                         TB_XNODE_MS);
                PROGRESS("%s\n", why);
                unavailable(R_PG2_EV_P50, R_PG2_EV_P99, g_pg2_why, sizeof g_pg2_why, why);
                goto out;
            }
            b->lat[i] = t - t0;
        }
        if (tb_monitors_wait(m, TB_XNODE_MS, &min) < 0)
            goto out;
        b->p50[r] = tb_quantile(b->lat, (size_t)p->xnode_ops, 0.50);
        b->p99[r] = tb_quantile(b->lat, (size_t)p->xnode_ops, 0.99);
    }
    set_row(R_PG2_EV_P50, tb_median(b->p50, (size_t)p->runs), 0);
    set_row(R_PG2_EV_P99, tb_median(b->p99, (size_t)p->runs), 0);
    rc = 0;
out:
    tb_monitors_stop(m);
    if (tb_fanout_finish(a) < 0)
        rc = -1;
    return rc;
}

/* 7: two nodes on the database at url (provisioned by 6). */
static int two_nodes(const struct tb_params *p, const char *url, const struct bufs *b)
{
    char sock_a[PATH_MAX], sock_b[PATH_MAX];
    tb_path(sock_a, sizeof sock_a, "tapisrv.sock");
    tb_path(sock_b, sizeof sock_b, "tapisrv-b.sock");
    PROGRESS("7/7 two nodes on one PostgreSQL database: creates on both, A -> B events\n");
    /* B first: tb_env_start points TAPI_SERVER at its tapisrv, and this
     * process's app belongs on A */
    struct tb_env *nb = tb_env_start(p, url, "-b", 0);
    struct tb_env *na = nb ? tb_env_start(p, url, "", TB_ENV_APP) : NULL;
    const char *const socks[2] = {sock_a, sock_b};
    struct tb_requesters *rq = na ? tb_requesters_start(socks, 2, p->groups, p->agents) : NULL;
    int rc = -1;
    if (!rq)
        goto out;
    for (int r = 0; r < p->runs; r++)
        if ((b->rps[r] = tb_requesters_create(rq, p->tput_ops)) < 0)
            goto out;
    tb_requesters_stop(rq);
    rq = NULL;
    set_row(R_PG2_RPS, tb_median(b->rps, (size_t)p->runs),
            g_rows[R_PG_CREATE_RPS].have ? g_rows[R_PG_CREATE_RPS].value : 0);
    rc = cross_node(na, sock_b, p, b);
out:
    tb_requesters_stop(rq);
    tb_env_stop(na);
    tb_env_stop(nb);
    return rc;
}

/* 6 and 7 on a private PostgreSQL server.  Not there: the rows say why
 * (0); a scenario that failed: -1. */
static int postgres(const struct tb_params *p, const struct bufs *b, double *fs, double *fsl)
{
    char url[PATH_MAX + 64], why[200];
    int rc = 0;
    PROGRESS("6/7 PostgreSQL: a private server (scripts/pg-test.sh), provisioning, creates\n");
    if (tb_pg_start(url, sizeof url, why, sizeof why)) {
        PROGRESS("PostgreSQL unavailable: %s\n", why);
        unavailable(R_PG_FSYNC, R_PG2_EV_P99, g_pg_why, sizeof g_pg_why, why);
        tb_pg_stop();
        return 0;
    }
    for (int r = 0; r < p->runs; r++) {
        if (tb_fsync_latency(tb_pg_dir(), p->fsync_ops, fsl) < 0) {
            unavailable(R_PG_FSYNC, R_PG2_EV_P99, g_pg_why, sizeof g_pg_why,
                        "fdatasync floor in the server's directory failed");
            tb_pg_stop();
            return -1;
        }
        fs[r] = tb_quantile(fsl, (size_t)p->fsync_ops, 0.50);
    }
    set_row(R_PG_FSYNC, tb_median(fs, (size_t)p->runs), 0);
    struct tb_env *env = tb_env_start(p, url, "", TB_ENV_PROVISION | TB_ENV_APP);
    if (!env || create_rows(env, p, b, R_PG_CREATE_P50, g_rows[R_PG_FSYNC].value) < 0) {
        unavailable(R_PG_CREATE_P50, R_PG2_EV_P99, g_pg_why, sizeof g_pg_why,
                    env ? "lineCreateAgentSession on PostgreSQL failed"
                        : "tapisrv/acdproxy on PostgreSQL failed");
        rc = -1;
    }
    tb_env_stop(env);
    if (!rc && two_nodes(p, url, b) < 0) {
        unavailable(R_PG2_RPS, R_PG2_EV_P99, g_pg2_why, sizeof g_pg2_why,
                    "two-node scenario failed");
        rc = -1;
    }
    tb_pg_stop();
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--fanout-monitor"))
        return tb_monitor_main(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "--node-requester"))
        return tb_requester_main(argc, argv);
    int quick = 0, json = 0, runs = 0, no_pg = 0, only = S_ALL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--no-pg"))
            no_pg = 1;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            if (!(only = parse_only(argv[++i]))) {
                fprintf(stderr, "tapibench: --only: not a list of %s: '%s'\n", scen_names(),
                        argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    struct tb_params p;
    if (quick)
        p = (struct tb_params){.runs = 3,
                               .lat_ops = 300,
                               .relay_lat_ops = 2000,
                               .relay_tput_ops = 200000,
                               .tput_ops = 2048,
                               .info_ops = 50000,
                               .fsync_ops = 200,
                               .groups = 8,
                               .fan_floor_ops = 50000,
                               .fan_ops = {5000, 1000},
                               .scale_agents = 10000,
                               .scale_sessions = 100000,
                               .scale_restarts = 3,
                               .xnode_ops = 100};
    else
        p = (struct tb_params){.runs = 7,
                               .lat_ops = 1000,
                               .relay_lat_ops = 10000,
                               .relay_tput_ops = 1000000,
                               .tput_ops = 8192,
                               .info_ops = 200000,
                               .fsync_ops = 500,
                               .groups = 16,
                               .fan_floor_ops = 200000,
                               .fan_ops = {20000, 4000},
                               .scale_agents = 100000,
                               .scale_sessions = 1000000,
                               .scale_restarts = 3,
                               .xnode_ops = 300};
    if (runs > 0)
        p.runs = runs;
    /* keys per agent: 8 lines (tapisrv's default) x groups */
    int keys = p.tput_ops > p.lat_ops ? p.tput_ops : p.lat_ops;
    p.agents = (keys + 8 * p.groups - 1) / (8 * p.groups);

    tb_cleanup_install();
    if (tb_tmpdir_create())
        return 1;
    PROGRESS("build dir %s, temp dir %s\n", tb_build_dir(), tb_dir());

    int maxn = p.relay_tput_ops;
    if (maxn < p.lat_ops)
        maxn = p.lat_ops;
    double *lat = calloc((size_t)maxn, sizeof *lat);
    double *p50 = calloc((size_t)p.runs, sizeof *p50), *p99 = calloc((size_t)p.runs, sizeof *p99);
    double *rps = calloc((size_t)p.runs, sizeof *rps);
    if (!lat || !p50 || !p99 || !rps)
        return 1;
    const char *remaining = "";
    int rc = 0;
    struct bufs b = {.lat = lat, .p50 = p50, .p99 = p99, .rps = rps};

    /* ---- 1. floors ---- */
    PROGRESS("1/7 floors: relay (%u/%u/%u/%u bytes) and fdatasync\n", g_sizes.req, g_sizes.fwd,
             g_sizes.resp, g_sizes.reply);
    struct tb_relay *relay = tb_relay_start(&g_sizes);
    if (!relay) {
        fprintf(stderr, "tapibench: cannot start the relay floor\n");
        return 1;
    }
    double *fs = calloc((size_t)p.runs, sizeof *fs);
    double *fsl = calloc((size_t)p.fsync_ops, sizeof *fsl);
    if (!fs || !fsl)
        return 1;
    for (int r = 0; r < p.runs; r++) {
        if (tb_relay_latency(relay, p.relay_lat_ops, lat) < 0)
            return 1;
        p50[r] = tb_quantile(lat, (size_t)p.relay_lat_ops, 0.50);
        p99[r] = tb_quantile(lat, (size_t)p.relay_lat_ops, 0.99);
        rps[r] = tb_relay_throughput(relay, p.relay_tput_ops, TB_WINDOW);
        if (rps[r] < 0)
            return 1;
        if (tb_fsync_latency(NULL, p.fsync_ops, fsl) < 0) {
            fprintf(stderr, "tapibench: fdatasync floor failed\n");
            return 1;
        }
        fs[r] = tb_quantile(fsl, (size_t)p.fsync_ops, 0.50);
    }
    tb_relay_stop(relay);
    g_rows[R_RELAY_P50].value = tb_median(p50, (size_t)p.runs);
    g_rows[R_RELAY_P99].value = tb_median(p99, (size_t)p.runs);
    g_rows[R_RELAY_RPS].value = tb_median(rps, (size_t)p.runs);
    g_rows[R_FSYNC].value = tb_median(fs, (size_t)p.runs);
    g_rows[R_RELAY_P50].have = g_rows[R_RELAY_P99].have = g_rows[R_RELAY_RPS].have =
        g_rows[R_FSYNC].have = 1;
    double relay50 = g_rows[R_RELAY_P50].value, relay99 = g_rows[R_RELAY_P99].value;
    double relayrps = g_rows[R_RELAY_RPS].value, fsync50 = g_rows[R_FSYNC].value;

    for (int i = 0; i < NSCEN; i++)
        if (!(only & (1 << i)))
            for (int r = g_scen[i].first; r <= g_scen[i].last; r++)
                g_rows[r].why = "not selected (--only)";
    struct tb_env *env = NULL;
    if (!(only & (S_CREATE | S_INFO | S_FANOUT)))
        goto scale;

    /* ---- 2. lineCreateAgentSession ---- */
    PROGRESS("2/7 lineCreateAgentSession: provisioning %d groups, %d agents\n", p.groups, p.agents);
    char db[PATH_MAX];
    tb_path(db, sizeof db, "acd.db");
    env = tb_env_start(&p, db, "", TB_ENV_PROVISION | TB_ENV_APP);
    if (!env) {
        remaining = "lineCreateAgentSession, lineGetAgentSessionInfo, fan-out, scale "
                    "(tapisrv/acdproxy failed)";
        rc = 1;
        goto report;
    }
    if ((only & S_CREATE) && create_rows(env, &p, &b, R_CREATE_P50, fsync50) < 0)
        goto create_failed;
    if (!(only & S_INFO))
        goto fan;

    /* ---- 3. lineGetAgentSessionInfo ---- */
    PROGRESS("3/7 lineGetAgentSessionInfo\n");
    if (tb_info_prepare(env) < 0)
        goto info_failed;
    for (int r = 0; r < p.runs; r++) {
        if (tb_info_latency(env, p.lat_ops, lat) < 0)
            goto info_failed;
        p50[r] = tb_quantile(lat, (size_t)p.lat_ops, 0.50);
        p99[r] = tb_quantile(lat, (size_t)p.lat_ops, 0.99);
        rps[r] = tb_info_throughput(env, p.info_ops, TB_WINDOW);
        if (rps[r] < 0)
            goto info_failed;
    }
    if (tb_info_finish(env) < 0)
        goto info_failed;
    set_row(R_INFO_P50, tb_median(p50, (size_t)p.runs), relay50);
    set_row(R_INFO_P99, tb_median(p99, (size_t)p.runs), relay99);
    set_row(R_INFO_RPS, tb_median(rps, (size_t)p.runs), relayrps);

    /* ---- 4. event fan-out ---- */
fan:
    if ((only & S_FANOUT) && fanout(env, &p) < 0) {
        remaining = "event fan-out (failed)";
        rc = 1;
    }
    tb_env_stop(env);
    env = NULL;

    /* ---- 5. scale ---- */
scale:
    if ((only & S_SCALE) && scale(&p) < 0) {
        remaining = rc ? "event fan-out (failed), scale (failed)" : "scale (failed)";
        rc = 1;
    }
    goto pg;

create_failed:
    remaining = "lineCreateAgentSession (failed), lineGetAgentSessionInfo, fan-out, scale";
    rc = 1;
    goto stop;
info_failed:
    remaining = "lineGetAgentSessionInfo (failed), fan-out, scale";
    rc = 1;
stop:
    tb_env_stop(env);
pg:
    /* ---- 6, 7. PostgreSQL ---- */
    if (no_pg)
        unavailable(R_PG_FSYNC, R_PG2_EV_P99, g_pg_why, sizeof g_pg_why, "skipped (--no-pg)");
    else if ((only & S_PG) && postgres(&p, &b, fs, fsl) < 0)
        rc = 1;
report:
    if (json)
        print_json(&p, remaining);
    else
        print_table(&p, remaining);
    free(lat);
    free(p50);
    free(p99);
    free(rps);
    free(fs);
    free(fsl);
    return rc;
}
