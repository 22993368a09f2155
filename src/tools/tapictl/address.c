/*
 * address.c - the TAPI 2.0 per-address agent functions, which act on "the
 * agent at this address" (for acdproxy: the agent bound to your OS user):
 * lineGetAgentStatus, lineSetAgentState, lineGetAgentGroupList,
 * lineSetAgentGroup, lineGetAgentActivityList, lineSetAgentActivity; and
 * lineGetAgentCaps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tapictl.h"

#define MAX_GROUPS 64

/* --address A (default 0) */
static int address_opt(struct ctl *c, const char *s, DWORD *a)
{
    *a = 0;
    if (s && !parse_dword(s, a))
        return usage_error(c, "not an address number: '%s'", s);
    return 0;
}

static LONG get_status(struct ctl *c, void *buf, const void *arg)
{
    return lineGetAgentStatusA(c->line, *(const DWORD *)arg, buf);
}

static LONG get_agent_groups(struct ctl *c, void *buf, const void *arg)
{
    return lineGetAgentGroupListA(c->line, *(const DWORD *)arg, buf);
}

static LONG get_activities(struct ctl *c, void *buf, const void *arg)
{
    return lineGetAgentActivityListA(c->line, *(const DWORD *)arg, buf);
}

/* The agent's status at address a, or NULL (unreported) when it has none:
   for commands that show it only as an extra. */
static LINEAGENTSTATUS *status_if_any(struct ctl *c, DWORD a)
{
    LINEAGENTSTATUS *st = NULL;
    c->quiet = true;
    if (ctl_get(c, get_status, &a, sizeof *st, "lineGetAgentStatus", (void **)&st))
        st = NULL;
    c->quiet = false;
    return st;
}

/* The groups of a LINEAGENTSTATUS (the same entries as a group list):
   names for people, [{"group":GUID,"name":NAME},...] in JSON. */
static void status_groups(struct rec *r, const LINEAGENTSTATUS *st)
{
    char *human = NULL, *json = NULL;
    str_addf(&json, "[");
    for (DWORD i = 0; i < st->dwNumEntries; i++) {
        const LINEAGENTGROUPENTRY *e =
            vs_entry(st, st->dwGroupListOffset, st->dwGroupListSize, sizeof *e, i);
        if (!e)
            break;
        GUID g;
        char gs[40];
        memcpy(&g, &e->GroupID, sizeof g);
        guid_str(&g, gs);
        const char *name = vs_string(st, e->dwNameSize, e->dwNameOffset);
        char *qname = json_quote(name);
        str_addf(&human, "%s%s", i ? ", " : "", *name ? name : gs);
        str_addf(&json, "%s{\"group\":\"%s\",\"name\":%s}", i ? "," : "", gs, qname);
        free(qname);
    }
    str_addf(&json, "]");
    rec_raw(r, "groups", "groups", human ? human : "-", json);
    free(human);
    free(json);
}

int cmd_address_status(struct ctl *c, int argc, char **argv)
{
    const char *address = NULL;
    const struct opt opts[] = {{"--address", true, &address}, {0}};
    char *pos[1];
    DWORD a;
    int npos, ex = scan_args(c, argc, argv, opts, pos, 0, &npos);
    LINEAGENTSTATUS *st;
    if (ex || (ex = address_opt(c, address, &a)) || (ex = ctl_open(c)) ||
        (ex = ctl_get(c, get_status, &a, sizeof *st, "lineGetAgentStatus", (void **)&st)))
        return ex;
    struct rec r = {0};
    char act[256];
    const char *aname = vs_string(st, st->dwActivitySize, st->dwActivityOffset);
    if (!st->dwActivityID && !*aname)
        snprintf(act, sizeof act, "-"); /* none */
    else
        snprintf(act, sizeof act, *aname ? "%u (%s)" : "%u", (unsigned)st->dwActivityID, aname);
    rec_uint(&r, "address", "address", a);
    status_groups(&r, st);
    rec_state(&r, "state", "state", agent_states, st->dwState);
    rec_state(&r, "next_state", "next state", agent_states, st->dwNextState);
    rec_uint(&r, "activity", NULL, st->dwActivityID);
    rec_str(&r, "activity_name", NULL, aname);
    rec_str(&r, NULL, "activity", act);
    rec_flags(&r, "features", "features", agent_features, st->dwAgentFeatures);
    rec_flags(&r, "valid_states", "valid states", agent_states, st->dwValidStates);
    rec_flags(&r, "valid_next_states", "valid next states", agent_states, st->dwValidNextStates);
    ex = out_record(c, &r);
    rec_free(&r);
    free(st);
    return ex;
}

