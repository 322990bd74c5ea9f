/* SPDX-License-Identifier: MIT */
/*
 * libromfs boot mount (see romfs_boot.h). The decision is the reader's
 * romfs_mount(), whose checks are exactly those of VfsRom's constructor.
 */
#include "romfs/romfs_boot.h"

int romfs_boot_decide(const uint8_t *mem, size_t len)
{
    romfs_t fs;
    return romfs_mount(&fs, mem, len) == 0;
}

int romfs_boot_mount(romfs_vfs_t *vfs, const romfs_rom_t *rom, romfs_boot_paths_t *paths)
{
    const uint8_t *mem;
    size_t len;
    paths->count = 0;
    if (romfs_rom_count(rom) < 1 || romfs_rom_memory(rom, 0, &mem, &len) != 0 ||
        !romfs_boot_decide(mem, len))
        return ROMFS_BOOT_SKIPPED;
    int err = romfs_vfs_mount(vfs, ROMFS_BOOT_MOUNT_PATH, mem, len, 0);
    if (err)
        return err;
    paths->entries[0] = ROMFS_BOOT_MOUNT_PATH;
    paths->entries[1] = ROMFS_BOOT_MOUNT_PATH "/lib";
    paths->count = 2;
    return ROMFS_BOOT_MOUNTED;
}
