/*
 * soak - tapisrv and acdproxy under a long mixed load with injected
 * disconnects; `make soak` (SOAK_SECONDS, default 600).
 *
 *   soak [--seconds N] [--apps N] [--interval-ms N] [--kill-every-ms N]
 *        [--warmup-seconds N] [--tolerance PERCENT] [--seed N]
 *
 * Starts a private tapisrv (the 8 built-in lines) and acdproxy on a SQLite
 * store in the server's temp dir (one group, one queue, one agent per app
 * bound to our user), then N apps (helper_soakapp: line open/close, caps,
 * agent sessions created, set and listed, agent state and info, queue
 * lists).  Every kill-every-ms one app, picked at random, is SIGKILLed or
 * told to exit abruptly with requests in flight, and replaced.
 *
 * RSS of tapisrv and acdproxy is sampled every second; the median of the
 * first 5 samples after the warm-up (default a third of the run, at least
 * 10 s and at most 120 s) is the reference, and the median of the last 5 under load must be
 * within the tolerance (default 10 %) of it: a few hundred kB come and go
 * with the load (SQLite's cache, buffers), growth does not.  Only the
 * plain build's figures mean that: under ASan (build/sanitize) freed memory
 * waits in its quarantine, and RSS grows by design.  Every request an app saw answered
 * counts; one that failed fails the soak (requests lost with a killed app are the injected faults:
 * they never complete).  Afterwards every app must exit 0, tapisrv must hold no connection beyond
 * the listener and acdproxy's, and both must exit 0 on SIGTERM.  Exit status 0 when all of that
 * holds.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../integration/acdharness.h"
#include "../integration/harness.h"

#define MAX_APPS 256
#define MAX_CAUSES 32
#define READY_MS 30000
#define STOP_MS 30000

struct app {
    struct helper *h;
    int ready;
    unsigned long req, ok, fail; /* its last "S" line */
};

static struct {
    int seconds, napps, interval_ms, kill_every_ms, warmup_s, tolerance;
    unsigned seed;
} opt = {.seconds = 600, .napps = 50, .interval_ms = 20, .kill_every_ms = 1000, .tolerance = 10};

static struct app apps[MAX_APPS];
static unsigned long done_req, done_ok, done_fail; /* of apps that are gone */
static unsigned long killed, crashed, replaced;
static struct {
    char what[48];
    unsigned long n;
} causes[MAX_CAUSES];
static int ncauses;
static int problems;

