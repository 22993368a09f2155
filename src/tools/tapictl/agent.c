/*
 * agent.c - TAPI 2.2 agents: lineCreateAgent, lineGetAgentInfo,
 * lineSetAgentStateEx, lineSetAgentMeasurementPeriod and
 * lineGetAgentSessionList.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapictl.h"

int cmd_agent_create(struct ctl *c, int argc, char **argv)
{
    const char *id = NULL, *pin_flag = NULL;
    const struct opt opts[] = {{"--id", true, &id}, {"--pin-stdin", false, &pin_flag}, {0}};
    char *pos[1];
    int npos, ex = scan_args(c, argc, argv, opts, pos, 0, &npos);
    if (ex)
        return ex;
    char *pin = NULL;
    if (pin_flag && !(pin = pin_read()))
        return usage_error(c, "--pin-stdin: no PIN on standard input");
    if (!(ex = ctl_open(c))) {
        /* NULL ID: the agent bound to this OS user; NULL PIN: none given. */
        HAGENT h = 0;
        ex = ctl_wait(c, lineCreateAgentA(c->line, id, pin, &h), "lineCreateAgent");
        if (!ex) {
            struct rec r = {0};
            rec_uint(&r, "agent", "agent", h);
            if (id)
                rec_str(&r, "id", "id", id);
            ex = out_done(c, &r, "%u", (unsigned)h); /* just the handle: H=$(tapictl ...) */
            rec_free(&r);
        }
    }
    pin_free(pin);
    return ex;
}

static LONG get_info(struct ctl *c, void *buf, const void *arg)
{
    return lineGetAgentInfo(c->line, *(const HAGENT *)arg, buf);
}

int cmd_agent_info(struct ctl *c, int argc, char **argv)
{
    HAGENT h;
    LINEAGENTINFO *ai;
    int ex = handle_get(c, argc, argv, "an agent", get_info, sizeof *ai, "lineGetAgentInfo", &h,
                        (void **)&ai);
    if (ex)
        return ex;
    struct rec r = {0};
    rec_uint(&r, "agent", "agent", h);
    rec_state(&r, "state", "state", agent_states_ex, ai->dwAgentState);
    rec_state(&r, "next_state", "next state", agent_states_ex, ai->dwNextAgentState);
    rec_secs(&r, "measurement_period", "measurement period", ai->dwMeasurementPeriod);
    rec_currency(&r, "overall_call_rate", "calls per hour", ai->cyOverallCallRate);
    rec_uint(&r, "acd_calls", "ACD calls", ai->dwNumberOfACDCalls);
    rec_uint(&r, "incoming_calls", "incoming calls", ai->dwNumberOfIncomingCalls);
    rec_uint(&r, "outgoing_calls", "outgoing calls", ai->dwNumberOfOutgoingCalls);
    rec_secs(&r, "acd_talk_time", "ACD talk time", ai->dwTotalACDTalkTime);
    rec_secs(&r, "acd_call_time", "ACD call time", ai->dwTotalACDCallTime);
    rec_secs(&r, "acd_wrapup_time", "ACD wrap-up time", ai->dwTotalACDWrapUpTime);
    ex = out_record(c, &r);
    rec_free(&r);
    free(ai);
    return ex;
}

int cmd_agent_state(struct ctl *c, int argc, char **argv)
{
    const char *next = NULL;
    const struct opt opts[] = {{"--next", true, &next}, {0}};
    char *pos[2];
    HAGENT h;
    DWORD state, next_state;
    int ex;
    if ((ex = handle_args(c, argc, argv, opts, pos, 2, "an agent", &h)) ||
        (ex = state_args(c, agent_states_ex, "an agent", pos[1], next, &state, &next_state)) ||
        (ex = ctl_open(c)) ||
        (ex = ctl_wait(c, lineSetAgentStateEx(c->line, h, state, next_state),
                       "lineSetAgentStateEx")))
        return ex;
    return out_state_done(c, "agent", h, agent_states_ex, state, next_state);
}

int cmd_agent_period(struct ctl *c, int argc, char **argv)
{
    char *pos[2];
    HAGENT h;
    DWORD secs;
    int ex = handle_args(c, argc, argv, NULL, pos, 2, "an agent", &h);
    if (ex)
        return ex;
    if (!parse_dword(pos[1], &secs))
        return usage_error(c, "not a number of seconds: '%s'", pos[1]);
    if ((ex = ctl_open(c)) || (ex = ctl_wait(c, lineSetAgentMeasurementPeriod(c->line, h, secs),
                                             "lineSetAgentMeasurementPeriod")))
        return ex;
    return out_period_done(c, "agent", h, secs);
}

static LONG get_sessions(struct ctl *c, void *buf, const void *arg)
{
    return lineGetAgentSessionList(c->line, *(const HAGENT *)arg, buf);
}

static LONG get_session_info(struct ctl *c, void *buf, const void *arg)
{
    return lineGetAgentSessionInfo(c->line, *(const HAGENTSESSION *)arg, buf);
}

int cmd_agent_sessions(struct ctl *c, int argc, char **argv)
{
    HAGENT h;
    LINEAGENTSESSIONLIST *list;
    int ex = handle_get(c, argc, argv, "an agent", get_sessions, sizeof *list,
                        "lineGetAgentSessionList", &h, (void **)&list);
    if (ex)
        return ex;
    /* Group names and session states make the table readable; both are
       extra requests, and the table does without them if they fail. */
    LINEAGENTGROUPLIST *groups = NULL;
    struct rec *rows = calloc(list->dwNumEntries + 1, sizeof *rows);
    size_t n = 0;
    if (!rows) {
        free(list);
        return ctl_error(c, EXIT_FAILURE, "error", "out of memory");
    }
    c->quiet = true;
    if (list->dwNumEntries && groups_fetch(c, &groups))
        groups = NULL;
    for (DWORD i = 0; i < list->dwNumEntries; i++) {
        const LINEAGENTSESSIONENTRY *e =
            vs_entry(list, list->dwListOffset, list->dwListSize, sizeof *e, i);
        if (!e)
            break;
        HAGENTSESSION s = e->hAgentSession;
        GUID g = e->GroupID;
        char gs[40];
        const char *gname = groups ? group_name(groups, &g) : NULL;
        LINEAGENTSESSIONINFO *si = NULL;
        if (ctl_get(c, get_session_info, &s, sizeof *si, "lineGetAgentSessionInfo", (void **)&si))
            si = NULL;
        struct rec *r = &rows[n++];
        rec_uint(r, "session", "session", s);
        rec_uint(r, "agent", "agent", e->hAgent);
        rec_str(r, "group", NULL, guid_str(&g, gs));
        rec_str(r, "group_name", "group", gname ? gname : gs);
        rec_uint(r, "address", "address", e->dwWorkingAddressID);
        rec_state(r, "state", "state", session_states, si ? si->dwAgentSessionState : 0);
        free(si);
    }
    c->quiet = false;
    ex = out_table(c, rows, n, "(no sessions)");
    rows_free(rows, n);
    free(groups);
    free(list);
    return ex;
}
