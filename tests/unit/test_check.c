/* SPDX-License-Identifier: MIT */
/* The checker and the tree walker (src/host/check.c, walk.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buildtest.h"
#include "romfs/romfs_check.h"
#include "testutil.h"

struct seen {
    int n;
    int severity[16];
    size_t offset[16];
    char msg[16][1024];
};

static void record(void *ctx, int severity, size_t offset, const char *msg)
{
    struct seen *s = ctx;
    if (s->n < 16) {
        s->severity[s->n] = severity;
        s->offset[s->n] = offset;
        snprintf(s->msg[s->n], sizeof s->msg[0], "%s", msg);
    }
    s->n++;
}

/* Check img: exactly one finding, of this severity at this offset. */
static void check_one(const uint8_t *img, size_t len, int severity, size_t offset, struct seen *s,
                      romfs_check_stats_t *st)
{
    memset(s, 0, sizeof *s);
    assert_int_equal(romfs_check(img, len, record, s, st), 0);
    assert_int_equal(s->n, 1);
    assert_int_equal(s->severity[0], severity);
    assert_int_equal(s->offset[0], offset);
}

/* A file "a" whose valid data record "hi" is followed by a record claiming
 * 5 bytes where none remain: the reader reads "hi", the image is corrupt. */
static const uint8_t broken_after_data[] = {0xd2, 0xcd, 0x31, 0x0a, 0x05, 0x08, 0x01, 'a',
                                            0x02, 0x02, 'h',  'i',  0x02, 0x05};

static void test_broken_record_after_data(void **state)
{
    (void)state;
    romfs_t fs;
    romfs_info_t info;
    assert_int_equal(romfs_mount(&fs, broken_after_data, sizeof broken_after_data), 0);
    assert_int_equal(romfs_stat(&fs, "/a", &info), 0);
    assert_int_equal(info.size, 2);

    struct seen s;
    romfs_check_stats_t st;
    check_one(broken_after_data, sizeof broken_after_data, ROMFS_CHECK_FAIL, 12, &s, &st);
    assert_non_null(strstr(s.msg[0], "file '/a'"));
    assert_int_equal(st.problems[ROMFS_CHECK_FAIL], 1);
    assert_int_equal(st.files, 1);

    size_t off = 0;
    char msg[64];
    assert_int_equal(romfs_check_first(broken_after_data, sizeof broken_after_data, &off, msg, sizeof msg), 1);
    assert_int_equal(off, 12);
    assert_true(strlen(msg) == sizeof msg - 1);   /* cut to the buffer */
    assert_memory_equal(msg, s.msg[0], sizeof msg - 1);
}

/* Two files named "a": a warning at the second one's record, not a failure. */
static void test_duplicate_is_warning(void **state)
{
    (void)state;
    static const uint8_t img[] = {0xd2, 0xcd, 0x31, 0x0e, 0x05, 0x05, 0x01, 'a', 0x02, 0x01, 'x',
                                  0x05, 0x05, 0x01, 'a',  0x02, 0x01, 'y'};
    struct seen s;
    romfs_check_stats_t st;
    check_one(img, sizeof img, ROMFS_CHECK_WARN, 11, &s, &st);
    assert_int_equal(st.files, 2);
    size_t off = 99;
    assert_int_equal(romfs_check_first(img, sizeof img, &off, NULL, 0), 0);
    assert_int_equal(off, 99);
}

/* The first failure is the one with the lowest offset, as `romfs check`
 * prints it first; NULL report only counts. */
static void test_first_and_counts(void **state)
{
    (void)state;
    static const uint8_t bad_magic[] = {0xd2, 0xcd, 0x32, 0x00};
    romfs_check_stats_t st;
    assert_int_equal(romfs_check(bad_magic, sizeof bad_magic, NULL, NULL, &st), 0);
    assert_int_equal(st.problems[ROMFS_CHECK_FAIL], 1);
    char msg[256];
    size_t off = 99;
    assert_int_equal(romfs_check_first(bad_magic, sizeof bad_magic, &off, msg, sizeof msg), 1);
    assert_int_equal(off, 0);
    assert_non_null(strstr(msg, "not a ROMFS image"));
}

/* romfs_check_collect: every finding kept and sorted into image order.
 * The duplicate's warning (offset 11) is reported when its directory is
 * done, after the kind-0 record's failure (offset 18). Every truncation
 * of the image is collected too, its findings matching the counts. */
