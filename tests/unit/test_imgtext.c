/* SPDX-License-Identifier: MIT */
/* The image commands' lines for people (src/host/imgtext.c): ls, stat
 * (and its JSON), tree and diff, byte for byte, on a small image with a
 * hostile name, a deep tree, and a sink that fails. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buildtest.h"
#include "imgmk.h"
#include "romfs/romfs_imgopen.h"

static struct membuf m;

/* What the sink holds, as a string; emptied for the next call. */
static const char *got(void)
{
    return mem_take(&m);
}

static romfs_info_t file(const char *name, size_t size, size_t record_offset)
{
    romfs_info_t i;
    memset(&i, 0, sizeof i);
    i.type = ROMFS_TYPE_FILE;
    i.name = (const uint8_t *)name;
    i.name_len = strlen(name);
    i.size = size;
    i.record_offset = record_offset;
    return i;
}

static void test_entry(void **state)
{
    (void)state;
    romfs_info_t f = file("a\x1b[2J.py", 1234, 20), d = file("lib", 7, 4);
    d.type = ROMFS_TYPE_DIR;
    assert_int_equal(romfs_image_entry_text(&f, 96, "/lib/a\x1b[2J.py", 13, 0, 0, mem_write, &m), 0);
    assert_string_equal(got(), "a\\x1b[2J.py\n");   /* the escape cannot reach a terminal */
    assert_int_equal(romfs_image_entry_text(&f, 96, "/lib/a\x1b[2J.py", 13, 0, ROMFS_IMAGE_TEXT_PATH, mem_write, &m), 0);
    assert_string_equal(got(), "/lib/a\\x1b[2J.py\n");
    assert_int_equal(romfs_image_entry_text(&f, 96, "", 0, 0, ROMFS_IMAGE_TEXT_LONG, mem_write, &m), 0);
    assert_string_equal(got(), "file       1234         96    32  a\\x1b[2J.py\n");
    assert_int_equal(romfs_image_entry_text(&f, 96, "", 0, 0x10000000, ROMFS_IMAGE_TEXT_LONG, mem_write, &m), 0);
    assert_string_equal(got(), "file       1234 0x10000060    32  a\\x1b[2J.py\n");
    assert_int_equal(romfs_image_entry_text(&d, 9, "/lib", 4, 0x10000000, ROMFS_IMAGE_TEXT_LONG, mem_write, &m), 0);
    assert_string_equal(got(), "dir           7          9     -  lib/\n");
    m.fail_after = 5;   /* the sink's error comes back */
    assert_int_equal(romfs_image_entry_text(&f, 96, "", 0, 0, ROMFS_IMAGE_TEXT_LONG, mem_write, &m), -ENOSPC);
    got();
}

static void test_stat(void **state)
{
    (void)state;
    romfs_info_t f = file("x.py", 5, 12), root = file("", 30, 0);
    root.type = ROMFS_TYPE_DIR;
    assert_int_equal(romfs_image_stat_text(&f, 24, "/a\\b/x.py", 0, mem_write, &m), 0);
    assert_string_equal(got(), "path:          /a\\x5cb/x.py\n"
                               "type:          file\n"
                               "size:          5\n"
                               "data offset:   0x18 (24)\n"
                               "alignment:     8\n"
                               "record offset: 0xc (12)\n"
                               "os.stat():     (32768, 0, 0, 0, 0, 0, 5, 0, 0, 0)  # st_mode 0x8000\n");
    assert_int_equal(romfs_image_stat_text(&root, 4, "", 0, mem_write, &m), 0);
    assert_string_equal(got(), "path:          /\n"
                               "type:          directory\n"
                               "size:          30\n"
                               "children at:   0x4 (4)\n"
                               "record offset: 0x0 (0)\n"
                               "os.stat():     (16384, 0, 0, 0, 0, 0, 30, 0, 0, 0)  # st_mode 0x4000\n");
    assert_int_equal(romfs_image_stat_text(&f, 24, "/\xff", 1, mem_write, &m), 0);
    assert_string_equal(got(), "{\"path\": \"/\\u00ff\", \"path_hex\": \"2fff\", \"type\": \"file\", \"size\": 5, "
                               "\"offset\": 24, \"record_offset\": 12, \"mode\": 32768, "
                               "\"stat\": [32768, 0, 0, 0, 0, 0, 5, 0, 0, 0]}\n");
}

