/*
 * conn.c - libtapi32's transport: connecting an app to tapisrv, sending
 * frames, waiting for a RESULT, and the process's one I/O thread that reads
 * every app's socket and turns frames into replies and queued messages.
 */
#include "lib.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sockpath.h"
#include "varstruct.h"

/* A synchronous call that gets no answer within this long fails instead of
   hanging the caller (the server is stopped, or wedged). */
#define TX_CALL_TIMEOUT_MS 30000

static pthread_once_t io_once = PTHREAD_ONCE_INIT;
static int io_epfd = -1;
/* Every app the I/O thread holds a reference to, until it has seen the
   connection end: after lineShutdown, or once another thread read the
   end, that reference is the app's last, and the app must not look lost
   (to a leak checker at exit) while the I/O thread has yet to wake. */
static struct tx_app *io_apps; /* tx_lock */

void tx_reply_free(struct tx_reply *r)
{
    free(r->data);
    r->data = NULL;
    r->len = 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {fd, POLLOUT, 0};
            int rc = poll(&pfd, 1, TX_CALL_TIMEOUT_MS);
            if (rc > 0 || (rc < 0 && errno == EINTR))
                continue;
        }
        return -1;
    }
    return 0;
}

/* What a corked app may hold before it is written anyway: the bound on
   the memory a cork costs, and about one socket buffer's worth. */
#define CORK_MAX 65536

/* Write what app->out holds; app->wmu held.  A failed write means the
   connection is broken: the frames are dropped, the I/O thread sees the
   end of the connection and fails what was in flight. */
static int flush_locked(struct tx_app *app)
{
    int rc = app->out.len ? write_all(app->fd, app->out.p, app->out.len) : 0;
    app->out.len = 0;
    if (app->out.cap > CORK_MAX)
        wbuf_free(&app->out);
    return rc;
}

/* Encode one frame after whatever the app has corked and write them
   together, unless the app is corked (tapixCork) and the frame may wait:
   `now` for calls that wait for an answer, which must not sit behind a
   cork.  0 or a LINEERR_. */
static LONG send_frame(struct tx_app *app, unsigned type, uint32_t seq, const void *msg, bool now)
{
    pthread_mutex_lock(&app->wmu);
    int rc = wire_encode(&app->out, type, seq, msg, app->max_frame);
    if (rc == WIRE_OK && (now || !app->cork || app->out.len >= CORK_MAX))
        rc = flush_locked(app) ? -1 : WIRE_OK;
    pthread_mutex_unlock(&app->wmu);
    if (rc == WIRE_ENOMEM)
        return (LONG)LINEERR_NOMEM;
    if (rc == WIRE_ETOOBIG)
        return (LONG)LINEERR_INVALPARAM; /* only an oversized request gets here */
    return rc ? (LONG)LINEERR_OPERATIONFAILED : 0;
}

/* The connection is lost or the app shut down. */
static bool app_gone(struct tx_app *app)
{
    pthread_mutex_lock(&app->mu);
    bool gone = app->dead || app->shut;
    pthread_mutex_unlock(&app->mu);
    return gone;
}

LONG tx_send(struct tx_app *app, unsigned type, const void *msg)
{
    return app_gone(app) ? (LONG)LINEERR_OPERATIONFAILED : send_frame(app, type, 0, msg, false);
}

LONG WINAPI tapixCork(HLINEAPP hLineApp, BOOL bCork)
{
    struct tx_app *app = tx_app_get(hLineApp);
    if (!app)
        return (LONG)LINEERR_INVALAPPHANDLE;
    bool gone = app_gone(app);
    pthread_mutex_lock(&app->wmu);
    int rc = -1;
    if (gone) {
        app->out.len = 0; /* nobody will read them */
    } else {
        app->cork = bCork != 0;
        rc = app->cork ? 0 : flush_locked(app);
    }
    pthread_mutex_unlock(&app->wmu);
    tx_app_put(app);
    return rc ? (LONG)LINEERR_OPERATIONFAILED : 0;
}

/* Read one whole frame on a blocking path (the HELLO exchange only). */
static int read_frame_sync(int fd, struct wbuf *in, uint32_t max, int timeout_ms)
{
    size_t need = WIRE_HDR;
    in->len = 0;
    while (in->len < need) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int rc = poll(&pfd, 1, timeout_ms);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        if (wbuf_reserve(in, need - in->len))
            return -1;
        ssize_t r = recv(fd, in->p + in->len, need - in->len, 0);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            return -1;
        }
        in->len += (size_t)r;
        if (in->len == WIRE_HDR && need == WIRE_HDR) {
            long fl = wire_peek(in->p, in->len, max);
            if (fl < 0)
                return -1;
            need = (size_t)fl;
        }
    }
    return 0;
}

