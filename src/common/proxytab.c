/*
 * proxytab.c - the proxy request table (see proxytab.h) and the two
 * operations every output structure needs: validation, and conversion of
 * its strings from UTF-16 to UTF-8 for the A functions.
 *
 * Offsets are Microsoft's (tests/unit/test_layout.c pins them); this file
 * repeats them as numbers so that library, server and proxy share one
 * description without each including tapi.h's structures.
 */
#include "proxytab.h"

#include <stdlib.h>
#include <string.h>

#include "utf.h"

/* --- the structures -------------------------------------------------------- */

static const vs_field caps_fields[] = {{12, VS_STR16}, {48, VS_BYTES}};
static const struct px_struct agentcaps = {
    "LINEAGENTCAPS", 72, 56, caps_fields, 2, 44, 48, 16, NULL, 0};

static const vs_field group_entry[] = {{16, VS_STR16}};
static const vs_field status_fields[] = {{16, VS_BYTES}, {36, VS_STR16}};
static const struct px_struct agentstatus = {
    "LINEAGENTSTATUS", 56, 56, status_fields, 2, 12, 16, 24, group_entry, 1};

static const vs_field list_fields[] = {{16, VS_BYTES}};
static const vs_field named_entry[] = {{4, VS_STR16}};
static const struct px_struct activitylist = {
    "LINEAGENTACTIVITYLIST", 24, 24, list_fields, 1, 12, 16, 12, named_entry, 1};
static const struct px_struct grouplist = {"LINEAGENTGROUPLIST", 24, 24, list_fields, 1, 12, 16, 24,
                                           group_entry,          1};
static const struct px_struct sessionlist = {
    "LINEAGENTSESSIONLIST", 24, 24, list_fields, 1, 12, 16, 28, NULL, 0};
static const struct px_struct queuelist = {"LINEQUEUELIST", 24, 24, list_fields, 1, 12, 16, 12,
                                           named_entry,     1};
static const struct px_struct agentinfo = {"LINEAGENTINFO", 56, 56, NULL, 0, 0, 0, 0, NULL, 0};
static const struct px_struct sessioninfo = {
    "LINEAGENTSESSIONINFO", 76, 76, NULL, 0, 0, 0, 0, NULL, 0};
static const struct px_struct queueinfo = {"LINEQUEUEINFO", 52, 52, NULL, 0, 0, 0, 0, NULL, 0};

/* --- the request types ------------------------------------------------------- */

#define V20 0x00020000u
#define V22 0x00020002u