/* A chain of n directories "d" and a file "f" at the bottom, beside a
 * file "z" at the top. */
static uint8_t *deep_image(size_t n, size_t *len)
{
    mk_ent_t *e = calloc(2 * n + 2, sizeof *e);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        e[k++] = (mk_ent_t){"d/", NULL, 0};
    e[k++] = (mk_ent_t){"f", (const uint8_t *)"x", 1};
    for (size_t i = 0; i < n; i++)
        e[k++] = (mk_ent_t){"..", NULL, 0};
    e[k++] = (mk_ent_t){"z", (const uint8_t *)"y", 1};
    uint8_t *img = mk_image(e, k, len);
    free(e);
    return img;
}

static void draw(void *ctx, romfs_walk_t *w)
{
    (void)ctx;
    assert_int_equal(romfs_image_tree_line(w, mem_write, &m), 0);
}

static void on_error(void *ctx, int error, const char *line)
{
    (void)ctx;
    fail_msg("walk error %d: %s", error, line);
}

static const char *tree(size_t n)
{
    size_t len;
    uint8_t *img = deep_image(n, &len);
    assert_non_null(img);
    romfs_t fs;
    romfs_info_t root;
    assert_int_equal(romfs_mount(&fs, img, len), 0);
    assert_int_equal(romfs_stat(&fs, "", &root), 0);
    romfs_image_walk_cb_t cb = {draw, on_error, NULL};
    assert_int_equal(romfs_image_walk(&fs, "t.img", &root, "", &cb), 0);
    free(img);
    return got();
}

static void test_tree(void **state)
{
    (void)state;
    assert_string_equal(tree(2), "|-- d/\n"
                                 "|   \\-- d/\n"
                                 "|       \\-- f\n"
                                 "\\-- z\n");
    /* 41 directories: the file is 42 levels down, its line keeps the first
     * and last 8 levels of bars and counts the 25 between. */
    const char *t = tree(41);
    const char *last = strstr(t, "\\-- f\n");
    assert_non_null(last);
    const char *bol = last;
    while (bol > t && bol[-1] != '\n')
        bol--;
    assert_int_equal(last - bol, 8 * 4 + strlen("[+25] ") + 8 * 4);
    assert_memory_equal(bol + 8 * 4, "[+25] ", 6);
}

static void test_diff_line(void **state)
{
    (void)state;
    romfs_info_t a = file("a.py", 10, 0), b = file("a.py", 12, 0), d = file("lib", 0, 0);
    d.type = ROMFS_TYPE_DIR;
    assert_int_equal(romfs_image_diff_line('~', "/lib/a.py", 9, &b, &a, mem_write, &m), 0);
    assert_string_equal(got(), "~ file /lib/a.py  10 -> 12 bytes\n");
    assert_int_equal(romfs_image_diff_line('+', "/lib/a\n", 7, &a, NULL, mem_write, &m), 0);
    assert_string_equal(got(), "+ file /lib/a\\x0a  10 bytes\n");
    assert_int_equal(romfs_image_diff_line('-', "/lib", 4, &d, NULL, mem_write, &m), 0);
    assert_string_equal(got(), "- dir  /lib/\n");
    /* 50 levels: the first 8 and last 8 shown, 34 counted. */
    char deep[200] = "";
    for (int i = 0; i < 50; i++)
        strcat(deep, i < 49 ? "/d" : "/f");
    assert_int_equal(romfs_image_diff_line('+', deep, strlen(deep), &a, NULL, mem_write, &m), 0);
    assert_string_equal(got(), "+ file /d/d/d/d/d/d/d/d/[+34]/d/d/d/d/d/d/d/f  10 bytes\n");
    char forty[200] = "";
    for (int i = 0; i < 40; i++)
        strcat(forty, "/d");
    assert_int_equal(romfs_image_diff_line('-', forty, strlen(forty), &d, NULL, mem_write, &m), 0);
    char want[300];
    snprintf(want, sizeof want, "- dir  %s/\n", forty);   /* 40 levels: shown whole */
    assert_string_equal(got(), want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry),
        cmocka_unit_test(test_stat),
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_diff_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