static void problem(const char *fmt, const char *arg)
{
    fprintf(stderr, "soak: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    problems++;
}

static void count_cause(const char *line)
{
    int i;
    for (i = 0; i < ncauses; i++)
        if (!strcmp(causes[i].what, line))
            break;
    if (i == ncauses) {
        if (ncauses == MAX_CAUSES)
            i = MAX_CAUSES - 1; /* the last row collects the rest */
        else
            memcpy(causes[ncauses++].what, line, strnlen(line, sizeof causes[0].what - 1));
    }
    causes[i].n++;
}

/* Handle the lines of app a until the deadline (0 with want_ready: once
 * its READY came).  -1 at the deadline, -2 once it closed stdout. */
static int read_app(struct app *a, int64_t deadline, int want_ready)
{
    char line[256];
    for (;;) {
        int n = helper_wait_line(a->h, line, sizeof line, deadline);
        if (n < 0)
            return n;
        if (!strcmp(line, "READY")) {
            a->ready = 1;
            if (want_ready)
                return 0;
        } else if (line[0] == 'S' && line[1] == ' ')
            sscanf(line + 2, "%lu %lu %lu", &a->req, &a->ok, &a->fail);
        else if (line[0] == 'F' && line[1] == ' ')
            count_cause(line + 2);
        else if (strcmp(line, "BYE"))
            problem("app: \"%s\"", line);
    }
}

static int start_app(int i)
{
    char agent[16], dev[16], iv[16], seed[16];
    snprintf(agent, sizeof agent, "A%d", i);
    snprintf(dev, sizeof dev, "%d", i % 8);
    snprintf(iv, sizeof iv, "%d", opt.interval_ms);
    snprintf(seed, sizeof seed, "%u", opt.seed * 7919u + (unsigned)replaced * 131u + (unsigned)i);
    char *args[] = {agent, dev, "Soak", iv, seed, NULL};
    struct app *a = &apps[i];
    memset(a, 0, sizeof *a);
    a->h = helper_spawn_io("helper_soakapp", args);
    if (!a->h || read_app(a, now_ms() + READY_MS, 1) != 0) {
        problem("app %s did not start", agent);
        return -1;
    }
    return 0;
}

/* Take the app's final counts and reap it (it is exiting). */
static int retire(struct app *a)
{
    if (read_app(a, now_ms() + STOP_MS, 0) != -2)
        problem("%s", "an app kept its stdout open");
    int rc = helper_wait(a->h, now_ms() + STOP_MS);
    done_req += a->req;
    done_ok += a->ok;
    done_fail += a->fail;
    helper_free(a->h);
    a->h = NULL;
    return rc;
}

/* An injected disconnect: SIGKILL or an abrupt exit, then a new app. */
static void inject(int i)
{
    struct app *a = &apps[i];
    if (rand() % 2) {
        helper_kill(a->h, SIGKILL);
        if (retire(a) != 128 + SIGKILL)
            problem("%s", "a SIGKILLed app did not die of it");
        killed++;
    } else {
        helper_send(a->h, "crash");
        if (retire(a) != 3)
            problem("%s", "an app told to crash did not exit 3");
        crashed++;
    }
    replaced++;
    start_app(i);
}

/* RSS samples of one process, one a second. */
#define MAX_SAMPLES 8192
#define WINDOW 5 /* samples in a median: one transient buffer is no trend */
struct rss {
    long kb[MAX_SAMPLES];
    int n, warm_at; /* index of the first sample after the warm-up, -1 before */
    long peak;
};

static void sample(struct rss *r, pid_t pid, int warm_done)
{
    long kb = srv_rss_kb(pid);
    if (kb < 0 || r->n == MAX_SAMPLES)
        return;
    if (warm_done && r->warm_at < 0)
        r->warm_at = r->n;
    if (warm_done && kb > r->peak)
        r->peak = kb;
    r->kb[r->n++] = kb;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The median of the WINDOW samples from index at (fewer at the end). */
static long median(const struct rss *r, int at)
{
    long w[WINDOW];
    int n = 0;
    for (int i = at; i < r->n && n < WINDOW; i++)
        w[n++] = r->kb[i];
    if (!n)
        return -1;
    qsort(w, (size_t)n, sizeof w[0], cmp_long);
    return w[n / 2];
}

static void report_rss(const char *who, const struct rss *r, long after)
{
    long warm = r->warm_at >= 0 ? median(r, r->warm_at) : -1;
    long last = median(r, r->n > WINDOW ? r->n - WINDOW : 0);
    double pct = warm > 0 ? 100.0 * (double)(last - warm) / (double)warm : 0;
    printf("soak: %-8s RSS after warm-up %ld kB, at the end %ld kB (%+.1f %%; medians of %d "
           "samples), peak %ld kB, idle afterwards %ld kB\n",
           who, warm, last, pct, WINDOW, r->peak, after);
    if (warm <= 0 || pct > opt.tolerance || pct < -opt.tolerance)
        problem("%s RSS is not within the tolerance", who);
}

static int usage(void)
{
    fprintf(stderr, "usage: soak [--seconds N] [--apps N] [--interval-ms N] [--kill-every-ms N] "
                    "[--warmup-seconds N] [--tolerance PERCENT] [--seed N]\n");
    return 64;
}

int main(int argc, char **argv)
{
    opt.seed = (unsigned)getpid();
    setenv("TAPIX_SRV_LOG_LEVEL", "warn", 0);
    opt.warmup_s = -1;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc)
            return usage();
        long v = strtol(argv[i + 1], NULL, 0);
        if (!strcmp(argv[i], "--seconds"))
            opt.seconds = (int)v;
        else if (!strcmp(argv[i], "--apps"))
            opt.napps = (int)v;
        else if (!strcmp(argv[i], "--interval-ms"))
            opt.interval_ms = (int)v;
        else if (!strcmp(argv[i], "--kill-every-ms"))
            opt.kill_every_ms = (int)v;
        else if (!strcmp(argv[i], "--warmup-seconds"))
            opt.warmup_s = (int)v;
        else if (!strcmp(argv[i], "--tolerance"))
            opt.tolerance = (int)v;
        else if (!strcmp(argv[i], "--seed"))
            opt.seed = (unsigned)v;
        else
            return usage();
    }
    if (opt.seconds < 1 || opt.napps < 1 || opt.napps > MAX_APPS || opt.interval_ms < 0 ||
        opt.kill_every_ms < 1)
        return usage();
    /* Warm-up ends when the processes have reached the size their load
     * keeps them at: tapisrv's heap and the libc pages it touches grow for
     * the first 20-40 s on a loaded 2-CPU machine (50 apps starting, their
     * first sessions and events), then stay flat for minutes; a 10 s
     * warm-up compared that start-up with the steady state. */
    if (opt.warmup_s < 0)
        opt.warmup_s = opt.seconds / 3 < 10 ? 10 : opt.seconds / 3 > 120 ? 120 : opt.seconds / 3;
    if (opt.warmup_s >= opt.seconds)
        opt.warmup_s = opt.seconds / 2;
    srand(opt.seed);
    printf("soak: %d s (warm-up %d s), %d apps, a cycle every %d ms, a disconnect every %d ms, "
           "seed %u\n",
           opt.seconds, opt.warmup_s, opt.napps, opt.interval_ms, opt.kill_every_ms, opt.seed);
    fflush(stdout);
    watchdog_arm((unsigned)opt.seconds + 300, "soak");

    /* ---- the servers and the directory */
    struct srv *srv = srv_start(NULL);
    if (!srv)
        return 1;
    char db[256], log[256], me[80];
    snprintf(me, sizeof me, "%s", acd_me());
    snprintf(log, sizeof log, "%s/acd.log", srv->dir);
    if (acdt_store(db, sizeof db, srv->dir, "soak") ||
        acd_admin(db, NULL, NULL, 0, "group", "add", "Soak", (char *)NULL) ||
        acd_admin(db, NULL, NULL, 0, "queue", "add", "1", "Soak Q", "--group", "Soak",
                  (char *)NULL)) {
        fprintf(stderr, "soak: cannot set up the directory\n");
        srv_free(srv);
        return 1;
    }
    for (int i = 0; i < opt.napps; i++) {
        char id[16];
        snprintf(id, sizeof id, "A%d", i);
        if (acd_admin(db, NULL, NULL, 0, "agent", "add", id, "--user", me, (char *)NULL)) {
            fprintf(stderr, "soak: cannot add agent %s\n", id);
            srv_free(srv);
            return 1;
        }
    }
    /* the harness's debug log would fill /tmp over a long run */
    static char *const quiet[] = {"--log-level", "warn", NULL};
    struct acdp *acd = acdp_start(db, log, quiet);
    if (!acd) {
        srv_free(srv);
        return 1;
    }
    int base_sockets = proc_count_sockets(srv->pid);

    /* ---- the load */
    for (int i = 0; i < opt.napps; i++)
        start_app(i);
    int64_t start = now_ms(), end = start + (int64_t)opt.seconds * 1000;
    int64_t warm_at = start + (int64_t)opt.warmup_s * 1000;
    int64_t next_kill = start + opt.kill_every_ms, next_sample = start;
    static struct rss s_rss = {.warm_at = -1}, a_rss = {.warm_at = -1};
    while (now_ms() < end && !problems) {
        struct pollfd p[MAX_APPS];
        for (int i = 0; i < opt.napps; i++)
            p[i] = (struct pollfd){.fd = apps[i].h ? apps[i].h->out : -1, .events = POLLIN};
        int64_t wake = next_kill < next_sample ? next_kill : next_sample;
        poll(p, (nfds_t)opt.napps, ms_left(wake));
        for (int i = 0; i < opt.napps; i++)
            if (p[i].revents && read_app(&apps[i], now_ms(), 0) == -2)
                problem("%s", "an app exited by itself");
        if (now_ms() >= next_sample) {
            int w = now_ms() >= warm_at;
            sample(&s_rss, srv->pid, w);
            sample(&a_rss, acd->pid, w);
            if ((next_sample - start) % 10000 == 0)
                printf("soak: %3lld s: RSS tapisrv %ld kB, acdproxy %ld kB\n",
                       (long long)(next_sample - start) / 1000, s_rss.kb[s_rss.n - 1],
                       a_rss.kb[a_rss.n - 1]);
            fflush(stdout);
            next_sample += 1000;
        }
        if (now_ms() >= next_kill) {
            inject(rand() % opt.napps);
            next_kill = now_ms() + opt.kill_every_ms;
        }
    }

    /* ---- the end: every app stops cleanly, nothing is left behind */
    for (int i = 0; i < opt.napps; i++)
        if (apps[i].h)
            helper_send(apps[i].h, "stop");
    for (int i = 0; i < opt.napps; i++)
        if (apps[i].h && retire(&apps[i]) != 0)
            problem("%s", "an app did not exit 0 after stop");
    int left = proc_wait_sockets(srv->pid, base_sockets, now_ms() + 10000);
    if (left != base_sockets)
        problem("%s", "tapisrv still holds connections of apps that are gone");
    long s_after = srv_rss_kb(srv->pid), a_after = srv_rss_kb(acd->pid);
    if (acdp_stop(acd) != 0)
        problem("%s", "acdproxy did not exit 0 on SIGTERM");
    if (srv_stop(srv) != 0)
        problem("%s", "tapisrv did not exit 0 on SIGTERM");

    double secs = (double)(now_ms() - start) / 1000.0;
    printf("soak: %.0f s, %lu requests answered (%.0f/s), %lu ok, %lu failed\n", secs, done_req,
           (double)done_req / secs, done_ok, done_fail);
    printf("soak: injected: %lu SIGKILLs, %lu abrupt exits (%lu apps replaced)\n", killed, crashed,
           replaced);
    for (int i = 0; i < ncauses; i++)
        printf("soak: failed: %lu x %s\n", causes[i].n, causes[i].what);
    report_rss("tapisrv", &s_rss, s_after);
    report_rss("acdproxy", &a_rss, a_after);
    if (done_fail || done_req != done_ok + done_fail)
        problems++;
    if (problems)
        printf("soak: FAILED\n");
    else
        printf("soak: PASSED\n");
    acdp_free(acd);
    srv_free(srv);
    return problems ? 1 : 0;
}
