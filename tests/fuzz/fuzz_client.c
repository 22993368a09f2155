/*
 * Fuzz the library side of the wire: frames from a hostile server into
 * libtapi32's real reader and dispatch (src/lib/conn.c pump/on_result/
 * on_event, and behind them LINE_REPLY output checks and conversion,
 * LINE_PROXYREQUEST buffers, line events, the message queue).
 *
 * The real path: a fake tapisrv runs on a thread of this process, on a Unix
 * socket that TAPI_SERVER names.  Per input the harness
 *   1. lineInitializeExA (USEEVENT): the fake server answers HELLO, with a
 *      65536-byte frame limit;
 *   2. opens hLine 1 (monitor) and hLine 2 (proxy handler for every type);
 *      the fake server answers OPEN with "every type served";
 *   3. makes the asynchronous requests of the table `reqs` below on hLine 1
 *      (outputs into static buffers), so that LINE_REPLYs have takers;
 *   4. writes the input to the library as server output: cut into whole
 *      frames by their headers (a trailing partial frame is dropped, a bad
 *      header is sent as it is and ends the input); in an EVENT whose msg is
 *      LINE_REPLY, a dwParam1 below the number of requests is an index into
 *      `reqs` and is replaced by that request's real id;
 *   5. lineNegotiateAPIVersion, whose answer the fake server sends after the
 *      input, so all of the input has been read when it returns;
 *   6. takes every queued message, answering each LINE_PROXYREQUEST with
 *      lineProxyResponse, first as a success (the hostile request's own
 *      bytes are then checked as the handler's output), then as a failure
 *      (frees it if the success was refused);
 *   7. lineShutdown, then waits until the library's I/O thread has let go
 *      of the app so it is freed here (a leak is then a leak).
 * Nothing in the library is exported for this.  FUZZ_CLIENT_VERBOSE=1 in
 * the environment prints the messages the app got (for reproducers).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../../src/lib/lib.h"
#include "proxytab.h"
#include "varstruct.h"
#include "wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FRAME_MAX 65536u
#define V22 0x00020002u

/* ---- the fake server --------------------------------------------------------- */

static int lfd = -1;
static char sock_dir[] = "/tmp/fuzz_client.XXXXXX";
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void cleanup(void)
{
    unlink(sock_path);
    rmdir(sock_dir);
}
static pthread_mutex_t conn_mu = PTHREAD_MUTEX_INITIALIZER;
static int conn_fd = -1; /* the accepted connection, under conn_mu */

static int send_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            /* The library stopped reading (it dropped the connection but
               still holds the socket): give up after a while. */
            struct pollfd pfd = {fd, POLLOUT, 0};
            if (poll(&pfd, 1, 1000) > 0)
                continue;
        }
        return -1;
    }
    return 0;
}

static void reply(int fd, uint32_t seq, uint32_t result, uint32_t a, uint32_t b, const void *d,
                  uint32_t len)
{
    struct w_result r = {result, a, b, {d, len}};
    struct wbuf w = {0};
    if (wire_encode(&w, W_RESULT, seq, &r, FRAME_MAX) == WIRE_OK) {
        pthread_mutex_lock(&conn_mu);
        send_all(fd, w.p, w.len);
        pthread_mutex_unlock(&conn_mu);
    }
    wbuf_free(&w);
}

static void answer(int fd, const uint8_t *frame, uint32_t len, uint32_t *next_hline)
{
    union wire_msg m;
    unsigned type;
    uint32_t seq;
    if (wire_decode(frame, len, FRAME_MAX, &type, &seq, &m))
        return;
    static const uint8_t zero16[16];
    uint8_t le[4];
    switch (type) {
    case W_HELLO:
        vs_put_u32(le, 0, FRAME_MAX);
        reply(fd, seq, 0, 2, V22, le, 4);
        break;
    case W_OPEN:
        vs_put_u32(le, 0, 0x1FFFFEu); /* every proxy type is served */
        reply(fd, seq, 0, (*next_hline)++, m.open.device, le, 4);
        break;
    case W_NEGOTIATE:
        reply(fd, seq, 0, V22, 0, zero16, 16);
        break;
    case W_CLOSE:
    case W_SHUTDOWN:
        reply(fd, seq, 0, 0, 0, NULL, 0);
        break;
    case W_DEVCAPS:
    case W_ADDRCAPS:
    case W_PROXYSTATUS:
        reply(fd, seq, LINEERR_OPERATIONFAILED, 0, 0, NULL, 0);
        break;
    default: /* REQUEST, RESPONSE, PROXYMSG: one-way */
        break;
    }
}

