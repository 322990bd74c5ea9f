/* SPDX-License-Identifier: MIT */
/* The board library's build (src/board/build.c; test_build.c is the host
 * builder's): romfs_board_target asks the board what it loads (the fake
 * board of tests/cli/board answers _mpy), and a board that does not say,
 * or says something out of range, is a warning naming why, never a guess;
 * romfs_board_build builds a directory into an image that mounts, for no
 * board or for one, and passes that warning on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "romfs/romfs.h"
#include "emuboard.h"
#include "romfs/romfs_dirbuild.h"

static romfs_board_t *fake_mpy(const char *answer)
{
    char env[256];
    snprintf(env, sizeof env, "FAKE_KEYS=_mpy FAKE__mpy='%s'", answer);
    return open_fake(env, 10000);
}

static void test_target(void **state)
{
    (void)state;
    if (!have_node())
        skip();
    romfs_board_target_t t;
    romfs_board_t *b = fake_mpy("M 774");   /* 6 | 3 << 8: .mpy 6.3, no native emitter */
    assert_int_equal(romfs_board_target(b, &t), 1);
    assert_int_equal(t.known, 1);
    assert_int_equal(t.mpy.version, 6);
    assert_int_equal(t.mpy.sub_version, 3);
    assert_null(t.mpy.march);
    romfs_board_close(b);

    b = fake_mpy("M -1");
    assert_int_equal(romfs_board_target(b, &t), -1);
    assert_non_null(strstr(t.why, "does not say which .mpy files it loads"));
    assert_non_null(strstr(t.why, "compiling without -march"));
    romfs_board_close(b);

    b = fake_mpy("M 99999999");   /* out of range: the parser's reason is in the warning */
    assert_int_equal(romfs_board_target(b, &t), -1);
    assert_non_null(strstr(t.why, "_mpy"));
    romfs_board_close(b);
}

struct warned {
    int n;
    char last[400];
};

static void on_warning(void *ctx, const char *msg)
{
    struct warned *w = ctx;
    w->n++;
    snprintf(w->last, sizeof w->last, "%s", msg);
}

static void make_tree(char *dir)
{
    strcpy(dir, "/tmp/romfs-bb.XXXXXX");
    assert_non_null(mkdtemp(dir));
    char p[160];
    snprintf(p, sizeof p, "%s/data.txt", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("hello\n", f);
    fclose(f);
}

static void remove_tree(const char *dir)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_build(void **state)
{
    (void)state;
    char dir[64];
    make_tree(dir);
    struct warned w = {0};
    romfs_dirbuild_opts_t o = {.on_warning = on_warning, .ctx = &w};
    romfs_dirbuild_t *d = NULL;
    uint8_t *img = NULL;
    size_t len = 0;
    /* no board: a plain build */
    assert_int_equal(romfs_board_build(NULL, dir, &o, NULL, &d, &img, &len), 0);
    romfs_t fs;
    assert_int_equal(romfs_mount(&fs, img, len), 0);
    romfs_info_t info;
    assert_int_equal(romfs_stat(&fs, "/data.txt", &info), 0);
    assert_int_equal(info.size, 6);
    assert_int_equal(w.n, 0);
    free(img);
    romfs_dirbuild_free(d);
    /* a source that is not there: an error with the build's message */
    assert_true(romfs_board_build(NULL, "/nonexistent/romfs-src", &o, NULL, &d, &img, &len) < 0);
    assert_non_null(d);
    assert_true(strlen(romfs_dirbuild_errmsg(d)) > 0);
    romfs_dirbuild_free(d);

    if (have_node()) {
        /* compiling for a board that does not say: the warning is passed on, once */
        romfs_board_t *b = fake_mpy("M -1");
        romfs_board_target_t t = {0};
        o.mpy = 1;
        img = NULL;
        assert_int_equal(romfs_board_build(b, dir, &o, &t, &d, &img, &len), 0);
        assert_int_equal(t.known, -1);
        assert_int_equal(w.n, 1);
        assert_string_equal(w.last, t.why);
        free(img);
        romfs_dirbuild_free(d);
        romfs_board_close(b);
    }
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_target), cmocka_unit_test(test_build)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
