/* SPDX-License-Identifier: MIT */
/*
 * What differs between two images (host library), as `romfs diff` shows
 * it: the entries added, removed and changed, in path order (each
 * directory's entries by name bytes, children right after their
 * directory, any depth the reader takes: the walk keeps its frames on the
 * heap), and how many erase blocks a deploy of B over A would write.
 */
#ifndef ROMFS_DIFF_H
#define ROMFS_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs.h"
#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

typedef enum romfs_diff_kind {
    ROMFS_DIFF_ADDED = '+',     /* only in B */
    ROMFS_DIFF_REMOVED = '-',   /* only in A */
    ROMFS_DIFF_CHANGED = '~',   /* a file in both whose bytes differ */
} romfs_diff_kind_t;

typedef struct romfs_diff_counts {
    size_t added, removed, changed, same;
} romfs_diff_counts_t;

/* One difference: path ("/lib/a.py", path_len bytes, not NUL-terminated;
 * names are bytes from the image, escape them before showing), entry (B's,
 * or A's when removed) and before (A's when changed, else NULL). Return 0,
 * or a negative error to stop. */
typedef int (*romfs_diff_fn)(void *ctx, romfs_diff_kind_t kind, const char *path, size_t path_len,
                             const romfs_info_t *entry, const romfs_info_t *before);

/* Compare mounted images a and b, calling fn (may be NULL) per difference
 * and counting into *counts. A type change (file <-> directory) is one
 * removal and one addition. 0; a negative error with msg (cap bytes) saying
 * what and *side which image (0 a, 1 b, -1 neither: out of memory), or
 * fn's error. */
int romfs_diff(const romfs_t *a, const romfs_t *b, romfs_diff_fn fn, void *ctx, romfs_diff_counts_t *counts,
               int *side, char *msg, size_t cap);

/* How a side reaches a partition. */
typedef enum romfs_diff_form {
    ROMFS_DIFF_IMAGE,   /* an image file: written as it is */
    ROMFS_DIFF_TREE,    /* a directory: in the stable layout (fresh, or over the base) */
    ROMFS_DIFF_BOARD,   /* a board's image: as it is alone, in the stable layout over a base */
} romfs_diff_form_t;

typedef struct romfs_diff_deploy {
    uint32_t nwrite, nblocks;   /* blocks written, blocks of B's deployed form */
    uint64_t write_bytes;
    int used_base;              /* B was laid out relative to A */
} romfs_diff_deploy_t;

/* The blocks (of block_size bytes) a deploy of b would write over a
 * partition holding a as a deploy of a leaves it (romfs_deploy_plan),
 * blocks past that counted as written. 0; a negative error with msg and
 * *side: 0 or 1, the image that cannot be laid out; -1, no plan. */
int romfs_diff_deploy(const uint8_t *a, size_t alen, romfs_diff_form_t aform, const uint8_t *b, size_t blen,
                      romfs_diff_form_t bform, uint32_t block_size, romfs_diff_deploy_t *out, int *side, char *msg,
                      size_t cap);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_DIFF_H */
