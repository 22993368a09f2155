/*
 * agent.c - the 20 call-center functions.  Each one only places its
 * parameters where the LINEPROXYREQUEST union member has them; request.c
 * does the rest for all of them, driven by src/common/proxytab.c.
 */
#include "lib.h"

#include <string.h>

#include "proxytab.h"

/* Start a request of type T on hLine; `u` is the union image to fill. */
#define BEGIN(T, hline_)                                                                           \
    struct tx_req r;                                                                               \
    LINEPROXYREQUEST u;                                                                            \
    memset(&r, 0, sizeof r);                                                                       \
    memset(&u, 0, sizeof u);                                                                       \
    r.type = LINEPROXYREQUEST_##T;                                                                 \
    r.hline = (hline_)

static LONG finish(struct tx_req *r, const LINEPROXYREQUEST *u)
{
    _Static_assert(sizeof r->u >= sizeof(LINEPROXYREQUEST) - PX_HDR, "union image fits");
    memcpy(r->u, (const uint8_t *)u + PX_HDR, sizeof(LINEPROXYREQUEST) - PX_HDR);
    return tx_request(r);
}

/* --- TAPI 2.0: per-address agent control ------------------------------------- */

LONG WINAPI lineSetAgentGroup(HLINE hLine, DWORD dwAddressID, LPLINEAGENTGROUPLIST lpAgentGroupList)
{
    BEGIN(SETAGENTGROUP, hLine);
    u.SetAgentGroup.dwAddressID = dwAddressID;
    r.in = lpAgentGroupList;
    return finish(&r, &u);
}

LONG WINAPI lineSetAgentState(HLINE hLine, DWORD dwAddressID, DWORD dwAgentState,
                              DWORD dwNextAgentState)
{
    BEGIN(SETAGENTSTATE, hLine);
    u.SetAgentState.dwAddressID = dwAddressID;
    u.SetAgentState.dwAgentState = dwAgentState;
    u.SetAgentState.dwNextAgentState = dwNextAgentState;
    return finish(&r, &u);
}

LONG WINAPI lineSetAgentActivity(HLINE hLine, DWORD dwAddressID, DWORD dwActivityID)
{
    BEGIN(SETAGENTACTIVITY, hLine);
    u.SetAgentActivity.dwAddressID = dwAddressID;
    u.SetAgentActivity.dwActivityID = dwActivityID;
    return finish(&r, &u);
}

static LONG agent_caps(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAddressID,
                       DWORD dwAppAPIVersion, LPLINEAGENTCAPS lpAgentCaps, bool wide)
{
    /* The only one of the 20 without an open line: hLineApp + device. */
    BEGIN(GETAGENTCAPS, 0);
    r.happ = hLineApp;
    r.device = dwDeviceID;
    r.app_version = dwAppAPIVersion;
    r.wide = wide;
    r.out = lpAgentCaps;
    u.GetAgentCaps.dwAddressID = dwAddressID;
    return finish(&r, &u);
}

LONG WINAPI lineGetAgentCapsA(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAddressID,
                              DWORD dwAppAPIVersion, LPLINEAGENTCAPS lpAgentCaps)
{
    return agent_caps(hLineApp, dwDeviceID, dwAddressID, dwAppAPIVersion, lpAgentCaps, false);
}

LONG WINAPI lineGetAgentCapsW(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAddressID,
                              DWORD dwAppAPIVersion, LPLINEAGENTCAPS lpAgentCaps)
{
    return agent_caps(hLineApp, dwDeviceID, dwAddressID, dwAppAPIVersion, lpAgentCaps, true);
}

/* The per-address "get" requests: an address and an output structure. */
static LONG per_address_get(uint32_t type, HLINE hLine, DWORD dwAddressID, void *out, bool wide)
{
    struct tx_req r;
    memset(&r, 0, sizeof r);
    r.type = type;
    r.hline = hLine;
    r.wide = wide;
    r.out = out;
    memcpy(r.u, &dwAddressID, 4); /* dwAddressID leads each of these members */
    return tx_request(&r);
}

LONG WINAPI lineGetAgentStatusA(HLINE hLine, DWORD dwAddressID, LPLINEAGENTSTATUS lpAgentStatus)
{
    return per_address_get(LINEPROXYREQUEST_GETAGENTSTATUS, hLine, dwAddressID, lpAgentStatus,
                           false);
}

LONG WINAPI lineGetAgentStatusW(HLINE hLine, DWORD dwAddressID, LPLINEAGENTSTATUS lpAgentStatus)
{
    return per_address_get(LINEPROXYREQUEST_GETAGENTSTATUS, hLine, dwAddressID, lpAgentStatus,
                           true);
}

LONG WINAPI lineGetAgentActivityListA(HLINE hLine, DWORD dwAddressID,
                                      LPLINEAGENTACTIVITYLIST lpAgentActivityList)
{
    return per_address_get(LINEPROXYREQUEST_GETAGENTACTIVITYLIST, hLine, dwAddressID,
                           lpAgentActivityList, false);
}

