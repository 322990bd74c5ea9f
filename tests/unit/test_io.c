/* SPDX-License-Identifier: MIT */
/* Bounded loading and atomic output (src/host/io.c). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "romfs/romfs_io.h"
#include "testutil.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    return tu_tmpdir(dir, sizeof dir, "test_io");
}

static int teardown(void **state)
{
    (void)state;
    return tu_rmtree(dir);
}

static const char *at(const char *name)
{
    return tu_path(dir, name);
}

/* Entries of dir other than the ones named: temporary files left behind. */
static int others(const char *a, const char *b)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -v -x -e '%s' -e '%s' | grep -q .", dir, a, b);
    return system(cmd) == 0;
}

static void test_load_bounds(void **state)
{
    (void)state;
    uint8_t *data;
    size_t len;
    assert_int_equal(romfs_write_file(at("f"), "hello", 5), 0);
    assert_int_equal(romfs_load_file(at("f"), 5, &data, &len), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(data, "hello", 5);
    free(data);
    assert_int_equal(romfs_load_file(at("f"), 4, &data, &len), -EFBIG);
    assert_int_equal(romfs_load_file(dir, 100, &data, &len), -EISDIR);
    assert_int_equal(romfs_load_file(at("missing"), 100, &data, &len), -ENOENT);
    /* An empty file still gives a buffer. */
    assert_int_equal(romfs_write_file(at("empty"), "", 0), 0);
    assert_int_equal(romfs_load_file(at("empty"), 100, &data, &len), 0);
    assert_non_null(data);
    assert_int_equal(len, 0);
    free(data);
}

/* A pipe has no size: it is read up to the bound, then refused. */
static void test_load_pipe_bound(void **state)
{
    (void)state;
    int p[2];
    uint8_t buf[3000], *data;
    size_t len;
    memset(buf, 'x', sizeof buf);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], buf, sizeof buf), (ssize_t)sizeof buf);
    close(p[1]);
    assert_int_equal(romfs_load_fd(p[0], 2999, &data, &len), -EFBIG);
    close(p[0]);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], buf, sizeof buf), (ssize_t)sizeof buf);
    close(p[1]);
    assert_int_equal(romfs_load_fd(p[0], 3000, &data, &len), 0);
    assert_int_equal(len, 3000);
    free(data);
    close(p[0]);
}

/* Replacing a 0600 file keeps 0600; an aborted output leaves the old file
 * and no temporary file. */
static void test_out_mode_and_abort(void **state)
{
    (void)state;
    struct stat st;
    romfs_out_t o;
    assert_int_equal(romfs_write_file(at("m"), "old", 3), 0);
    assert_int_equal(chmod(at("m"), 0600), 0);
    assert_int_equal(romfs_out_open(&o, at("m")), 0);
    assert_non_null(o.tmp);
    assert_int_equal(romfs_out_write(&o, "new!", 4), 0);
    romfs_out_abort(&o);
    assert_int_equal(stat(at("m"), &st), 0);
    assert_int_equal(st.st_size, 3);
    assert_false(others("m", "m"));
    assert_int_equal(romfs_write_file(at("m"), "new!", 4), 0);
    assert_int_equal(stat(at("m"), &st), 0);
    assert_int_equal(st.st_size, 4);
    assert_int_equal(st.st_mode & 07777, 0600);
}

