/*
 * lines.c - line devices and their LINEDEVCAPS / LINEADDRESSCAPS (see
 * lines.h).  Offsets come from include/tapi.h, whose layout is pinned
 * against Microsoft's by tests/unit/test_layout.c, so the server cannot
 * drift from what applications read.
 */
#include "lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tapi.h>

#include "varstruct.h"

#define OFF(type, member) ((uint32_t)offsetof(type, member))

/* The fixed sizes per version, checked against the header's layout. */
#define DEVCAPS_FIXED_14 OFF(LINEDEVCAPS, dwSettableDevStatus)
#define DEVCAPS_FIXED_20 OFF(LINEDEVCAPS, PermanentLineGuid)
#define DEVCAPS_FIXED_22 (OFF(LINEDEVCAPS, PermanentLineGuid) + 16u)
#define ADDRCAPS_FIXED_14 OFF(LINEADDRESSCAPS, dwPredictiveAutoTransferStates)
#define ADDRCAPS_FIXED_20 ((uint32_t)sizeof(LINEADDRESSCAPS))
_Static_assert(DEVCAPS_FIXED_14 == 240, "LINEDEVCAPS 1.4 fixed size");
_Static_assert(DEVCAPS_FIXED_20 == 252, "LINEDEVCAPS 2.0 fixed size");
_Static_assert(DEVCAPS_FIXED_22 == 268, "LINEDEVCAPS 2.2 fixed size");
_Static_assert(ADDRCAPS_FIXED_14 == 180, "LINEADDRESSCAPS 1.4 fixed size");
_Static_assert(ADDRCAPS_FIXED_20 == 228, "LINEADDRESSCAPS 2.0 fixed size");

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

int lines_defaults(struct line_table *t)
{
    enum { N = 8 };
    t->n = 0;
    t->v = calloc(N, sizeof *t->v);
    if (!t->v)
        return -1;
    for (uint32_t i = 0; i < N; i++) {
        struct line_dev *ln = &t->v[i];
        char name[32], addr[16];
        snprintf(name, sizeof name, "Station %u", i + 1);
        snprintf(addr, sizeof addr, "%u", 201 + i);
        t->n = i + 1; /* count it now so lines_free releases partial work */
        ln->name = xstrdup(name);
        ln->provider_info = xstrdup("tapix");
        ln->switch_info = xstrdup("tapix built-in switch");
        ln->permanent_id = i + 1;
        ln->media_modes = LINEMEDIAMODE_INTERACTIVEVOICE;
        ln->addrs = calloc(1, sizeof *ln->addrs);
        if (!ln->name || !ln->provider_info || !ln->switch_info || !ln->addrs)
            goto nomem;
        ln->naddrs = 1;
        ln->addrs[0].address = xstrdup(addr);
        if (!ln->addrs[0].address)
            goto nomem;
    }
    return 0;
nomem:
    lines_free(t);
    return -1;
}

