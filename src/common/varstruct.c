/*
 * varstruct.c - writer and validator for TAPI variably-sized structures
 * (see varstruct.h for the layout rules and the design decisions).
 */
#include "varstruct.h"

#include <string.h>

#include "utf.h"

/* Byte-wise shifts instead of memcpy + swap: alignment-safe and
 * endian-correct on any host; compilers turn them into single loads. */
uint16_t vs_get_u16(const void *buf, uint32_t off)
{
    const uint8_t *p = (const uint8_t *)buf + off;

    return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t vs_get_u32(const void *buf, uint32_t off)
{
    const uint8_t *p = (const uint8_t *)buf + off;

    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void vs_put_u16(void *buf, uint32_t off, uint16_t v)
{
    uint8_t *p = (uint8_t *)buf + off;

    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void vs_put_u32(void *buf, uint32_t off, uint32_t v)
{
    uint8_t *p = (uint8_t *)buf + off;

    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */

/* Record a sticky error; the first one wins so the root cause is kept. */
static int fail(vs_writer *w, int err)
{
    if (!w->err)
        w->err = err;
    return w->err;
}

int vs_init(vs_writer *w, void *buf, uint32_t total, uint32_t fixed)
{
    if (!w)
        return VS_EINVAL;
    memset(w, 0, sizeof *w);
    if (!buf || fixed < VS_HEADER_SIZE || total < fixed)
        return fail(w, VS_EINVAL); /* base stays NULL: nothing is written */
    w->base = buf;
    w->total = total;
    w->fixed = w->used = w->needed = fixed;
    memset(w->base, 0, fixed);
    vs_put_u32(w->base, 0, total);
    return 0;
}

/*
 * Find the absolute offset of n bytes at rel: in the fixed part (after
 * the header) when blk is NULL, else inside blk. Pairs (is_pair) must
 * be 4-aligned. Returns 1 with *pos set, 0 if blk was not placed, or a
 * sticky error. Bounds are checked even for unplaced blocks so that
 * bugs show up with small buffers as well as with big ones.
 */
static int locate(vs_writer *w, const vs_block *blk, uint32_t rel, uint32_t n, int is_pair,
                  uint32_t *pos)
{
    if (!w)
        return VS_EINVAL;
    if (w->err)
        return w->err;
    if (is_pair && rel % 4)
        return fail(w, VS_EINVAL);
    if (!blk) {
        if (rel < VS_HEADER_SIZE || rel > w->fixed || n > w->fixed - rel)
            return fail(w, VS_EINVAL);
        *pos = rel;
        return 1;
    }
    if (rel > blk->len || n > blk->len - rel)
        return fail(w, VS_EINVAL);
    if (blk->off == 0)
        return 0;
    /* A block must lie in the written area: catches forged/stale ones. */
    if (blk->off < w->fixed || blk->off > w->used || blk->len > w->used - blk->off)
        return fail(w, VS_EINVAL);
    *pos = blk->off + rel;
    return 1;
}

static uint32_t pad_for(uint32_t pos, uint32_t align)
{
    return (align - pos % align) % align;
}

/*
 * Account for a len-byte field starting at a multiple of align, place
 * it if its pair is real and it fits, and store its pair (0/0 if not
 * placed). needed follows the layout in which everything fits, with
 * its own padding, so it stays exact whatever was skipped. Returns 1
 * with *at set when placed (or len == 0), 0 when only counted, or an
 * error.
 */
static int place(vs_writer *w, const vs_block *blk, uint32_t rel, uint32_t len, uint32_t align,
                 uint32_t *at)
{
    uint32_t pos = 0, pad;
    int r = locate(w, blk, rel, 8, 1, &pos);

    if (r < 0)
        return r;
    if (r) {
        vs_put_u32(w->base, pos, 0);
        vs_put_u32(w->base, pos + 4, 0);
    }
    if (len == 0)
        return r;
    pad = pad_for(w->needed, align);
    if (pad > UINT32_MAX - w->needed || len > UINT32_MAX - w->needed - pad)
        return fail(w, VS_EOVERFLOW);
    w->needed += pad + len;
    if (!r)
        return 0;
    pad = pad_for(w->used, align);
    if (pad > w->total - w->used || len > w->total - w->used - pad)
        return 0;
    memset(w->base + w->used, 0, pad); /* never leak stale bytes */
    *at = w->used + pad;
    w->used = *at + len;
    vs_put_u32(w->base, pos, len);
    vs_put_u32(w->base, pos + 4, *at);
    return 1;
}

int vs_append_in(vs_writer *w, const vs_block *blk, uint32_t rel, const void *data, uint32_t len)
{
    uint32_t at = 0;
    int r;

    if (w && len > 0 && !data)
        return fail(w, VS_EINVAL);
    r = place(w, blk, rel, len, 1, &at);
    if (r == 1 && len > 0)
        memcpy(w->base + at, data, len);
    return r;
}

int vs_append(vs_writer *w, uint32_t pair_off, const void *data, uint32_t len)
{
    return vs_append_in(w, NULL, pair_off, data, len);
}

int vs_append_str8_in(vs_writer *w, const vs_block *blk, uint32_t rel, const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (w && n >= UINT32_MAX)
        return fail(w, VS_EOVERFLOW);
    return vs_append_in(w, blk, rel, s, s ? (uint32_t)n + 1 : 0);
}

int vs_append_str8(vs_writer *w, uint32_t pair_off, const char *s)
{
    return vs_append_str8_in(w, NULL, pair_off, s);
}

int vs_append_str16_in(vs_writer *w, const vs_block *blk, uint32_t rel, const uint16_t *s)
{
    size_t i, units = utf16_len(s);
    uint32_t at = 0;
    int r;

    if (w && units >= UINT32_MAX / 2)
        return fail(w, VS_EOVERFLOW);
    r = place(w, blk, rel, s ? (uint32_t)(units + 1) * 2 : 0, 2, &at);
    if (r == 1 && s)
        for (i = 0; i <= units; i++) /* "<=": copy the terminator too */
            vs_put_u16(w->base, at + 2 * (uint32_t)i, s[i]);
    return r;
}

int vs_append_str16(vs_writer *w, uint32_t pair_off, const uint16_t *s)
{
    return vs_append_str16_in(w, NULL, pair_off, s);
}

int vs_append_utf8_as_utf16_in(vs_writer *w, const vs_block *blk, uint32_t rel, const char *utf8)
{
    size_t i, len;
    uint32_t pos, at = 0, cp = 0;
    long n;
    int r;

    if (!utf8)
        return place(w, blk, rel, 0, 2, &at);
    /* Check the pair first so that a bad pair is reported as the bug it
     * is, then the encoding, which must leave the writer untouched. */
    r = locate(w, blk, rel, 8, 1, &pos);
    if (r < 0)
        return r;
    len = strlen(utf8);
    n = utf8_to_utf16(utf8, len, NULL, 0);
    if (n == UTF_EINVAL)
        return VS_EENCODING;
    if (n < 0 || (unsigned long)n >= UINT32_MAX / 2)
        return fail(w, VS_EOVERFLOW);
    r = place(w, blk, rel, ((uint32_t)n + 1) * 2, 2, &at);
    if (r != 1)
        return r;
    /* Encode straight into the buffer: it may be unaligned for uint16_t
     * and must be little-endian whatever the host order is. */
    for (i = 0; i < len; i += (size_t)n) {
        n = utf8_decode(utf8 + i, len - i, &cp); /* cannot fail now */
        if (cp >= 0x10000) {
            vs_put_u16(w->base, at, (uint16_t)(0xD800 + ((cp - 0x10000) >> 10)));
            cp = 0xDC00 + (cp & 0x3FF);
            at += 2;
        }
        vs_put_u16(w->base, at, (uint16_t)cp);
        at += 2;
    }
    vs_put_u16(w->base, at, 0);
    return 1;
}

int vs_append_utf8_as_utf16(vs_writer *w, uint32_t pair_off, const char *utf8)
{
    return vs_append_utf8_as_utf16_in(w, NULL, pair_off, utf8);
}

vs_block vs_reserve_in(vs_writer *w, const vs_block *blk, uint32_t rel, uint32_t n)
{
    vs_block b = {0, n};
    uint32_t at = 0;

    /* 4-aligned because entry arrays hold DWORDs that applications read
     * through struct pointers. */
    if (place(w, blk, rel, n, 4, &at) == 1 && n > 0) {
        memset(w->base + at, 0, n);
        b.off = at;
    }
    return b;
}

vs_block vs_reserve(vs_writer *w, uint32_t pair_off, uint32_t n)
{
    return vs_reserve_in(w, NULL, pair_off, n);
}

vs_block vs_reserve_list(vs_writer *w, uint32_t num_off, uint32_t pair_off, uint32_t count,
                         uint32_t entry_size)
{
    vs_block b = {0, 0};

    /* Zero the count first: it also checks num_off before anything. */
    if (vs_set_u32(w, num_off, 0) < 0)
        return b;
    if ((uint64_t)count * entry_size > UINT32_MAX) {
        fail(w, VS_EOVERFLOW);
        return b;
    }
    b = vs_reserve(w, pair_off, count * entry_size);
    if (b.off)
        vs_set_u32(w, num_off, count);
    return b;
}

int vs_write_in(vs_writer *w, const vs_block *blk, uint32_t rel, const void *data, uint32_t len)
{
    uint32_t pos = 0;
    int r;

    if (w && len > 0 && !data)
        return fail(w, VS_EINVAL);
    r = locate(w, blk, rel, len, 0, &pos);
    if (r == 1 && len > 0)
        memcpy(w->base + pos, data, len);
    return r;
}

int vs_write(vs_writer *w, uint32_t off, const void *data, uint32_t len)
{
    return vs_write_in(w, NULL, off, data, len);
}

int vs_set_u32_in(vs_writer *w, const vs_block *blk, uint32_t rel, uint32_t v)
{
    uint8_t le[4];

    vs_put_u32(le, 0, v);
    return vs_write_in(w, blk, rel, le, sizeof le);
}

int vs_set_u32(vs_writer *w, uint32_t off, uint32_t v)
{
    return vs_set_u32_in(w, NULL, off, v);
}

int vs_finish(vs_writer *w)
{
    if (!w)
        return VS_EINVAL;
    if (w->base) {
        vs_put_u32(w->base, 4, w->needed);
        vs_put_u32(w->base, 8, w->used);
    }
    return w->err;
}

/* ------------------------------------------------------------------ */
/* Validator                                                           */

static int bad(const char **why, int code, const char *reason)
{
    if (why)
        *why = reason;
    return code;
}

/* Header checks shared by both validators; *used receives dwUsedSize. */
static int check_header(const uint8_t *b, uint32_t len, uint32_t fixed, uint32_t *used,
                        const char **why)
{
    uint32_t total, needed;

    if (len < VS_HEADER_SIZE)
        return bad(why, VS_EHEADER, "buffer shorter than the 12-byte header");
    total = vs_get_u32(b, 0);
    needed = vs_get_u32(b, 4);
    *used = vs_get_u32(b, 8);
    if (*used > len)
        return bad(why, VS_EHEADER, "dwUsedSize exceeds the received length");
    if (*used > total)
        return bad(why, VS_EHEADER, "dwUsedSize exceeds dwTotalSize");
    if (needed < *used)
        return bad(why, VS_EHEADER, "dwNeededSize is below dwUsedSize");
    if (*used < fixed)
        return bad(why, VS_EHEADER, "dwUsedSize is smaller than the fixed part");
    return 0;
}

/* Check the field whose pair is at absolute offset pos (already known
 * to be inside the used area); *off and *size receive the pair. */
static int check_field(const uint8_t *b, uint32_t fixed, uint32_t used, uint32_t pos, uint8_t kind,
                       uint32_t *off, uint32_t *size, const char **why)
{
    uint32_t end;

    *size = vs_get_u32(b, pos);
    *off = vs_get_u32(b, pos + 4);
    if (*size == 0)
        return 0; /* absent; the offset carries no meaning */
    if (*off < fixed)
        return bad(why, VS_ERANGE, "field offset points into the fixed part");
    /* Written so that off + size cannot wrap around 2^32. */
    if (*off > used || *size > used - *off)
        return bad(why, VS_ERANGE, "field offset+size beyond dwUsedSize");
    end = *off + *size;
    switch (kind) {
    case VS_BYTES:
        return 0;
    case VS_STR8:
        if (b[end - 1])
            return bad(why, VS_ESTRING, "8-bit string not NUL-terminated");
        return 0;
    case VS_MULTISZ8:
        if (*size < 2 || b[end - 1] || b[end - 2])
            return bad(why, VS_ESTRING, "multi-string lacks double NUL");
        return 0;
    case VS_STR16:
    case VS_MULTISZ16:
        if (*size % 2)
            return bad(why, VS_ESTRING, "UTF-16 string has an odd size");
        if (vs_get_u16(b, end - 2))
            return bad(why, VS_ESTRING, "UTF-16 string not NUL-terminated");
        if (kind == VS_MULTISZ16 && (*size < 4 || vs_get_u16(b, end - 4)))
            return bad(why, VS_ESTRING, "multi-string lacks double NUL");
        return 0;
    default: /* kinds were checked by the caller */
        return 0;
    }
}

/* Is the 8-byte pair (or DWORD, n = 4) at off inside [12, limit)? */
static int pair_ok(uint32_t off, uint32_t n, uint32_t limit)
{
    return off >= VS_HEADER_SIZE && off <= limit && n <= limit - off;
}

int vs_validate(const void *buf, uint32_t len, uint32_t fixed, const vs_field *fields,
                size_t nfields, const char **why)
{
    const uint8_t *b = buf;
    uint32_t used, oi, si, oj, sj;
    size_t i, j;
    int r;

    if (!b || (nfields && !fields) || fixed < VS_HEADER_SIZE)
        return bad(why, VS_EINVAL, "invalid arguments");
    for (i = 0; i < nfields; i++)
        if (!pair_ok(fields[i].pair_off, 8, fixed) || fields[i].kind > VS_MULTISZ16)
            return bad(why, VS_EINVAL, "bad field description");
    if ((r = check_header(b, len, fixed, &used, why)))
        return r;
    for (i = 0; i < nfields; i++) {
        r = check_field(b, fixed, used, fields[i].pair_off, fields[i].kind, &oi, &si, why);
        if (r)
            return r;
    }
    /* Quadratic, but field lists are short and fixed by the caller. */
    for (i = 0; i < nfields; i++) {
        si = vs_get_u32(b, fields[i].pair_off);
        oi = vs_get_u32(b, fields[i].pair_off + 4);
        for (j = i + 1; si && j < nfields; j++) {
            sj = vs_get_u32(b, fields[j].pair_off);
            oj = vs_get_u32(b, fields[j].pair_off + 4);
            if (sj && oi < oj + sj && oj < oi + si)
                return bad(why, VS_EOVERLAP, "overlapping offsets");
        }
    }
    return 0;
}

int vs_validate_list(const void *buf, uint32_t len, uint32_t fixed, uint32_t num_off,
                     uint32_t list_pair_off, uint32_t entry_size, const vs_field *entry_fields,
                     size_t n_entry_fields, const char **why)
{
    const uint8_t *b = buf;
    uint32_t used, count, lsize, loff, i, e, off, size;
    size_t k;
    int r;

    if (!b || (n_entry_fields && !entry_fields) || fixed < VS_HEADER_SIZE || entry_size == 0 ||
        !pair_ok(num_off, 4, fixed) || !pair_ok(list_pair_off, 8, fixed))
        return bad(why, VS_EINVAL, "invalid arguments");
    for (k = 0; k < n_entry_fields; k++)
        if (entry_fields[k].pair_off > entry_size || entry_size - entry_fields[k].pair_off < 8 ||
            entry_fields[k].kind > VS_MULTISZ16)
            return bad(why, VS_EINVAL, "bad entry field description");
    if ((r = check_header(b, len, fixed, &used, why)))
        return r;
    count = vs_get_u32(b, num_off);
    lsize = vs_get_u32(b, list_pair_off);
    loff = vs_get_u32(b, list_pair_off + 4);
    if ((uint64_t)count * entry_size != lsize)
        return bad(why, VS_ELIST, "dwListSize is not dwNumEntries * entry size");
    if (lsize == 0)
        return 0;
    if (loff < fixed)
        return bad(why, VS_ERANGE, "list offset points into the fixed part");
    if (loff > used || lsize > used - loff)
        return bad(why, VS_ERANGE, "list offset+size beyond dwUsedSize");
    /* count * (entries * fields) work is linear in the input size. */
    for (i = 0, e = loff; i < count; i++, e += entry_size) {
        for (k = 0; k < n_entry_fields; k++) {
            r = check_field(b, fixed, used, e + entry_fields[k].pair_off, entry_fields[k].kind,
                            &off, &size, why);
            if (r)
                return r;
            if (size && off < loff + lsize && loff < off + size)
                return bad(why, VS_EOVERLAP, "entry field overlaps the entry array");
        }
    }
    return 0;
}
