/*
 * test_config - tapisrv configured from a file: what the configured line
 * and addresses look like through the API, and bad files refused with
 * "FILE:LINE: reason" on stderr, exit status 1 and no READY.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tapitest.h"

static const char k_config[] = "[line 0]\n"
                               "name = Agent Line\n"
                               "permanent_id = 42\n"
                               "provider_info = p\n"
                               "switch_info = s\n"
                               "[line 0 address 0]\n"
                               "address = 300\n"
                               "flags = QUEUE ACDGROUP\n"
                               "[line 0 address 1]\n"
                               "address = 301\n";

static int group_setup(void **state)
{
    (void)state;
    return group_srv_start(k_config, "test_config group setup");
}

static int group_teardown(void **state)
{
    (void)state;
    return group_srv_stop("test_config group teardown");
}

static void custom_num_devs(void **state)
{
    HLINEAPP app = 0;
    DWORD n = 0, ver = 0;
    LINEEXTENSIONID ext;
    (void)state;

    assert_int_equal(app_init_event(&app, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(lineNegotiateAPIVersion(app, 0, API_LO, API_HI, &ver, &ext), 0);
    assert_int_equal(lineNegotiateAPIVersion(app, 1, API_LO, API_HI, &ver, &ext),
                     (LONG)LINEERR_BADDEVICEID);
    assert_int_equal(lineShutdown(app), 0);
}

static void custom_devcaps(void **state)
{
    HLINEAPP app = 0;
    (void)state;

    assert_int_equal(app_init_event(&app, NULL, NULL), 0);
    for (int wide = 0; wide < 2; wide++) {
        LINEDEVCAPS *c = NULL;
        assert_int_equal(devcaps_full(app, 0, API_HI, wide, &c), 0);
        assert_int_equal(c->dwNeededSize, c->dwUsedSize);
        assert_int_equal(c->dwPermanentLineID, 42);
        assert_int_equal(c->dwNumAddresses, 2);
        assert_int_equal(c->dwStringFormat, wide ? STRINGFORMAT_UNICODE : STRINGFORMAT_ASCII);
        assert_null(vs_check_pair(c, DEVCAPS_FIXED_22, c->dwUsedSize, c->dwLineNameSize,
                                  c->dwLineNameOffset, 1, wide));
        assert_null(vs_check_pair(c, DEVCAPS_FIXED_22, c->dwUsedSize, c->dwProviderInfoSize,
                                  c->dwProviderInfoOffset, 1, wide));
        assert_null(vs_check_pair(c, DEVCAPS_FIXED_22, c->dwUsedSize, c->dwSwitchInfoSize,
                                  c->dwSwitchInfoOffset, 1, wide));
        assert_true(vs_string_eq(c, c->dwLineNameSize, c->dwLineNameOffset, wide, "Agent Line"));
        assert_true(vs_string_eq(c, c->dwProviderInfoSize, c->dwProviderInfoOffset, wide, "p"));
        assert_true(vs_string_eq(c, c->dwSwitchInfoSize, c->dwSwitchInfoOffset, wide, "s"));
        assert_int_equal(lineGetDevCapsA(app, 1, API_HI, 0, c), (LONG)LINEERR_BADDEVICEID);
        free(c);
    }
    assert_int_equal(lineShutdown(app), 0);
}

static void custom_addrcaps(void **state)
{
    const DWORD cc = LINEADDRCAPFLAGS_QUEUE | LINEADDRCAPFLAGS_ACDGROUP;
    HLINEAPP app = 0;
    (void)state;

    assert_int_equal(app_init_event(&app, NULL, NULL), 0);
    for (int wide = 0; wide < 2; wide++) {
        LINEADDRESSCAPS *a0 = NULL, *a1 = NULL;
        assert_int_equal(addrcaps_full(app, 0, 0, API_HI, wide, &a0), 0);
        assert_int_equal(addrcaps_full(app, 0, 1, API_HI, wide, &a1), 0);
        assert_int_equal(a0->dwLineDeviceID, 0);
        assert_int_equal(a1->dwLineDeviceID, 0);
        assert_null(vs_check_pair(a0, ADDRCAPS_FIXED_20, a0->dwUsedSize, a0->dwAddressSize,
                                  a0->dwAddressOffset, 1, wide));
        assert_null(vs_check_pair(a1, ADDRCAPS_FIXED_20, a1->dwUsedSize, a1->dwAddressSize,
                                  a1->dwAddressOffset, 1, wide));
        assert_true(vs_string_eq(a0, a0->dwAddressSize, a0->dwAddressOffset, wide, "300"));
        assert_true(vs_string_eq(a1, a1->dwAddressSize, a1->dwAddressOffset, wide, "301"));
        assert_int_equal(a0->dwAddrCapFlags, cc);
        assert_int_equal(a1->dwAddrCapFlags & cc, 0);
        assert_int_equal(lineGetAddressCapsA(app, 0, 2, API_HI, 0, a0),
                         (LONG)LINEERR_INVALADDRESSID);
        assert_int_equal(lineGetAddressCapsW(app, 0, 2, API_HI, 0, a0),
                         (LONG)LINEERR_INVALADDRESSID);
        free(a0);
        free(a1);
    }
    assert_int_equal(lineShutdown(app), 0);
}

static void custom_open_single_address(void **state)
{
    HLINEAPP app = 0;
    HLINE line = 0;
    LINECALLPARAMS cp;
    (void)state;

    assert_int_equal(app_init_event(&app, NULL, NULL), 0);
    for (DWORD addr = 0; addr < 2; addr++) {
        memset(&cp, 0, sizeof cp);
        cp.dwTotalSize = sizeof cp;
        cp.dwAddressMode = LINEADDRESSMODE_ADDRESSID;
        cp.dwAddressID = addr;
        line = 0;
        assert_int_equal(lineOpenA(app, 0, &line, API_HI, 0, 0,
                                   LINEOPENOPTION_SINGLEADDRESS | LINECALLPRIVILEGE_OWNER,
                                   LINEMEDIAMODE_INTERACTIVEVOICE, &cp),
                         0);
        assert_int_not_equal(line, 0);
        assert_int_equal(lineClose(line), 0);
    }
    cp.dwAddressID = 2;
    assert_int_equal(lineOpenA(app, 0, &line, API_HI, 0, 0,
                               LINEOPENOPTION_SINGLEADDRESS | LINECALLPRIVILEGE_OWNER,
                               LINEMEDIAMODE_INTERACTIVEVOICE, &cp),
                     (LONG)LINEERR_INVALADDRESSID);
    assert_int_equal(lineShutdown(app), 0);
}

/* ---------------------------------------------------------------- bad files */

