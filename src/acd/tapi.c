/*
 * tapi.c - acdproxy's TAPI main loop (tapiloop.h).
 *
 * One thread.  poll() waits on the library's event fd (USEEVENT) and on
 * the connection to tapisrv itself, which this thread reads (tapixGetSocket:
 * a request reaches us without a hand-over from the library's I/O
 * thread), a signalfd (SIGTERM, SIGINT) and a 250 ms timerfd (changes made by
 * `acdproxy admin` or by other nodes on the same store, reload retries);
 * the store's own descriptor too when its backend has one.  Messages are
 * drained in batches of up to `batch` LINE_PROXYREQUESTs (lineGetMessage
 * with timeout 0); a batch is handled inside one transaction (batch.c),
 * then every request is answered, then the announcements go out.
 *
 * When tapisrv goes away the library closes our lines (LINE_CLOSE): we
 * shut the app down and reconnect with a backoff of 100 ms doubling to
 * 5 s, and register again.  When the store's connection to its database
 * server is lost (store_lost), requests that write are answered with
 * LINEERR_RESOURCEUNAVAIL (batch.c) while the loop reconnects the store
 * with the same backoff and then reloads the model.  SIGTERM/SIGINT: answer everything already
 * queued, close the lines, exit 0.
 */
#include "tapiloop.h"

#include <tapix.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "acd.h"
#include "log.h"
#include "pin.h"
#include "proxytab.h"

#define TICK_MS 250
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define DEVCAPS_ROOM 8192

