/*
 * helper_acdnode - a call-center app on one node of several, driven line by
 * line on stdin, for the tests where apps on two tapisrv instances (each
 * with its own acdproxy on one shared store) must act at the same time.  A
 * process has one libtapi32 connection, so the second node's apps live here.
 *
 *   helper_acdnode SOCKET
 *
 * Connects to the tapisrv at SOCKET, opens every line (MONITOR, 2.2) and
 * prints "READY NLINES".  Then one answer line per command:
 *   agent ID                      -> AGENT 0xRC HAGENT
 *   session DEV HAGENT GROUP ADDR -> SESSION 0xRC HSESSION   (GROUP by name)
 *   state DEV HSESSION STATE NEXT -> STATE 0xRC
 *   info DEV HSESSION             -> INFO 0xRC STATE NEXT
 *   list DEV HAGENT               -> LIST 0xRC N H1 H2 ...
 *   groups                        -> GROUPS 0xRC NAME1 NAME2 ...
 *   churn DEV HAGENT GROUP N      -> CHURN 0xRC H1 ... (N sessions made and
 *                                    ended in turn; stops at the first error)
 *   clear                         -> CLEARED  (forget the messages kept so far)
 *   wait MSG P1 MS                -> GOT P1 P2 P3 | TIMEOUT  (P1 "*": any)
 *   exit
 * Numbers are decimal or 0x-hex.  Setup failures: "FAIL what 0xRC", exit 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acdharness.h"
#include "tapitest.h"

#define MAXLINES 16

static HLINEAPP app;
static HLINE lines[MAXLINES];
static DWORD nlines;
static struct acd_msgs keep;

static LONG call(LONG id)
{
    return acd_reply(app, id, &keep);
}

static HLINE line_of(const char *dev)
{
    unsigned long d = strtoul(dev, NULL, 0);
    return d < nlines ? lines[d] : 0;
}

union grouplist {
    LINEAGENTGROUPLIST l;
    char b[8192];
};

static LONG groups(union grouplist *gl)
{
    memset(gl, 0, sizeof *gl);
    gl->l.dwTotalSize = sizeof *gl;
    return call(lineGetGroupListA(lines[0], &gl->l));
}

static int find_group(const char *name, GUID *out)
{
    return acd_find_group(app, lines[0], name, out, &keep);
}

static LONG session(HLINE l, HAGENT ag, const char *group, DWORD addr, HAGENTSESSION *h)
{
    GUID g;
    *h = 0;
    if (find_group(group, &g))
        return (LONG)LINEERR_INVALAGENTGROUP;
    return call(lineCreateAgentSessionA(l, ag, NULL, addr, &g, h));
}

static void do_list(HLINE l, HAGENT ag)
{
    static HAGENTSESSION h[4096];
    DWORD n;
    LONG rc = acd_session_list(app, l, ag, h, 4096, &n, &keep);
    printf("LIST 0x%08x %u", (unsigned)rc, (unsigned)n);
    for (DWORD i = 0; i < n && i < 4096; i++)
        printf(" %u", (unsigned)h[i]);
    printf("\n");
}

static void do_churn(HLINE l, HAGENT ag, const char *group, long n)
{
    GUID g;
    LONG rc = find_group(group, &g) ? (LONG)LINEERR_INVALAGENTGROUP : 0;
    static char all[1 << 15];
    all[0] = 0;
    size_t alen = 0;
    for (long i = 0; i < n && !rc; i++) {
        HAGENTSESSION h = 0;
        rc = call(lineCreateAgentSessionA(l, ag, NULL, 0, &g, &h));
        if (!rc)
            rc = call(lineSetAgentSessionState(l, h, LINEAGENTSESSIONSTATE_ENDED, 0));
        if (!rc) {
            int k = snprintf(all + alen, sizeof all - alen, " %u", (unsigned)h);
            if (k > 0 && (size_t)k < sizeof all - alen)
                alen += (size_t)k;
        }
        keep.n = 0; /* many events; none is awaited */
    }
    printf("CHURN 0x%08x%s\n", (unsigned)rc, all);
}

