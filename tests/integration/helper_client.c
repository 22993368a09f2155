/*
 * helper_client - a TAPI client process driven by argv, for the
 * multi-process integration tests.  Exec'ed by the tests (never forked from
 * a process that initialized libtapi32).
 *
 *   helper_client open N [DEV]
 *       lineInitializeExA (USEEVENT), open N lines on device DEV (default 0)
 *       with LINECALLPRIVILEGE_MONITOR and dwCallbackInstance 1..N, print
 *       "READY h1 h2 ... hN\n" and flush; then wait in lineGetMessage.
 *       When every line got its LINE_CLOSE: print "CLOSED h1 ... hN\n"
 *       (in arrival order) and exit 0.  A LINE_CLOSE for an unknown handle,
 *       a duplicate one or a wrong dwCallbackInstance: "BAD ..." and exit 4.
 *       lineGetMessage failing: "ERROR 0xRC\n", exit 3.
 *   Setup failures print "FAIL what 0xRC\n" and exit 2; usage errors exit 64.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tapitest.h"

#define MAXL 64

static int usage(void)
{
    fprintf(stderr, "usage: helper_client open N [DEV]\n");
    return 64;
}

int main(int argc, char **argv)
{
    HLINEAPP app;
    HLINE lines[MAXL];
    int closed[MAXL] = {0};
    HLINE order[MAXL];
    int nclosed = 0;
    DWORD ndevs = 0, dev = 0;
    long n;
    LONG rc;

    if (argc < 3 || strcmp(argv[1], "open") != 0)
        return usage();
    n = strtol(argv[2], NULL, 10);
    if (n < 1 || n > MAXL)
        return usage();
    if (argc > 3)
        dev = (DWORD)strtoul(argv[3], NULL, 10);

    rc = app_init_event(&app, &ndevs, NULL);
    if (rc != 0) {
        printf("FAIL init 0x%08x\n", (unsigned)rc);
        return 2;
    }
    for (long i = 0; i < n; i++) {
        lines[i] = 0;
        rc = open_monitor(app, dev, &lines[i], (DWORD_PTR)(i + 1));
        if (rc != 0 || lines[i] == 0) {
            printf("FAIL open 0x%08x\n", (unsigned)rc);
            return 2;
        }
    }
    printf("READY");
    for (long i = 0; i < n; i++)
        printf(" %u", (unsigned)lines[i]);
    printf("\n");
    fflush(stdout);

    while (nclosed < n) {
        LINEMESSAGE m;
        rc = lineGetMessage(app, &m, INFINITE);
        if (rc != 0) {
            printf("ERROR 0x%08x\n", (unsigned)rc);
            return 3;
        }
        if (m.dwMessageID != LINE_CLOSE)
            continue;
        long k;
        for (k = 0; k < n; k++)
            if (lines[k] == m.hDevice)
                break;
        if (k == n || closed[k] || m.dwCallbackInstance != (DWORD_PTR)(k + 1)) {
            printf("BAD LINE_CLOSE %u instance %lu\n", (unsigned)m.hDevice,
                   (unsigned long)m.dwCallbackInstance);
            return 4;
        }
        closed[k] = 1;
        order[nclosed++] = m.hDevice;
    }
    printf("CLOSED");
    for (int i = 0; i < nclosed; i++)
        printf(" %u", (unsigned)order[i]);
    printf("\n");
    fflush(stdout);
    lineShutdown(app);
    return 0;
}
