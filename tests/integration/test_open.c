/*
 * test_open - lineOpenA/W and lineClose against the default configuration.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tapitest.h"

static int group_setup(void **state)
{
    (void)state;
    return group_srv_start(NULL, "test_open group setup");
}

static int group_teardown(void **state)
{
    (void)state;
    return group_srv_stop("test_open group teardown");
}

/* Each test gets its own event-mode app in *state. */
static int app_setup(void **state)
{
    static HLINEAPP app;
    wd_setup(state);
    app = 0;
    if (app_init_event(&app, NULL, NULL) != 0 || app == 0)
        return -1;
    *state = &app;
    return 0;
}

static int app_teardown(void **state)
{
    HLINEAPP app = *(HLINEAPP *)*state;
    LONG rc = lineShutdown(app);
    wd_teardown(state);
    return rc == 0 ? 0 : -1;
}

static LONG do_open(int wide, HLINEAPP app, DWORD dev, HLINE *line, DWORD ver, DWORD ext,
                    DWORD_PTR inst, DWORD priv, DWORD media, LINECALLPARAMS *cp)
{
    return wide ? lineOpenW(app, dev, line, ver, ext, inst, priv, media, cp)
                : lineOpenA(app, dev, line, ver, ext, inst, priv, media, cp);
}

static void callparams_init(LINECALLPARAMS *cp, DWORD total, DWORD addr)
{
    memset(cp, 0, sizeof *cp);
    cp->dwTotalSize = total;
    cp->dwBearerMode = LINEBEARERMODE_VOICE;
    cp->dwMediaMode = LINEMEDIAMODE_INTERACTIVEVOICE;
    cp->dwAddressMode = LINEADDRESSMODE_ADDRESSID;
    cp->dwAddressID = addr;
}

static void open_errors(void **state)
{
    HLINEAPP app = *(HLINEAPP *)*state, dead = 0;
    HLINE line;
    const DWORD mon = LINECALLPRIVILEGE_MONITOR;

    assert_int_equal(app_init_event(&dead, NULL, NULL), 0);
    assert_int_equal(lineShutdown(dead), 0);

    for (int wide = 0; wide < 2; wide++) {
        assert_int_equal(do_open(wide, 0, 0, &line, API_HI, 0, 0, mon, 0, NULL),
                         (LONG)LINEERR_INVALAPPHANDLE);
        assert_int_equal(do_open(wide, 0xDEADBEEFu, 0, &line, API_HI, 0, 0, mon, 0, NULL),
                         (LONG)LINEERR_INVALAPPHANDLE);
        assert_int_equal(do_open(wide, dead, 0, &line, API_HI, 0, 0, mon, 0, NULL),
                         (LONG)LINEERR_INVALAPPHANDLE);
        assert_int_equal(do_open(wide, app, 0, NULL, API_HI, 0, 0, mon, 0, NULL),
                         (LONG)LINEERR_INVALPOINTER);
        assert_int_equal(do_open(wide, app, DEFAULT_NUM_LINES, &line, API_HI, 0, 0, mon, 0, NULL),
                         (LONG)LINEERR_BADDEVICEID);
        assert_int_equal(do_open(wide, app, 1000, &line, API_HI, 0, 0, mon, 0, NULL),
                         (LONG)LINEERR_BADDEVICEID);
        assert_int_equal(do_open(wide, app, 0, &line, 0x00010003, 0, 0, mon, 0, NULL),
                         (LONG)LINEERR_INCOMPATIBLEAPIVERSION);
        assert_int_equal(do_open(wide, app, 0, &line, 0x00020003, 0, 0, mon, 0, NULL),
                         (LONG)LINEERR_INCOMPATIBLEAPIVERSION);
        assert_int_equal(do_open(wide, app, 0, &line, 0x00030000, 0, 0, mon, 0, NULL),
                         (LONG)LINEERR_INCOMPATIBLEAPIVERSION);
        assert_int_equal(do_open(wide, app, 0, &line, API_HI, 1, 0, mon, 0, NULL),
                         (LONG)LINEERR_INCOMPATIBLEEXTVERSION);
    }
}

