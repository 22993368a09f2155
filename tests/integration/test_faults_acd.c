/*
 * test_faults_acd - acdproxy or tapisrv SIGKILLed with 1000 requests
 * outstanding from 10 app processes (faultworld.h):
 *
 * - acdproxy killed while stopped (the 1000 requests wait in tapisrv and
 *   in its socket) or while running and busy: every request completes
 *   within 2 s of the kill (on the wall clock), with
 *   LINEERR_OPERATIONFAILED or, when answered before it, success; after a
 *   restart on the same store every session acknowledged is there as it
 *   was, and nothing half-written.
 * - tapisrv killed under the same load: every app gets one LINE_CLOSE per
 *   line it had open and a LINE_REPLY for every request; after tapisrv is
 *   started again on the same socket the apps initialize again, and
 *   acdproxy, which was never told, registers again by itself: a new
 *   request to it succeeds.
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
#include <time.h>
#include <unistd.h>

#include "acdharness.h"
#include "faultworld.h"
#include "harness.h"

#define PER_APP 100      /* 10 apps: 1000 requests outstanding */
#define WARMUP 20        /* answered before anything is killed */
#define BOUND_MS 2000    /* the bound from the kill to the last reply */
#define COLLECT_MS 10000 /* how long the apps wait for replies at most */
#define RECOVER_MS 20000 /* acdproxy's backoff is at most 5 s */

/* Wait until /proc says pid is stopped (state T), so that nothing sent from
   now on is read before the kill. */
static int wait_stopped(pid_t pid, int64_t deadline)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    do {
        FILE *f = fopen(path, "r");
        if (!f)
            return -1;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        const char *p = strrchr(buf, ')');
        if (p && p[1] == ' ' && p[2] == 'T')
            return 0;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 2 * 1000000L};
        nanosleep(&ts, NULL);
    } while (ms_left(deadline));
    return -1;
}

static void up(struct fworld *w)
{
    if (fw_up(w, NULL))
        fail_msg("the world did not come up (see above)");
    assert_int_equal(fw_fire(w, WARMUP), 0);
    assert_int_equal(fw_collect(w, COLLECT_MS), 0);
    for (int i = 0; i < FW_APPS; i++) {
        assert_int_equal(w->app[i].ok, WARMUP);
        assert_int_equal(w->app[i].missing, 0);
    }
}

/* Every app's last collect: n replies, none missing, only success or
   LINEERR_OPERATIONFAILED; the last one within BOUND_MS of t0.  Returns
   the number that failed. */
static int check_replies(const struct fworld *w, int n, int64_t t0, int want_closed, int bound_ms,
                         const char *what)
{
    int failed = 0, ok = 0;
    int64_t last = t0;
    for (int i = 0; i < FW_APPS; i++) {
        const struct fw_app *a = &w->app[i];
        if (a->replies != n || a->missing || a->other || a->ok + a->failed != n)
            fail_msg("app %d: %d replies (%d ok, %d failed, %d other), %d missing; want %d", i,
                     a->replies, a->ok, a->failed, a->other, a->missing, n);
        if (want_closed >= 0 && a->closed != want_closed)
            fail_msg("app %d: %d LINE_CLOSE, want %d", i, a->closed, want_closed);
        if (a->last_ms > last)
            last = a->last_ms;
        failed += a->failed;
        ok += a->ok;
    }
    print_message("        %s: %d requests answered before, %d failed; last reply %lld ms after "
                  "the kill (bound %d ms)\n",
                  what, ok, failed, (long long)(last - t0), bound_ms);
    if (last - t0 >= bound_ms)
        fail_msg("the last reply came %lld ms after the kill", (long long)(last - t0));
    return failed;
}

