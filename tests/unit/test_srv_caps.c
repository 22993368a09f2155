/* Unit tests for the LINEDEVCAPS / LINEADDRESSCAPS builders in
 * src/server/lines.c: sizes per version, narrow and wide strings,
 * too-small buffers, and bytes the builder must never touch. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tapi.h>

#include "../../src/server/lines.h"
#include "utf.h"
#include "varstruct.h"

#define GUARD 0xA5
#define BUF 2048

static const uint32_t versions[] = {0x00010004, 0x00020000, 0x00020001, 0x00020002};

/* A line with a non-ASCII name (U+00E4 and U+1F4DE, which needs a
 * surrogate pair in UTF-16) and two addresses. */
static struct line_addr addrs[2] = {
    {"201", "Main", LINEADDRCAPFLAGS_QUEUE | LINEADDRCAPFLAGS_ACDGROUP},
    {"202", NULL, 0},
};
static struct line_dev line = {
    "St\xC3\xA4tion \xF0\x9F\x93\x9E",
    "tapix",
    "tapix built-in switch",
    42,
    LINEMEDIAMODE_INTERACTIVEVOICE,
    2,
    addrs,
};

static uint8_t buf[BUF];

static void guard(void)
{
    memset(buf, GUARD, sizeof buf);
}

static void assert_guard(uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++)
        if (buf[i] != GUARD)
            fail_msg("byte %u was written (0x%02x)", i, buf[i]);
}

static uint32_t u32(uint32_t off)
{
    return vs_get_u32(buf, off);
}

#define DC(m) ((uint32_t)offsetof(LINEDEVCAPS, m))
#define AC(m) ((uint32_t)offsetof(LINEADDRESSCAPS, m))

/* The string at a (size, offset) pair, as UTF-8 (converted when wide). */
static void check_string(uint32_t pair, const char *want, int wide)
{
    uint32_t size = u32(pair), off = u32(pair + 4);
    assert_true(size > 0);
    assert_true(off + size <= u32(8)); /* inside dwUsedSize */
    if (!wide) {
        assert_int_equal(size, strlen(want) + 1);
        assert_memory_equal(buf + off, want, size);
        return;
    }
    assert_int_equal(off % 2, 0);
    uint16_t u[256];
    long n = utf8_to_utf16(want, strlen(want), u, 256);
    assert_true(n >= 0);
    assert_int_equal(size, (uint32_t)(n + 1) * 2);
    for (long i = 0; i <= n; i++)
        assert_int_equal(vs_get_u16(buf, off + 2 * (uint32_t)i), u[i]);
}

static void check_absent(uint32_t pair)
{
    assert_int_equal(u32(pair), 0);
    assert_int_equal(u32(pair + 4), 0);
}

static void check_classes(uint32_t pair, int wide)
{
    static const char cls[] = "tapi/line\0";
    uint32_t size = u32(pair), off = u32(pair + 4);
    assert_int_equal(size, wide ? 22 : 11);
    for (uint32_t i = 0; i < sizeof cls; i++)
        assert_int_equal(wide ? vs_get_u16(buf, off + 2 * i) : buf[off + i], (unsigned char)cls[i]);
}

/* ---- LINEDEVCAPS ---------------------------------------------------------- */

static void test_devcaps_fixed_sizes(void **state)
{
    (void)state;
    static const uint32_t fixed[] = {240, 252, 252, 268};
    for (size_t i = 0; i < 4; i++) {
        assert_true(lines_version_ok(versions[i]));
        assert_int_equal(lines_devcaps_fixed(versions[i]), fixed[i]);
    }
    assert_false(lines_version_ok(0x00010003));
    assert_false(lines_version_ok(0x00020003));
    assert_false(lines_version_ok(0x00030000));
    assert_int_equal(lines_addrcaps_fixed(0x00010004), 180);
    assert_int_equal(lines_addrcaps_fixed(0x00020000), 228);
    assert_int_equal(lines_addrcaps_fixed(0x00020002), 228);
}

