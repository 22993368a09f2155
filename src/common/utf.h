/*
 * utf.h - strict UTF-8 <-> UTF-16 conversion for tapix.
 *
 * TAPI "W" functions carry UTF-16LE strings, while the rest of tapix
 * (configuration, logs, provider names) is UTF-8. These converters are
 * strict on purpose: strings may come from another process, so
 * malformed input is rejected instead of being silently repaired.
 *
 * UTF-16 units (uint16_t) are in HOST byte order in memory. On x86-64
 * that is UTF-16LE, which is also the TAPI wire format. Code that reads
 * or writes wire buffers must go through vs_get_u16/vs_put_u16
 * (varstruct.h) so that it stays correct on a big-endian host.
 *
 * All identifiers here start with "utf" (utf8_, utf16_, UTF_).
 */
#ifndef TAPIX_UTF_H
#define TAPIX_UTF_H

#include <stddef.h>
#include <stdint.h>

/* Error codes; all negative so they never collide with a length. */
#define UTF_EINVAL (-1) /* malformed input or bad arguments */
#define UTF_ENOSPC (-2) /* dst too small (terminator included) */
#define UTF_ENOMEM (-3) /* allocation failed (_dup functions only) */
#define UTF_ERANGE (-4) /* result length not representable as long */

/*
 * Decode one code point from the first len (>= 1) bytes of s into *cp.
 * Returns the number of bytes consumed (1..4), or UTF_EINVAL for a
 * stray continuation byte, an overlong form, an encoded surrogate
 * (U+D800..U+DFFF), a value above U+10FFFF, or a sequence cut short by
 * len. *cp is only written on success.
 */
long utf8_decode(const char *s, size_t len, uint32_t *cp);

/*
 * Convert srclen bytes of UTF-8 (no terminator needed, U+0000 is
 * converted like any other code point) to UTF-16 in dst, which holds
 * dst_cap units. On success dst is NUL-terminated and the number of
 * units written, excluding the terminator, is returned. With dst ==
 * NULL and dst_cap == 0 nothing is written and the number of units
 * needed (excluding the terminator) is returned. Errors: UTF_EINVAL
 * for invalid input (checked before any space check, so the result
 * does not depend on dst_cap), UTF_ENOSPC if dst_cap < units + 1,
 * UTF_ERANGE if srclen >= LONG_MAX. On error dst[0] is set to 0 when
 * dst_cap > 0, never more than dst_cap units are written.
 */
long utf8_to_utf16(const char *src, size_t srclen, uint16_t *dst, size_t dst_cap);

/*
 * Convert src_units UTF-16 units to UTF-8 in dst, which holds dst_cap
 * bytes. Same conventions as utf8_to_utf16: returns bytes written
 * excluding the NUL, or the size needed in measuring mode (dst NULL,
 * dst_cap 0). Lone high or low surrogates and reversed pairs give
 * UTF_EINVAL; UTF_ENOSPC and UTF_ERANGE as above.
 */
long utf16_to_utf8(const uint16_t *src, size_t src_units, char *dst, size_t dst_cap);

/* Return the number of units before the first 0 unit; 0 for NULL. */
size_t utf16_len(const uint16_t *s);

/*
 * Convert the NUL-terminated UTF-8 string s to a newly malloc'd,
 * NUL-terminated UTF-16 string (free() it). Returns NULL on failure
 * with *err set to UTF_EINVAL (s NULL or malformed) or UTF_ENOMEM; on
 * success *err is 0. err may be NULL.
 */
uint16_t *utf8_to_utf16_dup(const char *s, int *err);

/*
 * Convert the 0-terminated UTF-16 string s to a newly malloc'd UTF-8
 * string (free() it). Returns NULL on failure with *err set as for
 * utf8_to_utf16_dup; err may be NULL.
 */
char *utf16_to_utf8_dup(const uint16_t *s, int *err);

#endif /* TAPIX_UTF_H */