static void serve(int fd)
{
    static uint8_t buf[2 * FRAME_MAX];
    size_t have = 0;
    uint32_t next_hline = 1;
    for (;;) {
        ssize_t n = recv(fd, buf + have, sizeof buf - have, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        have += (size_t)n;
        size_t off = 0;
        while (have - off >= WIRE_HDR) {
            long fl = wire_peek(buf + off, have - off, FRAME_MAX);
            if (fl < 0)
                return; /* the library never sends that */
            if ((size_t)fl > have - off)
                break;
            answer(fd, buf + off, (uint32_t)fl, &next_hline);
            off += (size_t)fl;
        }
        memmove(buf, buf + off, have - off);
        have -= off;
    }
}

static void *server_main(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        pthread_mutex_lock(&conn_mu);
        conn_fd = fd;
        pthread_mutex_unlock(&conn_mu);
        serve(fd);
        pthread_mutex_lock(&conn_mu);
        conn_fd = -1;
        close(fd);
        pthread_mutex_unlock(&conn_mu);
    }
    return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!mkdtemp(sock_dir))
        abort();
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/tapisrv.sock", sock_dir);
    memcpy(sock_path, sa.sun_path, sizeof sock_path);
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 8))
        abort();
    atexit(cleanup); /* a crash leaves the directory behind */
    setenv("TAPI_SERVER", sa.sun_path, 1);
    pthread_t t;
    if (pthread_create(&t, NULL, server_main, NULL))
        abort();
    pthread_detach(t);
    return 0;
}

/* ---- the application ---------------------------------------------------------- */

#define ROOM 1024u
#define NREQ 16
static uint8_t outbuf[NREQ][ROOM];
static HAGENT hagent;

/* Make request i on hLine h; returns the request id or an error. */
static LONG make_request(int i, HLINEAPP app, HLINE h)
{
    void *o = outbuf[i];
    memset(o, 0, ROOM);
    vs_put_u32(o, 0, ROOM);
    static GUID group = {0x12345678, 0x1234, 0x5678, {1, 2, 3, 4, 5, 6, 7, 8}};
    switch (i) {
    case 0:
        return lineGetAgentStatusA(h, 0, o);
    case 1:
        return lineGetAgentStatusW(h, 0, o);
    case 2:
        return lineGetAgentGroupListA(h, 0, o);
    case 3:
        return lineGetAgentActivityListA(h, 0, o);
    case 4:
        return lineGetAgentCapsA(app, 0, 0, V22, o);
    case 5:
        return lineAgentSpecific(h, 0, 0, o, 64);
    case 6:
        return lineCreateAgentA(h, "agent7", NULL, &hagent);
    case 7:
        return lineGetAgentInfo(h, 1, o);
    case 8:
        return lineGetAgentSessionList(h, 1, o);
    case 9:
        return lineGetQueueListA(h, &group, o);
    case 10:
        return lineGetGroupListA(h, o);
    case 11:
        return lineGetQueueInfo(h, 1, o);
    case 12:
        return lineGetAgentSessionInfo(h, 1, o);
    case 13:
        return lineSetAgentState(h, 0, LINEAGENTSTATE_READY, 0);
    case 14:
        return lineGetAgentActivityListW(h, 0, o);
    default:
        return lineGetGroupListW(h, o);
    }
}

