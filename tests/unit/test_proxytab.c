/*
 * Unit tests of the proxy request table: its numbers agree with tapi.h's
 * structures, and validation and UTF-16 -> UTF-8 conversion of the output
 * structures behave at every boundary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tapi.h>

#include "proxytab.h"
#include "utf.h"
#include "varstruct.h"

#define U(m) offsetof(LINEPROXYREQUEST, m)

/* Every row against the real LINEPROXYREQUEST. */
static void rows_match_tapi_h(void **state)
{
    (void)state;
    struct {
        DWORD type;
        size_t union_size, out_off;
    } want[] = {
        {LINEPROXYREQUEST_SETAGENTGROUP, sizeof(((LINEPROXYREQUEST *)0)->SetAgentGroup), 0},
        {LINEPROXYREQUEST_SETAGENTSTATE, sizeof(((LINEPROXYREQUEST *)0)->SetAgentState), 0},
        {LINEPROXYREQUEST_SETAGENTACTIVITY, sizeof(((LINEPROXYREQUEST *)0)->SetAgentActivity), 0},
        {LINEPROXYREQUEST_GETAGENTCAPS, sizeof(((LINEPROXYREQUEST *)0)->GetAgentCaps),
         U(GetAgentCaps.AgentCaps)},
        {LINEPROXYREQUEST_GETAGENTSTATUS, sizeof(((LINEPROXYREQUEST *)0)->GetAgentStatus),
         U(GetAgentStatus.AgentStatus)},
        {LINEPROXYREQUEST_AGENTSPECIFIC, U(AgentSpecific.Params) - PX_HDR, U(AgentSpecific.Params)},
        {LINEPROXYREQUEST_GETAGENTACTIVITYLIST,
         sizeof(((LINEPROXYREQUEST *)0)->GetAgentActivityList),
         U(GetAgentActivityList.ActivityList)},
        {LINEPROXYREQUEST_GETAGENTGROUPLIST, sizeof(((LINEPROXYREQUEST *)0)->GetAgentGroupList),
         U(GetAgentGroupList.GroupList)},
        {LINEPROXYREQUEST_CREATEAGENT, sizeof(((LINEPROXYREQUEST *)0)->CreateAgent),
         U(CreateAgent.hAgent)},
        {LINEPROXYREQUEST_SETAGENTMEASUREMENTPERIOD,
         sizeof(((LINEPROXYREQUEST *)0)->SetAgentMeasurementPeriod), 0},
        {LINEPROXYREQUEST_GETAGENTINFO, sizeof(((LINEPROXYREQUEST *)0)->GetAgentInfo),
         U(GetAgentInfo.AgentInfo)},
        {LINEPROXYREQUEST_CREATEAGENTSESSION, sizeof(((LINEPROXYREQUEST *)0)->CreateAgentSession),
         U(CreateAgentSession.hAgentSession)},
        {LINEPROXYREQUEST_GETAGENTSESSIONLIST, sizeof(((LINEPROXYREQUEST *)0)->GetAgentSessionList),
         U(GetAgentSessionList.SessionList)},
        {LINEPROXYREQUEST_SETAGENTSESSIONSTATE,
         sizeof(((LINEPROXYREQUEST *)0)->SetAgentSessionState), 0},
        {LINEPROXYREQUEST_GETAGENTSESSIONINFO, sizeof(((LINEPROXYREQUEST *)0)->GetAgentSessionInfo),
         U(GetAgentSessionInfo.SessionInfo)},
        {LINEPROXYREQUEST_GETQUEUELIST, sizeof(((LINEPROXYREQUEST *)0)->GetQueueList),
         U(GetQueueList.QueueList)},
        {LINEPROXYREQUEST_SETQUEUEMEASUREMENTPERIOD,
         sizeof(((LINEPROXYREQUEST *)0)->SetQueueMeasurementPeriod), 0},
        {LINEPROXYREQUEST_GETQUEUEINFO, sizeof(((LINEPROXYREQUEST *)0)->GetQueueInfo),
         U(GetQueueInfo.QueueInfo)},
        {LINEPROXYREQUEST_GETGROUPLIST, sizeof(((LINEPROXYREQUEST *)0)->GetGroupList),
         U(GetGroupList.GroupList)},
        {LINEPROXYREQUEST_SETAGENTSTATEEX, sizeof(((LINEPROXYREQUEST *)0)->SetAgentStateEx), 0},
    };
    assert_int_equal(sizeof want / sizeof want[0], PX_TYPE_MAX);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct px_type *t = px_type(want[i].type);
        assert_non_null(t);
        assert_int_equal(t->type, want[i].type);
        assert_int_equal(t->union_size, want[i].union_size);
        if (t->out != PX_OUT_NONE)
            assert_int_equal(t->out_off, want[i].out_off);
        if (t->out == PX_OUT_STRUCT)
            assert_int_equal(t->out_off - PX_HDR + t->st->fixed, t->union_size);
        assert_int_equal(t->min_version, want[i].type <= 8 ? 0x00020000 : 0x00020002);
    }
    assert_null(px_type(0));
    assert_null(px_type(PX_TYPE_MAX + 1));
    assert_int_equal(px_type(LINEPROXYREQUEST_CREATEAGENT)->str_pairs[0],
                     U(CreateAgent.dwAgentIDSize));
    assert_int_equal(px_type(LINEPROXYREQUEST_CREATEAGENT)->str_pairs[1],
                     U(CreateAgent.dwAgentPINSize));
    assert_int_equal(px_type(LINEPROXYREQUEST_CREATEAGENTSESSION)->str_pairs[0],
                     U(CreateAgentSession.dwAgentPINSize));
    assert_int_equal(px_fixed(px_type(LINEPROXYREQUEST_GETAGENTCAPS)->st, 0x00020000), 56);
    assert_int_equal(px_fixed(px_type(LINEPROXYREQUEST_GETAGENTCAPS)->st, 0x00020002),
                     sizeof(LINEAGENTCAPS));
    /* 13 bits, none of the 2.0-only per-address types but GETAGENTCAPS */
    assert_int_equal(__builtin_popcount(PX_ACD_MASK), 13);
}

