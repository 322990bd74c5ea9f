/* SPDX-License-Identifier: MIT */
/*
 * Using the romfs reader in your firmware.
 *
 * The ROM partition is flash the CPU can read directly (XIP / memory-mapped),
 * here at ROM_PARTITION_ADDR; `romfs deploy` or a UF2 from
 * `romfs build --format uf2 --address 0x10180000` puts an image there. The
 * firmware mounts it at /rom and uses its files in place: romfs_file_data()
 * points into flash, so a 200 KiB asset costs no RAM. No heap, no stdio; the
 * tables below are all the state there is (a few hundred bytes of .bss).
 *
 * Build (what tests/consumer checks for a Cortex-M4):
 *   arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -Iinclude examples/firmware/app.c \
 *       src/reader/romfs.c src/device/vfs.c ...     (or link romfs::reader romfs::device)
 */
#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs.h"
#include "romfs/romfs_vfs.h"

#define ROM_PARTITION_ADDR 0x10180000u /* where your linker script reserves it */
#define ROM_PARTITION_SIZE 0x00080000u

static romfs_vfs_t vfs;

/* Mount the partition at /rom. Erased flash or a half-written image gives
 * ROMFS_ERR_NODEV: boot on without it. */
int app_mount_rom(void)
{
    romfs_vfs_init(&vfs);
    return romfs_vfs_mount(&vfs, "/rom", (const void *)(uintptr_t)ROM_PARTITION_ADDR, ROM_PARTITION_SIZE, 0);
}

/* A file's bytes, in flash, zero-copy: NULL if missing or corrupt. */
const uint8_t *app_asset(const char *path, size_t *len)
{
    romfs_vfs_file_t f;
    if (romfs_vfs_open(&vfs, &f, path, "rb") != 0)
        return NULL;
    return romfs_file_data(&f.file, len);
}

/* Calls fn for each entry of a directory of the image; the count, or a
 * negative ROMFS_ERR_* (ROMFS_ERR_IO: a corrupt record, the rest skipped). */
int app_list(const char *dir_path, void (*fn)(const uint8_t *name, size_t len, int is_dir, size_t size))
{
    romfs_vfs_dir_t d;
    romfs_info_t info;
    int n = 0, r = romfs_vfs_dir_open(&vfs, &d, dir_path);
    if (r != 0)
        return r;
    while ((r = romfs_vfs_dir_read(&d, &info)) == 1) {
        fn(info.name, info.name_len, info.type == ROMFS_TYPE_DIR, info.size);
        n++;
    }
    return r < 0 ? r : n;
}

/* Your firmware's own logic: e.g. a splash screen from /rom/assets. */
static size_t shown;
static void count_entry(const uint8_t *name, size_t len, int is_dir, size_t size)
{
    (void)name, (void)len, (void)is_dir;
    shown += size;
}

int main(void)
{
    if (app_mount_rom() != 0)
        return 1; /* no image: run without /rom */
    size_t len;
    const uint8_t *splash = app_asset("/rom/assets/splash.bin", &len);
    int entries = app_list("/rom", count_entry);
    return splash && entries >= 0 ? 0 : 2;
}
