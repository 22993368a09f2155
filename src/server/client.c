/* client.c - connections, framing, output queues, peer identity (see client.h). */
#include "client.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dispatch.h"
#include "log.h"
#include "loop.h"

/* Input buffer size for small frames; a bigger frame gets a buffer of its
 * own size.  Either is given back as soon as it is empty. */
#define IN_MIN 4096u
/* Output buffer capacity kept once the queue is empty. */
#define OUT_KEEP 65536u

static void on_event(struct server *srv, struct ev_source *src, uint32_t events);

/* The peer's account name; the numeric uid when it has none. */
static char *user_name(uid_t uid)
{
    long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
    size_t cap = sz > 0 ? (size_t)sz : 16384;
    char *name = NULL;
    for (;;) {
        char *buf = malloc(cap);
        if (!buf)
            break;
        struct passwd pw, *res = NULL;
        int r = getpwuid_r(uid, &pw, buf, cap, &res);
        if (r == ERANGE && cap < (1u << 20)) {
            free(buf);
            cap *= 2;
            continue;
        }
        if (r == 0 && res && res->pw_name && *res->pw_name)
            name = strdup(res->pw_name);
        free(buf);
        break;
    }
    if (!name && asprintf(&name, "%u", (unsigned)uid) < 0)
        name = NULL;
    return name;
}

static size_t pending_out(const struct client *c)
{
    return c->out.len - c->out_pos;
}

/* Tell epoll what we wait for: input unless told to stop reading, output
 * only while some is queued (a writable socket would wake us forever). */
static void update_events(struct client *c)
{
    if (c->flags & C_CLOSED)
        return;
    uint32_t ev = 0;
    if (!(c->flags & C_NO_INPUT))
        ev |= EPOLLIN;
    if (pending_out(c))
        ev |= EPOLLOUT;
    if (ev != c->events) {
        if (loop_mod(c->srv, &c->ev, ev) < 0) {
            client_close(c, "epoll_ctl failed");
            return;
        }
        c->events = ev;
    }
}

struct client *client_new(struct server *srv, int fd)
{
    struct client *c = calloc(1, sizeof *c);
    if (!c) {
        log_warn("out of memory for a new client");
        close(fd);
        return NULL;
    }
    c->ev.fd = fd;
    c->ev.on_event = on_event;
    c->srv = srv;
    c->id = ++srv->next_client_id;
    list_init(&c->all);
    list_init(&c->pending);
    list_init(&c->dead);
    list_init(&c->preqs);

    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
        c->uid = cred.uid;
        c->gid = cred.gid;
        c->peer_pid = cred.pid;
    } else {
        /* Not expected on a Unix socket; an unknown peer gets no rights. */
        c->uid = (uid_t)-1;
        c->gid = (gid_t)-1;
    }
    c->user = user_name(c->uid);
    c->machine = strdup(srv->hostname);
    if (!c->user || !c->machine || loop_add(srv, &c->ev, EPOLLIN) < 0) {
        log_warn("cannot set up a new client: %s",
                 c->user && c->machine ? strerror(errno) : "out of memory");
        close(fd);
        free(c->user);
        free(c->machine);
        free(c);
        return NULL;
    }
    c->events = EPOLLIN;
    list_add_tail(&srv->clients, &c->all);
    srv->nclients++;
    log_debug("client #%llu connected: user %s (uid %u) pid %d", (unsigned long long)c->id, c->user,
              (unsigned)c->uid, (int)c->peer_pid);
    return c;
}

void client_close(struct client *c, const char *why)
{
    if (c->flags & C_CLOSED)
        return;
    struct server *srv = c->srv;
    if (c->flags & C_HELLO)
        log_info("client #%llu (%s, pid %u, user %s) disconnected: %s", (unsigned long long)c->id,
                 c->app_name ? c->app_name : "?", c->app_pid, c->user, why);
    else
        log_debug("client #%llu disconnected: %s", (unsigned long long)c->id, why);
    /* What lineShutdown would release, before anything else can see it. */
    dispatch_release(srv, c);
    c->flags |= C_CLOSED;
    loop_del(srv, &c->ev);
    close(c->ev.fd);
    c->ev.fd = -1;
    list_del(&c->all);
    srv->nclients--;
    if (list_linked(&c->pending))
        list_del(&c->pending);
    if (list_linked(&c->dead)) /* it was doomed */
        list_del(&c->dead);
    list_add_tail(&srv->to_free, &c->dead);
}

/* Output for c cannot be queued: stop everything for it now, close it from
 * the loop (see client.h). */
