/* proxytest.c - the test handler's answers and LINEPROXYREQUEST helpers (proxytest.h). */
#include "proxytest.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#include "utf.h"
#include "varstruct.h"

const char *const pt_group_names[3] = {"\303\234ber Sales", "Support \xE2\x82\xAC",
                                       "Night \xF0\x9F\x8C\x99"};
const char *const pt_activity_names[3] = {"Available", "\303\234ber Pause",
                                          "Lunch \xF0\x9F\x8D\x95"};
const char *const pt_queue_names[3] = {"\303\234ber Sales queue", "Support \xE2\x82\xAC queue",
                                       "Night queue"};
const char pt_handler_info[] = "tapix test handler \303\234 \xE2\x82\xAC";
const char pt_activity[] = "Pause \xE2\x98\x95";

uint32_t pt_key(uint32_t type, const void *req)
{
    return type == LINEPROXYREQUEST_GETGROUPLIST ? 0 : vs_get_u32(req, 28);
}

void pt_guid(uint32_t key, unsigned k, GUID *g)
{
    g->Data1 = 0x6A000000u ^ (key << 4) ^ k;
    g->Data2 = 0x7E57;
    g->Data3 = (WORD)(0x1234 + k);
    static const BYTE d4[8] = {'t', 'a', 'p', 'i', 'x', 0, 0, 0x42};
    memcpy(g->Data4, d4, 8);
    g->Data4[5] = (BYTE)key;
    g->Data4[6] = (BYTE)k;
}

/* Append a string in the handler's (UTF-16) or the A caller's (UTF-8) form. */
static int put_str(vs_writer *w, const vs_block *blk, uint32_t rel, const char *s, int narrow)
{
    int r = narrow ? vs_append_str8_in(w, blk, rel, s) : vs_append_utf8_as_utf16_in(w, blk, rel, s);
    return r < 0 ? r : 0;
}

static void set_u32s(vs_writer *w, uint32_t off, uint32_t first, int n)
{
    for (int i = 0; i < n; i++)
        vs_set_u32(w, off + 4 * (uint32_t)i, first + (uint32_t)i);
}

/* A list of n entries of entry_size with a GUID at 0 and a name at name_rel
 * (group lists), or a DWORD id at 0 and a name at 4 (activities, queues). */
static void put_list(vs_writer *w, uint32_t n, uint32_t entry_size, uint32_t key, int narrow,
                     const char *const *names, uint32_t first_id)
{
    vs_block blk = vs_reserve_list(w, 12, 16, n, entry_size);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t rel = k * entry_size;
        if (entry_size == sizeof(LINEAGENTGROUPENTRY)) {
            GUID g;
            pt_guid(key, k, &g);
            vs_write_in(w, &blk, rel, &g, sizeof g);
            put_str(w, &blk, rel + offsetof(LINEAGENTGROUPENTRY, dwNameSize), names[k], narrow);
        } else {
            vs_set_u32_in(w, &blk, rel, first_id + k);
            put_str(w, &blk, rel + 4, names[k], narrow);
        }
    }
}

