/*
 * dispatch.h - request handlers: one decoded frame in, one RESULT out.
 *
 * Every request is answered, errors included (as LINEERR_ values in
 * RESULT.result).  A frame that breaks the protocol itself (undecodable,
 * wrong type, anything before HELLO, a second HELLO) ends that one
 * connection and nothing else.
 */
#ifndef TAPISRV_DISPATCH_H
#define TAPISRV_DISPATCH_H

#include <stdint.h>

#include "server.h"

struct client;

/* Decode and handle one complete frame of len bytes from c.  May close c. */
void dispatch_frame(struct server *srv, struct client *c, const uint8_t *frame, uint32_t len);

/* Release what c holds in the server (its opens), as lineShutdown does.
 * Called for SHUTDOWN and whenever a connection ends. */
void dispatch_release(struct server *srv, struct client *c);

/* Server stop: queue a LINE_CLOSE event for every open line of every client. */
void dispatch_stop(struct server *srv);

#endif
