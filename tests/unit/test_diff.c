/* SPDX-License-Identifier: MIT */
/*
 * What differs between two images (src/host/diff.c): additions, removals
 * and changes in path order, a type change as a removal and an addition,
 * nested directories only one side has, counts, a callback that stops the
 * walk, a corrupt side named; and the deploy estimate (nothing written for
 * the same image, block 0 and the changed block for a one-file change).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "romfs/romfs_build.h"
#include "romfs/romfs_diff.h"

struct mem {
    uint8_t *p;
    size_t len;
};

static int put(void *ctx, const void *d, size_t n)
{
    struct mem *m = ctx;
    m->p = realloc(m->p, m->len + n);
    assert_non_null(m->p);
    memcpy(m->p + m->len, d, n);
    m->len += n;
    return 0;
}

/* An image from a spec: "d:name" opens a directory, "u" closes it,
 * "f:name=text" adds a file. */
static struct mem image(const char *const *spec)
{
    romfs_builder_t *b = romfs_builder_new(NULL);
    assert_non_null(b);
    for (; *spec; spec++) {
        const char *s = *spec;
        if (s[0] == 'd') {
            assert_int_equal(romfs_builder_open_dir(b, s + 2, strlen(s + 2)), 0);
        } else if (s[0] == 'u') {
            assert_int_equal(romfs_builder_close_dir(b), 0);
        } else {
            const char *eq = strchr(s, '=');
            assert_int_equal(romfs_builder_add_file_mem(b, s + 2, (size_t)(eq - s - 2), eq + 1, strlen(eq + 1)), 0);
        }
    }
    struct mem m = {0};
    assert_int_equal(romfs_builder_write(b, put, &m), 0);
    romfs_builder_free(b);
    return m;
}

static int record(void *ctx, romfs_diff_kind_t kind, const char *path, size_t len, const romfs_info_t *e,
                  const romfs_info_t *before)
{
    char *out = ctx;
    char line[200];
    if (e->type == ROMFS_TYPE_DIR)
        snprintf(line, sizeof line, "%c%.*s/", kind, (int)len, path);
    else
        snprintf(line, sizeof line, "%c%.*s %zu%s", kind, (int)len, path, e->size, before ? "<" : "");
    strcat(out, line);
    strcat(out, ";");
    return len == 5 && memcmp(path, "/stop", 5) == 0 ? ROMFS_ERR_IO : 0;   /* path is not NUL-terminated */
}

static const char *const A[] = {"f:same=1", "f:grow=12", "d:lib", "f:x.py=x", "d:deep", "f:y=y", "u", "u",
                                "f:kind=file", NULL};
static const char *const B[] = {"f:same=1", "f:grow=123", "d:lib", "f:x.py=x", "u", "d:kind", "f:in=i", "u",
                                "d:new", "d:er", "f:z=zz", "u", "u", NULL};

static void test_differences(void **state)
{
    (void)state;
    struct mem a = image(A), b = image(B);
    romfs_t fa, fb;
    assert_int_equal(romfs_mount(&fa, a.p, a.len), 0);
    assert_int_equal(romfs_mount(&fb, b.p, b.len), 0);
    char out[1024] = "", msg[100];
    romfs_diff_counts_t c;
    int side = 9;
    assert_int_equal(romfs_diff(&fa, &fb, record, out, &c, &side, msg, sizeof msg), 0);
    /* Path order, name bytes; a subtree only one side has is walked. */
    assert_string_equal(out, "~/grow 3<;-/kind 4;+/kind/;+/kind/in 1;-/lib/deep/;-/lib/deep/y 1;"
                             "+/new/;+/new/er/;+/new/er/z 2;");
    assert_int_equal(c.added, 5);
    assert_int_equal(c.removed, 3);
    assert_int_equal(c.changed, 1);
    assert_int_equal(c.same, 3);   /* same, lib/, lib/x.py */
    /* The same image: nothing. */
    out[0] = '\0';
    assert_int_equal(romfs_diff(&fa, &fa, record, out, &c, &side, msg, sizeof msg), 0);
    assert_string_equal(out, "");
    assert_int_equal(c.same, 7);
    free(a.p);
    free(b.p);
}

