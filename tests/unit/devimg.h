/* SPDX-License-Identifier: MIT */
/* A tiny ROMFS image writer for the device-side unit tests (vfs, part,
 * flash_nor, boot): records are built bottom-up into caller buffers, so
 * tests can make exactly the images they need without the builder. */
#ifndef ROMFS_TESTS_DEVIMG_H
#define ROMFS_TESTS_DEVIMG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Encode v as a varuint at out; returns its length. */
static inline size_t di_uint(uint8_t *out, size_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (uint8_t)(v & 0x7f);
        v >>= 7;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(tmp[n - 1 - i] | (i + 1 < n ? 0x80 : 0));
    return n;
}

/* Record kind + length + payload at out; returns its length. */
static inline size_t di_rec(uint8_t *out, size_t kind, const void *payload, size_t len)
{
    size_t n = di_uint(out, kind);
    n += di_uint(out + n, len);
    memmove(out + n, payload, len);
    return n + len;
}

/* name-prefixed entry record (dir: kind 4, file: kind 5 with one data record). */
static inline size_t di_entry(uint8_t *out, size_t kind, const char *name, const void *body,
                              size_t body_len)
{
    uint8_t tmp[8192];
    size_t nl = strlen(name), n = di_uint(tmp, nl);
    memcpy(tmp + n, name, nl);
    n += nl;
    if (kind == 5)
        n += di_rec(tmp + n, 2, body, body_len);
    else {
        memcpy(tmp + n, body, body_len);
        n += body_len;
    }
    return di_rec(out, kind, tmp, n);
}

static inline size_t di_file(uint8_t *out, const char *name, const void *data, size_t len)
{
    return di_entry(out, 5, name, data, len);
}

static inline size_t di_dir(uint8_t *out, const char *name, const void *children, size_t len)
{
    return di_entry(out, 4, name, children, len);
}

/* The filesystem record around the root's children. */
static inline size_t di_image(uint8_t *out, const void *children, size_t len)
{
    return di_rec(out, 0x14a6b1, children, len);
}

#endif
