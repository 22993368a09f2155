/*
 * names.c - words for TAPI's numbers: state and flag names, message names,
 * and every LINEERR_ value of tapi.h with a one-line explanation.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tapictl.h"

/* clang-format off */
#define N(prefix, x, text) {prefix##x, text}
#define END {0, NULL}
/* clang-format on */

/* LINEAGENTSESSIONSTATE_ (2.2) */
const struct name session_states[] = {
    N(LINEAGENTSESSIONSTATE_, NOTREADY, "notready"),
    N(LINEAGENTSESSIONSTATE_, READY, "ready"),
    N(LINEAGENTSESSIONSTATE_, BUSYONCALL, "busyoncall"),
    N(LINEAGENTSESSIONSTATE_, BUSYWRAPUP, "busywrapup"),
    N(LINEAGENTSESSIONSTATE_, ENDED, "ended"),
    N(LINEAGENTSESSIONSTATE_, RELEASED, "released"),
    END,
};

/* LINEAGENTSTATEEX_ (2.2) */
const struct name agent_states_ex[] = {
    N(LINEAGENTSTATEEX_, NOTREADY, "notready"),
    N(LINEAGENTSTATEEX_, READY, "ready"),
    N(LINEAGENTSTATEEX_, BUSYACD, "busyacd"),
    N(LINEAGENTSTATEEX_, BUSYINCOMING, "busyincoming"),
    N(LINEAGENTSTATEEX_, BUSYOUTGOING, "busyoutgoing"),
    N(LINEAGENTSTATEEX_, UNKNOWN, "unknown"),
    N(LINEAGENTSTATEEX_, RELEASED, "released"),
    END,
};

/* LINEAGENTSTATE_ (2.0, per address) */
const struct name agent_states[] = {
    N(LINEAGENTSTATE_, LOGGEDOFF, "loggedoff"),
    N(LINEAGENTSTATE_, NOTREADY, "notready"),
    N(LINEAGENTSTATE_, READY, "ready"),
    N(LINEAGENTSTATE_, BUSYACD, "busyacd"),
    N(LINEAGENTSTATE_, BUSYINCOMING, "busyincoming"),
    N(LINEAGENTSTATE_, BUSYOUTBOUND, "busyoutbound"),
    N(LINEAGENTSTATE_, BUSYOTHER, "busyother"),
    N(LINEAGENTSTATE_, WORKINGAFTERCALL, "workingaftercall"),
    N(LINEAGENTSTATE_, UNKNOWN, "unknown"),
    N(LINEAGENTSTATE_, UNAVAIL, "unavail"),
    END,
};

const struct name session_status_bits[] = {
    N(LINEAGENTSESSIONSTATUS_, NEWSESSION, "NEWSESSION"),
    N(LINEAGENTSESSIONSTATUS_, STATE, "STATE"),
    N(LINEAGENTSESSIONSTATUS_, UPDATEINFO, "UPDATEINFO"),
    END,
};

const struct name agent_statusex_bits[] = {
    N(LINEAGENTSTATUSEX_, NEWAGENT, "NEWAGENT"),
    N(LINEAGENTSTATUSEX_, STATE, "STATE"),
    N(LINEAGENTSTATUSEX_, UPDATEINFO, "UPDATEINFO"),
    END,
};

const struct name agent_status_bits[] = {
    N(LINEAGENTSTATUS_, GROUP, "GROUP"),
    N(LINEAGENTSTATUS_, STATE, "STATE"),
    N(LINEAGENTSTATUS_, NEXTSTATE, "NEXTSTATE"),
    N(LINEAGENTSTATUS_, ACTIVITY, "ACTIVITY"),
    N(LINEAGENTSTATUS_, ACTIVITYLIST, "ACTIVITYLIST"),
    N(LINEAGENTSTATUS_, GROUPLIST, "GROUPLIST"),
    N(LINEAGENTSTATUS_, CAPSCHANGE, "CAPSCHANGE"),
    N(LINEAGENTSTATUS_, VALIDSTATES, "VALIDSTATES"),
    N(LINEAGENTSTATUS_, VALIDNEXTSTATES, "VALIDNEXTSTATES"),
    END,
};