/* Full build, both character sets, every version. */
static void test_devcaps_full(void **state)
{
    (void)state;
    for (int wide = 0; wide <= 1; wide++) {
        for (size_t i = 0; i < 4; i++) {
            uint32_t v = versions[i], fixed = lines_devcaps_fixed(v);
            guard();
            assert_int_equal(lines_build_devcaps(&line, v, wide, 1000, buf, 1000), 0);
            assert_int_equal(u32(0), 1000);
            assert_int_equal(u32(4), u32(8)); /* everything fit */
            assert_true(u32(8) > fixed);
            assert_guard(u32(8), BUF);
            check_string(DC(dwProviderInfoSize), "tapix", wide);
            check_string(DC(dwSwitchInfoSize), "tapix built-in switch", wide);
            check_string(DC(dwLineNameSize), line.name, wide);
            assert_int_equal(u32(DC(dwPermanentLineID)), 42);
            assert_int_equal(u32(DC(dwStringFormat)),
                             wide ? STRINGFORMAT_UNICODE : STRINGFORMAT_ASCII);
            assert_int_equal(u32(DC(dwAddressModes)), LINEADDRESSMODE_ADDRESSID);
            assert_int_equal(u32(DC(dwNumAddresses)), 2);
            assert_int_equal(u32(DC(dwBearerModes)), LINEBEARERMODE_VOICE);
            assert_int_equal(u32(DC(dwMediaModes)), LINEMEDIAMODE_INTERACTIVEVOICE);
            assert_int_equal(u32(DC(dwMaxNumActiveCalls)), 1);
            if (v >= 0x00020000)
                check_classes(DC(dwDeviceClassesSize), wide);
            if (v >= 0x00020002) {
                uint8_t g[16];
                lines_guid(42, g);
                assert_memory_equal(buf + DC(PermanentLineGuid), g, 16);
            }
            /* Variable data starts right after this version's fixed part. */
            uint32_t first = u32(DC(dwProviderInfoOffset));
            assert_true(first >= fixed && first < fixed + 4);
            /* The structure is self-consistent. */
            const char *why = NULL;
            vs_field f[] = {{DC(dwProviderInfoSize), wide ? VS_STR16 : VS_STR8},
                            {DC(dwSwitchInfoSize), wide ? VS_STR16 : VS_STR8},
                            {DC(dwLineNameSize), wide ? VS_STR16 : VS_STR8},
                            {DC(dwDeviceClassesSize), wide ? VS_MULTISZ16 : VS_MULTISZ8}};
            assert_int_equal(vs_validate(buf, u32(8), fixed, f, v >= 0x00020000 ? 4 : 3, &why), 0);
        }
    }
}

/* total == fixed: the fixed part is complete, no string fits, and nothing
 * past the fixed part is touched (so a 2.0 build leaves the 2.2 GUID's
 * bytes alone, and a 1.4 build leaves the 2.0 members alone). */
static void test_devcaps_fixed_only(void **state)
{
    (void)state;
    for (int wide = 0; wide <= 1; wide++) {
        for (size_t i = 0; i < 4; i++) {
            uint32_t v = versions[i], fixed = lines_devcaps_fixed(v);
            guard();
            assert_int_equal(lines_build_devcaps(&line, v, wide, fixed, buf, BUF), 0);
            assert_int_equal(u32(0), fixed);
            assert_int_equal(u32(8), fixed);
            /* Needed: every string, plus device classes from 2.0 on. */
            uint32_t need = 0;
            lines_build_devcaps(&line, v, wide, BUF, buf, BUF);
            need = u32(4);
            guard();
            lines_build_devcaps(&line, v, wide, fixed, buf, BUF);
            assert_int_equal(u32(4), need);
            assert_true(need > fixed);
            check_absent(DC(dwProviderInfoSize));
            check_absent(DC(dwSwitchInfoSize));
            check_absent(DC(dwLineNameSize));
            assert_int_equal(u32(DC(dwNumAddresses)), 2);
            assert_int_equal(u32(DC(dwPermanentLineID)), 42);
            if (v >= 0x00020000)
                check_absent(DC(dwDeviceClassesSize));
            assert_guard(fixed, BUF);
        }
    }
}

