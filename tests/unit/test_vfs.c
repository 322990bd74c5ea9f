/* SPDX-License-Identifier: MIT */
/* Mount table: resolution, dispatch, errors as MicroPython gives them,
 * nested images, cwd, and hostile images mounted through the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devimg.h"
#include "romfs/romfs_vfs.h"
#include "testutil.h"

static romfs_vfs_t vfs;
static uint8_t *doc;
static size_t doc_len;

static int setup(void **state)
{
    (void)state;
    romfs_vfs_init(&vfs);
    doc = tu_read_file(tu_vector("golden/doc_example.romfs"), &doc_len);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(doc);
    return 0;
}

/* Names listed at path, joined with ',' into out. Returns the listing's
 * final status (0 at a clean end). */
static int list(const char *path, char *out, size_t cap)
{
    romfs_vfs_dir_t d;
    romfs_info_t info;
    int r = romfs_vfs_dir_open(&vfs, &d, path);
    out[0] = '\0';
    if (r)
        return r;
    size_t n = 0;
    while ((r = romfs_vfs_dir_read(&d, &info)) == 1) {
        assert_true(n + info.name_len + 2 < cap);
        if (n)
            out[n++] = ',';
        memcpy(out + n, info.name, info.name_len);
        n += info.name_len;
        out[n] = '\0';
    }
    return r;
}

static void read_all(const char *path, char *out, size_t cap)
{
    romfs_vfs_file_t f;
    assert_int_equal(romfs_vfs_open(&vfs, &f, path, "r"), 0);
    size_t n = romfs_file_read(&f.file, out, cap - 1);
    out[n] = '\0';
}

static void test_empty_table(void **state)
{
    (void)state;
    romfs_info_t info;
    romfs_vfs_file_t f;
    romfs_statvfs_t st;
    char names[64];
    assert_string_equal(romfs_vfs_getcwd(&vfs), "/");
    assert_int_equal(romfs_vfs_stat(&vfs, "/", &info), 0);
    assert_int_equal(info.type, ROMFS_TYPE_DIR);
    assert_int_equal(info.size, 0);
    assert_int_equal(list("/", names, sizeof names), 0);
    assert_string_equal(names, "");
    assert_int_equal(romfs_vfs_stat(&vfs, "/rom", &info), ROMFS_ERR_NODEV);
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/x", "r"), ROMFS_ERR_NODEV);
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/", "r"), ROMFS_ERR_ISDIR);
    assert_int_equal(romfs_vfs_statvfs(&vfs, "/", &st), 0);
    assert_int_equal(st.bsize, 0);
    assert_int_equal(st.blocks, 0);
    assert_int_equal(romfs_vfs_statvfs(&vfs, "/x", &st), ROMFS_ERR_NODEV);
    assert_int_equal(romfs_vfs_chdir(&vfs, "/x"), ROMFS_ERR_NODEV);
    assert_null(romfs_vfs_mounted(&vfs, "/rom"));
}

