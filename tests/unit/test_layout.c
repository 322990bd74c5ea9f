/* SPDX-License-Identifier: MIT */
/* The stable layout: images our reader reads back with the source's exact
 * tree and bytes, and small edits that change only the blocks they must. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "imgmk.h"
#include "romfs/romfs.h"
#include "romfs/romfs_layout.h"

#define BS 512
#define NF 40

/* An app: root files, a package with files, an empty directory and an
 * empty file, in the pre-order the image writer wants. */
typedef struct app {
    uint8_t *data[NF];
    size_t len[NF];
    char name[NF][16];
    int present[NF];
} app_t;

static void app_init(app_t *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < NF; i++) {
        a->len[i] = i == 7 ? 0 : 200 + (size_t)(i * 37) % 500;
        a->data[i] = malloc(a->len[i] + 1);
        for (size_t j = 0; j < a->len[i]; j++)
            a->data[i][j] = (uint8_t)('a' + (i + j) % 26);
        snprintf(a->name[i], sizeof a->name[i], "m%02d.py", i);
        a->present[i] = 1;
    }
}

static void app_free(app_t *a)
{
    for (int i = 0; i < NF; i++)
        free(a->data[i]);
}

static void app_set(app_t *a, int i, size_t len, uint8_t fill)
{
    a->data[i] = realloc(a->data[i], len + 1);
    for (size_t j = 0; j < len; j++)
        a->data[i][j] = (uint8_t)(fill + j % 7);
    a->len[i] = len;
}

static uint8_t *app_image(const app_t *a, size_t *len)
{
    mk_ent_t e[NF + 8];
    size_t n = 0;
    for (int i = 0; i < NF; i++) {
        if (i == 10)
            e[n++] = (mk_ent_t){"empty/", NULL, 0};
        if (i == 10)
            e[n++] = (mk_ent_t){"..", NULL, 0};
        if (i == 12)
            e[n++] = (mk_ent_t){"pkg/", NULL, 0};
        if (i == 30)
            e[n++] = (mk_ent_t){"..", NULL, 0};
        if (a->present[i])
            e[n++] = (mk_ent_t){a->name[i], a->data[i], a->len[i]};
    }
    return mk_image(e, n, len);
}

/* Every entry of x has the same type and bytes in y, in the same order,
 * and y has nothing more. */
static void same_tree(const romfs_t *x, const romfs_t *y, const char *path)
{
    romfs_dir_t dx, dy;
    assert_int_equal(romfs_dir_open(x, &dx, path), 0);
    assert_int_equal(romfs_dir_open(y, &dy, path), 0);
    romfs_info_t ix, iy;
    int rx, ry;
    while ((rx = romfs_dir_read(&dx, &ix)) == 1) {
        ry = romfs_dir_read(&dy, &iy);
        assert_int_equal(ry, 1);
        assert_int_equal(ix.name_len, iy.name_len);
        assert_memory_equal(ix.name, iy.name, ix.name_len);
        assert_int_equal(ix.type, iy.type);
        char sub[256];
        snprintf(sub, sizeof sub, "%s/%.*s", path, (int)ix.name_len, (const char *)ix.name);
        if (ix.type == ROMFS_TYPE_FILE) {
            assert_int_equal(ix.size, iy.size);
            if (ix.size)
                assert_memory_equal(ix.data, iy.data, ix.size);
        } else {
            same_tree(x, y, sub);
        }
    }
    assert_int_equal(rx, 0);
    assert_int_equal(romfs_dir_read(&dy, &iy), 0);
}

static void check_layout(const uint8_t *src, size_t slen, const uint8_t *out, size_t olen,
                         const romfs_layout_stats_t *st)
{
    romfs_t a, b;
    assert_int_equal(romfs_mount(&a, src, slen), 0);
    assert_int_equal(romfs_mount(&b, out, olen), 0);
    assert_int_equal(romfs_image_size(&b), olen);
    assert_int_equal(olen % 2, 0);
    same_tree(&a, &b, "");
    assert_int_equal(romfs_layout_data_start(out, olen), st->data_start);
    assert_int_equal(st->data_start % BS, 0);
}

