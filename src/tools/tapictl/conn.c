/*
 * conn.c - getting to a line: lineInitializeEx with an event descriptor,
 * choosing the line device (the first one with an ACD proxy unless --line
 * says otherwise), lineNegotiateAPIVersion and lineOpen.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tapictl.h"

/* Where the library will look for tapisrv: the same rule it applies
   (--server / TAPI_SERVER, then the per-user defaults).  Only for messages. */
static void socket_path(char *buf, size_t cap)
{
    const char *env = getenv("TAPI_SERVER"), *xdg = getenv("XDG_RUNTIME_DIR");
    if (env && *env)
        snprintf(buf, cap, "%s", env);
    else if (geteuid() == 0)
        snprintf(buf, cap, "/run/tapix/tapisrv.sock");
    else if (xdg && *xdg)
        snprintf(buf, cap, "%s/tapix/tapisrv.sock", xdg);
    else
        snprintf(buf, cap, "/tmp/tapix-%u/tapisrv.sock", (unsigned)geteuid());
}

int ctl_init(struct ctl *c)
{
    if (c->server && setenv("TAPI_SERVER", c->server, 1))
        return ctl_error(c, EXIT_FAILURE, "error", "cannot set TAPI_SERVER");
    /* USEEVENT: messages wait in a queue that lineGetMessage reads, and
       Handles.hEvent is a descriptor that polls readable meanwhile. */
    LINEINITIALIZEEXPARAMS params;
    memset(&params, 0, sizeof params);
    params.dwTotalSize = sizeof params;
    params.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
    DWORD version = CTL_API_VERSION; /* in: ours; out: the highest TAPI has */
    LONG rc = lineInitializeExA(&c->app, NULL, NULL, "tapictl", &c->num_devs, &version, &params);
    if (rc == (LONG)LINEERR_OPERATIONFAILED) {
        char path[256];
        socket_path(path, sizeof path);
        return ctl_error(c, EXIT_UNREACHABLE, "unreachable",
                         "cannot reach tapisrv at %s (is it running? see --server)", path);
    }
    if (rc)
        return ctl_fail(c, "lineInitializeEx", rc);
    c->event_fd = (int)(intptr_t)params.Handles.hEvent;
    return 0;
}

LONG ctl_negotiate(struct ctl *c, DWORD dev, DWORD *version)
{
    LINEEXTENSIONID ext;
    return lineNegotiateAPIVersion(c->app, dev, CTL_API_LOW, CTL_API_VERSION, version, &ext);
}

/* How many request types a proxy handler serves on dev (lineGetProxyStatus,
   a synchronous TAPI 2.2 function); 0 when none or on error. */
static DWORD proxy_count(struct ctl *c, DWORD dev)
{
    LINEPROXYREQUESTLIST list;
    memset(&list, 0, sizeof list);
    list.dwTotalSize = sizeof list; /* dwNumEntries is filled even when too small */
    if (lineGetProxyStatus(c->app, dev, CTL_API_VERSION, &list))
        return 0;
    return list.dwNumEntries;
}

int ctl_open(struct ctl *c)
{
    int ex = ctl_init(c);
    if (ex)
        return ex;
    if (c->line_opt >= 0) {
        c->dev = (DWORD)c->line_opt;
    } else {
        c->dev = 0; /* no proxy anywhere: requests on line 0 say so */
        for (DWORD d = 0; d < c->num_devs; d++)
            if (proxy_count(c, d)) {
                c->dev = d;
                break;
            }
    }
    LONG rc = ctl_negotiate(c, c->dev, &c->version);
    if (rc)
        return ctl_fail(c, "lineNegotiateAPIVersion", rc);
    /* Monitor privilege: tapictl owns no calls.  lpCallParams is only
       needed with LINEMAPPER or LINEOPENOPTION_PROXY. */
    rc = lineOpenA(c->app, c->dev, &c->line, c->version, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, NULL);
    if (rc)
        return ctl_fail(c, "lineOpen", rc);
    return 0;
}

void ctl_close(struct ctl *c)
{
    if (c->line)
        lineClose(c->line);
    if (c->app)
        lineShutdown(c->app); /* closes lines and cancels requests too */
    c->line = 0;
    c->app = 0;
}

bool ctl_server_gone(struct ctl *c)
{
    if (!c->app)
        return false;
    /* When the connection drops, the library fails the requests in flight
       and then queues LINE_CLOSE for every open line. */
    LINEMESSAGE m;
    while (!c->lost && lineGetMessage(c->app, &m, 0) == 0)
        if (m.dwMessageID == LINE_CLOSE)
            c->lost = true;
    if (c->lost)
        return true;
    /* No line open: a round trip tells. */
    DWORD v;
    return ctl_negotiate(c, 0, &v) == (LONG)LINEERR_OPERATIONFAILED;
}
