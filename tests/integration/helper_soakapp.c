/*
 * helper_soakapp - one application of the soak test (tests/soak/soak.c):
 * a mixed TAPI load, paced, counted.
 *
 *   helper_soakapp AGENT LINE GROUP INTERVAL_MS SEED
 *
 * lineInitializeExA (USEEVENT), lineOpenA(LINE, MONITOR), lineCreateAgentA
 * (AGENT, bound to our user by the soak), the group named GROUP from
 * lineGetGroupListA, and an agent session in it at address 0 of LINE: a new
 * one, or (INVALAGENTSESSIONSTATE: an earlier incarnation was killed) the
 * agent's session that has not ended.  Prints "READY".
 *
 * Then every INTERVAL_MS one cycle of requests picked at random (SEED):
 * open another line, lineGetDevCaps, lineGetAddressCaps, lineClose; set
 * the session NOTREADY/READY and read it back (it must say what was set);
 * the agent's session list (must contain the session); the agent's state
 * and info; the group and queue lists.  Every answer counts: "S <requests>
 * <ok> <failed>" (cumulative) every 250 ms, and per failure "F <what>
 * 0x<rc>" at once.  Other messages (the ACD's status events) are read and
 * dropped.
 *
 * stdin: "crash" sends three requests and _exit(3)s without waiting for
 * their answers (an injected abrupt disconnect); "stop" or EOF: lineShutdown,
 * the last "S" line, "BYE", exit 0.  Setup failures: "FAIL what 0x<rc>",
 * exit 2.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acdharness.h"
#include "harness.h"
#include "tapitest.h"

#define REPLY_MS 10000
#define STAT_MS 250

static HLINEAPP g_app;
static HLINE g_line;
static unsigned long g_req, g_ok, g_fail;

static void fail(const char *what, LONG rc)
{
    g_fail++;
    printf("F %s 0x%08x\n", what, (unsigned)rc);
    fflush(stdout);
}

/* A synchronous call's result: counted; 0 or the error. */
static LONG sync_rc(const char *what, LONG rc)
{
    g_req++;
    if (rc)
        fail(what, rc);
    else
        g_ok++;
    return rc;
}

/* The result of request id (its LINE_REPLY, other messages dropped), or
 * lineGetMessage's error when none came within REPLY_MS. */
static LONG wait_reply(LONG id)
{
    if (id < 0)
        return id;
    int64_t deadline = now_ms() + REPLY_MS;
    for (;;) {
        LINEMESSAGE m;
        LONG rc = lineGetMessage(g_app, &m, (DWORD)ms_left(deadline));
        if (rc)
            return rc;
        if (m.dwMessageID == LINE_REPLY && (LONG)m.dwParam1 == id)
            return (LONG)m.dwParam2;
    }
}

/* Request id's result, counted like sync_rc. */
static LONG reply(const char *what, LONG id)
{
    return sync_rc(what, wait_reply(id));
}

static void drain(void)
{
    LINEMESSAGE m;
    while (lineGetMessage(g_app, &m, 0) == 0)
        ;
}

static LONG session_state(HAGENTSESSION s, DWORD *state)
{
    LINEAGENTSESSIONINFO si;
    memset(&si, 0, sizeof si);
    si.dwTotalSize = sizeof si;
    LONG rc = reply("sessioninfo", lineGetAgentSessionInfo(g_line, s, &si));
    *state = si.dwAgentSessionState;
    return rc;
}

/* The agent's session list into l (cap bytes); 0 or the error. */
static LONG session_list(HAGENT a, LINEAGENTSESSIONLIST *l, DWORD cap)
{
    memset(l, 0, cap);
    l->dwTotalSize = cap;
    return reply("sessionlist", lineGetAgentSessionList(g_line, a, l));
}

static union {
    LINEAGENTSESSIONLIST l;
    char b[1 << 16];
} sl;

/* A session of agent a in group g at address 0: new, or the one a killed
 * predecessor left (the only one of this agent not ended). */
static int get_session(HAGENT a, GUID *g, HAGENTSESSION *s)
{
    LONG id = lineCreateAgentSessionA(g_line, a, NULL, 0, g, s);
    g_req++;
    LONG rc = wait_reply(id);
    if (rc == 0) {
        g_ok++;
        return 0;
    }
    if (rc != (LONG)LINEERR_INVALAGENTSESSIONSTATE) {
        fail("createsession", rc);
        return -1;
    }
    g_ok++; /* the answer the spec gives here */
    if (session_list(a, &sl.l, sizeof sl))
        return -1;
    const LINEAGENTSESSIONENTRY *e = (const LINEAGENTSESSIONENTRY *)(sl.b + sl.l.dwListOffset);
    for (DWORD i = sl.l.dwNumEntries; i-- > 0;) {
        DWORD st;
        if (session_state(e[i].hAgentSession, &st))
            return -1;
        if (st != LINEAGENTSESSIONSTATE_ENDED) {
            *s = e[i].hAgentSession;
            return 0;
        }
    }
    fail("nosession", 0);
    return -1;
}