LONG WINAPI lineGetAgentActivityListW(HLINE hLine, DWORD dwAddressID,
                                      LPLINEAGENTACTIVITYLIST lpAgentActivityList)
{
    return per_address_get(LINEPROXYREQUEST_GETAGENTACTIVITYLIST, hLine, dwAddressID,
                           lpAgentActivityList, true);
}

LONG WINAPI lineGetAgentGroupListA(HLINE hLine, DWORD dwAddressID,
                                   LPLINEAGENTGROUPLIST lpAgentGroupList)
{
    return per_address_get(LINEPROXYREQUEST_GETAGENTGROUPLIST, hLine, dwAddressID, lpAgentGroupList,
                           false);
}

LONG WINAPI lineGetAgentGroupListW(HLINE hLine, DWORD dwAddressID,
                                   LPLINEAGENTGROUPLIST lpAgentGroupList)
{
    return per_address_get(LINEPROXYREQUEST_GETAGENTGROUPLIST, hLine, dwAddressID, lpAgentGroupList,
                           true);
}

LONG WINAPI lineAgentSpecific(HLINE hLine, DWORD dwAddressID, DWORD dwAgentExtensionIDIndex,
                              LPVOID lpParams, DWORD dwSize)
{
    BEGIN(AGENTSPECIFIC, hLine);
    u.AgentSpecific.dwAddressID = dwAddressID;
    u.AgentSpecific.dwAgentExtensionIDIndex = dwAgentExtensionIDIndex;
    u.AgentSpecific.dwSize = dwSize;
    r.in = lpParams; /* the block goes to the handler and comes back */
    r.in_len = lpParams ? dwSize : 0;
    r.out = lpParams;
    r.out_len = dwSize;
    return finish(&r, &u);
}

/* --- TAPI 2.2: agents, sessions, groups, queues ---------------------------------- */

static LONG create_agent(HLINE hLine, const char *id8, const char *pin8, LPCWSTR id16,
                         LPCWSTR pin16, LPHAGENT lphAgent, bool wide)
{
    BEGIN(CREATEAGENT, hLine);
    r.s8[0] = id8;
    r.s8[1] = pin8;
    r.s16[0] = id16;
    r.s16[1] = pin16;
    r.wide = wide;
    r.out = lphAgent;
    return finish(&r, &u);
}

LONG WINAPI lineCreateAgentA(HLINE hLine, LPCSTR lpszAgentID, LPCSTR lpszAgentPIN,
                             LPHAGENT lphAgent)
{
    return create_agent(hLine, lpszAgentID, lpszAgentPIN, NULL, NULL, lphAgent, false);
}

LONG WINAPI lineCreateAgentW(HLINE hLine, LPCWSTR lpszAgentID, LPCWSTR lpszAgentPIN,
                             LPHAGENT lphAgent)
{
    return create_agent(hLine, NULL, NULL, lpszAgentID, lpszAgentPIN, lphAgent, true);
}

static LONG create_session(HLINE hLine, HAGENT hAgent, const char *pin8, LPCWSTR pin16,
                           DWORD dwWorkingAddressID, LPGUID lpGroupID,
                           LPHAGENTSESSION lphAgentSession, bool wide)
{
    BEGIN(CREATEAGENTSESSION, hLine);
    r.in_missing = !lpGroupID;
    u.CreateAgentSession.hAgent = hAgent;
    if (lpGroupID)
        u.CreateAgentSession.GroupID = *lpGroupID;
    u.CreateAgentSession.dwWorkingAddressID = dwWorkingAddressID;
    r.s8[0] = pin8;
    r.s16[0] = pin16;
    r.wide = wide;
    r.out = lphAgentSession;
    return finish(&r, &u);
}

LONG WINAPI lineCreateAgentSessionA(HLINE hLine, HAGENT hAgent, LPCSTR lpszAgentPIN,
                                    DWORD dwWorkingAddressID, LPGUID lpGroupID,
                                    LPHAGENTSESSION lphAgentSession)
{
    return create_session(hLine, hAgent, lpszAgentPIN, NULL, dwWorkingAddressID, lpGroupID,
                          lphAgentSession, false);
}

LONG WINAPI lineCreateAgentSessionW(HLINE hLine, HAGENT hAgent, LPCWSTR lpszAgentPIN,
                                    DWORD dwWorkingAddressID, LPGUID lpGroupID,
                                    LPHAGENTSESSION lphAgentSession)
{
    return create_session(hLine, hAgent, NULL, lpszAgentPIN, dwWorkingAddressID, lpGroupID,
                          lphAgentSession, true);
}

