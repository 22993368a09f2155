/*
 * utf.c - strict UTF-8 <-> UTF-16 conversion (see utf.h).
 *
 * Both converters make two passes: the first validates the whole input
 * and measures it, the second writes. That way invalid input is always
 * reported as UTF_EINVAL no matter how big dst is, and dst is never
 * left half-converted when the answer is UTF_ENOSPC.
 */
#include "utf.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

long utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c, min;
    size_t n, i;

    if (!s || !cp || len == 0)
        return UTF_EINVAL;
    c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    /* The lead byte gives the length; "min" is the smallest code point
     * that really needs that length, anything below is overlong
     * (this also rejects C0/C1 and E0 80../F0 80.. forms). */
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        c &= 0x1F;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        c &= 0x0F;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        return UTF_EINVAL; /* stray continuation byte or F8..FF */
    }
    if (len < n)
        return UTF_EINVAL; /* truncated */
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return UTF_EINVAL;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return UTF_EINVAL;
    *cp = c;
    return (long)n;
}

/* Decode one code point from UTF-16; returns units used or UTF_EINVAL. */
static long utf16_decode(const uint16_t *s, size_t len, uint32_t *cp)
{
    uint32_t hi = s[0], lo;

    if (hi < 0xD800 || hi > 0xDFFF) {
        *cp = hi;
        return 1;
    }
    if (hi > 0xDBFF || len < 2)
        return UTF_EINVAL; /* lone low surrogate, or high at the end */
    lo = s[1];
    if (lo < 0xDC00 || lo > 0xDFFF)
        return UTF_EINVAL; /* high surrogate not followed by a low one */
    *cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    return 2;
}

long utf8_to_utf16(const char *src, size_t srclen, uint16_t *dst, size_t dst_cap)
{
    size_t i, k, units = 0;
    uint32_t cp;
    long n;

    if (dst && dst_cap > 0)
        dst[0] = 0; /* a failed call still leaves a valid empty string */
    if ((!src && srclen > 0) || (!dst && dst_cap > 0))
        return UTF_EINVAL;
    if (srclen >= (size_t)LONG_MAX)
        return UTF_ERANGE; /* units <= srclen, so this bounds the result */
    for (i = 0; i < srclen; i += (size_t)n) {
        n = utf8_decode(src + i, srclen - i, &cp);
        if (n < 0)
            return n;
        units += cp >= 0x10000 ? 2 : 1;
    }
    if (!dst)
        return (long)units;
    if (units >= dst_cap)
        return UTF_ENOSPC;
    for (i = 0, k = 0; i < srclen; i += (size_t)n) {
        n = utf8_decode(src + i, srclen - i, &cp);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            dst[k++] = (uint16_t)(0xD800 + (cp >> 10));
            dst[k++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
        } else {
            dst[k++] = (uint16_t)cp;
        }
    }
    dst[k] = 0;
    return (long)units;
}

long utf16_to_utf8(const uint16_t *src, size_t src_units, char *dst, size_t dst_cap)
{
    size_t i, k, bytes = 0;
    uint32_t cp;
    long n;

    if (dst && dst_cap > 0)
        dst[0] = '\0';
    if ((!src && src_units > 0) || (!dst && dst_cap > 0))
        return UTF_EINVAL;
    if (src_units >= (size_t)LONG_MAX / 3)
        return UTF_ERANGE; /* each unit yields at most 3 bytes */
    for (i = 0; i < src_units; i += (size_t)n) {
        n = utf16_decode(src + i, src_units - i, &cp);
        if (n < 0)
            return n;
        bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }
    if (!dst)
        return (long)bytes;
    if (bytes >= dst_cap)
        return UTF_ENOSPC;
    for (i = 0, k = 0; i < src_units; i += (size_t)n) {
        n = utf16_decode(src + i, src_units - i, &cp);
        if (cp < 0x80) {
            dst[k++] = (char)cp;
            continue;
        }
        if (cp < 0x800) {
            dst[k++] = (char)(0xC0 | (cp >> 6));
        } else {
            if (cp < 0x10000) {
                dst[k++] = (char)(0xE0 | (cp >> 12));
            } else {
                dst[k++] = (char)(0xF0 | (cp >> 18));
                dst[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            }
            dst[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        }
        dst[k++] = (char)(0x80 | (cp & 0x3F));
    }
    dst[k] = '\0';
    return (long)bytes;
}

size_t utf16_len(const uint16_t *s)
{
    size_t n = 0;

    if (s)
        while (s[n])
            n++;
    return n;
}

static void set_err(int *err, int v)
{
    if (err)
        *err = v;
}

uint16_t *utf8_to_utf16_dup(const char *s, int *err)
{
    size_t len;
    long n;
    uint16_t *d;

    if (!s) {
        set_err(err, UTF_EINVAL);
        return NULL;
    }
    len = strlen(s);
    n = utf8_to_utf16(s, len, NULL, 0);
    if (n < 0) {
        set_err(err, (int)n);
        return NULL;
    }
    /* n <= len < SIZE_MAX / 2 for any real string, but stay honest. */
    if ((size_t)n >= SIZE_MAX / sizeof *d || !(d = malloc(((size_t)n + 1) * sizeof *d))) {
        set_err(err, UTF_ENOMEM);
        return NULL;
    }
    utf8_to_utf16(s, len, d, (size_t)n + 1);
    set_err(err, 0);
    return d;
}

char *utf16_to_utf8_dup(const uint16_t *s, int *err)
{
    size_t units;
    long n;
    char *d;

    if (!s) {
        set_err(err, UTF_EINVAL);
        return NULL;
    }
    units = utf16_len(s);
    n = utf16_to_utf8(s, units, NULL, 0);
    if (n < 0) {
        set_err(err, (int)n);
        return NULL;
    }
    if (!(d = malloc((size_t)n + 1))) {
        set_err(err, UTF_ENOMEM);
        return NULL;
    }
    utf16_to_utf8(s, units, d, (size_t)n + 1);
    set_err(err, 0);
    return d;
}
