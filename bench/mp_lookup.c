/* SPDX-License-Identifier: MIT */
/* See mp_lookup.h. Freestanding, so the size report can cross-compile it
 * beside the reader. */
#include "mp_lookup.h"

#include <string.h>

/* As mp_decode_uint: no end, no overflow check. */
__attribute__((noinline)) static size_t mp_uint(const uint8_t **ptr)
{
    size_t v = 0;
    const uint8_t *p = *ptr;
    uint8_t b;
    do {
        b = *p++;
        v = (v << 7) | (b & 0x7f);
    } while (b & 0x80);
    *ptr = p;
    return v;
}

static size_t mp_record(const uint8_t **fs, const uint8_t **next)
{
    size_t kind = mp_uint(fs);
    size_t len = mp_uint(fs);
    *next = *fs + len;
    return kind;
}

static void mp_data(const uint8_t *base, const uint8_t *p, const uint8_t *top, size_t *size,
                    const uint8_t **data)
{
    *size = 0;
    *data = NULL;
    while (p < top) {
        const uint8_t *next;
        size_t kind = mp_record(&p, &next);
        if (kind == 2) {
            *size = (size_t)(next - p);
            *data = p;
            return;
        }
        if (kind == 3) {
            *size = mp_uint(&p);
            *data = base + mp_uint(&p);
            return;
        }
        p = next;
    }
}

int mp_lookup(const uint8_t *fs, const uint8_t *fs_end, const char *path, size_t *size,
              const uint8_t **data)
{
    const uint8_t *p = fs, *top = fs_end;
    size_t n = strlen(path);
    if (*path == '/') {
        path++;
        n--;
    }
    while (n > 0 && p < top) {
        const uint8_t *next;
        size_t kind = mp_record(&p, &next);
        if (kind != 4 && kind != 5) {
            p = next;
            continue;
        }
        size_t name_len = mp_uint(&p);
        if ((name_len == n || (name_len < n && path[name_len] == '/')) && memcmp(path, p, name_len) == 0) {
            p += name_len;
            top = next;
            path += name_len;
            n -= name_len;
            if (kind == 4) {
                if (*path == '/') {
                    path++;
                    n--;
                }
                continue;
            }
            if (n != 0)
                return MP_LOOKUP_NONE;
            mp_data(fs, p, top, size, data);
            return MP_LOOKUP_FILE;
        }
        p = next;
    }
    if (n == 0) {
        *size = (size_t)(top - p);
        *data = p;
        return MP_LOOKUP_DIR;
    }
    return MP_LOOKUP_NONE;
}

size_t mp_plain_scan(const uint8_t *fs, const uint8_t *fs_end)
{
    size_t count = 0;
    while (fs < fs_end) {
        const uint8_t *next;
        mp_record(&fs, &next);
        fs = next;
        count++;
    }
    return count;
}