/* A W LINEAGENTSTATUS with two groups ("Sales", "Über") and an activity. */
static uint32_t build_status(uint8_t *buf, uint32_t total)
{
    vs_writer w;
    vs_init(&w, buf, total, sizeof(LINEAGENTSTATUS));
    vs_block blk = vs_reserve_list(&w, 12, 16, 2, sizeof(LINEAGENTGROUPENTRY));
    LINEAGENTGROUPENTRY e = {{1, 2, 3, 4}, 0, 0};
    vs_write_in(&w, &blk, 0, &e, sizeof e);
    e.GroupID.dwGroupID1 = 9;
    vs_write_in(&w, &blk, sizeof e, &e, sizeof e);
    vs_append_utf8_as_utf16_in(&w, &blk, offsetof(LINEAGENTGROUPENTRY, dwNameSize), "Sales");
    vs_append_utf8_as_utf16_in(&w, &blk, sizeof e + offsetof(LINEAGENTGROUPENTRY, dwNameSize),
                               "\xC3\x9C"
                               "ber");
    vs_set_u32(&w, offsetof(LINEAGENTSTATUS, dwState), LINEAGENTSTATE_READY);
    vs_append_utf8_as_utf16(&w, offsetof(LINEAGENTSTATUS, dwActivitySize),
                            "Lunch \xF0\x9F\x8D\x95");
    vs_finish(&w);
    return w.needed;
}

