/*
 * test_processes - several client processes (build/tests/helper_client) on
 * one tapisrv: handles unique across processes, clients killed without
 * notice, LINE_CLOSE delivered to other processes on SIGTERM, and a churn
 * of 1000 short-lived clients that must not grow the server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tapitest.h"

#define LINE_MS 15000 /* deadline for a helper's READY line (exec + init) */

static struct srv *g_srv;

static int srv_setup(void **state)
{
    (void)state;
    watchdog_arm(60, "a multi-process test");
    g_srv = srv_start(NULL);
    return g_srv ? 0 : -1;
}

static int srv_teardown(void **state)
{
    int rc = 0;
    (void)state;
    if (g_srv && g_srv->pid) {
        int st = srv_stop(g_srv);
        if (st != 0) {
            fprintf(stderr, "tapisrv exited with %d after SIGTERM (want 0)\n", st);
            rc = -1;
        }
    }
    srv_free(g_srv);
    g_srv = NULL;
    alarm(0);
    return rc;
}

/* Parse "WORD h1 h2 ... hn" (exactly n nonzero numbers after WORD). */
static int parse_handles(const char *line, const char *word, DWORD *h, int n)
{
    size_t wl = strlen(word);
    const char *p = line + wl;
    char *end;

    if (strncmp(line, word, wl) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (*p != ' ')
            return -1;
        unsigned long v = strtoul(p + 1, &end, 10);
        if (end == p + 1 || v == 0 || v > 0xFFFFFFFFul)
            return -1;
        h[i] = (DWORD)v;
        p = end;
    }
    return *p == 0 ? 0 : -1;
}

/* Spawn a helper that opens n lines on dev and read its READY line. */
static struct helper *spawn_client(int n, int dev, DWORD *handles)
{
    char ns[16], ds[16], line[512];
    struct helper *h;
    int len;

    snprintf(ns, sizeof ns, "%d", n);
    snprintf(ds, sizeof ds, "%d", dev);
    h = helper_spawn("helper_client", "open", ns, ds, (char *)NULL);
    assert_non_null(h);
    len = helper_wait_line(h, line, sizeof line, now_ms() + LINE_MS);
    if (len < 0) {
        helper_free(h);
        fail_msg("helper_client open %d %d: no READY line (%d)", n, dev, len);
    }
    if (parse_handles(line, "READY", handles, n) != 0) {
        helper_free(h);
        fail_msg("helper_client: unexpected line \"%s\"", line);
    }
    return h;
}

static void assert_all_distinct(const DWORD *h, int n)
{
    for (int i = 0; i < n; i++) {
        assert_int_not_equal(h[i], 0);
        for (int j = 0; j < i; j++)
            if (h[i] == h[j])
                fail_msg("line handle %u given twice (#%d and #%d)", (unsigned)h[i], j, i);
    }
}

/* A fresh client in this process can still do the whole cycle. */
static void assert_server_answers(void)
{
    HLINEAPP app = 0;
    HLINE line = 0;
    DWORD n = 0;
    LINEDEVCAPS *c = NULL;

    assert_int_equal(app_init_event(&app, &n, NULL), 0);
    assert_int_equal(n, DEFAULT_NUM_LINES);
    assert_int_equal(devcaps_full(app, 0, API_HI, 0, &c), 0);
    free(c);
    assert_int_equal(open_monitor(app, 0, &line, 1), 0);
    assert_int_equal(lineClose(line), 0);
    assert_int_equal(lineShutdown(app), 0);
}

/* 4 processes x 2 lines + 2 of our own: 10 distinct handles.  Killing the
 * processes leaves our lines and the server working. */
static void four_clients_distinct_handles(void **state)
{
    struct helper *h[4];
    DWORD all[10];
    HLINEAPP app = 0;
    (void)state;

    for (int i = 0; i < 4; i++)
        h[i] = spawn_client(2, i % 2, &all[2 * i]);
    assert_int_equal(app_init_event(&app, NULL, NULL), 0);
    assert_int_equal(open_monitor(app, 0, &all[8], 1), 0);
    assert_int_equal(open_monitor(app, 1, &all[9], 2), 0);
    assert_all_distinct(all, 10);

    for (int i = 0; i < 4; i++)
        assert_int_equal(helper_kill(h[i], SIGKILL), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(helper_wait(h[i], now_ms() + 10000), 128 + SIGKILL);
        helper_free(h[i]);
    }
    assert_int_equal(lineClose(all[8]), 0);
    assert_int_equal(lineClose(all[9]), 0);
    assert_int_equal(lineShutdown(app), 0);
    assert_server_answers();
}

/* On SIGTERM the server closes every line of every process: each helper
 * gets one LINE_CLOSE per line (with its dwCallbackInstance, checked by
 * the helper), reports them and exits 0. */