int pt_build(uint32_t type, uint32_t key, uint32_t ver, int narrow, void *dst, uint32_t total)
{
    const struct px_type *t = px_type(type);
    vs_writer w;
    if (!t || t->out != PX_OUT_STRUCT || total < px_fixed(t->st, ver) ||
        vs_init(&w, dst, total, px_fixed(t->st, ver)))
        return -1;
    /* Variable fields are appended in the order of the proxytab field list,
       which is also the order the library's UTF-8 conversion uses. */
    switch (type) {
    case LINEPROXYREQUEST_GETAGENTCAPS: {
        put_str(&w, NULL, offsetof(LINEAGENTCAPS, dwAgentHandlerInfoSize), pt_handler_info, narrow);
        vs_set_u32(&w, offsetof(LINEAGENTCAPS, dwCapsVersion), ver);
        vs_set_u32(&w, offsetof(LINEAGENTCAPS, dwFeatures), 0x3F);
        vs_set_u32(&w, offsetof(LINEAGENTCAPS, dwStates), 0x0F);
        vs_set_u32(&w, offsetof(LINEAGENTCAPS, dwNextStates), 0x06);
        vs_set_u32(&w, offsetof(LINEAGENTCAPS, dwMaxNumGroupEntries), 4 + key);
        vs_set_u32(&w, offsetof(LINEAGENTCAPS, dwAgentStatusMessages), 0x1FF);
        vs_block blk = vs_reserve_list(&w, offsetof(LINEAGENTCAPS, dwNumAgentExtensionIDs),
                                       offsetof(LINEAGENTCAPS, dwAgentExtensionIDListSize), 2,
                                       sizeof(LINEEXTENSIONID));
        for (uint32_t k = 0; k < 2; k++)
            for (uint32_t i = 0; i < 4; i++)
                vs_set_u32_in(&w, &blk, 16 * k + 4 * i, 0xE0000000u + key * 16 + k * 4 + i);
        if (ver >= 0x00020002) {
            GUID g;
            pt_guid(key, 9, &g);
            vs_write(&w, offsetof(LINEAGENTCAPS, ProxyGUID), &g, sizeof g);
        }
        break;
    }
    case LINEPROXYREQUEST_GETAGENTSTATUS: {
        vs_block blk = vs_reserve_list(&w, 12, 16, 2, sizeof(LINEAGENTGROUPENTRY));
        for (uint32_t k = 0; k < 2; k++) {
            GUID g;
            pt_guid(key, k, &g);
            vs_write_in(&w, &blk, k * 24, &g, sizeof g);
            put_str(&w, &blk, k * 24 + 16, pt_group_names[k], narrow);
        }
        put_str(&w, NULL, offsetof(LINEAGENTSTATUS, dwActivitySize), pt_activity, narrow);
        vs_set_u32(&w, offsetof(LINEAGENTSTATUS, dwState), LINEAGENTSTATE_READY);
        vs_set_u32(&w, offsetof(LINEAGENTSTATUS, dwNextState), LINEAGENTSTATE_NOTREADY);
        vs_set_u32(&w, offsetof(LINEAGENTSTATUS, dwActivityID), 100 + key);
        vs_set_u32(&w, offsetof(LINEAGENTSTATUS, dwAgentFeatures), 0x3F);
        vs_set_u32(&w, offsetof(LINEAGENTSTATUS, dwValidStates), 0x0F);
        vs_set_u32(&w, offsetof(LINEAGENTSTATUS, dwValidNextStates), 0x06);
        break;
    }
    case LINEPROXYREQUEST_GETAGENTACTIVITYLIST:
        put_list(&w, 3, sizeof(LINEAGENTACTIVITYENTRY), key, narrow, pt_activity_names,
                 key * 10 + 1);
        break;
    case LINEPROXYREQUEST_GETAGENTGROUPLIST:
    case LINEPROXYREQUEST_GETGROUPLIST:
        put_list(&w, 3, sizeof(LINEAGENTGROUPENTRY), key, narrow, pt_group_names, 0);
        break;
    case LINEPROXYREQUEST_GETQUEUELIST:
        put_list(&w, 3, sizeof(LINEQUEUEENTRY), key, narrow, pt_queue_names,
                 (key & 0xFFFF) * 10 + 1);
        break;
    case LINEPROXYREQUEST_GETAGENTSESSIONLIST: {
        vs_block blk = vs_reserve_list(&w, 12, 16, 2, sizeof(LINEAGENTSESSIONENTRY));
        for (uint32_t k = 0; k < 2; k++) {
            LINEAGENTSESSIONENTRY e;
            e.hAgentSession = 0x2000 + key + k;
            e.hAgent = key;
            pt_guid(key, k, &e.GroupID);
            e.dwWorkingAddressID = k;
            vs_write_in(&w, &blk, k * (uint32_t)sizeof e, &e, sizeof e);
        }
        break;
    }
    case LINEPROXYREQUEST_GETAGENTINFO: {
        vs_set_u32(&w, offsetof(LINEAGENTINFO, dwAgentState), LINEAGENTSTATEEX_READY);
        vs_set_u32(&w, offsetof(LINEAGENTINFO, dwNextAgentState), LINEAGENTSTATEEX_NOTREADY);
        vs_set_u32(&w, offsetof(LINEAGENTINFO, dwMeasurementPeriod), 60);
        int64_t cy = (int64_t)key * 10000 + 1234;
        vs_write(&w, offsetof(LINEAGENTINFO, cyOverallCallRate), &cy, 8);
        set_u32s(&w, offsetof(LINEAGENTINFO, dwNumberOfACDCalls), key + 1, 6);
        break;
    }
    case LINEPROXYREQUEST_GETAGENTSESSIONINFO: {
        vs_set_u32(&w, offsetof(LINEAGENTSESSIONINFO, dwAgentSessionState),
                   LINEAGENTSESSIONSTATE_READY);
        vs_set_u32(&w, offsetof(LINEAGENTSESSIONINFO, dwNextAgentSessionState),
                   LINEAGENTSESSIONSTATE_NOTREADY);
        DATE d = 45000.25 + key;
        vs_write(&w, offsetof(LINEAGENTSESSIONINFO, dateSessionStartTime), &d, 8);
        set_u32s(&w, offsetof(LINEAGENTSESSIONINFO, dwSessionDuration), key + 1, 8);
        int64_t cy = (int64_t)key * 10000 + 5;
        vs_write(&w, offsetof(LINEAGENTSESSIONINFO, cyACDCallRate), &cy, 8);
        set_u32s(&w, offsetof(LINEAGENTSESSIONINFO, dwLongestTimeToAnswer), key + 20, 2);
        break;
    }
    case LINEPROXYREQUEST_GETQUEUEINFO:
        vs_set_u32(&w, offsetof(LINEQUEUEINFO, dwMeasurementPeriod), 30);
        set_u32s(&w, offsetof(LINEQUEUEINFO, dwTotalCallsQueued), key + 1, 9);
        break;
    default:
        return -1;
    }
    return vs_finish(&w) ? -1 : 0;
}