static const struct px_type types[PX_TYPE_MAX + 1] = {
    [0x01] = {0x01, "SETAGENTGROUP", V20, 28, PX_IN_GROUPLIST, PX_OUT_NONE, 32, &grouplist, {0}, 0},
    [0x02] = {0x02, "SETAGENTSTATE", V20, 12, PX_IN_PLAIN, PX_OUT_NONE, 0, NULL, {0}, 0},
    [0x03] = {0x03, "SETAGENTACTIVITY", V20, 8, PX_IN_PLAIN, PX_OUT_NONE, 0, NULL, {0}, 0},
    [0x04] = {0x04, "GETAGENTCAPS", V20, 76, PX_IN_PLAIN, PX_OUT_STRUCT, 32, &agentcaps, {0}, 0},
    [0x05] =
        {0x05, "GETAGENTSTATUS", V20, 60, PX_IN_PLAIN, PX_OUT_STRUCT, 32, &agentstatus, {0}, 0},
    [0x06] = {0x06, "AGENTSPECIFIC", V20, 12, PX_IN_PARAMS, PX_OUT_PARAMS, 40, NULL, {0}, 0},
    [0x07] = {0x07,
              "GETAGENTACTIVITYLIST",
              V20,
              28,
              PX_IN_PLAIN,
              PX_OUT_STRUCT,
              32,
              &activitylist,
              {0},
              0},
    [0x08] =
        {0x08, "GETAGENTGROUPLIST", V20, 28, PX_IN_PLAIN, PX_OUT_STRUCT, 32, &grouplist, {0}, 0},
    [0x09] = {0x09, "CREATEAGENT", V22, 20, PX_IN_STRINGS, PX_OUT_HANDLE, 28, NULL, {32, 40}, 2},
    [0x0A] = {0x0A, "SETAGENTMEASUREMENTPERIOD", V22, 8, PX_IN_PLAIN, PX_OUT_NONE, 0, NULL, {0}, 0},
    [0x0B] = {0x0B, "GETAGENTINFO", V22, 60, PX_IN_PLAIN, PX_OUT_STRUCT, 32, &agentinfo, {0}, 0},
    [0x0C] =
        {0x0C, "CREATEAGENTSESSION", V22, 36, PX_IN_STRINGS, PX_OUT_HANDLE, 28, NULL, {32, 0}, 1},
    [0x0D] = {0x0D,
              "GETAGENTSESSIONLIST",
              V22,
              28,
              PX_IN_PLAIN,
              PX_OUT_STRUCT,
              32,
              &sessionlist,
              {0},
              0},
    [0x0E] = {0x0E, "SETAGENTSESSIONSTATE", V22, 12, PX_IN_PLAIN, PX_OUT_NONE, 0, NULL, {0}, 0},
    [0x0F] = {0x0F,
              "GETAGENTSESSIONINFO",
              V22,
              80,
              PX_IN_PLAIN,
              PX_OUT_STRUCT,
              32,
              &sessioninfo,
              {0},
              0},
    [0x10] = {0x10, "GETQUEUELIST", V22, 40, PX_IN_PLAIN, PX_OUT_STRUCT, 44, &queuelist, {0}, 0},
    [0x11] = {0x11, "SETQUEUEMEASUREMENTPERIOD", V22, 8, PX_IN_PLAIN, PX_OUT_NONE, 0, NULL, {0}, 0},
    [0x12] = {0x12, "GETQUEUEINFO", V22, 56, PX_IN_PLAIN, PX_OUT_STRUCT, 32, &queueinfo, {0}, 0},
    [0x13] = {0x13, "GETGROUPLIST", V22, 24, PX_IN_PLAIN, PX_OUT_STRUCT, 28, &grouplist, {0}, 0},
    [0x14] = {0x14, "SETAGENTSTATEEX", V22, 12, PX_IN_PLAIN, PX_OUT_NONE, 0, NULL, {0}, 0},
};

const struct px_type *px_type(uint32_t type)
{
    return (type >= 1 && type <= PX_TYPE_MAX) ? &types[type] : NULL;
}

uint32_t px_fixed(const struct px_struct *st, uint32_t ver)
{
    return ver >= V22 ? st->fixed : st->fixed_old;
}

/* --- validation -------------------------------------------------------------- */

static void narrow_fields(const vs_field *in, size_t n, vs_field *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = in[i];
        if (out[i].kind == VS_STR16)
            out[i].kind = VS_STR8;
    }
}

int px_validate(const struct px_struct *st, const void *buf, uint32_t len, uint32_t ver, int narrow,
                const char **why)
{
    vs_field f[4], e[4];
    const vs_field *fields = st->fields, *entries = st->entry_fields;
    if (narrow) {
        narrow_fields(st->fields, st->nfields, f);
        narrow_fields(st->entry_fields, st->n_entry_fields, e);
        fields = f;
        entries = e;
    }
    static const vs_field none[1];
    int rc =
        vs_validate(buf, len, px_fixed(st, ver), st->nfields ? fields : none, st->nfields, why);
    if (!rc && st->num_off)
        rc = vs_validate_list(buf, len, px_fixed(st, ver), st->num_off, st->list_pair_off,
                              st->entry_size, st->n_entry_fields ? entries : none,
                              st->n_entry_fields, why);
    return rc;
}

/* --- UTF-16 to UTF-8 ------------------------------------------------------------- */