static void test_devcaps_too_small(void **state)
{
    (void)state;
    for (size_t i = 0; i < 4; i++) {
        uint32_t v = versions[i], fixed = lines_devcaps_fixed(v);
        guard();
        assert_int_equal(lines_build_devcaps(&line, v, 0, fixed - 1, buf, BUF),
                         LINEERR_STRUCTURETOOSMALL);
        assert_int_equal(lines_build_devcaps(&line, v, 1, 0, buf, BUF), LINEERR_STRUCTURETOOSMALL);
        assert_guard(0, BUF);
    }
    /* A 1.4-sized buffer is too small for a 2.0 request. */
    assert_int_equal(lines_build_devcaps(&line, 0x00020000, 0, 240, buf, BUF),
                     LINEERR_STRUCTURETOOSMALL);
    assert_int_equal(lines_build_devcaps(&line, 0x00020002, 0, 252, buf, BUF),
                     LINEERR_STRUCTURETOOSMALL);
}

/* Every total from fixed to needed: dwNeededSize constant, dwUsedSize
 * within total, strings either whole or 0/0, nothing written past total. */
static void test_devcaps_partial(void **state)
{
    (void)state;
    for (int wide = 0; wide <= 1; wide++) {
        uint32_t v = 0x00020002, fixed = lines_devcaps_fixed(v);
        guard();
        lines_build_devcaps(&line, v, wide, BUF, buf, BUF);
        uint32_t need = u32(4);
        for (uint32_t total = fixed; total <= need; total++) {
            guard();
            assert_int_equal(lines_build_devcaps(&line, v, wide, total, buf, BUF), 0);
            assert_int_equal(u32(0), total);
            assert_int_equal(u32(4), need);
            assert_true(u32(8) <= total);
            assert_guard(u32(8), BUF);
            if (total == need)
                assert_int_equal(u32(8), need);
            if (u32(DC(dwLineNameSize)))
                check_string(DC(dwLineNameSize), line.name, wide);
            else
                assert_int_equal(u32(DC(dwLineNameOffset)), 0);
        }
    }
}

/* The server's buffer may be smaller than the application's total (a huge
 * dwTotalSize is capped by the frame size): dwTotalSize still reports the
 * application's size, and nothing is written past the buffer. */
static void test_devcaps_cap_below_total(void **state)
{
    (void)state;
    guard();
    assert_int_equal(lines_build_devcaps(&line, 0x00020002, 1, 0x7FFFFFFF, buf, 280), 0);
    assert_int_equal(u32(0), 0x7FFFFFFF);
    assert_true(u32(8) <= 280);
    assert_true(u32(4) > 280);
    assert_guard(280, BUF);
    /* Buffer below the fixed part: refused, not overrun. */
    guard();
    assert_int_equal(lines_build_devcaps(&line, 0x00020002, 1, 1000, buf, 100),
                     LINEERR_OPERATIONFAILED);
    assert_guard(100, BUF);
}

static void test_guid(void **state)
{
    (void)state;
    uint8_t a[16], b[16], c[16];
    lines_guid(1, a);
    lines_guid(2, b);
    lines_guid(1, c);
    assert_memory_equal(a, c, 16);               /* deterministic */
    assert_memory_not_equal(a, b, 16);           /* distinct per permanent ID */
    assert_int_equal(vs_get_u32(a, 0), 1);       /* Data1 = permanent ID */
    assert_int_equal(vs_get_u16(a, 6) >> 12, 8); /* version 8 */
    assert_int_equal(a[8] & 0xC0, 0x80);         /* RFC variant */
}

/* ---- LINEADDRESSCAPS ------------------------------------------------------ */

static void test_addrcaps_full(void **state)
{
    (void)state;
    for (int wide = 0; wide <= 1; wide++) {
        for (size_t i = 0; i < 4; i++) {
            uint32_t v = versions[i], fixed = lines_addrcaps_fixed(v);
            for (uint32_t a = 0; a < 2; a++) {
                guard();
                assert_int_equal(lines_build_addrcaps(&line, 5, a, v, wide, 600, buf, 600), 0);
                assert_int_equal(u32(0), 600);
                assert_int_equal(u32(4), u32(8));
                assert_guard(u32(8), BUF);
                assert_int_equal(u32(AC(dwLineDeviceID)), 5);
                check_string(AC(dwAddressSize), addrs[a].address, wide);
                assert_int_equal(u32(AC(dwAddressSharing)), LINEADDRESSSHARING_PRIVATE);
                assert_int_equal(u32(AC(dwAddrCapFlags)), addrs[a].flags);
                assert_int_equal(u32(AC(dwMaxNumActiveCalls)), 1);
                assert_true(u32(AC(dwAddressOffset)) >= fixed);
                if (v >= 0x00020000) {
                    assert_int_equal(u32(AC(dwAvailableMediaModes)),
                                     LINEMEDIAMODE_INTERACTIVEVOICE);
                    check_classes(AC(dwDeviceClassesSize), wide);
                }
            }
        }
    }
}