static size_t diff_blocks(const uint8_t *x, size_t xl, const uint8_t *y, size_t yl, uint8_t *which)
{
    size_t n = 0, len = xl > yl ? xl : yl;
    for (size_t b = 0; b * BS < len; b++) {
        size_t lo = b * BS, hi = lo + BS < len ? lo + BS : len;
        int d = hi > xl || hi > yl || memcmp(x + lo, y + lo, hi - lo) != 0;
        if (which)
            which[b] = (uint8_t)d;
        n += (size_t)d;
    }
    return n;
}

/* Offset of file `name` in image img. */
static size_t file_off(const uint8_t *img, size_t len, const char *path)
{
    romfs_t fs;
    romfs_info_t info;
    assert_int_equal(romfs_mount(&fs, img, len), 0);
    assert_int_equal(romfs_stat(&fs, path, &info), 0);
    return (size_t)(info.data - img);
}

static const romfs_layout_opts_t opts = {.block_size = BS};

static void test_fresh_roundtrip(void **state)
{
    (void)state;
    app_t a;
    app_init(&a);
    size_t slen, olen;
    uint8_t *src = app_image(&a, &slen), *out;
    romfs_layout_stats_t st;
    assert_int_equal(romfs_layout_stable(src, slen, NULL, 0, &opts, &out, &olen, &st), 0);
    check_layout(src, slen, out, olen, &st);
    assert_int_equal(st.files, NF);
    assert_int_equal(st.used_base, 0);
    assert_int_equal(st.waste, 0);
    /* Deterministic: the same input gives the same bytes. */
    uint8_t *again;
    size_t alen;
    assert_int_equal(romfs_layout_stable(src, slen, NULL, 0, &opts, &again, &alen, NULL), 0);
    assert_int_equal(alen, olen);
    assert_memory_equal(again, out, olen);
    /* With an alignment every non-empty file starts on it. */
    romfs_layout_opts_t o = opts;
    o.align = 64;
    free(again);
    assert_int_equal(romfs_layout_stable(src, slen, NULL, 0, &o, &again, &alen, &st), 0);
    check_layout(src, slen, again, alen, &st);
    assert_int_equal(file_off(again, alen, "pkg/m20.py") % 64, 0);
    /* Over an unaligned base, --align still holds for every file. */
    uint8_t *re;
    size_t rlen;
    assert_int_equal(romfs_layout_stable(src, slen, out, olen, &o, &re, &rlen, &st), 0);
    check_layout(src, slen, re, rlen, &st);
    romfs_t fs;
    romfs_dir_t dir;
    romfs_info_t info;
    assert_int_equal(romfs_mount(&fs, re, rlen), 0);
    assert_int_equal(romfs_dir_open(&fs, &dir, "pkg"), 0);
    while (romfs_dir_read(&dir, &info) == 1)
        assert_int_equal((size_t)(info.data - re) % 64, 0);
    free(re);
    free(again);
    free(src);
    free(out);
    app_free(&a);
}

static void test_edit_same_size(void **state)
{
    (void)state;
    app_t a;
    app_init(&a);
    size_t slen, l1, l2;
    uint8_t *src = app_image(&a, &slen), *o1, *o2;
    romfs_layout_stats_t st;
    assert_int_equal(romfs_layout_stable(src, slen, NULL, 0, &opts, &o1, &l1, &st), 0);
    free(src);
    a.data[3][5] ^= 0x20;   /* a one-byte edit */
    src = app_image(&a, &slen);
    assert_int_equal(romfs_layout_stable(src, slen, o1, l1, &opts, &o2, &l2, &st), 0);
    check_layout(src, slen, o2, l2, &st);
    assert_int_equal(st.used_base, 1);
    assert_int_equal(st.kept, NF - 1);
    assert_int_equal(st.in_place, 1);
    assert_int_equal(l1, l2);
    uint8_t which[256];
    assert_int_equal(diff_blocks(o1, l1, o2, l2, which), 1);
    assert_true(which[(file_off(o2, l2, "m03.py") + 5) / BS]);
    free(src);
    free(o1);
    free(o2);
    app_free(&a);
}

