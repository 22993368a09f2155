/*
 * test_messages - lineGetMessage: errors, timeouts, the event fd while the
 * queue is empty, lineShutdown waking threads blocked in it, and threads of
 * one app sharing the reading of its connection.
 * (Messages actually arriving are covered by test_server_loss.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tapitest.h"

static int group_setup(void **state)
{
    (void)state;
    return group_srv_start(NULL, "test_messages group setup");
}

static int group_teardown(void **state)
{
    (void)state;
    return group_srv_stop("test_messages group teardown");
}

static void getmessage_errors(void **state)
{
    HLINEAPP app = 0, dead = 0;
    LINEMESSAGE m;
    (void)state;

    assert_int_equal(lineGetMessage(0, &m, 0), (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(lineGetMessage(0xDEADBEEFu, &m, 0), (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(app_init_event(&dead, NULL, NULL), 0);
    assert_int_equal(lineShutdown(dead), 0);
    assert_int_equal(lineGetMessage(dead, &m, 0), (LONG)LINEERR_INVALAPPHANDLE);
    /* a shut-down app is refused at once even with a long timeout */
    int64_t t0 = now_ms();
    assert_int_equal(lineGetMessage(dead, &m, 5000), (LONG)LINEERR_INVALAPPHANDLE);
    assert_true(now_ms() - t0 < 2000);

    assert_int_equal(app_init_event(&app, NULL, NULL), 0);
    assert_int_equal(lineGetMessage(app, NULL, 0), (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(lineGetMessage(app, NULL, 100), (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(lineShutdown(app), 0);
}

static void getmessage_timeouts(void **state)
{
    HLINEAPP app = 0;
    HLINE line = 0;
    LINEMESSAGE m;
    int64_t t0, el;
    (void)state;

    assert_int_equal(app_init_event(&app, NULL, NULL), 0);

    t0 = now_ms();
    assert_int_equal(lineGetMessage(app, &m, 0), (LONG)LINEERR_OPERATIONFAILED);
    el = now_ms() - t0;
    if (el >= 500)
        fail_msg("timeout 0 took %lld ms", (long long)el);

    t0 = now_ms();
    assert_int_equal(lineGetMessage(app, &m, 200), (LONG)LINEERR_OPERATIONFAILED);
    el = now_ms() - t0;
    if (el < 195 || el >= 2000)
        fail_msg("timeout 200 returned after %lld ms", (long long)el);

    /* an open line with nothing happening on it queues nothing either */
    assert_int_equal(open_monitor(app, 0, &line, 1), 0);
    t0 = now_ms();
    assert_int_equal(lineGetMessage(app, &m, 200), (LONG)LINEERR_OPERATIONFAILED);
    el = now_ms() - t0;
    if (el < 195 || el >= 2000)
        fail_msg("timeout 200 returned after %lld ms", (long long)el);
    assert_int_equal(lineClose(line), 0);
    assert_int_equal(lineShutdown(app), 0);
}

/* The event fd is readable exactly while messages are queued: nothing is
 * queued, so it must not be readable, and lineGetMessage agrees. */
static void event_fd_idle(void **state)
{
    HLINEAPP app = 0;
    HLINE line = 0;
    LINEMESSAGE m;
    int fd = -1;
    (void)state;

    assert_int_equal(app_init_event(&app, NULL, &fd), 0);
    assert_true(fd >= 0);
    assert_int_equal(poll_fd(fd, POLLIN, 0) & POLLIN, 0);
    assert_int_equal(open_monitor(app, 0, &line, 1), 0);
    /* consistent: readable <=> a message can be fetched without waiting */
    int readable = (poll_fd(fd, POLLIN, 0) & POLLIN) != 0;
    LONG rc = lineGetMessage(app, &m, 0);
    assert_int_equal(readable, rc == 0);
    assert_int_equal(poll_fd(fd, POLLIN, 0) & POLLIN, 0);
    /* a poll with a timeout on an idle fd times out */
    assert_int_equal(poll_fd(fd, POLLIN, now_ms() + 100), 0);
    assert_int_equal(lineClose(line), 0);
    assert_int_equal(lineShutdown(app), 0);
}

/* ---------------------------------------------------------------- shutdown wakes waiters */

static void shutdown_wakes(DWORD timeout, int nthreads)
{
    HLINEAPP app = 0;
    HLINE line = 0;
    /* static: a thread left blocked by a failing test must not write into a
     * dead stack frame */
    static struct getmsg_waiter w[2];
    static pthread_t t[2];
    int64_t t0;

    assert_int_equal(app_init_event(&app, NULL, NULL), 0);
    assert_int_equal(open_monitor(app, 0, &line, 1), 0);
    for (int i = 0; i < nthreads; i++) {
        getmsg_waiter_init(&w[i], app, timeout);
        assert_int_equal(pthread_create(&t[i], NULL, getmsg_waiter_thread, &w[i]), 0);
    }
    for (int i = 0; i < nthreads; i++)
        assert_int_equal(getmsg_waiter_wait_blocked(&w[i], now_ms() + 2000), 0);
    for (int i = 0; i < nthreads; i++)
        assert_false(getmsg_waiter_wait_done(&w[i], 0)); /* still blocked */

    t0 = now_ms();
    assert_int_equal(lineShutdown(app), 0);
    for (int i = 0; i < nthreads; i++) {
        if (!getmsg_waiter_wait_done(&w[i], t0 + 2000))
            fail_msg("lineGetMessage(timeout %u) in thread %d still blocked 2 s after "
                     "lineShutdown",
                     (unsigned)timeout, i);
        assert_int_equal(w[i].rc, (LONG)LINEERR_INVALAPPHANDLE);
        assert_int_equal(pthread_join(t[i], NULL), 0);
        getmsg_waiter_destroy(&w[i]);
    }
    assert_true(now_ms() - t0 < 2000);
}

static void shutdown_wakes_infinite_wait(void **state)
{
    (void)state;
    shutdown_wakes(INFINITE, 1);
}

static void shutdown_wakes_two_waiters(void **state)
{
    (void)state;
    shutdown_wakes(INFINITE, 2);
}

static void shutdown_wakes_timed_wait(void **state)
{
    (void)state;
    shutdown_wakes(20000, 1);
}

/* Threads of one app take turns reading its connection (a thread that
   waits reads for itself when nobody else is; the I/O thread otherwise):
   one thread waits in lineGetMessage with short timeouts, so it is often
   the reader when the answers of the others' synchronous calls arrive, and
   every one of those calls must still get its own answer. */
struct share {
    HLINEAPP app;
    bool stop; /* under mu */
    int calls, failures, timeouts;
    LONG last_rc;
    pthread_mutex_t mu;
};

static void *share_waiter(void *arg)
{
    struct share *sh = arg;
    LINEMESSAGE m;
    for (;;) {
        pthread_mutex_lock(&sh->mu);
        bool stop = sh->stop;
        pthread_mutex_unlock(&sh->mu);
        if (stop)
            break;
        LONG rc = lineGetMessage(sh->app, &m, 20);
        pthread_mutex_lock(&sh->mu);
        if (rc == (LONG)LINEERR_OPERATIONFAILED)
            sh->timeouts++; /* nothing is sent to this app unasked */
        else {
            sh->failures++;
            sh->last_rc = rc;
        }
        pthread_mutex_unlock(&sh->mu);
    }
    return NULL;
}

static void *share_caller(void *arg)
{
    struct share *sh = arg;
    for (int i = 0; i < 2000; i++) {
        DWORD ver = 0;
        LINEEXTENSIONID ext;
        LONG rc = lineNegotiateAPIVersion(sh->app, 0, 0x00010004, 0x00020002, &ver, &ext);
        pthread_mutex_lock(&sh->mu);
        sh->calls++;
        if (rc || ver != 0x00020002) {
            sh->failures++;
            sh->last_rc = rc;
        }
        pthread_mutex_unlock(&sh->mu);
    }
    return NULL;
}

static void threads_share_the_reading(void **state)
{
    (void)state;
    struct share sh = {0};
    pthread_mutex_init(&sh.mu, NULL);
    assert_int_equal(app_init_event(&sh.app, NULL, NULL), 0);
    pthread_t w, c[3];
    assert_int_equal(pthread_create(&w, NULL, share_waiter, &sh), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&c[i], NULL, share_caller, &sh), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(c[i], NULL);
    pthread_mutex_lock(&sh.mu);
    sh.stop = true;
    pthread_mutex_unlock(&sh.mu);
    pthread_join(w, NULL);
    print_message("[   INFO   ] %d calls, %d waits timed out\n", sh.calls, sh.timeouts);
    if (sh.failures)
        fail_msg("%d failures, last rc 0x%08x", sh.failures, (unsigned)sh.last_rc);
    assert_int_equal(sh.calls, 6000);
    assert_true(sh.timeouts > 0);
    assert_int_equal(lineShutdown(sh.app), 0);
    pthread_mutex_destroy(&sh.mu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(getmessage_errors, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(getmessage_timeouts, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(event_fd_idle, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(shutdown_wakes_infinite_wait, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(shutdown_wakes_two_waiters, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(shutdown_wakes_timed_wait, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(threads_share_the_reading, wd_setup, wd_teardown),
    };
    return cmocka_run_group_tests_name("messages", tests, group_setup, group_teardown);
}
