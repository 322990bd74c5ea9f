/* SPDX-License-Identifier: MIT */
/*
 * romfs_walk (src/host/walk.c): depth-first in record order, the path of
 * every entry, its depth and last-ness, skipping a directory's children,
 * starting below the root, and depth bounded only by memory (a heap stack,
 * no recursion).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "romfs/romfs.h"
#include "romfs/romfs_build.h"
#include "romfs/romfs_check.h"

typedef struct mem {
    uint8_t *p;
    size_t len;
} mem_t;

static int to_mem(void *ctx, const void *data, size_t len)
{
    mem_t *m = ctx;
    uint8_t *n = realloc(m->p, m->len + len);
    if (!n)
        return ROMFS_ERR_NOMEM;
    memcpy(n + m->len, data, len);
    m->p = n;
    m->len += len;
    return 0;
}

/* Build from a list: "d/" opens a directory, ".." closes it, else a file. */
static mem_t build(const char *const *list, size_t n)
{
    romfs_build_opts_t o = {.keep_order = 1};
    romfs_builder_t *b = romfs_builder_new(&o);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(list[i]);
        if (strcmp(list[i], "..") == 0)
            assert_int_equal(romfs_builder_close_dir(b), 0);
        else if (list[i][l - 1] == '/')
            assert_int_equal(romfs_builder_open_dir(b, list[i], l - 1), 0);
        else
            assert_int_equal(romfs_builder_add_file_mem(b, list[i], l, list[i], l), 0);
    }
    mem_t m = {0};
    assert_int_equal(romfs_builder_write(b, to_mem, &m), 0);
    romfs_builder_free(b);
    return m;
}

static const char *const TREE[] = {"a/", "b.txt", "c/", "d.txt", "..", "..", "e.txt"};

/* "path:depth:last" of every entry, in walk order, into out. */
static void walk_all(const mem_t *m, const char *start, char *out, size_t cap, const char *skip)
{
    romfs_t fs;
    romfs_info_t root;
    romfs_walk_t w;
    assert_int_equal(romfs_mount(&fs, m->p, m->len), 0);
    assert_int_equal(romfs_stat(&fs, start, &root), 0);
    assert_int_equal(romfs_walk_begin(&w, &fs, &root, start, strlen(start)), 0);
    out[0] = '\0';
    int r;
    while ((r = romfs_walk_next(&w)) == ROMFS_WALK_ENTRY) {
        size_t o = strlen(out);
        snprintf(out + o, cap - o, "%s%.*s:%zu:%d", o ? " " : "", (int)w.path_len, w.path, w.entry_depth,
                 w.entry_last);
        if (skip && strcmp(w.path, skip) == 0)
            romfs_walk_skip_children(&w);
    }
    assert_int_equal(r, ROMFS_WALK_END);
    romfs_walk_end(&w);
}

static void test_order_paths_depths(void **state)
{
    (void)state;
    mem_t m = build(TREE, sizeof TREE / sizeof *TREE);
    char out[512];
    walk_all(&m, "", out, sizeof out, NULL);
    assert_string_equal(out, "/a:1:0 /a/b.txt:2:0 /a/c:2:1 /a/c/d.txt:3:1 /e.txt:1:1");
    free(m.p);
}

static void test_skip_children(void **state)
{
    (void)state;
    mem_t m = build(TREE, sizeof TREE / sizeof *TREE);
    char out[512];
    walk_all(&m, "", out, sizeof out, "/a");
    assert_string_equal(out, "/a:1:0 /e.txt:1:1");
    free(m.p);
}

static void test_start_below_root(void **state)
{
    (void)state;
    mem_t m = build(TREE, sizeof TREE / sizeof *TREE);
    char out[512];
    walk_all(&m, "/a/c", out, sizeof out, NULL);
    assert_string_equal(out, "/a/c/d.txt:1:1");
    free(m.p);
}

/* Ancestors' last-ness, for tree drawing: at /a/c/d.txt, /a (level 1) is
 * not its parent's last entry, /a/c (level 2) is. */
static void test_ancestor_last(void **state)
{
    (void)state;
    mem_t m = build(TREE, sizeof TREE / sizeof *TREE);
    romfs_t fs;
    romfs_info_t root;
    romfs_walk_t w;
    assert_int_equal(romfs_mount(&fs, m.p, m.len), 0);
    assert_int_equal(romfs_stat(&fs, "", &root), 0);
    assert_int_equal(romfs_walk_begin(&w, &fs, &root, "", 0), 0);
    while (romfs_walk_next(&w) == ROMFS_WALK_ENTRY && strcmp(w.path, "/a/c/d.txt") != 0)
        ;
    assert_string_equal(w.path, "/a/c/d.txt");
    assert_int_equal(romfs_walk_ancestor_last(&w, 1), 0);
    assert_int_equal(romfs_walk_ancestor_last(&w, 2), 1);
    romfs_walk_end(&w);
    free(m.p);
}

/* 5000 nested directories: the walk's stack is on the heap. */
static void test_deep(void **state)
{
    (void)state;
    enum { DEPTH = 5000 };
    const char **list = calloc(2 * DEPTH + 1, sizeof *list);
    assert_non_null(list);
    size_t n = 0;
    for (int i = 0; i < DEPTH; i++)
        list[n++] = "d/";
    list[n++] = "f";
    for (int i = 0; i < DEPTH; i++)
        list[n++] = "..";
    mem_t m = build(list, n);
    free(list);
    romfs_t fs;
    romfs_info_t root;
    romfs_walk_t w;
    assert_int_equal(romfs_mount(&fs, m.p, m.len), 0);
    assert_int_equal(romfs_stat(&fs, "", &root), 0);
    assert_int_equal(romfs_walk_begin(&w, &fs, &root, "", 0), 0);
    size_t entries = 0, deepest = 0;
    int r;
    while ((r = romfs_walk_next(&w)) == ROMFS_WALK_ENTRY) {
        entries++;
        if (w.entry_depth > deepest)
            deepest = w.entry_depth;
    }
    assert_int_equal(r, ROMFS_WALK_END);
    assert_int_equal(entries, DEPTH + 1);
    assert_int_equal(deepest, DEPTH + 1);
    romfs_walk_end(&w);
    free(m.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_paths_depths), cmocka_unit_test(test_skip_children),
        cmocka_unit_test(test_start_below_root),   cmocka_unit_test(test_ancestor_last),
        cmocka_unit_test(test_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
