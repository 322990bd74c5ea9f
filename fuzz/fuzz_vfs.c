/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the mount table (src/device/vfs.c) over arbitrary
 * images and paths. The input is up to 8 NUL-terminated paths after a count
 * byte, then the image. The image is mounted at /rom and, nested, at
 * /rom/sub; every path then goes through stat, open and read, listing,
 * statvfs, chdir and mount_file. Whatever the bytes: every pointer handed out
 * lies inside the image or the table, errors are MicroPython's (never the
 * reader's ROMFS_ERR_CORRUPT), listings never show an unsafe name, and the
 * current directory stays an absolute path. An input that starts with the
 * ROMFS magic is all image, looked at through a fixed list of paths, so the
 * golden and hostile vectors are seeds as they are. Only the public headers. */
#include <string.h>

#include "fuzz_common.h"
#include "romfs/romfs_vfs.h"

#define MAX_PATHS 8
#define MAX_LIST 2000

static const uint8_t *g_img;
static size_t g_len;
static romfs_vfs_t vfs;

static int in_image(const uint8_t *p, size_t n)
{
    return p >= g_img && p <= g_img + g_len && n <= (size_t)(g_img + g_len - p);
}

static int in_table(const uint8_t *p, size_t n)
{
    const uint8_t *t = (const uint8_t *)&vfs;
    return p >= t && n <= sizeof vfs && p + n <= t + sizeof vfs;
}

/* The errors the table may give: MicroPython's numbers only. */
static void check_err(int r)
{
    FUZZ_ASSERT(r == 0 || r == ROMFS_ERR_NOENT || r == ROMFS_ERR_IO || r == ROMFS_ERR_NODEV ||
                r == ROMFS_ERR_ISDIR || r == ROMFS_ERR_NOTDIR || r == ROMFS_ERR_NAMETOOLONG ||
                r == ROMFS_ERR_OPNOTSUPP || r == ROMFS_ERR_ROFS || r == ROMFS_ERR_PERM ||
                r == ROMFS_ERR_INVAL || r == ROMFS_ERR_NOMEM);
}

static void check_info(const romfs_info_t *info)
{
    FUZZ_ASSERT(info->type == ROMFS_TYPE_DIR || info->type == ROMFS_TYPE_FILE);
    /* Virtual directories and mount points name bytes of the table. */
    FUZZ_ASSERT(in_image(info->name, info->name_len) || in_table(info->name, info->name_len) ||
                info->name_len == 0);
    if (info->size > 0)
        FUZZ_ASSERT(in_image(info->data, info->size));
}

static void list(const char *path)
{
    romfs_vfs_dir_t d;
    romfs_info_t info;
    int r = romfs_vfs_dir_open(&vfs, &d, path), n = 0;
    check_err(r);
    if (r != 0)
        return;
    while (n++ < MAX_LIST && (r = romfs_vfs_dir_read(&d, &info)) != 0) {
        FUZZ_ASSERT(r == 1 || r == ROMFS_ERR_IO);
        if (r != 1)
            continue;
        check_info(&info);
        FUZZ_ASSERT(!(info.flags & ROMFS_INFO_UNSAFE_NAME) && romfs_name_is_safe(info.name, info.name_len));
    }
}

static void read_path(const char *path)
{
    romfs_vfs_file_t f;
    uint8_t buf[64];
    int r = romfs_vfs_open(&vfs, &f, path, "rb");
    check_err(r);
    if (r != 0)
        return;
    size_t size, total = 0, n;
    const uint8_t *data = romfs_file_data(&f.file, &size);
    FUZZ_ASSERT(in_image(data, size));
    while ((n = romfs_file_read(&f.file, buf, sizeof buf)) > 0) {
        FUZZ_ASSERT(memcmp(buf, data + total, n) == 0);
        total += n;
    }
    FUZZ_ASSERT(total == size);
}

static void one_path(const char *path)
{
    romfs_info_t info;
    romfs_statvfs_t sv;
    int r = romfs_vfs_stat(&vfs, path, &info);
    check_err(r);
    if (r == 0)
        check_info(&info);
    read_path(path);
    list(path);
    check_err(romfs_vfs_statvfs(&vfs, path, &sv));
    check_err(romfs_vfs_open(&vfs, &(romfs_vfs_file_t){0}, path, "w"));
    /* A file that is itself an image, mounted zero-copy, then listed. */
    r = romfs_vfs_mount_file(&vfs, path, "/n", 0);
    check_err(r);
    if (r == 0) {
        list("/n");
        FUZZ_ASSERT(romfs_vfs_umount(&vfs, "/n") == 0);
    }
    r = romfs_vfs_chdir(&vfs, path);
    check_err(r);
    const char *cwd = romfs_vfs_getcwd(&vfs);
    FUZZ_ASSERT(cwd[0] == '/' && strlen(cwd) < ROMFS_VFS_PATH_MAX);
    /* Relative paths now resolve against the new cwd. */
    read_path("main.py");
    list(".");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char paths[MAX_PATHS][ROMFS_VFS_PATH_MAX + 8];
    size_t np = 0, pos = 1;
    if (size == 0)
        return 0;
    size_t want = data[0] % (MAX_PATHS + 1);
    if (data[0] == ROMFS_MAGIC0) {
        static const char *const fixed[MAX_PATHS] = {"/rom/main.py", "/rom/lib", "/rom/lib/helper.py",
                                                     "/rom/sub/../x", "rom/./utils.py", "/", "/rom/sub",
                                                     "/rom/h/a/b"};
        for (np = 0; np < MAX_PATHS; np++)
            strcpy(paths[np], fixed[np]);
        pos = 0;
        want = 0;
    }
    while (np < want && pos < size) {
        size_t n = 0;
        while (pos < size && data[pos] != '\0' && n < sizeof paths[0] - 1)
            paths[np][n++] = (char)data[pos++];
        paths[np++][n] = '\0';
        if (pos < size && data[pos] == '\0')
            pos++;
    }
    g_img = data + pos;
    g_len = size - pos;

    romfs_vfs_init(&vfs);
    int r = romfs_vfs_mount(&vfs, "/rom", g_img, g_len, 0);
    romfs_t fs;
    FUZZ_ASSERT((r == 0) == (romfs_mount(&fs, g_img, g_len) == 0));
    FUZZ_ASSERT(r == 0 || r == ROMFS_ERR_NODEV);
    if (r == 0) {
        FUZZ_ASSERT(romfs_vfs_mount(&vfs, "/rom", g_img, g_len, 0) == ROMFS_ERR_PERM);
        FUZZ_ASSERT(romfs_vfs_mount(&vfs, "/rom/sub", g_img, g_len, 0) == 0);
        FUZZ_ASSERT(romfs_vfs_mounted(&vfs, "/rom") != NULL);
    }
    list("/");
    list("/rom");
    for (size_t i = 0; i < np; i++)
        one_path(paths[i]);
    if (r == 0) {
        FUZZ_ASSERT(romfs_vfs_umount(&vfs, "/rom/sub") == 0);
        FUZZ_ASSERT(romfs_vfs_umount(&vfs, "/rom") == 0);
        FUZZ_ASSERT(romfs_vfs_umount(&vfs, "/rom") == ROMFS_ERR_INVAL);
    }
    return 0;
}