LONG tx_connect(struct tx_app *app, const char *name, DWORD *num_devs)
{
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    if (sockpath_resolve(NULL, path, sizeof path))
        return (LONG)LINEERR_OPERATIONFAILED;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return (LONG)LINEERR_RESOURCEUNAVAIL;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path) + 1);
    /* A missing or dead server refuses at once: no retry loop here, the
       caller learns LINEERR_OPERATIONFAILED immediately. */
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
        close(fd);
        return (LONG)LINEERR_OPERATIONFAILED;
    }
    app->fd = fd;
    struct w_hello hello = {WIRE_MAGIC, WIRE_PROTO, app->api_version, (uint32_t)getpid(),
                            wire_str(name)};
    LONG rc = send_frame(app, W_HELLO, 1, &hello, true);
    if (rc)
        return (LONG)LINEERR_OPERATIONFAILED;
    struct wbuf in = {0};
    union wire_msg m;
    unsigned type;
    uint32_t seq;
    if (read_frame_sync(fd, &in, app->max_frame, TX_CALL_TIMEOUT_MS) ||
        wire_decode(in.p, (uint32_t)in.len, app->max_frame, &type, &seq, &m) || type != W_RESULT ||
        seq != 1) {
        wbuf_free(&in);
        return (LONG)LINEERR_OPERATIONFAILED;
    }
    rc = (LONG)m.result.result;
    *num_devs = m.result.a;
    /* The server's frame limit, both ways; it sizes what we ask handlers
       for.  Older or absent: keep the default. */
    if (m.result.data.len == 4) {
        uint32_t max = vs_get_u32(m.result.data.p, 0);
        if (max >= 65536 && max <= (1u << 30))
            app->max_frame = max;
    }
    wbuf_free(&in);
    app->next_seq = 1;
    return rc;
}

void tx_deadline(struct timespec *t, uint32_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, t);
    t->tv_sec += ms / 1000;
    t->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

static bool waiter_done(struct tx_app *app, void *arg)
{
    return ((struct tx_waiter *)arg)->done || app->dead;
}

LONG tx_call(struct tx_app *app, unsigned type, const void *msg, struct tx_reply *r, tx_hook hook,
             void *hook_arg)
{
    struct tx_waiter w = {.hook = hook, .hook_arg = hook_arg};
    memset(r, 0, sizeof *r);
    pthread_mutex_lock(&app->mu);
    if (app->dead || app->shut) {
        pthread_mutex_unlock(&app->mu);
        return (LONG)LINEERR_OPERATIONFAILED;
    }
    if (++app->next_seq == 0)
        app->next_seq = 1;
    w.seq = app->next_seq;
    w.next = app->waiters;
    app->waiters = &w;
    pthread_mutex_unlock(&app->mu);

    LONG rc = send_frame(app, type, w.seq, msg, true);

    struct timespec deadline;
    tx_deadline(&deadline, TX_CALL_TIMEOUT_MS);
    pthread_mutex_lock(&app->mu);
    if (!rc)
        tx_wait(app, waiter_done, &w, &deadline);
    /* Unlink the waiter whatever happened, so the I/O thread never writes to
       a stack frame that is gone. */
    for (struct tx_waiter **pp = &app->waiters; *pp; pp = &(*pp)->next)
        if (*pp == &w) {
            *pp = w.next;
            break;
        }
    if (!rc && !w.done)
        rc = (LONG)LINEERR_OPERATIONFAILED;
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        tx_reply_free(&w.reply);
        return rc;
    }
    *r = w.reply;
    return 0;
}

/* --- reading: the I/O thread, or a thread that waits ------------------- */

/* The connection is over: fail every call in flight and tell the app its
   lines are closed.  Any thread; rx_mu held.  Once only. */
static void conn_fail(struct tx_app *app)
{
    pthread_mutex_lock(&tx_lock);
    pthread_mutex_lock(&app->mu);
    if (!app->dead && !app->shut) {
        /* Nothing will answer now: every request in flight fails, then
           every line closes. */
        tx_pending_drop(app, 0, true);
        tx_lines_remove(app, true);
    }
    app->dead = true;
    pthread_cond_broadcast(&app->cond);
    pthread_mutex_unlock(&app->mu);
    pthread_mutex_unlock(&tx_lock);
}