struct app {
    const struct acd_config *cfg;
    struct acd core;
    struct acd_store *st;
    HLINEAPP happ;
    int evfd;
    int sockfd; /* tapixGetSocket, or -1: the I/O thread reads */
    bool connected;
    struct acd_line *lines;
    size_t nlines;
    int sigfd, timerfd;
    bool stopping;
    bool lost;
    int ready_fd;
    struct acd_item *items;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- connecting ------------------------------------------------------------------------- */

static void disconnect(struct app *ap, bool close_lines)
{
    if (!ap->connected)
        return;
    if (close_lines)
        for (size_t i = 0; i < ap->nlines; i++)
            if (ap->lines[i].h)
                lineClose(ap->lines[i].h);
    for (size_t i = 0; i < ap->nlines; i++)
        ap->lines[i].h = 0;
    lineShutdown(ap->happ);
    ap->happ = 0;
    ap->evfd = ap->sockfd = -1;
    ap->connected = false;
}

/* Negotiate, read the device caps and open line dev as the handler of all
 * 20 types.  0 or a LINEERR_. */
static LONG open_line(struct app *ap, struct acd_line *ln)
{
    DWORD ver = 0;
    LINEEXTENSIONID ext;
    LONG rc = lineNegotiateAPIVersion(ap->happ, ln->device, 0x00020000, 0x00020002, &ver, &ext);
    if (rc)
        return rc;
    LINEDEVCAPS *caps = calloc(1, DEVCAPS_ROOM);
    if (!caps)
        return (LONG)LINEERR_NOMEM;
    caps->dwTotalSize = DEVCAPS_ROOM;
    rc = lineGetDevCapsA(ap->happ, ln->device, ver, 0, caps);
    if (!rc) {
        ln->perm_id = caps->dwPermanentLineID;
        ln->naddr = caps->dwNumAddresses;
    }
    free(caps);
    if (rc)
        return rc;
    /* The 20 types in LINECALLPARAMS' DevSpecific area. */
    uint8_t buf[sizeof(LINECALLPARAMS) + 80];
    LINECALLPARAMS *cp = (LINECALLPARAMS *)buf;
    memset(buf, 0, sizeof buf);
    cp->dwTotalSize = sizeof(LINECALLPARAMS) + 80;
    cp->dwDevSpecificOffset = sizeof(LINECALLPARAMS);
    cp->dwDevSpecificSize = 80;
    for (uint32_t t = 1; t <= PX_TYPE_MAX; t++) {
        DWORD v = t;
        memcpy(buf + sizeof(LINECALLPARAMS) + 4 * (t - 1), &v, 4);
    }
    ln->version = ver;
    rc = lineOpenA(ap->happ, ln->device, &ln->h, ver, 0, (DWORD_PTR)ln->device,
                   LINECALLPRIVILEGE_NONE | LINEOPENOPTION_PROXY, 0, cp);
    if (rc)
        ln->h = 0;
    return rc;
}

/* lineInitializeEx and open every line.  true when at least one line is ours. */
static bool connect_tapi(struct app *ap)
{
    LINEINITIALIZEEXPARAMS p;
    memset(&p, 0, sizeof p);
    p.dwTotalSize = sizeof p;
    p.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
    DWORD ndev = 0, ver = 0x00020002;
    LONG rc = lineInitializeExA(&ap->happ, NULL, NULL, "acdproxy", &ndev, &ver, &p);
    if (rc) {
        log_debug("lineInitializeEx: LINEERR %08x", (unsigned)rc);
        return false;
    }
    ap->evfd = (int)(intptr_t)p.Handles.hEvent;
    if ((rc = tapixGetSocket(ap->happ, &ap->sockfd))) {
        log_debug("tapixGetSocket: LINEERR %08x", (unsigned)rc); /* the I/O thread reads */
        ap->sockfd = -1;
    }
    ap->connected = true;
    /* which lines */
    free(ap->lines);
    ap->lines = NULL;
    ap->nlines = 0;
    size_t want = ap->cfg->all_lines ? ndev : ap->cfg->nlines;
    ap->lines = calloc(want ? want : 1, sizeof *ap->lines);
    if (!ap->lines) {
        disconnect(ap, true);
        return false;
    }
    for (size_t i = 0; i < want; i++) {
        uint32_t dev = ap->cfg->all_lines ? (uint32_t)i : ap->cfg->lines[i];
        if (dev >= ndev) {
            log_warn("line %u: tapisrv has only %u lines; not served", dev, (unsigned)ndev);
            continue;
        }
        ap->lines[ap->nlines].device = dev;
        ap->nlines++;
    }
    size_t opened = 0;
    for (size_t i = 0; i < ap->nlines; i++) {
        rc = open_line(ap, &ap->lines[i]);
        if (rc)
            log_error("line %u: cannot open as proxy handler: LINEERR %08x", ap->lines[i].device,
                      (unsigned)rc);
        else {
            opened++;
            log_debug("line %u (permanent id %u, %u addresses) open as hLine %u",
                      ap->lines[i].device, ap->lines[i].perm_id, ap->lines[i].naddr,
                      ap->lines[i].h);
        }
    }
    if (!opened) {
        disconnect(ap, true);
        return false;
    }
    log_info("serving %zu line(s) as the proxy handler of all %u request types", opened,
             PX_TYPE_MAX);
    return true;
}

/* --- requests ---------------------------------------------------------------------------- */

static const struct acd_line *line_of(const struct app *ap, HLINE h)
{
    for (size_t i = 0; i < ap->nlines; i++)
        if (ap->lines[i].h && ap->lines[i].h == h)
            return &ap->lines[i];
    return NULL;
}

/* Send the announcements queued by the handlers, corked with whatever the
 * caller corked before: one write to tapisrv for all of them. */
static void announce(struct app *ap)
{
    tapixCork(ap->happ, 1);
    notify_send(&ap->core, ap->lines, ap->nlines);
    LONG rc = tapixCork(ap->happ, 0);
    if (rc)
        log_debug("tapixCork: LINEERR %08x", (unsigned)rc); /* the connection went */
}

/* Handle, answer and announce one batch: the answers and announcements of
 * the batch leave in one write (tapixCork), not one each. */
static void run_batch(struct app *ap, size_t n)
{
    acd_batch(&ap->core, ap->items, n);
    tapixCork(ap->happ, 1);
    for (size_t i = 0; i < n; i++) {
        struct acd_item *it = &ap->items[i];
        LONG rc = lineProxyResponse(it->line ? it->line->h : 0, it->req, (DWORD)it->result);
        if (rc)
            log_warn("lineProxyResponse: LINEERR %08x", (unsigned)rc);
    }
    announce(ap);
}

/* Drain the message queue, batch by batch.  Returns the number of
 * requests handled. */
static size_t drain(struct app *ap)
{
    size_t total = 0;
    if (!ap->connected)
        return 0;
    for (;;) {
        size_t n = 0;
        bool empty = false;
        while (n < ap->cfg->batch) {
            LINEMESSAGE m;
            if (lineGetMessage(ap->happ, &m, 0)) {
                empty = true;
                break;
            }
            switch (m.dwMessageID) {
            case LINE_PROXYREQUEST: {
                LINEPROXYREQUEST *req = (LINEPROXYREQUEST *)m.dwParam1;
                ap->items[n].req = req;
                ap->items[n].line = line_of(ap, m.hDevice);
                ap->items[n].result = 0;
                ap->items[n].changed = false;
                if (!ap->items[n].line) {
                    /* not one of ours (cannot happen): refuse it at once */
                    lineProxyResponse(m.hDevice, req, (DWORD)LINEERR_OPERATIONFAILED);
                    continue;
                }
                n++;
                break;
            }
            case LINE_CLOSE:
                log_warn("line hLine %u closed by tapisrv", (unsigned)m.hDevice);
                ap->lost = true;
                break;
            default:
                break;
            }
        }
        if (n)
            run_batch(ap, n);
        total += n;
        if (empty)
            break;
    }
    return total;
}

/* --- the directory ------------------------------------------------------------------------- */

static void check_directory(struct app *ap)
{
    if (ap->core.need_reload && acd_reload(&ap->core))
        return;
    acd_sync_directory(&ap->core);
    if (ap->connected)
        announce(ap);
    else
        notify_clear(&ap->core);
}

/* --- the loop ------------------------------------------------------------------------------- */

static void signal_ready(struct app *ap)
{
    if (ap->ready_fd < 0)
        return;
    static const char msg[] = "READY\n";
    ssize_t w = write(ap->ready_fd, msg, sizeof msg - 1);
    (void)w;
    close(ap->ready_fd);
    ap->ready_fd = -1;
}

static int setup_fds(struct app *ap)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    ap->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    ap->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (ap->sigfd < 0 || ap->timerfd < 0)
        return -1;
    struct itimerspec its = {{0, TICK_MS * 1000000L}, {0, TICK_MS * 1000000L}};
    return timerfd_settime(ap->timerfd, 0, &its, NULL);
}