const struct name queue_status_bits[] = {
    N(LINEQUEUESTATUS_, UPDATEINFO, "UPDATEINFO"),
    N(LINEQUEUESTATUS_, NEWQUEUE, "NEWQUEUE"),
    N(LINEQUEUESTATUS_, QUEUEREMOVED, "QUEUEREMOVED"),
    END,
};

const struct name group_status_bits[] = {
    N(LINEGROUPSTATUS_, NEWGROUP, "NEWGROUP"),
    N(LINEGROUPSTATUS_, GROUPREMOVED, "GROUPREMOVED"),
    END,
};

const struct name proxy_status_values[] = {
    N(LINEPROXYSTATUS_, OPEN, "OPEN"),
    N(LINEPROXYSTATUS_, CLOSE, "CLOSE"),
    N(LINEPROXYSTATUS_, ALLOPENFORACD, "ALLOPENFORACD"),
    END,
};

/* LINEPROXYREQUEST_ (ordinal values, 1..20) */
const struct name proxy_requests[] = {
    N(LINEPROXYREQUEST_, SETAGENTGROUP, "SETAGENTGROUP"),
    N(LINEPROXYREQUEST_, SETAGENTSTATE, "SETAGENTSTATE"),
    N(LINEPROXYREQUEST_, SETAGENTACTIVITY, "SETAGENTACTIVITY"),
    N(LINEPROXYREQUEST_, GETAGENTCAPS, "GETAGENTCAPS"),
    N(LINEPROXYREQUEST_, GETAGENTSTATUS, "GETAGENTSTATUS"),
    N(LINEPROXYREQUEST_, AGENTSPECIFIC, "AGENTSPECIFIC"),
    N(LINEPROXYREQUEST_, GETAGENTACTIVITYLIST, "GETAGENTACTIVITYLIST"),
    N(LINEPROXYREQUEST_, GETAGENTGROUPLIST, "GETAGENTGROUPLIST"),
    N(LINEPROXYREQUEST_, CREATEAGENT, "CREATEAGENT"),
    N(LINEPROXYREQUEST_, SETAGENTMEASUREMENTPERIOD, "SETAGENTMEASUREMENTPERIOD"),
    N(LINEPROXYREQUEST_, GETAGENTINFO, "GETAGENTINFO"),
    N(LINEPROXYREQUEST_, CREATEAGENTSESSION, "CREATEAGENTSESSION"),
    N(LINEPROXYREQUEST_, GETAGENTSESSIONLIST, "GETAGENTSESSIONLIST"),
    N(LINEPROXYREQUEST_, SETAGENTSESSIONSTATE, "SETAGENTSESSIONSTATE"),
    N(LINEPROXYREQUEST_, GETAGENTSESSIONINFO, "GETAGENTSESSIONINFO"),
    N(LINEPROXYREQUEST_, GETQUEUELIST, "GETQUEUELIST"),
    N(LINEPROXYREQUEST_, SETQUEUEMEASUREMENTPERIOD, "SETQUEUEMEASUREMENTPERIOD"),
    N(LINEPROXYREQUEST_, GETQUEUEINFO, "GETQUEUEINFO"),
    N(LINEPROXYREQUEST_, GETGROUPLIST, "GETGROUPLIST"),
    N(LINEPROXYREQUEST_, SETAGENTSTATEEX, "SETAGENTSTATEEX"),
    END,
};

