/*
 * wire.h - the tapix wire protocol, shared by libtapi32 and tapisrv.
 *
 * A connection carries length-prefixed binary frames over a stream socket,
 * little-endian.  Every frame starts with a 12-byte header:
 *
 *     u32 len    whole frame, header included (12 .. max frame size)
 *     u16 type   enum wire_type
 *     u16 flags  0 (reserved; a receiver rejects anything else)
 *     u32 seq    request sequence number echoed in the reply; 0 for events
 *
 * followed by the message's fields in declaration order: u32 and u64 as
 * little-endian integers, STR and BLOB as a u32 byte count and the bytes.
 * A STR is UTF-8 and carries its terminating NUL, so a decoded STR can be
 * used as a C string in place.
 *
 * Every message is declared once, in WIRE_MESSAGES below; the same list
 * generates its C struct (struct w_<name>) and the field table that the one
 * encoder and the one decoder walk.  Decoding is bounds-checked and never
 * copies: a decoded BLOB or STR points into the frame buffer.
 *
 * The first frame on a connection is HELLO (client) answered by a RESULT
 * whose `a` is the server's protocol version; a peer that speaks another
 * version is refused there.
 */
#ifndef TAPIX_WIRE_H
#define TAPIX_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC 0x58504154u /* "TAPX" */
#define WIRE_PROTO 1u
#define WIRE_HDR 12u
#define WIRE_MAX_FRAME_DEFAULT (16u * 1024u * 1024u)

struct wire_blob {
    const uint8_t *p;
    uint32_t len;
};

/*
 * The messages.  F(S, kind, name) per field; kind is U32, U64, STR or BLOB.
 * Requests are answered by RESULT with the request's seq.
 */
#define WIRE_MESSAGES(X)                                                                           \
    /* client -> server */                                                                         \
    X(HELLO, hello)         /* lineInitializeEx: a = devices, b = server ver */                    \
    X(NEGOTIATE, negotiate) /* a = version, data = LINEEXTENSIONID */                              \
    X(DEVCAPS, devcaps)     /* data = LINEDEVCAPS, dwUsedSize bytes */                             \
    X(ADDRCAPS, addrcaps)   /* data = LINEADDRESSCAPS */                                           \
    X(OPEN, open)           /* a = hLine */                                                        \
    X(CLOSE, close)                                                                                \
    X(SHUTDOWN, shutdown)                                                                          \
    X(REQUEST, request)         /* one-way: completes with EVENT LINE_REPLY */                     \
    X(RESPONSE, response)       /* one-way: a handler's lineProxyResponse */                       \
    X(PROXYMSG, proxymsg)       /* one-way: lineProxyMessage */                                    \
    X(PROXYSTATUS, proxystatus) /* data = LINEPROXYREQUESTLIST */                                  \
    /* server -> client */                                                                         \
    X(RESULT, result) /* answer to any request */                                                  \
    X(EVENT, event)   /* one LINEMESSAGE for the app */

/* The fields of each message, one a line, in wire order. */
#define WF_hello(F, S)                                                                             \
    F(S, U32, magic)                                                                               \
    F(S, U32, proto)                                                                               \
    F(S, U32, api_version)                                                                         \
    F(S, U32, pid)                                                                                 \
    F(S, STR, name)
#define WF_negotiate(F, S)                                                                         \
    F(S, U32, device)                                                                              \
    F(S, U32, low)                                                                                 \
    F(S, U32, high)
#define WF_devcaps(F, S)                                                                           \
    F(S, U32, device)                                                                              \
    F(S, U32, api_version)                                                                         \
    F(S, U32, ext_version)                                                                         \
    F(S, U32, total)                                                                               \
    F(S, U32, wide)
#define WF_addrcaps(F, S)                                                                          \
    F(S, U32, device)                                                                              \
    F(S, U32, address)                                                                             \
    F(S, U32, api_version)                                                                         \
    F(S, U32, ext_version)                                                                         \
    F(S, U32, total)                                                                               \
    F(S, U32, wide)
#define WF_open(F, S)                                                                              \
    F(S, U32, device)                                                                              \
    F(S, U32, api_version)                                                                         \
    F(S, U32, ext_version)                                                                         \
    F(S, U32, privileges)                                                                          \
    F(S, U32, media_modes)                                                                         \
    F(S, U32, address_id)                                                                          \
    F(S, BLOB, proxy_types)
#define WF_close(F, S) F(S, U32, hline)
#define WF_shutdown(F, S) F(S, U32, reserved)
#define WF_request(F, S)                                                                           \
    F(S, U32, hline)                                                                               \
    F(S, U32, device)                                                                              \
    F(S, U32, app_version)                                                                         \
    F(S, U32, reqid)                                                                               \
    F(S, U32, type)                                                                                \
    F(S, BLOB, body)
#define WF_response(F, S)                                                                          \
    F(S, U32, hline)                                                                               \
    F(S, U32, proxy_id)                                                                            \
    F(S, U32, result)                                                                              \
    F(S, BLOB, out)