static void io_unlink(struct tx_app *app) /* tx_lock held */
{
    if (app->io_prev)
        app->io_prev->io_next = app->io_next;
    else
        io_apps = app->io_next;
    if (app->io_next)
        app->io_next->io_prev = app->io_prev;
    app->io_prev = app->io_next = NULL;
}

/* The I/O thread lets go of a connection that is over; rx_mu held.  The
   caller drops the thread's reference. */
static void conn_lost(struct tx_app *app)
{
    epoll_ctl(io_epfd, EPOLL_CTL_DEL, app->fd, NULL);
    conn_fail(app);
    wbuf_free(&app->in);
    pthread_mutex_lock(&tx_lock);
    io_unlink(app);
    pthread_mutex_unlock(&tx_lock);
}

/* on_result and on_event: tx_lock and app->mu held (by pump). */
static void on_result(struct tx_app *app, uint32_t seq, const struct w_result *res)
{
    struct tx_waiter *w = app->waiters;
    while (w && w->seq != seq)
        w = w->next;
    if (w) {
        w->reply.result = (LONG)res->result;
        w->reply.a = res->a;
        w->reply.b = res->b;
        if (res->data.len && (w->reply.data = malloc(res->data.len))) {
            memcpy(w->reply.data, res->data.p, res->data.len);
            w->reply.len = res->data.len;
        } else if (res->data.len) {
            w->reply.result = (LONG)LINEERR_NOMEM;
        }
        if (w->hook)
            w->hook(app, &w->reply, w->hook_arg);
        w->done = true;
        pthread_cond_broadcast(&app->cond);
    }
}

static void on_event(struct tx_app *app, const struct w_event *ev)
{
    struct tx_line *line = tx_htab_get(&tx_lines, ev->hdevice);
    if (line && line->app != app)
        line = NULL;
    switch (ev->msg) {
    case LINE_REPLY:
        tx_reply_event(app, ev);
        break;
    case LINE_PROXYREQUEST:
        if (line)
            tx_proxy_request_event(app, ev);
        break;
    case WIRE_EV_TYPES:
        if (line)
            line->served = (uint32_t)ev->p1;
        break;
    case WIRE_EV_CANCEL:
        tx_proxy_cancel_event(app, (uint32_t)ev->p1);
        break;
    default: {
        /* Line messages carry the line's callback instance; the line's
           handle dies with LINE_CLOSE, as after a forced close.  A message
           for a line the app closed meanwhile is dropped. */
        if (!line)
            break;
        LINEMESSAGE m = {ev->hdevice,       ev->msg,           line->instance,
                         (DWORD_PTR)ev->p1, (DWORD_PTR)ev->p2, (DWORD_PTR)ev->p3};
        if (ev->msg == LINE_CLOSE) {
            tx_pending_drop(app, line->h, true);
            tx_htab_del(&tx_lines, line->h);
            free(line);
        }
        if (!app->shut)
            tx_queue_push(app, &m);
    }
    }
}

/* Read what is there and handle every whole frame; rx_mu held.  -1 when
   the connection is over (EOF, error, or a frame this library cannot
   accept). */
static int pump(struct tx_app *app)
{
    if (app->rx_broken)
        return -1;
    for (;;) {
        if (wbuf_reserve(&app->in, 65536))
            return -1;
        size_t space = app->in.cap - app->in.len;
        ssize_t r = recv(app->fd, app->in.p + app->in.len, space, 0);
        if (r == 0)
            return -1;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return -1;
        }
        app->in.len += (size_t)r;
        /* Every whole frame of what was read under one taking of the
           locks: the app's threads wake once for all of them, and do not
           contend with this thread frame by frame. */
        pthread_mutex_lock(&tx_lock);
        pthread_mutex_lock(&app->mu);
        size_t off = 0;
        int rc = 0;
        while (!rc && app->in.len - off >= WIRE_HDR) {
            long fl = wire_peek(app->in.p + off, app->in.len - off, app->max_frame);
            if (fl < 0) {
                rc = -1;
                break;
            }
            if (app->in.len - off < (size_t)fl)
                break;
            union wire_msg m;
            unsigned type;
            uint32_t seq;
            if (wire_decode(app->in.p + off, (uint32_t)fl, app->max_frame, &type, &seq, &m))
                rc = -1;
            else if (type == W_RESULT)
                on_result(app, seq, &m.result);
            else if (type == W_EVENT)
                on_event(app, &m.event);
            else
                rc = -1;
            off += (size_t)fl;
        }
        pthread_mutex_unlock(&app->mu);
        pthread_mutex_unlock(&tx_lock);
        if (rc)
            return -1;
        wbuf_consume(&app->in, off);
        /* Less than there was room for: the socket held no more then.
           Whoever reads polls it again before waiting (the I/O thread's
           epoll is level-triggered), so a recv only to hear EAGAIN would
           be a system call per wake-up for nothing. */
        if ((size_t)r < space)
            break;
    }
    return 0;
}

