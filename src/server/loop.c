/* loop.c - the epoll event loop (see loop.h). */
#include "loop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "log.h"

#define MAX_EVENTS 256

int loop_init(struct server *srv)
{
    srv->epfd = epoll_create1(EPOLL_CLOEXEC);
    return srv->epfd < 0 ? -1 : 0;
}

static int ctl(struct server *srv, int op, struct ev_source *src, uint32_t events)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.ptr = src;
    return epoll_ctl(srv->epfd, op, src->fd, &ev);
}

int loop_add(struct server *srv, struct ev_source *src, uint32_t events)
{
    return ctl(srv, EPOLL_CTL_ADD, src, events);
}

int loop_mod(struct server *srv, struct ev_source *src, uint32_t events)
{
    return ctl(srv, EPOLL_CTL_MOD, src, events);
}

int loop_del(struct server *srv, struct ev_source *src)
{
    return ctl(srv, EPOLL_CTL_DEL, src, 0);
}

int loop_once(struct server *srv, int timeout_ms)
{
    struct epoll_event evs[MAX_EVENTS];
    clients_flush_pending(srv);
    clients_free_closed(srv);
    int n = epoll_wait(srv->epfd, evs, MAX_EVENTS, timeout_ms);
    if (n < 0) {
        if (errno != EINTR)
            log_error("epoll_wait: %s", strerror(errno));
        return 0;
    }
    for (int i = 0; i < n; i++) {
        struct ev_source *src = evs[i].data.ptr;
        src->on_event(srv, src, evs[i].events);
    }
    return n;
}

void loop_run(struct server *srv)
{
    while (!srv->stopping)
        loop_once(srv, -1);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void loop_drain(struct server *srv, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        clients_flush_pending(srv);
        clients_free_closed(srv);
        if (!clients_have_output(srv))
            return;
        long long left = deadline - now_ms();
        if (left <= 0) {
            log_warn("shutdown: giving up on clients that do not read");
            return;
        }
        loop_once(srv, (int)left);
    }
}

void loop_close(struct server *srv)
{
    if (srv->epfd >= 0)
        close(srv->epfd);
    srv->epfd = -1;
}
