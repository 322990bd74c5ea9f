/* SPDX-License-Identifier: MIT */
/*
 * libromfs deploy engine: write an image into a flash partition so that a
 * power cut at any instant leaves the complete old image, the complete new
 * image, or nothing that mounts; write only the erase blocks that differ;
 * verify what was written.
 *
 * The engine knows nothing about transports: the device is a struct of
 * callbacks (erase, program, per-block CRC32), so a board over a serial
 * line and an in-memory NOR flash in the unit tests run the same code.
 *
 * Order of operations (DEPLOY.md in share/doc/romfs/ explains why): verify, then commit.
 *  1. block 0 (it holds the header) is invalidated first: optionally its
 *     first write unit is programmed to zeros, then it is erased;
 *  2. every other block that differs is erased and programmed, in order;
 *  3. finalise, then the device's CRCs of those blocks are compared with
 *     the host's (nothing mounts yet: a mismatch leaves no image);
 *  4. block 0 is programmed back to front without its first write unit
 *     (with `reprogram`: the unit without the three magic bytes), then
 *     finalised and verified with that unit still erased;
 *  5. the commit: the first write unit (or, with `reprogram`, the unit
 *     again, which adds only the magic); finalise; verify block 0. A
 *     mismatch now erases block 0 again, so nothing wrong ever mounts.
 * Without `reprogram` every write unit is programmed once per erase, as
 * ECC flash requires.
 */
#ifndef ROMFS_DEPLOY_H
#define ROMFS_DEPLOY_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs.h"

#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/// Definitions ///

/* The device. Every call returns >= 0 on success or a negative error, which
 * stops the deploy and is passed back to the caller unchanged. */
typedef struct romfs_deploy_ops {
    void *ctx;
    /* Erase [offset, offset+len) (whole erase blocks). Returns the minimum
     * write size in bytes (as vfs.rom_ioctl(3) does), or 0 when unknown. */
    int (*erase)(void *ctx, uint32_t offset, uint32_t len);
    /* Program len bytes at offset (offset and len multiples of the write
     * size; the range was erased before, except for the invalidating zero
     * write, which only clears bits). */
    int (*write)(void *ctx, uint32_t offset, const uint8_t *buf, uint32_t len);
    /* CRC32 (zlib's) of each block_size piece of [offset, offset+len) (the
     * last may be shorter) into crcs[0..]. NULL: the device cannot, and
     * romfs_deploy_run cannot verify (res->verified stays 0). */
    int (*block_crcs)(void *ctx, uint32_t offset, uint32_t len, uint32_t block_size, uint32_t *crcs);
    /* Make what was programmed visible to reads (vfs.rom_ioctl(5): write
     * complete, caches); called before every read-back. May be NULL. */
    int (*finalise)(void *ctx);
    /* Read len bytes at offset into buf (the session reads the board's
     * own image with it). May be NULL. */
    int (*read)(void *ctx, uint32_t offset, uint32_t len, uint8_t *buf);
    /* Bytes programmed so far out of total; may be NULL. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    /* One line on the device's last failure ("the board raised OSError:
     * [Errno 5] EIO"), for messages; NULL or "": romfs_strerror(code). */
    const char *(*errmsg)(void *ctx);
} romfs_deploy_ops_t;

typedef struct romfs_deploy_geom {
    uint32_t part_size;     /* partition bytes */
    uint32_t block_size;    /* erase block (a multiple of the write size) */
    uint32_t write_size;    /* minimum write unit, a power of two (0: 1, or what erase reports) */
    uint32_t chunk_size;    /* largest single write (0: 4096) */
    uint32_t erase_max;     /* largest single erase (0: 32 KiB, at least one block) */
    /* Plain NOR only (a unit may be programmed again to clear more bits;
     * not ECC flash): */
    int zero_header;        /* invalidate block 0 by zeroing its first unit (write_size given)
                               or its first 4 KiB (not given) before erasing it */
    int reprogram;          /* commit by programming the magic alone: safe even when the
                               final unit's programming is cut part-way */
} romfs_deploy_geom_t;

/* Which erase blocks of the image's range to rewrite. */
typedef struct romfs_deploy_plan {
    uint32_t nblocks;       /* blocks covering the image */
    uint8_t *dirty;         /* nblocks flags: 1 = erase and program */
    uint32_t nwrite;        /* blocks to rewrite (block 0 included when any) */
    uint32_t nskip;         /* blocks left as they are */
    uint64_t write_bytes;   /* image bytes in the dirty blocks */
} romfs_deploy_plan_t;

/* What the partition holds when romfs_deploy_run returns. */
typedef enum romfs_deploy_state {
    ROMFS_DEPLOY_UNTOUCHED = 0, /* nothing was changed: the old image as it was */
    ROMFS_DEPLOY_NOTHING,       /* the old header is gone, the commit never written: nothing mounts */
    ROMFS_DEPLOY_COMMITTED,     /* the commit was sent but not verified (the device failed after it) */
    ROMFS_DEPLOY_UNDONE,        /* the commit verified wrong and was erased again: nothing mounts */
    ROMFS_DEPLOY_WRONG,         /* the commit verified wrong and erasing it failed: may mount wrong bytes */
    ROMFS_DEPLOY_NEW,           /* the new image, committed (verified unless res->verified is 0) */
    ROMFS_DEPLOY_UNERASED,      /* block 0 read back not erased after an erase that reported success:
                                   the old header may still mount (over whatever the blocks hold) */
} romfs_deploy_state_t;

typedef struct romfs_deploy_result {
    uint32_t erase_ops, write_ops;
    uint64_t bytes_programmed;
    int32_t bad_block;      /* first block whose CRC differs after writing, or -1 */
    romfs_deploy_state_t state;
    int verified;           /* every written block was read back and matched */
} romfs_deploy_result_t;

/// Planning ///

/* CRC32 of each block of img (the last block may be shorter) into crcs,
 * which holds ceil(len / block_size) entries. */
void romfs_deploy_block_crcs(const uint8_t *img, size_t len, uint32_t block_size, uint32_t *crcs);

/* Plan writing img (len bytes) given the device's CRCs of the same blocks
 * (old_crcs, nblocks entries as romfs_deploy_block_crcs would give; NULL
 * forces a full rewrite). A block is dirty when its CRC differs; block 0 is
 * dirty whenever any block is. Returns 0, ROMFS_ERR_INVAL for bad geometry,
 * ROMFS_ERR_NOSPC when img does not fit the partition, ROMFS_ERR_NOMEM. */
int romfs_deploy_plan(const uint8_t *img, size_t len, const romfs_deploy_geom_t *geom,
                      const uint32_t *old_crcs, romfs_deploy_plan_t *plan);

void romfs_deploy_plan_free(romfs_deploy_plan_t *plan);

/// Running ///

/* One line saying what a partition in state st holds ("no mountable image"). */
const char *romfs_deploy_state_str(romfs_deploy_state_t st);

/* Carry the plan out in the verify-then-commit order above. Returns 0; a
 * device error unchanged; ROMFS_ERR_IO when verification fails
 * (res->bad_block names the first bad block). res->state says what the
 * partition holds either way. res may be NULL. */
int romfs_deploy_run(const uint8_t *img, size_t len, const romfs_deploy_geom_t *geom,
                     const romfs_deploy_plan_t *plan, const romfs_deploy_ops_t *ops,
                     romfs_deploy_result_t *res);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_DEPLOY_H */