/* The call-center subset of LINEADDRCAPFLAGS_. */
const struct name addrcap_flags[] = {
    N(LINEADDRCAPFLAGS_, QUEUE, "QUEUE"),
    N(LINEADDRCAPFLAGS_, ACDGROUP, "ACDGROUP"),
    N(LINEADDRCAPFLAGS_, ROUTEPOINT, "ROUTEPOINT"),
    N(LINEADDRCAPFLAGS_, PREDICTIVEDIALER, "PREDICTIVEDIALER"),
    END,
};

const struct name agent_features[] = {
    N(LINEAGENTFEATURE_, SETAGENTGROUP, "SETAGENTGROUP"),
    N(LINEAGENTFEATURE_, SETAGENTSTATE, "SETAGENTSTATE"),
    N(LINEAGENTFEATURE_, SETAGENTACTIVITY, "SETAGENTACTIVITY"),
    N(LINEAGENTFEATURE_, AGENTSPECIFIC, "AGENTSPECIFIC"),
    N(LINEAGENTFEATURE_, GETAGENTACTIVITYLIST, "GETAGENTACTIVITYLIST"),
    N(LINEAGENTFEATURE_, GETAGENTGROUP, "GETAGENTGROUP"),
    END,
};

/* LINE_ message ids an application of TAPI 2.2 can receive. */
const struct name messages[] = {
    N(, LINE_ADDRESSSTATE, "LINE_ADDRESSSTATE"),
    N(, LINE_CALLINFO, "LINE_CALLINFO"),
    N(, LINE_CALLSTATE, "LINE_CALLSTATE"),
    N(, LINE_CLOSE, "LINE_CLOSE"),
    N(, LINE_DEVSPECIFIC, "LINE_DEVSPECIFIC"),
    N(, LINE_DEVSPECIFICFEATURE, "LINE_DEVSPECIFICFEATURE"),
    N(, LINE_GATHERDIGITS, "LINE_GATHERDIGITS"),
    N(, LINE_GENERATE, "LINE_GENERATE"),
    N(, LINE_LINEDEVSTATE, "LINE_LINEDEVSTATE"),
    N(, LINE_MONITORDIGITS, "LINE_MONITORDIGITS"),
    N(, LINE_MONITORMEDIA, "LINE_MONITORMEDIA"),
    N(, LINE_MONITORTONE, "LINE_MONITORTONE"),
    N(, LINE_REPLY, "LINE_REPLY"),
    N(, LINE_REQUEST, "LINE_REQUEST"),
    N(, LINE_CREATE, "LINE_CREATE"),
    N(, LINE_AGENTSPECIFIC, "LINE_AGENTSPECIFIC"),
    N(, LINE_AGENTSTATUS, "LINE_AGENTSTATUS"),
    N(, LINE_APPNEWCALL, "LINE_APPNEWCALL"),
    N(, LINE_PROXYREQUEST, "LINE_PROXYREQUEST"),
    N(, LINE_REMOVE, "LINE_REMOVE"),
    N(, LINE_AGENTSESSIONSTATUS, "LINE_AGENTSESSIONSTATUS"),
    N(, LINE_QUEUESTATUS, "LINE_QUEUESTATUS"),
    N(, LINE_AGENTSTATUSEX, "LINE_AGENTSTATUSEX"),
    N(, LINE_GROUPSTATUS, "LINE_GROUPSTATUS"),
    N(, LINE_PROXYSTATUS, "LINE_PROXYSTATUS"),
    END,
};

const char *name_of(const struct name *table, DWORD value)
{
    for (; table->name; table++)
        if (table->value == value)
            return table->name;
    return NULL;
}

DWORD value_of(const struct name *table, const char *name)
{
    for (; table->name; table++)
        if (!strcasecmp(table->name, name))
            return table->value;
    return 0;
}

const char *flags_str(const struct name *table, DWORD flags, const char *sep, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (const struct name *t = table; t->name && len < cap; t++) {
        if (!(flags & t->value))
            continue;
        flags &= ~t->value;
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? sep : "", t->name);
    }
    if (flags && len < cap) /* bits this table has no name for */
        snprintf(buf + len, cap - len, "%s0x%08X", len ? sep : "", (unsigned)flags);
    return buf;
}

