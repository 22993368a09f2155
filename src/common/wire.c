/*
 * wire.c - the one encoder and decoder of tapix frames (see wire.h).
 *
 * Both directions walk the same per-message field table, generated from
 * WIRE_MESSAGES, so a field can never be encoded one way and decoded another.
 */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

enum { K_END, K_U32, K_U64, K_STR, K_BLOB };

struct field {
    uint8_t kind;
    uint16_t off;
};

struct desc {
    const char *name;
    const struct field *fields;
};

#define FIELD_DESC_(S, K, n) {K_##K, (uint16_t)offsetof(S, n)},
#define FIELDS_(T, t)                                                                              \
    static const struct field fields_##t[] = {WF_##t(FIELD_DESC_, struct w_##t){K_END, 0}};
WIRE_MESSAGES(FIELDS_)

static const struct desc descs[W__COUNT] = {
#define DESC_(T, t) [W_##T] = {#T, fields_##t},
    WIRE_MESSAGES(DESC_)};

const char *wire_type_name(unsigned type)
{
    return (type > W_NONE && type < W__COUNT) ? descs[type].name : "?";
}

struct wire_blob wire_str(const char *s)
{
    struct wire_blob b = {0};
    if (s) {
        b.p = (const uint8_t *)s;
        b.len = (uint32_t)strlen(s) + 1;
    }
    return b;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int wbuf_reserve(struct wbuf *b, size_t n)
{
    if (b->cap - b->len >= n)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2)
            return WIRE_ENOMEM;
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        return WIRE_ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

void wbuf_consume(struct wbuf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

void wbuf_free(struct wbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int wire_encode(struct wbuf *out, unsigned type, uint32_t seq, const void *msg, uint32_t max)
{
    if (type <= W_NONE || type >= W__COUNT)
        return WIRE_ETYPE;
    const struct field *f;
    const uint8_t *m = msg;
    uint64_t len = WIRE_HDR;
    for (f = descs[type].fields; f->kind != K_END; f++) {
        if (f->kind == K_U32)
            len += 4;
        else if (f->kind == K_U64)
            len += 8;
        else {
            struct wire_blob b;
            memcpy(&b, m + f->off, sizeof b);
            len += 4 + (uint64_t)b.len;
        }
    }
    if (len > max)
        return WIRE_ETOOBIG;
    if (wbuf_reserve(out, (size_t)len))
        return WIRE_ENOMEM;
    uint8_t *p = out->p + out->len;
    put32(p, (uint32_t)len);
    p[4] = (uint8_t)type;
    p[5] = (uint8_t)(type >> 8);
    p[6] = p[7] = 0;
    put32(p + 8, seq);
    p += WIRE_HDR;
    for (f = descs[type].fields; f->kind != K_END; f++) {
        if (f->kind == K_U32) {
            uint32_t v;
            memcpy(&v, m + f->off, 4);
            put32(p, v);
            p += 4;
        } else if (f->kind == K_U64) {
            uint64_t v;
            memcpy(&v, m + f->off, 8);
            put32(p, (uint32_t)v);
            put32(p + 4, (uint32_t)(v >> 32));
            p += 8;
        } else {
            struct wire_blob b;
            memcpy(&b, m + f->off, sizeof b);
            put32(p, b.len);
            if (b.len)
                memcpy(p + 4, b.p, b.len);
            p += 4 + b.len;
        }
    }
    out->len += (size_t)len;
    return WIRE_OK;
}

long wire_peek(const uint8_t *p, size_t avail, uint32_t max)
{
    if (avail < WIRE_HDR)
        return WIRE_ESHORT;
    uint32_t len = get32(p);
    unsigned type = (unsigned)p[4] | (unsigned)p[5] << 8;
    if (len < WIRE_HDR || len > max)
        return WIRE_ELEN;
    if (type <= W_NONE || type >= W__COUNT || p[6] || p[7])
        return WIRE_ETYPE;
    return (long)len;
}

int wire_decode(const uint8_t *frame, uint32_t len, uint32_t max, unsigned *type, uint32_t *seq,
                union wire_msg *msg)
{
    long hl = wire_peek(frame, len, max);
    if (hl < 0)
        return (int)hl;
    if ((uint32_t)hl != len)
        return WIRE_ELEN;
    *type = (unsigned)frame[4] | (unsigned)frame[5] << 8;
    *seq = get32(frame + 8);
    memset(msg, 0, sizeof *msg);
    uint8_t *m = (uint8_t *)msg;
    const uint8_t *p = frame + WIRE_HDR, *end = frame + len;
    for (const struct field *f = descs[*type].fields; f->kind != K_END; f++) {
        if (f->kind == K_U32) {
            if (end - p < 4)
                return WIRE_ESHORT;
            uint32_t v = get32(p);
            memcpy(m + f->off, &v, 4);
            p += 4;
        } else if (f->kind == K_U64) {
            if (end - p < 8)
                return WIRE_ESHORT;
            uint64_t v = (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
            memcpy(m + f->off, &v, 8);
            p += 8;
        } else {
            if (end - p < 4)
                return WIRE_ESHORT;
            struct wire_blob b = {p + 4, get32(p)};
            p += 4;
            if ((uint64_t)(end - p) < b.len)
                return WIRE_ESHORT;
            if (f->kind == K_STR && b.len &&
                (b.p[b.len - 1] != 0 || memchr(b.p, 0, b.len) != b.p + b.len - 1))
                return WIRE_ESTR;
            if (!b.len)
                b.p = NULL;
            memcpy(m + f->off, &b, sizeof b);
            p += b.len;
        }
    }
    return p == end ? WIRE_OK : WIRE_ELEN;
}
