/* Unit tests of the wire codec (src/common/wire.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wire.h"

#define MAX WIRE_MAX_FRAME_DEFAULT

static void roundtrip_every_field_kind(void **state)
{
    (void)state;
    struct wbuf b = {0};
    static const uint8_t blob[] = {1, 2, 3, 0, 5};
    struct w_event ev = {0xA1B2C3D4u, 24, 0x1122334455667788ull, 2, UINT64_MAX, {blob, 5}};
    assert_int_equal(wire_encode(&b, W_EVENT, 77, &ev, MAX), WIRE_OK);
    assert_int_equal(b.len, WIRE_HDR + 4 + 4 + 8 * 3 + 4 + 5);
    assert_int_equal(b.p[0], b.len); /* little-endian length first */
    union wire_msg m;
    unsigned type;
    uint32_t seq;
    assert_int_equal(wire_decode(b.p, (uint32_t)b.len, MAX, &type, &seq, &m), WIRE_OK);
    assert_int_equal(type, W_EVENT);
    assert_int_equal(seq, 77);
    assert_int_equal(m.event.hdevice, 0xA1B2C3D4u);
    assert_true(m.event.p1 == 0x1122334455667788ull && m.event.p3 == UINT64_MAX);
    assert_int_equal(m.event.data.len, 5);
    assert_memory_equal(m.event.data.p, blob, 5);
    assert_ptr_equal(m.event.data.p, b.p + b.len - 5); /* zero-copy */

    struct w_hello h = {WIRE_MAGIC, WIRE_PROTO, 0x00020002, 42, wire_str("agent desk")};
    b.len = 0;
    assert_int_equal(wire_encode(&b, W_HELLO, 1, &h, MAX), WIRE_OK);
    assert_int_equal(wire_decode(b.p, (uint32_t)b.len, MAX, &type, &seq, &m), WIRE_OK);
    assert_string_equal((const char *)m.hello.name.p, "agent desk");
    wbuf_free(&b);
}

static void every_type_roundtrips_zeroed(void **state)
{
    (void)state;
    for (unsigned t = W_NONE + 1; t < W__COUNT; t++) {
        union wire_msg in, out;
        memset(&in, 0, sizeof in);
        struct wbuf b = {0};
        assert_int_equal(wire_encode(&b, t, t, &in, MAX), WIRE_OK);
        unsigned type;
        uint32_t seq;
        assert_int_equal(wire_decode(b.p, (uint32_t)b.len, MAX, &type, &seq, &out), WIRE_OK);
        assert_int_equal(type, t);
        assert_string_not_equal(wire_type_name(t), "?");
        wbuf_free(&b);
    }
    assert_string_equal(wire_type_name(0), "?");
    assert_string_equal(wire_type_name(W__COUNT), "?");
}

/* Cutting a valid frame anywhere (and fixing up its length) never decodes. */
static void truncation_at_every_byte(void **state)
{
    (void)state;
    struct wbuf b = {0};
    struct w_open o = {1, 0x00020002, 0, 4, 4, 0, {(const uint8_t *)"\x09\0\0\0", 4}};
    assert_int_equal(wire_encode(&b, W_OPEN, 5, &o, MAX), WIRE_OK);
    for (uint32_t cut = WIRE_HDR; cut < b.len; cut++) {
        uint8_t frame[256];
        memcpy(frame, b.p, cut);
        frame[0] = (uint8_t)cut; /* header says exactly what is there */
        frame[1] = frame[2] = frame[3] = 0;
        union wire_msg m;
        unsigned type;
        uint32_t seq;
        assert_int_equal(wire_decode(frame, cut, MAX, &type, &seq, &m), WIRE_ESHORT);
    }
    wbuf_free(&b);
}

static void bad_headers(void **state)
{
    (void)state;
    uint8_t f[WIRE_HDR] = {WIRE_HDR, 0, 0, 0, W_SHUTDOWN, 0, 0, 0, 1, 0, 0, 0};
    assert_int_equal(wire_peek(f, sizeof f, MAX), WIRE_HDR);
    assert_int_equal(wire_peek(f, WIRE_HDR - 1, MAX), WIRE_ESHORT);
    f[0] = WIRE_HDR - 1; /* shorter than a header */
    assert_int_equal(wire_peek(f, sizeof f, MAX), WIRE_ELEN);
    f[0] = 0xFF;
    f[1] = 0xFF;
    f[2] = 0xFF;
    f[3] = 0x7F; /* absurd length */
    assert_int_equal(wire_peek(f, sizeof f, MAX), WIRE_ELEN);
    f[0] = WIRE_HDR;
    f[1] = f[2] = f[3] = 0;
    f[4] = W__COUNT; /* unknown type */
    assert_int_equal(wire_peek(f, sizeof f, MAX), WIRE_ETYPE);
    f[4] = 0;
    assert_int_equal(wire_peek(f, sizeof f, MAX), WIRE_ETYPE);
    f[4] = W_SHUTDOWN;
    f[6] = 1; /* reserved flags */
    assert_int_equal(wire_peek(f, sizeof f, MAX), WIRE_ETYPE);
}

