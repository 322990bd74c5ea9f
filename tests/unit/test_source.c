/* SPDX-License-Identifier: MIT */
/* src/host/source.c: what `romfs deploy` deploys. An image file as it is
 * (and a UF2 file of one decoded), a corrupt one refused at the offset of
 * its first problem, a directory built, a missing path and a failed build
 * named in one line; the stable layout against a base file (raw or UF2)
 * and afresh, and a base that cannot be read. */
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

#include "buildtest.h"
#include "imgmk.h"
#include "romfs/romfs_flashfmt.h"
#include "romfs/romfs_source.h"

static uint8_t *tree(size_t *len, const char *text)
{
    mk_ent_t e[] = {
        {"main.py", (const uint8_t *)text, strlen(text)},
        {"lib/", NULL, 0},
        {"util.py", (const uint8_t *)"X = 1\n", 6},
        {"..", NULL, 0},
    };
    uint8_t *img = mk_image(e, sizeof e / sizeof *e, len);
    assert_non_null(img);
    return img;
}

static int setup(void **state)
{
    (void)state;
    tmp_setup();
    return 0;
}

static void test_image(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = tree(&len, "print(1)\n");
    char msg[600];
    romfs_source_t s;
    romfs_dirbuild_t *d = (romfs_dirbuild_t *)&s;
    assert_int_equal(romfs_source_load(&s, write_file("a.img", img, len), NULL, &d, msg, sizeof msg), 0);
    assert_null(d);
    assert_int_equal(s.is_dir, 0);
    assert_int_equal(s.len, len);
    assert_memory_equal(s.img, img, len);
    romfs_source_free(&s);
    assert_null(s.img);

    uint8_t big[512] = {0};   /* a UF2 file of it: decoded, padding and all */
    memcpy(big, img, len);
    struct membuf uf2 = {0};
    assert_int_equal(romfs_uf2_write(big, sizeof big, 0x10000000, 0, mem_write, &uf2), 0);
    assert_int_equal(romfs_source_load(&s, write_file("a.uf2", uf2.p, uf2.len), NULL, &d, msg, sizeof msg), 0);
    assert_int_equal(s.len, sizeof big);
    assert_memory_equal(s.img, img, len);
    romfs_source_free(&s);
    free(uf2.p);

    /* Corrupt: cut short, its records run past the end. */
    const char *p = write_file("bad.img", img, len - 3);
    uint8_t *out = img;
    size_t n = 1;
    int r = romfs_source_image(p, &out, &n, msg, sizeof msg);
    assert_int_equal(r, ROMFS_ERR_CORRUPT);
    assert_null(out);
    assert_int_equal(n, 0);
    char want[400];
    snprintf(want, sizeof want, "%s: Invalid ROMFS image: offset 0x", p);
    assert_memory_equal(msg, want, strlen(want));
    /* The same from standard input ("-"): named "<stdin>", as everywhere. */
    assert_non_null(freopen(p, "rb", stdin));
    assert_int_equal(romfs_source_image("-", &out, &n, msg, sizeof msg), ROMFS_ERR_CORRUPT);
    assert_memory_equal(msg, "<stdin>: Invalid ROMFS image: offset 0x", 39);

    const char *missing = tpath("missing");
    assert_int_equal(romfs_source_load(&s, missing, NULL, &d, msg, sizeof msg), ROMFS_ERR_NOENT);
    snprintf(want, sizeof want, "%s: No such file or directory", missing);
    assert_string_equal(msg, want);
    assert_null(s.img);
    free(img);
}

/* A directory: built (the build left for its messages), a tree for the
 * stable layout; a build that fails says so through msg and the build. */
static void test_dir(void **state)
{
    (void)state;
    assert_int_equal(mkdir(tpath("app"), 0755), 0);
    assert_int_equal(mkdir(tpath("app/.git"), 0755), 0);
    put_file("app/main.py", "print('hi')\n");
    put_file("app/.git/HEAD", "x\n");   /* left out by the default rules */
    romfs_dirbuild_opts_t o = {.mpy = 0};
    romfs_source_t s;
    romfs_dirbuild_t *d;
    char msg[600];
    assert_int_equal(romfs_source_load(&s, tpath("app"), &o, &d, msg, sizeof msg), 0);
    assert_non_null(d);
    assert_int_equal(s.is_dir, 1);
    romfs_t fs;
    romfs_info_t info;
    assert_int_equal(romfs_mount(&fs, s.img, s.len), 0);
    assert_int_equal(romfs_stat(&fs, "/main.py", &info), 0);
    assert_int_equal(romfs_stat(&fs, "/.git", &info), ROMFS_ERR_NOENT);
    romfs_dirbuild_free(d);
    romfs_source_free(&s);

    o.output_path = tpath("app/out.romfs");   /* refused inside the source */
    assert_true(romfs_source_load(&s, tpath("app"), &o, &d, msg, sizeof msg) < 0);
    assert_non_null(d);
    assert_string_equal(msg, romfs_dirbuild_errmsg(d));
    assert_true(msg[0] != 0);
    romfs_dirbuild_free(d);
    romfs_source_free(&s);
}

/* Laid out afresh, then against a base (raw, and the same base as UF2:
 * the same image), unchanged files kept in place; a base that cannot be
 * read is named. */
static void test_layout(void **state)
{
    (void)state;
    size_t len;
    romfs_source_t s = {.is_dir = 1};
    s.img = tree(&s.len, "print(1)\n");
    romfs_layout_opts_t lo = {.block_size = 256, .fresh = 1};
    uint8_t *a, *b, *c;
    size_t alen, blen, clen;
    romfs_layout_stats_t st;
    char msg[600];
    assert_int_equal(romfs_source_layout(&s, "src", NULL, &lo, &a, &alen, &st, msg, sizeof msg), 0);
    assert_int_equal(st.used_base, 0);
    const char *base = write_file("base.img", a, alen);

    romfs_source_free(&s);
    s.img = tree(&len, "print(2)\n");
    s.len = len;
    lo.fresh = 0;
    assert_int_equal(romfs_source_layout(&s, "src", base, &lo, &b, &blen, &st, msg, sizeof msg), 0);
    assert_int_equal(st.used_base, 1);
    assert_true(st.kept >= 1);   /* lib/util.py where it was */

    uint8_t *padded = calloc(1, (alen + 255) / 256 * 256);
    memcpy(padded, a, alen);
    struct membuf uf2 = {0};
    assert_int_equal(romfs_uf2_write(padded, (alen + 255) / 256 * 256, 0x10000000, 0, mem_write, &uf2), 0);
    const char *ubase = write_file("base.uf2", uf2.p, uf2.len);
    assert_int_equal(romfs_source_layout(&s, "src", ubase, &lo, &c, &clen, &st, msg, sizeof msg), 0);
    assert_int_equal(st.used_base, 1);   /* the UF2 file's image, not its bytes */
    assert_int_equal(clen, blen);
    assert_memory_equal(c, b, blen);

    const char *missing = tpath("nobase");
    assert_true(romfs_source_layout(&s, "src", missing, &lo, &c, &clen, &st, msg, sizeof msg) < 0);
    assert_true(strncmp(msg, missing, strlen(missing)) == 0);
    free(padded);
    free(uf2.p);
    free(a);
    free(b);
    free(c);
    romfs_source_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image),
        cmocka_unit_test(test_dir),
        cmocka_unit_test(test_layout),
    };
    return cmocka_run_group_tests(tests, setup, teardown_tmp);
}