static void open_privileges_ok(void **state)
{
    HLINEAPP app = *(HLINEAPP *)*state;
    static const DWORD privs[][2] = {
        {LINECALLPRIVILEGE_NONE, 0},
        {LINECALLPRIVILEGE_MONITOR, 0},
        {LINECALLPRIVILEGE_OWNER, LINEMEDIAMODE_INTERACTIVEVOICE},
        {LINECALLPRIVILEGE_OWNER | LINECALLPRIVILEGE_MONITOR, LINEMEDIAMODE_INTERACTIVEVOICE},
    };
    static const DWORD vers[] = {0x00010004, 0x00020000, 0x00020001, 0x00020002};

    for (int wide = 0; wide < 2; wide++) {
        for (size_t v = 0; v < sizeof vers / sizeof vers[0]; v++) {
            for (size_t i = 0; i < sizeof privs / sizeof privs[0]; i++) {
                HLINE line = 0;
                LONG rc = do_open(wide, app, (DWORD)i, &line, vers[v], 0, (DWORD_PTR)i, privs[i][0],
                                  privs[i][1], NULL);
                if (rc != 0)
                    fail_msg("lineOpen%c(priv 0x%x, media 0x%x, ver 0x%08x) = 0x%08x",
                             wide ? 'W' : 'A', (unsigned)privs[i][0], (unsigned)privs[i][1],
                             (unsigned)vers[v], (unsigned)rc);
                assert_int_not_equal(line, 0);
                assert_int_equal(lineClose(line), 0);
            }
        }
    }
}

static void open_bad_privileges(void **state)
{
    HLINEAPP app = *(HLINEAPP *)*state;
    static const DWORD bad[] = {0, 8, LINECALLPRIVILEGE_NONE | LINECALLPRIVILEGE_MONITOR};
    HLINE line;

    for (int wide = 0; wide < 2; wide++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            assert_int_equal(do_open(wide, app, 0, &line, API_HI, 0, 0, bad[i],
                                     LINEMEDIAMODE_INTERACTIVEVOICE, NULL),
                             (LONG)LINEERR_INVALPRIVSELECT);
        }
    }
}

static void open_owner_needs_media(void **state)
{
    HLINEAPP app = *(HLINEAPP *)*state;
    HLINE line;

    for (int wide = 0; wide < 2; wide++) {
        assert_int_equal(
            do_open(wide, app, 0, &line, API_HI, 0, 0, LINECALLPRIVILEGE_OWNER, 0, NULL),
            (LONG)LINEERR_INVALMEDIAMODE);
        assert_int_equal(do_open(wide, app, 0, &line, API_HI, 0, 0,
                                 LINECALLPRIVILEGE_OWNER | LINECALLPRIVILEGE_MONITOR, 0, NULL),
                         (LONG)LINEERR_INVALMEDIAMODE);
    }
}

static void open_single_address(void **state)
{
    HLINEAPP app = *(HLINEAPP *)*state;
    const DWORD priv = LINEOPENOPTION_SINGLEADDRESS | LINECALLPRIVILEGE_OWNER;
    const DWORD iv = LINEMEDIAMODE_INTERACTIVEVOICE;
    LINECALLPARAMS cp;
    HLINE line;

    for (int wide = 0; wide < 2; wide++) {
        callparams_init(&cp, sizeof cp, 0);
        line = 0;
        assert_int_equal(do_open(wide, app, 0, &line, API_HI, 0, 0, priv, iv, &cp), 0);
        assert_int_not_equal(line, 0);
        assert_int_equal(lineClose(line), 0);

        callparams_init(&cp, sizeof cp, 1);
        assert_int_equal(do_open(wide, app, 0, &line, API_HI, 0, 0, priv, iv, &cp),
                         (LONG)LINEERR_INVALADDRESSID);
        callparams_init(&cp, sizeof cp, 0xFFFFFFFFu);
        assert_int_equal(do_open(wide, app, 0, &line, API_HI, 0, 0, priv, iv, &cp),
                         (LONG)LINEERR_INVALADDRESSID);
        assert_int_equal(do_open(wide, app, 0, &line, API_HI, 0, 0, priv, iv, NULL),
                         (LONG)LINEERR_INVALPOINTER);
    }
}

