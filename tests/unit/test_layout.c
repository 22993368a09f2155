/*
 * Pins sizeof and the offset of every member of every structure in tapi.h to
 * Microsoft's x64 layout.  The expected values come from mingw-w64's header
 * through tools/gen-layout-expected.py, not from our own header, so a typo in
 * either shows up here.  Built twice by the Makefile: at the default
 * TAPI_CURRENT_VERSION (0x00020002) and at 0x00030001.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <tapi.h>

struct pin {
    const char *type, *member;
    size_t expected, actual;
};

#define LAYOUT(t, m, off) {#t, #m, (off), offsetof(t, m)},
#define SIZE(t, sz) {#t, "sizeof", (sz), sizeof(t)},
static const struct pin pins[] = {
#include "layout_expected.h"
};
#undef LAYOUT
#undef SIZE

static void every_offset_matches(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        if (pins[i].expected != pins[i].actual) {
            print_error("%s.%s: expected %zu, got %zu\n", pins[i].type, pins[i].member,
                        pins[i].expected, pins[i].actual);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
    /* The table really covers the structures: at least every member of the
       biggest ones, not a silently empty include. */
    assert_true(sizeof pins / sizeof pins[0] > 350);
}

/* The best-known figures of the layout, stated once more by hand. */
static void headline_figures(void **state)
{
    (void)state;
    assert_int_equal(offsetof(LINEPROXYREQUEST, SetAgentGroup), 28);
    assert_int_equal(sizeof(LINEPROXYREQUEST), 108);
    assert_int_equal(sizeof(LINEAGENTSESSIONINFO), 76);
    assert_int_equal(offsetof(LINEAGENTSESSIONINFO, dateSessionStartTime), 20);
    assert_int_equal(offsetof(LINEAGENTSESSIONINFO, cyACDCallRate), 60);
    assert_int_equal(sizeof(LINEMESSAGE), 40);
    assert_int_equal(sizeof(LINEINITIALIZEEXPARAMS), 28);
    assert_int_equal(sizeof(LINEADDRESSCAPS), 228);
#if TAPI_CURRENT_VERSION >= 0x00030000
    assert_int_equal(sizeof(LINECALLPARAMS), 180);
    assert_int_equal(sizeof(LINEDEVCAPS), 292);
#else
    assert_int_equal(sizeof(LINECALLPARAMS), 176);
    assert_int_equal(sizeof(LINEDEVCAPS), 268);
#endif
}

/* DESIGN §3: integer widths and 32-bit handles, whatever the platform. */
static void base_types(void **state)
{
    (void)state;
    assert_int_equal(sizeof(DWORD), 4);
    assert_int_equal(sizeof(LONG), 4);
    assert_int_equal(sizeof(WCHAR), 2);
    assert_int_equal(sizeof(GUID), 16);
    assert_int_equal(sizeof(DATE), 8);
    assert_int_equal(sizeof(CURRENCY), 8);
    assert_int_equal(sizeof(HLINEAPP), 4);
    assert_int_equal(sizeof(HLINE), 4);
    assert_int_equal(sizeof(HCALL), 4);
    assert_int_equal(sizeof(HAGENT), 4);
    assert_int_equal(sizeof(HAGENTSESSION), 4);
    assert_int_equal(sizeof(DWORD_PTR), sizeof(void *));
    assert_int_equal(sizeof(HANDLE), sizeof(void *));
    assert_true((LONG)LINEERR_INVALPOINTER < 0);
    assert_int_equal(LINEERR_INVALAGENTSESSIONSTATE, 0x8000005F);
    assert_int_equal(LINEPROXYREQUEST_SETAGENTSTATEEX, 0x14);
    assert_int_equal(LINE_PROXYSTATUS, 31);
}

/* 3.x additions appear only when the program asks for 3.x. */
static void version_gates(void **state)
{
    (void)state;
#if TAPI_CURRENT_VERSION >= 0x00030000
    assert_int_equal(LINE_DEVSPECIFICEX, 34);
    assert_int_equal(LINEERR_INVALADDRESSTYPE, 0x8000005E);
    assert_int_equal(offsetof(LINECALLPARAMS, dwAddressType), 176);
#else
#if defined(LINE_DEVSPECIFICEX) || defined(LINEERR_INVALADDRESSTYPE) ||                            \
    defined(LINEINITIALIZEEXOPTION_CALLHUBTRACKING)
#error 3.x constants visible at TAPI_CURRENT_VERSION < 0x00030000
#endif
    assert_int_equal(TAPI_CURRENT_VERSION, 0x00020002);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_offset_matches),
        cmocka_unit_test(headline_figures),
        cmocka_unit_test(base_types),
        cmocka_unit_test(version_gates),
    };
    char name[64];
    snprintf(name, sizeof name, "layout (TAPI_CURRENT_VERSION 0x%08X)",
             (unsigned)TAPI_CURRENT_VERSION);
    return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}
