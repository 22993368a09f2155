/*
 * test_server_loss - what an app sees when tapisrv goes away, by SIGKILL
 * (the library notices the dead connection) or SIGTERM (the server closes
 * the lines itself and exits 0): exactly one LINE_CLOSE per open line with
 * that line's handle and dwCallbackInstance, the event fd readable, later
 * calls failing promptly with LINEERR_OPERATIONFAILED, handles invalid,
 * lineShutdown still 0.  Every test starts its own server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tapitest.h"

#define PROMPT_MS 2000 /* generous deadline for "fails at once" */
#define ARRIVE_MS 5000 /* deadline for messages to arrive */

static struct srv *g_srv, *g_srv2;
static pthread_t g_main_thread;

static int srv_setup(void **state)
{
    watchdog_arm(60, "a server-loss test");
    (void)state;
    g_srv2 = NULL;
    g_srv = srv_start(NULL);
    return g_srv ? 0 : -1;
}

/* The test reaped the server it stopped or killed (and asserted on the
 * result); a server still running must stop cleanly. */
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
    if (g_srv2 && g_srv2->pid && srv_stop(g_srv2) != 0)
        rc = -1;
    srv_free(g_srv);
    srv_free(g_srv2);
    g_srv = g_srv2 = NULL;
    alarm(0);
    return rc;
}

enum how { BY_KILL, BY_TERM };

static void take_server_down(enum how how)
{
    if (how == BY_KILL)
        assert_int_equal(srv_kill(g_srv), 0);
    else
        assert_int_equal(srv_stop(g_srv), 0); /* tapisrv exits 0 on SIGTERM */
}

static DWORD_PTR instance_for(int i)
{
    /* pointer-wide values: the high bits must survive too */
    return (DWORD_PTR)(UINTPTR_MAX - 0x1000u * (uintptr_t)(i + 1));
}

