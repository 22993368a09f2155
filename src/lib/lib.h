/*
 * lib.h - libtapi32 internals shared by its files.
 *
 * Objects and locking:
 *  - An app (one lineInitializeEx) owns one connection to tapisrv.  The app
 *    table and the line table are guarded by tx_lock; each app's queue,
 *    waiters and flags by its own mutex.  Lock order: tx_lock, then app->mu.
 *  - An app's socket is read by one thread at a time, holding app->rx_mu:
 *    the process's I/O thread, or an API thread that waits for what only
 *    the socket can bring (tx_wait: its RESULT, a message for
 *    lineGetMessage) and reads it itself rather than sleeping until the I/O
 *    thread hands it over.  API threads write frames under app->wmu.
 *    Because the reader handles a reply and the events around it in frame
 *    order, work that must happen "at the moment of the reply" (registering
 *    an opened line) runs on the reader through the waiter's hook.
 *    Lock order: rx_mu, tx_lock, app->mu.
 *  - Apps are reference-counted: the table holds one reference, the I/O
 *    thread one while the socket is registered, every API call one while it
 *    runs.  Internal names start with tx_ so that the version script, which
 *    exports line*, exports only the API.
 */
#ifndef TAPIX_LIB_H
#define TAPIX_LIB_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* The API keeps default visibility; everything else in the library is
   hidden (-fvisibility=hidden) and the version script exports line*. */
#pragma GCC visibility push(default)
#include <tapi.h>
#include <tapix.h>
#pragma GCC visibility pop

#include "htab.h"
#include "wire.h"

#define TX_API_LOW 0x00010004u
#define TX_API_HIGH 0x00020002u

struct tx_reply {
    LONG result;
    uint32_t a, b;
    uint8_t *data; /* malloc'd copy of the RESULT's data, or NULL */
    uint32_t len;
};

struct tx_app;

/* Runs on the reader with tx_lock held, when the RESULT arrives. */
typedef void (*tx_hook)(struct tx_app *app, struct tx_reply *r, void *arg);

struct tx_waiter {
    struct tx_waiter *next;
    uint32_t seq;
    bool done;
    struct tx_reply reply;
    tx_hook hook;
    void *hook_arg;
};

struct tx_app {
    HLINEAPP h;
    int refs;            /* under tx_lock */
    int fd;              /* socket to tapisrv */
    int evfd;            /* USEEVENT: eventfd, readable while queue non-empty */
    DWORD api_version;   /* the app's highest version */
    pthread_mutex_t mu;  /* queue, waiters, flags */
    pthread_cond_t cond; /* queue became non-empty, a waiter finished, shutdown */
    pthread_mutex_t wmu; /* serialises writes to fd; out and cork */
    struct wbuf out;     /* frames encoded, not yet written (tapixCork) */
    bool cork;
    uint32_t next_seq;
    struct tx_waiter *waiters;
    bool dead; /* connection lost */
    bool shut; /* lineShutdown called */
    /* message queue (ring) */
    LINEMESSAGE *q;
    size_t qhead, qlen, qcap;
    /* callback delivery */
    LINECALLBACK cb;
    bool cb_running;
    pthread_t cb_thread;
    /* proxy requests this app handles: proxy id -> struct tx_preq (tx_lock) */
    struct htab preqs;
    /* the reader's (rx_mu held): the bytes read and not yet a whole frame */
    pthread_mutex_t rx_mu;
    struct wbuf in;
    bool rx_broken;  /* a reader found the connection over; the I/O thread ends it */
    bool registered; /* the I/O thread watches the socket (app->mu) */
    bool own_read;   /* tapixGetSocket: the app reads, not the I/O thread (both locks) */
    /* the apps whose socket the I/O thread holds (tx_lock): the thread's
       reference, which it drops once it has seen the connection end */
    struct tx_app *io_prev, *io_next;
    uint32_t max_frame;
};

struct tx_line {
    HLINE h;
    struct tx_app *app;
    DWORD_PTR instance;
    DWORD device;
    DWORD version;
    uint32_t served;  /* bit n: LINEPROXYREQUEST_ n has a handler on this line */
    uint32_t handles; /* bit n: this open is the handler of type n */
};

/* A request this process made and awaits LINE_REPLY for. */
struct tx_pending {
    uint32_t reqid;
    struct tx_app *app;
    HLINE hline; /* 0 for lineGetAgentCaps */
    DWORD_PTR instance;
    uint32_t type;
    void *out;        /* where the output goes (handle, params, structure) */
    uint32_t out_len; /* params: dwSize; structure: the app's dwTotalSize */
    DWORD version;    /* for the structure's fixed size */
    bool wide;
};

