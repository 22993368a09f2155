/*
 * Limits and lifetimes around the proxy path: a server with a small frame
 * limit still answers a request whose buffer is larger than a frame (the
 * library caps the room it asks the handler for, DESIGN §5.7), and an app
 * may call lineShutdown from inside its own callback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <tapi.h>

#include "harness.h"
#include "proxytest.h"
#include "tapitest.h"

/* The smallest frame limit tapisrv accepts. */
static const char small_frames[] = "[server]\nmax_frame = 65536\n";

static void big_buffer_under_small_frame_limit(void **state)
{
    (void)state;
    char why[256];
    HLINE hh, line;
    HLINEAPP app;
    assert_int_equal(group_srv_start(small_frames, "limits setup"), 0);
    watchdog_arm(60, "big_buffer_under_small_frame_limit");
    struct helper *h =
        pt_spawn(0, &hh, why, sizeof why, "--dev", "0", "--print", "got", (char *)NULL);
    assert_non_null(h);
    assert_int_equal(app_init_event(&app, NULL, NULL), 0);
    assert_int_equal(lineOpenA(app, 0, &line, 0x00020002, 0, 7, LINECALLPRIVILEGE_MONITOR, 0, NULL),
                     0);
    const DWORD total = 1u << 20; /* sixteen times the frame limit */
    LINEAGENTGROUPLIST *gl = calloc(1, total);
    gl->dwTotalSize = total;
    LONG id = lineGetGroupListW(line, gl);
    assert_true(id > 0);
    /* The handler's own library accepted its answer. */
    char buf[256];
    if (pt_expect(h, "GOT", buf, sizeof buf, PT_WAIT_MS) ||
        pt_expect(h, "RESP", buf, sizeof buf, PT_WAIT_MS))
        fail_msg("handler: %s", buf);
    assert_non_null(strstr(buf, "0x00000000"));
    LINEMESSAGE m;
    assert_int_equal(pt_next_msg(app, &m, PT_WAIT_MS), 0);
    assert_int_equal(m.dwMessageID, LINE_REPLY);
    assert_int_equal(m.dwParam1, (DWORD)id);
    assert_int_equal((LONG)m.dwParam2, 0);
    assert_int_equal(gl->dwTotalSize, total);
    assert_true(gl->dwNumEntries > 0);
    assert_int_equal(gl->dwNeededSize, gl->dwUsedSize);
    free(gl);
    lineShutdown(app);
    helper_kill(h, SIGKILL);
    helper_free(h);
    alarm(0);
    assert_int_equal(group_srv_stop("limits teardown"), 0);
}

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    HLINEAPP app;
    LONG rc;
    int done;
} inside = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 1, 0};

static void CALLBACK shut_me_down(DWORD hDevice, DWORD dwMessage, DWORD_PTR dwInstance,
                                  DWORD_PTR dwParam1, DWORD_PTR dwParam2, DWORD_PTR dwParam3)
{
    (void)hDevice;
    (void)dwInstance;
    (void)dwParam1;
    (void)dwParam2;
    (void)dwParam3;
    if (dwMessage != LINE_CLOSE)
        return;
    LONG rc = lineShutdown(inside.app); /* from the library's own thread */
    pthread_mutex_lock(&inside.mu);
    inside.rc = rc;
    inside.done = 1;
    pthread_cond_signal(&inside.cond);
    pthread_mutex_unlock(&inside.mu);
}

static void shutdown_inside_callback(void **state)
{
    (void)state;
    watchdog_arm(60, "shutdown_inside_callback");
    struct srv *s = srv_start(NULL);
    assert_non_null(s);
    LINEINITIALIZEEXPARAMS p;
    memset(&p, 0, sizeof p);
    p.dwTotalSize = sizeof p;
    p.dwOptions = LINEINITIALIZEEXOPTION_USEHIDDENWINDOW;
    DWORD devs, ver = 0x00020002;
    HLINE line;
    assert_int_equal(lineInitializeExA(&inside.app, NULL, shut_me_down, "cb", &devs, &ver, &p), 0);
    assert_int_equal(
        lineOpenA(inside.app, 0, &line, 0x00020002, 0, 1, LINECALLPRIVILEGE_MONITOR, 0, NULL), 0);
    assert_int_equal(srv_stop(s), 0); /* LINE_CLOSE reaches the callback */
    pthread_mutex_lock(&inside.mu);
    while (!inside.done)
        pthread_cond_wait(&inside.cond, &inside.mu); /* the watchdog bounds this */
    pthread_mutex_unlock(&inside.mu);
    assert_int_equal(inside.rc, 0);
    /* The app is gone; the detached callback thread finishes on its own
       and must not touch freed memory (ASan would stop the run). */
    assert_int_equal(lineShutdown(inside.app), (LONG)LINEERR_INVALAPPHANDLE);
    srv_free(s);
    alarm(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(big_buffer_under_small_frame_limit),
        cmocka_unit_test(shutdown_inside_callback),
    };
    return cmocka_run_group_tests_name("proxy limits", tests, NULL, NULL);
}
