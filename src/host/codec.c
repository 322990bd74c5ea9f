/* SPDX-License-Identifier: MIT */
/* Hex, base64, Python bytes literals and raw deflate: how chunks travel to
 * a board and how a board's answers come back. Decoders take untrusted
 * text: every length is checked against the caller's buffer. */
#include "romfs/romfs.h"
#include "romfs/romfs_codec.h"

#include <string.h>
#include <zlib.h>

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char HEX[] = "0123456789abcdef";

size_t romfs_hex_encode(const uint8_t *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = HEX[in[i] >> 4];
        out[2 * i + 1] = HEX[in[i] & 15];
    }
    return 2 * n;
}

size_t romfs_b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = B64[v >> 18];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? B64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? B64[v & 63] : '=';
    }
    return o;
}

size_t romfs_pylit_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = HEX[c >> 4];
            out[o++] = HEX[c & 15];
        }
    }
    return o;
}

size_t romfs_deflate_raw(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (n > 0xffffffffu || cap > 0xffffffffu)
        return 0;
    if (deflateInit2(&z, 9, Z_DEFLATED, -9, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int r = deflate(&z, Z_FINISH);
    size_t len = z.total_out;
    deflateEnd(&z);
    return r == Z_STREAM_END && len < n ? len : 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long romfs_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
    if (len % 2 || len / 2 > cap || len / 2 > (size_t)0x7fffffff)
        return ROMFS_ERR_INVAL;
    for (size_t i = 0; i < len; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return ROMFS_ERR_INVAL;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return (long)(len / 2);
}

static int b64val(char c)
{
    const char *q = c ? memchr(B64, c, 64) : NULL;
    return q ? (int)(q - B64) : -1;
}

/* One group of 4 characters (pad: how many of them are '=') into out. */
static long b64_group(const int v[4], int pad, uint8_t *out, size_t room)
{
    size_t bytes = (size_t)(3 - pad);
    if (bytes > room)
        return -1;
    uint32_t acc = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)(pad < 2 ? v[2] : 0) << 6 |
                   (uint32_t)(pad < 1 ? v[3] : 0);
    for (size_t i = 0; i < bytes; i++)
        out[i] = (uint8_t)(acc >> (16 - 8 * i));
    return (long)bytes;
}

long romfs_b64_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
    int v[4], k = 0, pad = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\n' || c == '\r' || c == ' ')
            continue;
        if (c == '=') {
            if (k < 2)
                return ROMFS_ERR_INVAL;
            pad++;
            v[k++] = 0;
        } else {
            if (pad || (v[k] = b64val(c)) < 0)
                return ROMFS_ERR_INVAL;
            k++;
        }
        if (k == 4) {
            long got = b64_group(v, pad, out + n, cap - n);
            if (got < 0 || n + (size_t)got > 0x7fffffff)
                return ROMFS_ERR_INVAL;
            n += (size_t)got;
            k = pad = 0;
        }
    }
    return k ? ROMFS_ERR_INVAL : (long)n;
}
