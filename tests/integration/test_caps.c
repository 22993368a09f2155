/*
 * test_caps - lineNegotiateAPIVersion, lineGetDevCapsA/W and
 * lineGetAddressCapsA/W against the default configuration (8 lines,
 * line N has one address "20N+1", line 0 is "Station 1").
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

static HLINEAPP g_app;

/* One server and one event-mode app for the whole suite. */
static int group_setup(void **state)
{
    (void)state;
    DWORD devs = 0;
    if (group_srv_start(NULL, "test_caps group setup"))
        return -1;
    return app_init_event(&g_app, &devs, NULL) == 0 && devs == DEFAULT_NUM_LINES ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    if (g_app)
        lineShutdown(g_app);
    g_app = 0;
    return group_srv_stop("test_caps group teardown");
}

static const DWORD k_versions[] = {0x00010004, 0x00020000, 0x00020001, 0x00020002};
#define NVERS (sizeof k_versions / sizeof k_versions[0])

static LONG devcaps(int wide, HLINEAPP app, DWORD dev, DWORD ver, DWORD ext, LINEDEVCAPS *c)
{
    return wide ? lineGetDevCapsW(app, dev, ver, ext, c) : lineGetDevCapsA(app, dev, ver, ext, c);
}

static LONG addrcaps(int wide, HLINEAPP app, DWORD dev, DWORD addr, DWORD ver, DWORD ext,
                     LINEADDRESSCAPS *c)
{
    return wide ? lineGetAddressCapsW(app, dev, addr, ver, ext, c)
                : lineGetAddressCapsA(app, dev, addr, ver, ext, c);
}

/* ---------------------------------------------------------------- negotiate */

