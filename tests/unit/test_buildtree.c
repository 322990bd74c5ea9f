/* SPDX-License-Identifier: MIT */
/* The directory scan (src/host/buildtree.c): mpremote's tree lines, links
 * followed and loops refused, special and unreadable files, the output
 * inside the source, files changing between the scan and the write, names
 * that are not UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "romfs/romfs.h"
#include "romfs/romfs_build.h"
#include "romfs/romfs_mpy.h"
#include "buildtest.h"
#include "testutil.h"

/// Directory scan ///

static void test_scan_tree_lines_and_links(void **state)
{
    (void)state;
    tmp_setup();
    assert_int_equal(mkdir(tpath("src"), 0755), 0);
    assert_int_equal(mkdir(tpath("src/lib"), 0755), 0);
    assert_int_equal(mkdir(tpath("src/lib/deep"), 0755), 0);
    assert_int_equal(mkdir(tpath("other"), 0755), 0);
    put_file("src/main.py", "print(1)\n");
    put_file("src/.hidden", "h");
    put_file("src/lib/deep/x.txt", "xx");
    put_file("src/lib/a.txt", "aaa");
    put_file("other/t.txt", "linked");
    assert_int_equal(symlink("../other", tpath("src/zlink")), 0);
    assert_int_equal(symlink("main.py", tpath("src/alias.py")), 0);
    romfs_builder_t *b = romfs_builder_new(NULL);
    struct scanlog l;
    assert_int_equal(scan(b, tpath("src"), &l, NULL), 0);
    assert_string_equal(l.lines, "/\n"
                                 "|-- .hidden\n"
                                 "|-- alias.py\n"
                                 "|-- lib/\n"
                                 "|   |-- a.txt\n"
                                 "|   \\-- deep/\n"
                                 "|       \\-- x.txt\n"
                                 "|-- main.py\n"
                                 "\\-- zlink/\n"
                                 "    \\-- t.txt\n");
    struct membuf m;
    build_to_mem(b, &m);
    romfs_t fs;
    assert_int_equal(romfs_mount(&fs, m.p, m.len), 0);
    romfs_file_t f;
    assert_int_equal(romfs_file_open(&fs, &f, "/zlink/t.txt"), 0);
    assert_int_equal(f.size, 6);
    assert_memory_equal(f.data, "linked", 6);
    assert_int_equal(romfs_file_open(&fs, &f, "/alias.py"), 0);
    assert_memory_equal(f.data, "print(1)\n", 9);
    assert_int_equal(romfs_file_open(&fs, &f, "/lib/deep/x.txt"), 0);
    free(m.p);
    romfs_builder_free(b);
    tmp_cleanup();
}

static void expect_scan_error(const char *dir, const char *out, const char *path_part, const char *msg_part)
{
    romfs_builder_t *b = romfs_builder_new(NULL);
    struct scanlog l;
    assert_true(scan(b, dir, &l, out) < 0);
    if (!strstr(l.err, path_part) || !strstr(l.err, msg_part))
        fail_msg("error '%s' lacks '%s' or '%s'", l.err, path_part, msg_part);
    romfs_builder_free(b);
}

static void test_scan_refusals(void **state)
{
    (void)state;
    tmp_setup();
    assert_int_equal(mkdir(tpath("loop"), 0755), 0);
    assert_int_equal(mkdir(tpath("loop/sub"), 0755), 0);
    assert_int_equal(symlink("..", tpath("loop/sub/up")), 0);
    expect_scan_error(tpath("loop"), NULL, "loop/sub/up", "loop");

    assert_int_equal(mkdir(tpath("self"), 0755), 0);
    assert_int_equal(symlink("self", tpath("self/self")), 0);
    expect_scan_error(tpath("self"), NULL, "self/self", "loop");

    assert_int_equal(mkdir(tpath("fifo"), 0755), 0);
    assert_int_equal(mkfifo(tpath("fifo/pipe"), 0644), 0);
    expect_scan_error(tpath("fifo"), NULL, "fifo/pipe", "a fifo");

    assert_int_equal(mkdir(tpath("broken"), 0755), 0);
    assert_int_equal(symlink("nowhere", tpath("broken/dangling")), 0);
    expect_scan_error(tpath("broken"), NULL, "broken/dangling", "broken symbolic link");

    expect_scan_error(tpath("missing"), NULL, "missing", "No such file");
    put_file("plain", "x");
    expect_scan_error(tpath("plain"), NULL, "plain", "not a directory");

    assert_int_equal(mkdir(tpath("src"), 0755), 0);
    assert_int_equal(mkdir(tpath("src/sub"), 0755), 0);
    put_file("src/a", "a");
    expect_scan_error(tpath("src"), tpath("src/out.romfs"), "out.romfs", "inside the source");
    expect_scan_error(tpath("src"), tpath("src/sub/../sub/x.romfs"), "x.romfs", "inside the source");
    char rel[1100];
    snprintf(rel, sizeof rel, "%s/src/../src/sub/y", tmp_root);
    expect_scan_error(tpath("src/"), rel, "sub/y", "inside the source");
    /* Beside the source is fine, and so is a sibling whose name extends it. */
    romfs_builder_t *b = romfs_builder_new(NULL);
    struct scanlog l;
    assert_int_equal(scan(b, tpath("src"), &l, tpath("src.romfs")), 0);
    romfs_builder_free(b);
    b = romfs_builder_new(NULL);
    assert_int_equal(mkdir(tpath("srcx"), 0755), 0);
    assert_int_equal(scan(b, tpath("src"), &l, tpath("srcx/o.romfs")), 0);
    romfs_builder_free(b);

    if (geteuid() != 0) {
        assert_int_equal(mkdir(tpath("unread"), 0755), 0);
        put_file("unread/secret", "s");
        assert_int_equal(chmod(tpath("unread/secret"), 0), 0);
        /* Not opened by the scan (one open a file fewer): the write fails. */
        romfs_builder_t *ub = romfs_builder_new(NULL);
        struct scanlog ul;
        assert_int_equal(scan(ub, tpath("unread"), &ul, NULL), 0);
        struct membuf um = {0};
        assert_true(romfs_builder_write(ub, mem_write, &um) < 0);
        assert_non_null(strstr(romfs_builder_errmsg(ub), "unread/secret: cannot read"));
        free(um.p);
        romfs_builder_free(ub);
    } else {
        fprintf(stderr, "note: running as root, chmod 000 cannot make a file unreadable; "
                        "the replaced-by-fifo and vanished-file cases cover the read path\n");
    }
    tmp_cleanup();
}

