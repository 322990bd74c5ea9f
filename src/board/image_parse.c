/* SPDX-License-Identifier: MIT */
/*
 * Parsers of what a board answers when its image is read (image.c):
 * untrusted bytes, every length checked; fuzzed by fuzz/fuzz_boardimg.c.
 */
#include "board_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "romfs/romfs_codec.h"

size_t boardimg_declared_len(const uint8_t *h, size_t n)
{
    if (n < 4 || h[0] != 0xd2 || h[1] != 0xcd || h[2] != 0x31)
        return 0;
    size_t v = 0, i = 3;
    for (; i < n && i < 12; i++) {
        v = (v << 7) | (h[i] & 0x7f);
        if (!(h[i] & 0x80))
            return i + 1 + v;
    }
    return 0;
}

int boardimg_take_chunks(const char *out, uint8_t *dst, size_t n)
{
    size_t got = 0;
    for (const char *p = out; p && *p && got < n; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        char crc[16];
        int skip = 0;
        if (sscanf(p, "C %15s %n", crc, &skip) != 1 || !skip)
            continue;
        const char *t = p + skip;
        size_t tl = strcspn(t, "\r\n");
        uint8_t tmp[BOARDIMG_CHUNK + 3];
        long k = romfs_b64_decode(t, tl, tmp, sizeof tmp);
        if (k < 0 || (size_t)k > n - got)
            return ROMFS_ERR_CORRUPT;
        memcpy(dst + got, tmp, (size_t)k);
        if (strcmp(crc, "-") != 0 && strtoul(crc, NULL, 10) != crc32(0L, dst + got, (uInt)k))
            return ROMFS_ERR_CORRUPT;
        got += (size_t)k;
    }
    return got == n ? 0 : ROMFS_ERR_CORRUPT;
}

int boardimg_parse_probe(const char *out, uint64_t *size, long long *addr, uint8_t head[30], size_t *hlen,
                         long long *heap)
{
    const char *line = out ? strstr(out, "R ") : NULL;
    if (line && strncmp(line, "R NOPART", 8) == 0)
        return ROMFS_ERR_NOPART;
    unsigned long long sz = 0;
    char b64[41] = "";
    long hl = -1;
    long long free_heap = -1;
    int n = line ? sscanf(line, "R OK %llu %lld %40s %lld", &sz, addr, b64, &free_heap) : 0;
    if (n < 3 || (hl = romfs_b64_decode(b64, strlen(b64), head, 30)) < 0)
        return ROMFS_ERR_PROTOCOL;
    *size = sz;
    *hlen = (size_t)hl;
    *heap = n == 4 && free_heap >= 0 ? free_heap : -1;
    return 0;
}
