/* SPDX-License-Identifier: MIT */
/* Shared by unit tests of the library's writers (romfs_json.h's sink): a
 * sink that collects what is written, NUL-terminated, and can fail (-5)
 * at its fail_at-th call to prove a writer stops at the first error.
 * Include after cmocka.h. */
#ifndef ROMFS_TESTS_SINK_H
#define ROMFS_TESTS_SINK_H

#include <stddef.h>
#include <string.h>

typedef struct sink {
    char buf[4096];
    size_t len;
    int calls, fail_at;
} sink_t;

static inline int to_sink(void *ctx, const void *data, size_t len)
{
    sink_t *k = ctx;
    if (++k->calls == k->fail_at)
        return -5;
    assert_true(k->len + len < sizeof k->buf);
    memcpy(k->buf + k->len, data, len);
    k->len += len;
    k->buf[k->len] = '\0';
    return 0;
}

#endif
