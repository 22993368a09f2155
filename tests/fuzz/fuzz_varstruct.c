/*
 * Fuzz the validator of variably-sized structures from other processes:
 * the first bytes choose a field layout, the rest is the structure.  The
 * validator must never read past len, and a structure it accepts must
 * really satisfy what it promises (every field inside the used part and
 * terminated as its kind requires).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "varstruct.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const uint8_t *buf, uint32_t used, uint32_t fixed, const vs_field *f)
{
    uint32_t sz = vs_get_u32(buf, f->pair_off), off = vs_get_u32(buf, f->pair_off + 4);
    if (!sz)
        return;
    if (off < fixed || off > used || sz > used - off)
        abort();
    if (f->kind == VS_STR8 && buf[off + sz - 1] != 0)
        abort();
    if (f->kind == VS_STR16 && (sz % 2 || vs_get_u16(buf, off + sz - 2) != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    /* layout: fixed part 12..76 bytes, up to 3 fields in it */
    uint32_t fixed = 12 + 4 * (data[0] % 17);
    vs_field fields[3];
    size_t n = 0;
    for (int i = 0; i < 3 && 12 + 8 * (uint32_t)i + 8 <= fixed; i++)
        if (data[1] & (1 << i))
            fields[n++] = (vs_field){12 + 8 * (uint32_t)i, (uint8_t)((data[2] >> (2 * i)) % 5)};
    int list = data[3] & 1;
    size -= 4;
    uint8_t *buf = malloc(size ? size : 1);
    memcpy(buf, data + 4, size);
    const char *why;
    static const vs_field entry[] = {{4, VS_STR16}};
    int rc;
    if (list && fixed >= 24)
        rc = vs_validate_list(buf, (uint32_t)size, fixed, 12, 16, 12, entry, 1, &why);
    else
        rc = vs_validate(buf, (uint32_t)size, fixed, fields, n, &why);
    if (rc == 0 && !list) {
        uint32_t used = vs_get_u32(buf, 8);
        if (used > size || used < fixed || vs_get_u32(buf, 0) < used || vs_get_u32(buf, 4) < used)
            abort();
        for (size_t i = 0; i < n; i++)
            check_field(buf, used, fixed, &fields[i]);
    }
    free(buf);
    return 0;
}