static void cycle(unsigned *seed, HAGENT agent, HAGENTSESSION sess, const GUID *group)
{
    static DWORD want = LINEAGENTSESSIONSTATE_NOTREADY;
    static union {
        LINEDEVCAPS d;
        LINEADDRESSCAPS a;
        LINEAGENTINFO i;
        LINEQUEUELIST q;
        char b[8192];
    } u;
    switch (rand_r(seed) % 5) {
    case 0: {
        HLINE l;
        DWORD dev = (DWORD)(rand_r(seed) % 8);
        if (sync_rc("open",
                    lineOpenA(g_app, dev, &l, API_HI, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, NULL)))
            break;
        memset(&u, 0, sizeof u);
        u.d.dwTotalSize = sizeof u;
        sync_rc("devcaps", lineGetDevCapsA(g_app, dev, API_HI, 0, &u.d));
        memset(&u, 0, sizeof u);
        u.a.dwTotalSize = sizeof u;
        sync_rc("addrcaps", lineGetAddressCapsA(g_app, dev, 0, API_HI, 0, &u.a));
        sync_rc("close", lineClose(l));
        break;
    }
    case 1: {
        want = want == LINEAGENTSESSIONSTATE_READY ? LINEAGENTSESSIONSTATE_NOTREADY
                                                   : LINEAGENTSESSIONSTATE_READY;
        DWORD st = 0;
        if (reply("setsession", lineSetAgentSessionState(g_line, sess, want, 0)) == 0 &&
            session_state(sess, &st) == 0 && st != want)
            fail("sessionstate-mismatch", (LONG)st);
        break;
    }
    case 2: {
        if (session_list(agent, &sl.l, sizeof sl))
            break;
        const LINEAGENTSESSIONENTRY *e = (const LINEAGENTSESSIONENTRY *)(sl.b + sl.l.dwListOffset);
        int found = 0;
        for (DWORD i = 0; i < sl.l.dwNumEntries; i++)
            found |= e[i].hAgentSession == sess;
        if (!found)
            fail("session-not-listed", 0);
        break;
    }
    case 3:
        reply("agentstate", lineSetAgentStateEx(g_line, agent,
                                                rand_r(seed) % 2 ? LINEAGENTSTATEEX_READY
                                                                 : LINEAGENTSTATEEX_NOTREADY,
                                                0));
        memset(&u, 0, sizeof u);
        u.i.dwTotalSize = sizeof u;
        reply("agentinfo", lineGetAgentInfo(g_line, agent, &u.i));
        break;
    default:
        memset(&u, 0, sizeof u);
        u.q.dwTotalSize = sizeof u;
        reply("queuelist", lineGetQueueListA(g_line, (GUID *)group, &u.q));
        break;
    }
}

static void stats(void)
{
    printf("S %lu %lu %lu\n", g_req, g_ok, g_fail);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: helper_soakapp AGENT LINE GROUP INTERVAL_MS SEED\n");
        return 64;
    }
    DWORD dev = (DWORD)strtoul(argv[2], NULL, 0);
    int interval = atoi(argv[4]);
    unsigned seed = (unsigned)strtoul(argv[5], NULL, 0);
    HAGENT agent = 0;
    HAGENTSESSION sess = 0;
    GUID group;
    LONG rc = app_init_event(&g_app, NULL, NULL);
    if (!rc)
        rc = lineOpenA(g_app, dev, &g_line, API_HI, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, NULL);
    if (rc) {
        printf("FAIL setup 0x%08x\n", (unsigned)rc);
        return 2;
    }
    if (reply("createagent", lineCreateAgentA(g_line, argv[1], NULL, &agent)) ||
        acd_find_group(g_app, g_line, argv[3], &group, NULL) || get_session(agent, &group, &sess)) {
        printf("FAIL agent 0x0\n");
        return 2;
    }
    printf("READY\n");
    stats();
    int64_t next_stat = now_ms() + STAT_MS;
    char cmd[64];
    size_t clen = 0;
    for (;;) {
        struct pollfd p = {.fd = 0, .events = POLLIN};
        int n = poll(&p, 1, interval);
        if (n > 0) {
            ssize_t k = read(0, cmd + clen, sizeof cmd - 1 - clen);
            if (k <= 0)
                break;
            clen += (size_t)k;
            cmd[clen] = 0;
            if (strstr(cmd, "crash")) {
                lineSetAgentStateEx(g_line, agent, LINEAGENTSTATEEX_READY, 0);
                sl.l.dwTotalSize = sizeof sl;
                lineGetAgentSessionList(g_line, agent, &sl.l);
                lineSetAgentSessionState(g_line, sess, LINEAGENTSESSIONSTATE_READY, 0);
                _exit(3);
            }
            if (strstr(cmd, "stop"))
                break;
            if (clen == sizeof cmd - 1)
                clen = 0;
        }
        drain();
        cycle(&seed, agent, sess, &group);
        if (now_ms() >= next_stat) {
            stats();
            next_stat = now_ms() + STAT_MS;
        }
    }
    sync_rc("shutdown", lineShutdown(g_app));
    stats();
    printf("BYE\n");
    return 0;
}