/* A LINE_PROXYREQUEST this process was given and has not answered. */
struct tx_preq {
    struct tx_app *app;
    HLINE hline;
    uint32_t proxy_id;
    uint32_t given; /* dwTotalSize given to the handler for a structure */
    /* The handler owns the buffer and may scribble on it: what the library
       relies on is kept here, as it arrived. */
    uint32_t type, size, client_version;
    uint32_t params_size; /* AGENTSPECIFIC: dwSize as it arrived */
    bool cancelled;
    LINEPROXYREQUEST *req; /* what the app sees, dwSize bytes */
};

extern pthread_mutex_t tx_lock;
extern struct htab tx_apps;    /* HLINEAPP -> struct tx_app *    */
extern struct htab tx_lines;   /* HLINE    -> struct tx_line *   */
extern struct htab tx_pending; /* request id -> struct tx_pending */
extern struct htab tx_preqs;   /* LPLINEPROXYREQUEST -> struct tx_preq */

/* app.c */
struct tx_app *tx_app_get(HLINEAPP h);                        /* +1 ref, or NULL */
struct tx_app *tx_app_of_line(HLINE h, struct tx_line *copy); /* +1 ref */
void tx_app_put(struct tx_app *app);                          /* -1 ref, frees at 0 */
void tx_app_ref_locked(struct tx_app *app);
/* Forget every line of app (tx_lock and app->mu held); with notify, queue a
   LINE_CLOSE for each, as when the server goes away. */
void tx_lines_remove(struct tx_app *app, bool notify);

/* conn.c */
LONG tx_connect(struct tx_app *app, const char *name, DWORD *num_devs);
LONG tx_call(struct tx_app *app, unsigned type, const void *msg, struct tx_reply *r, tx_hook hook,
             void *hook_arg);
/* Send a one-way frame (seq 0); 0 or a LINEERR_. */
LONG tx_send(struct tx_app *app, unsigned type, const void *msg);
int tx_io_register(struct tx_app *app);
/* Wait, app->mu held, until ready(app, arg) or the app shut down, or the
   deadline (CLOCK_MONOTONIC; NULL: none) passes: 0, or ETIMEDOUT.  The waiting thread reads the
   socket itself when no other thread is reading it. */
typedef bool (*tx_ready_fn)(struct tx_app *app, void *arg);
/* *t = ms milliseconds from now on CLOCK_MONOTONIC, for tx_wait. */
void tx_deadline(struct timespec *t, uint32_t ms);
int tx_wait(struct tx_app *app, tx_ready_fn ready, void *arg, const struct timespec *deadline);
/* For an app that reads its own socket (tapixGetSocket): read what is
   there now, unless another thread is reading.  app->mu not held. */
void tx_read_now(struct tx_app *app);
/* Block every signal in the calling thread (to create a library thread
   that takes none); *old gets the mask to restore. */
void tx_block_signals(sigset_t *all, sigset_t *old);
void tx_reply_free(struct tx_reply *r);

/* request.c: the requesting side of the proxy machinery */
struct tx_req {
    uint32_t type;
    HLINE hline; /* 0: lineGetAgentCaps, which names a device */
    HLINEAPP happ;
    uint32_t device, app_version;
    uint8_t u[96]; /* the union member, as at offset 28 */
    bool wide;
    const char *s8[2];   /* input strings (A) ... */
    const WCHAR *s16[2]; /* ... or (W), for PX_IN_STRINGS */
    const void *in;      /* PX_IN_GROUPLIST list / PX_IN_PARAMS block */
    uint32_t in_len;
    void *out;
    uint32_t out_len;
    bool in_missing; /* a required input pointer (a group GUID) is NULL */
};
LONG tx_request(struct tx_req *r);
/* LINE_REPLY arrived (the reader, tx_lock and app->mu held). */
void tx_reply_event(struct tx_app *app, const struct w_event *ev);
/* Forget the app's pending requests (tx_lock, app->mu held); with fail,
   complete each with LINE_REPLY(LINEERR_OPERATIONFAILED); hline != 0
   limits it to that line's. */
void tx_pending_drop(struct tx_app *app, HLINE hline, bool fail);

/* proxy.c: the handling side */
void tx_proxy_request_event(struct tx_app *app, const struct w_event *ev);
void tx_proxy_cancel_event(struct tx_app *app, uint32_t proxy_id);
void tx_preqs_drop(struct tx_app *app); /* free every buffer of app (tx_lock held) */

/* queue.c */
void tx_queue_push(struct tx_app *app, const LINEMESSAGE *m); /* app->mu held */
int tx_queue_start_callbacks(struct tx_app *app);
void tx_queue_stop_callbacks(struct tx_app *app);

/* Fixed sizes by API version (caps.c). */
DWORD tx_devcaps_fixed(DWORD version);
DWORD tx_addrcaps_fixed(DWORD version);
bool tx_version_ok(DWORD version);

#endif