static void test_grow_moves_shrink_stays(void **state)
{
    (void)state;
    app_t a;
    app_init(&a);
    size_t slen, l1, l2, l3;
    uint8_t *src = app_image(&a, &slen), *o1, *o2, *o3;
    romfs_layout_stats_t st;
    assert_int_equal(romfs_layout_stable(src, slen, NULL, 0, &opts, &o1, &l1, &st), 0);
    size_t data_start = st.data_start, old_off = file_off(o1, l1, "pkg/m20.py");
    free(src);
    app_set(&a, 20, a.len[20] + 30, 'A');
    src = app_image(&a, &slen);
    assert_int_equal(romfs_layout_stable(src, slen, o1, l1, &opts, &o2, &l2, &st), 0);
    check_layout(src, slen, o2, l2, &st);
    assert_int_equal(st.moved, 1);
    assert_int_equal(st.kept, NF - 1);
    assert_int_equal(st.data_start, data_start);
    size_t new_off = file_off(o2, l2, "pkg/m20.py");
    assert_true(new_off != old_off);
    /* Only tree blocks and the blocks of the new location change. */
    uint8_t which[256];
    size_t nd = diff_blocks(o1, l1, o2, l2, which);
    for (size_t b = 0; b * BS < l2; b++)
        if (which[b])
            assert_true(b * BS < data_start || ((b + 1) * BS > new_off && b * BS < new_off + a.len[20]));
    assert_true(nd <= data_start / BS + (a.len[20] + BS - 1) / BS + 1);

    /* Shrinking it again keeps it where it now is. */
    free(src);
    app_set(&a, 20, 100, 'Q');
    src = app_image(&a, &slen);
    assert_int_equal(romfs_layout_stable(src, slen, o2, l2, &opts, &o3, &l3, &st), 0);
    check_layout(src, slen, o3, l3, &st);
    assert_int_equal(st.in_place, 1);
    assert_int_equal(file_off(o3, l3, "pkg/m20.py"), new_off);
    free(src);
    free(o1);
    free(o2);
    free(o3);
    app_free(&a);
}

static void test_add_remove(void **state)
{
    (void)state;
    app_t a;
    app_init(&a);
    a.present[25] = 0;
    size_t slen, l1, l2;
    uint8_t *src = app_image(&a, &slen), *o1, *o2;
    romfs_layout_stats_t st;
    assert_int_equal(romfs_layout_stable(src, slen, NULL, 0, &opts, &o1, &l1, &st), 0);
    free(src);
    a.present[25] = 1;
    a.present[5] = 0;
    src = app_image(&a, &slen);
    assert_int_equal(romfs_layout_stable(src, slen, o1, l1, &opts, &o2, &l2, &st), 0);
    check_layout(src, slen, o2, l2, &st);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.kept, NF - 2);
    /* m05's hole is smaller than m25, so nothing else had to move. */
    assert_true(st.waste > 0);
    free(src);
    free(o1);
    free(o2);
    app_free(&a);
}