static void negotiate_errors(void **state)
{
    DWORD ver = 0;
    LINEEXTENSIONID ext;
    HLINEAPP dead = 0;
    (void)state;

    assert_int_equal(lineNegotiateAPIVersion(0, 0, API_LO, API_HI, &ver, &ext),
                     (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(lineNegotiateAPIVersion(0xDEADBEEFu, 0, API_LO, API_HI, &ver, &ext),
                     (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(app_init_event(&dead, NULL, NULL), 0);
    assert_int_equal(lineShutdown(dead), 0);
    assert_int_equal(lineNegotiateAPIVersion(dead, 0, API_LO, API_HI, &ver, &ext),
                     (LONG)LINEERR_INVALAPPHANDLE);

    assert_int_equal(lineNegotiateAPIVersion(g_app, 0, API_LO, API_HI, NULL, &ext),
                     (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(lineNegotiateAPIVersion(g_app, 0, API_LO, API_HI, &ver, NULL),
                     (LONG)LINEERR_INVALPOINTER);

    assert_int_equal(lineNegotiateAPIVersion(g_app, DEFAULT_NUM_LINES, API_LO, API_HI, &ver, &ext),
                     (LONG)LINEERR_BADDEVICEID);
    assert_int_equal(lineNegotiateAPIVersion(g_app, 1000, API_LO, API_HI, &ver, &ext),
                     (LONG)LINEERR_BADDEVICEID);
    assert_int_equal(lineNegotiateAPIVersion(g_app, 0xFFFFFFFFu, API_LO, API_HI, &ver, &ext),
                     (LONG)LINEERR_BADDEVICEID);
}

static void negotiate_incompatible(void **state)
{
    static const DWORD ranges[][2] = {
        {0x00020002, 0x00020000}, /* lo > hi */
        {0x00020002, 0x00010004}, /* lo > hi */
        {0x00030000, 0x00030001}, /* above */
        {0x00020003, 0x00030001}, /* just above */
        {0x00010000, 0x00010003}, /* below */
        {0x00000000, 0x00010003}, /* below */
    };
    DWORD ver;
    LINEEXTENSIONID ext;
    (void)state;

    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        ver = 0;
        assert_int_equal(lineNegotiateAPIVersion(g_app, 0, ranges[i][0], ranges[i][1], &ver, &ext),
                         (LONG)LINEERR_INCOMPATIBLEAPIVERSION);
    }
}

static void negotiate_ranges(void **state)
{
    static const DWORD cases[][3] = {
        /* lo, hi, expected */
        {0x00010004, 0x00030001, 0x00020002}, {0x00010004, 0x00020000, 0x00020000},
        {0x00010004, 0x00020002, 0x00020002}, {0x00010004, 0x00010004, 0x00010004},
        {0x00010000, 0x00010004, 0x00010004}, {0x00020000, 0x00020001, 0x00020001},
        {0x00020002, 0x00020002, 0x00020002}, {0x00020002, 0x00030000, 0x00020002},
    };
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        DWORD ver = 0xAAAAAAAAu;
        LINEEXTENSIONID ext;
        memset(&ext, 0xAB, sizeof ext);
        assert_int_equal(lineNegotiateAPIVersion(g_app, 0, cases[i][0], cases[i][1], &ver, &ext),
                         0);
        assert_int_equal(ver, cases[i][2]);
        assert_int_equal(ext.dwExtensionID0, 0);
        assert_int_equal(ext.dwExtensionID1, 0);
        assert_int_equal(ext.dwExtensionID2, 0);
        assert_int_equal(ext.dwExtensionID3, 0);
    }
}

static void negotiate_every_device(void **state)
{
    (void)state;
    for (DWORD dev = 0; dev < DEFAULT_NUM_LINES; dev++) {
        DWORD ver = 0;
        LINEEXTENSIONID ext;
        assert_int_equal(lineNegotiateAPIVersion(g_app, dev, API_LO, 0x00030001, &ver, &ext), 0);
        assert_int_equal(ver, API_HI);
    }
}

/* ---------------------------------------------------------------- devcaps */

static void devcaps_errors_one(int wide)
{
    LINEDEVCAPS *c = vs_alloc(1024);
    HLINEAPP dead = 0;

    assert_non_null(c);
    assert_int_equal(devcaps(wide, 0, 0, API_HI, 0, c), (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(devcaps(wide, 0xDEADBEEFu, 0, API_HI, 0, c), (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(app_init_event(&dead, NULL, NULL), 0);
    assert_int_equal(lineShutdown(dead), 0);
    assert_int_equal(devcaps(wide, dead, 0, API_HI, 0, c), (LONG)LINEERR_INVALAPPHANDLE);

    assert_int_equal(devcaps(wide, g_app, 0, API_HI, 0, NULL), (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(devcaps(wide, g_app, DEFAULT_NUM_LINES, API_HI, 0, c),
                     (LONG)LINEERR_BADDEVICEID);
    assert_int_equal(devcaps(wide, g_app, 0xFFFFFFFFu, API_HI, 0, c), (LONG)LINEERR_BADDEVICEID);
    assert_int_equal(devcaps(wide, g_app, 0, 0x00010003, 0, c),
                     (LONG)LINEERR_INCOMPATIBLEAPIVERSION);
    assert_int_equal(devcaps(wide, g_app, 0, 0x00020003, 0, c),
                     (LONG)LINEERR_INCOMPATIBLEAPIVERSION);
    assert_int_equal(devcaps(wide, g_app, 0, 0x00030000, 0, c),
                     (LONG)LINEERR_INCOMPATIBLEAPIVERSION);
    assert_int_equal(devcaps(wide, g_app, 0, 0, 0, c), (LONG)LINEERR_INCOMPATIBLEAPIVERSION);
    assert_int_equal(devcaps(wide, g_app, 0, API_HI, 1, c), (LONG)LINEERR_INCOMPATIBLEEXTVERSION);
    assert_int_equal(devcaps(wide, g_app, 0, API_HI, 0x00010000, c),
                     (LONG)LINEERR_INCOMPATIBLEEXTVERSION);
    assert_true(vs_guard_ok(c, 1024));
    free(c);
}

static void devcaps_errors(void **state)
{
    (void)state;
    devcaps_errors_one(0);
    devcaps_errors_one(1);
}

static void devcaps_too_small(void **state)
{
    (void)state;
    for (int wide = 0; wide < 2; wide++) {
        for (size_t v = 0; v < NVERS; v++) {
            DWORD fixed = devcaps_fixed(k_versions[v]);
            static const DWORD below[] = {0, 12, 1};
            for (size_t b = 0; b < 3; b++) {
                DWORD total = b == 2 ? fixed - 1 : below[b];
                unsigned char *c = vs_alloc(total);
                assert_non_null(c);
                if (total < 4) /* dwTotalSize itself must still be readable */
                    memset(c, 0, 4);
                assert_int_equal(devcaps(wide, g_app, 0, k_versions[v], 0, (LINEDEVCAPS *)c),
                                 (LONG)LINEERR_STRUCTURETOOSMALL);
                assert_true(vs_guard_ok(c, total < 4 ? 4 : total));
                free(c);
            }
        }
    }
}

/* Assert every string pair of a LINEDEVCAPS is empty. */
static void devcaps_assert_pairs_empty(const LINEDEVCAPS *c, DWORD ver)
{
    assert_int_equal(c->dwProviderInfoSize, 0);
    assert_int_equal(c->dwProviderInfoOffset, 0);
    assert_int_equal(c->dwSwitchInfoSize, 0);
    assert_int_equal(c->dwSwitchInfoOffset, 0);
    assert_int_equal(c->dwLineNameSize, 0);
    assert_int_equal(c->dwLineNameOffset, 0);
    assert_int_equal(c->dwTerminalCapsSize, 0);
    assert_int_equal(c->dwTerminalCapsOffset, 0);
    assert_int_equal(c->dwTerminalTextSize, 0);
    assert_int_equal(c->dwTerminalTextOffset, 0);
    assert_int_equal(c->dwDevSpecificSize, 0);
    assert_int_equal(c->dwDevSpecificOffset, 0);
    if (ver >= 0x00020000) {
        assert_int_equal(c->dwDeviceClassesSize, 0);
        assert_int_equal(c->dwDeviceClassesOffset, 0);
    }
}

/* Exactly the fixed size: success, needed > used == fixed, strings 0/0. */
static void devcaps_exact_fixed(void **state)
{
    (void)state;
    for (int wide = 0; wide < 2; wide++) {
        for (size_t v = 0; v < NVERS; v++) {
            DWORD ver = k_versions[v], fixed = devcaps_fixed(ver);
            LINEDEVCAPS *c = vs_alloc(fixed);
            assert_non_null(c);
            assert_int_equal(devcaps(wide, g_app, 0, ver, 0, c), 0);
            assert_int_equal(c->dwTotalSize, fixed);
            assert_int_equal(c->dwUsedSize, fixed);
            assert_true(c->dwNeededSize > c->dwUsedSize);
            devcaps_assert_pairs_empty(c, ver);
            /* fixed members are valid even when the strings did not fit */
            assert_int_equal(c->dwNumAddresses, 1);
            assert_int_equal(c->dwPermanentLineID, 1);
            assert_true(vs_guard_ok(c, fixed));
            free(c);
        }
    }
}

/* Every pair inside the used part, strings NUL-terminated. */
static void devcaps_assert_consistent(const LINEDEVCAPS *c, DWORD ver, int wide)
{
    DWORD fixed = devcaps_fixed(ver), used = c->dwUsedSize;
    const char *why;

    assert_true(used >= fixed);
    assert_true(used <= c->dwTotalSize);
    assert_true(c->dwNeededSize >= used);
#define PAIR(sz, off, str)                                                                         \
    do {                                                                                           \
        why = vs_check_pair(c, fixed, used, c->sz, c->off, str, wide);                             \
        if (why)                                                                                   \
            fail_msg("%s/%s (%u/%u, used %u, fixed %u): %s", #sz, #off, (unsigned)c->sz,           \
                     (unsigned)c->off, (unsigned)used, (unsigned)fixed, why);                      \
    } while (0)
    PAIR(dwProviderInfoSize, dwProviderInfoOffset, 1);
    PAIR(dwSwitchInfoSize, dwSwitchInfoOffset, 1);
    PAIR(dwLineNameSize, dwLineNameOffset, 1);
    PAIR(dwTerminalCapsSize, dwTerminalCapsOffset, 0);
    PAIR(dwTerminalTextSize, dwTerminalTextOffset, 0);
    PAIR(dwDevSpecificSize, dwDevSpecificOffset, 0);
    if (ver >= 0x00020000)
        PAIR(dwDeviceClassesSize, dwDeviceClassesOffset, 1);
#undef PAIR
}

static void devcaps_contents(void **state)
{
    (void)state;
    for (int wide = 0; wide < 2; wide++) {
        for (size_t v = 0; v < NVERS; v++) {
            DWORD ver = k_versions[v];
            LINEDEVCAPS *c = NULL;
            LONG rc = devcaps_full(g_app, 0, ver, wide, &c);
            if (rc == 1)
                fail_msg("retry loop did not converge (needed %u, used %u, total %u)",
                         c ? (unsigned)c->dwNeededSize : 0, c ? (unsigned)c->dwUsedSize : 0,
                         c ? (unsigned)c->dwTotalSize : 0);
            assert_int_equal(rc, 0);
            assert_int_equal(c->dwNeededSize, c->dwUsedSize);
            assert_true(vs_guard_ok(c, c->dwTotalSize));
            devcaps_assert_consistent(c, ver, wide);

            assert_int_equal(c->dwNumAddresses, 1);
            assert_int_equal(c->dwPermanentLineID, 1);
            assert_int_equal(c->dwStringFormat, wide ? STRINGFORMAT_UNICODE : STRINGFORMAT_ASCII);
            assert_int_equal(c->dwBearerModes, LINEBEARERMODE_VOICE);
            assert_int_equal(c->dwMediaModes, LINEMEDIAMODE_INTERACTIVEVOICE);
            assert_true(c->dwLineNameSize > 0);
            assert_true(vs_string_eq(c, c->dwLineNameSize, c->dwLineNameOffset, wide, "Station 1"));
            assert_true(c->dwProviderInfoSize > 0);
            assert_true(
                vs_string_eq(c, c->dwProviderInfoSize, c->dwProviderInfoOffset, wide, "tapix"));
            if (ver >= 0x00020000) {
                assert_true(c->dwDeviceClassesSize > 0);
                assert_true(vs_list_has(c, c->dwDeviceClassesSize, c->dwDeviceClassesOffset, wide,
                                        "tapi/line"));
            }
            free(c);
        }
    }
}

/* A buffer much bigger than needed: used == needed < total, total kept. */
static void devcaps_big_buffer(void **state)
{
    (void)state;
    for (int wide = 0; wide < 2; wide++) {
        LINEDEVCAPS *c = vs_alloc(8192);
        assert_non_null(c);
        assert_int_equal(devcaps(wide, g_app, 0, API_HI, 0, c), 0);
        assert_int_equal(c->dwTotalSize, 8192);
        assert_int_equal(c->dwNeededSize, c->dwUsedSize);
        assert_true(c->dwUsedSize > DEVCAPS_FIXED_22);
        assert_true(c->dwUsedSize < 8192);
        devcaps_assert_consistent(c, API_HI, wide);
        assert_true(vs_guard_ok(c, 8192));
        free(c);
    }
}

/* A buffer between the fixed and the needed size: success, total kept,
 * used <= total, every filled pair consistent, nothing past total. */
static void devcaps_partial_buffer(void **state)
{
    (void)state;
    for (int wide = 0; wide < 2; wide++) {
        LINEDEVCAPS *c = NULL;
        assert_int_equal(devcaps_full(g_app, 0, API_HI, wide, &c), 0);
        DWORD needed = c->dwNeededSize;
        free(c);
        for (DWORD total = DEVCAPS_FIXED_22 + 1; total < needed; total++) {
            LINEDEVCAPS *p = vs_alloc(total);
            assert_non_null(p);
            assert_int_equal(devcaps(wide, g_app, 0, API_HI, 0, p), 0);
            assert_int_equal(p->dwTotalSize, total);
            assert_int_equal(p->dwNeededSize, needed);
            assert_true(p->dwUsedSize <= total);
            devcaps_assert_consistent(p, API_HI, wide);
            assert_true(vs_guard_ok(p, total));
            free(p);
        }
    }
}

static void devcaps_every_line(void **state)
{
    (void)state;
    for (DWORD dev = 0; dev < DEFAULT_NUM_LINES; dev++) {
        for (int wide = 0; wide < 2; wide++) {
            LINEDEVCAPS *c = NULL;
            assert_int_equal(devcaps_full(g_app, dev, API_HI, wide, &c), 0);
            devcaps_assert_consistent(c, API_HI, wide);
            assert_true(c->dwNumAddresses >= 1);
            assert_true(c->dwLineNameSize > 0);
            free(c);
        }
    }
}

/* ---------------------------------------------------------------- addrcaps */

static void addrcaps_errors_one(int wide)
{
    LINEADDRESSCAPS *c = vs_alloc(1024);
    HLINEAPP dead = 0;

    assert_non_null(c);
    assert_int_equal(addrcaps(wide, 0, 0, 0, API_HI, 0, c), (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(addrcaps(wide, 0xDEADBEEFu, 0, 0, API_HI, 0, c), (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(app_init_event(&dead, NULL, NULL), 0);
    assert_int_equal(lineShutdown(dead), 0);
    assert_int_equal(addrcaps(wide, dead, 0, 0, API_HI, 0, c), (LONG)LINEERR_INVALAPPHANDLE);

    assert_int_equal(addrcaps(wide, g_app, 0, 0, API_HI, 0, NULL), (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(addrcaps(wide, g_app, DEFAULT_NUM_LINES, 0, API_HI, 0, c),
                     (LONG)LINEERR_BADDEVICEID);
    assert_int_equal(addrcaps(wide, g_app, 0xFFFFFFFFu, 0, API_HI, 0, c),
                     (LONG)LINEERR_BADDEVICEID);
    assert_int_equal(addrcaps(wide, g_app, 0, 1, API_HI, 0, c), (LONG)LINEERR_INVALADDRESSID);
    assert_int_equal(addrcaps(wide, g_app, 7, 1, API_HI, 0, c), (LONG)LINEERR_INVALADDRESSID);
    assert_int_equal(addrcaps(wide, g_app, 0, 0xFFFFFFFFu, API_HI, 0, c),
                     (LONG)LINEERR_INVALADDRESSID);
    assert_int_equal(addrcaps(wide, g_app, 0, 0, 0x00010003, 0, c),
                     (LONG)LINEERR_INCOMPATIBLEAPIVERSION);
    assert_int_equal(addrcaps(wide, g_app, 0, 0, 0x00030000, 0, c),
                     (LONG)LINEERR_INCOMPATIBLEAPIVERSION);
    assert_int_equal(addrcaps(wide, g_app, 0, 0, API_HI, 1, c),
                     (LONG)LINEERR_INCOMPATIBLEEXTVERSION);
    assert_true(vs_guard_ok(c, 1024));
    free(c);
}

static void addrcaps_errors(void **state)
{
    (void)state;
    addrcaps_errors_one(0);
    addrcaps_errors_one(1);
}

static void addrcaps_too_small(void **state)
{
    (void)state;
    for (int wide = 0; wide < 2; wide++) {
        for (size_t v = 0; v < NVERS; v++) {
            DWORD fixed = addrcaps_fixed(k_versions[v]);
            static const DWORD below[] = {0, 12, 1};
            for (size_t b = 0; b < 3; b++) {
                DWORD total = b == 2 ? fixed - 1 : below[b];
                unsigned char *c = vs_alloc(total);
                assert_non_null(c);
                if (total < 4)
                    memset(c, 0, 4);
                assert_int_equal(
                    addrcaps(wide, g_app, 0, 0, k_versions[v], 0, (LINEADDRESSCAPS *)c),
                    (LONG)LINEERR_STRUCTURETOOSMALL);
                assert_true(vs_guard_ok(c, total < 4 ? 4 : total));
                free(c);
            }
        }
    }
}

static void addrcaps_assert_consistent(const LINEADDRESSCAPS *c, DWORD ver, int wide)
{
    DWORD fixed = addrcaps_fixed(ver), used = c->dwUsedSize;
    const char *why;

    assert_true(used >= fixed);
    assert_true(used <= c->dwTotalSize);
    assert_true(c->dwNeededSize >= used);
#define PAIR(sz, off, str)                                                                         \
    do {                                                                                           \
        why = vs_check_pair(c, fixed, used, c->sz, c->off, str, wide);                             \
        if (why)                                                                                   \
            fail_msg("%s/%s (%u/%u, used %u, fixed %u): %s", #sz, #off, (unsigned)c->sz,           \
                     (unsigned)c->off, (unsigned)used, (unsigned)fixed, why);                      \
    } while (0)
    PAIR(dwAddressSize, dwAddressOffset, 1);
    PAIR(dwDevSpecificSize, dwDevSpecificOffset, 0);
    PAIR(dwCompletionMsgTextSize, dwCompletionMsgTextOffset, 0);
    if (ver >= 0x00020000) {
        PAIR(dwCallTreatmentListSize, dwCallTreatmentListOffset, 0);
        PAIR(dwDeviceClassesSize, dwDeviceClassesOffset, 1);
    }
#undef PAIR
}

static void addrcaps_exact_fixed(void **state)
{
    (void)state;
    for (int wide = 0; wide < 2; wide++) {
        for (size_t v = 0; v < NVERS; v++) {
            DWORD ver = k_versions[v], fixed = addrcaps_fixed(ver);
            LINEADDRESSCAPS *c = vs_alloc(fixed);
            assert_non_null(c);
            assert_int_equal(addrcaps(wide, g_app, 0, 0, ver, 0, c), 0);
            assert_int_equal(c->dwTotalSize, fixed);
            assert_int_equal(c->dwUsedSize, fixed);
            assert_true(c->dwNeededSize > c->dwUsedSize);
            assert_int_equal(c->dwAddressSize, 0);
            assert_int_equal(c->dwAddressOffset, 0);
            assert_int_equal(c->dwDevSpecificSize, 0);
            assert_int_equal(c->dwDevSpecificOffset, 0);
            assert_int_equal(c->dwCompletionMsgTextSize, 0);
            assert_int_equal(c->dwCompletionMsgTextOffset, 0);
            if (ver >= 0x00020000) {
                assert_int_equal(c->dwCallTreatmentListSize, 0);
                assert_int_equal(c->dwCallTreatmentListOffset, 0);
                assert_int_equal(c->dwDeviceClassesSize, 0);
                assert_int_equal(c->dwDeviceClassesOffset, 0);
            }
            assert_int_equal(c->dwLineDeviceID, 0);
            assert_true(vs_guard_ok(c, fixed));
            free(c);
        }
    }
}

static void addrcaps_contents(void **state)
{
    (void)state;
    for (int wide = 0; wide < 2; wide++) {
        for (size_t v = 0; v < NVERS; v++) {
            DWORD ver = k_versions[v];
            for (DWORD dev = 0; dev < DEFAULT_NUM_LINES; dev++) {
                LINEADDRESSCAPS *c = NULL;
                char want[8];
                LONG rc = addrcaps_full(g_app, dev, 0, ver, wide, &c);
                if (rc == 1)
                    fail_msg("retry loop did not converge (dev %u)", (unsigned)dev);
                assert_int_equal(rc, 0);
                assert_int_equal(c->dwNeededSize, c->dwUsedSize);
                assert_true(vs_guard_ok(c, c->dwTotalSize));
                addrcaps_assert_consistent(c, ver, wide);
                assert_int_equal(c->dwLineDeviceID, dev);
                snprintf(want, sizeof want, "%u", 201u + (unsigned)dev);
                assert_true(c->dwAddressSize > 0);
                if (!vs_string_eq(c, c->dwAddressSize, c->dwAddressOffset, wide, want))
                    fail_msg("line %u address 0: not \"%s\" (%s)", (unsigned)dev, want,
                             wide ? "W" : "A");
                free(c);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(negotiate_errors, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(negotiate_incompatible, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(negotiate_ranges, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(negotiate_every_device, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(devcaps_errors, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(devcaps_too_small, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(devcaps_exact_fixed, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(devcaps_contents, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(devcaps_big_buffer, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(devcaps_partial_buffer, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(devcaps_every_line, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(addrcaps_errors, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(addrcaps_too_small, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(addrcaps_exact_fixed, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(addrcaps_contents, wd_setup, wd_teardown),
    };
    return cmocka_run_group_tests_name("caps", tests, group_setup, group_teardown);
}