int cmd_address_state(struct ctl *c, int argc, char **argv)
{
    const char *address = NULL, *next = NULL;
    const struct opt opts[] = {{"--address", true, &address}, {"--next", true, &next}, {0}};
    char *pos[1];
    DWORD a, state, next_state;
    int npos, ex = scan_args(c, argc, argv, opts, pos, 1, &npos);
    if (ex || (ex = address_opt(c, address, &a)))
        return ex;
    if (npos != 1)
        return usage_args(c);
    if ((ex = state_args(c, agent_states, "an agent", pos[0], next, &state, &next_state)) ||
        (ex = ctl_open(c)) ||
        (ex = ctl_wait(c, lineSetAgentState(c->line, a, state, next_state), "lineSetAgentState")))
        return ex;
    return out_state_done(c, "address", a, agent_states, state, next_state);
}

/* lineSetAgentGroup with the groups named in names[0..n). */
static int set_groups(struct ctl *c, DWORD a, char **names, int n)
{
    LINEAGENTGROUPLIST *avail = NULL;
    int ex =
        ctl_get(c, get_agent_groups, &a, sizeof *avail, "lineGetAgentGroupList", (void **)&avail);
    if (ex)
        return ex;
    /* The list TAPI reads: the header, then n entries (names not needed). */
    size_t size = sizeof(LINEAGENTGROUPLIST) + (size_t)n * sizeof(LINEAGENTGROUPENTRY);
    LINEAGENTGROUPLIST *list = calloc(1, size);
    if (!list) {
        free(avail);
        return ctl_error(c, EXIT_FAILURE, "error", "out of memory");
    }
    list->dwTotalSize = list->dwNeededSize = list->dwUsedSize = (DWORD)size;
    list->dwNumEntries = (DWORD)n;
    list->dwListSize = (DWORD)(n * sizeof(LINEAGENTGROUPENTRY));
    list->dwListOffset = sizeof(LINEAGENTGROUPLIST);
    LINEAGENTGROUPENTRY *e = (LINEAGENTGROUPENTRY *)(list + 1);
    char *human = NULL;
    for (int i = 0; i < n && !ex; i++) {
        GUID g;
        if ((ex = group_resolve(c, avail, names[i], &g)))
            break;
        memcpy(&e[i].GroupID, &g, sizeof g);
        const char *name = group_name(avail, &g);
        char gs[40];
        str_addf(&human, "%s%s", i ? ", " : "", name ? name : guid_str(&g, gs));
    }
    if (!ex)
        ex = ctl_wait(c, lineSetAgentGroup(c->line, a, list), "lineSetAgentGroup");
    if (!ex) {
        size_t rn;
        struct rec r = {0}, *rows = group_rows(list, &rn);
        /* JSON: {"address":0,"groups":["{GUID}",...]} */
        char *json = NULL;
        str_addf(&json, "[");
        for (size_t i = 0; rows && i < rn; i++)
            str_addf(&json, "%s%s", i ? "," : "", rows[i].f[0].json);
        str_addf(&json, "]");
        rec_uint(&r, "address", "address", a);
        rec_raw(&r, "groups", "groups", human, json);
        ex = out_done(c, &r, "address %u: logged into %s", (unsigned)a, human);
        rec_free(&r);
        rows_free(rows, rows ? rn : 0);
        free(json);
    }
    free(human);
    free(list);
    free(avail);
    return ex;
}

int cmd_address_groups(struct ctl *c, int argc, char **argv)
{
    const char *address = NULL;
    const struct opt opts[] = {{"--address", true, &address}, {0}};
    char *pos[MAX_GROUPS];
    DWORD a;
    int npos, ex = scan_args(c, argc, argv, opts, pos, MAX_GROUPS, &npos);
    if (ex || (ex = address_opt(c, address, &a)) || (ex = ctl_open(c)))
        return ex;
    if (npos)
        return set_groups(c, a, pos, npos);
    LINEAGENTGROUPLIST *list;
    if ((ex = ctl_get(c, get_agent_groups, &a, sizeof *list, "lineGetAgentGroupList",
                      (void **)&list)))
        return ex;
    /* Which of them the agent is logged into: from its status, if it has one. */
    LINEAGENTSTATUS *st = status_if_any(c, a);
    size_t n;
    struct rec *rows = group_rows(list, &n);
    for (size_t i = 0; rows && i < n; i++) {
        bool in = false;
        GUID g;
        parse_guid(rows[i].f[0].text, &g);
        for (DWORD k = 0; st && k < st->dwNumEntries; k++) {
            const LINEAGENTGROUPENTRY *e =
                vs_entry(st, st->dwGroupListOffset, st->dwGroupListSize, sizeof *e, k);
            if (e && !memcmp(&e->GroupID, &g, sizeof g))
                in = true;
        }
        rec_raw(&rows[i], "logged_in", "logged in", in ? "yes" : "-", in ? "true" : "false");
    }
    ex = out_rows(c, rows, n, "(no groups)");
    free(st);
    free(list);
    return ex;
}

