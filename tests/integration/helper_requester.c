/*
 * helper_requester - a requesting TAPI app in its own process, for the
 * proxy tests with several requesters.
 *
 *   helper_requester [--dev N] [--count N]
 *       lineInitializeExA (USEEVENT, 2.2), lineOpenA(dev, MONITOR, 2.2,
 *       instance 0x5151), then N requests without reading any message:
 *       even i: lineCreateAgentSessionA(hAgent 0x100 + i) into a handle,
 *       odd i: lineGetAgentStatusW(address 0) into a 512-byte buffer with
 *       guard bytes.  Prints "IDS <id> ... <id>".
 *       Then for every LINE_REPLY: "REPLY <id> 0x<result> <ok>", where ok
 *       is 1 when the output is right (success: the handle is 0x2000 +
 *       hAgent / the structure is valid and the guard intact; failure: the
 *       output untouched), else 0.  After the N-th: "DONE", and waits for
 *       EOF on stdin (or "exit") before lineShutdown.  No reply for 20 s:
 *       "TIMEOUT <n missing>", exit 1.
 * Setup failures print "FAIL what 0xRC" and exit 2; usage errors exit 64.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxytest.h"
#include "tapitest.h"

#define MAXN 1024
#define STATUS_SIZE 512u

static int usage(void)
{
    fprintf(stderr, "usage: helper_requester [--dev N] [--count N]\n");
    return 64;
}

int main(int argc, char **argv)
{
    DWORD dev = 0;
    long n = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--dev"))
            dev = (DWORD)strtoul(argv[i + 1], NULL, 0);
        else if (!strcmp(argv[i], "--count"))
            n = strtol(argv[i + 1], NULL, 0);
        else
            return usage();
    }
    if (n < 1 || n > MAXN || argc % 2 == 0)
        return usage();

    HLINEAPP app;
    HLINE line;
    LONG rc = app_init_event(&app, NULL, NULL);
    if (rc == 0)
        rc = lineOpenA(app, dev, &line, API_HI, 0, 0x5151, LINECALLPRIVILEGE_MONITOR, 0, NULL);
    if (rc != 0) {
        printf("FAIL setup 0x%08x\n", (unsigned)rc);
        return 2;
    }
    static HAGENTSESSION slot[MAXN];
    static void *buf[MAXN];
    static LONG ids[MAXN];
    GUID g;
    pt_guid(1, 2, &g);
    printf("IDS");
    for (long i = 0; i < n; i++) {
        slot[i] = 0xAAAAAAAAu;
        if (i % 2 == 0) {
            ids[i] = lineCreateAgentSessionA(line, 0x100 + (HAGENT)i, NULL, 0, &g, &slot[i]);
        } else {
            buf[i] = vs_alloc(STATUS_SIZE);
            ids[i] = lineGetAgentStatusW(line, 0, buf[i]);
        }
        printf(" %ld", (long)ids[i]);
    }
    printf("\n");
    fflush(stdout);

    long left = 0;
    for (long i = 0; i < n; i++)
        left += ids[i] > 0;
    while (left > 0) {
        LINEMESSAGE m;
        if (lineGetMessage(app, &m, 20000) != 0) {
            printf("TIMEOUT %ld\n", left);
            return 1;
        }
        if (m.dwMessageID != LINE_REPLY)
            continue;
        long i;
        for (i = 0; i < n && ids[i] != (LONG)m.dwParam1; i++)
            ;
        int ok = 0;
        LONG res = (LONG)m.dwParam2;
        if (i < n && i % 2 == 0)
            ok = res == 0 ? slot[i] == 0x2000u + 0x100u + (HAGENT)i : slot[i] == 0xAAAAAAAAu;
        else if (i < n) {
            uint8_t *b = buf[i];
            ok = vs_guard_ok(b, STATUS_SIZE);
            if (res != 0)
                for (DWORD k = 4; k < STATUS_SIZE; k++)
                    ok &= b[k] == GUARD_BYTE;
            else
                ok &= ((LINEAGENTSTATUS *)b)->dwUsedSize >= sizeof(LINEAGENTSTATUS);
        }
        printf("REPLY %ld 0x%08x %d\n", (long)m.dwParam1, (unsigned)res, ok);
        fflush(stdout);
        if (i < n) {
            ids[i] = 0; /* a second reply for it would be "unknown" */
            left--;
        }
    }
    printf("DONE\n");
    fflush(stdout);
    char c[64];
    while (read(0, c, sizeof c) > 0)
        ;
    lineShutdown(app);
    return 0;
}
