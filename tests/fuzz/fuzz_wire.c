/*
 * Fuzz the frame decoder that library and server share: any bytes, cut
 * into frames the way a reader would, must decode or be refused without
 * reading outside the buffer; a decoded frame re-encodes to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint32_t max = 1u << 20;
    size_t off = 0;
    while (size - off >= WIRE_HDR) {
        long fl = wire_peek(data + off, size - off, max);
        if (fl < 0 || (size_t)fl > size - off)
            break;
        /* A private copy so that reads past the frame are caught by ASan. */
        uint8_t *frame = malloc((size_t)fl);
        memcpy(frame, data + off, (size_t)fl);
        union wire_msg m;
        unsigned type;
        uint32_t seq;
        if (wire_decode(frame, (uint32_t)fl, max, &type, &seq, &m) == WIRE_OK) {
            struct wbuf b = {0};
            if (wire_encode(&b, type, seq, &m, max) != WIRE_OK || b.len != (size_t)fl ||
                memcmp(b.p, frame, b.len) != 0)
                abort(); /* decode and encode disagree */
            wbuf_free(&b);
        }
        free(frame);
        off += (size_t)fl;
    }
    return 0;
}