static void test_mount_and_dispatch(void **state)
{
    (void)state;
    romfs_info_t info;
    romfs_statvfs_t st;
    char buf[256];
    romfs_t direct;
    assert_int_equal(romfs_mount(&direct, doc, doc_len), 0);
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len, 0), 0);
    const romfs_t *fs = romfs_vfs_mounted(&vfs, "/rom");
    assert_non_null(fs);
    assert_ptr_equal(fs->image, doc);

    assert_int_equal(romfs_vfs_stat(&vfs, "/rom", &info), 0);
    assert_int_equal(info.type, ROMFS_TYPE_DIR);
    assert_int_equal(info.size, (size_t)(direct.fs_end - direct.fs));
    assert_int_equal(romfs_vfs_stat(&vfs, "/rom/lib/helper.py", &info), 0);
    assert_int_equal(info.type, ROMFS_TYPE_FILE);
    assert_int_equal(info.size, 11);
    /* Zero-copy: the data lies inside the caller's image. */
    assert_true(info.data > doc && info.data + info.size <= doc + doc_len);

    read_all("/rom/lib/helper.py", buf, sizeof buf);
    assert_string_equal(buf, "VALUE = 42\n");
    read_all("/rom/utils.py", buf, sizeof buf);
    assert_string_equal(buf, "def greet():\n    return 'hello from rom'\n");

    assert_int_equal(list("/", buf, sizeof buf), 0);
    assert_string_equal(buf, "rom");
    assert_int_equal(list("/rom", buf, sizeof buf), 0);
    assert_string_equal(buf, "lib,main.py,utils.py");
    assert_int_equal(list("/rom/", buf, sizeof buf), 0);
    assert_string_equal(buf, "lib,main.py,utils.py");
    assert_int_equal(list("/rom/lib", buf, sizeof buf), 0);
    assert_string_equal(buf, "helper.py");
    /* Listing a file or a missing path: ENOENT, as VfsRom.ilistdir. */
    assert_int_equal(list("/rom/main.py", buf, sizeof buf), ROMFS_ERR_NOENT);
    assert_int_equal(list("/rom/nope", buf, sizeof buf), ROMFS_ERR_NOENT);
    assert_int_equal(list("/nope", buf, sizeof buf), ROMFS_ERR_NODEV);

    assert_int_equal(romfs_vfs_statvfs(&vfs, "/rom/lib", &st), 0);
    assert_int_equal(st.bsize, 1);
    assert_int_equal(st.frsize, 0);
    assert_int_equal(st.blocks, (size_t)(direct.fs_end - direct.fs));
    assert_int_equal(st.namemax, ROMFS_NAME_MAX);

    /* Prefixes must match whole components. */
    assert_int_equal(romfs_vfs_stat(&vfs, "/romx", &info), ROMFS_ERR_NODEV);
    assert_int_equal(romfs_vfs_stat(&vfs, "/ro", &info), ROMFS_ERR_NODEV);
    assert_int_equal(romfs_vfs_stat(&vfs, "/rom/missing", &info), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_vfs_stat(&vfs, "/rom/main.py/x", &info), ROMFS_ERR_NOENT);
}

static void test_seek_read(void **state)
{
    (void)state;
    romfs_vfs_file_t f;
    char buf[8];
    size_t pos;
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len, 0), 0);
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/rom/lib/helper.py", "rb"), 0);
    assert_int_equal(romfs_file_seek(&f.file, 8, ROMFS_SEEK_SET, &pos), 0);
    assert_int_equal(pos, 8);
    assert_int_equal(romfs_file_read(&f.file, buf, 2), 2);
    assert_memory_equal(buf, "42", 2);
    assert_int_equal(romfs_file_seek(&f.file, -1, ROMFS_SEEK_END, &pos), 0);
    assert_int_equal(pos, 10);
    assert_int_equal(romfs_file_seek(&f.file, -11, ROMFS_SEEK_CUR, NULL), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_file_seek(&f.file, 100, ROMFS_SEEK_SET, &pos), 0);
    assert_int_equal(pos, 11);
}

static void test_mount_errors(void **state)
{
    (void)state;
    uint8_t bad[8] = {0xd2, 0xcd, 0x30, 0x00};
    char longpath[ROMFS_VFS_MOUNT_PATH_MAX + 2];
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", bad, sizeof bad, 0), ROMFS_ERR_NODEV);
    /* A NULL image is a bad argument (the header's contract), not a bad image. */
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", NULL, 0, 0), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", NULL, doc_len, 0), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, 3, 0), ROMFS_ERR_NODEV);
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len - 1, 0), ROMFS_ERR_NODEV);
    /* mkfs is refused after the image is accepted, as vfs.mount(mkfs=True). */
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len, ROMFS_VFS_MOUNT_MKFS),
                     ROMFS_ERR_PERM);
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len, 0x80), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_vfs_mount(&vfs, NULL, doc, doc_len, 0), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_vfs_mount(NULL, "/rom", doc, doc_len, 0), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len, ROMFS_VFS_MOUNT_READONLY), 0);
    /* Same mount point, also when spelled differently. */
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len, 0), ROMFS_ERR_PERM);
    assert_int_equal(romfs_vfs_mount(&vfs, "//rom/./", doc, doc_len, 0), ROMFS_ERR_PERM);
    assert_int_equal(romfs_vfs_mount(&vfs, "rom", doc, doc_len, 0), ROMFS_ERR_PERM);
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    assert_int_equal(romfs_vfs_mount(&vfs, longpath, doc, doc_len, 0), ROMFS_ERR_NAMETOOLONG);
    /* Fill every slot, then one more. */
    char p[16];
    for (int i = 1; i < ROMFS_VFS_MAX_MOUNTS; i++) {
        p[0] = '/';
        p[1] = 'm';
        p[2] = (char)('0' + i);
        p[3] = '\0';
        assert_int_equal(romfs_vfs_mount(&vfs, p, doc, doc_len, 0), 0);
    }
    assert_int_equal(romfs_vfs_mount(&vfs, "/full", doc, doc_len, 0), ROMFS_ERR_NOMEM);
    assert_int_equal(romfs_vfs_umount(&vfs, "/m1"), 0);
    assert_int_equal(romfs_vfs_mount(&vfs, "/full", doc, doc_len, 0), 0);
}

