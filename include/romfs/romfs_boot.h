/* SPDX-License-Identifier: MIT */
/*
 * libromfs boot mount: what MicroPython 1.29 firmware does at start-up,
 *
 *     try:
 *         vfs.mount(vfs.VfsRom(vfs.rom_ioctl(2, 0)), "/rom")
 *         sys.path.extend(("/rom", "/rom/lib"))   # in that order
 *     except:
 *         pass
 *
 * as one C call. Partition 0 is mounted at /rom when it holds an image that
 * VfsRom() accepts (at least 4 bytes, magic d2 cd 31, a length varuint whose
 * payload fits in the partition); anything else (erased flash, random bytes,
 * a truncated image, bad magic, no partition) is skipped silently.
 */
#ifndef ROMFS_ROMFS_BOOT_H
#define ROMFS_ROMFS_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs_part.h"
#include "romfs/romfs_vfs.h"

#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/// Definitions ///

#define ROMFS_BOOT_MOUNT_PATH "/rom"

enum romfs_boot_status {
    ROMFS_BOOT_MOUNTED = 0, /* partition 0 is mounted at /rom */
    ROMFS_BOOT_SKIPPED = 1, /* nothing mounted: not an error */
};

/* The sys.path entries to append, in order; pointers to constant strings. */
typedef struct romfs_boot_paths {
    const char *entries[2];
    size_t count; /* 2 when mounted, 0 when skipped */
} romfs_boot_paths_t;

/// Boot ///

/* 1 when MicroPython's VfsRom() would accept mem[0..len) as a filesystem
 * (so boot mounts it), else 0. */
int romfs_boot_decide(const uint8_t *mem, size_t len);

/* Mount partition 0 of rom at /rom in vfs when romfs_boot_decide says so.
 * Returns ROMFS_BOOT_MOUNTED with paths filled, ROMFS_BOOT_SKIPPED with
 * paths->count 0, or a negative error from the table (no free slot,
 * /rom already mounted): a firmware configuration bug, not a bad partition. */
int romfs_boot_mount(romfs_vfs_t *vfs, const romfs_rom_t *rom, romfs_boot_paths_t *paths);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_ROMFS_BOOT_H */