/* A file that changes between the scan and the write is caught, by path. */
static void test_scan_file_changes(void **state)
{
    (void)state;
    tmp_setup();
    assert_int_equal(mkdir(tpath("d"), 0755), 0);
    static const char *how[] = {"grow", "shrink", "fifo", "vanish", "touch"};
    for (size_t i = 0; i < 5; i++) {
        put_file("d/f.txt", "0123456789");
        romfs_builder_t *b = romfs_builder_new(NULL);
        struct scanlog l;
        assert_int_equal(scan(b, tpath("d"), &l, NULL), 0);
        if (i == 0) {
            put_file("d/f.txt", "0123456789AB");
        } else if (i == 1) {
            put_file("d/f.txt", "0123");
        } else if (i == 2) {
            assert_int_equal(unlink(tpath("d/f.txt")), 0);
            assert_int_equal(mkfifo(tpath("d/f.txt"), 0644), 0);
        } else if (i == 3) {
            assert_int_equal(unlink(tpath("d/f.txt")), 0);
        } else {
            /* Same size, new content, new mtime. */
            struct timespec ts[2] = {{0, UTIME_OMIT}, {12345, 0}};
            put_file("d/f.txt", "ABCDEFGHIJ");
            assert_int_equal(utimensat(AT_FDCWD, tpath("d/f.txt"), ts, 0), 0);
        }
        struct membuf m = {0};
        int r = romfs_builder_write(b, mem_write, &m);
        if (r >= 0)
            fail_msg("%s: write succeeded", how[i]);
        if (!strstr(romfs_builder_errmsg(b), "d/f.txt"))
            fail_msg("%s: message '%s' lacks the path", how[i], romfs_builder_errmsg(b));
        free(m.p);
        romfs_builder_free(b);
        unlink(tpath("d/f.txt"));
    }
    tmp_cleanup();
}

