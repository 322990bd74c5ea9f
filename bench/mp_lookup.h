/* SPDX-License-Identifier: MIT */
/* MicroPython's ROMFS lookup (extmod/vfs_rom.c, v1.25-1.29), written again
 * for the reader benchmark: the same algorithm, the same varuint decoder
 * out of line (MicroPython's mp_decode_uint lives in py/bc.c), and none of
 * our bounds checks. Only for measuring: it trusts every byte it reads. */
#ifndef ROMFS_BENCH_MP_LOOKUP_H
#define ROMFS_BENCH_MP_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

enum { MP_LOOKUP_NONE = 0, MP_LOOKUP_FILE = 1, MP_LOOKUP_DIR = 2 };

/* fs/fs_end: the filesystem payload (as VfsRom's constructor leaves them).
 * Returns MP_LOOKUP_* and, for a file, its data and size. */
int mp_lookup(const uint8_t *fs, const uint8_t *fs_end, const char *path, size_t *size,
              const uint8_t **data);

/* The same records walked with no name handling at all: kind, length, skip.
 * Returns the number of records seen. */
size_t mp_plain_scan(const uint8_t *fs, const uint8_t *fs_end);

#endif