static void test_open_modes(void **state)
{
    (void)state;
    romfs_vfs_file_t f;
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len, 0), 0);
    static const char *const writing[] = {"w", "wb", "a", "ab", "r+", "rb+", "x", "+"};
    for (size_t i = 0; i < sizeof writing / sizeof writing[0]; i++) {
        assert_int_equal(romfs_vfs_open(&vfs, &f, "/rom/main.py", writing[i]), ROMFS_ERR_ROFS);
        /* The mode is checked before the path. */
        assert_int_equal(romfs_vfs_open(&vfs, &f, "/rom/missing", writing[i]), ROMFS_ERR_ROFS);
        assert_int_equal(romfs_vfs_open(&vfs, &f, "/nomount", writing[i]), ROMFS_ERR_ROFS);
    }
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/rom/lib", "r"), ROMFS_ERR_ISDIR);
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/rom", "r"), ROMFS_ERR_ISDIR);
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/rom/missing", "r"), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/rom/main.py", "rb"), 0);
    assert_int_equal(f.flags & ROMFS_VFS_O_BINARY, ROMFS_VFS_O_BINARY);
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/rom/main.py", "r"), 0);
    assert_int_equal(f.flags & ROMFS_VFS_O_BINARY, 0);
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/rom/main.py", NULL), 0);
    assert_int_equal(f.flags & ROMFS_VFS_O_BINARY, 0);
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/rom/main.py", "bt"), 0);
    assert_int_equal(f.flags & ROMFS_VFS_O_BINARY, 0);
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/rom/main.py", "tb"), 0);
    assert_int_equal(f.flags & ROMFS_VFS_O_BINARY, ROMFS_VFS_O_BINARY);
    assert_int_equal(romfs_vfs_open(&vfs, &f, NULL, "r"), ROMFS_ERR_INVAL);
}

static void test_umount(void **state)
{
    (void)state;
    romfs_info_t info;
    assert_int_equal(romfs_vfs_umount(&vfs, "/rom"), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len, 0), 0);
    assert_int_equal(romfs_vfs_umount(&vfs, "/rom/lib"), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_vfs_chdir(&vfs, "/rom"), 0);
    assert_int_equal(romfs_vfs_umount(&vfs, "/rom/"), 0);
    /* The current directory went away with the mount. */
    assert_string_equal(romfs_vfs_getcwd(&vfs), "/");
    assert_int_equal(romfs_vfs_stat(&vfs, "/rom/main.py", &info), ROMFS_ERR_NODEV);
    assert_int_equal(romfs_vfs_umount(&vfs, "/rom"), ROMFS_ERR_INVAL);
    /* A cwd that still exists survives another unmount. */
    assert_int_equal(romfs_vfs_mount(&vfs, "/a", doc, doc_len, 0), 0);
    assert_int_equal(romfs_vfs_mount(&vfs, "/b", doc, doc_len, 0), 0);
    assert_int_equal(romfs_vfs_chdir(&vfs, "/a"), 0);
    assert_int_equal(romfs_vfs_umount(&vfs, "/b"), 0);
    assert_string_equal(romfs_vfs_getcwd(&vfs), "/a");
}

