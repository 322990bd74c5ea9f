/* SPDX-License-Identifier: MIT */
/* src/fuse/fuse_ops.c: `romfs mount`'s FUSE operations called as the
 * kernel calls them, over images made by imgmk.h: attributes, listings
 * (names a path cannot reach left out), reads at every edge, read-only
 * opens, statfs, and the errno of each failure; mount_serve's refusals,
 * which need no kernel either. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "imgmk.h"
#include "romfs_fuse_ops.h"

static const uint8_t HELLO[] = "hello, flash";

typedef struct listing {
    char names[8][NAME_MAX + 1];
    int n;
} listing_t;

static int on_fill(void *buf, const char *name, const struct stat *st, off_t off, enum fuse_fill_dir_flags flags)
{
    (void)st, (void)off, (void)flags;
    listing_t *l = buf;
    assert_true(l->n < 8);
    assert_true(strlen(name) <= NAME_MAX);
    strcpy(l->names[l->n++], name);
    return 0;
}

/* ops over an image of: main.py, lib/util.py (HELLO), a 300-byte name. */
static uint8_t *img;
static romfs_t fs;
static const struct fuse_operations *ops;
static struct stat owner;

static int setup(void **state)
{
    (void)state;
    static char longname[301];
    memset(longname, 'n', 300);
    mk_ent_t e[] = {
        {"main.py", (const uint8_t *)"print(1)\n", 9},
        {"lib/", NULL, 0},
        {"util.py", HELLO, sizeof HELLO - 1},
        {"..", NULL, 0},
        {longname, (const uint8_t *)"x", 1},
    };
    size_t len;
    img = mk_image(e, sizeof e / sizeof *e, &len);
    assert_non_null(img);
    assert_int_equal(romfs_mount(&fs, img, len), 0);
    memset(&owner, 0, sizeof owner);
    owner.st_uid = 4242;
    owner.st_mtim.tv_sec = 1700000000;
    ops = mount_operations(&fs, &owner);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(img);
    return 0;
}

static void test_getattr(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(ops->getattr("/", &st, NULL), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0222, 0);   /* read-only */
    assert_int_equal(ops->getattr("/lib/util.py", &st, NULL), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_size, sizeof HELLO - 1);
    assert_int_equal(st.st_uid, 4242);   /* the image file's owner and times */
    assert_int_equal(st.st_mtim.tv_sec, 1700000000);
    assert_int_equal(ops->getattr("/nope", &st, NULL), -ENOENT);
}

static void test_readdir(void **state)
{
    (void)state;
    listing_t l = {.n = 0};
    struct fuse_file_info fi = {0};
    assert_int_equal(ops->readdir("/", &l, on_fill, 0, &fi, 0), 0);
    /* ".", "..", main.py, lib: the 300-byte name no path can reach is left out. */
    assert_int_equal(l.n, 4);
    assert_string_equal(l.names[0], ".");
    assert_string_equal(l.names[1], "..");
    assert_string_equal(l.names[2], "main.py");
    assert_string_equal(l.names[3], "lib");
    listing_t m = {.n = 0};
    assert_int_equal(ops->readdir("/lib", &m, on_fill, 0, &fi, 0), 0);
    assert_int_equal(m.n, 3);
    assert_string_equal(m.names[2], "util.py");
    assert_int_equal(ops->readdir("/main.py", &m, on_fill, 0, &fi, 0), -ENOTDIR);
    assert_int_equal(ops->readdir("/gone", &m, on_fill, 0, &fi, 0), -ENOENT);
}

static void test_open_read(void **state)
{
    (void)state;
    struct fuse_file_info fi = {.flags = O_RDONLY};
    assert_int_equal(ops->open("/lib/util.py", &fi), 0);
    char buf[64];
    size_t n = sizeof HELLO - 1;
    assert_int_equal(ops->read("/lib/util.py", buf, sizeof buf, 0, &fi), (int)n);
    assert_memory_equal(buf, HELLO, n);
    assert_int_equal(ops->read("/lib/util.py", buf, 3, 7, &fi), 3);   /* a window */
    assert_memory_equal(buf, HELLO + 7, 3);
    assert_int_equal(ops->read("/lib/util.py", buf, sizeof buf, (off_t)n - 1, &fi), 1);
    assert_int_equal(ops->read("/lib/util.py", buf, sizeof buf, (off_t)n, &fi), 0);   /* at the end */
    assert_int_equal(ops->read("/lib/util.py", buf, sizeof buf, (off_t)n + 4096, &fi), 0);
    struct fuse_file_info w = {.flags = O_WRONLY};
    assert_int_equal(ops->open("/lib/util.py", &w), -EROFS);
    struct fuse_file_info rw = {.flags = O_RDWR};
    assert_int_equal(ops->open("/main.py", &rw), -EROFS);
    assert_int_equal(ops->open("/nope", &fi), -ENOENT);
    assert_int_equal(ops->open("/lib", &fi), -EISDIR);
}

static void test_statfs(void **state)
{
    (void)state;
    struct statvfs sv;
    assert_int_equal(ops->statfs("/", &sv), 0);
    assert_true(sv.f_blocks >= 1);
    assert_int_equal(sv.f_bfree, 0);   /* nothing can be written */
    assert_true(sv.f_flag & ST_RDONLY);
}

/* mount_serve returns -1, never mounting or going to the background,
 * when libfuse refuses an option passed through or the mount point. */
static void test_serve_refused(void **state)
{
    (void)state;
    assert_int_equal(mount_serve(&fs, "/nonexistent/image", "/", "no_such_fuse_option", 1), -1);
    assert_int_equal(mount_serve(&fs, "/nonexistent/image", "/nonexistent/romfs-mount-dir", NULL, 0), -1);
    assert_int_equal(mount_serve(&fs, "/nonexistent/image", "", NULL, 1), -1);
    struct stat st;   /* the operations serve the image, unowned: no image file */
    assert_int_equal(ops->getattr("/main.py", &st, NULL), 0);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_mtim.tv_sec, 0);
    mount_operations(&fs, &owner);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_getattr),
        cmocka_unit_test(test_readdir),
        cmocka_unit_test(test_open_read),
        cmocka_unit_test(test_statfs),
        cmocka_unit_test(test_serve_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
