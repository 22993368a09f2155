/* rawwire.c - a libtapi32-free wire connection (rawwire.h). */
#include "rawwire.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockpath.h"

int raw_connect(struct rawconn *c)
{
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    memset(c, 0, sizeof *c);
    c->fd = -1;
    if (sockpath_resolve(NULL, path, sizeof path))
        return ENAMETOOLONG;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
        int e = errno;
        close(fd);
        return e;
    }
    c->fd = fd;
    return 0;
}

int raw_send(struct rawconn *c, unsigned type, uint32_t seq, const void *msg)
{
    struct wbuf b = {0};
    if (wire_encode(&b, type, seq, msg, WIRE_MAX_FRAME_DEFAULT))
        return -1;
    size_t off = 0;
    while (off < b.len) {
        ssize_t n = send(c->fd, b.p + off, b.len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            wbuf_free(&b);
            return -1;
        }
        off += (size_t)n;
    }
    wbuf_free(&b);
    return 0;
}

int raw_read(struct rawconn *c, unsigned *type, uint32_t *seq, union wire_msg *m)
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

int raw_pending(const struct rawconn *c)
{
    return c->in.len > c->consumed;
}

int raw_call(struct rawconn *c, unsigned type, const void *msg, struct w_result *res)
{
    uint32_t seq = ++c->seq;
    if (raw_send(c, type, seq, msg))
        return -1;
    for (;;) {
        unsigned t;
        uint32_t s;
        union wire_msg m;
        if (raw_read(c, &t, &s, &m))
            return -1;
        if (t == W_RESULT && s == seq) {
            *res = m.result;
            return 0;
        }
    }
}

void raw_close(struct rawconn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    wbuf_free(&c->in);
    c->consumed = 0;
}