static void test_addrcaps_sizes(void **state)
{
    (void)state;
    for (size_t i = 0; i < 4; i++) {
        uint32_t v = versions[i], fixed = lines_addrcaps_fixed(v);
        guard();
        assert_int_equal(lines_build_addrcaps(&line, 0, 0, v, 0, fixed - 1, buf, BUF),
                         LINEERR_STRUCTURETOOSMALL);
        assert_guard(0, BUF);
        assert_int_equal(lines_build_addrcaps(&line, 0, 0, v, 0, fixed, buf, BUF), 0);
        assert_int_equal(u32(8), fixed);
        assert_int_equal(u32(4), fixed + 4 + (v >= 0x00020000 ? 11 : 0));
        check_absent(AC(dwAddressSize));
        assert_int_equal(u32(AC(dwAddrCapFlags)), addrs[0].flags);
        assert_guard(fixed, BUF);
    }
    /* Wide 2.0: "201" = 8 bytes, classes at a 4-aligned offset = 22 bytes. */
    guard();
    assert_int_equal(lines_build_addrcaps(&line, 0, 0, 0x00020000, 1, 228, buf, BUF), 0);
    assert_int_equal(u32(4), 228 + 8 + 22);
}

/* The address is checked before the size. */
static void test_addrcaps_bad_address(void **state)
{
    (void)state;
    guard();
    assert_int_equal(lines_build_addrcaps(&line, 0, 2, 0x00020000, 0, 1000, buf, BUF),
                     LINEERR_INVALADDRESSID);
    assert_int_equal(lines_build_addrcaps(&line, 0, 2, 0x00020000, 0, 4, buf, BUF),
                     LINEERR_INVALADDRESSID);
    assert_int_equal(lines_build_addrcaps(&line, 0, 0xFFFFFFFF, 0x00010004, 0, 1000, buf, BUF),
                     LINEERR_INVALADDRESSID);
    assert_guard(0, BUF);
}

/* The built-in default lines build for every version. */
static void test_default_lines(void **state)
{
    (void)state;
    struct line_table t;
    assert_int_equal(lines_defaults(&t), 0);
    assert_int_equal(t.n, 8);
    for (uint32_t i = 0; i < t.n; i++) {
        guard();
        assert_int_equal(lines_build_devcaps(&t.v[i], 0x00020002, 0, 1000, buf, 1000), 0);
        assert_int_equal(u32(DC(dwPermanentLineID)), i + 1);
        assert_int_equal(u32(4), u32(8));
        guard();
        assert_int_equal(lines_build_addrcaps(&t.v[i], i, 0, 0x00020002, 1, 1000, buf, 1000), 0);
        char want[8];
        snprintf(want, sizeof want, "%u", 201 + i);
        check_string(AC(dwAddressSize), want, 1);
    }
    lines_free(&t);
    assert_int_equal(t.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devcaps_fixed_sizes),
        cmocka_unit_test(test_devcaps_full),
        cmocka_unit_test(test_devcaps_fixed_only),
        cmocka_unit_test(test_devcaps_too_small),
        cmocka_unit_test(test_devcaps_partial),
        cmocka_unit_test(test_devcaps_cap_below_total),
        cmocka_unit_test(test_guid),
        cmocka_unit_test(test_addrcaps_full),
        cmocka_unit_test(test_addrcaps_sizes),
        cmocka_unit_test(test_addrcaps_bad_address),
        cmocka_unit_test(test_default_lines),
    };
    return cmocka_run_group_tests_name("srv_caps", tests, NULL, NULL);
}