static void doom(struct client *c, const char *why)
{
    if (c->flags & (C_CLOSED | C_DOOMED))
        return;
    c->flags |= C_DOOMED | C_NO_INPUT;
    c->doom_why = why;
    list_add_tail(&c->srv->doomed, &c->dead);
}

void client_close_after_write(struct client *c)
{
    c->flags |= C_LAST_WRITE | C_NO_INPUT;
    if (!pending_out(c))
        client_close(c, "closed by server");
    else
        update_events(c);
}

static void client_free(struct client *c)
{
    free(c->in);
    wbuf_free(&c->out);
    free(c->user);
    free(c->machine);
    free(c->app_name);
    free(c);
}

/* ---- output ------------------------------------------------------------ */

/* Make appending to the queue cheap: reclaim the sent prefix, entirely when
 * all was sent, by moving the rest down when the dead prefix dominates. */
static void reclaim(struct client *c)
{
    if (c->out_pos == c->out.len) {
        c->out.len = c->out_pos = 0;
    } else if (c->out_pos >= OUT_KEEP && c->out_pos >= c->out.len / 2) {
        wbuf_consume(&c->out, c->out_pos);
        c->out_pos = 0;
    }
}

/* A frame was appended: enforce the queue limit, schedule the write. */
static int queued(struct client *c)
{
    struct server *srv = c->srv;
    if (pending_out(c) > srv->cfg.max_queue) {
        log_warn("client #%llu: more than max_queue (%u) bytes unsent; disconnecting",
                 (unsigned long long)c->id, srv->cfg.max_queue);
        doom(c, "output queue full");
        return -1;
    }
    if (!list_linked(&c->pending))
        list_add_tail(&srv->pending_write, &c->pending);
    return 0;
}

int client_send(struct client *c, unsigned type, uint32_t seq, const void *msg)
{
    if (c->flags & (C_CLOSED | C_DOOMED))
        return -1;
    reclaim(c);
    int r = wire_encode(&c->out, type, seq, msg, c->srv->cfg.max_frame);
    if (r != WIRE_OK) {
        log_error("client #%llu: cannot encode %s: %s", (unsigned long long)c->id,
                  wire_type_name(type), r == WIRE_ETOOBIG ? "frame too big" : "out of memory");
        doom(c, "cannot queue output");
        return -1;
    }
    return queued(c);
}

int client_send_event_as(struct client *c, const uint8_t *frame, size_t len, uint32_t hdevice)
{
    if (c->flags & (C_CLOSED | C_DOOMED))
        return -1;
    reclaim(c);
    if (wbuf_reserve(&c->out, len) != 0) {
        log_error("client #%llu: cannot queue an event: out of memory", (unsigned long long)c->id);
        doom(c, "cannot queue output");
        return -1;
    }
    uint8_t *p = c->out.p + c->out.len;
    memcpy(p, frame, len);
    /* EVENT's first field, hdevice, follows the header (little-endian). */
    p[WIRE_HDR] = (uint8_t)hdevice;
    p[WIRE_HDR + 1] = (uint8_t)(hdevice >> 8);
    p[WIRE_HDR + 2] = (uint8_t)(hdevice >> 16);
    p[WIRE_HDR + 3] = (uint8_t)(hdevice >> 24);
    c->out.len += len;
    return queued(c);
}

int client_reply(struct client *c, uint32_t seq, uint32_t result, uint32_t a, uint32_t b,
                 const void *data, uint32_t len)
{
    struct w_result m = {result, a, b, {data, len}};
    return client_send(c, W_RESULT, seq, &m);
}

int client_event(struct client *c, uint32_t hdevice, uint32_t msg, uint64_t p1, uint64_t p2,
                 uint64_t p3)
{
    struct w_event m = {hdevice, msg, p1, p2, p3, {NULL, 0}};
    return client_send(c, W_EVENT, 0, &m);
}