/* How long stopping waits for requests still on their way from the library's
 * I/O thread: until STOP_QUIET_MS pass without one, at most STOP_MAX_MS. */
#define STOP_QUIET_MS 100
#define STOP_MAX_MS 2000

/* The connection to tapisrv in a poll set: the event handle (what a
 * synchronous call queued) and, when this thread reads it, the socket.
 * Fills p[0..] and returns how many; 0 while disconnected. */
static int conn_pollfds(const struct app *ap, struct pollfd *p)
{
    if (!ap->connected)
        return 0;
    p[0] = (struct pollfd){ap->evfd, POLLIN, 0};
    if (ap->sockfd < 0)
        return 1;
    p[1] = (struct pollfd){ap->sockfd, POLLIN, 0};
    return 2;
}

/* Whether any of p[0..n) is ready. */
static bool any_ready(const struct pollfd *p, int n)
{
    for (int i = 0; i < n; i++)
        if (p[i].revents)
            return true;
    return false;
}

static void stop(struct app *ap)
{
    /* answer everything already queued or arriving now, then close the lines */
    size_t n = drain(ap);
    int64_t end = mono_ms() + STOP_MAX_MS;
    while (ap->connected && !ap->lost && mono_ms() < end) {
        struct pollfd p[2];
        if (poll(p, (nfds_t)conn_pollfds(ap, p), STOP_QUIET_MS) <= 0)
            break;
        n += drain(ap);
    }
    if (n)
        log_info("answered %zu pending request(s) before stopping", n);
    disconnect(ap, true);
}