HAGENT pt_agent_handle(const char *id)
{
    long units = id ? utf8_to_utf16(id, strlen(id), NULL, 0) : 0;
    return 0x1000u + (units > 0 ? (HAGENT)units : 0);
}

LONG pt_answer(void *reqv, uint32_t size)
{
    uint8_t *req = reqv;
    if (size < PX_HDR + 4)
        return (LONG)LINEERR_OPERATIONFAILED;
    uint32_t type = vs_get_u32(req, 24);
    const struct px_type *t = px_type(type);
    if (!t || size < (t->out == PX_OUT_STRUCT ? t->out_off + 12 : PX_HDR + t->union_size))
        return (LONG)LINEERR_OPERATIONFAILED;
    switch (type) {
    case LINEPROXYREQUEST_SETAGENTMEASUREMENTPERIOD:
    case LINEPROXYREQUEST_SETQUEUEMEASUREMENTPERIOD:
        return vs_get_u32(req, 32) ? 0 : (LONG)LINEERR_INVALPARAM;
    case LINEPROXYREQUEST_CREATEAGENT:
        /* 0x1000 + the ID's length in UTF-16 units (NUL excluded) */
        vs_put_u32(req, 28, 0x1000u + (vs_get_u32(req, 32) >= 2 ? vs_get_u32(req, 32) / 2 - 1 : 0));
        return 0;
    case LINEPROXYREQUEST_CREATEAGENTSESSION:
        vs_put_u32(req, 28, 0x2000u + vs_get_u32(req, 40));
        return 0;
    case LINEPROXYREQUEST_AGENTSPECIFIC: {
        uint32_t n = vs_get_u32(req, 36);
        if (n > size - 40)
            return (LONG)LINEERR_OPERATIONFAILED;
        for (uint32_t i = 0; i < n; i++)
            req[40 + i]++;
        return 0;
    }
    default:
        break;
    }
    if (t->out != PX_OUT_STRUCT)
        return 0;
    uint32_t given = vs_get_u32(req, t->out_off);
    if (given > size - t->out_off)
        return (LONG)LINEERR_OPERATIONFAILED;
    if (pt_build(type, pt_key(type, req), vs_get_u32(req, 20), 0, req + t->out_off, given))
        return (LONG)LINEERR_STRUCTURETOOSMALL;
    return 0;
}

