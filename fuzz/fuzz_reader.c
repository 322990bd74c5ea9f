/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the reader. Mount the input, walk every directory with
 * an explicit stack, stat each path found, read every file in pieces and
 * seek about; every pointer the reader hands out must lie inside the input,
 * and a later duplicate never shadows the first. */
#include <string.h>

#include "fuzz_common.h"
#include "romfs/romfs.h"

/* Bounds that keep one input fast: stat costs grow with depth. */
#define MAX_ENTRIES 20000
#define MAX_STAT_DEPTH 16
#define MAX_PATH 4096

struct frame {
    romfs_dir_t dir;
    size_t path_len;
    int safe;               /* every component so far is a safe name */
};

static void read_file(const uint8_t *img, size_t len, const romfs_info_t *info)
{
    romfs_file_t f;
    uint8_t buf[64];
    size_t total = 0, n, pos, step = 1;
    FUZZ_ASSERT(romfs_file_open_info(&f, info) == 0);
    size_t size;
    const uint8_t *data = romfs_file_data(&f, &size);
    FUZZ_ASSERT(data == info->data && size == info->size);
    FUZZ_ASSERT_INSIDE(img, len, data, size);
    while ((n = romfs_file_read(&f, buf, step)) > 0) {
        FUZZ_ASSERT(n <= step && memcmp(buf, data + total, n) == 0);
        total += n;
        step = (step * 7 + 3) % sizeof buf + 1;
    }
    FUZZ_ASSERT(total == size && romfs_file_tell(&f) == size);
    FUZZ_ASSERT(romfs_file_seek(&f, INT64_MAX, ROMFS_SEEK_CUR, &pos) == 0 && pos == size);
    FUZZ_ASSERT(romfs_file_seek(&f, INT64_MIN, ROMFS_SEEK_END, NULL) == ROMFS_ERR_INVAL);
    FUZZ_ASSERT(romfs_file_seek(&f, -1, ROMFS_SEEK_SET, NULL) == ROMFS_ERR_INVAL && romfs_file_tell(&f) == size);
    FUZZ_ASSERT(romfs_file_seek(&f, 0, 7, NULL) == ROMFS_ERR_INVAL);
    if (size > 0) {
        FUZZ_ASSERT(romfs_file_seek(&f, -1, ROMFS_SEEK_END, &pos) == 0 && pos == size - 1);
        FUZZ_ASSERT(romfs_file_read(&f, buf, sizeof buf) == 1 && buf[0] == data[size - 1]);
        FUZZ_ASSERT(romfs_file_seek(&f, (int64_t)(size / 2), ROMFS_SEEK_SET, &pos) == 0 && pos == size / 2);
        FUZZ_ASSERT(romfs_file_seek(&f, -(int64_t)(size / 2), ROMFS_SEEK_CUR, &pos) == 0 && pos == 0);
    }
}

/* Looking the entry up by path finds it, or an earlier entry of the same
 * name (first match wins), or a corrupt record on the way. */
static void stat_path(const romfs_t *fs, const uint8_t *img, size_t len, const char *path, size_t path_len,
                      const romfs_info_t *entry)
{
    romfs_info_t info;
    int r = romfs_stat_n(fs, path, path_len, &info);
    FUZZ_ASSERT(r == 0 || r == ROMFS_ERR_CORRUPT || r == ROMFS_ERR_NOENT);
    if (r != 0)
        return;
    FUZZ_ASSERT_INSIDE(img, len, info.data, info.size);
    FUZZ_ASSERT(info.name_len == entry->name_len && memcmp(info.name, entry->name, info.name_len) == 0);
    if (info.record_offset == entry->record_offset)
        FUZZ_ASSERT(info.type == entry->type && info.data == entry->data && info.size == entry->size);
}

int LLVMFuzzerTestOneInput(const uint8_t *img, size_t len)
{
    romfs_t fs;
    romfs_info_t info;
    if (romfs_mount(&fs, img, len) != 0)
        return 0;
    FUZZ_ASSERT(fs.image == img && fs.fs >= img && fs.fs <= fs.fs_end && fs.fs_end <= img + len);
    FUZZ_ASSERT(romfs_image_size(&fs) <= len);
    romfs_statvfs_t sv;
    romfs_statvfs(&fs, &sv);
    FUZZ_ASSERT(sv.blocks == (size_t)(fs.fs_end - fs.fs) && sv.bsize == 1);

    /* A lookup of a path made of the input's first bytes: arbitrary names. */
    size_t plen = len < 24 ? len : 24;
    if (romfs_stat_n(&fs, (const char *)img, plen, &info) == 0)
        FUZZ_ASSERT_INSIDE(img, len, info.data, info.size);

    static struct frame stack[MAX_ENTRIES + 1];
    static char path[MAX_PATH];
    size_t depth = 0, seen = 0;
    FUZZ_ASSERT(romfs_stat(&fs, "/", &info) == 0 && info.type == ROMFS_TYPE_DIR);
    FUZZ_ASSERT(romfs_dir_open_info(&fs, &stack[0].dir, &info) == 0);
    stack[0].path_len = 0;
    stack[0].safe = 1;
    depth = 1;
    while (depth > 0 && seen < MAX_ENTRIES) {
        struct frame *f = &stack[depth - 1];
        int r = romfs_dir_read(&f->dir, &info);
        if (r == 0) {
            depth--;
            continue;
        }
        FUZZ_ASSERT(r == 1 || r == ROMFS_ERR_CORRUPT);
        FUZZ_ASSERT(f->dir.pos <= f->dir.end);
        if (r < 0)
            continue;
        seen++;
        FUZZ_ASSERT_INSIDE(img, len, info.name, info.name_len);
        FUZZ_ASSERT_INSIDE(img, len, info.data, info.size);
        FUZZ_ASSERT(info.record_offset < len);
        FUZZ_ASSERT((!(info.flags & ROMFS_INFO_UNSAFE_NAME)) == romfs_name_is_safe(info.name, info.name_len));
        int safe = f->safe && !(info.flags & ROMFS_INFO_UNSAFE_NAME);
        size_t plen2 = f->path_len + 1 + info.name_len;
        if (safe && depth <= MAX_STAT_DEPTH && plen2 < MAX_PATH) {
            path[f->path_len] = '/';
            memcpy(path + f->path_len + 1, info.name, info.name_len);
            stat_path(&fs, img, len, path, plen2, &info);
        } else {
            safe = 0;
        }
        if (info.type == ROMFS_TYPE_DIR) {
            FUZZ_ASSERT(info.data + info.size <= fs.fs_end);
            struct frame *c = &stack[depth++];
            FUZZ_ASSERT(romfs_dir_open_info(&fs, &c->dir, &info) == 0);
            c->path_len = safe ? plen2 : 0;
            c->safe = safe;
        } else {
            FUZZ_ASSERT(info.type == ROMFS_TYPE_FILE);
            read_file(img, len, &info);
        }
    }
    return 0;
}