static void test_collect_sorted(void **state)
{
    (void)state;
    static const uint8_t img[] = {0xd2, 0xcd, 0x31, 0x10, 0x05, 0x05, 0x01, 'a', 0x02, 0x01, 'x',
                                  0x05, 0x05, 0x01, 'a',  0x02, 0x01, 'y',  0x00, 0x00};
    struct seen s = {0};
    romfs_check_stats_t st;
    assert_int_equal(romfs_check(img, sizeof img, record, &s, &st), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.offset[0], 18);   /* the walk's order */
    romfs_check_report_t r;
    assert_int_equal(romfs_check_collect(img, sizeof img, &r), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.v[0].offset, 11);
    assert_int_equal(r.v[0].severity, ROMFS_CHECK_WARN);
    assert_string_equal(r.v[0].msg, s.msg[1]);
    assert_int_equal(r.v[1].offset, 18);
    assert_string_equal(romfs_check_severity_name(r.v[1].severity), "fail");
    assert_string_equal(romfs_check_severity_name(ROMFS_CHECK_INFO), "info");
    assert_int_equal(r.stats.problems[ROMFS_CHECK_FAIL], 1);
    romfs_check_report_free(&r);
    assert_null(r.v);
    for (size_t len = 0; len < sizeof img; len++) {
        assert_int_equal(romfs_check_collect(img, len, &r), 0);
        assert_int_equal(r.n, r.stats.problems[0] + r.stats.problems[1] + r.stats.problems[2]);
        assert_true(r.stats.problems[ROMFS_CHECK_FAIL] > 0);
        for (size_t i = 1; i < r.n; i++)
            assert_true(r.v[i - 1].offset <= r.v[i].offset);
        romfs_check_report_free(&r);
    }
}

/* Mount img and start a walk at its root. */
static void walk_root(const uint8_t *img, size_t len, romfs_t *fs, romfs_walk_t *w)
{
    romfs_info_t root;
    assert_int_equal(romfs_mount(fs, img, len), 0);
    assert_int_equal(romfs_stat(fs, "", &root), 0);
    assert_int_equal(romfs_walk_begin(w, fs, &root, "", 0), 0);
}

static void test_golden_clean_and_walk_agrees(void **state)
{
    (void)state;
    static const char *names[] = {"golden/many_and_deep.romfs", "golden/doc_example.romfs", "golden/long_names.romfs"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        size_t len;
        uint8_t *img = tu_read_file(tu_vector(names[k]), &len);
        romfs_check_stats_t st;
        struct seen s = {0};
        assert_int_equal(romfs_check(img, len, record, &s, &st), 0);
        assert_int_equal(st.problems[ROMFS_CHECK_FAIL] + st.problems[ROMFS_CHECK_WARN], 0);
        romfs_t fs;
        romfs_walk_t w;
        walk_root(img, len, &fs, &w);
        size_t dirs = 0, files = 0, bytes = 0;
        int r;
        while ((r = romfs_walk_next(&w)) == ROMFS_WALK_ENTRY) {
            romfs_info_t again;
            /* The walk's path reaches the entry it returned. */
            assert_int_equal(romfs_stat_n(&fs, w.path, w.path_len, &again), 0);
            assert_int_equal(again.record_offset, w.info.record_offset);
            assert_int_equal(strlen(w.path), w.path_len);
            if (w.info.type == ROMFS_TYPE_DIR) {
                dirs++;
            } else {
                files++;
                bytes += w.info.size;
            }
        }
        assert_int_equal(r, ROMFS_WALK_END);
        romfs_walk_end(&w);
        assert_int_equal(dirs, st.dirs);
        assert_int_equal(files, st.files);
        assert_int_equal(bytes, st.bytes);
        free(img);
    }
}

/* skip_children keeps the walk at one level. */
static void test_walk_skip_children(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = tu_read_file(tu_vector("golden/many_and_deep.romfs"), &len);
    romfs_t fs;
    romfs_walk_t w;
    walk_root(img, len, &fs, &w);
    int r, top = 0, entered = 0;
    while ((r = romfs_walk_next(&w)) == ROMFS_WALK_ENTRY) {
        top++;
        entered |= w.entry_depth != 1;
        romfs_walk_skip_children(&w);
    }
    romfs_walk_end(&w);
    assert_false(entered);
    romfs_dir_t d;
    romfs_info_t e;
    int n = 0;
    assert_int_equal(romfs_dir_open(&fs, &d, "/"), 0);
    while (romfs_dir_read(&d, &e) == 1)
        n++;
    assert_int_equal(top, n);
    free(img);
}

/* A 40 000-byte name is shown cut, escaped, never past the buffer. */
static void test_name_shown_truncated(void **state)
{
    (void)state;
    size_t n = 40000;
    char *name = malloc(n);
    memset(name, 'x', n);
    name[0] = '\n';
    name[1] = '\'';
    char buf[ROMFS_CHECK_NAME_CAP];
    romfs_check_name(buf, sizeof buf, name, n);
    assert_true(strlen(buf) < sizeof buf);
    assert_memory_equal(buf, "\\x0a\\x27xx", 10);
    assert_string_equal(buf + strlen(buf) - 3, "...");
    romfs_check_name(buf, sizeof buf, "ab", 2);
    assert_string_equal(buf, "ab");
    free(name);
}

static int collect(void *ctx, const void *data, size_t len)
{
    strncat(ctx, data, len);
    return 0;
}

static const char *escaped(const char *s, size_t len, unsigned flags)
{
    static char buf[256];
    buf[0] = '\0';
    assert_int_equal(romfs_text_escape(s, len, flags, collect, buf), 0);
    return buf;
}

/* A name is escaped always (controls, C1 as UTF-8 or raw, backslash);
 * other text only for a terminal, keeping LF, CR LF and tabs. */
