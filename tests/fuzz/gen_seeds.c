/*
 * Writes the seed corpora under tests/fuzz/corpus/: real frames of every
 * wire message, and valid UTF-16 output structures of every request type,
 * so the fuzzers start from the shapes that matter.  `make fuzz-seeds`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <tapi.h>

#include "proxytab.h"
#include "varstruct.h"
#include "wire.h"

static void put(const char *dir, const char *name, const void *p, size_t n)
{
    char path[512];
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        perror(path);
        exit(1);
    }
    fclose(f);
}

static void wire_seeds(const char *dir)
{
    for (unsigned t = W_NONE + 1; t < W__COUNT; t++) {
        union wire_msg m;
        memset(&m, 0, sizeof m);
        /* the BLOB/STR field of each message gets a short payload */
        static const uint8_t blob[] = {'t', 'a', 'p', 'i', 'x', 0};
        struct wire_blob b = {blob, sizeof blob};
        switch (t) {
        case W_HELLO:
            m.hello = (struct w_hello){WIRE_MAGIC, WIRE_PROTO, 0x00020002, 1, b};
            break;
        case W_OPEN:
            m.open.proxy_types = (struct wire_blob){(const uint8_t *)"\x0c\0\0\0", 4};
            break;
        case W_REQUEST:
            m.request.body = b;
            break;
        case W_RESPONSE:
            m.response.out = b;
            break;
        case W_RESULT:
            m.result.data = b;
            break;
        case W_EVENT:
            m.event.data = b;
            break;
        default:
            break;
        }
        struct wbuf w = {0};
        if (wire_encode(&w, t, t, &m, WIRE_MAX_FRAME_DEFAULT))
            exit(1);
        char name[64];
        snprintf(name, sizeof name, "%s", wire_type_name(t));
        put(dir, name, w.p, w.len);
        wbuf_free(&w);
    }
}

/* A complete UTF-16 structure of request type `type` in buf, dwTotalSize
   total; returns dwUsedSize. */
static uint32_t build_struct(uint32_t type, uint8_t *buf, uint32_t total)
{
    const struct px_type *t = px_type(type);
    vs_writer w;
    vs_init(&w, buf, total, t->st->fixed);
    for (size_t i = 0; i < t->st->nfields; i++) {
        uint32_t pair = t->st->fields[i].pair_off;
        if (t->st->num_off && pair == t->st->list_pair_off) {
            vs_block blk = vs_reserve_list(&w, t->st->num_off, pair, 2, t->st->entry_size);
            for (uint32_t k = 0; k < 2; k++)
                for (size_t j = 0; j < t->st->n_entry_fields; j++)
                    vs_append_utf8_as_utf16_in(
                        &w, &blk, k * t->st->entry_size + t->st->entry_fields[j].pair_off,
                        k ? "\xC3\x9C"
                            "ber"
                          : "Sales");
        } else if (t->st->fields[i].kind == VS_STR16) {
            vs_append_utf8_as_utf16(&w, pair, "tapix \xF0\x9F\x93\x9E");
        } else {
            vs_append(&w, pair, "0123456789abcdef", 16);
        }
    }
    vs_finish(&w);
    return w.used;
}

/* A complete UTF-16 output structure of type t, prefixed by the fuzzer's
   3 control bytes (type, version, room). */
static void output_seed(const char *dir, uint32_t type)
{
    const struct px_type *t = px_type(type);
    uint8_t buf[1024];
    uint32_t used = build_struct(type, buf, sizeof buf);
    uint8_t out[1024 + 3] = {(uint8_t)(type - 1), 1, 200};
    memcpy(out + 3, buf, used);
    char name[64];
    snprintf(name, sizeof name, "%s", t->name);
    put(dir, name, out, used + 3);
}

/* ---- fuzz_server: chunks of client bytes (see tests/fuzz/fuzz_server.c) ---- */

struct chunks {
    uint8_t b[65536];
    size_t len;
};

/* Append one frame as a chunk for client slot `ctl` (bit 1: hang up after). */
static void chunk_msg(struct chunks *c, unsigned ctl, unsigned type, uint32_t seq, const void *msg)
{
    struct wbuf w = {0};
    if (wire_encode(&w, type, seq, msg, WIRE_MAX_FRAME_DEFAULT) || w.len > 0xFFFF ||
        c->len + 3 + w.len > sizeof c->b)
        exit(1);
    c->b[c->len++] = (uint8_t)ctl;
    c->b[c->len++] = (uint8_t)w.len;
    c->b[c->len++] = (uint8_t)(w.len >> 8);
    memcpy(c->b + c->len, w.p, w.len);
    c->len += w.len;
    wbuf_free(&w);
}

