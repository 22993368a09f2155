/* Unit tests for src/common/varstruct.c (writer and validator). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "varstruct.h"

/* Every buffer gets GUARD canary bytes after dwTotalSize; the writer
 * must never touch them (nor the unused bytes between used and total). */
#define GUARD 16
#define CANARY 0xAA

static uint8_t *mkbuf(uint32_t total)
{
    uint8_t *b = malloc((size_t)total + GUARD);

    assert_non_null(b);
    memset(b, CANARY, (size_t)total + GUARD);
    return b;
}

/* Bytes [from, to) must still hold the canary. */
static void assert_untouched(const uint8_t *b, uint32_t from, uint32_t to)
{
    uint32_t i;

    for (i = from; i < to; i++)
        assert_int_equal(b[i], CANARY);
}

#define SIZE(b, pair) vs_get_u32((b), (pair))
#define OFF(b, pair) vs_get_u32((b), (pair) + 4)

/* ------------------------------------------------------------------ */
/* A plain structure: fixed 40 = header, DWORD at 12, pairs at 16/24/32 */

#define FIX 40u
static const uint8_t A10[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static const char B19[] = "0123456789abcdefghi"; /* 20 bytes with NUL */
static const char C2[] = "hi";                   /* 3 bytes with NUL */
#define NEED3 (FIX + 10 + 20 + 3)

/* Build the three-field structure into b; returns a bit mask of the
 * fields actually written (1 = A, 2 = B, 4 = C). */
static int build3(uint8_t *b, uint32_t total, vs_writer *w)
{
    int ra, rb, rc;

    assert_int_equal(vs_init(w, b, total, FIX), 0);
    assert_int_equal(vs_set_u32(w, 12, 0x12345678), 1);
    ra = vs_append(w, 16, A10, sizeof A10);
    rb = vs_append_str8(w, 24, B19);
    rc = vs_append_str8(w, 32, C2);
    assert_true(ra >= 0 && rb >= 0 && rc >= 0);
    assert_int_equal(vs_finish(w), 0);
    assert_int_equal(vs_get_u32(b, 0), total);
    assert_int_equal(vs_get_u32(b, 4), NEED3);
    assert_int_equal(vs_get_u32(b, 8), w->used);
    assert_int_equal(vs_get_u32(b, 12), 0x12345678);
    assert_untouched(b, w->used, total + GUARD);
    return ra | rb << 1 | rc << 2;
}

static void test_init_errors(void **state)
{
    uint8_t *b = mkbuf(64);
    vs_writer w;

    (void)state;
    assert_int_equal(vs_init(&w, b, FIX - 1, FIX), VS_EINVAL);
    /* A failed init poisons the writer: nothing is ever written. */
    assert_int_equal(vs_append_str8(&w, 16, "x"), VS_EINVAL);
    assert_int_equal(vs_finish(&w), VS_EINVAL);
    assert_int_equal(vs_init(&w, b, 64, 8), VS_EINVAL);  /* fixed < 12 */
    assert_int_equal(vs_init(&w, b, 11, 11), VS_EINVAL); /* total < 12 */
    assert_int_equal(vs_init(&w, NULL, 64, FIX), VS_EINVAL);
    assert_int_equal(vs_init(NULL, b, 64, FIX), VS_EINVAL);
    assert_int_equal(vs_finish(NULL), VS_EINVAL);
    assert_untouched(b, 0, 64 + GUARD);
    assert_int_equal(vs_init(&w, b, 12, 12), 0); /* header only is fine */
    assert_int_equal(vs_finish(&w), 0);
    assert_int_equal(vs_get_u32(b, 8), 12);
    assert_untouched(b, 12, 64 + GUARD);
    free(b);
}

static void test_init_zeroes_fixed_only(void **state)
{
    uint8_t *b = mkbuf(64);
    vs_writer w;
    uint32_t i;

    (void)state;
    assert_int_equal(vs_init(&w, b, 64, FIX), 0);
    assert_int_equal(vs_get_u32(b, 0), 64);
    for (i = 4; i < FIX; i++)
        assert_int_equal(b[i], 0);
    assert_untouched(b, FIX, 64 + GUARD);
    assert_int_equal(w.used, FIX);
    assert_int_equal(w.needed, FIX);
    free(b);
}

static void test_exactly_fixed_part(void **state)
{
    uint8_t *b = mkbuf(FIX);
    vs_writer w;

    (void)state;
    assert_int_equal(build3(b, FIX, &w), 0); /* nothing fits */
    assert_int_equal(w.used, FIX);
    assert_int_equal(SIZE(b, 16), 0);
    assert_int_equal(OFF(b, 16), 0);
    assert_int_equal(SIZE(b, 24), 0);
    assert_int_equal(OFF(b, 24), 0);
    assert_int_equal(SIZE(b, 32), 0);
    assert_int_equal(OFF(b, 32), 0);
    free(b);
}

static void test_exactly_enough(void **state)
{
    uint8_t *b = mkbuf(NEED3);
    vs_writer w;

    (void)state;
    assert_int_equal(build3(b, NEED3, &w), 7);
    assert_int_equal(w.used, NEED3);
    assert_int_equal(SIZE(b, 16), 10);
    assert_int_equal(OFF(b, 16), FIX);
    assert_memory_equal(b + FIX, A10, 10);
    assert_int_equal(SIZE(b, 24), 20);
    assert_int_equal(OFF(b, 24), FIX + 10);
    assert_string_equal((const char *)b + FIX + 10, B19);
    assert_int_equal(SIZE(b, 32), 3);
    assert_int_equal(OFF(b, 32), FIX + 30);
    assert_string_equal((const char *)b + FIX + 30, C2);
    free(b);
}

static void test_one_byte_short_of_last(void **state)
{
    uint8_t *b = mkbuf(NEED3 - 1);
    vs_writer w;

    (void)state;
    assert_int_equal(build3(b, NEED3 - 1, &w), 3); /* C left out */
    assert_int_equal(w.used, FIX + 30);
    assert_int_equal(SIZE(b, 32), 0);
    assert_int_equal(OFF(b, 32), 0);
    free(b);
}

/* Decision: after B failed to fit, the smaller C that does fit is still
 * written (directly behind A); needed stays exact. */
static void test_later_smaller_field_still_written(void **state)
{
    uint32_t total = FIX + 10 + 19; /* one byte short of B */
    uint8_t *b = mkbuf(total);
    vs_writer w;

    (void)state;
    assert_int_equal(build3(b, total, &w), 5); /* A and C */
    assert_int_equal(SIZE(b, 24), 0);
    assert_int_equal(OFF(b, 24), 0);
    assert_int_equal(SIZE(b, 32), 3);
    assert_int_equal(OFF(b, 32), FIX + 10);
    assert_string_equal((const char *)b + FIX + 10, C2);
    assert_int_equal(w.used, FIX + 13);
    free(b);
}

static void test_retry_with_needed(void **state)
{
    uint8_t *b = mkbuf(FIX + 5);
    vs_writer w;
    uint32_t need;

    (void)state;
    build3(b, FIX + 5, &w);
    need = vs_get_u32(b, 4);
    free(b);
    b = mkbuf(need);
    assert_int_equal(build3(b, need, &w), 7);
    assert_int_equal(vs_get_u32(b, 8), need);
    free(b);
}

static void test_null_vs_empty_strings(void **state)
{
    uint8_t *b = mkbuf(64);
    vs_writer w;

    (void)state;
    assert_int_equal(vs_init(&w, b, 64, FIX), 0);
    assert_int_equal(vs_append_str8(&w, 16, NULL), 1);        /* absent */
    assert_int_equal(vs_append_str8(&w, 24, ""), 1);          /* 1 byte */
    assert_int_equal(vs_append_utf8_as_utf16(&w, 32, ""), 1); /* 2 bytes */
    assert_int_equal(vs_finish(&w), 0);
    assert_int_equal(SIZE(b, 16), 0);
    assert_int_equal(OFF(b, 16), 0);
    assert_int_equal(SIZE(b, 24), 1);
    assert_int_equal(OFF(b, 24), FIX);
    assert_int_equal(b[FIX], 0);
    assert_int_equal(SIZE(b, 32), 2);
    assert_int_equal(OFF(b, 32), FIX + 2); /* even: one pad byte */
    assert_int_equal(b[FIX + 1], 0);       /* pad is zeroed */
    assert_int_equal(vs_get_u16(b, FIX + 2), 0);
    assert_int_equal(w.used, FIX + 4);

    assert_int_equal(vs_init(&w, b, 64, FIX), 0);
    assert_int_equal(vs_append_str16(&w, 16, NULL), 1);
    assert_int_equal(vs_append_str16(&w, 24, (const uint16_t[]){0}), 1);
    assert_int_equal(vs_append_utf8_as_utf16(&w, 32, NULL), 1);
    assert_int_equal(vs_append(&w, 32, NULL, 0), 1);
    assert_int_equal(vs_finish(&w), 0);
    assert_int_equal(SIZE(b, 16), 0);
    assert_int_equal(SIZE(b, 24), 2);
    assert_int_equal(SIZE(b, 32), 0);
    assert_int_equal(vs_get_u32(b, 8), FIX + 2);
    free(b);
}

static void test_utf16_little_endian_and_alignment(void **state)
{
    static const uint8_t want16[] = {0x34, 0x12, 'A', 0, 0, 0};
    /* "a" U+20AC U+1F600 as UTF-16LE + NUL */
    static const uint8_t want8[] = {'a', 0, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE, 0, 0};
    uint8_t *b = mkbuf(80);
    vs_writer w;

    (void)state;
    assert_int_equal(vs_init(&w, b, 80, FIX), 0);
    assert_int_equal(vs_append_str8(&w, 16, "ab"), 1); /* odd: 3 bytes */
    assert_int_equal(vs_append_str16(&w, 24, (const uint16_t[]){0x1234, 'A', 0}), 1);
    assert_int_equal(vs_append_utf8_as_utf16(&w, 32, "a\xE2\x82\xAC\xF0\x9F\x98\x80"), 1);
    assert_int_equal(vs_finish(&w), 0);
    assert_int_equal(OFF(b, 24), FIX + 4);
    assert_int_equal(b[FIX + 3], 0);
    assert_int_equal(SIZE(b, 24), 6);
    assert_memory_equal(b + FIX + 4, want16, 6);
    assert_int_equal(OFF(b, 32), FIX + 10);
    assert_int_equal(SIZE(b, 32), 10);
    assert_memory_equal(b + FIX + 10, want8, 10);
    assert_int_equal(w.used, FIX + 20);
    assert_int_equal(w.needed, FIX + 20);
    free(b);
}

/* The padding of the complete layout differs from the padding of what
 * was actually written; needed must follow the complete layout. */
static void test_needed_padding_independent_of_used(void **state)
{
    uint32_t total = FIX + 4;
    uint8_t *b = mkbuf(total);
    vs_writer w;

    (void)state;
    assert_int_equal(vs_init(&w, b, total, FIX), 0);
    assert_int_equal(vs_append_str8(&w, 16, "abcd"), 0); /* 5, no fit */
    assert_int_equal(vs_append_utf8_as_utf16(&w, 24, "x"), 1);
    assert_int_equal(vs_finish(&w), 0);
    assert_int_equal(OFF(b, 24), FIX); /* written without padding */
    assert_int_equal(w.used, FIX + 4);
    assert_int_equal(w.needed, FIX + 5 + 1 + 4); /* with padding */
    free(b);

    total = w.needed;
    b = mkbuf(total);
    assert_int_equal(vs_init(&w, b, total, FIX), 0);
    assert_int_equal(vs_append_str8(&w, 16, "abcd"), 1);
    assert_int_equal(vs_append_utf8_as_utf16(&w, 24, "x"), 1);
    assert_int_equal(vs_finish(&w), 0);
    assert_int_equal(w.used, total);
    assert_int_equal(OFF(b, 24), FIX + 6);
    assert_untouched(b, total, total + GUARD);
    free(b);
}

static void test_invalid_utf8_not_sticky(void **state)
{
    uint8_t *b = mkbuf(64);
    vs_writer w;

    (void)state;
    assert_int_equal(vs_init(&w, b, 64, FIX), 0);
    assert_int_equal(vs_append_str8(&w, 16, "a"), 1);
    assert_int_equal(vs_append_utf8_as_utf16(&w, 24, "\xC0\x80"), VS_EENCODING);
    assert_int_equal(w.used, FIX + 2);
    assert_int_equal(w.needed, FIX + 2);
    assert_int_equal(SIZE(b, 24), 0);
    assert_int_equal(vs_append_utf8_as_utf16(&w, 24, "ok"), 1);
    assert_int_equal(vs_finish(&w), 0);
    free(b);
}

static void test_programming_errors_are_sticky(void **state)
{
    uint8_t *b = mkbuf(128);
    vs_writer w;
    vs_block blk, forged = {100, 8};
    uint32_t i;
    /* Each of these is a caller bug. */
    static const uint32_t bad_pairs[] = {0, 8, 18, FIX - 4, FIX, 1000};

    (void)state;
    for (i = 0; i < sizeof bad_pairs / sizeof bad_pairs[0]; i++) {
        assert_int_equal(vs_init(&w, b, 128, FIX), 0);
        assert_int_equal(vs_append_str8(&w, bad_pairs[i], "x"), VS_EINVAL);
        assert_int_equal(vs_append_str8(&w, 16, "x"), VS_EINVAL);
        assert_int_equal(vs_finish(&w), VS_EINVAL);
    }
    assert_int_equal(vs_init(&w, b, 128, FIX), 0);
    assert_int_equal(vs_set_u32(&w, 38, 1), VS_EINVAL); /* crosses fixed */
    assert_int_equal(vs_init(&w, b, 128, FIX), 0);
    assert_int_equal(vs_set_u32(&w, 8, 1), VS_EINVAL); /* header */
    assert_int_equal(vs_init(&w, b, 128, FIX), 0);
    assert_int_equal(vs_append(&w, 16, NULL, 4), VS_EINVAL);
    assert_int_equal(vs_init(&w, b, 128, FIX), 0);
    assert_int_equal(vs_set_u32_in(&w, &forged, 0, 1), VS_EINVAL);

    assert_int_equal(vs_init(&w, b, 128, FIX), 0);
    blk = vs_reserve(&w, 16, 16);
    assert_int_equal(blk.off, FIX);
    assert_int_equal(vs_set_u32_in(&w, &blk, 12, 7), 1);
    assert_int_equal(vs_append_str8_in(&w, &blk, 12, "x"), VS_EINVAL);
    assert_int_equal(vs_finish(&w), VS_EINVAL);

    /* Bounds are checked even when the block did not fit. */
    assert_int_equal(vs_init(&w, b, FIX, FIX), 0);
    blk = vs_reserve(&w, 16, 16);
    assert_int_equal(blk.off, 0);
    assert_int_equal(vs_append_str8_in(&w, &blk, 8, "x"), 0);
    assert_int_equal(vs_append_str8_in(&w, &blk, 12, "x"), VS_EINVAL);
    assert_int_equal(vs_finish(&w), VS_EINVAL);
    assert_untouched(b, 128, 128 + GUARD);
    free(b);
}

static void test_needed_overflow(void **state)
{
    uint8_t *b = mkbuf(64);
    vs_writer w;
    vs_block blk;

    (void)state;
    assert_int_equal(vs_init(&w, b, 64, FIX), 0);
    /* Exactly UINT32_MAX is still representable: counted, not written. */
    assert_int_equal(vs_append(&w, 16, A10, UINT32_MAX - FIX), 0);
    assert_int_equal(w.needed, UINT32_MAX);
    assert_int_equal(vs_finish(&w), 0);
    assert_int_equal(vs_init(&w, b, 64, FIX), 0);
    blk = vs_reserve(&w, 16, UINT32_MAX);
    assert_int_equal(blk.off, 0);
    assert_int_equal(w.err, VS_EOVERFLOW);
    assert_int_equal(vs_append_str8(&w, 24, "x"), VS_EOVERFLOW);
    assert_int_equal(vs_finish(&w), VS_EOVERFLOW);
    free(b);
}

static void test_reserve_list_errors(void **state)
{
    uint8_t *b = mkbuf(64);
    vs_writer w;
    vs_block blk;

    (void)state;
    assert_int_equal(vs_init(&w, b, 64, 24u), 0);
    blk = vs_reserve_list(&w, 12, 16, 0, 24); /* empty list */
    assert_int_equal(blk.off, 0);
    assert_int_equal(vs_finish(&w), 0);
    assert_int_equal(vs_get_u32(b, 12), 0);
    assert_int_equal(SIZE(b, 16), 0);
    assert_int_equal(w.used, 24u);

    assert_int_equal(vs_init(&w, b, 64, 24u), 0);
    blk = vs_reserve_list(&w, 12, 16, 0x0AAAAAABu, 24); /* 2^32 + 8 */
    assert_int_equal(blk.off, 0);
    assert_int_equal(vs_finish(&w), VS_EOVERFLOW);

    assert_int_equal(vs_init(&w, b, 64, 24u), 0);
    blk = vs_reserve_list(&w, 22, 16, 1, 24); /* count crosses fixed */
    assert_int_equal(blk.off, 0);
    assert_int_equal(w.needed, 24u); /* nothing reserved */
    assert_int_equal(vs_finish(&w), VS_EINVAL);
    free(b);
}

static void test_le_helpers(void **state)
{
    uint8_t b[8] = {0};

    (void)state;
    vs_put_u32(b, 1, 0x11223344); /* unaligned on purpose */
    assert_int_equal(b[1], 0x44);
    assert_int_equal(b[2], 0x33);
    assert_int_equal(b[3], 0x22);
    assert_int_equal(b[4], 0x11);
    assert_int_equal(vs_get_u32(b, 1), 0x11223344);
    vs_put_u16(b, 5, 0xBEEF);
    assert_int_equal(b[5], 0xEF);
    assert_int_equal(b[6], 0xBE);
    assert_int_equal(vs_get_u16(b, 5), 0xBEEF);
}

/* ------------------------------------------------------------------ */
/* Lists, modelled on LINEAGENTGROUPLIST / LINEAGENTGROUPENTRY:
 * header 24 = total/needed/used, dwNumEntries@12, dwListSize@16,
 * dwListOffset@20; entry 24 = GroupID (16 bytes), dwNameSize@16,
 * dwNameOffset@20. ALF adds a UTF-16 pair @24 to exercise both. */

#define LFIX 24u
#define ALF 32u
#define ENT 24u
static const char *const names[] = {"Sales", "Support", "\xC3\x9Cnicode"};
#define NNAMES 3u

static const vs_field entry_fields[] = {{16, VS_STR16}};

/* Build a list with NNAMES groups (plus a header string if fixed is
 * ALF); returns used. */
static uint32_t build_list(uint8_t *b, uint32_t total, uint32_t fixed, vs_writer *w)
{
    vs_block list;
    uint8_t guid[16];
    uint32_t i;

    assert_int_equal(vs_init(w, b, total, fixed), 0);
    list = vs_reserve_list(w, 12, 16, NNAMES, ENT);
    for (i = 0; i < NNAMES; i++) {
        memset(guid, (int)i + 1, sizeof guid);
        assert_int_equal(vs_write_in(w, &list, i * ENT, guid, 16), list.off ? 1 : 0);
        assert_true(vs_append_utf8_as_utf16_in(w, &list, i * ENT + 16, names[i]) >= 0);
    }
    if (fixed == ALF)
        assert_true(vs_append_utf8_as_utf16(w, 24, "header") >= 0);
    assert_int_equal(vs_finish(w), 0);
    assert_untouched(b, w->used, total + GUARD);
    return w->used;
}

/* Check entry i's name, whose offset is from the LIST start. */
static void assert_entry_name(const uint8_t *b, uint32_t i, const char *s)
{
    uint32_t e = OFF(b, 16) + i * ENT, size = SIZE(b, e + 16);
    uint32_t off = OFF(b, e + 16), k;
    char got[32];

    assert_true(size >= 2 && size / 2 < sizeof got);
    for (k = 0; k < size / 2; k++)
        got[k] = (char)vs_get_u16(b, off + 2 * k); /* ASCII names only */
    assert_string_equal(got, s);
}

static void test_list_fits(void **state)
{
    uint8_t *b = mkbuf(256);
    vs_writer w;
    const char *why = NULL;
    uint32_t name0;

    (void)state;
    build_list(b, 256, LFIX, &w);
    assert_int_equal(w.used, w.needed);
    assert_int_equal(vs_get_u32(b, 12), NNAMES);
    assert_int_equal(SIZE(b, 16), NNAMES * ENT);
    assert_int_equal(OFF(b, 16), LFIX);
    assert_int_equal(b[LFIX + ENT], 2); /* second GUID */
    name0 = LFIX + NNAMES * ENT;        /* right behind the array */
    assert_int_equal(OFF(b, LFIX + 16), name0);
    assert_int_equal(SIZE(b, LFIX + 16), 12);
    assert_int_equal(OFF(b, LFIX + ENT + 16), name0 + 12);
    assert_entry_name(b, 0, "Sales");
    assert_entry_name(b, 1, "Support");
    assert_int_equal(vs_get_u16(b, OFF(b, LFIX + 2 * ENT + 16)), 0xDC);
    assert_int_equal(vs_validate_list(b, w.used, LFIX, 12, 16, ENT, entry_fields, 1, &why), 0);
    free(b);
}

static void test_list_array_does_not_fit(void **state)
{
    uint32_t total = LFIX + NNAMES * ENT - 1;
    uint8_t *b = mkbuf(total);
    vs_writer w;
    uint32_t need;

    (void)state;
    build_list(b, total, LFIX, &w);
    /* The array did not fit, so neither did any of its strings, even
     * though some would fit in the space that is left. */
    assert_int_equal(w.used, LFIX);
    assert_int_equal(vs_get_u32(b, 12), 0); /* no entries appear */
    assert_int_equal(SIZE(b, 16), 0);
    assert_int_equal(OFF(b, 16), 0);
    assert_untouched(b, LFIX, total + GUARD);
    need = vs_get_u32(b, 4);
    assert_int_equal(need, LFIX + NNAMES * ENT + 12 + 16 + 16);
    free(b);
    b = mkbuf(need);
    assert_int_equal(build_list(b, need, LFIX, &w), need);
    assert_entry_name(b, 1, "Support");
    free(b);
}

static void test_list_strings_partly_fit(void **state)
{
    uint32_t total = LFIX + NNAMES * ENT + 12 + 15; /* "Support" short */
    uint8_t *b = mkbuf(total);
    vs_writer w;
    const char *why = NULL;

    (void)state;
    build_list(b, total, LFIX, &w);
    assert_int_equal(OFF(b, 16), LFIX);
    assert_entry_name(b, 0, "Sales");
    assert_int_equal(SIZE(b, LFIX + ENT + 16), 0);
    assert_int_equal(OFF(b, LFIX + ENT + 16), 0);
    assert_int_equal(SIZE(b, LFIX + 2 * ENT + 16), 0); /* 16 > 15 too */
    assert_int_equal(vs_get_u32(b, 4), LFIX + NNAMES * ENT + 12 + 16 + 16);
    assert_int_equal(vs_validate_list(b, w.used, LFIX, 12, 16, ENT, entry_fields, 1, &why), 0);
    free(b);
}

/* For every total from the fixed part to beyond needed: needed never
 * changes, output always validates, guards hold, and from total ==
 * needed on everything is there. */
static void test_sweep_all_totals(void **state)
{
    static const vs_field hdr[] = {{16, VS_BYTES}, {24, VS_STR16}};
    vs_writer w;
    const char *why = NULL;
    uint32_t total, need = 0, i;
    uint8_t *b;

    (void)state;
    for (total = ALF; total < 200; total++) {
        b = mkbuf(total);
        build_list(b, total, ALF, &w);
        if (!need)
            need = w.needed;
        assert_int_equal(w.needed, need);
        assert_true(w.used <= total);
        assert_int_equal(vs_validate(b, w.used, ALF, hdr, 2, &why), 0);
        assert_int_equal(vs_validate_list(b, w.used, ALF, 12, 16, ENT, entry_fields, 1, &why), 0);
        if (total >= need) {
            assert_int_equal(w.used, need);
            assert_int_not_equal(SIZE(b, 24), 0);
            for (i = 0; i < NNAMES; i++)
                assert_int_not_equal(SIZE(b, ALF + i * ENT + 16), 0);
        }
        free(b);
    }
    assert_true(need < 200);
}

/* ------------------------------------------------------------------ */
/* Validator                                                           */

static const vs_field f3[] = {{16, VS_BYTES}, {24, VS_STR8}, {32, VS_STR16}};

/* A valid structure: A (10 bytes), B str8, C UTF-16 "hey". */
static uint8_t *valid3(uint32_t *used)
{
    uint8_t *b = mkbuf(128);
    vs_writer w;

    assert_int_equal(vs_init(&w, b, 128, FIX), 0);
    vs_append(&w, 16, A10, 10);
    vs_append_str8(&w, 24, B19);
    vs_append_utf8_as_utf16(&w, 32, "hey");
    assert_int_equal(vs_finish(&w), 0);
    *used = w.used;
    return b;
}

static void expect_invalid(const uint8_t *b, uint32_t len, int code, const char *reason)
{
    const char *why = NULL;

    assert_int_equal(vs_validate(b, len, FIX, f3, 3, &why), code);
    assert_non_null(why);
    if (reason)
        assert_string_equal(why, reason);
}

static void test_validate_ok(void **state)
{
    uint32_t used;
    uint8_t *b = valid3(&used);
    const char *why = "untouched";

    (void)state;
    assert_int_equal(used, FIX + 10 + 20 + 8);
    assert_int_equal(vs_validate(b, used, FIX, f3, 3, &why), 0);
    assert_string_equal(why, "untouched");
    assert_int_equal(vs_validate(b, 128, FIX, f3, 3, NULL), 0);
    /* A zero size means absent, whatever the offset says. */
    vs_put_u32(b, 16, 0);
    vs_put_u32(b, 20, 0xFFFFFFF0);
    assert_int_equal(vs_validate(b, used, FIX, f3, 3, NULL), 0);
    free(b);
}

static void test_validate_header(void **state)
{
    uint32_t used;
    uint8_t *b = valid3(&used);

    (void)state;
    expect_invalid(b, 11, VS_EHEADER, "buffer shorter than the 12-byte header");
    expect_invalid(b, used - 1, VS_EHEADER, "dwUsedSize exceeds the received length");
    vs_put_u32(b, 0, used - 1);
    expect_invalid(b, used, VS_EHEADER, "dwUsedSize exceeds dwTotalSize");
    vs_put_u32(b, 0, 128);
    vs_put_u32(b, 4, used - 1);
    expect_invalid(b, used, VS_EHEADER, "dwNeededSize is below dwUsedSize");
    vs_put_u32(b, 4, used);
    vs_put_u32(b, 8, FIX - 1);
    expect_invalid(b, used, VS_EHEADER, "dwUsedSize is smaller than the fixed part");
    free(b);
}

static void test_validate_ranges(void **state)
{
    uint32_t used;
    uint8_t *b = valid3(&used);

    (void)state;
    vs_put_u32(b, 20, used - 9); /* A: 10 bytes, one beyond used */
    expect_invalid(b, used, VS_ERANGE, "field offset+size beyond dwUsedSize");
    vs_put_u32(b, 20, used + 4);
    expect_invalid(b, 128, VS_ERANGE, NULL);
    vs_put_u32(b, 16, 0x20); /* offset+size wraps around 2^32 */
    vs_put_u32(b, 20, 0xFFFFFFF0);
    expect_invalid(b, used, VS_ERANGE, "field offset+size beyond dwUsedSize");
    vs_put_u32(b, 20, 20); /* inside the fixed part */
    expect_invalid(b, used, VS_ERANGE, "field offset points into the fixed part");
    vs_put_u32(b, 20, FIX - 1);
    expect_invalid(b, used, VS_ERANGE, NULL);
    free(b);
}

static void test_validate_overlap(void **state)
{
    uint32_t used;
    uint8_t *b = valid3(&used);

    (void)state;
    /* B now points at the first two bytes of C... */
    vs_put_u32(b, 24, 2);
    vs_put_u32(b, 28, vs_get_u32(b, 36));
    expect_invalid(b, used, VS_EOVERLAP, "overlapping offsets");
    /* ...or A covers the first byte of B. */
    free(b);
    b = valid3(&used);
    vs_put_u32(b, 16, 11);
    expect_invalid(b, used, VS_EOVERLAP, NULL);
    vs_put_u32(b, 16, 10); /* adjacent is fine */
    assert_int_equal(vs_validate(b, used, FIX, f3, 3, NULL), 0);
    free(b);
}

static void test_validate_strings(void **state)
{
    static const vs_field multi8[] = {{24, VS_MULTISZ8}};
    static const vs_field multi16[] = {{32, VS_MULTISZ16}};
    uint32_t used, boff, coff;
    uint8_t *b = valid3(&used);
    const char *why = NULL;

    (void)state;
    boff = OFF(b, 24);
    coff = OFF(b, 32);
    b[boff + 19] = 'x';
    expect_invalid(b, used, VS_ESTRING, "8-bit string not NUL-terminated");
    b[boff + 19] = 0;
    vs_put_u32(b, 32, 7);
    expect_invalid(b, used, VS_ESTRING, "UTF-16 string has an odd size");
    vs_put_u32(b, 32, 6); /* "hey" without its terminator */
    expect_invalid(b, used, VS_ESTRING, "UTF-16 string not NUL-terminated");
    vs_put_u32(b, 32, 8);
    assert_int_equal(vs_validate(b, used, FIX, f3, 3, NULL), 0);

    /* Multi-strings need two terminators. */
    assert_int_equal(vs_validate(b, used, FIX, multi8, 1, &why), VS_ESTRING);
    b[boff + 18] = 0;
    assert_int_equal(vs_validate(b, used, FIX, multi8, 1, NULL), 0);
    assert_int_equal(vs_validate(b, used, FIX, multi16, 1, NULL), VS_ESTRING);
    vs_put_u16(b, coff + 4, 0);
    assert_int_equal(vs_validate(b, used, FIX, multi16, 1, NULL), 0);
    free(b);
}

static void test_validate_bad_args(void **state)
{
    static const vs_field beyond[] = {{FIX - 4, VS_BYTES}};
    static const vs_field header[] = {{8, VS_BYTES}};
    static const vs_field kind[] = {{16, 99}};
    uint32_t used;
    uint8_t *b = valid3(&used);

    (void)state;
    assert_int_equal(vs_validate(NULL, used, FIX, f3, 3, NULL), VS_EINVAL);
    assert_int_equal(vs_validate(b, used, FIX, NULL, 1, NULL), VS_EINVAL);
    assert_int_equal(vs_validate(b, used, 8, NULL, 0, NULL), VS_EINVAL);
    assert_int_equal(vs_validate(b, used, FIX, beyond, 1, NULL), VS_EINVAL);
    assert_int_equal(vs_validate(b, used, FIX, header, 1, NULL), VS_EINVAL);
    assert_int_equal(vs_validate(b, used, FIX, kind, 1, NULL), VS_EINVAL);
    assert_int_equal(vs_validate(b, used, FIX, NULL, 0, NULL), 0);
    free(b);
}

static uint8_t *valid_list(uint32_t *used)
{
    uint8_t *b = mkbuf(256);
    vs_writer w;

    *used = build_list(b, 256, LFIX, &w);
    return b;
}

static int check_list(const uint8_t *b, uint32_t used, const char **why)
{
    return vs_validate_list(b, used, LFIX, 12, 16, ENT, entry_fields, 1, why);
}

static void test_validate_list(void **state)
{
    uint32_t used, name1 = LFIX + ENT + 16;
    uint8_t *b = valid_list(&used);
    const char *why = NULL;

    (void)state;
    assert_int_equal(check_list(b, used, &why), 0);
    vs_put_u32(b, 12, NNAMES + 1);
    assert_int_equal(check_list(b, used, &why), VS_ELIST);
    assert_string_equal(why, "dwListSize is not dwNumEntries * entry size");
    /* 0x0AAAAAAB * 24 == 2^32 + 8: must not pass as 8 bytes. */
    vs_put_u32(b, 12, 0x0AAAAAABu);
    vs_put_u32(b, 16, 8);
    assert_int_equal(check_list(b, used, NULL), VS_ELIST);
    vs_put_u32(b, 16, 0); /* entries claimed but no array */
    vs_put_u32(b, 12, NNAMES);
    assert_int_equal(check_list(b, used, NULL), VS_ELIST);
    vs_put_u32(b, 16, NNAMES * ENT);

    vs_put_u32(b, 20, used - NNAMES * ENT + 4);
    assert_int_equal(check_list(b, used, NULL), VS_ERANGE);
    vs_put_u32(b, 20, 12);
    assert_int_equal(check_list(b, used, NULL), VS_ERANGE);
    vs_put_u32(b, 20, LFIX);

    vs_put_u32(b, name1 + 4, used - 2); /* 16 bytes from used - 2 */
    assert_int_equal(check_list(b, used, &why), VS_ERANGE);
    assert_string_equal(why, "field offset+size beyond dwUsedSize");
    vs_put_u32(b, name1 + 4, LFIX + 8); /* inside the entry array */
    assert_int_equal(check_list(b, used, NULL), VS_EOVERLAP);
    vs_put_u32(b, name1 + 4, used - 16);
    assert_int_equal(check_list(b, used, NULL), 0);
    vs_put_u16(b, used - 2, 'x'); /* last entry's name loses its NUL */
    assert_int_equal(check_list(b, used, &why), VS_ESTRING);
    assert_string_equal(why, "UTF-16 string not NUL-terminated");

    /* An empty list is valid whatever its offset. */
    vs_put_u32(b, 12, 0);
    vs_put_u32(b, 16, 0);
    vs_put_u32(b, 20, 0xFFFFFFFF);
    assert_int_equal(check_list(b, used, NULL), 0);
    free(b);
}

static void test_validate_list_bad_args(void **state)
{
    static const vs_field beyond[] = {{20, VS_STR16}};
    uint32_t used;
    uint8_t *b = valid_list(&used);

    (void)state;
    assert_int_equal(vs_validate_list(b, used, LFIX, 12, 16, 0, entry_fields, 1, NULL), VS_EINVAL);
    assert_int_equal(vs_validate_list(b, used, LFIX, 12, 16, ENT, beyond, 1, NULL), VS_EINVAL);
    assert_int_equal(vs_validate_list(b, used, LFIX, 22, 16, ENT, entry_fields, 1, NULL),
                     VS_EINVAL);
    assert_int_equal(vs_validate_list(b, used, LFIX, 12, 20, ENT, entry_fields, 1, NULL),
                     VS_EINVAL);
    assert_int_equal(vs_validate_list(NULL, used, LFIX, 12, 16, ENT, entry_fields, 1, NULL),
                     VS_EINVAL);
    assert_int_equal(vs_validate_list(b, 11, LFIX, 12, 16, ENT, entry_fields, 1, NULL), VS_EHEADER);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_errors),
        cmocka_unit_test(test_init_zeroes_fixed_only),
        cmocka_unit_test(test_exactly_fixed_part),
        cmocka_unit_test(test_exactly_enough),
        cmocka_unit_test(test_one_byte_short_of_last),
        cmocka_unit_test(test_later_smaller_field_still_written),
        cmocka_unit_test(test_retry_with_needed),
        cmocka_unit_test(test_null_vs_empty_strings),
        cmocka_unit_test(test_utf16_little_endian_and_alignment),
        cmocka_unit_test(test_needed_padding_independent_of_used),
        cmocka_unit_test(test_invalid_utf8_not_sticky),
        cmocka_unit_test(test_programming_errors_are_sticky),
        cmocka_unit_test(test_needed_overflow),
        cmocka_unit_test(test_reserve_list_errors),
        cmocka_unit_test(test_le_helpers),
        cmocka_unit_test(test_list_fits),
        cmocka_unit_test(test_list_array_does_not_fit),
        cmocka_unit_test(test_list_strings_partly_fit),
        cmocka_unit_test(test_sweep_all_totals),
        cmocka_unit_test(test_validate_ok),
        cmocka_unit_test(test_validate_header),
        cmocka_unit_test(test_validate_ranges),
        cmocka_unit_test(test_validate_overlap),
        cmocka_unit_test(test_validate_strings),
        cmocka_unit_test(test_validate_bad_args),
        cmocka_unit_test(test_validate_list),
        cmocka_unit_test(test_validate_list_bad_args),
    };

    return cmocka_run_group_tests_name("varstruct", tests, NULL, NULL);
}
