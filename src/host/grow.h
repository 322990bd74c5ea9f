/* SPDX-License-Identifier: MIT */
/* Private to the host library: growing a heap array by doubling. */
#ifndef ROMFS_HOST_GROW_H
#define ROMFS_HOST_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* Return v with room for `need` elements of `elem` bytes, doubling *cap
 * from `first`; NULL when out of memory (v and *cap untouched). */
static inline void *romfs_grow(void *v, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return v;
    size_t n = *cap ? *cap : first;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return NULL;
        n *= 2;
    }
    if (n > SIZE_MAX / elem)
        return NULL;
    void *p = realloc(v, n * elem);
    if (p)
        *cap = n;
    return p;
}

#endif