/* Cut the input into frames and send them, request indexes made ids. */
static void send_input(const uint8_t *data, size_t size, const uint32_t *ids)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return;
    memcpy(copy, data, size);
    size_t off = 0;
    while (size - off >= WIRE_HDR) {
        long fl = wire_peek(copy + off, size - off, FRAME_MAX);
        if (fl < 0) {
            off = size; /* a bad header: the library must drop the connection */
            break;
        }
        if ((size_t)fl > size - off)
            break;
        uint8_t *f = copy + off;
        if (vs_get_u32(f, 4) == W_EVENT && fl >= 28 && vs_get_u32(f, 16) == LINE_REPLY &&
            vs_get_u32(f, 24) == 0 && vs_get_u32(f, 20) < NREQ)
            vs_put_u32(f, 20, ids[vs_get_u32(f, 20)]);
        off += (size_t)fl;
    }
    pthread_mutex_lock(&conn_mu);
    if (conn_fd >= 0)
        send_all(conn_fd, copy, off);
    pthread_mutex_unlock(&conn_mu);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    HLINEAPP app = 0;
    DWORD ndevs = 0, ver = V22;
    LINEINITIALIZEEXPARAMS ip;
    memset(&ip, 0, sizeof ip);
    ip.dwTotalSize = sizeof ip;
    ip.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
    if (lineInitializeExA(&app, NULL, NULL, "fuzz", &ndevs, &ver, &ip))
        abort();
    struct tx_app *a = tx_app_get(app); /* held: freed here, below */

    HLINE mon = 0, handler = 0;
    if (lineOpenA(app, 0, &mon, V22, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, NULL))
        abort();
    struct {
        LINECALLPARAMS cp;
        DWORD types[PX_TYPE_MAX];
    } cp;
    memset(&cp, 0, sizeof cp);
    DWORD n = 0;
    for (DWORD t = 1; t <= PX_TYPE_MAX; t++)
        if (px_type(t))
            cp.types[n++] = t;
    cp.cp.dwTotalSize = sizeof cp;
    cp.cp.dwDevSpecificSize = 4 * n;
    cp.cp.dwDevSpecificOffset = (DWORD)offsetof(__typeof__(cp), types);
    if (lineOpenA(app, 0, &handler, V22, 0, 0, LINECALLPRIVILEGE_NONE | LINEOPENOPTION_PROXY, 0,
                  &cp.cp))
        abort();

    uint32_t ids[NREQ];
    for (int i = 0; i < NREQ; i++) {
        LONG r = make_request(i, app, mon);
        ids[i] = r > 0 ? (uint32_t)r : 0xFFFFFFFFu;
    }

    send_input(data, size, ids);
    DWORD got = 0;
    LINEEXTENSIONID ext;
    (void)lineNegotiateAPIVersion(app, 0, 0x00010004, V22, &got, &ext);

    LINEMESSAGE m;
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("FUZZ_CLIENT_VERBOSE") != NULL;
    while (lineGetMessage(app, &m, 0) == 0) {
        if (verbose)
            fprintf(stderr, "msg %#x dev %#lx p1 %#lx p2 %#lx p3 %#lx\n", (unsigned)m.dwMessageID,
                    (unsigned long)m.hDevice, (unsigned long)m.dwParam1, (unsigned long)m.dwParam2,
                    (unsigned long)m.dwParam3);
        if (m.dwMessageID == LINE_PROXYREQUEST) {
            LPLINEPROXYREQUEST q = (LPLINEPROXYREQUEST)m.dwParam1;
            LONG r1 = lineProxyResponse((HLINE)m.hDevice, q, 0);
            LONG r2 = lineProxyResponse((HLINE)m.hDevice, q, LINEERR_OPERATIONFAILED);
            if (verbose)
                fprintf(stderr, "  lineProxyResponse: %#lx, then %#lx\n", (unsigned long)r1,
                        (unsigned long)r2);
        }
    }
    (void)lineClose(mon);
    if (lineShutdown(app))
        abort();

    /* Wait for the I/O thread's reference to go, then free the app here. */
    for (int i = 0;; i++) {
        pthread_mutex_lock(&tx_lock);
        int refs = a->refs;
        pthread_mutex_unlock(&tx_lock);
        if (refs == 1)
            break;
        if (i > 100000)
            abort(); /* the library never let go of the app */
        struct timespec ts = {0, 10000};
        nanosleep(&ts, NULL);
    }
    tx_app_put(a);
    return 0;
}
