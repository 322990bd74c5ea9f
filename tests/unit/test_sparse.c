/* SPDX-License-Identifier: MIT */
/*
 * src/board/sparse.c: the pass fetches every byte the reader reads for a
 * command, and (a board's image read on demand) few more. The oracle: after
 * sparse_need, the bytes never fetched are poisoned (0x00, 0x80 which makes
 * every varuint run on, random); the reader's answer (romfs_stat, the
 * entries a walk lists, a file's bytes) on each poisoned buffer must equal
 * its answer on the whole image. Over every golden and hostile vector and
 * mutants of them, for every path in them and some that are not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "romfs/romfs.h"
#include "romfs/romfs_check.h"
#include "sparse.h"
#include "testutil.h"

static int fetch_mem(void *ctx, size_t off, size_t n, uint8_t *dst)
{
    memcpy(dst, (const uint8_t *)ctx + off, n);
    return 0;
}

/* The reader's answer for what at path, as text (malloc'd). */
static char *answer(const uint8_t *img, size_t len, const char *path, int what)
{
    char *text = NULL;
    size_t tn = 0;
    FILE *f = open_memstream(&text, &tn);
    assert_non_null(f);
    romfs_t fs;
    romfs_info_t info;
    int err = romfs_mount(&fs, img, len);
    if (err) {
        fprintf(f, "mount %d\n", err);
        goto out;
    }
    err = romfs_stat(&fs, path, &info);
    fprintf(f, "stat %d", err);
    if (err)
        goto out;
    fprintf(f, " %d %zu %zu %zu %.*s\n", info.type, info.size, (size_t)(info.data - img), info.record_offset,
            (int)info.name_len, (const char *)info.name);
    if (what == SPARSE_DATA && info.type == ROMFS_TYPE_FILE) {
        romfs_file_t file;
        size_t n;
        assert_int_equal(romfs_file_open_info(&file, &info), 0);
        const uint8_t *d = romfs_file_data(&file, &n);
        fwrite(d, 1, n, f);
    }
    if ((what != SPARSE_LIST && what != SPARSE_TREE) || info.type != ROMFS_TYPE_DIR)
        goto out;
    romfs_walk_t w;
    assert_int_equal(romfs_walk_begin(&w, &fs, &info, path, strlen(path)), 0);
    int r, n = 0;
    /* Bounded: a 20 000-deep chain would print paths of every length. */
    while ((r = romfs_walk_next(&w)) != ROMFS_WALK_END && n++ < 3000) {
        if (r == ROMFS_WALK_ENTRY) {
            size_t tail = w.path_len > 64 ? w.path_len - 64 : 0;
            fprintf(f, "E %zu %.*s %d %x %zu %zu %zu %d\n", w.path_len, (int)(w.path_len - tail), w.path + tail,
                    w.info.type, w.info.flags, w.info.size, (size_t)(w.info.data - img), w.info.record_offset,
                    w.entry_last);
            if (what == SPARSE_LIST)
                romfs_walk_skip_children(&w);
        } else {
            fprintf(f, "X %d %d %zu\n", r, w.err, w.err_offset);
        }
    }
    romfs_walk_end(&w);
out:
    fclose(f);
    return text;
}

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static size_t checks, fetched_total, len_total;

/* sparse_need, then the reader on the buffer with unfetched bytes poisoned. */
static void check_paged(const uint8_t *img, size_t len, const char *path, int what, size_t page)
{
    sparse_t s;
    assert_int_equal(sparse_init_paged(&s, len, page, fetch_mem, (void *)img), 0);
    assert_int_equal(sparse_need(&s, path, strlen(path), what), 0);
    assert_true(s.fetched <= len);
    char *want = answer(img, len, path, what);
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    for (int poison = 0; poison < 3; poison++) {
        for (size_t i = 0; i < len; i++)
            copy[i] = s.have[i / page] ? s.data[i] : poison == 0 ? 0 : poison == 1 ? 0x80 : (uint8_t)rnd();
        char *got = answer(copy, len, path, what);
        if (strcmp(want, got) != 0)
            fail_msg("path '%s' need %d poison %d: the reader read a byte not fetched\nwant:\n%.2000s\ngot:\n%.2000s",
                     path, what, poison, want, got);
        free(got);
    }
    if (page == SPARSE_PAGE) {
        checks++;
        fetched_total += s.fetched;
        len_total += len;
    }
    free(want);
    free(copy);
    sparse_free(&s, 0);
}

static void check_one(const uint8_t *img, size_t len, const char *path, int what)
{
    check_paged(img, len, path, what, 1);   /* exact: a byte not fetched shows */
    check_paged(img, len, path, what, SPARSE_PAGE);
}

