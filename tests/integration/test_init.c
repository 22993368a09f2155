/*
 * test_init - lineInitialize, lineInitializeExA/W and lineShutdown against a
 * private tapisrv with the default configuration (8 lines).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"
#include "tapitest.h"

_Static_assert(sizeof(LINEINITIALIZEEXPARAMS) == 28, "LINEINITIALIZEEXPARAMS is 28 bytes");

static int g_idle_sockets; /* sockets tapisrv holds with no client */

static int group_setup(void **state)
{
    (void)state;
    if (group_srv_start(NULL, "test_init group setup"))
        return -1;
    g_idle_sockets = proc_count_sockets(group_srv->pid);
    return g_idle_sockets >= 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    return group_srv_stop("test_init group teardown");
}

/* Per test: the watchdog, and TAPI_SERVER pointing at our server again
 * (no_server_fails_fast changes it). */
static int t_setup(void **state)
{
    if (group_srv)
        srv_use(group_srv);
    return wd_setup(state);
}

static void init_params(LINEINITIALIZEEXPARAMS *p, DWORD options)
{
    memset(p, 0, sizeof *p);
    p->dwTotalSize = sizeof *p;
    p->dwOptions = options;
}

/* ---------------------------------------------------------------- lineInitialize */

static void init_null_pointers(void **state)
{
    HLINEAPP app = 0;
    DWORD n = 0;
    (void)state;

    assert_int_equal(lineInitialize(NULL, NULL, cbrec_callback, "it", &n),
                     (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(lineInitialize(&app, NULL, NULL, "it", &n), (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(lineInitialize(&app, NULL, cbrec_callback, "it", NULL),
                     (LONG)LINEERR_INVALPOINTER);
}

static void init_ok(void **state)
{
    HLINEAPP app = 0;
    DWORD n = 0;
    (void)state;

    assert_int_equal(lineInitialize(&app, NULL, cbrec_callback, "it", &n), 0);
    assert_int_not_equal(app, 0);
    assert_int_equal(n, DEFAULT_NUM_LINES);
    assert_int_equal(lineShutdown(app), 0);
}

/* ---------------------------------------------------------------- lineInitializeEx */

static void initex_null_pointers(void **state)
{
    LINEINITIALIZEEXPARAMS p;
    HLINEAPP app = 0;
    DWORD n = 0, ver = API_HI;
    (void)state;

    init_params(&p, LINEINITIALIZEEXOPTION_USEEVENT);
    assert_int_equal(lineInitializeExA(NULL, NULL, NULL, "it", &n, &ver, &p),
                     (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(lineInitializeExA(&app, NULL, NULL, "it", NULL, &ver, &p),
                     (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(lineInitializeExA(&app, NULL, NULL, "it", &n, NULL, &p),
                     (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(lineInitializeExA(&app, NULL, NULL, "it", &n, &ver, NULL),
                     (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(lineInitializeExW(NULL, NULL, NULL, NULL, &n, &ver, &p),
                     (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(lineInitializeExW(&app, NULL, NULL, NULL, NULL, &ver, &p),
                     (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(lineInitializeExW(&app, NULL, NULL, NULL, &n, NULL, &p),
                     (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(lineInitializeExW(&app, NULL, NULL, NULL, &n, &ver, NULL),
                     (LONG)LINEERR_INVALPOINTER);
}

static void initex_params_too_small(void **state)
{
    static const DWORD sizes[] = {0, 12, 24, 27};
    LINEINITIALIZEEXPARAMS p;
    HLINEAPP app = 0;
    DWORD n = 0, ver = API_HI;
    (void)state;

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        init_params(&p, LINEINITIALIZEEXOPTION_USEEVENT);
        p.dwTotalSize = sizes[i];
        assert_int_equal(lineInitializeExA(&app, NULL, NULL, "it", &n, &ver, &p),
                         (LONG)LINEERR_STRUCTURETOOSMALL);
        init_params(&p, LINEINITIALIZEEXOPTION_USEEVENT);
        p.dwTotalSize = sizes[i];
        assert_int_equal(lineInitializeExW(&app, NULL, NULL, NULL, &n, &ver, &p),
                         (LONG)LINEERR_STRUCTURETOOSMALL);
    }
}

static void initex_hiddenwindow_needs_callback(void **state)
{
    LINEINITIALIZEEXPARAMS p;
    HLINEAPP app = 0;
    DWORD n = 0, ver = API_HI;
    (void)state;

    init_params(&p, LINEINITIALIZEEXOPTION_USEHIDDENWINDOW);
    assert_int_equal(lineInitializeExA(&app, NULL, NULL, "it", &n, &ver, &p),
                     (LONG)LINEERR_INVALPOINTER);
    init_params(&p, LINEINITIALIZEEXOPTION_USEHIDDENWINDOW);
    assert_int_equal(lineInitializeExW(&app, NULL, NULL, NULL, &n, &ver, &p),
                     (LONG)LINEERR_INVALPOINTER);

    init_params(&p, LINEINITIALIZEEXOPTION_USEHIDDENWINDOW);
    app = 0;
    assert_int_equal(lineInitializeExA(&app, NULL, cbrec_callback, "it", &n, &ver, &p), 0);
    assert_int_not_equal(app, 0);
    assert_int_equal(lineShutdown(app), 0);
}

static void initex_event_ignores_callback(void **state)
{
    LINEINITIALIZEEXPARAMS p;
    HLINEAPP app1 = 0, app2 = 0;
    DWORD n = 0, ver = API_HI;
    (void)state;

    init_params(&p, LINEINITIALIZEEXOPTION_USEEVENT);
    assert_int_equal(lineInitializeExA(&app1, NULL, NULL, "it", &n, &ver, &p), 0);
    assert_int_not_equal(app1, 0);
    init_params(&p, LINEINITIALIZEEXOPTION_USEEVENT);
    ver = API_HI;
    assert_int_equal(lineInitializeExA(&app2, NULL, cbrec_callback, "it", &n, &ver, &p), 0);
    assert_int_not_equal(app2, 0);
    assert_int_not_equal(app1, app2);
    assert_int_equal(lineShutdown(app1), 0);
    assert_int_equal(lineShutdown(app2), 0);
}

static void initex_bad_options(void **state)
{
    static const DWORD opts[] = {
        LINEINITIALIZEEXOPTION_USECOMPLETIONPORT, 0, 4, 5, 0x100, 0xFFFFFFFFu, 0x80000002u};
    LINEINITIALIZEEXPARAMS p;
    HLINEAPP app = 0;
    DWORD n = 0, ver = API_HI;
    (void)state;

    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        init_params(&p, opts[i]);
        assert_int_equal(lineInitializeExA(&app, NULL, cbrec_callback, "it", &n, &ver, &p),
                         (LONG)LINEERR_INVALPARAM);
        init_params(&p, opts[i]);
        assert_int_equal(lineInitializeExW(&app, NULL, cbrec_callback, NULL, &n, &ver, &p),
                         (LONG)LINEERR_INVALPARAM);
    }
    /* a completion port handle does not make it acceptable */
    init_params(&p, LINEINITIALIZEEXOPTION_USECOMPLETIONPORT);
    p.Handles.hCompletionPort = (HANDLE)(intptr_t)5;
    p.dwCompletionKey = 7;
    assert_int_equal(lineInitializeExA(&app, NULL, NULL, "it", &n, &ver, &p),
                     (LONG)LINEERR_INVALPARAM);
}

static LONG try_name_a(const char *name)
{
    LINEINITIALIZEEXPARAMS p;
    HLINEAPP app = 0;
    DWORD n = 0, ver = API_HI;
    LONG rc;

    init_params(&p, LINEINITIALIZEEXOPTION_USEEVENT);
    rc = lineInitializeExA(&app, NULL, NULL, name, &n, &ver, &p);
    if (rc == 0) {
        assert_int_not_equal(app, 0);
        assert_int_equal(lineShutdown(app), 0);
    }
    return rc;
}

static LONG try_name_w(const WCHAR *name)
{
    LINEINITIALIZEEXPARAMS p;
    HLINEAPP app = 0;
    DWORD n = 0, ver = API_HI;
    LONG rc;

    init_params(&p, LINEINITIALIZEEXOPTION_USEEVENT);
    rc = lineInitializeExW(&app, NULL, NULL, name, &n, &ver, &p);
    if (rc == 0) {
        assert_int_not_equal(app, 0);
        assert_int_equal(lineShutdown(app), 0);
    }
    return rc;
}

static void initex_app_names(void **state)
{
    static const WCHAR w_ok[] = {'A', 'g', 0xE9, 'n', 't', ' ', 0xD83D, 0xDCDE, 0};
    static const WCHAR w_lone_high[] = {'a', 0xD800, 0};
    static const WCHAR w_lone_low[] = {0xDC00, 'a', 0};
    static const WCHAR w_high_then_char[] = {0xD83D, 'x', 0};
    static const WCHAR w_reversed[] = {0xDCDE, 0xD83D, 0};
    (void)state;

    /* NULL and valid names */
    assert_int_equal(try_name_a(NULL), 0);
    assert_int_equal(try_name_w(NULL), 0);
    assert_int_equal(try_name_a(""), 0);
    assert_int_equal(try_name_a("Z\xc3\xbcrich \xe2\x98\x8e \xf0\x9f\x93\x9e"), 0);
    assert_int_equal(try_name_w(w_ok), 0);

    /* invalid UTF-8 */
    assert_int_equal(try_name_a("bad\xff"), (LONG)LINEERR_INVALAPPNAME);
    assert_int_equal(try_name_a("trunc\xc3"), (LONG)LINEERR_INVALAPPNAME);
    assert_int_equal(try_name_a("over\xc0\xaf"), (LONG)LINEERR_INVALAPPNAME);
    assert_int_equal(try_name_a("surr\xed\xa0\x80"), (LONG)LINEERR_INVALAPPNAME);
    assert_int_equal(try_name_a("\x80lead"), (LONG)LINEERR_INVALAPPNAME);
    assert_int_equal(try_name_a("big\xf4\x90\x80\x80"), (LONG)LINEERR_INVALAPPNAME);

    /* lone / misordered surrogates */
    assert_int_equal(try_name_w(w_lone_high), (LONG)LINEERR_INVALAPPNAME);
    assert_int_equal(try_name_w(w_lone_low), (LONG)LINEERR_INVALAPPNAME);
    assert_int_equal(try_name_w(w_high_then_char), (LONG)LINEERR_INVALAPPNAME);
    assert_int_equal(try_name_w(w_reversed), (LONG)LINEERR_INVALAPPNAME);
}

static void check_outputs(int wide, DWORD options, DWORD ver_in)
{
    static const WCHAR wname[] = {'i', 't', 0};
    LINEINITIALIZEEXPARAMS p;
    HLINEAPP app = 0;
    DWORD n = 0, ver = ver_in;
    LONG rc;

    init_params(&p, options);
    if (wide)
        rc = lineInitializeExW(&app, NULL, cbrec_callback, wname, &n, &ver, &p);
    else
        rc = lineInitializeExA(&app, NULL, cbrec_callback, "it", &n, &ver, &p);
    assert_int_equal(rc, 0);
    assert_int_not_equal(app, 0);
    assert_int_equal(n, DEFAULT_NUM_LINES);
    assert_int_equal(ver, API_HI);
    assert_int_equal(p.dwTotalSize, 28);
    assert_int_equal(p.dwNeededSize, 28);
    assert_int_equal(p.dwUsedSize, 28);
    assert_int_equal(p.dwOptions, options);
    assert_int_equal(lineShutdown(app), 0);
}

static void initex_outputs(void **state)
{
    static const DWORD vers[] = {0x00020002, 0x00020000, 0x00010004, 0x00030001};
    (void)state;

    for (size_t i = 0; i < sizeof vers / sizeof vers[0]; i++) {
        check_outputs(0, LINEINITIALIZEEXOPTION_USEEVENT, vers[i]);
        check_outputs(1, LINEINITIALIZEEXOPTION_USEEVENT, vers[i]);
        check_outputs(0, LINEINITIALIZEEXOPTION_USEHIDDENWINDOW, vers[i]);
        check_outputs(1, LINEINITIALIZEEXOPTION_USEHIDDENWINDOW, vers[i]);
    }
}

/* A bigger dwTotalSize: needed/used still 28, nothing written past total. */
static void initex_params_bigger_buffer(void **state)
{
    unsigned char *buf = vs_alloc(40);
    LINEINITIALIZEEXPARAMS *p = (LINEINITIALIZEEXPARAMS *)buf;
    HLINEAPP app = 0;
    DWORD n = 0, ver = API_HI;
    (void)state;

    assert_non_null(buf);
    memset(buf, 0, 40);
    p->dwTotalSize = 40;
    p->dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
    assert_int_equal(lineInitializeExA(&app, NULL, NULL, "it", &n, &ver, p), 0);
    assert_int_equal(p->dwTotalSize, 40);
    assert_int_equal(p->dwNeededSize, 28);
    assert_int_equal(p->dwUsedSize, 28);
    assert_true(vs_guard_ok(buf, 40));
    assert_int_equal(lineShutdown(app), 0);
    free(buf);
}

static void initex_event_fd(void **state)
{
    HLINEAPP a1 = 0, a2 = 0;
    int fd1 = -1, fd2 = -1;
    (void)state;

    assert_int_equal(app_init_event(&a1, NULL, &fd1), 0);
    assert_int_equal(app_init_event(&a2, NULL, &fd2), 0);
    assert_true(fd1 >= 0);
    assert_true(fd2 >= 0);
    assert_int_not_equal(fd1, fd2);
    assert_int_not_equal(fcntl(fd1, F_GETFD), -1);
    assert_int_not_equal(fcntl(fd2, F_GETFD), -1);
    /* nothing queued yet: not readable */
    assert_int_equal(poll_fd(fd1, POLLIN, 0) & POLLIN, 0);
    assert_int_equal(poll_fd(fd2, POLLIN, 0) & POLLIN, 0);
    assert_int_equal(lineShutdown(a1), 0);
    assert_int_equal(lineShutdown(a2), 0);
}

static void initex_handles_distinct(void **state)
{
    HLINEAPP apps[6];
    DWORD n;
    (void)state;

    for (int i = 0; i < 6; i++) {
        apps[i] = 0;
        if (i % 3 == 0)
            assert_int_equal(app_init_event(&apps[i], &n, NULL), 0);
        else if (i % 3 == 1)
            assert_int_equal(app_init_callback(&apps[i], &n), 0);
        else
            assert_int_equal(lineInitialize(&apps[i], NULL, cbrec_callback, "it", &n), 0);
        assert_int_not_equal(apps[i], 0);
        for (int j = 0; j < i; j++)
            assert_int_not_equal(apps[i], apps[j]);
    }
    for (int i = 0; i < 6; i++)
        assert_int_equal(lineShutdown(apps[i]), 0);
}

/* One connection per lineInitialize(Ex): seen from the server, each app
 * adds exactly one socket (opening lines adds none) and lineShutdown
 * releases it. */
static void one_connection_per_app(void **state)
{
    HLINEAPP apps[3] = {0};
    HLINE lines[3] = {0};
    int base, n;
    (void)state;

    /* the apps of earlier tests are shut down; the server may still be
     * closing their connections: wait for its idle count */
    base = proc_wait_sockets(group_srv->pid, g_idle_sockets, now_ms() + 2000);
    if (base != g_idle_sockets)
        fail_msg("tapisrv holds %d sockets with no app left, %d when it started", base,
                 g_idle_sockets);
    assert_int_equal(app_init_event(&apps[0], NULL, NULL), 0);
    assert_int_equal(app_init_callback(&apps[1], NULL), 0);
    assert_int_equal(lineInitialize(&apps[2], NULL, cbrec_callback, "it", &(DWORD){0}), 0);
    /* the init calls returned data from the server: it has accepted them */
    n = proc_count_sockets(group_srv->pid);
    if (n != base + 3)
        fail_msg("tapisrv holds %d sockets after 3 inits, %d before (want +3)", n, base);
    for (int i = 0; i < 3; i++)
        assert_int_equal(open_monitor(apps[i], (DWORD)i, &lines[i], 1), 0);
    n = proc_count_sockets(group_srv->pid);
    if (n != base + 3)
        fail_msg("tapisrv holds %d sockets after opening lines, want %d", n, base + 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(lineShutdown(apps[i]), 0);
    n = proc_wait_sockets(group_srv->pid, base, now_ms() + 2000);
    if (n != base)
        fail_msg("tapisrv holds %d sockets 2 s after lineShutdown of all apps, want %d", n, base);
}

/* ---------------------------------------------------------------- no server */

static LONG timed_init(int which, int64_t *elapsed)
{
    LINEINITIALIZEEXPARAMS p;
    HLINEAPP app = 0;
    DWORD n = 0, ver = API_HI;
    int64_t t0 = now_ms();
    LONG rc;

    switch (which) {
    case 0:
        init_params(&p, LINEINITIALIZEEXOPTION_USEEVENT);
        rc = lineInitializeExA(&app, NULL, NULL, "it", &n, &ver, &p);
        break;
    case 1:
        init_params(&p, LINEINITIALIZEEXOPTION_USEHIDDENWINDOW);
        rc = lineInitializeExW(&app, NULL, cbrec_callback, NULL, &n, &ver, &p);
        break;
    default:
        rc = lineInitialize(&app, NULL, cbrec_callback, "it", &n);
        break;
    }
    *elapsed = now_ms() - t0;
    if (rc == 0)
        lineShutdown(app);
    return rc;
}

static void no_server_fails_fast(void **state)
{
    char path[256];
    struct sockaddr_un sa;
    int64_t el;
    int s;
    (void)state;

    /* 1: nothing at the path */
    snprintf(path, sizeof path, "%s/nonexistent.sock", group_srv->dir);
    setenv("TAPI_SERVER", path, 1);
    for (int w = 0; w < 3; w++) {
        assert_int_equal(timed_init(w, &el), (LONG)LINEERR_OPERATIONFAILED);
        assert_true(el < 2000);
    }

    /* 2: a stale socket file nobody listens on (connect: ECONNREFUSED) */
    snprintf(path, sizeof path, "%s/stale.sock", group_srv->dir);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    assert_true(strlen(path) < sizeof sa.sun_path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s >= 0);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    close(s);
    setenv("TAPI_SERVER", path, 1);
    for (int w = 0; w < 3; w++) {
        assert_int_equal(timed_init(w, &el), (LONG)LINEERR_OPERATIONFAILED);
        assert_true(el < 2000);
    }

    /* back to the real server: works again */
    srv_use(group_srv);
    assert_int_equal(timed_init(0, &el), 0);
}

/* ---------------------------------------------------------------- lineShutdown */

static void shutdown_handles(void **state)
{
    HLINEAPP app = 0, app2 = 0;
    static const WCHAR wname[] = {'w', 0};
    LINEINITIALIZEEXPARAMS p;
    DWORD n = 0, ver = API_HI;
    (void)state;

    assert_int_equal(lineShutdown(0), (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(lineShutdown(0xDEADBEEFu), (LONG)LINEERR_INVALAPPHANDLE);

    assert_int_equal(app_init_event(&app, NULL, NULL), 0);
    assert_int_equal(lineShutdown(app + 1000), (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(lineShutdown(app), 0);
    assert_int_equal(lineShutdown(app), (LONG)LINEERR_INVALAPPHANDLE);

    init_params(&p, LINEINITIALIZEEXOPTION_USEHIDDENWINDOW);
    assert_int_equal(lineInitializeExW(&app2, NULL, cbrec_callback, wname, &n, &ver, &p), 0);
    assert_int_equal(lineShutdown(app2), 0);
    assert_int_equal(lineShutdown(app2), (LONG)LINEERR_INVALAPPHANDLE);

    assert_int_equal(lineInitialize(&app, NULL, cbrec_callback, "it", &n), 0);
    assert_int_equal(lineShutdown(app), 0);
    assert_int_equal(lineShutdown(app), (LONG)LINEERR_INVALAPPHANDLE);
}

/* Shutting one app down leaves the others working. */
static void shutdown_is_per_app(void **state)
{
    HLINEAPP a = 0, b = 0;
    HLINE la = 0, lb = 0;
    DWORD ver = 0;
    LINEEXTENSIONID ext;
    (void)state;

    assert_int_equal(app_init_event(&a, NULL, NULL), 0);
    assert_int_equal(app_init_event(&b, NULL, NULL), 0);
    assert_int_equal(open_monitor(a, 0, &la, 1), 0);
    assert_int_equal(open_monitor(b, 0, &lb, 2), 0);
    assert_int_equal(lineShutdown(a), 0);
    assert_int_equal(lineNegotiateAPIVersion(a, 0, API_LO, API_HI, &ver, &ext),
                     (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(lineNegotiateAPIVersion(b, 0, API_LO, API_HI, &ver, &ext), 0);
    assert_int_equal(lineClose(lb), 0);
    assert_int_equal(lineShutdown(b), 0);
}

/* ---------------------------------------------------------------- threads */

struct churn_arg {
    int failures;
    LONG last_rc;
};

static void *init_churn_thread(void *p)
{
    struct churn_arg *a = p;
    for (int i = 0; i < 25; i++) {
        HLINEAPP app = 0;
        HLINE line = 0;
        LONG rc = (i & 1) ? app_init_event(&app, NULL, NULL) : app_init_callback(&app, NULL);
        if (rc != 0 || app == 0) {
            a->failures++;
            a->last_rc = rc;
            continue;
        }
        rc = open_monitor(app, (DWORD)(i % DEFAULT_NUM_LINES), &line, (DWORD_PTR)i);
        if (rc != 0 || line == 0) {
            a->failures++;
            a->last_rc = rc;
        } else if ((rc = lineClose(line)) != 0) {
            a->failures++;
            a->last_rc = rc;
        }
        if ((rc = lineShutdown(app)) != 0) {
            a->failures++;
            a->last_rc = rc;
        }
    }
    return NULL;
}

/* The API is thread-safe: four threads bring apps up and down at once. */
static void init_from_many_threads(void **state)
{
    pthread_t t[4];
    struct churn_arg args[4];
    (void)state;

    memset(args, 0, sizeof args);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, init_churn_thread, &args[i]), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
    }
    for (int i = 0; i < 4; i++) {
        if (args[i].failures)
            fail_msg("thread %d: %d failures, last rc 0x%08x", i, args[i].failures,
                     (unsigned)args[i].last_rc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(init_null_pointers, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(init_ok, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(initex_null_pointers, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(initex_params_too_small, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(initex_hiddenwindow_needs_callback, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(initex_event_ignores_callback, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(initex_bad_options, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(initex_app_names, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(initex_outputs, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(initex_params_bigger_buffer, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(initex_event_fd, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(initex_handles_distinct, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(one_connection_per_app, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(no_server_fails_fast, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(shutdown_handles, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(shutdown_is_per_app, t_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(init_from_many_threads, t_setup, wd_teardown),
    };
    return cmocka_run_group_tests_name("init", tests, group_setup, group_teardown);
}
