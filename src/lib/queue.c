/*
 * queue.c - delivering messages to the app: a FIFO per app, drained either
 * by lineGetMessage (USEEVENT; the eventfd is readable exactly while the
 * FIFO is non-empty) or by a library-owned thread calling the app's
 * callback one message at a time, in order (lineInitialize and
 * USEHIDDENWINDOW).
 */
#include "lib.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static void evfd_set(struct tx_app *app, bool on)
{
    if (app->evfd < 0)
        return;
    uint64_t v = 1;
    ssize_t rc;
    do
        rc = on ? write(app->evfd, &v, sizeof v) : read(app->evfd, &v, sizeof v);
    while (rc < 0 && errno == EINTR);
}

void tx_queue_push(struct tx_app *app, const LINEMESSAGE *m)
{
    if (app->qlen == app->qcap) {
        size_t cap = app->qcap ? app->qcap * 2 : 16;
        LINEMESSAGE *q = malloc(cap * sizeof *q);
        if (!q)
            return; /* out of memory: the message is lost, the app lives on */
        for (size_t i = 0; i < app->qlen; i++)
            q[i] = app->q[(app->qhead + i) % app->qcap];
        free(app->q);
        app->q = q;
        app->qcap = cap;
        app->qhead = 0;
    }
    app->q[(app->qhead + app->qlen) % app->qcap] = *m;
    if (app->qlen++ == 0) {
        evfd_set(app, true);
        pthread_cond_broadcast(&app->cond);
    }
}

/* Pop the oldest message; app->mu held and the queue non-empty. */
static void queue_pop(struct tx_app *app, LINEMESSAGE *m)
{
    *m = app->q[app->qhead];
    app->qhead = (app->qhead + 1) % app->qcap;
    if (--app->qlen == 0)
        evfd_set(app, false);
}

static void *callback_main(void *arg)
{
    struct tx_app *app = arg;
    pthread_mutex_lock(&app->mu);
    for (;;) {
        while (!app->qlen && !app->shut)
            pthread_cond_wait(&app->cond, &app->mu);
        if (app->shut)
            break;
        LINEMESSAGE m;
        queue_pop(app, &m);
        pthread_mutex_unlock(&app->mu);
        app->cb(m.hDevice, m.dwMessageID, m.dwCallbackInstance, m.dwParam1, m.dwParam2, m.dwParam3);
        pthread_mutex_lock(&app->mu);
    }
    pthread_mutex_unlock(&app->mu);
    tx_app_put(app); /* the thread's own reference */
    return NULL;
}

int tx_queue_start_callbacks(struct tx_app *app)
{
    /* The thread holds a reference: when the app calls lineShutdown from
       inside its callback, the thread is detached and still touches the
       app after the callback returns. */
    pthread_mutex_lock(&tx_lock);
    tx_app_ref_locked(app);
    pthread_mutex_unlock(&tx_lock);
    sigset_t all, old;
    tx_block_signals(&all, &old);
    int rc = pthread_create(&app->cb_thread, NULL, callback_main, app);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) {
        tx_app_put(app);
        return -1;
    }
    app->cb_running = true;
    return 0;
}

void tx_queue_stop_callbacks(struct tx_app *app)
{
    if (!app->cb_running)
        return;
    /* lineShutdown may be called from inside the callback: that thread
       cannot join itself, so it is detached and ends when the callback
       returns (it sees app->shut). */
    if (pthread_equal(pthread_self(), app->cb_thread))
        pthread_detach(app->cb_thread);
    else
        pthread_join(app->cb_thread, NULL);
    app->cb_running = false;
}

static bool queue_ready(struct tx_app *app, void *arg)
{
    (void)arg;
    return app->qlen != 0;
}

LONG WINAPI lineGetMessage(HLINEAPP hLineApp, LPLINEMESSAGE lpMessage, DWORD dwTimeout)
{
    struct tx_app *app = tx_app_get(hLineApp);
    if (!app)
        return (LONG)LINEERR_INVALAPPHANDLE;
    if (!lpMessage) {
        tx_app_put(app);
        return (LONG)LINEERR_INVALPOINTER;
    }
    if (app->evfd < 0) { /* not an event-mode app: messages go to its callback */
        tx_app_put(app);
        return (LONG)LINEERR_INVALAPPHANDLE;
    }
    LONG rc = 0;
    pthread_mutex_lock(&app->mu);
    if (!app->qlen && app->own_read) { /* tapixGetSocket: nobody else reads */
        pthread_mutex_unlock(&app->mu);
        tx_read_now(app);
        pthread_mutex_lock(&app->mu);
    }
    if (!app->qlen && !app->shut && dwTimeout == 0) {
        rc = (LONG)LINEERR_OPERATIONFAILED;
    } else if (!app->qlen && !app->shut) {
        /* the clock only for a wait, not for every message taken */
        struct timespec deadline;
        tx_deadline(&deadline, dwTimeout);
        if (tx_wait(app, queue_ready, NULL, dwTimeout == 0xFFFFFFFFu ? NULL : &deadline))
            rc = (LONG)LINEERR_OPERATIONFAILED;
    }
    if (app->shut)
        rc = (LONG)LINEERR_INVALAPPHANDLE;
    else if (!rc && app->qlen)
        queue_pop(app, lpMessage);
    else if (!rc)
        rc = (LONG)LINEERR_OPERATIONFAILED;
    pthread_mutex_unlock(&app->mu);
    tx_app_put(app);
    return rc;
}