int acd_run(const struct acd_config *cfg)
{
    struct app ap;
    memset(&ap, 0, sizeof ap);
    ap.cfg = cfg;
    ap.evfd = ap.sigfd = ap.timerfd = -1;
    ap.ready_fd = cfg->ready_fd;
    char err[512], shown[sizeof cfg->db]; /* the URL without its password */
    store_url_redact(cfg->db, shown, sizeof shown);
    int rc = store_open(cfg->db, &ap.st, err, sizeof err);
    if (rc) {
        log_error("cannot open the store '%s': %s", shown, err);
        return 1;
    }
    if (pin_init())
        log_warn("libsodium cannot be initialised: PINs will not match");
    ap.core.clock_ms = model_now_ms;
    auth_init(&ap.core.auth, cfg->sup_group);
    rc = model_load(&ap.core.m, ap.st);
    if (rc) {
        log_error("cannot load the model from '%s': %s", shown, store_errmsg(ap.st));
        model_free(&ap.core.m);
        auth_free(&ap.core.auth);
        store_close(ap.st);
        return 1;
    }
    log_info("store '%s': %u agent(s), %u group(s), %u queue(s), %u session(s)", shown,
             ap.core.m.nagents, ap.core.m.ngroups, ap.core.m.nqueues, ap.core.m.nsess);
    ap.items = calloc(cfg->batch, sizeof *ap.items);
    if (!ap.items || setup_fds(&ap)) {
        log_error("cannot set up: %s", strerror(errno));
        rc = 1;
        goto out;
    }
    int backoff = BACKOFF_MIN_MS, st_backoff = BACKOFF_MIN_MS;
    int64_t retry_at = 0, st_retry_at = 0;
    bool warned = false, st_down = false;
    while (!ap.stopping) {
        if (st_down && mono_ms() >= st_retry_at) {
            if (store_reconnect(ap.st) == ST_OK) {
                log_info("store connection back; reloading the model");
                st_down = false;
                st_backoff = BACKOFF_MIN_MS;
                ap.core.need_reload = true;
                check_directory(&ap);
            } else {
                st_retry_at = mono_ms() + st_backoff;
                st_backoff = st_backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : st_backoff * 2;
            }
        }
        if (!ap.connected && mono_ms() >= retry_at) {
            if (connect_tapi(&ap)) {
                backoff = BACKOFF_MIN_MS;
                warned = false;
                signal_ready(&ap);
                drain(&ap);
            } else {
                if (!warned)
                    log_warn("tapisrv not reachable; retrying every %d..%d ms", BACKOFF_MIN_MS,
                             BACKOFF_MAX_MS);
                warned = true;
                retry_at = mono_ms() + backoff;
                backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            }
        }
        struct pollfd p[5];
        int np = 0;
        p[np++] = (struct pollfd){ap.sigfd, POLLIN, 0};
        p[np++] = (struct pollfd){ap.timerfd, POLLIN, 0};
        int sfd = store_fd(ap.st);
        if (sfd >= 0)
            p[np++] = (struct pollfd){sfd, POLLIN, 0};
        int conn = np; /* p[conn..np): the connection to tapisrv */
        np += conn_pollfds(&ap, p + np);
        int timeout = -1;
        if (!ap.connected) {
            int64_t left = retry_at - mono_ms();
            timeout = left < 0 ? 0 : (int)left;
        }
        if (st_down) {
            int64_t left = st_retry_at - mono_ms();
            int t = left < 0 ? 0 : (int)left;
            timeout = timeout < 0 || t < timeout ? t : timeout;
        }
        int k = poll(p, (nfds_t)np, timeout);
        if (k < 0 && errno != EINTR) {
            log_error("poll: %s", strerror(errno));
            rc = 1;
            break;
        }
        if (k <= 0)
            continue;
        if (p[0].revents) {
            struct signalfd_siginfo si;
            while (read(ap.sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
                log_info("signal %u: stopping", si.ssi_signo);
                ap.stopping = true;
            }
        }
        if (p[1].revents) {
            uint64_t ticks;
            ssize_t r = read(ap.timerfd, &ticks, sizeof ticks);
            (void)r;
            if (!st_down) /* nothing to read until the store is back */
                check_directory(&ap);
        }
        if (sfd >= 0 && p[2].revents)
            check_directory(&ap);
        if (any_ready(p + conn, np - conn))
            drain(&ap);
        if (!st_down && store_lost(ap.st)) {
            log_warn("lost the store's database connection (%s); reconnecting every %d..%d ms",
                     store_errmsg(ap.st), BACKOFF_MIN_MS, BACKOFF_MAX_MS);
            st_down = true;
            st_retry_at = mono_ms() + st_backoff;
        }
        if (ap.lost) {
            log_warn("tapisrv went away; reconnecting");
            disconnect(&ap, false);
            ap.lost = false;
            retry_at = mono_ms() + backoff;
        }
    }
    if (ap.stopping) {
        stop(&ap);
        rc = 0;
        log_info("stopped");
    }
out:
    disconnect(&ap, true);
    free(ap.items);
    free(ap.lines);
    free(ap.core.notes);
    model_free(&ap.core.m);
    auth_free(&ap.core.auth);
    store_close(ap.st);
    if (ap.sigfd >= 0)
        close(ap.sigfd);
    if (ap.timerfd >= 0)
        close(ap.timerfd);
    if (ap.ready_fd >= 0)
        close(ap.ready_fd);
    return rc;
}