static void test_compaction(void **state)
{
    (void)state;
    app_t a;
    app_init(&a);
    size_t slen, l1, l2;
    uint8_t *src = app_image(&a, &slen), *o1, *o2;
    romfs_layout_stats_t st;
    assert_int_equal(romfs_layout_stable(src, slen, NULL, 0, &opts, &o1, &l1, &st), 0);
    int compacted = 0;
    romfs_layout_opts_t never = opts;
    never.compact_percent = 100;
    /* Delete every other file, one deploy at a time: holes accumulate until
     * the waste passes 25% and a fresh layout is made. */
    for (int round = 0; round < NF && !compacted; round += 2) {
        free(src);
        a.present[round] = 0;
        src = app_image(&a, &slen);
        uint8_t *nv;
        size_t nl;
        romfs_layout_stats_t sn;
        assert_int_equal(romfs_layout_stable(src, slen, o1, l1, &never, &nv, &nl, &sn), 0);
        assert_int_equal(sn.compacted, 0);
        free(nv);
        assert_int_equal(romfs_layout_stable(src, slen, o1, l1, &opts, &o2, &l2, &st), 0);
        check_layout(src, slen, o2, l2, &st);
        compacted = st.compacted;
        if (!compacted)
            assert_true(st.waste * 100 <= 25 * (l2 - st.data_start) || st.waste <= BS);
        free(o1);
        o1 = o2;
        l1 = l2;
    }
    assert_true(compacted);
    assert_int_equal(st.waste, 0);
    assert_int_equal(st.used_base, 0);
    free(src);
    free(o1);
    app_free(&a);
}

static void test_tree_outgrows_area(void **state)
{
    (void)state;
    app_t a;
    app_init(&a);
    for (int i = 0; i < NF; i++)
        a.present[i] = i < 3;
    size_t slen, l1, l2;
    uint8_t *src = app_image(&a, &slen), *o1, *o2;
    romfs_layout_stats_t st;
    romfs_layout_opts_t small = {.block_size = 64, .slack = 16};
    assert_int_equal(romfs_layout_stable(src, slen, NULL, 0, &small, &o1, &l1, &st), 0);
    free(src);
    for (int i = 0; i < NF; i++)
        a.present[i] = 1;
    src = app_image(&a, &slen);
    assert_int_equal(romfs_layout_stable(src, slen, o1, l1, &small, &o2, &l2, &st), 0);
    assert_int_equal(st.compacted, 1);
    assert_int_equal(st.used_base, 0);
    romfs_t x, y;
    assert_int_equal(romfs_mount(&x, src, slen), 0);
    assert_int_equal(romfs_mount(&y, o2, l2), 0);
    same_tree(&x, &y, "");
    free(src);
    free(o1);
    free(o2);
    app_free(&a);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    app_t a;
    app_init(&a);
    size_t slen, olen;
    uint8_t *src = app_image(&a, &slen), *out = NULL;
    uint8_t junk[64];
    memset(junk, 0x42, sizeof junk);
    assert_int_equal(romfs_layout_stable(junk, sizeof junk, NULL, 0, &opts, &out, &olen, NULL), ROMFS_ERR_NODEV);
    romfs_layout_opts_t bad = {.block_size = 4096, .align = 24};
    assert_int_equal(romfs_layout_stable(src, slen, NULL, 0, &bad, &out, &olen, NULL), ROMFS_ERR_INVAL);
    /* Erase blocks need not be powers of two. */
    romfs_layout_stats_t st;
    romfs_layout_opts_t odd = {.block_size = 1000};
    assert_int_equal(romfs_layout_stable(src, slen, NULL, 0, &odd, &out, &olen, &st), 0);
    assert_int_equal(st.data_start % 1000, 0);
    free(out);
    /* A reference-layout base is not followed, but does no harm. */
    assert_int_equal(romfs_layout_data_start(src, slen), 0);
    assert_int_equal(romfs_layout_stable(src, slen, src, slen, &opts, &out, &olen, &st), 0);
    assert_int_equal(st.used_base, 0);
    check_layout(src, slen, out, olen, &st);
    /* A stable base with a corrupt tree is ignored too. */
    uint8_t *cb = malloc(olen);
    memcpy(cb, out, olen);
    cb[9] = 0x7f;
    uint8_t *o2;
    size_t l2;
    assert_int_equal(romfs_layout_stable(src, slen, cb, olen, &opts, &o2, &l2, &st), 0);
    check_layout(src, slen, o2, l2, &st);
    free(cb);
    free(o2);
    free(src);
    free(out);
    app_free(&a);
}

