/* SPDX-License-Identifier: MIT */
/* JSON string literals of arbitrary bytes (src/host/json.c), and the
 * object writer that keeps its sink's first error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "romfs/romfs.h"
#include "romfs/romfs_json.h"

/* A sink collecting into buf; fails (-5) once more than `room` bytes. */
struct sink {
    char buf[2048];
    size_t len, room, calls;
};

static int put(void *ctx, const void *data, size_t len)
{
    struct sink *k = ctx;
    k->calls++;
    if (k->len + len > k->room)
        return -5;
    memcpy(k->buf + k->len, data, len);
    k->len += len;
    k->buf[k->len] = '\0';
    return 0;
}

static const char *str(const char *s, size_t len)
{
    static struct sink k;
    memset(&k, 0, sizeof k);
    k.room = sizeof k.buf - 1;
    assert_int_equal(romfs_json_string(s, len, put, &k), 0);
    return k.buf;
}

static const char *name(const char *key, const char *s, size_t len)
{
    static struct sink k;
    memset(&k, 0, sizeof k);
    k.room = sizeof k.buf - 1;
    assert_int_equal(romfs_json_name(key, s, len, put, &k), 0);
    return k.buf;
}

static void test_escapes(void **state)
{
    (void)state;
    assert_string_equal(str("", 0), "\"\"");
    assert_string_equal(str("main.py", 7), "\"main.py\"");
    assert_string_equal(str("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
    assert_string_equal(str("\n\t\x1f\x7f", 4), "\"\\u000a\\u0009\\u001f\\u007f\"");
    assert_string_equal(str("a\0b", 3), "\"a\\u0000b\"");
}

/* Valid UTF-8 (C1 as UTF-8 too) passes; every byte of an invalid
 * sequence becomes \u00XX: a stray continuation, a truncated sequence,
 * an overlong form, a surrogate, a code point past U+10FFFF. */
static void test_utf8(void **state)
{
    (void)state;
    assert_string_equal(str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\x85", 17),
                        "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\x85\"");
    assert_string_equal(str("\x80", 1), "\"\\u0080\"");
    assert_string_equal(str("a\xc3", 2), "\"a\\u00c3\"");
    assert_string_equal(str("\xc0\xaf", 2), "\"\\u00c0\\u00af\"");
    assert_string_equal(str("\xed\xa0\x80", 3), "\"\\u00ed\\u00a0\\u0080\"");
    assert_string_equal(str("\xf4\x90\x80\x80", 4), "\"\\u00f4\\u0090\\u0080\\u0080\"");
    assert_string_equal(str("\xe9t\xc3\xa9", 4), "\"\\u00e9t\xc3\xa9\"");
}

static void test_name_hex(void **state)
{
    (void)state;
    assert_string_equal(name("path", "/a/b\xc3\xa9", 6), "\"path\": \"/a/b\xc3\xa9\"");
    assert_string_equal(name("name", "hi\xe9", 3), "\"name\": \"hi\\u00e9\", \"name_hex\": \"6869e9\"");
    /* A control character alone is valid UTF-8: escaped, no hex. */
    assert_string_equal(name("n", "\x01", 1), "\"n\": \"\\u0001\"");
}

/* The first error of the sink ends the writer and is returned. */
static void test_write_error(void **state)
{
    (void)state;
    for (size_t room = 0; room < 45; room++) {
        struct sink k;
        memset(&k, 0, sizeof k);
        k.room = room;
        int r = romfs_json_name("name", "hi\xe9", 3, put, &k);
        assert_int_equal(r, room < 40 ? -5 : 0);
        assert_true(k.len <= room);
    }
}

/* romfs_json_out_t: text and strings in order; after the sink's first
 * error nothing more is written and err keeps it. */
static void test_out(void **state)
{
    (void)state;
    struct sink k = {.room = 100};
    romfs_json_out_t o = {put, &k, 0};
    romfs_json_printf(&o, "{\"n\": %d, \"s\": ", 42);
    romfs_json_str(&o, "a\"b");
    romfs_json_printf(&o, "}");
    assert_int_equal(o.err, 0);
    assert_string_equal(k.buf, "{\"n\": 42, \"s\": \"a\\\"b\"}");
    struct sink f = {.room = 5};
    romfs_json_out_t e = {put, &f, 0};
    romfs_json_printf(&e, "{\"n\": 1");   /* 8 bytes: refused */
    size_t calls = f.calls;
    romfs_json_str(&e, "x");
    romfs_json_printf(&e, "}");
    assert_int_equal(e.err, -5);
    assert_int_equal(f.calls, calls);   /* nothing tried after it */
    assert_int_equal(f.len, 0);
    /* Text past the writer's 1023 bytes is an error, never cut short
     * silently into JSON that does not parse. */
    struct sink big = {.room = 2000};
    romfs_json_out_t b = {put, &big, 0};
    romfs_json_printf(&b, "[%01100d]", 7);
    assert_int_equal(b.err, ROMFS_ERR_OVERFLOW);
    assert_int_equal(big.len, 0);
    /* romfs_json_raw: text as it is, past printf's bound; nothing after an
     * error (b has one). */
    char long_path[1500];
    memset(long_path, 'p', sizeof long_path);
    struct sink r = {.room = 2000};
    romfs_json_out_t ro = {put, &r, 0};
    romfs_json_raw(&ro, long_path, sizeof long_path);
    romfs_json_raw(&ro, "", 0);
    assert_int_equal(ro.err, 0);
    assert_int_equal(r.len, sizeof long_path);
    assert_memory_equal(r.buf, long_path, sizeof long_path);
    calls = big.calls;
    romfs_json_raw(&b, "x", 1);
    assert_int_equal(big.calls, calls);
    assert_int_equal(big.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_name_hex),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