static void chunk_hello(struct chunks *c, unsigned slot)
{
    struct w_hello h = {WIRE_MAGIC, WIRE_PROTO, 0x00020002, 1234, wire_str("fuzz app")};
    chunk_msg(c, slot, W_HELLO, 1, &h);
}

/* The REQUEST body the library sends for type t at version ver. */
static uint32_t request_body(uint8_t *b, uint32_t t, uint32_t ver)
{
    const struct px_type *row = px_type(t);
    uint32_t len = PX_HDR + row->union_size;
    if (row->out == PX_OUT_STRUCT)
        len = row->out_off + px_fixed(row->st, ver);
    memset(b, 0, len + 4);
    vs_put_u32(b, 24, t);
    if (row->out == PX_OUT_STRUCT)
        vs_put_u32(b, row->out_off, 256); /* room asked for */
    return len;
}

static void server_seeds(const char *dir)
{
    static struct chunks c;
    uint8_t body[4096];
    const uint32_t v22 = 0x00020002;

    /* One client: every request kind once, in a sensible order. */
    c.len = 0;
    chunk_hello(&c, 0);
    struct w_negotiate neg = {0, 0x00010004, v22};
    chunk_msg(&c, 0, W_NEGOTIATE, 2, &neg);
    struct w_devcaps dc = {0, v22, 0, 4096, 1};
    chunk_msg(&c, 0, W_DEVCAPS, 3, &dc);
    struct w_addrcaps ac = {0, 0, v22, 0, 4096, 0};
    chunk_msg(&c, 0, W_ADDRCAPS, 4, &ac);
    struct w_open op = {0, v22, 0, LINECALLPRIVILEGE_MONITOR, 0, 0, {NULL, 0}};
    chunk_msg(&c, 0, W_OPEN, 5, &op);
    uint32_t len = request_body(body, 5, v22);
    struct w_request rq = {1, 0, v22, 7, 5, {body, len}};
    chunk_msg(&c, 0, W_REQUEST, 0, &rq);
    struct w_proxystatus ps = {0, v22, 4096};
    chunk_msg(&c, 0, W_PROXYSTATUS, 6, &ps);
    struct w_close cl = {1};
    chunk_msg(&c, 0, W_CLOSE, 7, &cl);
    struct w_shutdown sd = {0};
    chunk_msg(&c, 0, W_SHUTDOWN, 8, &sd);
    put(dir, "one_client", c.b, c.len);

    /* A proxy handler (slot 1, hLine 1) for every type, a requester (slot 0,
       hLine 2) sending one request of each type, the handler answering the
       first ones (proxy ids 1..), a proxy message, then both go away. */
    c.len = 0;
    chunk_hello(&c, 1);
    uint32_t types[PX_TYPE_MAX];
    uint32_t n = 0;
    for (uint32_t t = 1; t <= PX_TYPE_MAX; t++)
        if (px_type(t))
            types[n++] = t;
    struct w_open hop = {0,
                         v22,
                         0,
                         LINECALLPRIVILEGE_NONE | LINEOPENOPTION_PROXY,
                         0,
                         0,
                         {(const uint8_t *)types, 4 * n}};
    chunk_msg(&c, 1, W_OPEN, 2, &hop);
    chunk_hello(&c, 0);
    chunk_msg(&c, 0, W_OPEN, 2, &op);
    for (uint32_t i = 0; i < n; i++) {
        len = request_body(body, types[i], v22);
        struct w_request r = {2, 0, v22, 100 + i, types[i], {body, len}};
        chunk_msg(&c, 0, W_REQUEST, 0, &r);
    }
    static const uint8_t handle[4] = {42, 0, 0, 0};
    for (uint32_t id = 1; id <= 4; id++) {
        struct w_response rs = {1, id, id == 1 ? 0x8000000Cu : 0, {handle, sizeof handle}};
        chunk_msg(&c, 1, W_RESPONSE, 0, &rs);
    }
    struct w_proxymsg pm = {1, 0, LINE_AGENTSTATUS, 0, 1, 0};
    chunk_msg(&c, 1, W_PROXYMSG, 0, &pm);
    chunk_msg(&c, 2, W_SHUTDOWN, 3, &sd); /* the requester leaves with requests pending */
    chunk_msg(&c, 1 | 2, W_CLOSE, 4, &(struct w_close){1});
    put(dir, "proxy_pair", c.b, c.len);

    /* Just a HELLO, and a HELLO followed by a second one. */
    c.len = 0;
    chunk_hello(&c, 0);
    put(dir, "hello", c.b, c.len);
    chunk_hello(&c, 0);
    put(dir, "hello_twice", c.b, c.len);
}

/* ---- fuzz_client: server output (see tests/fuzz/fuzz_client.c) ---- */

/* The request types of fuzz_client.c's table `reqs`, by index. */
static const uint32_t client_req_types[16] = {5,   5,    8,    7,    4,   6, 9, 0xB,
                                              0xD, 0x10, 0x13, 0x12, 0xF, 2, 7, 0x13};