static void do_wait(const char *msg, const char *p1, const char *ms)
{
    DWORD_PTR want = strcmp(p1, "*") ? (DWORD_PTR)strtoul(p1, NULL, 0) : ~(DWORD_PTR)0;
    LINEMESSAGE m;
    if (acd_wait_msg(app, &keep, (DWORD)strtoul(msg, NULL, 0), want, (int)strtol(ms, NULL, 0), &m))
        printf("TIMEOUT\n");
    else
        printf("GOT %u %u %u\n", (unsigned)m.dwParam1, (unsigned)m.dwParam2, (unsigned)m.dwParam3);
}

/* One command; 1 to stop. */
static int command(char *text)
{
    char *w[6] = {0};
    int n = 0;
    for (char *t = strtok(text, " \t\n"); t && n < 6; t = strtok(NULL, " \t\n"))
        w[n++] = t;
    if (!n)
        return 0;
#define U(i) strtoul(w[i], NULL, 0)
    if (!strcmp(w[0], "exit")) {
        return 1;
    } else if (!strcmp(w[0], "agent") && n == 2) {
        HAGENT h = 0;
        LONG rc = call(lineCreateAgentA(lines[0], w[1], NULL, &h));
        printf("AGENT 0x%08x %u\n", (unsigned)rc, (unsigned)h);
    } else if (!strcmp(w[0], "session") && n == 5) {
        HAGENTSESSION h;
        LONG rc = session(line_of(w[1]), (HAGENT)U(2), w[3], (DWORD)U(4), &h);
        printf("SESSION 0x%08x %u\n", (unsigned)rc, (unsigned)h);
    } else if (!strcmp(w[0], "state") && n == 5) {
        LONG rc = call(
            lineSetAgentSessionState(line_of(w[1]), (HAGENTSESSION)U(2), (DWORD)U(3), (DWORD)U(4)));
        printf("STATE 0x%08x\n", (unsigned)rc);
    } else if (!strcmp(w[0], "info") && n == 3) {
        LINEAGENTSESSIONINFO si;
        memset(&si, 0, sizeof si);
        si.dwTotalSize = sizeof si;
        LONG rc = call(lineGetAgentSessionInfo(line_of(w[1]), (HAGENTSESSION)U(2), &si));
        printf("INFO 0x%08x %u %u\n", (unsigned)rc, (unsigned)si.dwAgentSessionState,
               (unsigned)si.dwNextAgentSessionState);
    } else if (!strcmp(w[0], "list") && n == 3) {
        do_list(line_of(w[1]), (HAGENT)U(2));
    } else if (!strcmp(w[0], "groups") && n == 1) {
        union grouplist gl;
        LONG rc = groups(&gl);
        printf("GROUPS 0x%08x", (unsigned)rc);
        for (DWORD i = 0; !rc && i < gl.l.dwNumEntries; i++) {
            const LINEAGENTGROUPENTRY *e =
                (const LINEAGENTGROUPENTRY *)(gl.b + gl.l.dwListOffset) + i;
            printf(" %s", gl.b + e->dwNameOffset);
        }
        printf("\n");
    } else if (!strcmp(w[0], "churn") && n == 5) {
        do_churn(line_of(w[1]), (HAGENT)U(2), w[3], strtol(w[4], NULL, 0));
    } else if (!strcmp(w[0], "clear") && n == 1) {
        keep.n = 0;
        printf("CLEARED\n");
    } else if (!strcmp(w[0], "wait") && n == 4) {
        do_wait(w[1], w[2], w[3]);
    } else {
        printf("BAD command\n");
    }
#undef U
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: helper_acdnode SOCKET\n");
        return 64;
    }
    setenv("TAPI_SERVER", argv[1], 1);
    LONG rc = app_init_event(&app, &nlines, NULL);
    if (rc) {
        printf("FAIL init 0x%08x\n", (unsigned)rc);
        return 2;
    }
    if (nlines > MAXLINES)
        nlines = MAXLINES;
    for (DWORD i = 0; i < nlines; i++) {
        rc = lineOpenA(app, i, &lines[i], API_HI, 0, i, LINECALLPRIVILEGE_MONITOR, 0, NULL);
        if (rc) {
            printf("FAIL open 0x%08x\n", (unsigned)rc);
            return 2;
        }
    }
    printf("READY %u\n", (unsigned)nlines);
    fflush(stdout);
    char buf[512];
    while (fgets(buf, sizeof buf, stdin))
        if (command(buf))
            break;
    lineShutdown(app);
    return 0;
}