#define WF_proxymsg(F, S)                                                                          \
    F(S, U32, hline)                                                                               \
    F(S, U32, hcall)                                                                               \
    F(S, U32, msg)                                                                                 \
    F(S, U32, p1)                                                                                  \
    F(S, U32, p2)                                                                                  \
    F(S, U32, p3)
#define WF_proxystatus(F, S)                                                                       \
    F(S, U32, device)                                                                              \
    F(S, U32, api_version)                                                                         \
    F(S, U32, total)
#define WF_result(F, S)                                                                            \
    F(S, U32, result)                                                                              \
    F(S, U32, a)                                                                                   \
    F(S, U32, b)                                                                                   \
    F(S, BLOB, data)
#define WF_event(F, S)                                                                             \
    F(S, U32, hdevice)                                                                             \
    F(S, U32, msg)                                                                                 \
    F(S, U64, p1)                                                                                  \
    F(S, U64, p2)                                                                                  \
    F(S, U64, p3)                                                                                  \
    F(S, BLOB, data)

/* Internal EVENT messages, consumed by the library (never shown to apps). */
#define WIRE_EV_TYPES 0x10001u  /* p1 = mask (bit n = LINEPROXYREQUEST_ n) served on hdevice */
#define WIRE_EV_CANCEL 0x10002u /* p1 = proxy id no longer pending at this handler */

enum wire_type {
    W_NONE = 0,
#define WIRE_ENUM_(T, t) W_##T,
    WIRE_MESSAGES(WIRE_ENUM_)
#undef WIRE_ENUM_
        W__COUNT
};

#define WIRE_CTYPE_U32 uint32_t
#define WIRE_CTYPE_U64 uint64_t
#define WIRE_CTYPE_STR struct wire_blob
#define WIRE_CTYPE_BLOB struct wire_blob
#define WIRE_FIELD_DECL_(S, K, n) WIRE_CTYPE_##K n;
#define WIRE_STRUCT_(T, t)                                                                         \
    struct w_##t {                                                                                 \
        WF_##t(WIRE_FIELD_DECL_, struct w_##t)                                                     \
    };
WIRE_MESSAGES(WIRE_STRUCT_)
#undef WIRE_STRUCT_

/* Any decoded message fits in this union. */
union wire_msg {
#define WIRE_UNION_(T, t) struct w_##t t;
    WIRE_MESSAGES(WIRE_UNION_)
#undef WIRE_UNION_
};

/* A growable output buffer.  A frame is appended whole or not at all. */
struct wbuf {
    uint8_t *p;
    size_t len, cap;
};

/* Error codes of the codec (negative). */
enum {
    WIRE_OK = 0,
    WIRE_ESHORT = -1, /* truncated: a field runs past the frame */
    WIRE_ETYPE = -2,  /* unknown type or nonzero flags */
    WIRE_ELEN = -3,   /* header length outside 12..max, or trailing bytes */
    WIRE_ESTR = -4,   /* STR without its NUL, or with one inside */
    WIRE_ENOMEM = -5,
    WIRE_ETOOBIG = -6, /* encoding would exceed the maximum frame size */
};

/* Name of a message type ("HELLO"), or "?" when unknown. */
const char *wire_type_name(unsigned type);

/* A wire_blob for a C string, NUL included; NULL gives an empty blob. */
struct wire_blob wire_str(const char *s);

/*
 * Append one frame of `type` with `seq`, encoding the struct w_<type> at
 * `msg`, to `out`.  Returns WIRE_OK, WIRE_ETYPE, WIRE_ETOOBIG when the frame
 * would exceed `max` bytes, or WIRE_ENOMEM; on error `out` is unchanged.
 */
int wire_encode(struct wbuf *out, unsigned type, uint32_t seq, const void *msg, uint32_t max);

/*
 * Check a frame header.  `avail` bytes are at `p` (at least WIRE_HDR).
 * Returns the frame length, or WIRE_ELEN / WIRE_ETYPE when the header is
 * invalid (the connection must then be dropped).
 */
long wire_peek(const uint8_t *p, size_t avail, uint32_t max);

/*
 * Decode one whole frame of `len` bytes into `msg`.  Sets *type and *seq.
 * Every field is bounds-checked; the frame must be consumed exactly.
 * Returns WIRE_OK or a negative WIRE_E* code.  BLOB and STR fields point
 * into `frame`.
 */
int wire_decode(const uint8_t *frame, uint32_t len, uint32_t max, unsigned *type, uint32_t *seq,
                union wire_msg *msg);

/* Remove the first n bytes of b (after they were written or consumed). */
void wbuf_consume(struct wbuf *b, size_t n);
/* Make room for at least n more bytes; returns 0 or WIRE_ENOMEM. */
int wbuf_reserve(struct wbuf *b, size_t n);
void wbuf_free(struct wbuf *b);

#endif