static void decode_rejects(void **state)
{
    (void)state;
    union wire_msg m;
    unsigned type;
    uint32_t seq;
    struct wbuf b = {0};
    struct w_close c = {9};
    assert_int_equal(wire_encode(&b, W_CLOSE, 1, &c, MAX), WIRE_OK);
    /* trailing byte inside the declared length */
    wbuf_reserve(&b, 1);
    b.p[b.len++] = 0;
    b.p[0]++;
    assert_int_equal(wire_decode(b.p, (uint32_t)b.len, MAX, &type, &seq, &m), WIRE_ELEN);
    /* length field disagrees with the buffer */
    assert_int_equal(wire_decode(b.p, (uint32_t)b.len - 1, MAX, &type, &seq, &m), WIRE_ELEN);

    /* STR without NUL, and with an inner NUL */
    struct w_hello h = {WIRE_MAGIC, WIRE_PROTO, 0, 0, {(const uint8_t *)"abc", 3}};
    b.len = 0;
    assert_int_equal(wire_encode(&b, W_HELLO, 1, &h, MAX), WIRE_OK);
    assert_int_equal(wire_decode(b.p, (uint32_t)b.len, MAX, &type, &seq, &m), WIRE_ESTR);
    h.name = (struct wire_blob){(const uint8_t *)"a\0c", 4};
    b.len = 0;
    assert_int_equal(wire_encode(&b, W_HELLO, 1, &h, MAX), WIRE_OK);
    assert_int_equal(wire_decode(b.p, (uint32_t)b.len, MAX, &type, &seq, &m), WIRE_ESTR);
    /* an empty STR decodes as absent (NULL) */
    h.name = wire_str(NULL);
    b.len = 0;
    assert_int_equal(wire_encode(&b, W_HELLO, 1, &h, MAX), WIRE_OK);
    assert_int_equal(wire_decode(b.p, (uint32_t)b.len, MAX, &type, &seq, &m), WIRE_OK);
    assert_null(m.hello.name.p);

    /* a blob length pointing past the frame */
    struct w_result r = {0, 0, 0, {(const uint8_t *)"xy", 2}};
    b.len = 0;
    assert_int_equal(wire_encode(&b, W_RESULT, 1, &r, MAX), WIRE_OK);
    b.p[b.len - 6] = 200;
    assert_int_equal(wire_decode(b.p, (uint32_t)b.len, MAX, &type, &seq, &m), WIRE_ESHORT);
    wbuf_free(&b);
}

static void encode_limits(void **state)
{
    (void)state;
    struct wbuf b = {0};
    static uint8_t big[4096];
    struct w_result r = {0, 0, 0, {big, sizeof big}};
    assert_int_equal(wire_encode(&b, W_RESULT, 1, &r, 1024), WIRE_ETOOBIG);
    assert_int_equal(b.len, 0); /* nothing half-written */
    assert_int_equal(wire_encode(&b, W__COUNT, 1, &r, MAX), WIRE_ETYPE);
    assert_int_equal(wire_encode(&b, W_NONE, 1, &r, MAX), WIRE_ETYPE);
    assert_int_equal(wire_encode(&b, W_RESULT, 1, &r, MAX), WIRE_OK);
    assert_int_equal(wire_encode(&b, W_RESULT, 2, &r, MAX), WIRE_OK);
    size_t one = b.len / 2;
    wbuf_consume(&b, one); /* the second frame is now first */
    assert_int_equal(wire_peek(b.p, b.len, MAX), (long)one);
    assert_int_equal(b.p[8], 2);
    wbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roundtrip_every_field_kind),
        cmocka_unit_test(every_type_roundtrips_zeroed),
        cmocka_unit_test(truncation_at_every_byte),
        cmocka_unit_test(bad_headers),
        cmocka_unit_test(decode_rejects),
        cmocka_unit_test(encode_limits),
    };
    return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
