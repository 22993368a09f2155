/*
 * tapix.h's extensions.  tapixCork: frames held while corked, written at
 * the uncork, before a synchronous call, or once 64 KiB are held.
 * tapixGetSocket: the app, not the library's I/O thread, reads its
 * connection.  And the errors of both.
 *
 * The library talks to a fake tapisrv on a socket that TAPI_SERVER names.
 * A thread of the test answers the synchronous frames (HELLO, OPEN,
 * NEGOTIATE, SHUTDOWN) while a call waits for them; otherwise the test
 * reads the connection itself.  Whether a frame was written is then
 * certain, not timed: send(2) on a Unix stream socket has put the bytes in
 * the peer's receive queue by the time it returns, so right after a call
 * returns, an empty queue means nothing was written.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <tapi.h>
#include <tapix.h>

#include "varstruct.h"
#include "wire.h"

#define V22 0x00020002u
#define FRAME_MAX 65536u
#define CORK_MAX 65536u

static int lfd = -1;
static char dir[] = "/tmp/test_tapix.XXXXXX";
static char path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* ---- the fake server's end --------------------------------------------------------- */

struct frame {
    unsigned type;
    uint32_t seq;
    union wire_msg m;
    uint8_t buf[FRAME_MAX];
};

/* Read exactly one frame (waiting up to 5 s); 0 or -1. */
static int read_frame(int fd, struct frame *f)
{
    size_t have = 0, need = WIRE_HDR;
    while (have < need) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0)
            return -1;
        ssize_t n = recv(fd, f->buf + have, need - have, 0);
        if (n <= 0)
            return -1;
        have += (size_t)n;
        if (have == WIRE_HDR && need == WIRE_HDR) {
            long fl = wire_peek(f->buf, have, FRAME_MAX);
            if (fl < 0)
                return -1;
            need = (size_t)fl;
        }
    }
    return wire_decode(f->buf, (uint32_t)need, FRAME_MAX, &f->type, &f->seq, &f->m) ? -1 : 0;
}

static void send_result(int fd, uint32_t seq, uint32_t a, uint32_t b, const void *d, uint32_t len)
{
    struct w_result r = {.result = 0, .a = a, .b = b, .data = {d, len}};
    struct wbuf w = {0};
    assert_int_equal(wire_encode(&w, W_RESULT, seq, &r, FRAME_MAX), WIRE_OK);
    assert_int_equal(send(fd, w.p, w.len, MSG_NOSIGNAL), (ssize_t)w.len);
    wbuf_free(&w);
}

/* Answer one synchronous frame; a one-way frame (REQUEST) is returned in f
 * with 1, so the caller can look at it. */
static int answer(int fd, struct frame *f)
{
    static const uint8_t zero16[16];
    uint8_t le[4];
    if (read_frame(fd, f))
        return -1;
    switch (f->type) {
    case W_HELLO:
        vs_put_u32(le, 0, FRAME_MAX);
        send_result(fd, f->seq, 1, V22, le, 4); /* one line */
        return 0;
    case W_OPEN:
        vs_put_u32(le, 0, 0x1FFFFEu); /* every proxy type is served */
        send_result(fd, f->seq, 7, f->m.open.device, le, 4);
        return 0;
    case W_NEGOTIATE:
        send_result(fd, f->seq, V22, 0, zero16, 16);
        return 0;
    case W_SHUTDOWN:
    case W_CLOSE:
        send_result(fd, f->seq, 0, 0, NULL, 0);
        return 0;
    default:
        return 1;
    }
}

/* A thread answering `n` synchronous frames on *fd (accepting first when
 * *fd is -1), while the test's thread is inside a call that waits. */
struct answerer {
    pthread_t t;
    int *fd;
    int n;
    int oneway; /* one-way frames seen before the synchronous ones */
    unsigned types[8];
    int rc;
};

static void *answer_main(void *arg)
{
    struct answerer *a = arg;
    static struct frame f;
    if (*a->fd < 0) {
        struct pollfd p = {lfd, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0 || (*a->fd = accept(lfd, NULL, NULL)) < 0) {
            a->rc = -1;
            return NULL;
        }
    }
    for (int done = 0; done < a->n;) {
        int r = answer(*a->fd, &f);
        if (r < 0) {
            a->rc = -1;
            return NULL;
        }
        if (r == 1 && a->oneway < 8)
            a->types[a->oneway++] = f.type;
        if (r == 0)
            a->types[a->oneway + done++] = f.type;
    }
    return NULL;
}

