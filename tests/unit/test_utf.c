/* Unit tests for src/common/utf.c (strict UTF-8 <-> UTF-16). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "utf.h"

#define CANARY 0xAAAAu

/* Convert s to UTF-16 into a canary-filled array and check the result
 * against want (n units), including the terminator and the canaries. */
static void expect_8to16(const char *s, const uint16_t *want, long n)
{
    uint16_t dst[16];
    size_t i;

    for (i = 0; i < 16; i++)
        dst[i] = CANARY;
    assert_int_equal(utf8_to_utf16(s, strlen(s), NULL, 0), n);
    assert_int_equal(utf8_to_utf16(s, strlen(s), dst, 8), n);
    assert_memory_equal(dst, want, (size_t)n * 2);
    assert_int_equal(dst[n], 0);
    for (i = 8; i < 16; i++)
        assert_int_equal(dst[i], CANARY);
}

static void expect_bad8(const char *s, size_t len)
{
    uint16_t dst[8] = {0x41};

    assert_int_equal(utf8_to_utf16(s, len, NULL, 0), UTF_EINVAL);
    assert_int_equal(utf8_to_utf16(s, len, dst, 8), UTF_EINVAL);
    assert_int_equal(dst[0], 0); /* failed call leaves an empty string */
}

static void expect_bad16(const uint16_t *s, size_t n)
{
    char dst[16] = "x";

    assert_int_equal(utf16_to_utf8(s, n, NULL, 0), UTF_EINVAL);
    assert_int_equal(utf16_to_utf8(s, n, dst, sizeof dst), UTF_EINVAL);
    assert_int_equal(dst[0], 0);
}

static void test_ascii(void **state)
{
    static const uint16_t want[] = {'h', 'e', 'l', 'l', 'o'};
    char back[8];

    (void)state;
    expect_8to16("hello", want, 5);
    assert_int_equal(utf16_to_utf8(want, 5, back, sizeof back), 5);
    assert_string_equal(back, "hello");
}

static void test_multibyte(void **state)
{
    static const uint16_t e_acute[] = {0xE9};
    static const uint16_t euro[] = {0x20AC};
    static const uint16_t mixed[] = {'a', 0xE9, 0x20AC, 0xD83D, 0xDE00, 'z'};

    (void)state;
    expect_8to16("\xC3\xA9", e_acute, 1);
    expect_8to16("\xE2\x82\xAC", euro, 1);
    expect_8to16("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z", mixed, 6);
}

static void test_surrogate_pair_round_trip(void **state)
{
    static const uint16_t pair[] = {0xD83D, 0xDE00};
    static const uint16_t max[] = {0xDBFF, 0xDFFF};
    char back[8];

    (void)state;
    expect_8to16("\xF0\x9F\x98\x80", pair, 2);
    assert_int_equal(utf16_to_utf8(pair, 2, NULL, 0), 4);
    assert_int_equal(utf16_to_utf8(pair, 2, back, sizeof back), 4);
    assert_string_equal(back, "\xF0\x9F\x98\x80");

    expect_8to16("\xF4\x8F\xBF\xBF", max, 2); /* U+10FFFF */
    assert_int_equal(utf16_to_utf8(max, 2, back, sizeof back), 4);
    assert_string_equal(back, "\xF4\x8F\xBF\xBF");
}

static void test_boundaries_ok(void **state)
{
    static const uint16_t d7ff[] = {0xD7FF};
    static const uint16_t e000[] = {0xE000};
    static const uint16_t k10000[] = {0xD800, 0xDC00};
    static const uint16_t x7ff[] = {0x7FF};
    static const uint16_t ffff[] = {0xFFFF};

    (void)state;
    expect_8to16("\xED\x9F\xBF", d7ff, 1); /* just below the surrogates */
    expect_8to16("\xEE\x80\x80", e000, 1); /* just above */
    expect_8to16("\xF0\x90\x80\x80", k10000, 2);
    expect_8to16("\xDF\xBF", x7ff, 1);
    expect_8to16("\xEF\xBF\xBF", ffff, 1);
}

