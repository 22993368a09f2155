/* sockpath.c - the shared socket path rule (see sockpath.h). */
#include "sockpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/un.h>
#include <unistd.h>

int sockpath_resolve(const char *explicit_path, char *buf, size_t cap)
{
    const char *env = getenv("TAPI_SERVER");
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    int n;
    if (explicit_path && *explicit_path)
        n = snprintf(buf, cap, "%s", explicit_path);
    else if (env && *env)
        n = snprintf(buf, cap, "%s", env);
    else if (geteuid() == 0)
        n = snprintf(buf, cap, "/run/tapix/tapisrv.sock");
    else if (xdg && *xdg)
        n = snprintf(buf, cap, "%s/tapix/tapisrv.sock", xdg);
    else
        n = snprintf(buf, cap, "/tmp/tapix-%u/tapisrv.sock", (unsigned)geteuid());
    /* A Unix socket path must fit sun_path with its NUL. */
    if (n < 0 || (size_t)n >= cap || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return -1;
    return 0;
}
