/* SPDX-License-Identifier: MIT */
/*
 * libromfs ROM partitions: MicroPython's vfs.rom_ioctl contract as a C API.
 *
 * A board exposes one or more ROM partitions: memory-mapped ranges (flash
 * executed in place) that hold ROMFS images and that can be rewritten by
 * erasing whole blocks and programming them. Each partition is described by
 * a romfs_part_t (sizes plus erase/prog/sync callbacks, littlefs style); a
 * romfs_rom_t is the board's array of them. A plain RAM backend comes with
 * the library (below); the project's test suite adds emulated NOR flash.
 *
 * Operations, numbered as vfs.rom_ioctl(op, ...) in MicroPython 1.29:
 *   1  number of partitions                 romfs_rom_count
 *   2  partition id -> memory               romfs_rom_memory
 *   3  prepare to write: erase [offset, offset+length), offset 0 being
 *      MicroPython's (3, id, length) form; returns the minimum write size
 *                                           romfs_rom_write_prepare
 *   4  write bytes at an offset             romfs_rom_write
 *   5  finish writing (cache flush hook)    romfs_rom_write_complete
 *   6  erase-block size                     romfs_rom_block_size
 * Results are negative errno values; every kind of misuse is
 * ROMFS_ERR_INVAL (-22), which is what MicroPython returns for an unknown
 * op, a bad id or a partition that cannot be written: bad id, a read-only
 * partition for ops 3/4/6, an erase offset not on a block boundary, a write
 * offset or length not a multiple of the write size, any range past the end.
 * An erase length is rounded up to whole blocks (as MicroPython's ports do).
 * A failing backend callback's error (e.g. ROMFS_ERR_IO) is passed through.
 */
#ifndef ROMFS_ROMFS_PART_H
#define ROMFS_ROMFS_PART_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/// Definitions ///

enum romfs_rom_op {
    ROMFS_ROM_COUNT = 1,
    ROMFS_ROM_MEMORY = 2,
    ROMFS_ROM_WRITE_PREPARE = 3,
    ROMFS_ROM_WRITE = 4,
    ROMFS_ROM_WRITE_COMPLETE = 5,
    ROMFS_ROM_BLOCK_SIZE = 6,
};

/* One ROM partition. Callbacks get .context; they are only called with
 * ranges already checked against the sizes below. */
typedef struct romfs_part {
    void *context;
    const uint8_t *memory; /* the partition's bytes, memory-mapped */
    size_t size;           /* bytes */
    size_t block_size;     /* erase unit; 0 means read-only (no callbacks) */
    size_t prog_size;      /* minimum write size and alignment, >= 1 */
    /* Erase [off, off+len): whole blocks, to 0xFF. */
    int (*erase)(void *context, size_t off, size_t len);
    /* Program [off, off+len) from buf: aligned to prog_size. */
    int (*prog)(void *context, size_t off, const void *buf, size_t len);
    /* Make written data visible through .memory (flush caches); may be NULL. */
    int (*sync)(void *context);
    /* What the flash allows beyond one program per write unit and erase
     * (ROMFS_PART_*); 0, the safe default, suits flash with ECC. */
    unsigned flags;
} romfs_part_t;

/* A programmed write unit may be programmed again to clear more bits (NOR
 * flash without ECC; RAM). romfs_rom_write_image then also defends against
 * a program or erase cut part-way (see below). Never set it for flash with
 * ECC (STM32 internal flash, 16-byte units): a second program is an error
 * there, or corrupts the unit's ECC. */
#define ROMFS_PART_REPROGRAM 1u

/* The board's partitions; ids are indexes into parts. */
typedef struct romfs_rom {
    const romfs_part_t *parts;
    size_t count;
} romfs_rom_t;

/* Arguments and results of romfs_rom_ioctl, one field per use. */
typedef struct romfs_rom_args {
    int id;              /* ops 2-6 */
    size_t offset;       /* op 3 (0: the (3, id, length) form), op 4 */
    size_t length;       /* ops 3, 4 */
    const void *buf;     /* op 4 */
    const uint8_t *mem;  /* op 2 result */
    size_t mem_len;      /* op 2 result */
} romfs_rom_args_t;

/// Operations ///

/* Op 1: the number of partitions. */
int romfs_rom_count(const romfs_rom_t *rom);

/* Op 2: the memory of partition id. Returns 0 or ROMFS_ERR_INVAL. */
int romfs_rom_memory(const romfs_rom_t *rom, int id, const uint8_t **mem, size_t *len);

/* Op 3: erase [offset, offset+length) rounded up to whole blocks, ready to
 * be written. Returns the minimum write size (> 0) or a negative error. */
int romfs_rom_write_prepare(const romfs_rom_t *rom, int id, size_t offset, size_t length);

/* Op 4: program len bytes at offset (both multiples of the write size).
 * Returns 0 or a negative error. */
int romfs_rom_write(const romfs_rom_t *rom, int id, size_t offset, const void *buf, size_t len);

/* Op 5: writing is done; flush caches. Returns 0 or a negative error. */
int romfs_rom_write_complete(const romfs_rom_t *rom, int id);

/* Op 6: the erase-block size (> 0), or ROMFS_ERR_INVAL. */
int romfs_rom_block_size(const romfs_rom_t *rom, int id);

/* All of the above through one entry point, as vfs.rom_ioctl(op, ...).
 * Unknown op or NULL args (ops 2-6): ROMFS_ERR_INVAL. */
int romfs_rom_ioctl(const romfs_rom_t *rom, int op, romfs_rom_args_t *args);

/// Power-safe image replacement ///

/* Replace the image in partition id with [image, image+len), in an order
 * that a power cut at any point leaves the partition holding the complete
 * old image, the complete new image, or no valid header (boot skips it):
 *  1. (ROMFS_PART_REPROGRAM only) program zeros over the old magic, so no
 *     erase cut short can bring it back;
 *  2. erase the header block (block 0);
 *  3. erase and write every other block;
 *  4. write the header block except its first write unit (ROMFS_PART_
 *     REPROGRAM: with it, its three magic bytes left erased), make it
 *     visible (op 5) and verify every byte through .memory;
 *  5. the commit: program the first write unit (with REPROGRAM: again, so
 *     only the magic's bits change and a cut commit cannot mount), op 5,
 *     verify it. If it reads back wrong, block 0 is erased again.
 * Without ROMFS_PART_REPROGRAM every write unit is programmed once per
 * erase, as flash with ECC requires; a cut inside the one-unit commit (or
 * the header block's erase) then leaves that unit torn, which ECC parts
 * report as an uncorrectable error, never as a valid header.
 * Uses only ops 3-5, so a host can replay it through vfs.rom_ioctl, and no
 * heap. Returns 0, ROMFS_ERR_NOSPC when the image does not fit,
 * ROMFS_ERR_INVAL (read-only, len < 3, a block smaller than the magic, a
 * write size over 64 bytes), ROMFS_ERR_IO when a verification failed (the
 * partition then holds no valid header), or the backend's error. */
int romfs_rom_write_image(const romfs_rom_t *rom, int id, const uint8_t *image, size_t len);

/// RAM backend ///

/* Describe buf[0..size) as a writable partition: erase fills with 0xFF,
 * prog copies (flagged ROMFS_PART_REPROGRAM). size must be a multiple of block_size, block_size of
 * prog_size. Returns 0 or ROMFS_ERR_INVAL. */
int romfs_part_ram_init(romfs_part_t *part, uint8_t *buf, size_t size, size_t block_size,
                        size_t prog_size);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_ROMFS_PART_H */
