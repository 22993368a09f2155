/*
 * Writes the seed corpora under tests/fuzz/corpus/: real frames of every
 * wire message, and valid UTF-16 output structures of every request type,
 * so the fuzzers start from the shapes that matter.  `make fuzz-seeds`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
        case W_HELLO: m.hello = (struct w_hello){WIRE_MAGIC, WIRE_PROTO, 0x00020002, 1, b}; break;
        case W_OPEN: m.open.proxy_types = (struct wire_blob){(const uint8_t *)"\x0c\0\0\0", 4}; break;
        case W_REQUEST: m.request.body = b; break;
        case W_RESPONSE: m.response.out = b; break;
        case W_RESULT: m.result.data = b; break;
        case W_EVENT: m.event.data = b; break;
        default: break;
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

/* A complete UTF-16 output structure of type t, prefixed by the fuzzer's
   3 control bytes (type, version, room). */
static void output_seed(const char *dir, uint32_t type)
{
    const struct px_type *t = px_type(type);
    uint8_t buf[1024];
    vs_writer w;
    vs_init(&w, buf, sizeof buf, t->st->fixed);
    for (size_t i = 0; i < t->st->nfields; i++) {
        uint32_t pair = t->st->fields[i].pair_off;
        if (t->st->num_off && pair == t->st->list_pair_off) {
            vs_block blk = vs_reserve_list(&w, t->st->num_off, pair, 2, t->st->entry_size);
            for (uint32_t k = 0; k < 2; k++)
                for (size_t j = 0; j < t->st->n_entry_fields; j++)
                    vs_append_utf8_as_utf16_in(&w, &blk,
                                               k * t->st->entry_size + t->st->entry_fields[j].pair_off,
                                               k ? "\xC3\x9C" "ber" : "Sales");
        } else if (t->st->fields[i].kind == VS_STR16) {
            vs_append_utf8_as_utf16(&w, pair, "tapix \xF0\x9F\x93\x9E");
        } else {
            vs_append(&w, pair, "0123456789abcdef", 16);
        }
    }
    vs_finish(&w);
    uint8_t out[1024 + 3] = {(uint8_t)(type - 1), 1, 200};
    memcpy(out + 3, buf, w.used);
    char name[64];
    snprintf(name, sizeof name, "%s", t->name);
    put(dir, name, out, w.used + 3);
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
    seed[0] = 3; seed[1] = 0; seed[2] = 0; seed[3] = 1;
    memcpy(seed + 4, buf, w.used);
    put(dir, "list", seed, w.used + 4);
    vs_init(&w, buf, sizeof buf, 36);
    vs_append_str8(&w, 12, "narrow");
    vs_append_utf8_as_utf16(&w, 20, "wide");
    vs_finish(&w);
    seed[0] = 6; seed[1] = 3; seed[2] = 1 | 2 << 2; seed[3] = 0;
    memcpy(seed + 4, buf, w.used);
    put(dir, "fields", seed, w.used + 4);
    return 0;
}