int cmd_address_activity(struct ctl *c, int argc, char **argv)
{
    const char *address = NULL;
    const struct opt opts[] = {{"--address", true, &address}, {0}};
    char *pos[1];
    DWORD a, id = 0;
    int npos, ex = scan_args(c, argc, argv, opts, pos, 1, &npos);
    if (ex || (ex = address_opt(c, address, &a)))
        return ex;
    if (npos && !parse_dword(pos[0], &id))
        return usage_error(c, "not an activity ID: '%s'", pos[0]);
    if ((ex = ctl_open(c)))
        return ex;
    if (npos) {
        if ((ex = ctl_wait(c, lineSetAgentActivity(c->line, a, id), "lineSetAgentActivity")))
            return ex;
        struct rec r = {0};
        rec_uint(&r, "address", "address", a);
        rec_uint(&r, "activity", "activity", id);
        ex = out_done(c, &r, "address %u: activity %u", (unsigned)a, (unsigned)id);
        rec_free(&r);
        return ex;
    }
    LINEAGENTACTIVITYLIST *list;
    if ((ex = ctl_get(c, get_activities, &a, sizeof *list, "lineGetAgentActivityList",
                      (void **)&list)))
        return ex;
    /* The current activity, from the agent's status if it has one. */
    LINEAGENTSTATUS *st = status_if_any(c, a);
    struct rec *rows = calloc(list->dwNumEntries + 1, sizeof *rows);
    size_t n = 0;
    for (DWORD i = 0; rows && i < list->dwNumEntries; i++) {
        const LINEAGENTACTIVITYENTRY *e =
            vs_entry(list, list->dwListOffset, list->dwListSize, sizeof *e, i);
        if (!e)
            break;
        bool cur = st && st->dwActivityID == e->dwID;
        struct rec *r = &rows[n++];
        rec_uint(r, "activity", "activity", e->dwID);
        rec_str(r, "name", "name", vs_string(list, e->dwNameSize, e->dwNameOffset));
        rec_raw(r, "current", "current", cur ? "yes" : "-", cur ? "true" : "false");
    }
    ex = out_rows(c, rows, n, "(no activities)");
    free(st);
    free(list);
    return ex;
}

struct caps_arg {
    DWORD address;
};

static LONG get_caps(struct ctl *c, void *buf, const void *arg)
{
    /* The one call-center function that needs no open line; it takes the
       app's highest version, not the negotiated one. */
    return lineGetAgentCapsA(c->app, c->dev, ((const struct caps_arg *)arg)->address,
                             CTL_API_VERSION, buf);
}

int cmd_caps(struct ctl *c, int argc, char **argv)
{
    const char *address = NULL;
    const struct opt opts[] = {{"--address", true, &address}, {0}};
    char *pos[1];
    struct caps_arg ca;
    int npos, ex = scan_args(c, argc, argv, opts, pos, 0, &npos);
    LINEAGENTCAPS *caps;
    if (ex || (ex = address_opt(c, address, &ca.address)) || (ex = ctl_open(c)) ||
        (ex = ctl_get(c, get_caps, &ca, sizeof *caps, "lineGetAgentCaps", (void **)&caps)))
        return ex;
    struct rec r = {0};
    char ver[16], gs[40], *human = NULL, *json = NULL;
    str_addf(&json, "[");
    for (DWORD i = 0; i < caps->dwNumAgentExtensionIDs; i++) {
        const LINEEXTENSIONID *e = vs_entry(caps, caps->dwAgentExtensionIDListOffset,
                                            caps->dwAgentExtensionIDListSize, sizeof *e, i);
        if (!e)
            break;
        GUID g;
        memcpy(&g, e, sizeof g); /* 16 bytes, written as a GUID */
        guid_str(&g, gs);
        str_addf(&human, "%s%u: %s", i ? ", " : "", (unsigned)i, gs);
        str_addf(&json, "%s\"%s\"", i ? "," : "", gs);
    }
    str_addf(&json, "]");
    snprintf(ver, sizeof ver, "%u.%u", (unsigned)(caps->dwCapsVersion >> 16),
             (unsigned)(caps->dwCapsVersion & 0xFFFF));
    rec_uint(&r, "line", "line", c->dev);
    rec_uint(&r, "address", "address", ca.address);
    rec_str(&r, "handler", "handler",
            vs_string(caps, caps->dwAgentHandlerInfoSize, caps->dwAgentHandlerInfoOffset));
    rec_str(&r, "caps_version", "caps version", ver);
    rec_flags(&r, "features", "features", agent_features, caps->dwFeatures);
    rec_flags(&r, "states", "states", agent_states, caps->dwStates);
    rec_flags(&r, "next_states", "next states", agent_states, caps->dwNextStates);
    rec_uint(&r, "max_groups", "max groups", caps->dwMaxNumGroupEntries);
    rec_flags(&r, "status_messages", "status messages", agent_status_bits,
              caps->dwAgentStatusMessages);
    rec_raw(&r, "extensions", "extensions", human ? human : "-", json);
    free(human);
    free(json);
    if (caps->dwUsedSize >= sizeof *caps && caps->dwCapsVersion >= 0x00020002) {
        GUID g = caps->ProxyGUID;
        rec_str(&r, "proxy_guid", "proxy GUID", guid_str(&g, gs));
    }
    ex = out_record(c, &r);
    rec_free(&r);
    free(caps);
    return ex;
}
