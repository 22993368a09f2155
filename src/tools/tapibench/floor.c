/*
 * floor.c - the floors the TAPI figures are compared with.
 *
 * Relay floor: the process topology of one proxy request in tapix with
 * nothing but the messaging left.  This process is the requester; a forked
 * "relay" process plays tapisrv and a forked "echo" process plays the
 * handler (acdproxy).  Requester <-> relay and relay <-> echo are Unix
 * stream socket pairs; every message is a frame with the wire protocol's
 * 12-byte header (u32 len, u16 type, u16 flags, u32 seq) padded to the size
 * of the corresponding tapix frame.  The relay and the echo read what is
 * there, turn every complete frame into one frame of the next size, and
 * write them with one write() per batch: the cheapest correct relay.
 *
 * fdatasync floor: write 4 KiB and fdatasync, in a file in the database's
 * directory (for PostgreSQL: the directory holding its data directory).  The file is preallocated
 * and synced first and the writes cycle through its first MiB (as SQLite's WAL does after a
 * checkpoint), so each fdatasync flushes data, not a growing file's metadata.
 */
#include "tapibench.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define HDR 12u
#define BUFSZ (1u << 20)

struct tb_relay {
    pid_t relay, echo;
    int fd; /* requester's end */
    struct tb_sizes sz;
    uint8_t *in, *out;
};

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Append a frame of `size` bytes with seq to out. */
static size_t frame(uint8_t *out, uint32_t size, uint16_t type, uint32_t seq)
{
    put32(out, size);
    out[4] = (uint8_t)type;
    out[5] = (uint8_t)(type >> 8);
    out[6] = out[7] = 0;
    put32(out + 8, seq);
    memset(out + HDR, 0x5a, size - HDR);
    return size;
}

/* A buffered frame stream: read what is there, hand out complete frames. */
struct stream {
    int fd;
    uint8_t *buf;
    size_t len;
};

/* Read once; calls fn(seq) for every complete frame, then keeps the rest.
 * Returns the number of frames, -1 on EOF or error. */
static int pump(struct stream *s, void (*fn)(void *, uint32_t), void *ctx)
{
    ssize_t n = read(s->fd, s->buf + s->len, BUFSZ - s->len);
    if (n < 0 && errno == EINTR)
        return 0;
    if (n <= 0)
        return -1;
    s->len += (size_t)n;
    size_t off = 0;
    int frames = 0;
    while (s->len - off >= HDR) {
        uint32_t len = get32(s->buf + off);
        if (len < HDR || len > BUFSZ)
            return -1;
        if (s->len - off < len)
            break;
        fn(ctx, get32(s->buf + off + 8));
        off += len;
        frames++;
    }
    memmove(s->buf, s->buf + off, s->len - off);
    s->len -= off;
    return frames;
}

struct out {
    uint8_t *p;
    size_t len;
    uint32_t size;
    uint16_t type;
};

static void emit(void *ctx, uint32_t seq)
{
    struct out *o = ctx;
    o->len += frame(o->p + o->len, o->size, o->type, seq);
}

/* ---- the echo process: every frame becomes a frame of sz.resp bytes ---- */

struct child_arg {
    int a, b; /* echo: a = its socket; relay: a = requester side, b = echo side */
    struct tb_sizes sz;
};

static void echo_main(void *arg)
{
    struct child_arg *c = arg;
    struct stream s = {c->a, malloc(BUFSZ), 0};
    struct out o = {malloc(BUFSZ * 4), 0, c->sz.resp, 9};
    if (!s.buf || !o.p)
        _exit(1);
    for (;;) {
        o.len = 0;
        if (pump(&s, emit, &o) < 0)
            _exit(0);
        if (o.len && tb_write_all(c->a, o.p, o.len) < 0)
            _exit(0);
        if (o.len > BUFSZ)
            _exit(1);
    }
}

/* ---- the relay process: requester -> echo (fwd size), echo -> requester (reply size) ---- */

