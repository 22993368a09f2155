/*
 * listener.h - the listening Unix socket: where it lives, who may connect,
 * and accepting connections.
 */
#ifndef TAPISRV_LISTENER_H
#define TAPISRV_LISTENER_H

#include <stddef.h>

#include "server.h"

enum { LISTENER_OK = 0, LISTENER_ERROR = -1, LISTENER_RUNNING = -2 };

/*
 * Listen on srv->sock_path: create missing parent directories (mode 0750),
 * replace a stale socket file (nobody answers on it), refuse a live one,
 * set mode 0660 and the configured group, and register with the loop.
 * Returns LISTENER_OK, LISTENER_RUNNING when another server answers on the
 * path, or LISTENER_ERROR; err then holds the reason.
 */
int listener_open(struct server *srv, char *err, size_t errlen);

/* Stop accepting (the socket file stays until listener_close). */
void listener_stop(struct server *srv);

/* Close the socket and remove its file if we created it. */
void listener_close(struct server *srv);

#endif
