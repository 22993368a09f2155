/*
 * varstruct.h - build and check TAPI variably-sized structures.
 *
 * Such a structure starts with three little-endian DWORDs: dwTotalSize
 * (offset 0, bytes the application allocated), dwNeededSize (4, bytes
 * needed for everything) and dwUsedSize (8, bytes actually valid). The
 * fixed part holds (size, offset) DWORD pairs that point into the
 * variable part behind it; offsets count from the structure start,
 * also for pairs that live inside list entries. A field that does not
 * fit is not truncated: its pair stays 0/0 but dwNeededSize still
 * grows by its full size, so a retry with dwNeededSize bytes succeeds.
 *
 * Writer decisions (see also the function comments):
 *  - Fields are appended contiguously after the fixed part. UTF-16
 *    fields start on an even offset and reserved blocks (entry arrays,
 *    which contain DWORDs) on a multiple of 4; padding bytes are zeroed.
 *  - After a field failed to fit, later fields that do fit are still
 *    written (TAPI leaves the choice open; this returns more data).
 *    dwNeededSize is always what the complete layout needs, so a retry
 *    with total == needed ends with used == needed.
 *  - Pairs inside a reserved block are addressed through the vs_block
 *    returned by the reservation, never by absolute offset. If the
 *    block did not fit, writes into it are skipped and appends only
 *    count towards needed, so strings of an unplaced entry array are
 *    never written anywhere but are still accounted for.
 *  - Programming errors (pair outside the fixed part or block, header
 *    overwrite, needed overflowing 32 bits) are sticky: every later
 *    call returns the same error and vs_finish reports it.
 *  - The writer never touches bytes at or after `total`, nor the
 *    unused bytes between used and total; send only dwUsedSize bytes.
 */
#ifndef TAPIX_VARSTRUCT_H
#define TAPIX_VARSTRUCT_H

#include <stddef.h>
#include <stdint.h>

#define VS_HEADER_SIZE 12u /* dwTotalSize, dwNeededSize, dwUsedSize */

/* Error codes (all negative). */
#define VS_EINVAL (-1)    /* bad argument or pair/offset: a caller bug */
#define VS_EOVERFLOW (-2) /* needed size would exceed UINT32_MAX */
#define VS_EENCODING (-3) /* invalid UTF-8 input (not sticky) */
/* Validator verdicts. */
#define VS_EHEADER (-10)  /* total/needed/used inconsistent */
#define VS_ERANGE (-11)   /* field outside the used variable part */
#define VS_EOVERLAP (-12) /* two fields overlap */
#define VS_ESTRING (-13)  /* string not terminated or odd UTF-16 size */
#define VS_ELIST (-14)    /* list count/size mismatch */

/* Little-endian access at any (unaligned) byte offset. */
uint16_t vs_get_u16(const void *buf, uint32_t off);
uint32_t vs_get_u32(const void *buf, uint32_t off);
void vs_put_u16(void *buf, uint32_t off, uint16_t v);
void vs_put_u32(void *buf, uint32_t off, uint32_t v);

/* ------------------------------------------------------------------ */
/* Writer                                                              */

typedef struct vs_writer {
    uint8_t *base;   /* start of the structure */
    uint32_t total;  /* dwTotalSize: never write at or beyond this */
    uint32_t fixed;  /* size of the fixed part */
    uint32_t used;   /* end of the data actually written */
    uint32_t needed; /* end of the data if everything had fit */
    int err;         /* first sticky error, 0 if none */
} vs_writer;

/* A reserved area; off == 0 means it did not fit (len is kept anyway
 * so that offsets into it are still bounds-checked). */
typedef struct vs_block {
    uint32_t off;
    uint32_t len;
} vs_block;

/*
 * Start writing a structure with a `fixed`-byte fixed part into buf of
 * `total` bytes: zeroes the fixed part, stores dwTotalSize = total and
 * sets used = needed = fixed. Returns 0, or VS_EINVAL if w or buf is
 * NULL, fixed < 12 or total < fixed (the writer is then poisoned so
 * that all later calls fail too).
 */
int vs_init(vs_writer *w, void *buf, uint32_t total, uint32_t fixed);

/*
 * Append len bytes of data as a variable field and store (len, offset)
 * in the DWORD pair at pair_off, which must be 4-aligned and lie in
 * the fixed part after the header. Returns 1 if written, 0 if it did
 * not fit (pair set to 0/0, needed still grows by len), or a negative
 * error. len == 0 stores 0/0 and returns 1.
 */
int vs_append(vs_writer *w, uint32_t pair_off, const void *data, uint32_t len);

/* Like vs_append, with the pair at offset rel inside block blk (offsets
 * stored are still from the structure start). If blk did not fit,
 * nothing is written, needed grows and 0 is returned. */
int vs_append_in(vs_writer *w, const vs_block *blk, uint32_t rel, const void *data, uint32_t len);

/*
 * Append a NUL-terminated 8-bit string; the stored size includes the
 * NUL. s == NULL means "absent" (pair 0/0, returns 1); "" is stored as
 * a 1-byte string, so absent and empty stay distinguishable. Returns
 * as vs_append.
 */
int vs_append_str8(vs_writer *w, uint32_t pair_off, const char *s);
int vs_append_str8_in(vs_writer *w, const vs_block *blk, uint32_t rel, const char *s);