/* A file rewritten in place while it is being read (same size): the
 * writer's first call comes mid-file (the output buffer is smaller than the
 * file), rewrites the file's tail and gives it a new mtime. The build must
 * fail naming the file, not write torn contents. */
struct rewriter {
    struct membuf m;
    const char *path;
    int done;
};

static int rewrite_on_write(void *ctx, const void *data, size_t len)
{
    struct rewriter *w = ctx;
    if (!w->done) {
        w->done = 1;
        int fd = open(w->path, O_WRONLY);
        assert_true(fd >= 0);
        static uint8_t tail[100000];
        memset(tail, 'Z', sizeof tail);
        assert_int_equal(pwrite(fd, tail, sizeof tail, 100000), (ssize_t)sizeof tail);
        struct timespec ts[2] = {{0, UTIME_OMIT}, {54321, 0}};
        assert_int_equal(futimens(fd, ts), 0);
        close(fd);
    }
    return mem_write(&w->m, data, len);
}

static void test_file_rewritten_while_read(void **state)
{
    (void)state;
    tmp_setup();
    assert_int_equal(mkdir(tpath("d"), 0755), 0);
    FILE *fp = fopen(tpath("d/big.bin"), "wb");
    assert_non_null(fp);
    for (int i = 0; i < 200000; i++)
        fputc('a' + i % 26, fp);
    fclose(fp);
    romfs_builder_t *b = romfs_builder_new(NULL);
    struct scanlog l;
    assert_int_equal(scan(b, tpath("d"), &l, NULL), 0);
    struct rewriter w = {.path = tpath("d/big.bin")};
    int r = romfs_builder_write(b, rewrite_on_write, &w);
    assert_true(w.done);
    if (r >= 0)
        fail_msg("a file rewritten while it was read: the build succeeded (torn contents)");
    if (!strstr(romfs_builder_errmsg(b), "d/big.bin") || !strstr(romfs_builder_errmsg(b), "changed"))
        fail_msg("message '%s' lacks the path or the change", romfs_builder_errmsg(b));
    free(w.m.p);
    romfs_builder_free(b);
    unlink(tpath("d/big.bin"));
    tmp_cleanup();
}

static void test_scan_non_utf8_names(void **state)
{
    (void)state;
    tmp_setup();
    static const struct {
        const char *name, *shown;
    } bad[] = {
        {"caf\xe9.txt", "caf\\xe9.txt"},          /* Latin-1 */
        {"\xc0\xaf.py", "\\xc0\\xaf.py"},        /* overlong '/' */
        {"s\xed\xa0\x80", "s\\xed\\xa0\\x80"}, /* a surrogate */
        {"t\xf4\x90\x80\x80", "t\\xf4\\x90\\x80\\x80"}, /* above U+10FFFF */
        {"cut\xe2\x82", "cut\\xe2\\x82"},        /* truncated sequence */
    };
    char dir[64], rel[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(dir, sizeof dir, "u%zu", i);
        assert_int_equal(mkdir(tpath(dir), 0755), 0);
        snprintf(rel, sizeof rel, "%s/ok \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", dir);
        put_file(rel, "fine");
        snprintf(rel, sizeof rel, "%s/%s", dir, bad[i].name);
        put_file(rel, "x");
        snprintf(rel, sizeof rel, "%s/%s", dir, bad[i].shown);
        expect_scan_error(tpath(dir), NULL, rel, "not valid UTF-8");
        snprintf(rel, sizeof rel, "%s/%s", dir, bad[i].name);
        assert_int_equal(unlink(tpath(rel)), 0);
        romfs_builder_t *b = romfs_builder_new(NULL);
        struct scanlog l;
        assert_int_equal(scan(b, tpath(dir), &l, NULL), 0); /* valid UTF-8 (é € emoji) passes */
        romfs_builder_free(b);
    }
    tmp_cleanup();
}

/* Files whose contents come later (the compiler's output): writing waits
 * for them, and the image equals one built with the contents up front. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_scan_tree_lines_and_links, teardown_tmp),
        cmocka_unit_test_teardown(test_scan_refusals, teardown_tmp),
        cmocka_unit_test_teardown(test_scan_file_changes, teardown_tmp),
        cmocka_unit_test_teardown(test_file_rewritten_while_read, teardown_tmp),
        cmocka_unit_test_teardown(test_scan_non_utf8_names, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
