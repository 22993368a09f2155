/* listener.c - the listening socket (see listener.h). */
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "loop.h"

/* Accepts per wakeup: enough to drain a burst, bounded so that a flood
 * of connections cannot starve the clients already connected. */
#define ACCEPT_BATCH 256
#define BACKLOG 4096 /* the kernel caps it at net.core.somaxconn */

/* Resolve a group name (or number) to a gid.  Returns 0 or -1. */
static int group_id(const char *name, gid_t *gid)
{
    long sz = sysconf(_SC_GETGR_R_SIZE_MAX);
    size_t cap = sz > 0 ? (size_t)sz : 16384;
    for (;;) {
        char *buf = malloc(cap);
        if (!buf)
            return -1;
        struct group gr, *res = NULL;
        int r = getgrnam_r(name, &gr, buf, cap, &res);
        if (r == ERANGE && cap < (1u << 20)) {
            free(buf);
            cap *= 2;
            continue;
        }
        if (r == 0 && res)
            *gid = res->gr_gid;
        free(buf);
        if (r == 0 && res)
            return 0;
        break;
    }
    char *end;
    errno = 0;
    unsigned long v = strtoul(name, &end, 10);
    if (*name >= '0' && *name <= '9' && !*end && !errno && v < (gid_t)-1) {
        *gid = (gid_t)v;
        return 0;
    }
    return -1;
}

/* mkdir -p of the socket's directory; directories we create get 0750 (not
 * whatever the umask leaves) and the socket group, so that group members
 * can reach the socket. */
static int make_parents(const char *path, gid_t gid, char *err, size_t errlen)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0750) == 0) {
            log_info("created directory %s", dir);
            if (chmod(dir, 0750) < 0 || (gid != (gid_t)-1 && chown(dir, (uid_t)-1, gid) < 0)) {
                snprintf(err, errlen, "cannot set up directory %s: %s", dir, strerror(errno));
                return -1;
            }
        } else if (errno != EEXIST) {
            snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
            return -1;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    return 0;
}

/* Is somebody answering on the socket file at path?  1 yes, 0 stale, -1 unknown. */
static int probe(const struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int r = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
    int e = errno;
    close(fd);
    if (r == 0)
        return 1;
    if (e == ECONNREFUSED)
        return 0;
    if (e == ENOENT)
        return 0; /* gone meanwhile: just try binding again */
    /* EAGAIN: a full backlog means a live server. */
    errno = e;
    return e == EAGAIN ? 1 : -1;
}

static void on_accept(struct server *srv, struct ev_source *src, uint32_t events);

int listener_open(struct server *srv, char *err, size_t errlen)
{
    gid_t gid = (gid_t)-1;
    const char *path = srv->sock_path;
    if (srv->cfg.socket_group && group_id(srv->cfg.socket_group, &gid) < 0) {
        snprintf(err, errlen, "socket_group '%s': no such group", srv->cfg.socket_group);
        return LISTENER_ERROR;
    }
    if (make_parents(path, gid, err, errlen) < 0)
        return LISTENER_ERROR;

    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return LISTENER_ERROR;
    }
    for (int attempt = 0;; attempt++) {
        /* Born without any access for others: no window in which the
         * umask could make it wider than what chmod sets below. */
        mode_t old = umask(0177);
        int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
        int e = errno;
        umask(old);
        if (r == 0)
            break;
        if (e != EADDRINUSE || attempt >= 2) {
            snprintf(err, errlen, "cannot bind %s: %s", path, strerror(e));
            close(fd);
            return LISTENER_ERROR;
        }
        struct stat st;
        if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "%s exists and is not a socket", path);
            close(fd);
            return LISTENER_ERROR;
        }
        int live = probe(&sa);
        if (live != 0) {
            if (live > 0)
                snprintf(err, errlen, "another tapisrv is already running on %s", path);
            else
                snprintf(err, errlen, "%s is in use and cannot be probed: %s", path,
                         strerror(errno));
            close(fd);
            return live > 0 ? LISTENER_RUNNING : LISTENER_ERROR;
        }
        log_info("removing stale socket %s", path);
        if (unlink(path) < 0 && errno != ENOENT) {
            snprintf(err, errlen, "cannot remove stale socket %s: %s", path, strerror(errno));
            close(fd);
            return LISTENER_ERROR;
        }
    }
    srv->sock_owned = 1;
    if (chmod(path, 0660) < 0 || (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0)) {
        snprintf(err, errlen, "cannot set permissions of %s: %s", path, strerror(errno));
        close(fd);
        return LISTENER_ERROR;
    }
    if (listen(fd, BACKLOG) < 0) {
        snprintf(err, errlen, "listen: %s", strerror(errno));
        close(fd);
        return LISTENER_ERROR;
    }
    srv->listener.fd = fd;
    srv->listener.on_event = on_accept;
    if (loop_add(srv, &srv->listener, EPOLLIN) < 0) {
        snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
        close(fd);
        srv->listener.fd = -1;
        return LISTENER_ERROR;
    }
    return LISTENER_OK;
}

/*
 * Out of file descriptors: the pending connection would keep the level-
 * triggered listener firing forever.  Give up the spare descriptor, take
 * the connection and close it (the client sees a clean EOF instead of
 * hanging), then reserve the spare again.
 */
static void shed_connection(struct server *srv)
{
    static time_t last_warning;
    time_t now = time(NULL);
    if (now != last_warning) {
        log_warn("out of file descriptors; refusing connections");
        last_warning = now;
    }
    if (srv->reserve_fd >= 0) {
        close(srv->reserve_fd);
        int fd = accept4(srv->listener.fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0)
            close(fd);
    }
    srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void on_accept(struct server *srv, struct ev_source *src, uint32_t events)
{
    (void)events;
    for (int i = 0; i < ACCEPT_BATCH && !srv->stopping; i++) {
        int fd = accept4(src->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            client_new(srv, fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EMFILE || errno == ENFILE)
            shed_connection(srv);
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            log_error("accept: %s", strerror(errno));
        return;
    }
}

void listener_stop(struct server *srv)
{
    if (srv->listener.fd >= 0)
        loop_del(srv, &srv->listener);
}

void listener_close(struct server *srv)
{
    if (srv->listener.fd >= 0) {
        close(srv->listener.fd);
        srv->listener.fd = -1;
    }
    if (srv->sock_owned && unlink(srv->sock_path) < 0 && errno != ENOENT)
        log_warn("cannot remove %s: %s", srv->sock_path, strerror(errno));
    srv->sock_owned = 0;
}