static void open_callparams_too_small(void **state)
{
    HLINEAPP app = *(HLINEAPP *)*state;
    const DWORD single = LINEOPENOPTION_SINGLEADDRESS | LINECALLPRIVILEGE_OWNER;
    const DWORD iv = LINEMEDIAMODE_INTERACTIVEVOICE;
    static const DWORD small[] = {0, 4, CALLPARAMS_FIXED_14, CALLPARAMS_FIXED_20 - 1};
    LINECALLPARAMS cp;
    HLINE line = 0;

    for (int wide = 0; wide < 2; wide++) {
        for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
            callparams_init(&cp, small[i], 0);
            assert_int_equal(do_open(wide, app, 0, &line, API_HI, 0, 0, single, iv, &cp),
                             (LONG)LINEERR_STRUCTURETOOSMALL);
            callparams_init(&cp, small[i], 0);
            assert_int_equal(
                do_open(wide, app, 0, &line, API_HI, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, &cp),
                (LONG)LINEERR_STRUCTURETOOSMALL);
            callparams_init(&cp, small[i], 0);
            assert_int_equal(
                do_open(wide, app, 0, &line, 0x00020000, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, &cp),
                (LONG)LINEERR_STRUCTURETOOSMALL);
        }
        /* exactly the 2.x fixed size is fine, with or without SINGLEADDRESS */
        callparams_init(&cp, CALLPARAMS_FIXED_20, 0);
        assert_int_equal(
            do_open(wide, app, 0, &line, API_HI, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, &cp), 0);
        assert_int_equal(lineClose(line), 0);
        /* TAPI 1.4 knows the 112-byte LINECALLPARAMS */
        callparams_init(&cp, CALLPARAMS_FIXED_14, 0);
        assert_int_equal(
            do_open(wide, app, 0, &line, 0x00010004, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, &cp), 0);
        assert_int_equal(lineClose(line), 0);
        callparams_init(&cp, CALLPARAMS_FIXED_14 - 1, 0);
        assert_int_equal(
            do_open(wide, app, 0, &line, 0x00010004, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, &cp),
            (LONG)LINEERR_STRUCTURETOOSMALL);
    }
}

static void open_every_device(void **state)
{
    HLINEAPP app = *(HLINEAPP *)*state;
    HLINE lines[DEFAULT_NUM_LINES];

    for (DWORD d = 0; d < DEFAULT_NUM_LINES; d++) {
        lines[d] = 0;
        assert_int_equal(open_monitor(app, d, &lines[d], d), 0);
        assert_int_not_equal(lines[d], 0);
        for (DWORD e = 0; e < d; e++)
            assert_int_not_equal(lines[d], lines[e]);
    }
    for (DWORD d = 0; d < DEFAULT_NUM_LINES; d++)
        assert_int_equal(lineClose(lines[d]), 0);
}