static void relay_main(void *arg)
{
    struct child_arg *c = arg;
    struct stream sa = {c->a, malloc(BUFSZ), 0}, sb = {c->b, malloc(BUFSZ), 0};
    struct out oa = {malloc(BUFSZ * 4), 0, c->sz.fwd, 13};
    struct out ob = {malloc(BUFSZ * 4), 0, c->sz.reply, 13};
    if (!sa.buf || !sb.buf || !oa.p || !ob.p)
        _exit(1);
    struct pollfd pf[2] = {{c->a, POLLIN, 0}, {c->b, POLLIN, 0}};
    for (;;) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        if (pf[0].revents) {
            oa.len = 0;
            if (pump(&sa, emit, &oa) < 0)
                _exit(0);
            if (oa.len && tb_write_all(c->b, oa.p, oa.len) < 0)
                _exit(0);
        }
        if (pf[1].revents) {
            ob.len = 0;
            if (pump(&sb, emit, &ob) < 0)
                _exit(0);
            if (ob.len && tb_write_all(c->a, ob.p, ob.len) < 0)
                _exit(0);
        }
    }
}

struct tb_relay *tb_relay_start(const struct tb_sizes *sz)
{
    int ra[2], rb[2];
    struct tb_relay *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->sz = *sz;
    r->in = malloc(BUFSZ);
    r->out = malloc(BUFSZ);
    if (!r->in || !r->out || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ra) < 0) {
        free(r->in);
        free(r->out);
        free(r);
        return NULL;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rb) < 0) {
        close(ra[0]);
        close(ra[1]);
        free(r->in);
        free(r->out);
        free(r);
        return NULL;
    }
    struct child_arg ce = {rb[1], -1, *sz};
    r->echo = tb_fork_fn(echo_main, &ce);
    struct child_arg cr = {ra[1], rb[0], *sz};
    r->relay = tb_fork_fn(relay_main, &cr);
    close(ra[1]);
    close(rb[0]);
    close(rb[1]);
    r->fd = ra[0];
    if (r->echo < 0 || r->relay < 0) {
        tb_relay_stop(r);
        return NULL;
    }
    return r;
}

void tb_relay_stop(struct tb_relay *r)
{
    if (!r)
        return;
    close(r->fd); /* EOF: both children exit */
    if (r->relay > 0)
        tb_stop(r->relay);
    if (r->echo > 0)
        tb_stop(r->echo);
    free(r->in);
    free(r->out);
    free(r);
}

static void count(void *ctx, uint32_t seq)
{
    (void)seq;
    (*(int *)ctx)++;
}

int tb_relay_latency(struct tb_relay *r, int n, double *lat)
{
    struct stream s = {r->fd, r->in, 0};
    for (int i = 0; i < n; i++) {
        double t0 = tb_now_us();
        size_t len = frame(r->out, r->sz.req, 8, (uint32_t)i + 1);
        if (tb_write_all(r->fd, r->out, len) < 0)
            return -1;
        int got = 0;
        while (!got)
            if (pump(&s, count, &got) < 0)
                return -1;
        lat[i] = tb_now_us() - t0;
    }
    return 0;
}

double tb_relay_throughput(struct tb_relay *r, int n, int window)
{
    struct stream s = {r->fd, r->in, 0};
    int sent = 0, done = 0;
    double t0 = tb_now_us();
    size_t len = 0;
    while (sent < window && sent < n)
        len += frame(r->out + len, r->sz.req, 8, (uint32_t)++sent);
    if (tb_write_all(r->fd, r->out, len) < 0)
        return -1;
    while (done < n) {
        int got = 0;
        if (pump(&s, count, &got) < 0)
            return -1;
        done += got;
        len = 0;
        for (int k = 0; k < got && sent < n; k++)
            len += frame(r->out + len, r->sz.req, 8, (uint32_t)++sent);
        if (len && tb_write_all(r->fd, r->out, len) < 0)
            return -1;
    }
    return n / ((tb_now_us() - t0) / 1e6);
}

int tb_fsync_latency(const char *dir, int n, double *lat)
{
    char path[PATH_MAX + 16];
    if (dir)
        snprintf(path, sizeof path, "%s/fsync.tmp", dir);
    else
        tb_path(path, sizeof path, "fsync.tmp");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    static uint8_t block[4096];
    const int slots = 256; /* 1 MiB */
    int rc = 0;
    for (int i = 0; i < slots && !rc; i++)
        rc = pwrite(fd, block, sizeof block, (off_t)i * 4096) == (ssize_t)sizeof block ? 0 : -1;
    if (!rc)
        rc = fsync(fd);
    for (int i = 0; i < n && !rc; i++) {
        block[0] = (uint8_t)i;
        double t0 = tb_now_us();
        if (pwrite(fd, block, sizeof block, (off_t)(i % slots) * 4096) != (ssize_t)sizeof block ||
            fdatasync(fd) < 0)
            rc = -1;
        lat[i] = tb_now_us() - t0;
    }
    close(fd);
    unlink(path);
    return rc;
}