static void acdproxy_killed(int stopped)
{
    struct fworld w;
    up(&w);
    if (stopped) {
        assert_int_equal(kill(w.acd->pid, SIGSTOP), 0);
        assert_int_equal(wait_stopped(w.acd->pid, now_ms() + 5000), 0);
    }
    /* 1000 requests, every one of them past tapisrv's socket */
    assert_int_equal(fw_fire(&w, PER_APP), 0);
    assert_int_equal(fw_collect_send(&w, COLLECT_MS, 0), 0);
    int64_t t0 = now_ms();
    assert_int_equal(acdp_kill(w.acd), 0);
    assert_int_equal(fw_collect_read(&w, COLLECT_MS), 0);
    int failed = check_replies(&w, PER_APP, t0, 0, BOUND_MS,
                               stopped ? "acdproxy SIGKILLed while stopped"
                                       : "acdproxy SIGKILLed while busy");
    if (stopped)
        assert_int_equal(failed, FW_APPS * PER_APP);

    assert_int_equal(acdp_restart(w.acd), 0);
    assert_int_equal(fw_check_store(&w), 0);
    /* and it serves the apps again */
    assert_int_equal(fw_all_ok(&w, "probe 10000", "PROBE", 15000), 0);
    assert_int_equal(acdp_stop(w.acd), 0);
    fw_down(&w);
}

static void acdproxy_killed_while_stopped(void **state)
{
    (void)state;
    acdproxy_killed(1);
}

static void acdproxy_killed_while_busy(void **state)
{
    (void)state;
    acdproxy_killed(0);
}

static void tapisrv_killed_under_load(void **state)
{
    (void)state;
    struct fworld w;
    up(&w);
    /* acdproxy holds the requests unanswered: they are in flight when
       tapisrv dies */
    assert_int_equal(kill(w.acd->pid, SIGSTOP), 0);
    assert_int_equal(wait_stopped(w.acd->pid, now_ms() + 5000), 0);
    assert_int_equal(fw_fire(&w, PER_APP), 0);
    assert_int_equal(fw_collect_send(&w, COLLECT_MS, FW_APP_LINES), 0);
    int64_t t0 = now_ms();
    assert_int_equal(kill(w.srv, SIGKILL), 0);
    int st;
    assert_int_equal(wait_child(w.srv, &st, now_ms() + 10000), 0);
    w.srv = 0;
    assert_int_equal(fw_collect_read(&w, COLLECT_MS), 0);
    int failed =
        check_replies(&w, PER_APP, t0, FW_APP_LINES, BOUND_MS, "tapisrv SIGKILLed under load");
    assert_int_equal(failed, FW_APPS * PER_APP);
    assert_int_equal(kill(w.acd->pid, SIGCONT), 0);

    w.srv = tapisrv_start_at(w.sock, w.conf);
    assert_true(w.srv > 0);
    int64_t t1 = now_ms();
    assert_int_equal(fw_all_ok(&w, "reinit", "REINIT", 10000), 0);
    /* acdproxy finds the new tapisrv and registers again by itself */
    assert_int_equal(fw_all_ok(&w, "probe " /* ms */ "20000", "PROBE", RECOVER_MS + 5000), 0);
    print_message("        apps and acdproxy back %lld ms after tapisrv restarted\n",
                  (long long)(now_ms() - t1));
    assert_int_equal(fw_check_store(&w), 0);
    assert_int_equal(acdp_stop(w.acd), 0);
    fw_down(&w);
}

static int setup(void **state)
{
    (void)state;
    watchdog_arm(120, "a test_faults_acd test");
    return 0;
}

int main(void)
{
    /* tapisrv and acdproxy warn about every request they fail on purpose */
    if (!getenv("TAPIX_SRV_LOG_LEVEL") || !strcmp(getenv("TAPIX_SRV_LOG_LEVEL"), "warn"))
        setenv("TAPIX_SRV_LOG_LEVEL", "error", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(acdproxy_killed_while_stopped, setup, wd_teardown),
        cmocka_unit_test_setup_teardown(acdproxy_killed_while_busy, setup, wd_teardown),
        cmocka_unit_test_setup_teardown(tapisrv_killed_under_load, setup, wd_teardown),
    };
    return cmocka_run_group_tests_name("faults_acd", tests, NULL, NULL);
}