int pt_bad_kind(const char *name)
{
    if (!strcmp(name, "bad-offsets"))
        return PT_BAD_OFFSETS;
    if (!strcmp(name, "used-gt-total"))
        return PT_BAD_USED_GT_TOTAL;
    if (!strcmp(name, "no-nul"))
        return PT_BAD_NO_NUL;
    if (!strcmp(name, "lone-surrogate"))
        return PT_BAD_SURROGATE;
    return 0;
}

int pt_corrupt(void *req, int kind)
{
    uint8_t *b = req;
    uint32_t size = vs_get_u32(b, 0);
    const struct px_type *t = px_type(vs_get_u32(b, 24));
    if (!t)
        return 0;
    if (t->out == PX_OUT_PARAMS && kind != PT_BAD_SURROGATE) {
        vs_put_u32(b, 36, size - 40 + 1); /* dwSize past the buffer */
        return 1;
    }
    if (t->out != PX_OUT_STRUCT)
        return 0;
    uint8_t *st = b + t->out_off;
    uint32_t total = vs_get_u32(st, 0), used = vs_get_u32(st, 8);
    if (kind == PT_BAD_USED_GT_TOTAL) {
        vs_put_u32(st, 4, total + 8);
        vs_put_u32(st, 8, total + 8);
        return 1;
    }
    /* the first string: a top-level one, else the name in entry 0 */
    uint32_t pair = 0;
    for (size_t i = 0; i < t->st->nfields && !pair; i++)
        if (t->st->fields[i].kind == VS_STR16 && vs_get_u32(st, t->st->fields[i].pair_off))
            pair = t->st->fields[i].pair_off;
    if (!pair && t->st->num_off && t->st->n_entry_fields && vs_get_u32(st, t->st->num_off))
        pair = vs_get_u32(st, t->st->list_pair_off + 4) + t->st->entry_fields[0].pair_off;
    if (kind == PT_BAD_SURROGATE) {
        if (!pair)
            return 0;
        vs_put_u16(st, vs_get_u32(st, pair + 4), 0xD800);
        return 1;
    }
    if (kind == PT_BAD_NO_NUL && pair) {
        uint32_t ssize = vs_get_u32(st, pair), off = vs_get_u32(st, pair + 4);
        vs_put_u16(st, off + ssize - 2, 'X');
        return 1;
    }
    if (!pair && t->st->num_off && vs_get_u32(st, t->st->list_pair_off))
        pair = t->st->list_pair_off;
    if (!pair) {
        vs_put_u32(st, 8, used - 4); /* fixed-size: dwUsedSize below the fixed part */
        return 1;
    }
    vs_put_u32(st, pair + 4, used + 4); /* past dwUsedSize */
    return 1;
}

char *pt_hex(const void *p, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *b = p;
    char *s = malloc(2 * len + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        s[2 * i] = digits[b[i] >> 4];
        s[2 * i + 1] = digits[b[i] & 15];
    }
    s[2 * len] = 0;
    return s;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long pt_unhex(const char *hex, uint8_t **out)
{
    size_t n = strlen(hex);
    if (n % 2)
        return -1;
    uint8_t *b = malloc(n / 2 + 1);
    if (!b)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            return -1;
        }
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = b;
    return (long)(n / 2);
}