static void answer_start(struct answerer *a, int *fd, int n)
{
    memset(a, 0, sizeof *a);
    a->fd = fd;
    a->n = n;
    assert_int_equal(pthread_create(&a->t, NULL, answer_main, a), 0);
}

static void answer_join(struct answerer *a)
{
    pthread_join(a->t, NULL);
    assert_int_equal(a->rc, 0);
}

/* Bytes waiting to be read on fd, without reading them: 0 when nothing. */
static size_t waiting(int fd)
{
    static uint8_t tmp[4 * CORK_MAX];
    ssize_t n = recv(fd, tmp, sizeof tmp, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0)
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    return n < 0 ? 0 : (size_t)n;
}

/* Send the app an EVENT: message `msg` for device (line handle) hdevice. */
static void send_event(int fd, uint32_t hdevice, uint32_t msg, uint64_t p1)
{
    struct w_event e = {.hdevice = hdevice, .msg = msg, .p1 = p1};
    struct wbuf w = {0};
    assert_int_equal(wire_encode(&w, W_EVENT, 0, &e, FRAME_MAX), WIRE_OK);
    assert_int_equal(send(fd, w.p, w.len, MSG_NOSIGNAL), (ssize_t)w.len);
    wbuf_free(&w);
}

static bool readable(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1;
}

/* ---- the app ---------------------------------------------------------------------- */

struct world {
    int fd; /* the fake server's end of the app's connection */
    HLINEAPP app;
    int evfd; /* the app's event handle */
    HLINE line;
    LINEAGENTSESSIONINFO info;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w->fd = -1;
    struct answerer a;
    answer_start(&a, &w->fd, 2); /* HELLO, OPEN */
    LINEINITIALIZEEXPARAMS ip = {.dwTotalSize = sizeof ip,
                                 .dwOptions = LINEINITIALIZEEXOPTION_USEEVENT};
    DWORD ndevs = 0, ver = V22;
    assert_int_equal(lineInitializeExA(&w->app, NULL, NULL, "tapix", &ndevs, &ver, &ip), 0);
    w->evfd = (int)(intptr_t)ip.Handles.hEvent;
    assert_int_equal(lineOpenA(w->app, 0, &w->line, V22, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, NULL),
                     0);
    answer_join(&a);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    if (w->app) {
        /* whatever the test left: drain it, then answer SHUTDOWN */
        struct answerer a;
        answer_start(&a, &w->fd, 1);
        lineShutdown(w->app);
        pthread_join(a.t, NULL);
    }
    if (w->fd >= 0)
        close(w->fd);
    free(w);
    return 0;
}

/* One asynchronous request (lineGetAgentSessionInfo); its request id. */
static LONG request(struct world *w, HAGENTSESSION s)
{
    memset(&w->info, 0, sizeof w->info);
    w->info.dwTotalSize = sizeof w->info;
    LONG id = lineGetAgentSessionInfo(w->line, s, &w->info);
    assert_true(id > 0);
    return id;
}

/* The next frame is the REQUEST of request id `id` for session s; its
 * length. */
static uint32_t expect_request(struct world *w, LONG id, HAGENTSESSION s)
{
    static struct frame f;
    assert_int_equal(read_frame(w->fd, &f), 0);
    assert_int_equal(f.type, W_REQUEST);
    assert_int_equal(f.m.request.reqid, (uint32_t)id);
    assert_int_equal(vs_get_u32(f.m.request.body.p, 28), s); /* hAgentSession */
    return vs_get_u32(f.buf, 0);
}

static void CALLBACK ignore_cb(DWORD dev, DWORD msg, DWORD_PTR inst, DWORD_PTR p1, DWORD_PTR p2,
                               DWORD_PTR p3)
{
    (void)dev, (void)msg, (void)inst, (void)p1, (void)p2, (void)p3;
}

/* lineNegotiateAPIVersion, a synchronous call, answered by the fake
 * server's thread a (what it saw is in a). */
static void negotiate(struct world *w, struct answerer *a)
{
    answer_start(a, &w->fd, 1);
    DWORD got = 0;
    LINEEXTENSIONID ext;
    assert_int_equal(lineNegotiateAPIVersion(w->app, 0, 0x00010004, V22, &got, &ext), 0);
    answer_join(a);
    assert_int_equal(got, V22);
}

/* ---- the tests ------------------------------------------------------------------ */

static void test_uncorked_writes_at_once(void **state)
{
    struct world *w = *state;
    assert_int_equal(waiting(w->fd), 0);
    LONG id = request(w, 11);
    assert_true(waiting(w->fd) > 0);
    expect_request(w, id, 11);
    /* cork off again is no change */
    assert_int_equal(tapixCork(w->app, 1), 0);
    assert_int_equal(tapixCork(w->app, 0), 0);
    id = request(w, 12);
    assert_true(waiting(w->fd) > 0);
    expect_request(w, id, 12);
}

