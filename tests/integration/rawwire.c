/*
 * rawwire.c - see rawwire.h.
 */
#include "rawwire.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockpath.h"

int rw_connect(struct rawconn *c)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memset(c, 0, sizeof *c);
    c->fd = -1;
    if (sockpath_resolve(NULL, sa.sun_path, sizeof sa.sun_path))
        return -1;
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa)) {
        int e = errno; /* the caller may want to know why (EACCES) */
        close(c->fd);
        c->fd = -1;
        errno = e;
        return -1;
    }
    return 0;
}

int rw_pending(const struct rawconn *c)
{
    return c->in.len > c->consumed;
}

void rw_close(struct rawconn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    wbuf_free(&c->in);
    c->consumed = 0;
}

int rw_write(struct rawconn *c, const void *p, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(c->fd, (const uint8_t *)p + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

int rw_send(struct rawconn *c, unsigned type, uint32_t seq, const void *msg)
{
    struct wbuf b = {0};
    if (wire_encode(&b, type, seq, msg, WIRE_MAX_FRAME_DEFAULT))
        return -1;
    int rc = rw_write(c, b.p, b.len);
    wbuf_free(&b);
    return rc;
}

int rw_read(struct rawconn *c, unsigned *type, uint32_t *seq, union wire_msg *m)
{
    wbuf_consume(&c->in, c->consumed);
    c->consumed = 0;
    for (;;) {
        if (c->in.len >= WIRE_HDR) {
            long fl = wire_peek(c->in.p, c->in.len, WIRE_MAX_FRAME_DEFAULT);
            if (fl < 0)
                return -1;
            if (c->in.len >= (size_t)fl) {
                if (wire_decode(c->in.p, (uint32_t)fl, WIRE_MAX_FRAME_DEFAULT, type, seq, m))
                    return -1;
                c->consumed = (size_t)fl;
                return 0;
            }
        }
        if (wbuf_reserve(&c->in, 65536))
            return -1;
        ssize_t n = recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        c->in.len += (size_t)n;
    }
}

int rw_call(struct rawconn *c, unsigned type, const void *msg, struct w_result *res)
{
    uint32_t seq = ++c->seq;
    if (rw_send(c, type, seq, msg))
        return -1;
    for (;;) {
        unsigned t;
        uint32_t s;
        union wire_msg m;
        if (rw_read(c, &t, &s, &m))
            return -1;
        if (t == W_RESULT && s == seq) {
            *res = m.result;
            return 0;
        }
    }
}

int rw_hello(struct rawconn *c, uint32_t ver, const char *name)
{
    struct w_hello hello = {.magic = WIRE_MAGIC,
                            .proto = WIRE_PROTO,
                            .api_version = ver,
                            .pid = (uint32_t)getpid(),
                            .name = wire_str(name)};
    struct w_result res;
    return rw_call(c, W_HELLO, &hello, &res) || res.result ? -1 : 0;
}
