/* SPDX-License-Identifier: MIT */
/*
 * libromfs emulated NOR flash: a ROM partition backend in caller memory that
 * behaves like the real part, for tests and for the host board emulator.
 * Modelled on littlefs's lfs_emubd.
 *
 * - Erase works on whole blocks and sets them to 0xFF; an unaligned range is
 *   refused (ROMFS_ERR_INVAL). Each erase bumps the block's erase counter.
 * - Programming can only clear bits: a write that would turn a 0 bit into a
 *   1 fails with ROMFS_ERR_IO and changes nothing (re-writing identical bits
 *   is allowed, as on NOR without ECC). Offset and length must be multiples
 *   of the write size (ROMFS_ERR_INVAL).
 * - Power loss: romfs_nor_power_loss() arms a cut. The operation it hits
 *   completes a prefix of its bytes; what happens to the rest depends on the
 *   fault model (romfs_nor_set_model):
 *     ROMFS_NOR_PREFIX  the rest is untouched (deterministic; the default);
 *     ROMFS_NOR_RANDOM  seeded, as real parts do: each remaining byte of a
 *                       cut erase is 0xFF or its old value at random, each
 *                       new zero bit of a cut program is cleared or not at
 *                       random (out of order, like lfs_emubd's OOO mode).
 *   It returns ROMFS_ERR_IO, and the device stays off (every later operation
 *   fails with ROMFS_ERR_IO) until romfs_nor_power_on().
 * - ECC (romfs_nor_set_ecc): internal flash with ECC (STM32: 16-byte units)
 *   programs a unit once per erase; a second program of a unit is refused
 *   (ROMFS_ERR_IO, nothing changes), whatever its bits. A unit left half
 *   done by a cut (program or erase) has a wrong ECC: it is "torn", reads of
 *   it would report an uncorrectable error, and only an erase clears it.
 * - Optionally file-backed: a persist callback sees every changed range, so
 *   a host tool can mirror the flash into a file with the same semantics.
 * Memory is read directly (execute in place): romfs_nor_part() gives a
 * partition whose .memory is the flash array.
 */
#ifndef ROMFS_ROMFS_FLASH_H
#define ROMFS_ROMFS_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs_part.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Definitions ///

/* Called after each change of [off, off+len) with the new bytes; a
 * non-zero return fails the operation with ROMFS_ERR_IO. */
typedef int (*romfs_nor_persist_fn)(void *ctx, size_t off, const uint8_t *data, size_t len);

typedef struct romfs_nor {
    uint8_t *mem;
    size_t size;
    size_t block_size;
    size_t prog_size;
    uint32_t *erase_counts;  /* size/block_size counters, or NULL */
    romfs_nor_persist_fn persist;
    void *persist_ctx;
    uint32_t ops;            /* erases + writes attempted since init */
    uint32_t cut_at;         /* 1-based op number that loses power; 0 = none */
    size_t cut_bytes;        /* bytes of that op that still complete */
    int off;                 /* power is off */
    uint32_t erases, writes; /* completed operations */
    size_t bytes_written;
    int model;               /* ROMFS_NOR_PREFIX or ROMFS_NOR_RANDOM */
    uint32_t rng;            /* the random model's state (xorshift32) */
    size_t ecc_unit;         /* 0: no ECC */
    uint8_t *ecc_state;      /* one ROMFS_NOR_UNIT_* per ECC unit */
} romfs_nor_t;

/* Fault models for the operation a power cut interrupts. */
enum { ROMFS_NOR_PREFIX = 0, ROMFS_NOR_RANDOM = 1 };

/* States of an ECC unit. */
enum { ROMFS_NOR_UNIT_ERASED = 0, ROMFS_NOR_UNIT_PROGRAMMED = 1, ROMFS_NOR_UNIT_TORN = 2 };

/// Setup ///

/* Emulate flash over mem[0..size) as is (call romfs_nor_erase(nor, 0, size)
 * for a blank part). erase_counts, when not NULL, holds size/block_size
 * counters and is zeroed. Returns 0, or ROMFS_ERR_INVAL unless
 * size % block_size == 0 and block_size % prog_size == 0 (all non-zero). */
int romfs_nor_init(romfs_nor_t *nor, uint8_t *mem, size_t size, size_t block_size,
                   size_t prog_size, uint32_t *erase_counts);

/* Mirror every change through fn (NULL to stop). */
void romfs_nor_set_persist(romfs_nor_t *nor, romfs_nor_persist_fn fn, void *ctx);

/* The fault model of cut operations, with the seed of ROMFS_NOR_RANDOM
 * (the same seed replays the same faults). Returns 0 or ROMFS_ERR_INVAL. */
int romfs_nor_set_model(romfs_nor_t *nor, int model, uint32_t seed);

/* ECC mode with `unit`-byte units (a multiple of the write size dividing
 * the block size; 0 turns ECC off). state holds size/unit bytes; it is set
 * from the contents: an all-0xFF unit is erased, any other programmed.
 * Raises the write size to unit. Returns 0 or ROMFS_ERR_INVAL. */
int romfs_nor_set_ecc(romfs_nor_t *nor, size_t unit, uint8_t *state);

/* Torn ECC units in [off, off+len) (0 without ECC). */
size_t romfs_nor_torn(const romfs_nor_t *nor, size_t off, size_t len);

/* A ROM partition over the whole flash (ops 3-5 reach the emulation).
 * Without ECC it is flagged ROMFS_PART_REPROGRAM (NOR can clear more bits
 * of a programmed unit); with ECC it is not, and its write size is the
 * ECC unit. */
void romfs_nor_part(romfs_nor_t *nor, romfs_part_t *part);

/// Operations ///

/* Erase [off, off+len): whole blocks only. Returns 0, ROMFS_ERR_INVAL, or
 * ROMFS_ERR_IO when power is (or goes) off. */
int romfs_nor_erase(romfs_nor_t *nor, size_t off, size_t len);

/* Program [off, off+len) from buf. Returns 0, ROMFS_ERR_INVAL (alignment,
 * range), ROMFS_ERR_IO (a 1 over a 0, the persist callback failed, power). */
int romfs_nor_prog(romfs_nor_t *nor, size_t off, const void *buf, size_t len);

/// Power loss ///

/* Cut power during the operation that follows `after` more complete ones
 * (0: the next one), letting its first `partial_bytes` bytes complete. */
void romfs_nor_power_loss(romfs_nor_t *nor, uint32_t after, size_t partial_bytes);

/* Power back on and disarm any cut. The contents stay as the cut left them. */
void romfs_nor_power_on(romfs_nor_t *nor);

/* Erases of the block holding byte off so far (0 without counters). */
uint32_t romfs_nor_erase_count(const romfs_nor_t *nor, size_t off);

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_ROMFS_FLASH_H */