static void frames_event(struct wbuf *w, uint32_t hdev, uint32_t msg, uint64_t p1, uint64_t p2,
                         uint64_t p3, const void *data, uint32_t len)
{
    struct w_event ev = {hdev, msg, p1, p2, p3, {data, len}};
    if (wire_encode(w, W_EVENT, 0, &ev, 65536))
        exit(1);
}

/* The LINEPROXYREQUEST the server delivers for type t, a valid answer
   already in its output structure.  Returns its length. */
static uint32_t proxy_request(uint8_t *b, uint32_t t)
{
    const struct px_type *row = px_type(t);
    uint32_t len = PX_HDR + row->union_size;
    memset(b, 0, 2048);
    if (row->out == PX_OUT_STRUCT) {
        uint32_t room = 512;
        build_struct(t, b + row->out_off, room);
        len = row->out_off + room;
    } else if (row->out == PX_OUT_PARAMS) {
        vs_put_u32(b, 36, 16); /* dwSize of the parameter block */
        len = row->out_off + 16 > len ? row->out_off + 16 : len;
    }
    vs_put_u32(b, 0, len);
    vs_put_u32(b, 20, 0x00020002);
    vs_put_u32(b, 24, t);
    return len;
}

static void client_seeds(const char *dir)
{
    static uint8_t buf[4096];
    struct wbuf all = {0};
    for (uint32_t i = 0; i < 16; i++) {
        struct wbuf w = {0};
        const struct px_type *row = px_type(client_req_types[i]);
        uint32_t len = 0;
        if (row->out == PX_OUT_STRUCT)
            len = build_struct(row->type, buf, 512);
        else if (row->out == PX_OUT_HANDLE)
            len = 4, memcpy(buf, "\x07\0\0\0", 4);
        else if (row->out == PX_OUT_PARAMS)
            len = 16, memcpy(buf, "0123456789abcdef", 16);
        frames_event(&w, 1, LINE_REPLY, i, 0, 0, buf, len);
        frames_event(&all, 1, LINE_REPLY, i, i & 1 ? 0x80000048u : 0, 0, buf, len);
        char name[64];
        snprintf(name, sizeof name, "reply_%02u_%s", i, row->name);
        put(dir, name, w.p, w.len);
        wbuf_free(&w);
    }
    for (uint32_t t = 1; t <= PX_TYPE_MAX; t++) {
        if (!px_type(t))
            continue;
        struct wbuf w = {0};
        uint32_t len = proxy_request(buf, t);
        frames_event(&w, 2, LINE_PROXYREQUEST, t, 0, 0, buf, len);
        frames_event(&all, 2, LINE_PROXYREQUEST, 100 + t, 0, 0, buf, len);
        char name[64];
        snprintf(name, sizeof name, "proxyrequest_%s", px_type(t)->name);
        put(dir, name, w.p, w.len);
        wbuf_free(&w);
    }
    /* line events, the library's own, a stray RESULT, then LINE_CLOSE */
    frames_event(&all, 1, LINE_AGENTSTATUS, 0, 1, 0, NULL, 0);
    frames_event(&all, 2, WIRE_EV_TYPES, 0x1FFFFE, 0, 0, NULL, 0);
    frames_event(&all, 2, WIRE_EV_CANCEL, 101, 0, 0, NULL, 0);
    struct w_result r = {0, 1, 2, {NULL, 0}};
    if (wire_encode(&all, W_RESULT, 12345, &r, 65536))
        exit(1);
    frames_event(&all, 1, LINE_CLOSE, 0, 0, 0, NULL, 0);
    frames_event(&all, 2, LINE_CLOSE, 0, 0, 0, NULL, 0);
    put(dir, "everything", all.p, all.len);
    wbuf_free(&all);
}

/* ---- fuzz_config: tapisrv.conf texts ---- */

static void config_seeds(const char *dir)
{
    static const char full[] =
        "\xEF\xBB\xBF; tapisrv configuration\n"
        "# hash comments too\n"
        "\n"
        "[server]\n"
        "socket = /run/test/tapisrv.sock   ; inline comment\n"
        "socket_group = tapi\n"
        "max_frame = 0x20000\n"
        "max_queue = 1048576\n"
        "proxy_timeout = 30\n"
        "proxy_timeout_ms = 1500\n"
        "log_level = warn\n"
        "\n"
        "[line 1]\n"
        "  name = Queue Line\n"
        "  permanent_id = 0x100\n"
        "[line 0]\n"
        "name = Agent St\xC3\xA4tion\n"
        "permanent_id = 010\n"
        "provider_info = ACME\n"
        "switch_info = ACME PBX\n"
        "[line 0 address 1]\n"
        "address = 1002\n"
        "flags = 0x40000000|queue\n"
        "[line 0 address 0]\n"
        "address = 1001\n"
        "name = Main\n"
        "flags = QUEUE ACDGROUP, ROUTEPOINT LINEADDRCAPFLAGS_PREDICTIVEDIALER\n"
        "[ line 1 address 0 ]\n"
        "address = 2001\n"
        "flags =\n";
    put(dir, "full", full, sizeof full - 1);
    static const char server[] = "[server]\nlog_level = debug\nmax_frame = 65536\n";
    put(dir, "server", server, sizeof server - 1);
    static const char bad[] = "[line 0]\nname = a\n[line 0]\nname = b\n[line 7 address 3]\n"
                              "flags = bogus\n[nonsense\nkey without section\n";
    put(dir, "bad", bad, sizeof bad - 1);
    put(dir, "empty", "", 0);
}