/* The 2.2 requests on one object handle with an output structure. */
static LONG object_get(uint32_t type, HLINE hLine, DWORD handle, void *out, bool wide)
{
    struct tx_req r;
    memset(&r, 0, sizeof r);
    r.type = type;
    r.hline = hLine;
    r.wide = wide;
    r.out = out;
    memcpy(r.u, &handle, 4); /* hAgent / hAgentSession / dwQueueID leads each member */
    return tx_request(&r);
}

LONG WINAPI lineGetAgentInfo(HLINE hLine, HAGENT hAgent, LPLINEAGENTINFO lpAgentInfo)
{
    return object_get(LINEPROXYREQUEST_GETAGENTINFO, hLine, hAgent, lpAgentInfo, true);
}

LONG WINAPI lineGetAgentSessionInfo(HLINE hLine, HAGENTSESSION hAgentSession,
                                    LPLINEAGENTSESSIONINFO lpAgentSessionInfo)
{
    return object_get(LINEPROXYREQUEST_GETAGENTSESSIONINFO, hLine, hAgentSession,
                      lpAgentSessionInfo, true);
}

LONG WINAPI lineGetAgentSessionList(HLINE hLine, HAGENT hAgent,
                                    LPLINEAGENTSESSIONLIST lpAgentSessionList)
{
    return object_get(LINEPROXYREQUEST_GETAGENTSESSIONLIST, hLine, hAgent, lpAgentSessionList,
                      true);
}

LONG WINAPI lineGetQueueInfo(HLINE hLine, DWORD dwQueueID, LPLINEQUEUEINFO lpLineQueueInfo)
{
    return object_get(LINEPROXYREQUEST_GETQUEUEINFO, hLine, dwQueueID, lpLineQueueInfo, true);
}

static LONG group_list(HLINE hLine, LPLINEAGENTGROUPLIST lpGroupList, bool wide)
{
    BEGIN(GETGROUPLIST, hLine);
    r.wide = wide;
    r.out = lpGroupList;
    return finish(&r, &u);
}

LONG WINAPI lineGetGroupListA(HLINE hLine, LPLINEAGENTGROUPLIST lpGroupList)
{
    return group_list(hLine, lpGroupList, false);
}

LONG WINAPI lineGetGroupListW(HLINE hLine, LPLINEAGENTGROUPLIST lpGroupList)
{
    return group_list(hLine, lpGroupList, true);
}

static LONG queue_list(HLINE hLine, LPGUID lpGroupID, LPLINEQUEUELIST lpQueueList, bool wide)
{
    BEGIN(GETQUEUELIST, hLine);
    r.in_missing = !lpGroupID;
    if (lpGroupID)
        u.GetQueueList.GroupID = *lpGroupID;
    r.wide = wide;
    r.out = lpQueueList;
    return finish(&r, &u);
}

LONG WINAPI lineGetQueueListA(HLINE hLine, LPGUID lpGroupID, LPLINEQUEUELIST lpQueueList)
{
    return queue_list(hLine, lpGroupID, lpQueueList, false);
}

LONG WINAPI lineGetQueueListW(HLINE hLine, LPGUID lpGroupID, LPLINEQUEUELIST lpQueueList)
{
    return queue_list(hLine, lpGroupID, lpQueueList, true);
}

/* The 2.2 requests that set two DWORDs on an object: result only. */
static LONG object_set(uint32_t type, HLINE hLine, DWORD handle, DWORD v1, DWORD v2)
{
    struct tx_req r;
    memset(&r, 0, sizeof r);
    r.type = type;
    r.hline = hLine;
    DWORD v[3] = {handle, v1, v2};
    memcpy(r.u, v, sizeof v); /* (object, value, value) in each of these members */
    return tx_request(&r);
}

LONG WINAPI lineSetAgentMeasurementPeriod(HLINE hLine, HAGENT hAgent, DWORD dwMeasurementPeriod)
{
    return object_set(LINEPROXYREQUEST_SETAGENTMEASUREMENTPERIOD, hLine, hAgent,
                      dwMeasurementPeriod, 0);
}

LONG WINAPI lineSetAgentSessionState(HLINE hLine, HAGENTSESSION hAgentSession,
                                     DWORD dwAgentSessionState, DWORD dwNextAgentSessionState)
{
    return object_set(LINEPROXYREQUEST_SETAGENTSESSIONSTATE, hLine, hAgentSession,
                      dwAgentSessionState, dwNextAgentSessionState);
}

LONG WINAPI lineSetAgentStateEx(HLINE hLine, HAGENT hAgent, DWORD dwAgentState,
                                DWORD dwNextAgentState)
{
    return object_set(LINEPROXYREQUEST_SETAGENTSTATEEX, hLine, hAgent, dwAgentState,
                      dwNextAgentState);
}

LONG WINAPI lineSetQueueMeasurementPeriod(HLINE hLine, DWORD dwQueueID, DWORD dwMeasurementPeriod)
{
    return object_set(LINEPROXYREQUEST_SETQUEUEMEASUREMENTPERIOD, hLine, dwQueueID,
                      dwMeasurementPeriod, 0);
}