int pt_parse_types(const char *s, DWORD *types, int cap)
{
    int n = 0;
    if (!strcmp(s, "all") || !strcmp(s, "acd") || !strcmp(s, "v20")) {
        uint32_t mask = !strcmp(s, "all")   ? PT_ALL_MASK
                        : !strcmp(s, "acd") ? PX_ACD_MASK
                                            : PT_V20_MASK;
        for (DWORD t = 1; t <= PX_TYPE_MAX && n < cap; t++)
            if (mask & (1u << t))
                types[n++] = t;
        return n;
    }
    while (*s) {
        char *end;
        unsigned long v = strtoul(s, &end, 0);
        if (end == s || n >= cap)
            return -1;
        types[n++] = (DWORD)v;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return -1;
    }
    return n;
}

char *pt_str16(const void *base, uint32_t limit, uint32_t size, uint32_t off)
{
    if (size < 2 || size % 2 || off > limit || size > limit - off ||
        vs_get_u16(base, off + size - 2) != 0)
        return NULL;
    uint32_t units = size / 2 - 1;
    uint16_t *tmp = malloc(((size_t)units + 1) * 2);
    if (!tmp)
        return NULL;
    for (uint32_t i = 0; i <= units; i++)
        tmp[i] = vs_get_u16(base, off + 2 * i);
    /* a NUL inside is not a string of this size */
    char *s = utf16_len(tmp) == units ? utf16_to_utf8_dup(tmp, NULL) : NULL;
    free(tmp);
    return s;
}

WCHAR *pt_w(const char *s)
{
    return s ? utf8_to_utf16_dup(s, NULL) : NULL;
}

/* ------------------------------------------------------------ processes */

struct helper *pt_spawn(int raw, HLINE *hline, char *why, size_t whycap, ...)
{
    char *args[31];
    int n = 0;
    va_list ap;
    char *a, line[4096];

    va_start(ap, whycap);
    while ((a = va_arg(ap, char *)) != NULL && n < 30)
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    if (why && whycap)
        why[0] = 0;
    struct helper *h = helper_spawn_io(raw ? "helper_rawproxy" : "helper_handler", args);
    if (!h)
        return NULL;
    int len = helper_wait_line(h, line, sizeof line, now_ms() + PT_START_MS);
    unsigned long v = 0;
    char *end = NULL;
    if (len > 6 && !strncmp(line, "READY ", 6))
        v = strtoul(line + 6, &end, 10);
    if (v == 0 || !end || *end) {
        if (why && whycap)
            snprintf(why, whycap, "%s", len >= 0 ? line : len == -1 ? "(timeout)" : "(EOF)");
        helper_free(h);
        return NULL;
    }
    *hline = (HLINE)v;
    return h;
}

int pt_expect(struct helper *h, const char *prefix, char *buf, size_t cap, int ms)
{
    int len = helper_wait_line(h, buf, cap, now_ms() + ms);
    if (len < 0) {
        snprintf(buf, cap, "%s",
                 len == -1   ? "(nothing within the deadline)"
                 : len == -2 ? "(EOF: the helper exited)"
                             : "(read error or line too long)");
        return -1;
    }
    return strncmp(buf, prefix, strlen(prefix)) ? -1 : 0;
}

LONG pt_next_msg(HLINEAPP app, LINEMESSAGE *m, int ms)
{
    return lineGetMessage(app, m, (DWORD)ms);
}

const char *pt_user_name(void)
{
    static char name[256];
    if (!name[0]) {
        struct passwd *pw = getpwuid(geteuid());
        snprintf(name, sizeof name, "%s", pw && pw->pw_name ? pw->pw_name : "?");
    }
    return name;
}

const char *pt_host_name(void)
{
    static char name[256];
    if (!name[0] && gethostname(name, sizeof name - 1) < 0)
        snprintf(name, sizeof name, "localhost");
    return name;
}