/* Every path of the image (up to max), and some that are not in it. */
static void check_image(const uint8_t *img, size_t len, size_t max)
{
    static const char *extra[] = {"", "/", "/nope", "nope/x", "..", "/./", "//", "/a/b/c/d"};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        for (int what = SPARSE_STAT; what <= SPARSE_DATA; what++)
            check_one(img, len, extra[i], what);
    romfs_t fs;
    romfs_info_t root;
    if (romfs_mount(&fs, img, len) != 0 || romfs_stat(&fs, "", &root) != 0)
        return;
    romfs_walk_t w;
    assert_int_equal(romfs_walk_begin(&w, &fs, &root, "", 0), 0);
    size_t n = 0;
    int r;
    while (n < max && (r = romfs_walk_next(&w)) != ROMFS_WALK_END) {
        if (r != ROMFS_WALK_ENTRY)
            continue;
        char *p = strndup(w.path, w.path_len);
        assert_non_null(p);
        for (int what = SPARSE_STAT; what <= SPARSE_DATA; what++)
            check_one(img, len, p, what);
        char *q = malloc(w.path_len + 3);
        assert_non_null(q);
        snprintf(q, w.path_len + 3, "%s/x", p);   /* below a file, or missing */
        check_one(img, len, q, SPARSE_LIST);
        free(q);
        free(p);
        n++;
    }
    romfs_walk_end(&w);
}

static const char *golden[] = {"binary_assets", "doc_example", "empty", "empty_entries", "even_total", "large_file",
                               "long_names", "many_and_deep", "odd_total", "py_and_mpy"};

static void test_golden(void **state)
{
    (void)state;
    char rel[128];
    for (size_t i = 0; i < sizeof golden / sizeof golden[0]; i++) {
        snprintf(rel, sizeof rel, "golden/%s.romfs", golden[i]);
        size_t len;
        uint8_t *img = tu_read_file(tu_vector(rel), &len);
        if (len)
            check_image(img, len, 400);
        free(img);
    }
}

static void test_hostile(void **state)
{
    (void)state;
    static const char *names[] = {"bad_magic", "deep_nesting_20000", "duplicate_names", "file_without_data",
                                  "header_past_end", "indirect_data_valid", "interrupted_deploy_ff_tail",
                                  "name_longer_than_record"};
    char rel[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(rel, sizeof rel, "hostile/%s.romfs", names[i]);
        size_t len;
        uint8_t *img = tu_read_file(tu_vector(rel), &len);
        if (len)
            check_image(img, len, 40);
        free(img);
    }
}

/* Mutants: a few bytes of a golden image changed, many times over. */
static void test_mutants(void **state)
{
    (void)state;
    static const char *base[] = {"golden/doc_example.romfs", "golden/many_and_deep.romfs",
                                 "golden/long_names.romfs", "hostile/indirect_data_valid.romfs"};
    for (size_t b = 0; b < sizeof base / sizeof base[0]; b++) {
        size_t len;
        uint8_t *img = tu_read_file(tu_vector(base[b]), &len);
        uint8_t *m = malloc(len);
        assert_non_null(m);
        for (int k = 0; k < 150; k++) {
            memcpy(m, img, len);
            for (int j = 1 + (int)(rnd() % 4); j > 0; j--)
                m[rnd() % len] = (uint8_t)(rnd() % 3 == 0 ? 0x80 | rnd() : rnd());
            check_image(m, len, 12);
        }
        free(m);
        free(img);
    }
}

/* What the pass fetches is little next to the image: a listing reads the
 * records, not the files' bytes. */
static void test_fetches_little(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = tu_read_file(tu_vector("golden/large_file.romfs"), &len);
    sparse_t s;
    assert_int_equal(sparse_init(&s, len, fetch_mem, img), 0);
    assert_int_equal(sparse_need(&s, "/", 1, SPARSE_TREE), 0);
    assert_true(s.fetched * 20 < len);
    /* ALL is every byte, in one call for the pages still missing. */
    unsigned calls = s.calls;
    assert_int_equal(sparse_need(&s, NULL, 0, SPARSE_ALL), 0);
    assert_int_equal(s.fetched, len);
    assert_true(s.calls - calls <= 3);
    assert_memory_equal(s.data, img, len);
    sparse_free(&s, 0);
    free(img);
    printf("sparse: %zu checks, %zu of %zu bytes fetched (%.1f%%)\n", checks, fetched_total, len_total,
           len_total ? 100.0 * (double)fetched_total / (double)len_total : 0.0);
}

/* A fetch that fails: its error, nothing marked present. */
static int calls_left;
static int fetch_fails(void *ctx, size_t off, size_t n, uint8_t *dst)
{
    if (calls_left-- <= 0)
        return ROMFS_ERR_TIMEOUT;
    return fetch_mem(ctx, off, n, dst);
}

static void test_fetch_error(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = tu_read_file(tu_vector("golden/many_and_deep.romfs"), &len);
    for (int k = 0; k < 4; k++) {
        sparse_t s;
        calls_left = k;
        assert_int_equal(sparse_init(&s, len, fetch_fails, img), 0);
        assert_int_equal(sparse_need(&s, "/", 1, SPARSE_TREE), ROMFS_ERR_TIMEOUT);
        assert_int_equal(s.calls, (unsigned)k);
        sparse_free(&s, 0);
    }
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),  cmocka_unit_test(test_hostile),     cmocka_unit_test(test_mutants),
        cmocka_unit_test(test_fetches_little), cmocka_unit_test(test_fetch_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
