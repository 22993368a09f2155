/*
 * session.c - TAPI 2.2 agent sessions: lineCreateAgentSession,
 * lineGetAgentSessionInfo and lineSetAgentSessionState.  A session is one
 * agent logged into one ACD group at one address of the line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapictl.h"

int cmd_session_create(struct ctl *c, int argc, char **argv)
{
    const char *agent = NULL, *group = NULL, *address = NULL, *pin_flag = NULL;
    const struct opt opts[] = {{"--agent", true, &agent},
                               {"--group", true, &group},
                               {"--address", true, &address},
                               {"--pin-stdin", false, &pin_flag},
                               {0}};
    char *pos[1];
    HAGENT h;
    DWORD addr;
    int npos, ex = scan_args(c, argc, argv, opts, pos, 0, &npos);
    if (ex)
        return ex;
    if (!agent || !group || !address)
        return usage_args(c);
    if ((ex = handle_arg(c, agent, "an agent", &h)))
        return ex;
    if (!parse_dword(address, &addr))
        return usage_error(c, "not an address number: '%s'", address);
    char *pin = NULL;
    if (pin_flag && !(pin = pin_read()))
        return usage_error(c, "--pin-stdin: no PIN on standard input");
    GUID g;
    HAGENTSESSION s = 0;
    if (!(ex = ctl_open(c)) && !(ex = group_arg(c, group, &g)))
        ex = ctl_wait(c, lineCreateAgentSessionA(c->line, h, pin, addr, &g, &s),
                      "lineCreateAgentSession");
    pin_free(pin);
    if (ex)
        return ex;
    struct rec r = {0};
    char gs[40];
    rec_uint(&r, "session", "session", s);
    rec_uint(&r, "agent", "agent", h);
    rec_str(&r, "group", "group", guid_str(&g, gs));
    rec_uint(&r, "address", "address", addr);
    ex = out_done(c, &r, "%u", (unsigned)s); /* just the handle: S=$(tapictl ...) */
    rec_free(&r);
    return ex;
}

static LONG get_info(struct ctl *c, void *buf, const void *arg)
{
    return lineGetAgentSessionInfo(c->line, *(const HAGENTSESSION *)arg, buf);
}

int cmd_session_info(struct ctl *c, int argc, char **argv)
{
    HAGENTSESSION s;
    LINEAGENTSESSIONINFO *si;
    int ex = handle_get(c, argc, argv, "a session", get_info, sizeof *si, "lineGetAgentSessionInfo",
                        &s, (void **)&si);
    if (ex)
        return ex;
    struct rec r = {0};
    rec_uint(&r, "session", "session", s);
    rec_state(&r, "state", "state", session_states, si->dwAgentSessionState);
    rec_state(&r, "next_state", "next state", session_states, si->dwNextAgentSessionState);
    rec_date(&r, "start_time", "started", si->dateSessionStartTime);
    rec_secs(&r, "duration", "duration", si->dwSessionDuration);
    rec_uint(&r, "calls", "calls", si->dwNumberOfCalls);
    rec_secs(&r, "talk_time", "talk time", si->dwTotalTalkTime);
    rec_secs(&r, "average_talk_time", "average talk time", si->dwAverageTalkTime);
    rec_secs(&r, "call_time", "call time", si->dwTotalCallTime);
    rec_secs(&r, "average_call_time", "average call time", si->dwAverageCallTime);
    rec_secs(&r, "wrapup_time", "wrap-up time", si->dwTotalWrapUpTime);
    rec_secs(&r, "average_wrapup_time", "average wrap-up time", si->dwAverageWrapUpTime);
    rec_currency(&r, "acd_call_rate", "ACD calls per hour", si->cyACDCallRate);
    rec_secs(&r, "longest_time_to_answer", "longest time to answer", si->dwLongestTimeToAnswer);
    rec_secs(&r, "average_time_to_answer", "average time to answer", si->dwAverageTimeToAnswer);
    ex = out_record(c, &r);
    rec_free(&r);
    free(si);
    return ex;
}

/* lineSetAgentSessionState and its confirmation. */
static int set_state(struct ctl *c, HAGENTSESSION s, DWORD state, DWORD next)
{
    int ex;
    if ((ex = ctl_open(c)) || (ex = ctl_wait(c, lineSetAgentSessionState(c->line, s, state, next),
                                             "lineSetAgentSessionState")))
        return ex;
    return out_state_done(c, "session", s, session_states, state, next);
}

int cmd_session_state(struct ctl *c, int argc, char **argv)
{
    const char *next = NULL;
    const struct opt opts[] = {{"--next", true, &next}, {0}};
    char *pos[2];
    HAGENTSESSION s;
    DWORD state, next_state;
    int ex;
    if ((ex = handle_args(c, argc, argv, opts, pos, 2, "a session", &s)) ||
        (ex = state_args(c, session_states, "a session", pos[1], next, &state, &next_state)))
        return ex;
    return set_state(c, s, state, next_state);
}

int cmd_session_end(struct ctl *c, int argc, char **argv)
{
    char *pos[1];
    HAGENTSESSION s;
    int ex = handle_args(c, argc, argv, NULL, pos, 1, "a session", &s);
    if (ex)
        return ex;
    return set_state(c, s, LINEAGENTSESSIONSTATE_ENDED, 0);
}
