/* SPDX-License-Identifier: MIT */
/* The host's one varuint encoder (varuint.h). */
#include "varuint.h"

unsigned romfs_varuint_len(uint64_t v)
{
    unsigned n = 1;
    while (v >>= 7)
        n++;
    return n;
}

unsigned romfs_varuint_put(uint8_t *out, uint64_t v, unsigned width)
{
    if (!width)
        width = romfs_varuint_len(v);
    for (unsigned i = width; i-- > 0;) {
        out[i] = (uint8_t)((v & 0x7f) | (i + 1 < width ? 0x80 : 0));
        v >>= 7;
    }
    return width;
}