static void sigterm_closes_lines_in_all_processes(void **state)
{
    struct helper *h[3];
    DWORD opened[3][2], closed[2];
    char line[512];
    (void)state;

    for (int i = 0; i < 3; i++)
        h[i] = spawn_client(2, i, opened[i]);
    assert_int_equal(srv_stop(g_srv), 0);
    for (int i = 0; i < 3; i++) {
        int len = helper_wait_line(h[i], line, sizeof line, now_ms() + 5000);
        if (len < 0)
            fail_msg("helper %d: no CLOSED line within 5 s (%d)", i, len);
        if (parse_handles(line, "CLOSED", closed, 2) != 0)
            fail_msg("helper %d: \"%s\"", i, line);
        assert_true((closed[0] == opened[i][0] && closed[1] == opened[i][1]) ||
                    (closed[0] == opened[i][1] && closed[1] == opened[i][0]));
        assert_int_equal(helper_wait(h[i], now_ms() + 5000), 0);
        helper_free(h[i]);
    }
}

/* ---------------------------------------------------------------- churn */

#define CHURN_PAR 8
#define CHURN_LINES 3

/* Run `cycles` helper lifetimes, at most CHURN_PAR at a time: spawn, read
 * READY (3 handles), SIGKILL, reap. */
static void churn(int cycles)
{
    int done = 0;
    char nlines[8], err[512] = "";

    snprintf(nlines, sizeof nlines, "%d", CHURN_LINES);
    while (done < cycles && !err[0]) {
        struct helper *h[CHURN_PAR] = {NULL};
        int batch = cycles - done < CHURN_PAR ? cycles - done : CHURN_PAR;
        char line[256];
        DWORD hd[CHURN_LINES];

        for (int i = 0; i < batch && !err[0]; i++) {
            h[i] = helper_spawn("helper_client", "open", nlines, (char *)NULL);
            if (!h[i])
                snprintf(err, sizeof err, "cycle %d: cannot spawn helper_client", done + i);
        }
        for (int i = 0; i < batch && !err[0]; i++) {
            int len = helper_wait_line(h[i], line, sizeof line, now_ms() + LINE_MS);
            if (len < 0)
                snprintf(err, sizeof err, "cycle %d: no READY from helper_client (%d)", done + i,
                         len);
            else if (parse_handles(line, "READY", hd, CHURN_LINES) != 0)
                snprintf(err, sizeof err, "cycle %d: helper_client said \"%.200s\"", done + i,
                         line);
        }
        for (int i = 0; i < batch; i++)
            helper_kill(h[i], SIGKILL);
        for (int i = 0; i < batch; i++) {
            if (!h[i])
                continue;
            int st = helper_wait(h[i], now_ms() + 10000);
            if (st != 128 + SIGKILL && !err[0])
                snprintf(err, sizeof err, "cycle %d: helper ended with %d, want SIGKILL", done + i,
                         st);
            helper_free(h[i]);
        }
        done += batch;
    }
    if (err[0])
        fail_msg("%s", err);
}

static int churn_setup(void **state)
{
    (void)state;
    watchdog_arm(600, "the churn test");
    g_srv = srv_start_rss(NULL);
    return g_srv ? 0 : -1;
}

static void churn_1000_killed_clients(void **state)
{
    const int warmup = 50, cycles = 1000;
    long base, after;
    int64_t t0, el;
    (void)state;

    churn(warmup);
    assert_server_answers();
    base = srv_rss_kb(g_srv->pid);
    assert_true(base > 0);

    t0 = now_ms();
    churn(cycles);
    el = now_ms() - t0;

    assert_int_equal(kill(g_srv->pid, 0), 0); /* still running */
    assert_server_answers();
    assert_server_answers();
    after = srv_rss_kb(g_srv->pid);
    assert_true(after > 0);
    printf("churn: %d cycles (%d lines each, %d at a time) in %lld ms; tapisrv VmRSS "
           "baseline %ld kB (after %d warm-up cycles), after %ld kB, delta %+ld kB "
           "(limit +4096 kB)\n",
           cycles, CHURN_LINES, CHURN_PAR, (long long)el, base, warmup, after, after - base);
    fflush(stdout);
    if (after > base + 4096 && !under_valgrind())
        fail_msg("tapisrv VmRSS grew from %ld kB to %ld kB over %d killed clients", base, after,
                 cycles);
}

#define T(f) cmocka_unit_test_setup_teardown(f, srv_setup, srv_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(four_clients_distinct_handles),
        T(sigterm_closes_lines_in_all_processes),
        cmocka_unit_test_setup_teardown(churn_1000_killed_clients, churn_setup, srv_teardown),
    };
    return cmocka_run_group_tests_name("processes", tests, NULL, NULL);
}
