/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the parsers of a board's answers when its image is read
 * (src/board/image_parse.c). The first byte picks the parser; the rest is what
 * the board sent. Nothing may be written past the buffers given, a decoded
 * length never exceeds its room, and a read either yields exactly the bytes
 * asked for or fails. */
#include <string.h>

#include "board_int.h"
#include "romfs/romfs_codec.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 20)
        return 0;
    char *text = malloc(size);
    FUZZ_ASSERT(text);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    uint8_t out[4096];
    switch (data[0] % 4) {
    case 0: {
        size_t cap = data[0] / 4 % 64;
        long n = romfs_b64_decode(text, strlen(text), out, cap);
        FUZZ_ASSERT(n == ROMFS_ERR_INVAL || (n >= 0 && n <= (long)cap));
        break;
    }
    case 1: {
        size_t n = boardimg_declared_len(data + 1, size - 1 < 30 ? size - 1 : 30);
        FUZZ_ASSERT(n == 0 || n >= 4);   /* magic + a one-byte length at least */
        break;
    }
    case 2: {
        size_t want = (size_t)data[0] * 13 % sizeof out;
        memset(out, 0xa5, sizeof out);
        int r = boardimg_take_chunks(text, out, want);
        FUZZ_ASSERT(r == 0 || r == ROMFS_ERR_CORRUPT);
        for (size_t i = want; i < sizeof out; i++)
            FUZZ_ASSERT(out[i] == 0xa5);
        break;
    }
    default: {
        uint8_t head[30];
        uint64_t psize;
        long long addr, heap = -7;
        size_t hlen = 99;
        int r = boardimg_parse_probe(text, &psize, &addr, head, &hlen, &heap);
        FUZZ_ASSERT(r == 0 || r == ROMFS_ERR_NOPART || r == ROMFS_ERR_PROTOCOL);
        FUZZ_ASSERT(r != 0 || hlen <= sizeof head);
        /* A size is a positive count, never a negative one wrapped. */
        FUZZ_ASSERT(r != 0 || (psize >= 1 && psize <= (uint64_t)UINT32_MAX * 256));
        FUZZ_ASSERT(r != 0 || addr >= -1);
        /* The free heap is a count or "unknown", never another negative. */
        FUZZ_ASSERT(r != 0 || heap >= -1);
        break;
    }
    }
    free(text);
    return 0;
}
