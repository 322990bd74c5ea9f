/* SPDX-License-Identifier: MIT */
/*
 * libromfs stable layout: re-lay an image out so that a later edit changes
 * as few erase blocks as possible.
 *
 * The reference layout packs entries in name order, so editing one early
 * file shifts every byte after it. The stable ("deploy") layout instead puts
 * the directory tree up front with slack after it, and every file's bytes in
 * a data area reached through indirect data records; given the image that
 * was deployed last (the base), unchanged files keep their offsets, a
 * changed file is rewritten in its old slot when it fits and moved to free
 * space when it does not. The result is an ordinary image: MicroPython and
 * romfs_mount read it like any other.
 *
 *   d2 cd 31  fs-length (4-byte varuint, 0x80-padded: the payload start never moves)
 *   tree      root children; files hold kind-3 records with 4-byte size and
 *             offset varuints (a record keeps its length when its data moves)
 *   padding   01, 4-byte length, "romfsSL1", data-start (u32 LE), filler,
 *             then the data area up to the end of the image
 *
 * DEPLOY.md (share/doc/romfs/) describes the placement rules.
 */
#ifndef ROMFS_LAYOUT_H
#define ROMFS_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs.h"

#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/// Definitions ///

/* The marker at the start of the data-area padding record's payload. */
#define ROMFS_LAYOUT_MARKER "romfsSL1"
#define ROMFS_LAYOUT_MARKER_LEN 8
/* Largest payload the fixed 4-byte length varuints can describe. */
#define ROMFS_LAYOUT_MAX_PAYLOAD ((1u << 28) - 1)

typedef struct romfs_layout_opts {
    uint32_t block_size;      /* erase block: the data area starts on one (0: 4096) */
    uint32_t align;           /* file data image offsets are multiples of this power of two (0/1: none) */
    uint32_t slack;           /* bytes kept free after the tree (0: max(512, tree/4)) */
    uint32_t compact_percent; /* fresh layout once waste passes this % of the data area
                                 (0: 25; >= 100: never) */
    int fresh;                /* ignore the base: lay everything out anew */
} romfs_layout_opts_t;

typedef struct romfs_layout_stats {
    int used_base;          /* laid out relative to the base */
    int compacted;          /* base given but a fresh layout was made (waste, tree growth) */
    size_t files;           /* files in the new image */
    size_t kept;            /* unchanged files left at their offsets */
    size_t in_place;        /* changed files rewritten in their old slot */
    size_t moved;           /* files that changed and no longer fit their slot */
    size_t added;           /* files the base did not have */
    size_t data_start;      /* image offset of the data area */
    size_t data_bytes;      /* live file bytes */
    size_t waste;           /* data-area bytes that belong to no file */
} romfs_layout_stats_t;

/// Layout ///

/* Lay the tree of image src out in the stable layout. base (may be NULL) is
 * the image deployed last; when it is a stable-layout image its placement is
 * reused. On success returns 0 and *out (malloc'd; the caller frees) holds
 * *out_len bytes; stats may be NULL. Returns ROMFS_ERR_NODEV when src does
 * not mount, ROMFS_ERR_CORRUPT when its tree is corrupt, ROMFS_ERR_INVAL for bad
 * opts (align not a power of two), ROMFS_ERR_NOSPC when the image would exceed the 4-byte lengths,
 * ROMFS_ERR_NOMEM. The result is read back and compared with src before it
 * is returned (ROMFS_ERR_IO if it differed: a bug, never expected). A base
 * that is not a valid stable image, or whose files overlap, is ignored. */
int romfs_layout_stable(const uint8_t *src, size_t src_len, const uint8_t *base, size_t base_len,
                        const romfs_layout_opts_t *opts, uint8_t **out, size_t *out_len,
                        romfs_layout_stats_t *stats);

/* The data-area start of a stable-layout image, or 0 when img is not one. */
size_t romfs_layout_data_start(const uint8_t *img, size_t len);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_LAYOUT_H */