static void test_stop_and_corrupt(void **state)
{
    (void)state;
    static const char *const S[] = {"f:a=1", "f:stop=1", "f:z=1", NULL};
    static const char *const E[] = {NULL};
    struct mem a = image(E), b = image(S);
    romfs_t fa, fb;
    assert_int_equal(romfs_mount(&fa, a.p, a.len), 0);
    assert_int_equal(romfs_mount(&fb, b.p, b.len), 0);
    char out[256] = "", msg[100];
    int side = 9;
    assert_int_equal(romfs_diff(&fa, &fb, record, out, NULL, &side, msg, sizeof msg), ROMFS_ERR_IO);
    assert_string_equal(out, "+/a 1;+/stop 1;");
    /* A directory record pointing past the image: that side is named. */
    static const char *const D[] = {"d:dir", "f:f=hello", "u", NULL};
    struct mem d = image(D);
    romfs_t fd;
    assert_int_equal(romfs_mount(&fd, d.p, d.len), 0);
    romfs_info_t in;
    assert_int_equal(romfs_stat(&fd, "/dir", &in), 0);
    memset((uint8_t *)in.data, 0xff, 3);   /* the child's record header: a varuint running on */
    assert_int_equal(romfs_mount(&fd, d.p, d.len), 0);
    assert_true(romfs_diff(&fa, &fd, NULL, NULL, NULL, &side, msg, sizeof msg) < 0);
    assert_int_equal(side, 1);
    assert_non_null(strstr(msg, "corrupt directory"));
    free(a.p);
    free(b.p);
    free(d.p);
}

static void test_deploy_estimate(void **state)
{
    (void)state;
    char big[6000];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char f1[6010], f2[6010];
    snprintf(f1, sizeof f1, "f:big=%s", big);
    big[5000] = 'X';
    snprintf(f2, sizeof f2, "f:big=%s", big);
    const char *const sa[] = {f1, "f:small=s", NULL}, *const sb[] = {f2, "f:small=s", NULL};
    struct mem a = image(sa), b = image(sb);
    romfs_diff_deploy_t d;
    char msg[100];
    int side;
    assert_int_equal(romfs_diff_deploy(a.p, a.len, ROMFS_DIFF_IMAGE, a.p, a.len, ROMFS_DIFF_IMAGE, 512, &d, &side,
                                       msg, sizeof msg), 0);
    assert_int_equal(d.nwrite, 0);
    assert_int_equal(d.nblocks, (a.len + 511) / 512);
    /* One byte changed at file offset 5000: its block and block 0. */
    assert_int_equal(romfs_diff_deploy(a.p, a.len, ROMFS_DIFF_IMAGE, b.p, b.len, ROMFS_DIFF_IMAGE, 512, &d, &side,
                                       msg, sizeof msg), 0);
    assert_int_equal(d.nwrite, 2);
    assert_int_equal(d.used_base, 0);
    /* Trees in the stable layout: B laid out over A. */
    assert_int_equal(romfs_diff_deploy(a.p, a.len, ROMFS_DIFF_TREE, b.p, b.len, ROMFS_DIFF_TREE, 512, &d, &side, msg,
                                       sizeof msg), 0);
    assert_int_equal(d.used_base, 1);
    assert_true(d.nwrite >= 2 && d.nwrite < d.nblocks);
    /* Something that is no image cannot be laid out: side named. */
    uint8_t junk[600] = {0};
    assert_true(romfs_diff_deploy(a.p, a.len, ROMFS_DIFF_TREE, junk, sizeof junk, ROMFS_DIFF_TREE, 512, &d, &side, msg,
                                  sizeof msg) < 0);
    assert_int_equal(side, 1);
    assert_non_null(strstr(msg, "cannot lay the image out"));
    free(a.p);
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differences),
        cmocka_unit_test(test_stop_and_corrupt),
        cmocka_unit_test(test_deploy_estimate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