static void test_cork_holds_until_uncork(void **state)
{
    struct world *w = *state;
    assert_int_equal(tapixCork(w->app, 1), 0);
    LONG ids[3];
    for (int i = 0; i < 3; i++)
        ids[i] = request(w, (HAGENTSESSION)(20 + i));
    assert_int_equal(waiting(w->fd), 0);
    assert_int_equal(tapixCork(w->app, 1), 0); /* corking twice holds on */
    assert_int_equal(waiting(w->fd), 0);
    assert_int_equal(tapixCork(w->app, 0), 0);
    size_t n = waiting(w->fd);
    assert_true(n > 0);
    for (int i = 0; i < 3; i++)
        expect_request(w, ids[i], (HAGENTSESSION)(20 + i));
    assert_int_equal(waiting(w->fd), 0);
}

static void test_sync_call_writes_what_is_held_first(void **state)
{
    struct world *w = *state;
    assert_int_equal(tapixCork(w->app, 1), 0);
    request(w, 31);
    assert_int_equal(waiting(w->fd), 0);
    /* lineNegotiateAPIVersion waits for its answer: it must not sit behind
       the cork, and what was held goes first, in order. */
    struct answerer a;
    negotiate(w, &a);
    assert_int_equal(a.oneway, 1);
    assert_int_equal(a.types[0], W_REQUEST);
    assert_int_equal(a.types[1], W_NEGOTIATE);
    /* still corked */
    LONG id = request(w, 32);
    assert_int_equal(waiting(w->fd), 0);
    assert_int_equal(tapixCork(w->app, 0), 0);
    expect_request(w, id, 32);
}

static void test_cork_holds_at_most_64k(void **state)
{
    struct world *w = *state;
    assert_int_equal(tapixCork(w->app, 1), 0);
    enum { N = 1000 };
    static LONG ids[N];
    int first_written = -1;
    for (int i = 0; i < N; i++) {
        ids[i] = request(w, (HAGENTSESSION)(1000 + i));
        if (first_written < 0 && waiting(w->fd) > 0)
            first_written = i;
    }
    /* written without an uncork as soon as the frames held reach 64 KiB,
       not before: all the frames up to that one, together */
    assert_true(first_written > 0);
    uint32_t len = 0;
    for (int i = 0; i <= first_written; i++)
        len = expect_request(w, ids[i], (HAGENTSESSION)(1000 + i));
    assert_true((size_t)(first_written + 1) * len >= CORK_MAX);
    assert_true((size_t)first_written * len < CORK_MAX);
    assert_int_equal(tapixCork(w->app, 0), 0);
    for (int i = first_written + 1; i < N; i++)
        expect_request(w, ids[i], (HAGENTSESSION)(1000 + i));
    assert_int_equal(waiting(w->fd), 0);
}

