/* SPDX-License-Identifier: MIT */
/* Shared by the fuzz targets: a failed expectation must crash so libFuzzer
 * (or the replay driver) records it, whatever NDEBUG says. */
#ifndef ROMFS_FUZZ_COMMON_H
#define ROMFS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond)                                                                  \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: expectation failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* [p, p+n) lies inside [img, img+len). */
#define FUZZ_ASSERT_INSIDE(img, len, p, n) \
    FUZZ_ASSERT((p) >= (img) && (p) <= (img) + (len) && (size_t)(n) <= (size_t)((img) + (len) - (p)))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A growing buffer for images written through a romfs_write_fn. */
typedef struct fuzz_mem {
    uint8_t *buf;
    size_t len, cap;
} fuzz_mem_t;

static inline int fuzz_mem_write(void *ctx, const void *data, size_t len)
{
    fuzz_mem_t *m = ctx;
    if (m->len + len > m->cap) {
        size_t cap = (m->len + len) * 2;
        uint8_t *nb = realloc(m->buf, cap);
        if (nb == NULL)
            return -12; /* ENOMEM */
        m->buf = nb;
        m->cap = cap;
    }
    memcpy(m->buf + m->len, data, len);
    m->len += len;
    return 0;
}

#endif