/* ---- fuzz_admin: command lines (see tests/fuzz/fuzz_admin.c) ---- */

static void admin_seeds(const char *dir)
{
    /* NUL between arguments, \1 between commands. */
    static const struct {
        const char *name;
        const char *args;
        size_t len;
    } seeds[] = {
#define S(n, a) {n, a, sizeof a - 1}
        S("help", "--help"),
        S("agent_add", "agent\0add\0A100\0--name\0Alice Smith\0--user\0alice"),
        S("agent_add_pin", "agent\0add\0A101\0--name=Bob\0--pin-stdin"),
        S("agent_list", "agent\0add\0A1\1agent\0add\0A2\0--name\0Zo\xC3\xAB\1--json\0agent\0list"),
        S("agent_remove", "agent\0add\0A1\1agent\0remove\0A1\1agent\0remove\0A1"),
        S("agent_set_pin", "agent\0add\0A1\1agent\0set-pin\0A1\1agent\0set-pin\0A1\0--clear"),
        S("group", "group\0add\0Sales\1group\0list\1--json\0group\0list\1group\0remove\0Sales"),
        S("group_guid", "group\0remove\0{01234567-89AB-CDEF-0123-456789ABCDEF}"),
        S("queue", "group\0add\0Sales\1queue\0add\0"
                   "7\0Inbound\0--group\0Sales\1"
                   "queue\0list\0--group=Sales\1queue\0remove\0"
                   "7"),
        S("queue_hex", "group\0add\0G\1queue\0add\0"
                       "0x10\0Q\0--group\0G\1--json\0queue\0list"),
        S("activity", "activity\0add\0"
                      "1\0Lunch\1activity\0list\1activity\0remove\0"
                      "1\1"
                      "--json\0activity\0list"),
        S("usage", "agent\0frobnicate\0--\0-x"),
        S("pin_refused", "agent\0add\0A1\0--pin=1234"),
#undef S
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        put(dir, seeds[i].name, seeds[i].args, seeds[i].len);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : "tests/fuzz/corpus";
    char dir[256];
    mkdir(root, 0755);
    snprintf(dir, sizeof dir, "%s/wire", root);
    wire_seeds(dir);
    snprintf(dir, sizeof dir, "%s/proxy_output", root);
    for (uint32_t type = 1; type <= PX_TYPE_MAX; type++)
        if (px_type(type)->out == PX_OUT_STRUCT)
            output_seed(dir, type);
    snprintf(dir, sizeof dir, "%s/varstruct", root);
    /* a LINEAGENTGROUPLIST-like list as the validator sees it */
    uint8_t buf[256], seed[260];
    vs_writer w;
    vs_init(&w, buf, sizeof buf, 24);
    vs_block blk = vs_reserve_list(&w, 12, 16, 2, 12);
    vs_append_utf8_as_utf16_in(&w, &blk, 4, "one");
    vs_append_utf8_as_utf16_in(&w, &blk, 16, "two");
    vs_finish(&w);
    seed[0] = 3;
    seed[1] = 0;
    seed[2] = 0;
    seed[3] = 1;
    memcpy(seed + 4, buf, w.used);
    put(dir, "list", seed, w.used + 4);
    vs_init(&w, buf, sizeof buf, 36);
    vs_append_str8(&w, 12, "narrow");
    vs_append_utf8_as_utf16(&w, 20, "wide");
    vs_finish(&w);
    seed[0] = 6;
    seed[1] = 3;
    seed[2] = 1 | 2 << 2;
    seed[3] = 0;
    memcpy(seed + 4, buf, w.used);
    put(dir, "fields", seed, w.used + 4);
    snprintf(dir, sizeof dir, "%s/server", root);
    server_seeds(dir);
    snprintf(dir, sizeof dir, "%s/client", root);
    client_seeds(dir);
    snprintf(dir, sizeof dir, "%s/config", root);
    config_seeds(dir);
    snprintf(dir, sizeof dir, "%s/admin", root);
    admin_seeds(dir);
    return 0;
}
