/* SPDX-License-Identifier: MIT */
/*
 * Unpacking an image safely (src/host/extract.c): files and directories
 * written with their bytes and reported, an existing file kept unless
 * force, an unsafe name refusing the whole image before the destination
 * is created, the second of two equal names skipped with a warning, and a
 * symbolic link in the destination never followed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buildtest.h"
#include "imgmk.h"
#include "romfs/romfs_extract.h"

static int setup(void **state)
{
    (void)state;
    tmp_setup();
    return 0;
}

typedef struct heard {
    char errors[2048], warnings[1024], written[1024];
} heard_t;

static void on_message(void *ctx, int error, const char *line)
{
    heard_t *h = ctx;
    char *to = error ? h->errors : h->warnings;
    size_t cap = error ? sizeof h->errors : sizeof h->warnings;
    strncat(to, line, cap - strlen(to) - 2);
    strcat(to, "\n");
}

static void on_written(void *ctx, const char *path, size_t len, int is_dir)
{
    heard_t *h = ctx;
    strncat(h->written, path, len);
    strcat(h->written, is_dir ? "/;" : ";");
}

static int run(const mk_ent_t *e, size_t n, const char *dest, int force, heard_t *h)
{
    size_t len;
    uint8_t *img = mk_image(e, n, &len);
    memset(h, 0, sizeof *h);
    romfs_extract_opts_t o = {force, "img.romfs", on_message, on_written, h};
    int r = romfs_extract(img, len, tpath(dest), &o);
    free(img);
    return r;
}

static char *slurp(const char *rel)
{
    static char buf[256];
    FILE *f = fopen(tpath(rel), "rb");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    return f ? buf : NULL;
}

#define B(s) (const uint8_t *)(s), sizeof(s) - 1

static void test_writes_and_keeps(void **state)
{
    (void)state;
    const mk_ent_t e[] = {{"lib/", NULL, 0}, {"a.py", B("print(1)\n")}, {"..", NULL, 0}, {"b", B("bee")}};
    heard_t h;
    assert_int_equal(run(e, 4, "out/deeper", 0, &h), 0);
    assert_string_equal(slurp("out/deeper/lib/a.py"), "print(1)\n");
    assert_string_equal(slurp("out/deeper/b"), "bee");
    assert_string_equal(h.written, "/lib/;/lib/a.py;/b;");
    assert_string_equal(h.errors, "");
    /* Again: an existing file is kept, and said so; force replaces it. */
    FILE *f = fopen(tpath("out/deeper/b"), "wb");
    fputs("mine", f);
    fclose(f);
    assert_true(run(e, 4, "out/deeper", 0, &h) < 0);
    assert_non_null(strstr(h.errors, "img.romfs: offset 0x"));
    assert_non_null(strstr(h.errors, "deeper/lib/a.py: already exists (--force replaces it)"));
    assert_string_equal(slurp("out/deeper/b"), "mine");
    assert_int_equal(run(e, 4, "out/deeper", 1, &h), 0);
    assert_string_equal(slurp("out/deeper/b"), "bee");
}

static void test_refusals(void **state)
{
    (void)state;
    heard_t h;
    /* An unsafe name anywhere: nothing, not even the destination. */
    const mk_ent_t bad[] = {{"ok", B("1")}, {"d/", NULL, 0}, {".", B("x")}, {"..", NULL, 0}};
    assert_true(run(bad, 4, "refused", 0, &h) < 0);
    assert_non_null(strstr(h.errors, "nothing extracted"));
    struct stat st;
    assert_int_equal(stat(tpath("refused"), &st), -1);

    /* Two entries of one name: the first is written, the second skipped. */
    const mk_ent_t dup[] = {{"x", B("first")}, {"x", B("second")}};
    assert_int_equal(run(dup, 2, "dup", 0, &h), 0);
    assert_string_equal(slurp("dup/x"), "first");
    assert_non_null(strstr(h.warnings, "/x: an earlier entry has the same name; skipped"));

    /* A symbolic link where a directory goes: refused, never followed. */
    assert_int_equal(mkdir(tpath("elsewhere"), 0755), 0);
    assert_int_equal(mkdir(tpath("linked"), 0755), 0);
    assert_int_equal(symlink(tpath("elsewhere"), tpath("linked/lib")), 0);
    const mk_ent_t e[] = {{"lib/", NULL, 0}, {"a.py", B("x")}, {"..", NULL, 0}};
    assert_true(run(e, 3, "linked", 0, &h) < 0);
    assert_non_null(strstr(h.errors, "linked/lib: exists as a symbolic link; refusing to follow it"));
    assert_int_equal(stat(tpath("elsewhere/a.py"), &st), -1);

    /* Not an image at all. */
    memset(&h, 0, sizeof h);
    romfs_extract_opts_t o = {0, "junk", on_message, NULL, &h};
    uint8_t junk[16] = {1, 2, 3};
    assert_true(romfs_extract(junk, sizeof junk, tpath("junk"), &o) < 0);
    assert_non_null(strstr(h.errors, "junk: "));
    assert_int_equal(stat(tpath("junk"), &st), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_and_keeps),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown_tmp);
}