/* Calls that need the server fail promptly with LINEERR_OPERATIONFAILED. */
static void assert_calls_fail_promptly(HLINEAPP app)
{
    LINEDEVCAPS *dc = vs_alloc(4096);
    LINEADDRESSCAPS *ac = vs_alloc(4096);
    LINEEXTENSIONID ext;
    HLINE line = 0;
    DWORD ver = 0;
    int64_t t0 = now_ms();

    assert_non_null(dc);
    assert_non_null(ac);
    assert_int_equal(lineOpenA(app, 0, &line, API_HI, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, NULL),
                     (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(lineOpenW(app, 1, &line, API_HI, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, NULL),
                     (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(lineGetDevCapsA(app, 0, API_HI, 0, dc), (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(lineGetDevCapsW(app, 0, API_HI, 0, dc), (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(lineGetAddressCapsA(app, 0, 0, API_HI, 0, ac), (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(lineNegotiateAPIVersion(app, 0, API_LO, API_HI, &ver, &ext),
                     (LONG)LINEERR_OPERATIONFAILED);
    int64_t el = now_ms() - t0;
    if (el >= PROMPT_MS)
        fail_msg("calls after server loss took %lld ms", (long long)el);
    assert_true(vs_guard_ok(dc, 4096));
    assert_true(vs_guard_ok(ac, 4096));
    free(dc);
    free(ac);
}

/* Fetch one message.  If the fd says readable, it must be there at once. */
static void get_msg_checked(HLINEAPP app, int fd, LINEMESSAGE *m)
{
    if (poll_fd(fd, POLLIN, 0) & POLLIN) {
        assert_int_equal(lineGetMessage(app, m, 0), 0);
    } else {
        LONG rc = lineGetMessage(app, m, ARRIVE_MS);
        if (rc != 0)
            fail_msg("no message within %d ms (rc 0x%08x)", ARRIVE_MS, (unsigned)rc);
    }
}

/* Match n LINE_CLOSE messages against the lines/instances, each once. */
static void match_close(const DWORD *hdev, const DWORD *msgid, const DWORD_PTR *inst, int n,
                        const HLINE *lines, const DWORD_PTR *insts, int nlines)
{
    int seen[16] = {0};
    for (int k = 0; k < n; k++) {
        int i;
        if (msgid[k] != LINE_CLOSE)
            fail_msg("message %d: id %u, want LINE_CLOSE (3)", k, (unsigned)msgid[k]);
        for (i = 0; i < nlines; i++)
            if (lines[i] == hdev[k])
                break;
        if (i == nlines)
            fail_msg("LINE_CLOSE for unknown hDevice %u", (unsigned)hdev[k]);
        if (seen[i]++)
            fail_msg("second LINE_CLOSE for line %u", (unsigned)hdev[k]);
        if (inst[k] != insts[i])
            fail_msg("LINE_CLOSE for line %u: dwCallbackInstance %#lx, want %#lx",
                     (unsigned)hdev[k], (unsigned long)inst[k], (unsigned long)insts[i]);
    }
}

/* ---------------------------------------------------------------- event mode */

static void event_mode_loss(enum how how)
{
    static const DWORD devs[3] = {0, 0, 5};
    HLINEAPP app = 0;
    HLINE lines[3];
    DWORD_PTR insts[3];
    DWORD hdev[3], ids[3];
    DWORD_PTR inst[3];
    LINEMESSAGE m;
    int fd = -1;

    assert_int_equal(app_init_event(&app, NULL, &fd), 0);
    for (int i = 0; i < 3; i++) {
        insts[i] = instance_for(i);
        lines[i] = 0;
        assert_int_equal(open_monitor(app, devs[i], &lines[i], insts[i]), 0);
    }
    assert_int_equal(poll_fd(fd, POLLIN, 0) & POLLIN, 0);

    take_server_down(how);

    if (!(poll_fd(fd, POLLIN, now_ms() + ARRIVE_MS) & POLLIN))
        fail_msg("event fd not readable %d ms after the server went away", ARRIVE_MS);
    for (int k = 0; k < 3; k++) {
        get_msg_checked(app, fd, &m);
        hdev[k] = m.hDevice;
        ids[k] = m.dwMessageID;
        inst[k] = m.dwCallbackInstance;
    }
    match_close(hdev, ids, inst, 3, lines, insts, 3);

    /* nothing more: no duplicate LINE_CLOSE; the fd is quiet */
    LONG rc = lineGetMessage(app, &m, 300);
    if (rc == 0)
        fail_msg("unexpected 4th message: id %u hDevice %u", (unsigned)m.dwMessageID,
                 (unsigned)m.hDevice);
    assert_int_equal(rc, (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(poll_fd(fd, POLLIN, 0) & POLLIN, 0);

    assert_calls_fail_promptly(app);
    for (int i = 0; i < 3; i++)
        assert_int_equal(lineClose(lines[i]), (LONG)LINEERR_INVALLINEHANDLE);
    assert_int_equal(lineShutdown(app), 0);
    assert_int_equal(lineShutdown(app), (LONG)LINEERR_INVALAPPHANDLE);
}

static void sigkill_event_mode(void **state)
{
    (void)state;
    event_mode_loss(BY_KILL);
}

static void sigterm_event_mode(void **state)
{
    (void)state;
    event_mode_loss(BY_TERM);
}

/* ---------------------------------------------------------------- callback mode */

static void callback_mode_loss(enum how how, int use_ex)
{
    const DWORD ver = use_ex ? API_HI : API_LO;
    HLINEAPP app = 0;
    HLINE lines[3];
    DWORD_PTR insts[3];
    DWORD hdev[3], ids[3];
    DWORD_PTR inst[3];
    DWORD n = 0;
    int got;

    cbrec_reset();
    if (use_ex)
        assert_int_equal(app_init_callback(&app, &n), 0);
    else
        assert_int_equal(lineInitialize(&app, NULL, cbrec_callback, "it-cb", &n), 0);
    for (int i = 0; i < 3; i++) {
        insts[i] = instance_for(i);
        lines[i] = 0;
        assert_int_equal(lineOpenA(app, (DWORD)i, &lines[i], ver, 0, insts[i],
                                   LINECALLPRIVILEGE_MONITOR, 0, NULL),
                         0);
    }
    assert_int_equal(cbrec_count(), 0);

    take_server_down(how);

    got = cbrec_wait(3, now_ms() + ARRIVE_MS);
    if (got < 3)
        fail_msg("%d callbacks %d ms after the server went away, want 3", got, ARRIVE_MS);
    /* no 4th one */
    got = cbrec_wait(4, now_ms() + 300);
    if (got != 3)
        fail_msg("%d callbacks, want exactly 3 LINE_CLOSE", got);
    for (int k = 0; k < 3; k++) {
        struct cbmsg c;
        assert_int_equal(cbrec_get(k, &c), 0);
        hdev[k] = c.hDevice;
        ids[k] = c.dwMessage;
        inst[k] = c.dwInstance;
        if (pthread_equal(c.thread, g_main_thread))
            fail_msg("callback %d ran on the application's main thread", k);
    }
    match_close(hdev, ids, inst, 3, lines, insts, 3);
    assert_int_equal(cbrec_max_concurrent(), 1);

    assert_calls_fail_promptly(app);
    for (int i = 0; i < 3; i++)
        assert_int_equal(lineClose(lines[i]), (LONG)LINEERR_INVALLINEHANDLE);
    assert_int_equal(lineShutdown(app), 0);
    assert_int_equal(cbrec_count(), 3);
}

static void sigkill_callback_mode(void **state)
{
    (void)state;
    callback_mode_loss(BY_KILL, 0);
}

static void sigterm_callback_mode(void **state)
{
    (void)state;
    callback_mode_loss(BY_TERM, 1);
}

static void sigkill_hiddenwindow_mode(void **state)
{
    (void)state;
    callback_mode_loss(BY_KILL, 1);
}

static void sigterm_lineinitialize_mode(void **state)
{
    (void)state;
    callback_mode_loss(BY_TERM, 0);
}

/* ---------------------------------------------------------------- other cases */

/* USEEVENT ignores lpfnCallback: with one given, the LINE_CLOSE still goes
 * to the queue and the callback is never called. */
static void event_mode_ignores_callback(void **state)
{
    LINEINITIALIZEEXPARAMS p;
    HLINEAPP app = 0;
    HLINE line = 0;
    DWORD n = 0, ver = API_HI;
    LINEMESSAGE m;
    int fd;
    (void)state;

    cbrec_reset();
    memset(&p, 0, sizeof p);
    p.dwTotalSize = sizeof p;
    p.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
    assert_int_equal(lineInitializeExA(&app, NULL, cbrec_callback, "it", &n, &ver, &p), 0);
    fd = (int)(intptr_t)p.Handles.hEvent;
    assert_int_equal(open_monitor(app, 1, &line, 11), 0);
    assert_int_equal(srv_kill(g_srv), 0);
    get_msg_checked(app, fd, &m);
    assert_int_equal(m.dwMessageID, LINE_CLOSE);
    assert_int_equal(m.hDevice, line);
    assert_int_equal(m.dwCallbackInstance, 11);
    assert_int_equal(lineGetMessage(app, &m, 300), (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(cbrec_count(), 0);
    assert_int_equal(lineShutdown(app), 0);
    assert_int_equal(cbrec_count(), 0);
}

/* A thread blocked in lineGetMessage(INFINITE) wakes with the LINE_CLOSE. */
static void blocked_getmessage_wakes(void **state)
{
    static struct getmsg_waiter w;
    HLINEAPP app = 0;
    HLINE line = 0;
    pthread_t t;
    LINEMESSAGE m;
    (void)state;

    assert_int_equal(app_init_event(&app, NULL, NULL), 0);
    assert_int_equal(open_monitor(app, 2, &line, 77), 0);
    getmsg_waiter_init(&w, app, INFINITE);
    assert_int_equal(pthread_create(&t, NULL, getmsg_waiter_thread, &w), 0);
    assert_int_equal(getmsg_waiter_wait_blocked(&w, now_ms() + 2000), 0);
    assert_false(getmsg_waiter_wait_done(&w, 0));

    assert_int_equal(srv_kill(g_srv), 0);
    if (!getmsg_waiter_wait_done(&w, now_ms() + ARRIVE_MS))
        fail_msg("lineGetMessage(INFINITE) still blocked %d ms after SIGKILL", ARRIVE_MS);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(w.rc, 0);
    assert_int_equal(w.msg.dwMessageID, LINE_CLOSE);
    assert_int_equal(w.msg.hDevice, line);
    assert_int_equal(w.msg.dwCallbackInstance, 77);
    getmsg_waiter_destroy(&w);

    assert_int_equal(lineGetMessage(app, &m, 300), (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(lineClose(line), (LONG)LINEERR_INVALLINEHANDLE);
    assert_int_equal(lineShutdown(app), 0);
}

/* A call made right after the kill (before the library may have noticed)
 * fails promptly too, and the LINE_CLOSE still comes exactly once. */
static void call_right_after_kill(void **state)
{
    HLINEAPP app = 0;
    HLINE line = 0;
    LINEDEVCAPS *dc = vs_alloc(4096);
    LINEMESSAGE m;
    int fd;
    int64_t t0;
    (void)state;

    assert_non_null(dc);
    assert_int_equal(app_init_event(&app, NULL, &fd), 0);
    assert_int_equal(open_monitor(app, 0, &line, 5), 0);
    assert_int_equal(srv_kill(g_srv), 0);
    t0 = now_ms();
    assert_int_equal(lineGetDevCapsA(app, 0, API_HI, 0, dc), (LONG)LINEERR_OPERATIONFAILED);
    assert_true(now_ms() - t0 < PROMPT_MS);
    free(dc);

    get_msg_checked(app, fd, &m);
    assert_int_equal(m.dwMessageID, LINE_CLOSE);
    assert_int_equal(m.hDevice, line);
    assert_int_equal(m.dwCallbackInstance, 5);
    assert_int_equal(lineGetMessage(app, &m, 300), (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(lineShutdown(app), 0);
}

/* An app with no open line gets no message; its calls fail promptly. */
static void loss_without_lines(void **state)
{
    HLINEAPP app = 0;
    LINEMESSAGE m;
    int fd;
    (void)state;

    assert_int_equal(app_init_event(&app, NULL, &fd), 0);
    assert_int_equal(srv_kill(g_srv), 0);
    assert_int_equal(lineGetMessage(app, &m, 300), (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(poll_fd(fd, POLLIN, 0) & POLLIN, 0);
    assert_calls_fail_promptly(app);
    assert_int_equal(lineShutdown(app), 0);
}

/* Several apps in one process (event, callback, one without lines) each
 * get the LINE_CLOSEs of their own lines only. */
static void several_apps_lose_server(void **state)
{
    HLINEAPP ev = 0, cb = 0, idle = 0;
    HLINE el[2] = {0}, cl = 0;
    DWORD_PTR einst[2] = {instance_for(10), instance_for(11)};
    DWORD hdev[2], ids[2];
    DWORD_PTR inst[2];
    LINEMESSAGE m;
    struct cbmsg c;
    int fd;
    (void)state;

    cbrec_reset();
    assert_int_equal(app_init_event(&ev, NULL, &fd), 0);
    assert_int_equal(app_init_callback(&cb, NULL), 0);
    assert_int_equal(app_init_event(&idle, NULL, NULL), 0);
    assert_int_equal(open_monitor(ev, 3, &el[0], einst[0]), 0);
    assert_int_equal(open_monitor(ev, 4, &el[1], einst[1]), 0);
    assert_int_equal(open_monitor(cb, 3, &cl, 99), 0);

    assert_int_equal(srv_kill(g_srv), 0);

    for (int k = 0; k < 2; k++) {
        get_msg_checked(ev, fd, &m);
        hdev[k] = m.hDevice;
        ids[k] = m.dwMessageID;
        inst[k] = m.dwCallbackInstance;
    }
    match_close(hdev, ids, inst, 2, el, einst, 2);
    assert_int_equal(cbrec_wait(1, now_ms() + ARRIVE_MS), 1);
    assert_int_equal(lineGetMessage(ev, &m, 300), (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(lineGetMessage(idle, &m, 0), (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(cbrec_count(), 1);
    assert_int_equal(cbrec_get(0, &c), 0);
    assert_int_equal(c.dwMessage, LINE_CLOSE);
    assert_int_equal(c.hDevice, cl);
    assert_int_equal(c.dwInstance, 99);

    assert_int_equal(lineShutdown(ev), 0);
    assert_int_equal(lineShutdown(cb), 0);
    assert_int_equal(lineShutdown(idle), 0);
}

/* While no server runs, new apps fail at once; a new server is usable by
 * new apps, and the old app still shuts down. */
static void restart_after_loss(void **state)
{
    HLINEAPP old = 0, app = 0, again = 0;
    HLINE line = 0, l2 = 0;
    LINEMESSAGE m;
    int fd;
    int64_t t0;
    (void)state;

    assert_int_equal(app_init_event(&old, NULL, &fd), 0);
    assert_int_equal(open_monitor(old, 0, &line, 1), 0);
    assert_int_equal(srv_kill(g_srv), 0);
    get_msg_checked(old, fd, &m);
    assert_int_equal(m.dwMessageID, LINE_CLOSE);

    t0 = now_ms();
    assert_int_equal(app_init_event(&app, NULL, NULL), (LONG)LINEERR_OPERATIONFAILED);
    assert_true(now_ms() - t0 < PROMPT_MS);

    g_srv2 = srv_start(NULL); /* also points TAPI_SERVER at it */
    assert_non_null(g_srv2);
    assert_int_equal(app_init_event(&again, NULL, NULL), 0);
    assert_int_equal(open_monitor(again, 0, &l2, 2), 0);
    assert_int_equal(lineClose(l2), 0);
    assert_int_equal(lineShutdown(again), 0);

    /* the old app stays dead: its connection is not silently re-made */
    assert_int_equal(lineClose(line), (LONG)LINEERR_INVALLINEHANDLE);
    assert_int_equal(lineShutdown(old), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, srv_setup, srv_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(sigkill_event_mode),          T(sigterm_event_mode),
        T(sigkill_callback_mode),       T(sigterm_callback_mode),
        T(sigkill_hiddenwindow_mode),   T(sigterm_lineinitialize_mode),
        T(event_mode_ignores_callback), T(blocked_getmessage_wakes),
        T(call_right_after_kill),       T(loss_without_lines),
        T(several_apps_lose_server),    T(restart_after_loss),
    };
    g_main_thread = pthread_self();
    return cmocka_run_group_tests_name("server_loss", tests, NULL, NULL);
}
