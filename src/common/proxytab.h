/*
 * proxytab.h - the 20 proxy request types as data.
 *
 * One row per LINEPROXYREQUEST_ type says everything that differs between
 * them: the union member's size, the first API version that has it, what
 * comes in (plain DWORDs, an input group list, UTF-16 strings, a parameter
 * block) and what goes back (nothing, a handle, the parameter block, or a
 * variably-sized structure).  Library, server and acdproxy marshal, route,
 * validate and dispatch from this table; adding a request type is one row.
 */
#ifndef TAPIX_PROXYTAB_H
#define TAPIX_PROXYTAB_H

#include <stddef.h>
#include <stdint.h>

#include "varstruct.h"

#define PX_HDR 28u        /* LINEPROXYREQUEST's fixed header; the union starts here */
#define PX_TYPE_MAX 0x14u /* highest LINEPROXYREQUEST_ value */

/* A variably-sized structure that travels inside a request. */
struct px_struct {
    const char *name;
    uint32_t fixed;         /* fixed part for 2.2 clients */
    uint32_t fixed_old;     /* fixed part for clients below 2.2 (LINEAGENTCAPS: 56) */
    const vs_field *fields; /* top-level variable fields (strings as VS_STR16) */
    size_t nfields;
    uint32_t num_off;       /* list: dwNumEntries offset, 0 when not a list */
    uint32_t list_pair_off; /* list: (size, offset) pair of the entry array */
    uint32_t entry_size;
    const vs_field *entry_fields; /* offsets relative to the entry */
    size_t n_entry_fields;
};

enum px_in {
    PX_IN_PLAIN,     /* DWORDs and GUIDs only */
    PX_IN_GROUPLIST, /* SetAgentGroup: the app's LINEAGENTGROUPLIST */
    PX_IN_STRINGS,   /* CreateAgent / CreateAgentSession: UTF-16 strings */
    PX_IN_PARAMS,    /* AgentSpecific: dwSize bytes at Params */
};

enum px_out {
    PX_OUT_NONE,   /* result only */
    PX_OUT_HANDLE, /* a DWORD at out_off: HAGENT / HAGENTSESSION */
    PX_OUT_PARAMS, /* AgentSpecific's parameter block, in place */
    PX_OUT_STRUCT, /* the embedded structure at out_off */
};

struct px_type {
    uint32_t type;
    const char *name;     /* "CREATEAGENTSESSION" */
    uint32_t min_version; /* 0x00020000 or 0x00020002 */
    uint32_t union_size;  /* fixed bytes of the union member, embedded structure included */
    uint8_t in, out;
    uint32_t out_off;           /* from the start of LINEPROXYREQUEST */
    const struct px_struct *st; /* the embedded structure (STRUCT out or GROUPLIST in) */
    uint32_t str_pairs[2];      /* PX_IN_STRINGS: (size, offset) pairs, from the start */
    uint8_t nstr;
};

/* The row for a LINEPROXYREQUEST_ value, or NULL when there is none. */
const struct px_type *px_type(uint32_t type);

/* The 13 types whose registration together means LINEPROXYSTATUS_ALLOPENFORACD. */
#define PX_ACD_MASK                                                                                \
    ((1u << 0x4) | (1u << 0x9) | (1u << 0xA) | (1u << 0xB) | (1u << 0xC) | (1u << 0xD) |           \
     (1u << 0xE) | (1u << 0xF) | (1u << 0x10) | (1u << 0x11) | (1u << 0x12) | (1u << 0x13) |       \
     (1u << 0x14))

/* Fixed size of st for a client of version ver. */
uint32_t px_fixed(const struct px_struct *st, uint32_t ver);

/*
 * Check a structure of kind st as produced by a handler (strings UTF-16)
 * or, with narrow != 0, after conversion to UTF-8: header sizes, every
 * field and list entry inside the used part and terminated.  len bytes are
 * at buf.  Returns 0 or a VS_E* code with *why set.
 */
int px_validate(const struct px_struct *st, const void *buf, uint32_t len, uint32_t ver, int narrow,
                const char **why);

/*
 * Rewrite a valid UTF-16 structure src (src_len bytes) into dst (total
 * bytes, total >= fixed) with every string converted to UTF-8 and all
 * sizes and offsets fixed, as tapi32's A functions return it.  When src
 * was complete, dwNeededSize is exact; when it was not, dwNeededSize is
 * an upper bound from src's dwNeededSize.  Returns 0, or a negative
 * VS_E* / UTF_E* code (dst must not be delivered then).
 */
int px_to_narrow(const struct px_struct *st, const void *src, uint32_t src_len, void *dst,
                 uint32_t total, uint32_t ver);

#endif