/* ---- raw fan-out floor ----
 * This process writes every message to n socket pairs, batched like the
 * relay (up to 256 frames per write()); each reader process counts frames
 * and, at the frame marked last (type 2), answers its count (4 bytes). */

#define FAN_BATCH 256

struct tb_fan {
    int n;
    uint32_t size;
    int *fd;
    pid_t *pid;
    uint8_t *out;
};

struct fan_reader {
    int fd;
};

static void fan_reader_main(void *arg)
{
    int fd = ((struct fan_reader *)arg)->fd;
    uint8_t *buf = malloc(BUFSZ);
    size_t len = 0;
    uint32_t count = 0;
    if (!buf)
        _exit(1);
    for (;;) {
        ssize_t k = read(fd, buf + len, BUFSZ - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            _exit(0);
        len += (size_t)k;
        size_t off = 0;
        while (len - off >= HDR) {
            uint32_t fl = get32(buf + off);
            if (fl < HDR || fl > BUFSZ)
                _exit(1);
            if (len - off < fl)
                break;
            count++;
            if (buf[off + 4] == 2) {
                uint8_t ack[4];
                put32(ack, count);
                if (tb_write_all(fd, ack, sizeof ack) < 0)
                    _exit(0);
                count = 0;
            }
            off += fl;
        }
        memmove(buf, buf + off, len - off);
        len -= off;
    }
}

struct tb_fan *tb_fan_start(int n, uint32_t size)
{
    struct tb_fan *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->n = n;
    f->size = size;
    f->fd = malloc((size_t)n * sizeof *f->fd);
    f->pid = calloc((size_t)n, sizeof *f->pid);
    f->out = malloc((size_t)FAN_BATCH * size);
    if (!f->fd || !f->pid || !f->out) {
        free(f->fd);
        free(f->pid);
        free(f->out);
        free(f);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        f->fd[i] = -1;
    for (int i = 0; i < n; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
            tb_fan_stop(f);
            return NULL;
        }
        struct fan_reader a = {sv[1]};
        f->pid[i] = tb_fork_fn(fan_reader_main, &a);
        close(sv[1]);
        f->fd[i] = sv[0];
        if (f->pid[i] < 0) {
            tb_fan_stop(f);
            return NULL;
        }
    }
    return f;
}

double tb_fan_run(struct tb_fan *f, int msgs)
{
    double t0 = tb_now_us();
    for (int sent = 0; sent < msgs;) {
        int k = msgs - sent < FAN_BATCH ? msgs - sent : FAN_BATCH;
        size_t len = 0;
        for (int j = 0; j < k; j++)
            len += frame(f->out + len, f->size, sent + j + 1 == msgs ? 2 : 1, (uint32_t)(sent + j));
        for (int i = 0; i < f->n; i++)
            if (tb_write_all(f->fd[i], f->out, len) < 0)
                return -1;
        sent += k;
    }
    for (int i = 0; i < f->n; i++) {
        uint8_t ack[4];
        size_t got = 0;
        while (got < sizeof ack) {
            struct pollfd pfd = {f->fd[i], POLLIN, 0};
            int r = poll(&pfd, 1, 30000);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return -1;
            ssize_t k = read(f->fd[i], ack + got, sizeof ack - got);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                return -1;
            got += (size_t)k;
        }
        if (get32(ack) != (uint32_t)msgs) {
            fprintf(stderr, "tapibench: fan-out reader %d got %u of %d\n", i, get32(ack), msgs);
            return -1;
        }
    }
    return (double)msgs * f->n / ((tb_now_us() - t0) / 1e6);
}

void tb_fan_stop(struct tb_fan *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n; i++)
        if (f->fd[i] >= 0)
            close(f->fd[i]); /* EOF: the reader exits */
    for (int i = 0; i < f->n; i++)
        if (f->pid[i] > 0)
            tb_stop(f->pid[i]);
    free(f->fd);
    free(f->pid);
    free(f->out);
    free(f);
}