/* A link is followed: the target is replaced, the link stays. */
static void test_out_symlink(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(romfs_write_file(at("target"), "old", 3), 0);
    assert_int_equal(symlink("target", at("link")), 0);
    assert_int_equal(romfs_write_file(at("link"), "linked", 6), 0);
    assert_int_equal(lstat(at("link"), &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(at("target"), &st), 0);
    assert_int_equal(st.st_size, 6);
    /* Literal: the link itself is replaced, the target untouched. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    romfs_out_t o;
    assert_int_equal(romfs_out_openat(&o, dfd, "link", ROMFS_OUT_LITERAL), 0);
    assert_int_equal(romfs_out_write(&o, "x", 1), 0);
    assert_int_equal(romfs_out_commit(&o), 0);
    assert_int_equal(lstat(at("link"), &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(stat(at("target"), &st), 0);
    assert_int_equal(st.st_size, 6);
    /* NOREPLACE: an existing name fails at commit, the temporary file goes. */
    assert_int_equal(romfs_out_openat(&o, dfd, "target", ROMFS_OUT_LITERAL | ROMFS_OUT_NOREPLACE), 0);
    assert_int_equal(romfs_out_commit(&o), -EEXIST);
    assert_false(others("link", "target"));
    close(dfd);
}

/* /dev/null is written in place, never replaced. */
static void test_out_device(void **state)
{
    (void)state;
    romfs_out_t o;
    struct stat st;
    assert_int_equal(romfs_out_open(&o, "/dev/null"), 0);
    assert_null(o.tmp);
    assert_int_equal(romfs_out_write(&o, "x", 1), 0);
    assert_int_equal(romfs_out_commit(&o), 0);
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(romfs_out_open(&o, dir), -EISDIR);
    assert_int_equal(romfs_out_open(&o, at("nodir/x")), -ENOENT);
}

/* The temporary-file hooks: each created file is reported once, between a
 * hold and its created call, and gone once, whether the output was
 * committed or aborted; a failed creation still pairs hold with created
 * (name NULL); an output written in place has no temporary file at all. */
struct hooklog {
    int holds, created, failed, gone, open;
    char last[256];
};

static void h_hold(void *ctx)
{
    struct hooklog *l = ctx;
    l->holds++;
    l->open++;
}

static void h_created(void *ctx, int dirfd, const char *name)
{
    struct hooklog *l = ctx;
    assert_int_equal(l->open, 1);
    l->open--;
    if (!name) {
        l->failed++;
        return;
    }
    l->created++;
    struct stat st;
    assert_int_equal(fstatat(dirfd, name, &st, 0), 0);   /* it exists when reported */
    snprintf(l->last, sizeof l->last, "%s", name);
}

static void h_gone(void *ctx, int dirfd, const char *name)
{
    struct hooklog *l = ctx;
    assert_string_equal(name, l->last);
    struct stat st;
    assert_int_not_equal(fstatat(dirfd, name, &st, 0), 0);   /* renamed or removed by then */
    l->gone++;
}

/* Static, and cleared by the teardown: a failed assertion leaves the test
 * with the hooks still set. */
static struct hooklog l;

static int teardown_hooks(void **state)
{
    romfs_io_set_tmp_hooks(NULL);
    return teardown(state);
}

static void test_out_tmp_hooks(void **state)
{
    (void)state;
    memset(&l, 0, sizeof l);
    romfs_tmp_hooks_t h = {h_hold, h_created, h_gone, &l};
    romfs_io_set_tmp_hooks(&h);
    romfs_out_t o;
    assert_int_equal(romfs_write_file(at("a"), "x", 1), 0);
    assert_int_equal(l.created, 1);
    assert_int_equal(l.gone, 1);
    assert_int_equal(romfs_out_open(&o, at("a")), 0);
    romfs_out_abort(&o);
    assert_int_equal(l.created, 2);
    assert_int_equal(l.gone, 2);
    /* Creation fails: the directory is gone after it was opened. */
    assert_int_equal(mkdir(at("d"), 0700), 0);
    int dfd = open(at("d"), O_RDONLY | O_DIRECTORY);
    assert_true(dfd >= 0);
    assert_int_equal(rmdir(at("d")), 0);
    assert_true(romfs_out_openat(&o, dfd, "f", ROMFS_OUT_LITERAL) < 0);
    close(dfd);
    assert_int_equal(l.failed, 1);
    assert_int_equal(l.created, 2);
    /* Written in place: no temporary file, no hook. */
    assert_int_equal(romfs_out_open(&o, "/dev/null"), 0);
    assert_null(o.tmp);
    assert_int_equal(romfs_out_commit(&o), 0);
    assert_int_equal(l.holds, 3);
    assert_int_equal(l.open, 0);
    romfs_io_set_tmp_hooks(NULL);
    assert_int_equal(romfs_write_file(at("b"), "y", 1), 0);
    assert_int_equal(l.created, 2);
}

/* A buffered output holds small writes and writes large ones through,
 * in order; the file appears whole at commit. */
static void test_out_buffer(void **state)
{
    (void)state;
    romfs_out_t o;
    char want[300], *got;
    size_t n = 0, len;
    assert_int_equal(romfs_out_open(&o, at("b")), 0);
    assert_int_equal(romfs_out_buffer(&o, 16), 0);
    static const size_t sizes[] = {3, 13, 0, 1, 40, 16, 15, 2, 100};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        for (size_t k = 0; k < sizes[i]; k++)
            want[n + k] = (char)('a' + (n + k) % 26);
        assert_int_equal(romfs_out_write(&o, want + n, sizes[i]), 0);
        n += sizes[i];
        assert_int_equal(o.written, n);
    }
    assert_int_equal(romfs_out_commit(&o), 0);
    assert_int_equal(romfs_load_file(at("b"), 1000, (uint8_t **)&got, &len), 0);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
    free(got);
}

/* The first write error stays: later writes and the commit return it,
 * o->written says how far it got, and a buffered one surfaces when the
 * buffer is written out (/dev/full: ENOSPC). */
static void test_out_error_stays(void **state)
{
    (void)state;
    romfs_out_t o;
    assert_int_equal(romfs_out_open(&o, "/dev/full"), 0);
    assert_int_equal(romfs_out_buffer(&o, 16), 0);
    assert_int_equal(romfs_out_write(&o, "0123456789", 10), 0);
    assert_int_equal(romfs_out_write(&o, "0123456789", 10), -ENOSPC);
    assert_int_equal(o.written, 10);
    assert_int_equal(romfs_out_write(&o, "x", 1), -ENOSPC);
    assert_int_equal(romfs_out_commit(&o), -ENOSPC);
    assert_int_equal(romfs_out_open(&o, "/dev/full"), 0);
    assert_int_equal(romfs_out_write(&o, "x", 1), -ENOSPC);
    assert_int_equal(romfs_out_commit(&o), -ENOSPC);
    /* Buffered and never full: the error comes at commit. */
    assert_int_equal(romfs_out_open(&o, "/dev/full"), 0);
    assert_int_equal(romfs_out_buffer(&o, 16), 0);
    assert_int_equal(romfs_out_write(&o, "x", 1), 0);
    assert_int_equal(romfs_out_commit(&o), -ENOSPC);
}

static void test_mkdir_p(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(romfs_mkdir_p(at("a/b/c"), 0700), 0);
    assert_int_equal(stat(at("a/b/c"), &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(romfs_mkdir_p(at("a/b/c"), 0700), 0);   /* exists: fine */
    assert_int_equal(romfs_write_file(at("file"), "x", 1), 0);
    assert_int_equal(romfs_mkdir_p(at("file/sub"), 0700), -ENOTDIR);
    assert_int_equal(romfs_out_open(&(romfs_out_t){0}, ""), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_bounds, setup, teardown),
        cmocka_unit_test(test_load_pipe_bound),
        cmocka_unit_test_setup_teardown(test_out_mode_and_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_tmp_hooks, setup, teardown_hooks),
        cmocka_unit_test_setup_teardown(test_out_buffer, setup, teardown),
        cmocka_unit_test(test_out_error_stays),
        cmocka_unit_test_setup_teardown(test_mkdir_p, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
