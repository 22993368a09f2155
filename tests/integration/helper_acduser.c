/*
 * helper_acduser - a requester running as another OS user, for acdproxy's
 * "who may act for an agent" tests.
 *
 *   helper_acduser UID GID HAGENT_BOUND HAGENT_PIN HSESSION QUEUE PIN
 *
 * Drops to UID/GID (no supplementary groups) before it touches TAPI, opens
 * line 0 (MONITOR, 2.2) on $TAPI_SERVER and prints one line per call,
 * "NAME 0xRESULT" (the LINE_REPLY result, or the synchronous error), then
 * "DONE".  HAGENT_BOUND is an agent bound to another user and without PIN
 * rights for us; HAGENT_PIN an agent whose PIN is PIN.  Setup failures:
 * "FAIL what 0xRC", exit 2.
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acdharness.h"
#include "tapitest.h"

static HLINEAPP app;

static void show(const char *name, LONG id)
{
    LONG r = acd_reply(app, id, NULL);
    printf("%s 0x%08x\n", name, (unsigned)r);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr,
                "usage: helper_acduser UID GID HAGENT_BOUND HAGENT_PIN HSESSION QUEUE PIN\n");
        return 64;
    }
    uid_t uid = (uid_t)strtoul(argv[1], NULL, 0);
    gid_t gid = (gid_t)strtoul(argv[2], NULL, 0);
    HAGENT bound = (HAGENT)strtoul(argv[3], NULL, 0), withpin = (HAGENT)strtoul(argv[4], NULL, 0);
    HAGENTSESSION sess = (HAGENTSESSION)strtoul(argv[5], NULL, 0);
    DWORD queue = (DWORD)strtoul(argv[6], NULL, 0);
    const char *pin = argv[7];
    if (setgroups(0, NULL) || setgid(gid) || setuid(uid)) {
        printf("FAIL setuid 0x0\n");
        return 2;
    }
    HLINE line;
    LONG rc = app_init_event(&app, NULL, NULL);
    if (rc == 0)
        rc = lineOpenA(app, 0, &line, API_HI, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, NULL);
    if (rc) {
        printf("FAIL setup 0x%08x\n", (unsigned)rc);
        return 2;
    }
    HAGENT h = 0;
    show("createagent_bound_nopin", lineCreateAgentA(line, "1001", NULL, &h));
    show("createagent_null", lineCreateAgentA(line, NULL, NULL, &h));
    show("createagent_wrongpin", lineCreateAgentA(line, "1002", "not-the-pin", &h));
    show("setstateex_bound", lineSetAgentStateEx(line, bound, LINEAGENTSTATEEX_READY, 0));
    show("setperiod_bound", lineSetAgentMeasurementPeriod(line, bound, 30));
    show("setsessionstate_bound",
         lineSetAgentSessionState(line, sess, LINEAGENTSESSIONSTATE_READY, 0));
    /* a group to log into: the first of the group list (reading needs no right) */
    union {
        LINEAGENTGROUPLIST l;
        char b[4096];
    } gl;
    memset(&gl, 0, sizeof gl);
    gl.l.dwTotalSize = sizeof gl;
    show("getgrouplist", lineGetGroupListA(line, &gl.l));
    GUID g;
    memset(&g, 0, sizeof g);
    if (gl.l.dwNumEntries)
        memcpy(&g, gl.b + gl.l.dwListOffset, sizeof g);
    HAGENTSESSION hs = 0;
    show("createsession_bound", lineCreateAgentSessionA(line, bound, NULL, 0, &g, &hs));
    show("createsession_wrongpin",
         lineCreateAgentSessionA(line, withpin, "not-the-pin", 0, &g, &hs));
    LINEAGENTINFO ai;
    memset(&ai, 0, sizeof ai);
    ai.dwTotalSize = sizeof ai;
    show("getagentinfo_bound", lineGetAgentInfo(line, bound, &ai));
    union {
        LINEAGENTSTATUS s;
        char b[2048];
    } st;
    memset(&st, 0, sizeof st);
    st.s.dwTotalSize = sizeof st;
    show("getagentstatus_nobound", lineGetAgentStatusA(line, 0, &st.s));
    show("setqueueperiod", lineSetQueueMeasurementPeriod(line, queue, 30));
    /* the right PIN grants us the agent: later changes need no PIN */
    show("createagent_rightpin", lineCreateAgentA(line, "1002", pin, &h));
    printf("handle %u\n", (unsigned)h);
    show("setstateex_granted", lineSetAgentStateEx(line, withpin, LINEAGENTSTATEEX_READY, 0));
    show("createsession_granted", lineCreateAgentSessionA(line, withpin, NULL, 0, &g, &hs));
    show("setstateex_bound_again", lineSetAgentStateEx(line, bound, LINEAGENTSTATEEX_READY, 0));
    printf("DONE\n");
    fflush(stdout);
    lineShutdown(app);
    return 0;
}
