/* SPDX-License-Identifier: MIT */
/*
 * Parsers of what a board answers when its image is read (image.c):
 * untrusted bytes, every length checked; fuzzed by fuzz/fuzz_boardimg.c.
 */
#include "board_int.h"

#include <stdint.h>
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

/* A decimal number at *p: optional '-' (when neg_ok), 1-19 digits, no sign
 * or space before it, in [lo, hi]; *p moves past it. 0, or -1. */
static int take_num(const char **p, int neg_ok, long long lo, long long hi, long long *v)
{
    const char *s = *p;
    int neg = neg_ok && *s == '-';
    s += neg;
    unsigned long long acc = 0;
    size_t nd = 0;
    for (; *s >= '0' && *s <= '9'; s++, nd++) {
        if (nd == 19)
            return -1;
        acc = acc * 10 + (unsigned)(*s - '0');
    }
    if (nd == 0 || acc > 9223372036854775807ULL)
        return -1;
    long long x = neg ? -(long long)acc : (long long)acc;
    if (x < lo || x > hi)
        return -1;
    *v = x;
    *p = s;
    return 0;
}

/* One space, then a token; 0 when there is one. */
static int take_space(const char **p)
{
    if (**p != ' ' || (*p)[1] == ' ' || (*p)[1] == '\0' || (*p)[1] == '\r' || (*p)[1] == '\n')
        return -1;
    (*p)++;
    return 0;
}

static int at_line_end(const char *p)
{
    return *p == '\0' || *p == '\n' || (*p == '\r' && (p[1] == '\n' || p[1] == '\0'));
}

int boardimg_take_chunks(const char *out, uint8_t *dst, size_t n)
{
    size_t got = 0;
    for (const char *p = out; p && *p && got < n; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, "C ", 2) != 0)
            continue;
        const char *t = p + 2;
        long long crc = -1;
        if (*t == '-')
            t++;
        else if (take_num(&t, 0, 0, 0xffffffffLL, &crc) < 0)
            return ROMFS_ERR_CORRUPT;
        if (take_space(&t) < 0)
            return ROMFS_ERR_CORRUPT;
        size_t tl = strcspn(t, "\r\n");
        uint8_t tmp[BOARDIMG_CHUNK + 3];
        long k = romfs_b64_decode(t, tl, tmp, sizeof tmp);
        if (k < 0 || (size_t)k > n - got)
            return ROMFS_ERR_CORRUPT;
        memcpy(dst + got, tmp, (size_t)k);
        if (crc >= 0 && (uint32_t)crc != crc32(0L, dst + got, (uInt)k))
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
    /* "R OK size address base64 [free-heap]", every field strict: sizes
     * and counts are digits only (an address or free heap may be -1),
     * single spaces, nothing after. */
    if (!line || strncmp(line, "R OK ", 5) != 0)
        return ROMFS_ERR_PROTOCOL;
    const char *p = line + 5;
    long long sz, a, free_heap = -1;
    if (take_num(&p, 0, 1, (long long)UINT32_MAX * 256, &sz) < 0 || take_space(&p) < 0 ||
        take_num(&p, 1, -1, INT64_MAX, &a) < 0 || take_space(&p) < 0)
        return ROMFS_ERR_PROTOCOL;
    size_t bl = strcspn(p, " \r\n");
    long hl;
    if (bl == 0 || bl > 40 || (hl = romfs_b64_decode(p, bl, head, 30)) < 0)
        return ROMFS_ERR_PROTOCOL;
    p += bl;
    if (*p == ' ' && (take_space(&p) < 0 || take_num(&p, 1, -1, INT64_MAX, &free_heap) < 0))
        return ROMFS_ERR_PROTOCOL;
    if (!at_line_end(p))
        return ROMFS_ERR_PROTOCOL;
    *size = (uint64_t)sz;
    *addr = a;
    *hlen = (size_t)hl;
    *heap = free_heap >= 0 ? free_heap : -1;
    return 0;
}