/* Whether the I/O thread watches the app's socket (it does not while a
   waiting thread reads it).  After the I/O thread let go of the socket
   this fails with ENOENT, which changes nothing. */
static void io_watch(struct tx_app *app, bool on)
{
    struct epoll_event ev = {.events = on ? EPOLLIN | EPOLLRDHUP : 0, .data.ptr = app};
    epoll_ctl(io_epfd, EPOLL_CTL_MOD, app->fd, &ev);
}

static void *io_main(void *arg)
{
    (void)arg;
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(io_epfd, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            struct tx_app *app = evs[i].data.ptr;
            if (pthread_mutex_trylock(&app->rx_mu)) {
                /* A waiting thread is reading this socket.  Stop watching
                   it, or a level-triggered epoll would return it again
                   and again until that thread does; it watches again when
                   it lets go.  Unless it let go just now: then read. */
                io_watch(app, false);
                if (pthread_mutex_trylock(&app->rx_mu))
                    continue;
                if (!app->own_read)
                    io_watch(app, true);
            }
            bool over = pump(app) != 0;
            if (over)
                conn_lost(app);
            pthread_mutex_unlock(&app->rx_mu);
            if (over)
                tx_app_put(app); /* the I/O thread's reference */
        }
    }
    return NULL;
}

/* A thread other than the I/O thread reads what is there (rx_mu held).
   When the connection is over it fails what waits at once; the I/O
   thread, which then sees the socket shut, unregisters it and drops its
   reference. */
static void read_some(struct tx_app *app)
{
    if (!app->rx_broken && pump(app)) {
        app->rx_broken = true;
        conn_fail(app);
        shutdown(app->fd, SHUT_RDWR);
    }
}

/* That thread lets go of the socket: the I/O thread watches it again
   (level-triggered, so what came meanwhile is seen), unless the app reads
   it itself and it is not over. */
static void reader_done(struct tx_app *app)
{
    bool watch = !app->own_read || app->rx_broken;
    pthread_mutex_unlock(&app->rx_mu);
    if (watch) {
        io_watch(app, true);
    } else {
        /* No I/O thread takes over: a thread that found the socket taken
           and waits for its answer tries again. */
        pthread_mutex_lock(&app->mu);
        pthread_cond_broadcast(&app->cond);
        pthread_mutex_unlock(&app->mu);
    }
}

void tx_read_now(struct tx_app *app)
{
    if (pthread_mutex_trylock(&app->rx_mu))
        return; /* another thread is reading: it queues what comes */
    read_some(app);
    reader_done(app);
}

LONG WINAPI tapixGetSocket(HLINEAPP hLineApp, int *lpFd)
{
    struct tx_app *app = tx_app_get(hLineApp);
    if (!app)
        return (LONG)LINEERR_INVALAPPHANDLE;
    LONG rc = 0;
    if (!lpFd)
        rc = (LONG)LINEERR_INVALPOINTER;
    else if (app->evfd < 0) /* a callback app: its messages are not the app's to read */
        rc = (LONG)LINEERR_INVALAPPHANDLE;
    if (rc) {
        tx_app_put(app);
        return rc;
    }
    pthread_mutex_lock(&app->rx_mu);
    pthread_mutex_lock(&app->mu);
    if (app->shut)
        rc = (LONG)LINEERR_INVALAPPHANDLE;
    else if (app->dead || !app->registered)
        rc = (LONG)LINEERR_OPERATIONFAILED;
    else
        app->own_read = true;
    pthread_mutex_unlock(&app->mu);
    if (!rc) {
        io_watch(app, false);
        *lpFd = app->fd;
    }
    pthread_mutex_unlock(&app->rx_mu);
    tx_app_put(app);
    return rc;
}

