/*
 * server.h - the one server instance and what every part of it shares.
 *
 * tapisrv is single-threaded: one epoll loop owns all state, so nothing
 * here needs locking.  Each file handles one concern and receives the
 * server pointer instead of reaching for globals, which keeps the pieces
 * testable on their own.
 */
#ifndef TAPISRV_SERVER_H
#define TAPISRV_SERVER_H

#include <stdint.h>
#include <sys/un.h>

#include "config.h"
#include "list.h"
#include "opens.h"
#include "requests.h"

struct server;

/* Something registered with epoll: epoll_event.data.ptr points here. */
struct ev_source {
    int fd;
    void (*on_event)(struct server *srv, struct ev_source *src, uint32_t events);
};

struct server {
    struct srv_config cfg;
    struct opens opens;
    int epfd;
    struct ev_source listener;    /* fd -1 when not listening */
    struct ev_source signals;     /* signalfd for SIGTERM/SIGINT */
    struct ev_source proxy_timer; /* timerfd: the oldest pending proxy request is due */
    struct preq_table preqs;      /* proxy requests pending at handlers */
    int reserve_fd;               /* spare fd, given up to shed a connection at EMFILE */
    char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    int sock_owned;                 /* we created the socket file: unlink it at exit */
    char hostname[256];             /* machine name for client identities */
    struct list_node clients;       /* every connected client */
    struct list_node pending_write; /* clients with output not yet tried */
    struct list_node to_free;       /* closed clients, freed after the epoll batch */
    struct list_node doomed;        /* clients to close before the next wait */
    size_t nclients;
    uint64_t next_client_id;
    int stopping; /* a signal asked us to exit */
    int exiting;  /* server_free runs: releasing clients tells nobody anything */
};

/*
 * Prepare srv, whose cfg is already loaded, for clients: lists, the open
 * registry, the epoll instance, the proxy request table and its timer, the
 * host name.  No socket, no signals (main.c adds those).  Returns 0 or -1
 * (errno set); server_free is safe either way.
 */
int server_init(struct server *srv);

/* Disconnect every client and free everything srv owns, cfg included
 * (not the listener, see listener_close). */
void server_free(struct server *srv);

#endif
