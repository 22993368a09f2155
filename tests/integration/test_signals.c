/*
 * The library's own threads take no signals, so an app that blocks a
 * signal and waits for it with signalfd (or sigwait) gets it even when it
 * blocked it after lineInitializeEx had started the I/O and callback
 * threads.  Were a library thread to accept it, SIGUSR1's default action
 * would end this test process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <tapi.h>

#include "harness.h"
#include "tapitest.h"

static int group_setup(void **state)
{
    (void)state;
    return group_srv_start(NULL, "test_signals group setup");
}

static int group_teardown(void **state)
{
    (void)state;
    return group_srv_stop("test_signals group teardown");
}

static void signal_reaches_the_apps_signalfd(void **state)
{
    (void)state;
    HLINEAPP ev_app, cb_app;
    HLINE line;
    /* threads first: an event-mode app (I/O thread) and a callback-mode
       app (its callback thread), with a line open */
    assert_int_equal(app_init_event(&ev_app, NULL, NULL), 0);
    assert_int_equal(app_init_callback(&cb_app, NULL), 0);
    assert_int_equal(open_monitor(ev_app, 0, &line, 1), 0);
    /* then the app blocks the signal in its own thread and waits for it */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    assert_int_equal(pthread_sigmask(SIG_BLOCK, &set, NULL), 0);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    assert_true(sfd >= 0);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(kill(getpid(), SIGUSR1), 0); /* process-directed */
        struct pollfd p = {sfd, POLLIN, 0};
        assert_int_equal(poll(&p, 1, 5000), 1);
        struct signalfd_siginfo si;
        assert_int_equal(read(sfd, &si, sizeof si), (ssize_t)sizeof si);
        assert_int_equal(si.ssi_signo, SIGUSR1);
    }
    close(sfd);
    assert_int_equal(lineShutdown(cb_app), 0);
    assert_int_equal(lineShutdown(ev_app), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signal_reaches_the_apps_signalfd),
    };
    return cmocka_run_group_tests_name("signals", tests, group_setup, group_teardown);
}