static void test_nested_mount_points(void **state)
{
    (void)state;
    uint8_t kids[256], img[300];
    size_t n = di_file(kids, "x", "inner-x", 7);
    n += di_file(kids + n, "main.py", "inner", 5);
    size_t img_len = di_image(img, kids, n);
    romfs_info_t info;
    romfs_vfs_file_t f;
    char buf[128];

    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len, 0), 0);
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom/sub", img, img_len, 0), 0);
    assert_int_equal(romfs_vfs_mount(&vfs, "/a/b", img, img_len, 0), 0);
    assert_int_equal(romfs_vfs_mount(&vfs, "/a/c/d", img, img_len, 0), 0);
    /* Longest prefix wins. */
    read_all("/rom/sub/x", buf, sizeof buf);
    assert_string_equal(buf, "inner-x");
    read_all("/rom/sub/main.py", buf, sizeof buf);
    assert_string_equal(buf, "inner");
    assert_int_equal(romfs_vfs_stat(&vfs, "/rom/main.py", &info), 0);
    assert_int_equal(info.size, 34);
    assert_int_equal(romfs_vfs_stat(&vfs, "/rom/x", &info), ROMFS_ERR_NOENT);
    /* Mount points are listed first, once; the image's entries after. */
    assert_int_equal(list("/", buf, sizeof buf), 0);
    assert_string_equal(buf, "rom,a");
    assert_int_equal(list("/rom", buf, sizeof buf), 0);
    assert_string_equal(buf, "sub,lib,main.py,utils.py");
    assert_int_equal(list("/a", buf, sizeof buf), 0);
    assert_string_equal(buf, "b,c");
    /* "/ab/x" is not below "/a". */
    assert_int_equal(romfs_vfs_umount(&vfs, "/rom/sub"), 0);
    assert_int_equal(romfs_vfs_mount(&vfs, "/ab/x", img, img_len, 0), 0);
    assert_int_equal(list("/a", buf, sizeof buf), 0);
    assert_string_equal(buf, "b,c");
    assert_int_equal(list("/", buf, sizeof buf), 0);
    /* Listed in slot order: "/ab/x" reuses the slot "/rom/sub" left. */
    assert_string_equal(buf, "rom,ab,a");
    assert_int_equal(romfs_vfs_umount(&vfs, "/ab/x"), 0);
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom/sub", img, img_len, 0), 0);
    assert_int_equal(list("/a/c", buf, sizeof buf), 0);
    assert_string_equal(buf, "d");
    assert_int_equal(list("/a/b", buf, sizeof buf), 0);
    assert_string_equal(buf, "x,main.py");
    /* Virtual directories. */
    assert_int_equal(romfs_vfs_stat(&vfs, "/a/c", &info), 0);
    assert_int_equal(info.type, ROMFS_TYPE_DIR);
    assert_int_equal(info.size, 0);
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/a", "r"), ROMFS_ERR_ISDIR);
    assert_int_equal(romfs_vfs_stat(&vfs, "/a/x", &info), ROMFS_ERR_NODEV);
    assert_int_equal(romfs_vfs_chdir(&vfs, "/a/c"), 0);
    read_all("d/x", buf, sizeof buf);
    assert_string_equal(buf, "inner-x");
    read_all("../b/main.py", buf, sizeof buf);
    assert_string_equal(buf, "inner");
    /* A mount shadows an image entry of the same name. */
    assert_int_equal(romfs_vfs_umount(&vfs, "/a/c/d"), 0);
    assert_int_equal(list("/a", buf, sizeof buf), 0);
    assert_string_equal(buf, "b");
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom/lib", img, img_len, 0), 0);
    assert_int_equal(list("/rom", buf, sizeof buf), 0);
    assert_string_equal(buf, "sub,lib,main.py,utils.py");
    assert_int_equal(list("/rom/lib", buf, sizeof buf), 0);
    assert_string_equal(buf, "x,main.py");
}

static void test_root_mount(void **state)
{
    (void)state;
    uint8_t kids[256], img[300];
    size_t n = di_file(kids, "top.py", "T", 1);
    n += di_dir(kids + n, "rom", "", 0);
    size_t img_len = di_image(img, kids, n);
    romfs_info_t info;
    char buf[128];
    assert_int_equal(romfs_vfs_mount(&vfs, "/", img, img_len, 0), 0);
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len, 0), 0);
    read_all("/top.py", buf, sizeof buf);
    assert_string_equal(buf, "T");
    read_all("/rom/main.py", buf, sizeof buf);
    assert_memory_equal(buf, "import", 6);
    /* "rom" of the root image is shadowed by the mount. */
    assert_int_equal(list("/", buf, sizeof buf), 0);
    assert_string_equal(buf, "rom,top.py");
    assert_int_equal(romfs_vfs_stat(&vfs, "/", &info), 0);
    assert_int_equal(info.size, n);
    assert_int_equal(romfs_vfs_stat(&vfs, "/nothing", &info), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_vfs_chdir(&vfs, "/top.py"), ROMFS_ERR_OPNOTSUPP);
    assert_int_equal(romfs_vfs_umount(&vfs, "/"), 0);
    assert_int_equal(romfs_vfs_stat(&vfs, "/top.py", &info), ROMFS_ERR_NODEV);
}