static void test_text_escape(void **state)
{
    (void)state;
    const char t[] = "a\tb\r\nc\rd\x1b[2J\\ \xc2\x85 \x85 \xc3\xa9\n";
    size_t n = sizeof t - 1;
    assert_string_equal(escaped(t, n, ROMFS_ESCAPE_NAME), "a\\x09b\\x0d\\x0ac\\x0dd\\x1b[2J\\x5c \\xc2\\x85 \\x85 \xc3\xa9\\x0a");
    assert_string_equal(escaped(t, n, ROMFS_ESCAPE_NAME | ROMFS_ESCAPE_TTY), escaped(t, n, ROMFS_ESCAPE_NAME));
    assert_string_equal(escaped(t, n, ROMFS_ESCAPE_TTY), "a\tb\r\nc\\x0dd\\x1b[2J\\ \\xc2\\x85 \\x85 \xc3\xa9\n");
    assert_string_equal(escaped(t, n, 0), t);
}

/* `romfs check --json`'s object from the library, byte for byte: the
 * image's name escaped, the counts, the findings in image order; a sink
 * that fails stops the writer with its error. */
static void test_check_json(void **state)
{
    (void)state;
    static const uint8_t img[] = {0xd2, 0xcd, 0x31, 0x10, 0x05, 0x05, 0x01, 'a', 0x02, 0x01, 'x',
                                  0x05, 0x05, 0x01, 'a',  0x02, 0x01, 'y',  0x00, 0x00};
    romfs_check_report_t r;
    assert_int_equal(romfs_check_collect(img, sizeof img, &r), 0);
    char want[1024];
    snprintf(want, sizeof want,
             "{\"image\": \"a\\\"b.img\", \"ok\": false, \"image_size\": 20, \"payload_size\": %zu, \"dirs\": %zu, "
             "\"files\": %zu, \"bytes\": %zu, \"problems\": [\n"
             "  {\"severity\": \"warn\", \"offset\": 11, \"message\": \"%s\"},\n"
             "  {\"severity\": \"fail\", \"offset\": 18, \"message\": \"%s\"}\n]}\n",
             r.stats.fs_size, r.stats.dirs, r.stats.files, r.stats.bytes, r.v[0].msg, r.v[1].msg);
    struct membuf m = {0};
    assert_int_equal(romfs_check_json(&r, "a\"b.img", sizeof img, mem_write, &m), 0);
    assert_int_equal(m.len, strlen(want));
    assert_memory_equal(m.p, want, m.len);
    struct membuf short_sink = {0, 0, 0, 30};
    assert_int_equal(romfs_check_json(&r, "a\"b.img", sizeof img, mem_write, &short_sink), -ENOSPC);
    assert_true(short_sink.len <= 30);
    struct membuf sum = {0};   /* the summary line of `romfs check` */
    assert_int_equal(romfs_check_summary_text(&r, "a\"b.img", mem_write, &sum), 0);
    assert_int_equal(mem_write(&sum, "", 1), 0);
    assert_string_equal((const char *)sum.p, "a\"b.img: 1 problem, 1 warning\n");
    free(sum.p);
    struct membuf cut = {0, 0, 0, 9};   /* the sink fails inside the line: its error, nothing after */
    assert_int_equal(romfs_check_summary_text(&r, "a\"b.img", mem_write, &cut), -ENOSPC);
    assert_int_equal(cut.len, 7);
    free(cut.p);
    romfs_check_report_free(&r);
    free(m.p);
    free(short_sink.p);
    /* A clean image: ok true, an empty problem list. */
    static const uint8_t empty[] = {0xd2, 0xcd, 0x31, 0x00};
    assert_int_equal(romfs_check_collect(empty, sizeof empty, &r), 0);
    struct membuf e = {0};
    assert_int_equal(romfs_check_json(&r, "e", sizeof empty, mem_write, &e), 0);
    const char *ok = "{\"image\": \"e\", \"ok\": true, \"image_size\": 4, \"payload_size\": 4, \"dirs\": 0, \"files\": 0, "
                     "\"bytes\": 0, \"problems\": []}\n";
    assert_int_equal(e.len, strlen(ok));
    assert_memory_equal(e.p, ok, e.len);
    struct membuf okl = {0};
    assert_int_equal(romfs_check_summary_text(&r, "e", mem_write, &okl), 0);
    assert_int_equal(mem_write(&okl, "", 1), 0);
    assert_string_equal((const char *)okl.p, "e: ok (0 dirs, 0 files, 0 bytes)\n");
    free(okl.p);
    romfs_check_report_free(&r);
    free(e.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broken_record_after_data),
        cmocka_unit_test(test_duplicate_is_warning),
        cmocka_unit_test(test_first_and_counts),
        cmocka_unit_test(test_collect_sorted),
        cmocka_unit_test(test_check_json),
        cmocka_unit_test(test_golden_clean_and_walk_agrees),
        cmocka_unit_test(test_walk_skip_children),
        cmocka_unit_test(test_name_shown_truncated),
        cmocka_unit_test(test_text_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
