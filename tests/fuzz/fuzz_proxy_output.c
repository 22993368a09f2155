/*
 * Fuzz what a (possibly hostile) proxy handler returns: for every request
 * type with an output structure, px_validate must refuse anything unsafe,
 * and px_to_narrow must turn whatever it accepted into a structure that is
 * valid in its UTF-8 form, never writing past the room it was given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxytab.h"
#include "varstruct.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const struct px_type *t = px_type(1 + data[0] % PX_TYPE_MAX);
    if (t->out != PX_OUT_STRUCT)
        return 0;
    uint32_t ver = (data[1] & 1) ? 0x00020002 : 0x00020000;
    uint32_t room = 12 + data[2] * 4u; /* the requester's dwTotalSize */
    size -= 3;
    uint8_t *src = malloc(size ? size : 1);
    memcpy(src, data + 3, size);
    const char *why;
    if (px_validate(t->st, src, (uint32_t)size, ver, 0, &why) == 0 &&
        room >= px_fixed(t->st, ver)) {
        uint8_t *dst = malloc(room + 16);
        memset(dst + room, 0xA5, 16);
        if (px_to_narrow(t->st, src, (uint32_t)size, dst, room, ver) == 0) {
            uint32_t used = vs_get_u32(dst, 8);
            if (used > room || px_validate(t->st, dst, used, ver, 1, &why) != 0)
                abort();
        }
        for (int i = 0; i < 16; i++)
            if (dst[room + i] != 0xA5)
                abort();
        free(dst);
    }
    free(src);
    return 0;
}