void lines_free(struct line_table *t)
{
    for (uint32_t i = 0; i < t->n; i++) {
        struct line_dev *ln = &t->v[i];
        for (uint32_t a = 0; a < ln->naddrs; a++) {
            free(ln->addrs[a].address);
            free(ln->addrs[a].name);
        }
        free(ln->addrs);
        free(ln->name);
        free(ln->provider_info);
        free(ln->switch_info);
    }
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

int lines_version_ok(uint32_t v)
{
    return v >= LINES_API_LOW && v <= LINES_API_HIGH;
}

uint32_t lines_devcaps_fixed(uint32_t v)
{
    if (v < 0x00020000u)
        return DEVCAPS_FIXED_14;
    if (v < 0x00020002u)
        return DEVCAPS_FIXED_20;
    return DEVCAPS_FIXED_22;
}

uint32_t lines_addrcaps_fixed(uint32_t v)
{
    return v < 0x00020000u ? ADDRCAPS_FIXED_14 : ADDRCAPS_FIXED_20;
}

void lines_guid(uint32_t permanent_id, uint8_t out[16])
{
    /* Printed: {PPPPPPPP-7461-8069-8078-746170697800}, "tapix" in the tail;
     * Data3's top nibble 8 = version 8 (vendor-defined), Data4[0]'s top
     * bits 10 = RFC variant. */
    static const uint8_t tail[8] = {0x80, 0x78, 't', 'a', 'p', 'i', 'x', 0x00};
    vs_put_u32(out, 0, permanent_id);
    vs_put_u16(out, 4, 0x7461);
    vs_put_u16(out, 6, 0x8069);
    memcpy(out + 8, tail, sizeof tail);
}

/* A string field in the caller's character set. */
static int put_string(vs_writer *w, uint32_t pair_off, const char *s, int wide)
{
    return wide ? vs_append_utf8_as_utf16(w, pair_off, s) : vs_append_str8(w, pair_off, s);
}

/*
 * DeviceClasses: the one class "tapi/line" as a NUL-separated list ending
 * in an extra NUL.  The UTF-16 form goes through a reserved block because
 * it contains embedded NULs (vs_append_str16 would stop at the first) and
 * must sit on an even offset.
 */
static int put_device_classes(vs_writer *w, uint32_t pair_off, int wide)
{
    static const char cls[] = "tapi/line\0"; /* two NULs: the literal's own + one */
    if (!wide)
        return vs_append(w, pair_off, cls, sizeof cls);
    uint8_t u16[2 * sizeof cls];
    for (uint32_t i = 0; i < sizeof cls; i++)
        vs_put_u16(u16, 2 * i, (uint16_t)(unsigned char)cls[i]);
    vs_block b = vs_reserve(w, pair_off, sizeof u16);
    return w->err ? w->err : vs_write_in(w, &b, 0, u16, sizeof u16);
}

/* Start a structure: buf holds cap bytes, the app's buffer total.  The
 * writer must never go past either; dwTotalSize reports the app's size. */
static uint32_t start(vs_writer *w, void *buf, uint32_t cap, uint32_t total, uint32_t fixed)
{
    if (total < fixed)
        return LINEERR_STRUCTURETOOSMALL;
    if (cap < fixed || vs_init(w, buf, total < cap ? total : cap, fixed) < 0)
        return LINEERR_OPERATIONFAILED;
    vs_put_u32(buf, 0, total);
    return 0;
}

static uint32_t finish(vs_writer *w, void *buf, uint32_t total)
{
    if (vs_finish(w) < 0)
        return LINEERR_OPERATIONFAILED;
    vs_put_u32(buf, 0, total); /* vs_finish leaves it, but be explicit */
    return 0;
}

uint32_t lines_build_devcaps(const struct line_dev *ln, uint32_t v, int wide, uint32_t total,
                             void *buf, uint32_t cap)
{
    uint32_t fixed = lines_devcaps_fixed(v), r;
    vs_writer w;
    if ((r = start(&w, buf, cap, total, fixed)) != 0)
        return r;
    /* A string the config validated cannot fail to encode; any negative
     * return is sticky in the writer and reported by vs_finish. */
    if (put_string(&w, OFF(LINEDEVCAPS, dwProviderInfoSize), ln->provider_info, wide) ==
            VS_EENCODING ||
        put_string(&w, OFF(LINEDEVCAPS, dwSwitchInfoSize), ln->switch_info, wide) == VS_EENCODING ||
        put_string(&w, OFF(LINEDEVCAPS, dwLineNameSize), ln->name, wide) == VS_EENCODING)
        return LINEERR_OPERATIONFAILED;
    vs_set_u32(&w, OFF(LINEDEVCAPS, dwPermanentLineID), ln->permanent_id);
    vs_set_u32(&w, OFF(LINEDEVCAPS, dwStringFormat),
               wide ? STRINGFORMAT_UNICODE : STRINGFORMAT_ASCII);
    vs_set_u32(&w, OFF(LINEDEVCAPS, dwAddressModes), LINEADDRESSMODE_ADDRESSID);
    vs_set_u32(&w, OFF(LINEDEVCAPS, dwNumAddresses), ln->naddrs);
    vs_set_u32(&w, OFF(LINEDEVCAPS, dwBearerModes), LINEBEARERMODE_VOICE);
    vs_set_u32(&w, OFF(LINEDEVCAPS, dwMediaModes), ln->media_modes);
    vs_set_u32(&w, OFF(LINEDEVCAPS, dwMaxNumActiveCalls), 1);
    if (v >= 0x00020000u)
        put_device_classes(&w, OFF(LINEDEVCAPS, dwDeviceClassesSize), wide);
    if (v >= 0x00020002u) {
        uint8_t guid[16];
        lines_guid(ln->permanent_id, guid);
        vs_write(&w, OFF(LINEDEVCAPS, PermanentLineGuid), guid, sizeof guid);
    }
    return finish(&w, buf, total);
}

uint32_t lines_build_addrcaps(const struct line_dev *ln, uint32_t device_id, uint32_t addr,
                              uint32_t v, int wide, uint32_t total, void *buf, uint32_t cap)
{
    uint32_t fixed = lines_addrcaps_fixed(v), r;
    vs_writer w;
    if (addr >= ln->naddrs)
        return LINEERR_INVALADDRESSID;
    if ((r = start(&w, buf, cap, total, fixed)) != 0)
        return r;
    const struct line_addr *a = &ln->addrs[addr];
    vs_set_u32(&w, OFF(LINEADDRESSCAPS, dwLineDeviceID), device_id);
    if (put_string(&w, OFF(LINEADDRESSCAPS, dwAddressSize), a->address, wide) == VS_EENCODING)
        return LINEERR_OPERATIONFAILED;
    vs_set_u32(&w, OFF(LINEADDRESSCAPS, dwAddressSharing), LINEADDRESSSHARING_PRIVATE);
    vs_set_u32(&w, OFF(LINEADDRESSCAPS, dwAddrCapFlags), a->flags);
    vs_set_u32(&w, OFF(LINEADDRESSCAPS, dwMaxNumActiveCalls), 1);
    if (v >= 0x00020000u) {
        vs_set_u32(&w, OFF(LINEADDRESSCAPS, dwAvailableMediaModes), ln->media_modes);
        put_device_classes(&w, OFF(LINEADDRESSCAPS, dwDeviceClassesSize), wide);
    }
    return finish(&w, buf, total);
}
