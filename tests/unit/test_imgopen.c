/* SPDX-License-Identifier: MIT */
/* src/host/imgopen.c: opening an image as the image commands do (a file,
 * a UF2 / Intel HEX file of one, refusals with one line each), user paths
 * (empty components, bad bytes, deep paths), lookups and walks of
 * truncated and corrupt images with the lines they report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buildtest.h"
#include "imgmk.h"
#include "romfs/romfs_flashfmt.h"
#include "romfs/romfs_imgopen.h"

static const uint8_t HELLO[] = "hello, flash";

/* An image of main.py, lib/util.py (HELLO), lib/"\x1b[2J". */
static uint8_t *tree(size_t *len)
{
    mk_ent_t e[] = {
        {"main.py", (const uint8_t *)"print(1)\n", 9},
        {"lib/", NULL, 0},
        {"util.py", HELLO, sizeof HELLO - 1},
        {"\x1b[2J", (const uint8_t *)"x", 1},
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

/* A raw image as it is; a UF2 file of it decoded to the same bytes; a
 * damaged UF2 file refused at its offset; a directory and a missing file
 * refused, each with one line naming it. */
static void test_load(void **state)
{
    (void)state;
    size_t len, n;
    uint8_t *img = tree(&len), *data;
    char msg[300];
    const char *raw = write_file("raw.img", img, len);
    assert_int_equal(romfs_image_load(raw, &data, &n, msg, sizeof msg), 0);
    assert_int_equal(n, len);
    assert_memory_equal(data, img, len);
    free(data);

    uint8_t big[600] = {0};   /* the image and padding: three UF2 blocks */
    memcpy(big, img, len);
    struct membuf uf2 = {0};
    assert_int_equal(romfs_uf2_write(big, sizeof big, 0x10000000, 0, mem_write, &uf2), 0);
    assert_int_equal(uf2.len, 3 * 512);
    const char *u = write_file("img.uf2", uf2.p, uf2.len);
    assert_int_equal(romfs_image_load(u, &data, &n, msg, sizeof msg), 0);
    assert_int_equal(n, 3 * 256);   /* the blocks' payloads: big, then padding */
    assert_memory_equal(data, big, sizeof big);
    free(data);
    uf2.p[512 + 20] ^= 1;   /* the second block's number */
    u = write_file("bad.uf2", uf2.p, uf2.len);
    assert_int_equal(romfs_image_load(u, &data, &n, msg, sizeof msg), ROMFS_ERR_IO);
    assert_null(data);
    assert_true(strncmp(msg, u, strlen(u)) == 0);
    assert_non_null(strstr(msg, ": offset 512: "));
    free(uf2.p);

    assert_int_equal(romfs_image_load(tmp_root, &data, &n, msg, sizeof msg), ROMFS_ERR_ISDIR);
    assert_non_null(strstr(msg, ": is a directory, not an image file"));
    const char *missing = tpath("missing");
    assert_int_equal(romfs_image_load(missing, &data, &n, msg, sizeof msg), ROMFS_ERR_NOENT);
    assert_true(strncmp(msg, missing, strlen(missing)) == 0);
    assert_string_equal(romfs_image_name("-"), "<stdin>");
    assert_string_equal(romfs_image_name("a.img"), "a.img");
    free(img);
}

/* Every truncation of an image either mounts or is refused with one line
 * naming it and the checker's first problem (or the size). */
static void test_mount_truncated(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = tree(&len);
    char msg[1300];
    romfs_t fs;
    assert_int_equal(romfs_image_mount(&fs, img, len, "t.img", msg, sizeof msg), 0);
    for (size_t n = 0; n < len; n++) {
        int r = romfs_image_mount(&fs, img, n, "t.img", msg, sizeof msg);
        if (r == 0)
            continue;
        assert_true(strncmp(msg, "t.img: ", 7) == 0);
        assert_true(strstr(msg, ": offset 0x") || strstr(msg, " bytes)"));
        assert_null(strchr(msg, '\n'));
    }
    assert_int_equal(romfs_image_mount(&fs, img, 2, "t.img", msg, sizeof msg), ROMFS_ERR_NODEV);
    free(img);
}

/* Paths: empty components dropped, the root "", any other byte kept, a
 * deep path costs no more than its length. */
static void test_path(void **state)
{
    (void)state;
    static const char *cases[][2] = {
        {"", ""}, {"/", ""}, {"///", ""}, {"a", "/a"}, {"//a///b/", "/a/b"}, {"\x01/\xff\\", "/\x01/\xff\\"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *p = romfs_image_path(cases[i][0]);
        assert_non_null(p);
        assert_string_equal(p, cases[i][1]);
        free(p);
    }
    size_t n = 20000 * 3;
    char *deep = malloc(n + 1);
    assert_non_null(deep);
    for (size_t i = 0; i < n; i += 3)
        memcpy(deep + i, "//x", 3);
    deep[n] = '\0';
    char *p = romfs_image_path(deep);
    assert_non_null(p);
    assert_int_equal(strlen(p), 20000 * 2);
    free(p);
    free(deep);
}

/* Lookups with their lines: found, missing (the root shown as "/"), a
 * file used as a directory. */
static void test_stat(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = tree(&len);
    romfs_t fs;
    romfs_info_t info;
    char msg[300];
    assert_int_equal(romfs_mount(&fs, img, len), 0);
    assert_int_equal(romfs_image_stat(&fs, "t.img", "/lib/util.py", &info, msg, sizeof msg), 0);
    assert_int_equal(info.size, sizeof HELLO - 1);
    assert_int_equal(romfs_image_stat(&fs, "t.img", "", &info, msg, sizeof msg), 0);
    assert_int_equal(info.type, ROMFS_TYPE_DIR);
    assert_int_equal(romfs_image_stat(&fs, "t.img", "/nope", &info, msg, sizeof msg), ROMFS_ERR_NOENT);
    assert_string_equal(msg, "t.img: /nope: no such file or directory");
    assert_int_equal(romfs_image_stat(&fs, "t.img", "/main.py/x", &info, msg, sizeof msg), ROMFS_ERR_NOENT);
    assert_string_equal(msg, "t.img: /main.py/x: no such file or directory");
    free(img);
}

struct seen {
    int entries, errors;
    char first_error[400], last_error[400];
    int skip;
};

static void on_entry(void *ctx, romfs_walk_t *w)
{
    struct seen *s = ctx;
    s->entries++;
    if (s->skip)
        romfs_walk_skip_children(w);
}

static void on_error(void *ctx, int error, const char *line)
{
    struct seen *s = ctx;
    assert_int_equal(error, 1);
    if (!s->errors++)
        snprintf(s->first_error, sizeof s->first_error, "%s", line);
    snprintf(s->last_error, sizeof s->last_error, "%s", line);
}

static int walk(const uint8_t *img, size_t len, const char *path, struct seen *s)
{
    romfs_t fs;
    romfs_info_t info;
    char msg[300];
    assert_int_equal(romfs_mount(&fs, img, len), 0);
    assert_int_equal(romfs_image_stat(&fs, "t.img", path, &info, msg, sizeof msg), 0);
    romfs_image_walk_cb_t cb = {on_entry, on_error, s};
    return romfs_image_walk(&fs, "t.img", &info, path, &cb);
}

/* A whole tree, a subtree, children skipped; a directory whose child
 * record runs past it: one line naming it (its bad byte escaped) and its
 * offset, the walk going on. */
static void test_walk(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = tree(&len);
    struct seen s = {0};
    assert_int_equal(walk(img, len, "", &s), 0);
    assert_int_equal(s.entries, 4);
    memset(&s, 0, sizeof s);
    assert_int_equal(walk(img, len, "/lib", &s), 0);
    assert_int_equal(s.entries, 2);
    memset(&s, 0, sizeof s);
    s.skip = 1;
    assert_int_equal(walk(img, len, "", &s), 0);
    assert_int_equal(s.entries, 2);
    free(img);

    /* dir "\x1b" holding a file record claiming 9 bytes where none are:
     * the directory is reported, and the root whose last record it is. */
    static const uint8_t bad[] = {0xd2, 0xcd, 0x31, 0x0a, 0x04, 0x04, 0x01, 0x1b, 0x05, 0x09,
                                  0x05, 0x03, 0x01, 'f', 0x00};
    memset(&s, 0, sizeof s);
    assert_int_equal(walk(bad, sizeof bad, "", &s), 1);
    assert_int_equal(s.errors, 2);
    assert_string_equal(s.first_error, "t.img: offset 0x8: directory '/\\x1b': corrupt image");
    assert_string_equal(s.last_error, "t.img: offset 0xa: directory '/': corrupt image");
    assert_true(s.entries >= 1);
}

struct unsafe {
    char msg[400];
    size_t offset;   /* the record the walk met */
};

static void find_unsafe(void *ctx, romfs_walk_t *w)
{
    struct unsafe *u = ctx;
    if (!(w->info.flags & ROMFS_INFO_UNSAFE_NAME))
        return;
    romfs_image_unsafe_msg("t.img", &w->info, w->path, w->path_len, u->msg, sizeof u->msg);
    u->offset = w->info.record_offset;
}

/* A name no path reaches, in a subdirectory and at the root: its record's
 * offset, the name and its directory named, bad bytes escaped. */
static void test_unsafe_msg(void **state)
{
    (void)state;
    mk_ent_t e[] = {
        {"lib\x01/", NULL, 0}, {".", (const uint8_t *)"x", 1}, {"..", NULL, 0}, {".", (const uint8_t *)"y", 1},
    };
    size_t len;
    uint8_t *img = mk_image(e, sizeof e / sizeof *e, &len);
    assert_non_null(img);
    romfs_t fs;
    romfs_info_t info;
    struct unsafe u = {"", 0};
    char want[400];
    assert_int_equal(romfs_mount(&fs, img, len), 0);
    assert_int_equal(romfs_stat(&fs, "/lib\x01", &info), 0);
    romfs_image_walk_cb_t cb = {find_unsafe, on_error, &u};
    assert_int_equal(romfs_image_walk(&fs, "t.img", &info, "/lib\x01", &cb), 0);
    assert_true(u.offset > 4 && u.offset < len);
    snprintf(want, sizeof want, "t.img: offset 0x%zx: unsafe name '.' in '/lib\\x01': no path reaches it", u.offset);
    assert_string_equal(u.msg, want);
    size_t inner = u.offset;
    assert_int_equal(romfs_stat(&fs, "", &info), 0);
    assert_int_equal(romfs_image_walk(&fs, "t.img", &info, "", &cb), 0);
    assert_true(u.offset > inner);   /* the root's own, after the directory */
    snprintf(want, sizeof want, "t.img: offset 0x%zx: unsafe name '.' in '/': no path reaches it", u.offset);
    assert_string_equal(u.msg, want);
    free(img);
}

struct jentry {
    struct membuf m;
    uint64_t addr;
};

static void entry_json(void *ctx, romfs_walk_t *w)
{
    struct jentry *j = ctx;
    size_t offset = w->info.type == ROMFS_TYPE_FILE ? 100 : 7;   /* as the caller says */
    assert_int_equal(romfs_image_entry_json(&w->info, offset, w->path, w->path_len, j->addr, mem_write, &j->m), 0);
    assert_int_equal(mem_write(&j->m, "\n", 1), 0);
}

/* `romfs ls --json`'s entries from the library: a directory, a file with
 * its alignment and (on a board) address, a name that is not UTF-8 with
 * its bytes in hex, an unsafe name marked; the alignment rule itself. */
static void test_entry_json(void **state)
{
    (void)state;
    assert_int_equal(romfs_image_align(0), 4096);
    assert_int_equal(romfs_image_align(1), 1);
    assert_int_equal(romfs_image_align(96), 32);
    assert_int_equal(romfs_image_align(8192), 4096);
    mk_ent_t e[] = {{"d/", NULL, 0}, {"\xff", (const uint8_t *)"x", 1}, {"..", NULL, 0}, {".", (const uint8_t *)"y", 1}};
    size_t len;
    uint8_t *img = mk_image(e, sizeof e / sizeof *e, &len);
    assert_non_null(img);
    romfs_t fs;
    romfs_info_t info;
    assert_int_equal(romfs_mount(&fs, img, len), 0);
    assert_int_equal(romfs_stat(&fs, "", &info), 0);
    struct jentry j = {{0}, 0x8000000};
    romfs_image_walk_cb_t cb = {entry_json, on_error, &j};
    assert_int_equal(romfs_image_walk(&fs, "t.img", &info, "", &cb), 0);
    assert_int_equal(mem_write(&j.m, "", 1), 0);
    assert_string_equal((const char *)j.m.p,
                        "{\"path\": \"/d\", \"name\": \"d\", \"type\": \"dir\", \"size\": 7, \"offset\": 7, "
                        "\"record_offset\": 4}\n"
                        "{\"path\": \"/d/\\u00ff\", \"path_hex\": \"2f642fff\", \"name\": \"\\u00ff\", \"name_hex\": \"ff\", "
                        "\"type\": \"file\", \"size\": 1, \"offset\": 100, \"record_offset\": 8, \"align\": 4, "
                        "\"address\": 134217828}\n"
                        "{\"path\": \"/.\", \"name\": \".\", \"type\": \"file\", \"size\": 1, \"offset\": 100, "
                        "\"record_offset\": 15, \"align\": 4, \"address\": 134217828, \"unsafe\": true}\n");
    struct membuf short_sink = {0, 0, 0, 12};   /* fails inside the name: nothing after */
    assert_int_equal(romfs_image_entry_json(&info, 0, "/", 1, 0, mem_write, &short_sink), -ENOSPC);
    assert_true(short_sink.len <= 12);
    free(short_sink.p);
    free(j.m.p);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_mount_truncated),
        cmocka_unit_test(test_path),
        cmocka_unit_test(test_stat),
        cmocka_unit_test(test_walk),
        cmocka_unit_test(test_unsafe_msg),
        cmocka_unit_test(test_entry_json),
    };
    return cmocka_run_group_tests(tests, setup, teardown_tmp);
}