static void open_same_line_twice(void **state)
{
    HLINEAPP app = *(HLINEAPP *)*state;
    HLINE l[4] = {0};

    assert_int_equal(open_monitor(app, 0, &l[0], 1), 0);
    assert_int_equal(open_monitor(app, 0, &l[1], 2), 0);
    assert_int_equal(lineOpenA(app, 0, &l[2], API_HI, 0, 3, LINECALLPRIVILEGE_OWNER,
                               LINEMEDIAMODE_INTERACTIVEVOICE, NULL),
                     0);
    assert_int_equal(lineOpenW(app, 0, &l[3], API_HI, 0, 4, LINECALLPRIVILEGE_NONE, 0, NULL), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_not_equal(l[i], 0);
        for (int j = 0; j < i; j++)
            assert_int_not_equal(l[i], l[j]);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(lineClose(l[i]), 0);
}

/* 3 apps x 8 lines x 2 opens: every handle distinct. */
static void open_handles_unique_across_apps(void **state)
{
    HLINEAPP own = *(HLINEAPP *)*state;
    HLINEAPP apps[3];
    HLINE h[3 * DEFAULT_NUM_LINES * 2];
    int n = 0;

    apps[0] = own;
    assert_int_equal(app_init_event(&apps[1], NULL, NULL), 0);
    assert_int_equal(app_init_callback(&apps[2], NULL), 0);
    for (int a = 0; a < 3; a++)
        for (DWORD d = 0; d < DEFAULT_NUM_LINES; d++)
            for (int k = 0; k < 2; k++) {
                h[n] = 0;
                assert_int_equal(open_monitor(apps[a], d, &h[n], (DWORD_PTR)n), 0);
                assert_int_not_equal(h[n], 0);
                n++;
            }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (h[i] == h[j])
                fail_msg("handle %u returned twice (opens %d and %d)", (unsigned)h[i], j, i);
    for (int i = 0; i < n; i++)
        assert_int_equal(lineClose(h[i]), 0);
    assert_int_equal(lineShutdown(apps[1]), 0);
    assert_int_equal(lineShutdown(apps[2]), 0);
}

static void close_errors(void **state)
{
    HLINEAPP app = *(HLINEAPP *)*state;
    HLINE l[3] = {0};

    assert_int_equal(lineClose(0), (LONG)LINEERR_INVALLINEHANDLE);
    assert_int_equal(lineClose(0xDEADBEEFu), (LONG)LINEERR_INVALLINEHANDLE);
    for (int i = 0; i < 3; i++)
        assert_int_equal(open_monitor(app, 0, &l[i], (DWORD_PTR)i), 0);
    /* close the middle one twice; the others are unaffected */
    assert_int_equal(lineClose(l[1]), 0);
    assert_int_equal(lineClose(l[1]), (LONG)LINEERR_INVALLINEHANDLE);
    assert_int_equal(lineClose(l[0]), 0);
    assert_int_equal(lineClose(l[2]), 0);
    assert_int_equal(lineClose(l[0]), (LONG)LINEERR_INVALLINEHANDLE);
    assert_int_equal(lineClose(l[2]), (LONG)LINEERR_INVALLINEHANDLE);
}

/* lineShutdown closes the app's lines: their handles become invalid, and
 * another app's lines stay open. */
static void shutdown_closes_lines(void **state)
{
    HLINEAPP own = *(HLINEAPP *)*state, other = 0;
    HLINE a = 0, b = 0, mine = 0;

    assert_int_equal(app_init_event(&other, NULL, NULL), 0);
    assert_int_equal(open_monitor(other, 0, &a, 1), 0);
    assert_int_equal(open_monitor(other, 1, &b, 2), 0);
    assert_int_equal(open_monitor(own, 0, &mine, 3), 0);
    assert_int_equal(lineShutdown(other), 0);
    assert_int_equal(lineClose(a), (LONG)LINEERR_INVALLINEHANDLE);
    assert_int_equal(lineClose(b), (LONG)LINEERR_INVALLINEHANDLE);
    assert_int_equal(lineClose(mine), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, app_setup, app_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(open_errors),
        T(open_privileges_ok),
        T(open_bad_privileges),
        T(open_owner_needs_media),
        T(open_single_address),
        T(open_callparams_too_small),
        T(open_every_device),
        T(open_same_line_twice),
        T(open_handles_unique_across_apps),
        T(close_errors),
        T(shutdown_closes_lines),
    };
    return cmocka_run_group_tests_name("open", tests, group_setup, group_teardown);
}
