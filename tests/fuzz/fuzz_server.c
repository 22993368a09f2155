/*
 * Fuzz the server side of the wire: bytes from hostile clients fed into
 * tapisrv's real connection handling and request dispatch (src/server),
 * as tests/unit/test_srv_proto.c drives it: a real server state, clients
 * on socketpairs, the event loop pumped by hand.  No listening socket.
 *
 * Input: a sequence of chunks, each
 *     u8  ctl    bit 0: which of two client slots; bit 1: hang up that
 *                client after the chunk (the next chunk for the slot
 *                connects a new client)
 *     u16 len    little-endian; fewer bytes may follow at the end
 *     len bytes  written to the client's socket as they are
 * and the loop runs until idle after every chunk, so one client can open
 * a line as a proxy handler, the other send it requests, and the first
 * answer them (proxy ids and line handles start from 1 on every input:
 * the server state is created afresh for each).
 *
 * FUZZ_SERVER_LOG=1 in the environment shows the server's log (for
 * looking at a reproducer).  The server must neither crash nor leak; everything it sends is read
 * and thrown away so that its output path runs as with a real peer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/server/client.h"
#include "log.h"
#include "../../src/server/loop.h"
#include "../../src/server/server.h"
#include "wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct server srv;
static int peer[2] = {-1, -1};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* The server logs every bad client: keep the formatting, lose the
       text (libFuzzer and the sanitizers keep their own stderr). */
    FILE *null = getenv("FUZZ_SERVER_LOG") ? NULL : fopen("/dev/null", "w");
    if (null)
        stderr = null;
    log_set_level(LOG_DEBUG);
    return 0;
}

static void drain(void)
{
    static uint8_t sink[65536];
    for (int i = 0; i < 2; i++)
        while (peer[i] >= 0 && read(peer[i], sink, sizeof sink) > 0)
            ;
}

/* Run the loop until nothing happens any more, reading what it sends. */
static void pump(void)
{
    for (int i = 0; i < 10000; i++) {
        drain();
        if (loop_once(&srv, 0) <= 0)
            break;
    }
    loop_once(&srv, 0); /* flush what the last batch queued */
    drain();
}

static int connect_slot(int slot)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv))
        return -1;
    if (!client_new(&srv, sv[0])) { /* it closed sv[0] */
        close(sv[1]);
        return -1;
    }
    peer[slot] = sv[1];
    return 0;
}

static void hang_up(int slot)
{
    if (peer[slot] >= 0)
        close(peer[slot]);
    peer[slot] = -1;
    pump();
}

static void send_chunk(int slot, const uint8_t *d, size_t len)
{
    int stalls = 0;
    while (len) {
        ssize_t n = send(peer[slot], d, len, MSG_NOSIGNAL);
        if (n > 0) {
            d += n;
            len -= (size_t)n;
            stalls = 0;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN && ++stalls < 100) {
            pump(); /* the server stopped reading for now (or stopped for good) */
            continue;
        }
        return; /* the server hung up, or no longer reads from this client */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(&srv, 0, sizeof srv);
    if (config_defaults(&srv.cfg) < 0)
        abort();
    /* Limits small enough for an input to reach them. */
    srv.cfg.max_frame = 65536;
    srv.cfg.max_queue = 256 * 1024;
    if (server_init(&srv) < 0)
        abort();

    size_t off = 0;
    while (off < size) {
        uint8_t ctl = data[off++];
        size_t len = 0;
        if (size - off >= 2) {
            len = (size_t)data[off] | (size_t)data[off + 1] << 8;
            off += 2;
        } else {
            off = size;
        }
        if (len > size - off)
            len = size - off;
        int slot = ctl & 1;
        if (peer[slot] < 0 && connect_slot(slot) < 0)
            abort();
        send_chunk(slot, data + off, len);
        off += len;
        pump();
        if (ctl & 2)
            hang_up(slot);
    }
    hang_up(0);
    hang_up(1);
    server_free(&srv);
    return 0;
}