/* ---- LINEERR_ ---------------------------------------------------------- */

/* Every LINEERR_ value of tapi.h (including the two it declares only for
   TAPI 3.x), with what it means to someone at a terminal. */
static const struct lineerr {
    DWORD value;
    const char *name;
    const char *text;
} lineerrs[] = {
/* clang-format off */
#define E(x, text) {LINEERR_##x, "LINEERR_" #x, text}
    /* clang-format on */
    E(ALLOCATED, "the line is already open with exclusive rights"),
    E(BADDEVICEID, "no line device with that number"),
    E(BEARERMODEUNAVAIL, "the bearer mode is not available"),
    E(CALLUNAVAIL, "no call appearance is available"),
    E(COMPLETIONOVERRUN, "too many call completions are outstanding"),
    E(CONFERENCEFULL, "the conference is full"),
    E(DIALBILLING, "the dial string contains an unsupported '$'"),
    E(DIALDIALTONE, "the dial string contains an unsupported 'W'"),
    E(DIALPROMPT, "the dial string contains an unsupported '?'"),
    E(DIALQUIET, "the dial string contains an unsupported '@'"),
    E(INCOMPATIBLEAPIVERSION, "the line does not support this API version"),
    E(INCOMPATIBLEEXTVERSION, "the extension version is not supported"),
    E(INIFILECORRUPT, "the telephony configuration is corrupt"),
    E(INUSE, "the line is in use"),
    E(INVALADDRESS, "the address is invalid"),
    E(INVALADDRESSID, "no address with that number on the line"),
    E(INVALADDRESSMODE, "the address mode is invalid"),
    E(INVALADDRESSSTATE, "the address state is invalid"),
    E(INVALAPPHANDLE, "the application handle is invalid"),
    E(INVALAPPNAME, "the application name is invalid"),
    E(INVALBEARERMODE, "the bearer mode is invalid"),
    E(INVALCALLCOMPLMODE, "the call completion mode is invalid"),
    E(INVALCALLHANDLE, "the call handle is invalid"),
    E(INVALCALLPARAMS, "the call parameters are invalid"),
    E(INVALCALLPRIVILEGE, "the call privilege is invalid"),
    E(INVALCALLSELECT, "the call selection is invalid"),
    E(INVALCALLSTATE, "the call is not in a state that allows this"),
    E(INVALCALLSTATELIST, "the call state list is invalid"),
    E(INVALCARD, "the calling card is invalid"),
    E(INVALCOMPLETIONID, "the completion id is invalid"),
    E(INVALCONFCALLHANDLE, "the conference call handle is invalid"),
    E(INVALCONSULTCALLHANDLE, "the consultation call handle is invalid"),
    E(INVALCOUNTRYCODE, "the country code is invalid"),
    E(INVALDEVICECLASS, "the device class is invalid"),
    E(INVALDEVICEHANDLE, "the device handle is invalid"),
    E(INVALDIALPARAMS, "the dial parameters are invalid"),
    E(INVALDIGITLIST, "the digit list is invalid"),
    E(INVALDIGITMODE, "the digit mode is invalid"),
    E(INVALDIGITS, "the digits are invalid"),
    E(INVALEXTVERSION, "the extension version is invalid"),
    E(INVALGROUPID, "the pickup group id is invalid"),
    E(INVALLINEHANDLE, "the line handle is invalid (the line was closed)"),
    E(INVALLINESTATE, "the line is not in a state that allows this"),
    E(INVALLOCATION, "the location is invalid"),
    E(INVALMEDIALIST, "the media list is invalid"),
    E(INVALMEDIAMODE, "the media mode is invalid"),
    E(INVALMESSAGEID, "the message id is invalid"),
    E(INVALPARAM, "a parameter is invalid"),
    E(INVALPARKID, "the park id is invalid"),
    E(INVALPARKMODE, "the park mode is invalid"),
    E(INVALPOINTER, "a pointer is invalid"),
    E(INVALPRIVSELECT, "the privileges or open options are invalid"),
    E(INVALRATE, "the rate is invalid"),
    E(INVALREQUESTMODE, "the request mode is invalid"),
    E(INVALTERMINALID, "the terminal id is invalid"),
    E(INVALTERMINALMODE, "the terminal mode is invalid"),
    E(INVALTIMEOUT, "the timeout is invalid"),
    E(INVALTONE, "the tone is invalid"),
    E(INVALTONELIST, "the tone list is invalid"),
    E(INVALTONEMODE, "the tone mode is invalid"),
    E(INVALTRANSFERMODE, "the transfer mode is invalid"),
    E(LINEMAPPERFAILED, "no line matches the requested call parameters"),
    E(NOCONFERENCE, "the call is not a conference"),
    E(NODEVICE, "the line device has been removed"),
    E(NODRIVER, "the line's service provider is missing"),
    E(NOMEM, "out of memory"),
    E(NOREQUEST, "no request is pending"),
    E(NOTOWNER, "the application does not own the call"),
    E(NOTREGISTERED, "not registered (a request type already has a handler, or none)"),
    E(OPERATIONFAILED, "the operation failed"),
    E(OPERATIONUNAVAIL, "no proxy handler serves this request on the line (is acdproxy running?)"),
    E(RATEUNAVAIL, "the rate is not available"),
    E(RESOURCEUNAVAIL, "a resource is unavailable (for example the ACD's store); try again"),
    E(REQUESTOVERRUN, "too many requests are queued"),
    E(STRUCTURETOOSMALL, "the structure is too small"),
    E(TARGETNOTFOUND, "the target was not found"),
    E(TARGETSELF, "the target is the caller itself"),
    E(UNINITIALIZED, "TAPI is not initialized"),
    E(USERUSERINFOTOOBIG, "the user-user information is too big"),
    E(REINIT, "TAPI must be re-initialized"),
    E(ADDRESSBLOCKED, "the address is blocked"),
    E(BILLINGREJECTED, "the billing information was rejected"),
    E(INVALFEATURE, "the feature is invalid"),
    E(NOMULTIPLEINSTANCE, "only one instance is allowed"),
    E(INVALAGENTID, "unknown agent (or no agent is bound to your user)"),
    E(INVALAGENTGROUP, "unknown ACD group"),
    E(INVALPASSWORD, "wrong PIN, or no right to act for this agent"),
    E(INVALAGENTSTATE, "this agent state cannot be set now"),
    E(INVALAGENTACTIVITY, "unknown agent activity"),
    E(DIALVOICEDETECT, "the dial string contains an unsupported ':'"),
    E(USERCANCELLED, "the user cancelled the operation"),
    {0x8000005E, "LINEERR_INVALADDRESSTYPE", "the address type is invalid"},
    E(INVALAGENTSESSIONSTATE, "this session state cannot be set now (ended, or the ACD's own)"),
    E(DISCONNECTED, "the line was disconnected"),
    {0x80000061, "LINEERR_SERVICE_NOT_RUNNING", "the telephony service is not running"},
#undef E
};

static const struct lineerr *find_err(LONG err)
{
    for (size_t i = 0; i < sizeof lineerrs / sizeof lineerrs[0]; i++)
        if (lineerrs[i].value == (DWORD)err)
            return &lineerrs[i];
    return NULL;
}

const char *lineerr_name(LONG err)
{
    const struct lineerr *e = find_err(err);
    return e ? e->name : NULL;
}

const char *lineerr_text(LONG err)
{
    const struct lineerr *e = find_err(err);
    if (e)
        return e->text;
    return (DWORD)err >= 0xC0000000u ? "a device-specific error" : "an unknown error";
}