/*
 * Append a 0-terminated UTF-16 string given in host-order units; it is
 * stored as UTF-16LE at an even offset, size includes the 2-byte NUL.
 * NULL is absent, an empty string takes 2 bytes. The units are copied
 * as they are (no surrogate check). Returns as vs_append.
 */
int vs_append_str16(vs_writer *w, uint32_t pair_off, const uint16_t *s);
int vs_append_str16_in(vs_writer *w, const vs_block *blk, uint32_t rel, const uint16_t *s);

/*
 * Append the NUL-terminated UTF-8 string utf8 converted to UTF-16LE,
 * like vs_append_str16. Invalid UTF-8 returns VS_EENCODING and leaves
 * the writer unchanged (the error is not sticky: the caller may skip
 * the field). NULL is absent. Otherwise returns as vs_append.
 */
int vs_append_utf8_as_utf16(vs_writer *w, uint32_t pair_off, const char *utf8);
int vs_append_utf8_as_utf16_in(vs_writer *w, const vs_block *blk, uint32_t rel, const char *utf8);

/*
 * Reserve n zeroed bytes at a 4-aligned offset (e.g. a list's entry
 * array), store (n, offset) in the pair at pair_off as vs_append does,
 * and return the block; .off is 0 if it did not fit (needed grows
 * anyway) or on error (sticky, see w->err). n == 0 gives off 0.
 */
vs_block vs_reserve(vs_writer *w, uint32_t pair_off, uint32_t n);
vs_block vs_reserve_in(vs_writer *w, const vs_block *blk, uint32_t rel, uint32_t n);

/*
 * Reserve a list's entry array of count * entry_size bytes like
 * vs_reserve (pair at pair_off) and store the DWORD at num_off: count
 * if the array was placed, else 0, because TAPI defines dwNumEntries
 * as the number of entries that appear in the array (vs_validate_list
 * insists on dwListSize == dwNumEntries * entry_size). A product above
 * UINT32_MAX is VS_EOVERFLOW (sticky). Returns the block.
 */
vs_block vs_reserve_list(vs_writer *w, uint32_t num_off, uint32_t pair_off, uint32_t count,
                         uint32_t entry_size);

/*
 * Copy len bytes to byte offset off of the fixed part (off >= 12,
 * off + len <= fixed); vs_set_u32 stores one little-endian DWORD.
 * Returns 1, or VS_EINVAL (sticky) when out of bounds.
 */
int vs_write(vs_writer *w, uint32_t off, const void *data, uint32_t len);
int vs_set_u32(vs_writer *w, uint32_t off, uint32_t v);

/* The same at offset rel inside blk (rel + len <= blk->len). Returns 1,
 * 0 if blk did not fit (nothing written), or VS_EINVAL (sticky). */
int vs_write_in(vs_writer *w, const vs_block *blk, uint32_t rel, const void *data, uint32_t len);
int vs_set_u32_in(vs_writer *w, const vs_block *blk, uint32_t rel, uint32_t v);

/*
 * Store dwNeededSize and dwUsedSize (offsets 4 and 8). Returns 0, or
 * the sticky error if any call failed with one; the structure must not
 * be delivered then.
 */
int vs_finish(vs_writer *w);

/* ------------------------------------------------------------------ */
/* Validator, for structures received from another (untrusted) process */

enum {
    VS_BYTES,    /* any bytes */
    VS_STR8,     /* 8-bit string, last byte 0 */
    VS_STR16,    /* UTF-16LE, even size >= 2, last unit 0 */
    VS_MULTISZ8, /* 8-bit strings ending in two 0 bytes, size >= 2 */
    VS_MULTISZ16 /* UTF-16LE, even size >= 4, last two units 0 */
};

/* A (size, offset) pair at byte offset pair_off and what it points to. */
typedef struct vs_field {
    uint32_t pair_off;
    uint8_t kind;
} vs_field;

/*
 * Check that the len bytes at buf form a sane structure with a
 * `fixed`-byte fixed part and the given fields: len >= 12, used <=
 * len (the transport may send only the used part, so dwTotalSize may
 * exceed len), fixed <= used <= total, needed >= used; every field
 * with nonzero size lies within [fixed, used) without 32-bit overflow,
 * has the terminator its kind requires and overlaps no other field.
 * A zero size means absent, whatever the offset. Returns 0 if valid,
 * VS_EINVAL for bad arguments (buf/fields NULL, fixed < 12, a pair not
 * inside the fixed part), or a VS_E* verdict; *why (if why != NULL)
 * then points to a static English reason.
 */
int vs_validate(const void *buf, uint32_t len, uint32_t fixed, const vs_field *fields,
                size_t nfields, const char **why);

/*
 * Check a list structure: the header checks of vs_validate, then the
 * entry count DWORD at num_off and the (size, offset) pair at
 * list_pair_off: size must equal count * entry_size, and the array
 * must lie within [fixed, used). Each entry's fields (pair_off relative
 * to the entry, string offsets relative to the structure start) are
 * checked like vs_validate's, plus they must not overlap the entry
 * array; overlap between entry strings is not checked. Other header
 * fields are the caller's job (vs_validate). Returns as vs_validate.
 */
int vs_validate_list(const void *buf, uint32_t len, uint32_t fixed, uint32_t num_off,
                     uint32_t list_pair_off, uint32_t entry_size, const vs_field *entry_fields,
                     size_t n_entry_fields, const char **why);

#endif /* TAPIX_VARSTRUCT_H */