/* The server must refuse cfg: exit 1, no READY, and somewhere on stderr
 * "...tapisrv.conf:LINE: reason" with LINE among the accepted ones. */
static void expect_refused(const char *cfg, const int *lines, int nlines)
{
    char err[8192];
    int code = -2, found = 0;
    regex_t re;
    regmatch_t m[2];
    const char *p;

    assert_int_equal(srv_start_expect_failure(cfg, &code, err, sizeof err), 0);
    assert_int_equal(code, 1);
    assert_int_equal(regcomp(&re, "tapisrv\\.conf:([0-9]+): [^\n]*[^ \n]", REG_EXTENDED), 0);
    for (p = err; !found && regexec(&re, p, 2, m, 0) == 0; p += m[0].rm_eo) {
        int line = atoi(p + m[1].rm_so);
        for (int i = 0; i < nlines; i++)
            if (line == lines[i])
                found = 1;
    }
    regfree(&re);
    if (!found)
        fail_msg("no \"tapisrv.conf:LINE: reason\" with an expected line on stderr:\n%s", err);
}

static void bad_config_orphan_line(void **state)
{
    /* [line 1] without [line 0]: the section header (1) or its first key (2) */
    static const int lines[] = {1, 2};
    (void)state;
    expect_refused("[line 1]\nname = Orphan\n", lines, 2);
}

static void bad_config_unknown_key(void **state)
{
    static const int lines[] = {3};
    (void)state;
    expect_refused("[line 0]\nname = X\ncolour = blue\n", lines, 1);
}

static void bad_config_unknown_key_in_address(void **state)
{
    static const int lines[] = {5};
    (void)state;
    expect_refused("[line 0]\nname = X\n[line 0 address 0]\naddress = 300\nbogus = 1\n", lines, 1);
}

/* After refusing bad files, the good server still works. */
static void good_server_unaffected(void **state)
{
    HLINEAPP app = 0;
    HLINE line = 0;
    (void)state;
    srv_use(group_srv);
    assert_int_equal(app_init_event(&app, NULL, NULL), 0);
    assert_int_equal(open_monitor(app, 0, &line, 1), 0);
    assert_int_equal(lineClose(line), 0);
    assert_int_equal(lineShutdown(app), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(custom_num_devs, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(custom_devcaps, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(custom_addrcaps, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(custom_open_single_address, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(bad_config_orphan_line, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(bad_config_unknown_key, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(bad_config_unknown_key_in_address, wd_setup, wd_teardown),
        cmocka_unit_test_setup_teardown(good_server_unaffected, wd_setup, wd_teardown),
    };
    return cmocka_run_group_tests_name("config", tests, group_setup, group_teardown);
}
