/* server.c - setting up and tearing down the server state (see server.h). */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "client.h"
#include "loop.h"

int server_init(struct server *srv)
{
    srv->epfd = srv->listener.fd = srv->signals.fd = srv->proxy_timer.fd = -1;
    srv->exiting = 0;
    list_init(&srv->clients);
    list_init(&srv->pending_write);
    list_init(&srv->to_free);
    list_init(&srv->doomed);
    srv->nclients = 0;
    if (gethostname(srv->hostname, sizeof srv->hostname - 1) < 0)
        snprintf(srv->hostname, sizeof srv->hostname, "localhost");
    srv->hostname[sizeof srv->hostname - 1] = '\0';
    /* Spare descriptor for the listener's EMFILE handling. */
    srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (opens_init(&srv->opens, srv->cfg.lines.n) < 0) {
        errno = ENOMEM;
        return -1;
    }
    if (loop_init(srv) < 0)
        return -1;
    return requests_init(srv);
}

void server_free(struct server *srv)
{
    srv->exiting = 1;
    if (srv->clients.next) /* server_init ran */
        clients_close_all(srv);
    requests_free(srv);
    opens_free(&srv->opens);
    if (srv->signals.fd >= 0)
        close(srv->signals.fd);
    srv->signals.fd = -1;
    if (srv->reserve_fd >= 0)
        close(srv->reserve_fd);
    srv->reserve_fd = -1;
    loop_close(srv);
    config_free(&srv->cfg);
}
