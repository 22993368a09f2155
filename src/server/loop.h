/*
 * loop.h - the epoll event loop.
 *
 * Level-triggered: a handler may leave data unread (fairness across many
 * clients) and epoll reports it again.  Before each wait the loop writes
 * pending output and frees clients closed during the previous batch, so no
 * handler ever sees a freed client.
 */
#ifndef TAPISRV_LOOP_H
#define TAPISRV_LOOP_H

#include <stdint.h>

#include "server.h"

/* Create the epoll instance.  Returns 0 or -1 (errno set). */
int loop_init(struct server *srv);

/* Register, change or remove src->fd.  Return 0 or -1 (errno set). */
int loop_add(struct server *srv, struct ev_source *src, uint32_t events);
int loop_mod(struct server *srv, struct ev_source *src, uint32_t events);
int loop_del(struct server *srv, struct ev_source *src);

/* Write pending output, free closed clients, wait up to timeout_ms (-1:
 * forever) and dispatch what came.  Returns the number of events handled.
 * loop_run is this in a loop; tests call it directly. */
int loop_once(struct server *srv, int timeout_ms);

/* Dispatch events until srv->stopping is set. */
void loop_run(struct server *srv);

/* After a stop: keep writing queued output until every client's queue is
 * empty or timeout_ms have passed in total. */
void loop_drain(struct server *srv, int timeout_ms);

void loop_close(struct server *srv);

#endif