static void test_cwd(void **state)
{
    (void)state;
    romfs_info_t info;
    char buf[128];
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len, 0), 0);
    /* Relative to "/". */
    assert_int_equal(romfs_vfs_stat(&vfs, "rom/main.py", &info), 0);
    assert_int_equal(romfs_vfs_stat(&vfs, "", &info), 0);
    assert_int_equal(info.size, 0);
    assert_int_equal(romfs_vfs_chdir(&vfs, "rom"), 0);
    assert_string_equal(romfs_vfs_getcwd(&vfs), "/rom");
    read_all("lib/helper.py", buf, sizeof buf);
    assert_string_equal(buf, "VALUE = 42\n");
    read_all("./lib/../lib/./helper.py", buf, sizeof buf);
    assert_string_equal(buf, "VALUE = 42\n");
    assert_int_equal(romfs_vfs_stat(&vfs, "", &info), 0);
    assert_int_equal(info.type, ROMFS_TYPE_DIR);
    assert_true(info.size > 0);
    assert_int_equal(list(".", buf, sizeof buf), 0);
    assert_string_equal(buf, "lib,main.py,utils.py");
    assert_int_equal(list("..", buf, sizeof buf), 0);
    assert_string_equal(buf, "rom");
    /* Only an image's root is a valid cwd (VfsRom.chdir). */
    assert_int_equal(romfs_vfs_chdir(&vfs, "lib"), ROMFS_ERR_OPNOTSUPP);
    assert_int_equal(romfs_vfs_chdir(&vfs, "/rom/lib"), ROMFS_ERR_OPNOTSUPP);
    assert_int_equal(romfs_vfs_chdir(&vfs, "missing"), ROMFS_ERR_OPNOTSUPP);
    assert_int_equal(romfs_vfs_chdir(&vfs, "/elsewhere"), ROMFS_ERR_NODEV);
    assert_string_equal(romfs_vfs_getcwd(&vfs), "/rom");
    assert_int_equal(romfs_vfs_chdir(&vfs, "lib/.."), 0);
    assert_string_equal(romfs_vfs_getcwd(&vfs), "/rom");
    /* ".." above the root stays at the root. */
    assert_int_equal(romfs_vfs_chdir(&vfs, "../../.."), 0);
    assert_string_equal(romfs_vfs_getcwd(&vfs), "/");
    assert_int_equal(romfs_vfs_stat(&vfs, "/../../rom//lib/", &info), 0);
    assert_int_equal(info.type, ROMFS_TYPE_DIR);
    assert_int_equal(romfs_vfs_chdir(&vfs, "/rom/lib/.."), 0);
    assert_string_equal(romfs_vfs_getcwd(&vfs), "/rom");
    assert_int_equal(romfs_vfs_chdir(&vfs, "/"), 0);
    assert_string_equal(romfs_vfs_getcwd(&vfs), "/");
}

static void test_path_too_long(void **state)
{
    (void)state;
    char path[ROMFS_VFS_PATH_MAX + 8];
    romfs_info_t info;
    romfs_vfs_dir_t d;
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len, 0), 0);
    memcpy(path, "/rom/", 5);
    memset(path + 5, 'x', sizeof path - 6);
    path[sizeof path - 1] = '\0';
    assert_int_equal(romfs_vfs_stat(&vfs, path, &info), ROMFS_ERR_NAMETOOLONG);
    assert_int_equal(romfs_vfs_dir_open(&vfs, &d, path), ROMFS_ERR_NAMETOOLONG);
    assert_int_equal(romfs_vfs_chdir(&vfs, path), ROMFS_ERR_NAMETOOLONG);
    assert_int_equal(romfs_vfs_umount(&vfs, path), ROMFS_ERR_NAMETOOLONG);
    assert_null(romfs_vfs_mounted(&vfs, path));
    romfs_statvfs_t st;
    assert_int_equal(romfs_vfs_statvfs(&vfs, path, &st), ROMFS_ERR_NAMETOOLONG);
    romfs_vfs_file_t f;
    assert_int_equal(romfs_vfs_open(&vfs, &f, path, "r"), ROMFS_ERR_NAMETOOLONG);
    assert_int_equal(romfs_vfs_mount(&vfs, path, doc, doc_len, 0), ROMFS_ERR_NAMETOOLONG);
    /* The longest path that fits still resolves (to NOENT). */
    path[ROMFS_VFS_PATH_MAX - 1] = '\0';
    assert_int_equal(romfs_vfs_stat(&vfs, path, &info), ROMFS_ERR_NOENT);
    /* ".." consumes what it climbs out of, so long inputs may fit. */
    char up[ROMFS_VFS_PATH_MAX * 2];
    size_t n = 0;
    for (int i = 0; i < 60; i++) {
        memcpy(up + n, "/abc/..", 7);
        n += 7;
    }
    memcpy(up + n, "/rom/main.py", 13);
    assert_int_equal(romfs_vfs_stat(&vfs, up, &info), 0);
    assert_int_equal(info.type, ROMFS_TYPE_FILE);
}

