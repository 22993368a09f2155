/*
 * rawwire.h - a client connection that speaks the wire protocol
 * (src/common/wire.h, docs/PROTOCOL.md) itself instead of using libtapi32,
 * for the helpers that must send what the library never would: answers for
 * requests they were not given, forged identities.
 *
 * Like harness.h, nothing here asserts.
 */
#ifndef TAPIX_IT_RAWWIRE_H
#define TAPIX_IT_RAWWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct rawconn {
    int fd;          /* -1 when closed */
    struct wbuf in;  /* bytes received and not yet consumed */
    size_t consumed; /* the frame raw_read returned last, dropped on the next call */
    uint32_t seq;    /* the last request's seq */
};

/* Connect to the server libtapi32 would use ($TAPI_SERVER & co.).  Returns
 * 0, or the errno of socket(2)/connect(2) (the connection stays closed). */
int raw_connect(struct rawconn *c);

/* Encode and send one frame.  0 or -1. */
int raw_send(struct rawconn *c, unsigned type, uint32_t seq, const void *msg);

/* Read until one whole frame is buffered and decode it.  The frame stays
 * buffered until the next call (decoded blobs point into it).  0, or -1 on
 * EOF or a frame that does not decode. */
int raw_read(struct rawconn *c, unsigned *type, uint32_t *seq, union wire_msg *m);

/* Is a whole frame or part of one buffered and not yet returned? */
int raw_pending(const struct rawconn *c);

/* Send a request with the next seq and wait for its RESULT; frames before it
 * are dropped.  0 or -1. */
int raw_call(struct rawconn *c, unsigned type, const void *msg, struct w_result *res);

/* Close and free. */
void raw_close(struct rawconn *c);

#endif
