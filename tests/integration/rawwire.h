/*
 * rawwire.h - a wire-protocol peer without libtapi32 (src/common/wire.h),
 * for tests that must send what the library never would: the raw proxy
 * handler (helper_rawproxy) and the hostile clients of test_faults.
 *
 * One connection per struct rawconn; nothing asserts; blocking I/O.
 */
#ifndef TAPIX_IT_RAWWIRE_H
#define TAPIX_IT_RAWWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct rawconn {
    int fd;          /* -1 when not connected */
    struct wbuf in;  /* received bytes; the last frame read stays until the next read */
    size_t consumed; /* bytes of in the last rw_read returned */
    uint32_t seq;    /* last seq used by rw_call */
};

/* Connect to the server $TAPI_SERVER names (sockpath_resolve).  0, or -1
 * with errno set (EACCES: the socket's mode and group keep us out). */
int rw_connect(struct rawconn *c);
/* Close and free. */
void rw_close(struct rawconn *c);

/* Write all len bytes (MSG_NOSIGNAL).  0, or -1 with errno set. */
int rw_write(struct rawconn *c, const void *p, size_t len);
/* Encode one frame (limit WIRE_MAX_FRAME_DEFAULT) and write it.  0 / -1. */
int rw_send(struct rawconn *c, unsigned type, uint32_t seq, const void *msg);
/* Read until one whole frame is buffered and decode it; blobs point into
 * c->in until the next call.  0, or -1 on EOF, an error or a bad frame. */
int rw_read(struct rawconn *c, unsigned *type, uint32_t *seq, union wire_msg *m);
/* Is a whole frame or part of one buffered and not yet returned? */
int rw_pending(const struct rawconn *c);
/* Send a request with the next seq and read until its RESULT (events
 * before it are dropped).  0 / -1. */
int rw_call(struct rawconn *c, unsigned type, const void *msg, struct w_result *res);
/* HELLO as app version ver with this friendly name.  The server's answer
 * must be 0.  0 / -1. */
int rw_hello(struct rawconn *c, uint32_t ver, const char *name);

#endif
