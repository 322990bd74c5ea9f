/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the UF2 and Intel HEX decoders (romfs check/ls of .uf2
 * and .hex files) and their encoders. Any input: decoding never reads or
 * writes outside its buffers and, on success, yields at most the input's
 * size. The input as data: encoding then decoding gives it back (UF2: padded
 * with 0xFF to whole 256-byte payloads), at the address and family encoded. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "romfs/romfs_flashfmt.h"

struct sink {
    uint8_t *p;
    size_t len, cap;
};

static int put(void *ctx, const void *d, size_t n)
{
    struct sink *s = ctx;
    FUZZ_ASSERT(n <= s->cap - s->len);
    memcpy(s->p + s->len, d, n);
    s->len += n;
    return 0;
}

static void decode_any(const uint8_t *in, size_t len, int fmt)
{
    uint8_t *out;
    romfs_flash_info_t info;
    int r = romfs_flash_decode(in, len, fmt, &out, &info);
    if (r == 0) {
        FUZZ_ASSERT(info.size <= len);
        FUZZ_ASSERT((uint64_t)info.address + info.size <= 0x100000000ull);
        if (info.size)
            FUZZ_ASSERT(out[info.size - 1] == out[info.size - 1]); /* readable */
        free(out);
    } else {
        FUZZ_ASSERT(r == ROMFS_ERR_IO || r == ROMFS_ERR_NOMEM);
        FUZZ_ASSERT(info.err[0] != '\0' && info.err_offset <= len);
    }
}

static void round_trip(const uint8_t *data, size_t len, int fmt, uint32_t addr, uint32_t family)
{
    size_t blocks = (len + 255) / 256;
    struct sink s = {.cap = fmt == ROMFS_FLASHFMT_UF2 ? blocks * 512 : 64 + (len / 16 + 2) * 2 * 48};
    s.p = malloc(s.cap ? s.cap : 1);
    FUZZ_ASSERT(s.p);
    int r = fmt == ROMFS_FLASHFMT_UF2 ? romfs_uf2_write(data, len, addr, family, put, &s)
                                      : romfs_ihex_write(data, len, addr, put, &s);
    if (r == ROMFS_ERR_INVAL) { /* past 4 GiB */
        FUZZ_ASSERT((uint64_t)addr + len > 0x100000000ull - 256);
        free(s.p);
        return;
    }
    FUZZ_ASSERT(r == 0);
    FUZZ_ASSERT(romfs_flashfmt_detect(s.p, s.len) == (len || fmt == ROMFS_FLASHFMT_IHEX ? fmt : ROMFS_FLASHFMT_RAW));
    if (len) {
        uint8_t *out;
        romfs_flash_info_t info;
        FUZZ_ASSERT(romfs_flash_decode(s.p, s.len, fmt, &out, &info) == 0);
        FUZZ_ASSERT(info.address == addr);
        FUZZ_ASSERT(info.family == (fmt == ROMFS_FLASHFMT_UF2 ? family : 0));
        FUZZ_ASSERT(info.size == (fmt == ROMFS_FLASHFMT_UF2 ? blocks * 256 : len));
        FUZZ_ASSERT(memcmp(out, data, len) == 0);
        for (size_t i = len; i < info.size; i++)
            FUZZ_ASSERT(out[i] == 0xff);
        free(out);
    }
    free(s.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
    decode_any(in, len, ROMFS_FLASHFMT_UF2);
    decode_any(in, len, ROMFS_FLASHFMT_IHEX);
    if (len >= 8) {
        uint32_t addr = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
        uint32_t family = (uint32_t)in[4] << 24 | (uint32_t)in[5] << 16 | (uint32_t)in[6] << 8 | in[7];
        round_trip(in + 8, len - 8, ROMFS_FLASHFMT_UF2, addr & ~0xffu, family);
        round_trip(in + 8, len - 8, ROMFS_FLASHFMT_IHEX, addr, 0);
    }
    return 0;
}