static void test_nested_image_zero_copy(void **state)
{
    (void)state;
    uint8_t inner_kids[128], inner[160], outer_kids[512], outer[600];
    size_t n = di_file(inner_kids, "hello.txt", "hi there", 8);
    size_t inner_len = di_image(inner, inner_kids, n);
    n = di_file(outer_kids, "inner.romfs", inner, inner_len);
    n += di_file(outer_kids + n, "plain.txt", "not an image", 12);
    n += di_dir(outer_kids + n, "d", "", 0);
    size_t outer_len = di_image(outer, outer_kids, n);
    romfs_info_t info;
    char buf[64];

    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", outer, outer_len, 0), 0);
    assert_int_equal(romfs_vfs_mount_file(&vfs, "/rom/inner.romfs", "/inner", 0), 0);
    const romfs_t *fs = romfs_vfs_mounted(&vfs, "/inner");
    assert_non_null(fs);
    /* The nested image is the outer file's bytes, in place. */
    assert_true(fs->image > outer && fs->image + inner_len <= outer + outer_len);
    assert_memory_equal(fs->image, inner, inner_len);
    assert_int_equal(romfs_vfs_stat(&vfs, "/inner/hello.txt", &info), 0);
    assert_true(info.data > outer && info.data + info.size <= outer + outer_len);
    read_all("/inner/hello.txt", buf, sizeof buf);
    assert_string_equal(buf, "hi there");
    /* Relative file path and nested mount inside the outer mount. */
    assert_int_equal(romfs_vfs_chdir(&vfs, "/rom"), 0);
    assert_int_equal(romfs_vfs_mount_file(&vfs, "inner.romfs", "/rom/d", 0), 0);
    read_all("/rom/d/hello.txt", buf, sizeof buf);
    assert_string_equal(buf, "hi there");

    assert_int_equal(romfs_vfs_mount_file(&vfs, "/rom/plain.txt", "/p", 0), ROMFS_ERR_NODEV);
    assert_int_equal(romfs_vfs_mount_file(&vfs, "/rom/d", "/p", 0), ROMFS_ERR_ISDIR);
    assert_int_equal(romfs_vfs_mount_file(&vfs, "/rom/none", "/p", 0), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_vfs_mount_file(&vfs, "/nowhere/x", "/p", 0), ROMFS_ERR_NODEV);
    assert_int_equal(romfs_vfs_mount_file(&vfs, "/rom/inner.romfs", "/inner", 0), ROMFS_ERR_PERM);
}

static void test_unsafe_names_skipped(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = tu_read_file(tu_vector("hostile/names_with_slash_and_dots.romfs"), &len);
    romfs_info_t info;
    char buf[256];
    assert_int_equal(romfs_vfs_mount(&vfs, "/h", img, len, 0), 0);
    assert_int_equal(list("/h", buf, sizeof buf), 0);
    /* "../../evil", "a/b", ".." and "" are all unsafe: only "ok" lists. */
    assert_string_equal(buf, "ok");
    int r = romfs_vfs_stat(&vfs, "/h/a/b", &info);
    assert_true(r == ROMFS_ERR_NOENT || r == ROMFS_ERR_IO);
    /* ".." is resolved by the table, so it can never reach the image. */
    read_all("/h/../h/ok", buf, sizeof buf);
    assert_string_equal(buf, "fine");
    free(img);
}

/* expected.json of the hostile vectors, by hand: path, then the data or the
 * accepted errors. */
struct hostile_case {
    const char *image;
    int mounts;
    const char *path;
    const char *data;
    int err1, err2;
};

