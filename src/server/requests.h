/*
 * requests.h - proxy requests in flight: routing a REQUEST to the handler
 * of its type, the table of requests pending at handlers, the handler's
 * RESPONSE back to the requester, and the proxy timeout.
 *
 * A pending request (struct preq) is reachable four ways:
 *   - by proxy id, through a hash table: RESPONSE names it so;
 *   - in creation order, which is also deadline order because every
 *     request gets the same timeout: one timerfd armed for the oldest;
 *   - from its handler's open: when that open goes, each of its requests
 *     completes with LINEERR_OPERATIONFAILED;
 *   - from its requester's client: when the requester closes the line,
 *     shuts down or disconnects, its requests are orphaned (the handler's
 *     answer is then dropped) but stay pending at the handler.
 *
 * Every peer is untrusted: the request body and the handler's output are
 * checked against the request table (src/common/proxytab.c) before they
 * are passed on.
 */
#ifndef TAPISRV_REQUESTS_H
#define TAPISRV_REQUESTS_H

#include <stddef.h>
#include <stdint.h>

#include "list.h"
#include "proxytab.h"
#include "wire.h"

struct server;
struct client;
struct open;

struct preq {
    uint32_t proxy_id;
    uint32_t type;
    struct client *requester; /* NULL once orphaned */
    uint32_t req_hline;       /* the requester's hLine; 0 for GETAGENTCAPS by device */
    uint32_t reqid;           /* the requester's request id */
    uint32_t req_version;     /* the version that sizes the output structure */
    uint32_t given;           /* OUT_STRUCT: embedded dwTotalSize; OUT_PARAMS: dwSize */
    struct open *handler;
    uint64_t deadline_ns;          /* CLOCK_MONOTONIC */
    struct list_node all;          /* creation (= deadline) order */
    struct list_node at_handler;   /* handler->pending */
    struct list_node at_requester; /* requester->preqs, unlinked once orphaned */
    struct preq *h_next;           /* hash chain */
};

struct preq_table {
    struct list_node all;
    struct preq **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
    uint32_t next_id;
    uint64_t armed_ns; /* what the timer (srv->proxy_timer) is set to; 0 = not armed */
};

/* Create the table and its timer and register the timer with the loop
 * (srv->epfd must exist).  Returns 0 or -1 (errno set). */
int requests_init(struct server *srv);

/* Forget every pending request without a word to anybody (server exit),
 * close the timer. */
void requests_free(struct server *srv);

/* REQUEST from c (one-way): route it, or complete it with LINE_REPLY(error). */
void requests_on_request(struct server *srv, struct client *c, const struct w_request *m);

/* RESPONSE from c (one-way): check it and complete the request. */
void requests_on_response(struct server *srv, struct client *c, const struct w_response *m);

/* The handler open o goes: each request pending at it completes with
 * LINE_REPLY(LINEERR_OPERATIONFAILED), oldest first (nothing is sent while
 * the server exits). */
void requests_handler_gone(struct server *srv, struct open *o);

/* Requester c closed line hline (0: shut down or disconnected, every line
 * and GETAGENTCAPS too): its requests are orphaned. */
void requests_orphan(struct server *srv, struct client *c, uint32_t hline);

/* Complete every request whose deadline is at or before now_ns (the timer
 * does this; tests may call it). */
void requests_expire(struct server *srv, uint64_t now_ns);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t requests_now_ns(void);

/* The pending request with this proxy id, or NULL. */
struct preq *requests_find(const struct server *srv, uint32_t proxy_id);

/*
 * Check a REQUEST body for type t from a requester whose version is ver
 * (see docs/PROTOCOL.md).  On success returns 0 and sets *given (the
 * embedded dwTotalSize for an output structure, dwSize for a parameter
 * block, else 0); else LINEERR_INVALPARAM with *why set.
 */
uint32_t requests_check_body(const struct px_type *t, const uint8_t *body, uint32_t len,
                             uint32_t ver, uint32_t max_frame, uint32_t *given, const char **why);

/*
 * Check a successful RESPONSE's output for the pending request q.  Returns
 * 0, or -1 with *why set when it must not reach the requester.
 */
int requests_check_output(const struct preq *q, const uint8_t *out, uint32_t len, const char **why);

#endif
