/*
 * sockpath.h - where tapisrv listens; the server and every client resolve
 * it by the same rule so that they meet without configuration.
 */
#ifndef TAPIX_SOCKPATH_H
#define TAPIX_SOCKPATH_H

#include <stddef.h>

/*
 * Resolve the socket path into buf (cap bytes): `explicit_path` when not
 * NULL, else $TAPI_SERVER, else /run/tapix/tapisrv.sock for root, else
 * $XDG_RUNTIME_DIR/tapix/tapisrv.sock, else /tmp/tapix-$UID/tapisrv.sock.
 * Returns 0, or -1 when the result does not fit in buf or in a sun_path.
 */
int sockpath_resolve(const char *explicit_path, char *buf, size_t cap);

#endif