/* Many rounds of random edits, each laid out over the previous result: the
 * image always reads back as the source, and the data area never moves
 * unless a fresh layout was made. */
static void test_random_edits(void **state)
{
    (void)state;
    app_t a;
    app_init(&a);
    uint32_t seed = 1;
    size_t slen, l1, l2;
    uint8_t *src = app_image(&a, &slen), *o1, *o2;
    romfs_layout_stats_t st;
    romfs_layout_opts_t o = opts;
    o.align = 4;
    assert_int_equal(romfs_layout_stable(src, slen, NULL, 0, &o, &o1, &l1, &st), 0);
    size_t start = st.data_start;
    int used = 0, compactions = 0;
    for (int round = 0; round < 300; round++) {
        free(src);
        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245u + 12345u;
            int i = (int)((seed >> 8) % NF), what = (int)((seed >> 20) % 4);
            if (what == 0)
                app_set(&a, i, (seed >> 4) % 1500, (uint8_t)round);
            else if (what == 1)
                a.present[i] = !a.present[i];
            else if (a.len[i])
                a.data[i][(seed >> 3) % a.len[i]] ^= 0x55;
        }
        src = app_image(&a, &slen);
        assert_int_equal(romfs_layout_stable(src, slen, o1, l1, &o, &o2, &l2, &st), 0);
        check_layout(src, slen, o2, l2, &st);
        if (st.used_base)
            assert_int_equal(st.data_start, start);
        start = st.data_start;
        used += st.used_base;
        compactions += st.compacted;
        free(o1);
        o1 = o2;
        l1 = l2;
    }
    assert_true(used > 200);
    assert_true(compactions > 0);
    free(src);
    free(o1);
    app_free(&a);
}

/* Where the 4-byte offset varuint of file `name`'s indirect record sits. */
static size_t off_field(const uint8_t *img, size_t len, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i + n + 10 <= len; i++)
        if (memcmp(img + i, name, n) == 0 && img[i + n] == 3 && img[i + n + 1] == 8)
            return i + n + 6;
    fail_msg("no record for %s", name);
    return 0;
}

/* A base whose files share bytes (a tampered cache) is not followed:
 * rewriting one file in place would silently change another. */
static void test_overlapping_base_ignored(void **state)
{
    (void)state;
    app_t a;
    app_init(&a);
    size_t slen, l1, l2;
    uint8_t *src = app_image(&a, &slen), *o1, *o2;
    romfs_layout_stats_t st;
    assert_int_equal(romfs_layout_stable(src, slen, NULL, 0, &opts, &o1, &l1, &st), 0);
    memcpy(o1 + off_field(o1, l1, "m01.py"), o1 + off_field(o1, l1, "m00.py"), 4);
    romfs_t fs;
    romfs_info_t i0, i1;
    assert_int_equal(romfs_mount(&fs, o1, l1), 0);
    assert_int_equal(romfs_stat(&fs, "m00.py", &i0), 0);
    assert_int_equal(romfs_stat(&fs, "m01.py", &i1), 0);
    assert_ptr_equal(i0.data, i1.data);
    free(src);
    a.data[0][3] ^= 1;
    src = app_image(&a, &slen);
    assert_int_equal(romfs_layout_stable(src, slen, o1, l1, &opts, &o2, &l2, &st), 0);
    assert_int_equal(st.used_base, 0);
    check_layout(src, slen, o2, l2, &st);
    free(src);
    free(o1);
    free(o2);
    app_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_roundtrip),
        cmocka_unit_test(test_edit_same_size),
        cmocka_unit_test(test_grow_moves_shrink_stays),
        cmocka_unit_test(test_add_remove),
        cmocka_unit_test(test_compaction),
        cmocka_unit_test(test_tree_outgrows_area),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_overlapping_base_ignored),
        cmocka_unit_test(test_random_edits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