static const struct hostile_case hostile[] = {
    {"too_small", 0, NULL, NULL, 0, 0},
    {"bad_magic", 0, NULL, NULL, 0, 0},
    {"header_past_end", 0, NULL, NULL, 0, 0},
    {"pointer_offset_out_of_image", 1, "/ok", "fine", 0, 0},
    {"pointer_offset_out_of_image", 1, "/x", NULL, ROMFS_ERR_IO, ROMFS_ERR_IO},
    {"pointer_size_out_of_image", 1, "/ok", "fine", 0, 0},
    {"pointer_size_out_of_image", 1, "/x", NULL, ROMFS_ERR_IO, ROMFS_ERR_IO},
    {"record_longer_than_parent", 1, "/ok", "fine", 0, 0},
    {"record_longer_than_parent", 1, "/x", NULL, ROMFS_ERR_IO, ROMFS_ERR_IO},
    {"varuint_overflow", 1, "/ok", "fine", 0, 0},
    {"varuint_overflow", 1, "/x", NULL, ROMFS_ERR_NOENT, ROMFS_ERR_IO},
    {"name_longer_than_record", 1, "/ok", "fine", 0, 0},
    {"name_longer_than_record", 1, "/x", NULL, ROMFS_ERR_NOENT, ROMFS_ERR_IO},
    {"names_with_slash_and_dots", 1, "/ok", "fine", 0, 0},
    {"names_with_slash_and_dots", 1, "/a/b", NULL, ROMFS_ERR_NOENT, ROMFS_ERR_IO},
    {"interrupted_deploy_ff_tail", 1, "/ok", "fine", 0, 0},
    {"interrupted_deploy_ff_tail", 1, "/missing", NULL, ROMFS_ERR_NOENT, ROMFS_ERR_IO},
    {"unused_record_kind", 1, "/ok", "fine", 0, 0},
    {"file_without_data", 1, "/ok", "fine", 0, 0},
    {"file_without_data", 1, "/x", NULL, ROMFS_ERR_IO, ROMFS_ERR_IO},
    {"truncated_pointer", 1, "/ok", "fine", 0, 0},
    {"truncated_pointer", 1, "/x", NULL, ROMFS_ERR_IO, ROMFS_ERR_IO},
    {"deep_nesting_20000", 1, "/d/d/d/x", NULL, ROMFS_ERR_NOENT, ROMFS_ERR_NOENT},
    {"duplicate_names", 1, "/x", "first", 0, 0},
    {"unknown_records_skipped", 1, "/test", "contents", 0, 0},
    {"unknown_records_skipped", 1, "/dir/in", "side", 0, 0},
    {"padded_varuints", 1, "/p", "padded", 0, 0},
    {"indirect_data_valid", 1, "/a", "ALIGNEDDATA!", 0, 0},
};

/* Walk the whole tree under path breadth-first through the table, a few
 * levels deep, checking every entry stays inside the image. */
static void walk(const char *root, const uint8_t *img, size_t len)
{
    char queue[16][128];
    size_t head = 0, tail = 0;
    strcpy(queue[tail++], root);
    while (head < tail) {
        romfs_vfs_dir_t d;
        romfs_info_t info;
        const char *dir = queue[head++];
        if (romfs_vfs_dir_open(&vfs, &d, dir) != 0)
            continue;
        int r, guard = 0;
        while ((r = romfs_vfs_dir_read(&d, &info)) != 0 && guard++ < 1000) {
            if (r < 0) {
                assert_int_equal(r, ROMFS_ERR_IO);
                continue;
            }
            assert_true(info.name >= img && info.name + info.name_len <= img + len);
            assert_true(info.data >= img && info.data + info.size <= img + len);
            assert_int_equal(info.flags & ROMFS_INFO_UNSAFE_NAME, 0);
            romfs_vfs_file_t f;
            char child[128];
            if (strlen(dir) + info.name_len + 2 > sizeof child)
                continue;
            strcpy(child, dir);
            strcat(child, "/");
            strncat(child, (const char *)info.name, info.name_len);
            if (info.type == ROMFS_TYPE_DIR) {
                if (tail < 16)
                    strcpy(queue[tail++], child);
            } else {
                int e = romfs_vfs_open(&vfs, &f, child, "rb");
                assert_true(e == 0 || e == ROMFS_ERR_IO);
            }
        }
        assert_true(guard <= 1000);
    }
}