/* Write as much as the socket takes now; EPOLLOUT brings us back. */
static void flush(struct client *c)
{
    while (pending_out(c)) {
        ssize_t n =
            send(c->ev.fd, c->out.p + c->out_pos, pending_out(c), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c->out_pos += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        char why[96];
        snprintf(why, sizeof why, "write: %s", n < 0 ? strerror(errno) : "no progress");
        client_close(c, why);
        return;
    }
    if (!pending_out(c)) {
        c->out.len = c->out_pos = 0;
        if (c->out.cap > OUT_KEEP)
            wbuf_free(&c->out);
        if (c->flags & C_LAST_WRITE) {
            client_close(c, "closed by server");
            return;
        }
    }
    update_events(c);
}

void clients_flush_pending(struct server *srv)
{
    while (!list_empty(&srv->doomed)) {
        struct client *c = list_entry(srv->doomed.next, struct client, dead);
        client_close(c, c->doom_why); /* moves it to to_free */
    }
    while (!list_empty(&srv->pending_write)) {
        struct client *c = list_entry(srv->pending_write.next, struct client, pending);
        list_del(&c->pending);
        flush(c);
    }
}

int clients_have_output(const struct server *srv)
{
    for (const struct list_node *n = srv->clients.next; n != &srv->clients; n = n->next)
        if (pending_out(list_entry(n, const struct client, all)))
            return 1;
    return 0;
}

/* ---- input ------------------------------------------------------------- */

/* Dispatch every complete frame in the buffer, keep the partial rest. */
static void process_input(struct client *c)
{
    uint32_t max = c->srv->cfg.max_frame;
    size_t pos = 0;
    while (!(c->flags & (C_CLOSED | C_NO_INPUT))) {
        size_t avail = c->in_len - pos;
        if (avail < WIRE_HDR)
            break;
        long len = wire_peek(c->in + pos, avail, max);
        if (len < 0) {
            log_warn("client #%llu: bad frame header (%s); disconnecting",
                     (unsigned long long)c->id, len == WIRE_ELEN ? "length" : "type or flags");
            client_close(c, "bad frame");
            return;
        }
        if (avail < (size_t)len)
            break;
        dispatch_frame(c->srv, c, c->in + pos, (uint32_t)len);
        pos += (size_t)len;
    }
    if (c->flags & (C_CLOSED | C_NO_INPUT)) {
        c->in_len = 0; /* nothing more will be read */
        return;
    }
    c->in_len -= pos;
    if (c->in_len && pos)
        memmove(c->in, c->in + pos, c->in_len);
    /* Give the buffer back once it is empty: idle clients (most of 10k)
     * then hold no input memory; a malloc per read costs far less than
     * the read itself. */
    if (c->in_len == 0) {
        free(c->in);
        c->in = NULL;
        c->in_cap = 0;
    }
}

static void read_input(struct client *c)
{
    uint32_t max = c->srv->cfg.max_frame;
    /* Room for the frame being received (its length is known and valid
     * once the header is in), and never more than max_frame in all. */
    size_t need = WIRE_HDR;
    if (c->in_len >= WIRE_HDR) {
        long len = wire_peek(c->in, c->in_len, max);
        need = len > 0 ? (size_t)len : WIRE_HDR;
    }
    size_t want = need > IN_MIN ? need : IN_MIN;
    if (want > max)
        want = max;
    if (c->in_cap < want) {
        uint8_t *p = realloc(c->in, want);
        if (!p) {
            client_close(c, "out of memory for input");
            return;
        }
        c->in = p;
        c->in_cap = want;
    }
    ssize_t n = recv(c->ev.fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
    if (n == 0) {
        client_close(c, "connection closed by peer");
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            char why[96];
            snprintf(why, sizeof why, "read: %s", strerror(errno));
            client_close(c, why);
        }
        return;
    }
    c->in_len += (size_t)n;
    process_input(c);
}

static void on_event(struct server *srv, struct ev_source *src, uint32_t events)
{
    struct client *c = (struct client *)(void *)src;
    (void)srv;
    if (c->flags & C_CLOSED)
        return; /* closed earlier in this batch; freed after it */
    if (events & EPOLLOUT)
        flush(c);
    if (c->flags & C_CLOSED)
        return;
    if (!(c->flags & C_NO_INPUT)) {
        /* EPOLLHUP/ERR: read() reports the EOF or the error. */
        if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            read_input(c);
    } else if (events & (EPOLLHUP | EPOLLERR)) {
        client_close(c, "connection lost");
    }
}

/* ---- whole-server operations -------------------------------------------- */

void clients_free_closed(struct server *srv)
{
    while (!list_empty(&srv->to_free)) {
        struct client *c = list_entry(srv->to_free.next, struct client, dead);
        list_del(&c->dead);
        client_free(c);
    }
}

void clients_stop_input(struct server *srv)
{
    struct list_node *n, *next;
    for (n = srv->clients.next; n != &srv->clients; n = next) {
        struct client *c = list_entry(n, struct client, all);
        next = n->next; /* update_events may close c, unlinking it */
        c->flags |= C_NO_INPUT;
        update_events(c);
    }
}

void clients_close_all(struct server *srv)
{
    while (!list_empty(&srv->clients))
        client_close(list_entry(srv->clients.next, struct client, all), "server exit");
    clients_free_closed(srv);
}