static void validate_and_narrow(void **state)
{
    (void)state;
    const struct px_struct *st = px_type(LINEPROXYREQUEST_GETAGENTSTATUS)->st;
    uint8_t src[512], dst[512 + 16];
    const char *why = NULL;
    uint32_t need = build_status(src, sizeof src);
    assert_int_equal(px_validate(st, src, need, 0x00020002, 0, &why), 0);

    memset(dst, 0xAA, sizeof dst);
    assert_int_equal(px_to_narrow(st, src, need, dst, 512, 0x00020002), 0);
    LINEAGENTSTATUS *s = (LINEAGENTSTATUS *)dst;
    assert_int_equal(s->dwTotalSize, 512);
    assert_int_equal(s->dwNeededSize, s->dwUsedSize);
    assert_int_equal(s->dwNumEntries, 2);
    assert_int_equal(s->dwState, LINEAGENTSTATE_READY);
    assert_int_equal(px_validate(st, dst, s->dwUsedSize, 0x00020002, 1, &why), 0);
    LINEAGENTGROUPENTRY *g = (LINEAGENTGROUPENTRY *)(dst + s->dwGroupListOffset);
    assert_int_equal(g[1].GroupID.dwGroupID1, 9);
    assert_string_equal((char *)dst + g[0].dwNameOffset, "Sales");
    assert_string_equal((char *)dst + g[1].dwNameOffset, "\xC3\x9C"
                                                         "ber");
    assert_string_equal((char *)dst + s->dwActivityOffset, "Lunch \xF0\x9F\x8D\x95");
    for (int i = 512; i < 512 + 16; i++)
        assert_int_equal(dst[i], 0xAA);

    /* Too small for the strings: fixed part only, exact needed, retry fits. */
    uint32_t exact = s->dwUsedSize;
    memset(dst, 0xAA, sizeof dst);
    assert_int_equal(px_to_narrow(st, src, need, dst, sizeof(LINEAGENTSTATUS), 0x00020002), 0);
    assert_int_equal(s->dwUsedSize, sizeof(LINEAGENTSTATUS));
    assert_int_equal(s->dwNeededSize, exact);
    assert_int_equal(s->dwNumEntries, 0);
    assert_int_equal(dst[sizeof(LINEAGENTSTATUS)], 0xAA);
    assert_int_equal(px_to_narrow(st, src, need, dst, exact, 0x00020002), 0);
    assert_int_equal(s->dwUsedSize, exact);
    assert_int_equal(s->dwNeededSize, exact);
}

/* A truncated UTF-16 source gives an upper bound that, used as the buffer
   size for a complete source, always suffices. */
static void narrow_bound_when_source_incomplete(void **state)
{
    (void)state;
    const struct px_struct *st = px_type(LINEPROXYREQUEST_GETAGENTSTATUS)->st;
    uint8_t full[512], part[512], dst[1024];
    uint32_t need = build_status(full, sizeof full);
    uint32_t cut = build_status(part, sizeof(LINEAGENTSTATUS) + 8); /* strings don't fit */
    assert_int_equal(cut, need);
    LINEAGENTSTATUS *p = (LINEAGENTSTATUS *)part;
    assert_true(p->dwNeededSize > p->dwUsedSize);
    assert_int_equal(px_to_narrow(st, part, p->dwUsedSize, dst, sizeof dst, 0x00020002), 0);
    uint32_t bound = ((LINEAGENTSTATUS *)dst)->dwNeededSize;
    assert_int_equal(px_to_narrow(st, full, need, dst, sizeof dst, 0x00020002), 0);
    assert_true(((LINEAGENTSTATUS *)dst)->dwNeededSize <= bound);
}

static void validate_rejects_hostile(void **state)
{
    (void)state;
    const struct px_struct *st = px_type(LINEPROXYREQUEST_GETAGENTSTATUS)->st;
    uint8_t src[512];
    const char *why = NULL;
    uint32_t need = build_status(src, sizeof src);
    LINEAGENTSTATUS *s = (LINEAGENTSTATUS *)src;

    s->dwActivityOffset = need; /* past the used part */
    assert_true(px_validate(st, src, need, 0x00020002, 0, &why) < 0);
    assert_non_null(why);
    build_status(src, sizeof src);
    s->dwNumEntries = 3; /* list size disagrees */
    assert_true(px_validate(st, src, need, 0x00020002, 0, &why) < 0);
    build_status(src, sizeof src);
    LINEAGENTGROUPENTRY *g = (LINEAGENTGROUPENTRY *)(src + s->dwGroupListOffset);
    src[g[0].dwNameOffset + g[0].dwNameSize - 2] = 'x'; /* name without NUL */
    assert_true(px_validate(st, src, need, 0x00020002, 0, &why) < 0);
    build_status(src, sizeof src);
    s->dwUsedSize = s->dwTotalSize + 1;
    assert_true(px_validate(st, src, need, 0x00020002, 0, &why) < 0);
    build_status(src, sizeof src);
    assert_true(px_validate(st, src, 40, 0x00020002, 0, &why) < 0); /* fixed part cut */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_match_tapi_h),
        cmocka_unit_test(validate_and_narrow),
        cmocka_unit_test(narrow_bound_when_source_incomplete),
        cmocka_unit_test(validate_rejects_hostile),
    };
    return cmocka_run_group_tests_name("proxytab", tests, NULL, NULL);
}