static void test_hostile_through_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        const struct hostile_case *c = &hostile[i];
        char rel[128], path[160], buf[64];
        size_t len;
        strcpy(rel, "hostile/");
        strcat(rel, c->image);
        strcat(rel, ".romfs");
        uint8_t *img = tu_read_file(tu_vector(rel), &len);
        romfs_vfs_init(&vfs);
        int r = romfs_vfs_mount(&vfs, "/h", img, len, 0);
        if (!c->mounts) {
            assert_int_equal(r, ROMFS_ERR_NODEV);
            free(img);
            continue;
        }
        assert_int_equal(r, 0);
        strcpy(path, "/h");
        strcat(path, c->path);
        romfs_info_t info;
        romfs_vfs_file_t f;
        int s = romfs_vfs_stat(&vfs, path, &info);
        int o = romfs_vfs_open(&vfs, &f, path, "rb");
        if (c->data) {
            assert_int_equal(s, 0);
            assert_int_equal(o, 0);
            size_t n = romfs_file_read(&f.file, buf, sizeof buf - 1);
            buf[n] = '\0';
            assert_string_equal(buf, c->data);
        } else {
            assert_true(s == c->err1 || s == c->err2);
            assert_true(o == c->err1 || o == c->err2);
        }
        romfs_statvfs_t st;
        assert_int_equal(romfs_vfs_statvfs(&vfs, "/h", &st), 0);
        walk("/h", img, len);
        free(img);
    }
}

/* The reader calls a corrupt image ROMFS_ERR_CORRUPT; the table gives
 * MicroPython's EIO for it on every path a reader error comes through. */
static void test_corrupt_is_eio(void **state)
{
    (void)state;
    /* Root: file "a" (good), then a kind-0 record, then file "b". */
    const uint8_t img[] = {0xd2, 0xcd, 0x31, 0x0f, 0x05, 0x05, 0x01, 'a', 0x02, 0x01, 'x',
                           0x00, 0x00, 0x05, 0x04, 0x01, 'b', 0x02, 0x00};
    romfs_t fs;
    romfs_info_t info;
    romfs_vfs_dir_t d;
    romfs_vfs_file_t f;
    assert_int_equal(romfs_mount(&fs, img, sizeof img), 0);
    assert_int_equal(romfs_stat(&fs, "/b", &info), ROMFS_ERR_CORRUPT);
    assert_int_equal(romfs_stat(&fs, "/a", &info), 0);

    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", img, sizeof img, 0), 0);
    assert_int_equal(romfs_vfs_stat(&vfs, "/rom/b", &info), ROMFS_ERR_IO);
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/rom/b", "r"), ROMFS_ERR_IO);
    assert_int_equal(romfs_vfs_dir_open(&vfs, &d, "/rom/b"), ROMFS_ERR_IO);
    assert_int_equal(romfs_vfs_mount_file(&vfs, "/rom/b", "/in", 0), ROMFS_ERR_IO);
    assert_int_equal(romfs_vfs_open(&vfs, &f, "/rom/a", "r"), 0);
    assert_int_equal(romfs_vfs_dir_open(&vfs, &d, "/rom"), 0);
    assert_int_equal(romfs_vfs_dir_read(&d, &info), 1);
    assert_int_equal(romfs_vfs_dir_read(&d, &info), ROMFS_ERR_IO);
    assert_int_equal(romfs_vfs_dir_read(&d, &info), 0);
}

static void test_write_ops_refused(void **state)
{
    (void)state;
    assert_int_equal(romfs_vfs_mount(&vfs, "/rom", doc, doc_len, 0), 0);
    assert_int_equal(romfs_vfs_mkdir(&vfs, "/rom/new"), ROMFS_ERR_OPNOTSUPP);
    assert_int_equal(romfs_vfs_remove(&vfs, "/rom/main.py"), ROMFS_ERR_OPNOTSUPP);
    assert_int_equal(romfs_vfs_rmdir(&vfs, "/rom/lib"), ROMFS_ERR_OPNOTSUPP);
    assert_int_equal(romfs_vfs_rename(&vfs, "/rom/main.py", "/rom/x"), ROMFS_ERR_OPNOTSUPP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mount_and_dispatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seek_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mount_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_umount, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_mount_points, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_mount, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cwd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_too_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_image_zero_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsafe_names_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_through_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_is_eio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_ops_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