static void test_errors(void **state)
{
    struct world *w = *state;
    assert_int_equal(tapixCork(0, 1), (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(tapixCork(w->app + 1000, 0), (LONG)LINEERR_INVALAPPHANDLE);

    /* the connection goes while frames are held: uncorking says so, and the
       request fails with LINE_REPLY(OPERATIONFAILED) */
    assert_int_equal(tapixCork(w->app, 1), 0);
    LONG id = request(w, 41);
    close(w->fd);
    w->fd = -1;
    assert_int_equal(tapixCork(w->app, 0), (LONG)LINEERR_OPERATIONFAILED);
    LINEMESSAGE m;
    do
        assert_int_equal(lineGetMessage(w->app, &m, 5000), 0);
    while (m.dwMessageID != LINE_REPLY);
    assert_int_equal(m.dwParam1, (DWORD)id);
    assert_int_equal(m.dwParam2, (DWORD)LINEERR_OPERATIONFAILED);
    assert_int_equal(tapixCork(w->app, 1), (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(lineShutdown(w->app), 0);
    assert_int_equal(tapixCork(w->app, 0), (LONG)LINEERR_INVALAPPHANDLE);
    w->app = 0;
}

/* tapixGetSocket: what arrives stays in the socket until the app calls
   lineGetMessage; a synchronous call reads its own answer and queues
   what came before it. */
static void test_getsocket_app_reads(void **state)
{
    struct world *w = *state;
    int fd = -1, fd2 = -2;
    assert_int_equal(tapixGetSocket(w->app, &fd), 0);
    assert_true(fd >= 0);
    assert_int_equal(tapixGetSocket(w->app, &fd2), 0); /* again: the same */
    assert_int_equal(fd2, fd);
    LINEMESSAGE m;
    assert_int_equal(lineGetMessage(w->app, &m, 0), (LONG)LINEERR_OPERATIONFAILED);

    send_event(w->fd, (uint32_t)w->line, LINE_LINEDEVSTATE, 0x11u);
    assert_true(readable(fd, 5000));
    /* nobody read it: it is still in the app's socket */
    assert_true(waiting(fd) > 0);
    assert_int_equal(lineGetMessage(w->app, &m, 0), 0);
    assert_int_equal(m.dwMessageID, LINE_LINEDEVSTATE);
    assert_int_equal(m.hDevice, (DWORD)w->line);
    assert_int_equal(m.dwParam1, 0x11u);
    assert_int_equal(waiting(fd), 0);
    assert_int_equal(lineGetMessage(w->app, &m, 0), (LONG)LINEERR_OPERATIONFAILED);

    /* an event ahead of a synchronous call's answer: the call reads both
       and queues the event, which makes the event handle readable */
    send_event(w->fd, (uint32_t)w->line, LINE_LINEDEVSTATE, 0x22u);
    struct answerer a;
    negotiate(w, &a);
    assert_int_equal(waiting(fd), 0);
    assert_true(readable(w->evfd, 0));
    assert_int_equal(lineGetMessage(w->app, &m, 0), 0);
    assert_int_equal(m.dwParam1, 0x22u);
    assert_false(readable(w->evfd, 0));

    /* a wait with a timeout reads too */
    send_event(w->fd, (uint32_t)w->line, LINE_LINEDEVSTATE, 0x33u);
    assert_int_equal(lineGetMessage(w->app, &m, 5000), 0);
    assert_int_equal(m.dwParam1, 0x33u);
}

static void test_getsocket_errors(void **state)
{
    struct world *w = *state;
    int fd = -1;
    assert_int_equal(tapixGetSocket(0, &fd), (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(tapixGetSocket(w->app + 1000, &fd), (LONG)LINEERR_INVALAPPHANDLE);
    assert_int_equal(tapixGetSocket(w->app, NULL), (LONG)LINEERR_INVALPOINTER);
    assert_int_equal(fd, -1);

    /* an app whose messages go to its callback has nothing to read */
    int cfd = -1;
    struct answerer a;
    answer_start(&a, &cfd, 1); /* HELLO */
    HLINEAPP capp = 0;
    DWORD ndevs = 0;
    assert_int_equal(lineInitialize(&capp, NULL, ignore_cb, "cb", &ndevs), 0);
    answer_join(&a);
    assert_int_equal(tapixGetSocket(capp, &fd), (LONG)LINEERR_INVALAPPHANDLE);
    answer_start(&a, &cfd, 1); /* SHUTDOWN */
    assert_int_equal(lineShutdown(capp), 0);
    answer_join(&a);
    close(cfd);

    /* the connection goes: the socket is readable, lineGetMessage finds
       the line closed, and the socket is no longer to be had */
    assert_int_equal(tapixGetSocket(w->app, &fd), 0);
    close(w->fd);
    w->fd = -1;
    assert_true(readable(fd, 5000));
    /* The end of a connection wakes the I/O thread too (epoll reports a
       hang-up whatever it was asked), so the message may be read by
       either: the app waits on the socket and the event handle, as
       tapixGetSocket(3) says. */
    LINEMESSAGE m;
    for (int i = 0; lineGetMessage(w->app, &m, 0); i++) {
        struct pollfd p[2] = {{fd, POLLIN, 0}, {w->evfd, POLLIN, 0}};
        assert_true(i < 100000 && poll(p, 2, 5000) > 0);
    }
    assert_int_equal(m.dwMessageID, LINE_CLOSE);
    assert_int_equal(tapixGetSocket(w->app, &fd), (LONG)LINEERR_OPERATIONFAILED);
    assert_int_equal(lineShutdown(w->app), 0);
    assert_int_equal(tapixGetSocket(w->app, &fd), (LONG)LINEERR_INVALAPPHANDLE);
    w->app = 0;
}

int main(void)
{
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/tapisrv.sock", dir);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, sizeof path);
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 8)) {
        perror("test_tapix: listen");
        return 1;
    }
    setenv("TAPI_SERVER", path, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_uncorked_writes_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cork_holds_until_uncork, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_call_writes_what_is_held_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cork_holds_at_most_64k, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getsocket_app_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getsocket_errors, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    close(lfd);
    unlink(path);
    rmdir(dir);
    return rc;
}