/* The UTF-8 form of the UTF-16 string at off/size of src, malloc'd. */
static char *narrow_str(const uint8_t *src, uint32_t off, uint32_t size, int *err)
{
    uint32_t units = size / 2 - 1; /* validated: even, >= 2, NUL-terminated */
    uint16_t *tmp = malloc((size_t)units * 2 + 2);
    if (!tmp) {
        *err = UTF_ENOMEM;
        return NULL;
    }
    for (uint32_t i = 0; i < units; i++)
        tmp[i] = vs_get_u16(src, off + 2 * i);
    long n = utf16_to_utf8(tmp, units, NULL, 0);
    char *s = n < 0 ? NULL : malloc((size_t)n + 1);
    if (s)
        utf16_to_utf8(tmp, units, s, (size_t)n + 1);
    *err = n < 0 ? (int)n : (s ? 0 : UTF_ENOMEM);
    free(tmp);
    return s;
}

/* Append field (pair at pair_off of src) to w, at pair rel of blk when
   blk != NULL, else at pair_off of the fixed part. */
static int copy_field(vs_writer *w, const vs_block *blk, uint32_t rel, const uint8_t *src,
                      uint32_t pair_off, uint8_t kind)
{
    uint32_t size = vs_get_u32(src, pair_off), off = vs_get_u32(src, pair_off + 4);
    if (!size)
        return 0;
    if (kind == VS_STR16) {
        int err;
        char *s = narrow_str(src, off, size, &err);
        if (!s)
            return err;
        int rc = blk ? vs_append_str8_in(w, blk, rel, s) : vs_append_str8(w, pair_off, s);
        free(s);
        return rc < 0 ? rc : 0;
    }
    int rc =
        blk ? vs_append_in(w, blk, rel, src + off, size) : vs_append(w, pair_off, src + off, size);
    return rc < 0 ? rc : 0;
}

int px_to_narrow(const struct px_struct *st, const void *srcv, uint32_t src_len, void *dst,
                 uint32_t total, uint32_t ver)
{
    const uint8_t *src = srcv;
    uint32_t fixed = px_fixed(st, ver);
    vs_writer w;
    int rc = vs_init(&w, dst, total, fixed);
    if (rc)
        return rc;
    /* The fixed part as it is, then every variable field re-appended. */
    vs_write(&w, 12, src + 12, fixed - 12);
    for (size_t i = 0; i < st->nfields; i++)
        vs_set_u32(&w, st->fields[i].pair_off, 0), vs_set_u32(&w, st->fields[i].pair_off + 4, 0);
    for (size_t i = 0; i < st->nfields && !rc; i++) {
        if (st->num_off && st->fields[i].pair_off == st->list_pair_off) {
            uint32_t n = vs_get_u32(src, st->num_off);
            uint32_t loff = vs_get_u32(src, st->list_pair_off + 4);
            vs_block blk = vs_reserve_list(&w, st->num_off, st->list_pair_off, n, st->entry_size);
            for (uint32_t k = 0; k < n && !rc; k++) {
                const uint8_t *ent = src + loff + k * st->entry_size;
                vs_write_in(&w, &blk, k * st->entry_size, ent, st->entry_size);
                for (size_t j = 0; j < st->n_entry_fields && !rc; j++) {
                    uint32_t rel = k * st->entry_size + st->entry_fields[j].pair_off;
                    vs_set_u32_in(&w, &blk, rel, 0);
                    vs_set_u32_in(&w, &blk, rel + 4, 0);
                    /* the source pair sits in the source's entry array; the
                       offsets it holds count from the structure start */
                    rc = copy_field(&w, &blk, rel, src, loff + rel, st->entry_fields[j].kind);
                }
            }
        } else {
            rc = copy_field(&w, NULL, 0, src, st->fields[i].pair_off, st->fields[i].kind);
        }
    }
    if (rc)
        return rc;
    uint32_t src_needed = vs_get_u32(src, 4), src_used = vs_get_u32(src, 8);
    (void)src_len;
    if (src_needed > src_used) {
        /* Some of the source did not fit, so its UTF-8 size is unknown:
           every UTF-16 unit needs at most 3 bytes of UTF-8 (4 for a pair of
           2 units), so 3/2 of the missing bytes bounds what is missing. */
        uint64_t bound = (uint64_t)w.needed + ((uint64_t)(src_needed - src_used) * 3 + 1) / 2;
        w.needed = bound > UINT32_MAX ? UINT32_MAX : (uint32_t)bound;
    }
    return vs_finish(&w);
}