static void test_invalid_utf8(void **state)
{
    uint32_t cp = 0;

    (void)state;
    expect_bad8("\xF4\x90\x80\x80", 4); /* U+110000 */
    expect_bad8("\xC0\x80", 2);         /* overlong NUL */
    expect_bad8("\xC1\xBF", 2);         /* overlong 0x7F */
    expect_bad8("\xE0\x80\x80", 3);     /* overlong, 3 bytes */
    expect_bad8("\xE0\x9F\xBF", 3);     /* overlong U+07FF */
    expect_bad8("\xF0\x80\x80\x80", 4); /* overlong, 4 bytes */
    expect_bad8("\xF0\x8F\xBF\xBF", 4); /* overlong U+FFFF */
    expect_bad8("\xED\xA0\x80", 3);     /* encoded high surrogate */
    expect_bad8("\xED\xBF\xBF", 3);     /* encoded low surrogate */
    expect_bad8("a\xE2\x82", 3);        /* truncated at the end */
    expect_bad8("\xF0\x9F\x98", 3);
    expect_bad8("\xC3", 1);
    expect_bad8("\x80", 1); /* stray continuation byte */
    expect_bad8("a\xBF"
                "b",
                3);
    expect_bad8("\xC3\x28", 2); /* lead without continuation */
    expect_bad8("\xE2\x28\xA1", 3);
    expect_bad8("\xF5\x80\x80\x80", 4); /* lead bytes never used */
    expect_bad8("\xF8\x88\x80\x80\x80", 5);
    expect_bad8("\xFF", 1);
    /* utf8_decode stops at len even if the string goes on. */
    assert_int_equal(utf8_decode("\xC3\xA9", 1, &cp), UTF_EINVAL);
    assert_int_equal(utf8_decode("x", 0, &cp), UTF_EINVAL);
    assert_int_equal(utf8_decode("\xC3\xA9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
}

static void test_invalid_utf16(void **state)
{
    static const uint16_t lone_high[] = {'a', 0xD83D};
    static const uint16_t high_then_a[] = {0xD83D, 'a'};
    static const uint16_t lone_low[] = {0xDE00, 'a'};
    static const uint16_t reversed[] = {0xDE00, 0xD83D};
    static const uint16_t two_high[] = {0xD83D, 0xD83D};
    /* A low surrogate must not start a pair even if another follows. */
    static const uint16_t two_low[] = {0xDE00, 0xDE00};

    (void)state;
    expect_bad16(lone_high, 2);
    expect_bad16(high_then_a, 2);
    expect_bad16(lone_low, 2);
    expect_bad16(reversed, 2);
    expect_bad16(two_high, 2);
    expect_bad16(two_low, 2);
    /* A pair cut in two by src_units is a lone high surrogate. */
    expect_bad16((const uint16_t[]){0xD83D, 0xDE00}, 1);
}

static void test_empty(void **state)
{
    uint16_t d16[2] = {0x41, 0x41};
    char d8[2] = "x";

    (void)state;
    assert_int_equal(utf8_to_utf16("", 0, d16, 2), 0);
    assert_int_equal(d16[0], 0);
    assert_int_equal(utf8_to_utf16(NULL, 0, d16, 1), 0);
    assert_int_equal(utf8_to_utf16("", 0, NULL, 0), 0);
    assert_int_equal(utf16_to_utf8(d16, 0, d8, 1), 0);
    assert_int_equal(d8[0], 0);
    assert_int_equal(utf16_to_utf8(NULL, 0, NULL, 0), 0);
    assert_int_equal(utf16_len(NULL), 0);
    assert_int_equal(utf16_len(d16), 0);
}

static void test_embedded_nul(void **state)
{
    static const uint16_t want[] = {'a', 0, 'b'};
    uint16_t d[4];
    char back[4];

    (void)state;
    assert_int_equal(utf8_to_utf16("a\0b", 3, d, 4), 3);
    assert_memory_equal(d, want, sizeof want);
    assert_int_equal(utf16_to_utf8(want, 3, back, 4), 3);
    assert_memory_equal(back, "a\0b", 4);
}

static void test_measuring_and_bad_args(void **state)
{
    uint16_t d16[4] = {0};
    char d8[4] = "";

    (void)state;
    assert_int_equal(utf8_to_utf16("\xF0\x9F\x98\x80"
                                   "ab",
                                   6, NULL, 0),
                     4);
    assert_int_equal(utf16_to_utf8((const uint16_t[]){0x20AC, 'a'}, 2, NULL, 0), 4);
    assert_int_equal(utf8_to_utf16("ab", 2, NULL, 3), UTF_EINVAL);
    assert_int_equal(utf16_to_utf8(d16, 1, NULL, 3), UTF_EINVAL);
    assert_int_equal(utf8_to_utf16(NULL, 1, d16, 4), UTF_EINVAL);
    assert_int_equal(utf16_to_utf8(NULL, 1, d8, 4), UTF_EINVAL);
    /* The lengths are checked before src is read. */
    assert_int_equal(utf8_to_utf16("a", (size_t)LONG_MAX, NULL, 0), UTF_ERANGE);
    assert_int_equal(utf16_to_utf8(d16, (size_t)LONG_MAX, NULL, 0), UTF_ERANGE);
}

static void test_enospc_8to16(void **state)
{
    /* "a" U+20AC U+1F600 = 1 + 1 + 2 = 4 units, 5 with the NUL. */
    static const char s[] = "a\xE2\x82\xAC\xF0\x9F\x98\x80";
    uint16_t d[8];
    size_t i;

    (void)state;
    for (i = 0; i < 8; i++)
        d[i] = CANARY;
    assert_int_equal(utf8_to_utf16(s, strlen(s), d, 5), 4);
    assert_int_equal(d[4], 0);
    assert_int_equal(d[5], CANARY);
    for (i = 0; i < 8; i++)
        d[i] = CANARY;
    assert_int_equal(utf8_to_utf16(s, strlen(s), d, 4), UTF_ENOSPC);
    assert_int_equal(d[0], 0);
    for (i = 1; i < 8; i++)
        assert_int_equal(d[i], CANARY); /* nothing half-written */
    assert_int_equal(utf8_to_utf16(s, strlen(s), d, 0), UTF_ENOSPC);
    /* Invalid input wins over a too small buffer. */
    assert_int_equal(utf8_to_utf16("ab\x80", 3, d, 1), UTF_EINVAL);
}

static void test_enospc_16to8(void **state)
{
    static const uint16_t s[] = {'a', 0xE9, 0x20AC, 0xD83D, 0xDE00};
    char d[16];

    (void)state;
    /* 1 + 2 + 3 + 4 = 10 bytes, 11 with the NUL. */
    memset(d, 0xAA, sizeof d);
    assert_int_equal(utf16_to_utf8(s, 5, d, 11), 10);
    assert_string_equal(d, "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    assert_int_equal((unsigned char)d[11], 0xAA);
    memset(d, 0xAA, sizeof d);
    assert_int_equal(utf16_to_utf8(s, 5, d, 10), UTF_ENOSPC);
    assert_int_equal(d[0], 0);
    assert_int_equal((unsigned char)d[1], 0xAA);
    assert_int_equal(utf16_to_utf8((const uint16_t[]){0xDE00}, 1, d, 1), UTF_EINVAL);
}

static void test_dup(void **state)
{
    uint16_t *w;
    char *s;
    int err = 1;

    (void)state;
    w = utf8_to_utf16_dup("x\xF0\x9F\x98\x80", &err);
    assert_non_null(w);
    assert_int_equal(err, 0);
    assert_int_equal(utf16_len(w), 3);
    assert_int_equal(w[1], 0xD83D);
    assert_int_equal(w[2], 0xDE00);
    s = utf16_to_utf8_dup(w, &err);
    assert_non_null(s);
    assert_int_equal(err, 0);
    assert_string_equal(s, "x\xF0\x9F\x98\x80");
    free(w);
    free(s);

    assert_null(utf8_to_utf16_dup("\xC0\x80", &err));
    assert_int_equal(err, UTF_EINVAL);
    err = 0;
    assert_null(utf16_to_utf8_dup((const uint16_t[]){0xD800, 0}, &err));
    assert_int_equal(err, UTF_EINVAL);
    err = 0;
    assert_null(utf8_to_utf16_dup(NULL, &err));
    assert_int_equal(err, UTF_EINVAL);
    assert_null(utf16_to_utf8_dup(NULL, NULL)); /* err may be NULL */
    w = utf8_to_utf16_dup("", NULL);
    assert_non_null(w);
    assert_int_equal(w[0], 0);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_multibyte),
        cmocka_unit_test(test_surrogate_pair_round_trip),
        cmocka_unit_test(test_boundaries_ok),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_invalid_utf16),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_measuring_and_bad_args),
        cmocka_unit_test(test_enospc_8to16),
        cmocka_unit_test(test_enospc_16to8),
        cmocka_unit_test(test_dup),
    };

    return cmocka_run_group_tests_name("utf", tests, NULL, NULL);
}