/* The waiting thread reads (rx_mu held, app->mu not): until ready, the
   end of the connection, or the deadline.  A thread that waits for its
   RESULT or a message would otherwise sleep until the I/O thread had read
   the frame and woken it: two thread wake-ups on the way to the answer
   instead of one.  The I/O thread stops watching the socket meanwhile, or
   it would wake for every frame only to find the socket taken. */
static int read_until(struct tx_app *app, tx_ready_fn ready, void *arg,
                      const struct timespec *deadline)
{
    if (!app->own_read) /* tapixGetSocket stopped the watch for good */
        io_watch(app, false);
    int rc = 0;
    for (;;) {
        /* first: what we wait for may have come before we took the socket */
        pthread_mutex_lock(&app->mu);
        bool stop = ready(app, arg) || app->dead || app->shut;
        pthread_mutex_unlock(&app->mu);
        if (stop)
            break;
        int ms = -1;
        if (deadline) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long long left = (deadline->tv_sec - now.tv_sec) * 1000LL +
                             (deadline->tv_nsec - now.tv_nsec + 999999) / 1000000;
            if (left <= 0) {
                rc = ETIMEDOUT;
                break;
            }
            ms = left > 60000 ? 60000 : (int)left;
        }
        struct pollfd pfd = {app->fd, POLLIN, 0};
        int n = poll(&pfd, 1, ms);
        if (n < 0 && errno != EINTR) {
            rc = -1; /* out of memory: leave the reading to the I/O thread */
            break;
        }
        if (n > 0)
            read_some(app);
    }
    reader_done(app);
    return rc;
}

int tx_wait(struct tx_app *app, tx_ready_fn ready, void *arg, const struct timespec *deadline)
{
    for (;;) {
        if (ready(app, arg) || app->shut)
            return 0;
        if (app->registered && !app->dead) {
            /* Lock order puts rx_mu before app->mu: let go of app->mu to
               try it.  When someone else holds it, that one is reading
               and what it reads wakes us; look again under app->mu before
               sleeping, as it may have come meanwhile. */
            pthread_mutex_unlock(&app->mu);
            bool mine = pthread_mutex_trylock(&app->rx_mu) == 0;
            int rc = mine ? read_until(app, ready, arg, deadline) : 0;
            pthread_mutex_lock(&app->mu);
            if (ready(app, arg) || app->shut)
                return 0;
            if (rc == ETIMEDOUT)
                return ETIMEDOUT;
            if (mine && rc == 0)
                continue;
        }
        if (!deadline)
            pthread_cond_wait(&app->cond, &app->mu);
        else if (pthread_cond_timedwait(&app->cond, &app->mu, deadline) == ETIMEDOUT)
            return ready(app, arg) || app->shut ? 0 : ETIMEDOUT;
    }
}

void tx_block_signals(sigset_t *all, sigset_t *old)
{
    /* The library's threads take no signals: an app's handlers, sigwait
       and signalfd keep working as if the library had no threads. */
    sigfillset(all);
    pthread_sigmask(SIG_BLOCK, all, old);
}

static void io_init(void)
{
    io_epfd = epoll_create1(EPOLL_CLOEXEC);
    if (io_epfd < 0)
        return;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    sigset_t all, old;
    tx_block_signals(&all, &old);
    if (pthread_create(&t, &attr, io_main, NULL)) {
        close(io_epfd);
        io_epfd = -1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
}

int tx_io_register(struct tx_app *app)
{
    pthread_once(&io_once, io_init);
    if (io_epfd < 0)
        return -1;
    int fl = fcntl(app->fd, F_GETFL);
    if (fl < 0 || fcntl(app->fd, F_SETFL, fl | O_NONBLOCK))
        return -1;
    pthread_mutex_lock(&tx_lock);
    tx_app_ref_locked(app);
    app->io_next = io_apps;
    if (io_apps)
        io_apps->io_prev = app;
    io_apps = app;
    pthread_mutex_unlock(&tx_lock);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = app};
    if (epoll_ctl(io_epfd, EPOLL_CTL_ADD, app->fd, &ev)) {
        pthread_mutex_lock(&tx_lock);
        io_unlink(app);
        pthread_mutex_unlock(&tx_lock);
        tx_app_put(app);
        return -1;
    }
    /* Now non-blocking and watched: a waiting thread may read it too. */
    pthread_mutex_lock(&app->mu);
    app->registered = true;
    pthread_mutex_unlock(&app->mu);
    return 0;
}
