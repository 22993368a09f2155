/*
 * client.h - one connection (= one TAPI application, one lineInitializeEx):
 * socket, framing, bounded output queue, and the peer's identity.
 *
 * Input is read into a buffer that never grows beyond max_frame: the frame
 * header is checked (wire_peek) as soon as its 12 bytes are in, so an
 * absurd length ends the connection before anything is buffered for it.
 * Output is queued and written without blocking; a client whose queue
 * would pass max_queue is disconnected, so a client that stops reading can
 * not make the server grow without limit.
 *
 * Closing is two-step: client_close() releases everything the client holds
 * in the server (its opens, its fd) at once, but the memory is freed only
 * after the current epoll batch, which may still hold events for it.
 *
 * A client whose output cannot be queued (queue limit, no memory) is not
 * closed inside client_send: it is marked doomed, every later send to it is
 * dropped, and the loop closes it before it next writes or waits.  So a
 * handler that sends to many clients (proxy events, LINE_REPLY) never sees
 * the opens and requests it walks change under it.
 */
#ifndef TAPISRV_CLIENT_H
#define TAPISRV_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "list.h"
#include "opens.h"
#include "server.h"
#include "wire.h"

enum {
    C_HELLO = 1u << 0,      /* HELLO accepted */
    C_CLOSED = 1u << 1,     /* client_close() done; waiting to be freed */
    C_LAST_WRITE = 1u << 2, /* close as soon as the output queue is empty */
    C_NO_INPUT = 1u << 3,   /* stop reading (closing, or the server is stopping) */
    C_DOOMED = 1u << 4,     /* output failed: closed by the loop before its next wait */
    C_SHUT = 1u << 5,       /* SHUTDOWN done: any further request ends the connection */
};

struct client {
    struct ev_source ev; /* first: epoll data points here */
    struct server *srv;
    uint64_t id; /* for logs */
    unsigned flags;
    uint32_t events; /* what epoll watches for now */

    uint8_t *in; /* received bytes, at most max_frame */
    size_t in_len, in_cap;
    struct wbuf out; /* queued frames; out.p[out_pos..out.len) unsent */
    size_t out_pos;

    /* Who is at the other end, from the kernel and the server, never from
     * the client: the proxy machinery puts these into LINEPROXYREQUEST. */
    uid_t uid;
    gid_t gid;
    pid_t peer_pid;
    char *user;    /* account name, or the numeric uid */
    char *machine; /* host name */

    /* What the application said in HELLO (for logs only). */
    uint32_t app_pid;
    uint32_t app_version;
    char *app_name;

    struct open_list opens;
    struct list_node preqs;   /* proxy requests it made that are still pending (struct preq) */
    struct list_node all;     /* srv->clients */
    struct list_node pending; /* srv->pending_write */
    struct list_node dead;    /* srv->doomed, then srv->to_free */
    const char *doom_why;     /* C_DOOMED: why (a static string) */
};

/* Take over a freshly accepted, non-blocking socket: look up the peer's
 * identity and start reading.  Returns the client, or NULL (fd closed). */
struct client *client_new(struct server *srv, int fd);

/*
 * Queue one frame for the client.  Returns 0, or -1 when it was not queued
 * (queue limit exceeded or out of memory: the client is then doomed, see
 * above; or the client is already closed or doomed).  The frame is written
 * before the loop next waits.
 */
int client_send(struct client *c, unsigned type, uint32_t seq, const void *msg);

/*
 * Queue a copy of an already encoded EVENT frame (len bytes) with its
 * hdevice replaced: one event for many recipients is encoded once and only
 * the recipient's own line handle differs.  Returns as client_send.
 */
int client_send_event_as(struct client *c, const uint8_t *frame, size_t len, uint32_t hdevice);

/* Queue RESULT{result, a, b, data} answering request `seq`. */
int client_reply(struct client *c, uint32_t seq, uint32_t result, uint32_t a, uint32_t b,
                 const void *data, uint32_t len);

/* Queue an EVENT (one LINEMESSAGE) for the application. */
int client_event(struct client *c, uint32_t hdevice, uint32_t msg, uint64_t p1, uint64_t p2,
                 uint64_t p3);

/* Close after the queued output is written (e.g. after refusing HELLO). */
void client_close_after_write(struct client *c);

/* Drop the connection now: close its opens and its socket.  `why` is
 * logged.  Safe to call twice. */
void client_close(struct client *c, const char *why);

/* Loop hooks: close doomed clients, then write queued output; free clients
 * closed in the last batch; whether any client still has unsent output. */
void clients_flush_pending(struct server *srv);
void clients_free_closed(struct server *srv);
int clients_have_output(const struct server *srv);

/* Server stop: stop reading from every client (output still flows). */
void clients_stop_input(struct server *srv);

/* Close and free every client (at exit). */
void clients_close_all(struct server *srv);

#endif
