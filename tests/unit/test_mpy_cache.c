/* SPDX-License-Identifier: MIT */
/*
 * The mpy-cross output cache (src/host/mpy_cache.c, internal): entries come
 * back only whole and matching their digest (a damaged one is removed and
 * reported), the caller's check can refuse one, trimming evicts the least
 * recently used first, no directory means no cache; and the byte counts
 * ROMFS_MPY_CACHE_MAX takes (romfs_mpy_parse_bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mpy_cache.h"
#include "romfs/romfs_mpy.h"

#define K1 "1111111111111111111111111111111111111111111111111111111111111111"
#define K2 "2222222222222222222222222222222222222222222222222222222222222222"
#define K3 "3333333333333333333333333333333333333333333333333333333333333333"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/test_mpy_cache.XXXXXX", t && *t ? t : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static void open_cache(mpy_cache_t *c, uint64_t max)
{
    char msg[200];
    assert_int_equal(mpy_cache_open(c, dir, max, msg, sizeof msg), 0);
}

static int refuse(const uint8_t *d, size_t n, void *arg)
{
    (void)d;
    (void)n;
    (void)arg;
    return -1;
}

static void test_roundtrip_and_absent(void **state)
{
    (void)state;
    mpy_cache_t c;
    open_cache(&c, 0);
    assert_int_equal(c.max, ROMFS_MPY_CACHE_DEFAULT);
    uint8_t *d = NULL;
    size_t n = 0;
    assert_int_equal(mpy_cache_get(&c, K1, &d, &n, NULL, NULL), 0);
    mpy_cache_put(&c, K1, (const uint8_t *)"M\x06compiled", 10);
    assert_int_equal(c.stored, 1);
    assert_int_equal(mpy_cache_get(&c, K1, &d, &n, NULL, NULL), 1);
    assert_int_equal(n, 10);
    assert_memory_equal(d, "M\x06compiled", 10);
    free(d);
    /* The caller's check refuses it: reported damaged and removed. */
    assert_int_equal(mpy_cache_get(&c, K1, &d, &n, refuse, NULL), -1);
    assert_int_equal(mpy_cache_get(&c, K1, &d, &n, NULL, NULL), 0);
    mpy_cache_close(&c);
}

/* One byte of the content flipped on disk: the digest catches it. */
static void test_damaged_entry(void **state)
{
    (void)state;
    mpy_cache_t c;
    open_cache(&c, 0);
    mpy_cache_put(&c, K2, (const uint8_t *)"abcdefgh", 8);
    char path[400];
    snprintf(path, sizeof path, "%s/%s.mpy", dir, K2);
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "X", 1, 8 + 8 + 64 + 3), 1);
    close(fd);
    uint8_t *d = NULL;
    size_t n = 0;
    assert_int_equal(mpy_cache_get(&c, K2, &d, &n, NULL, NULL), -1);
    assert_int_equal(access(path, F_OK), -1);
    mpy_cache_close(&c);
}

/* Over the bound, the least recently used entries go first. */
static void test_trim_lru(void **state)
{
    (void)state;
    mpy_cache_t c;
    open_cache(&c, 2 * (8 + 8 + 64 + 100));   /* room for two 100-byte entries */
    uint8_t blob[100];
    memset(blob, 7, sizeof blob);
    const char *keys[] = {K1, K2, K3};
    for (int i = 0; i < 3; i++) {
        mpy_cache_put(&c, keys[i], blob, sizeof blob);
        char path[400];
        snprintf(path, sizeof path, "%s/%s.mpy", dir, keys[i]);
        struct timespec t[2] = {{1000 + i, 0}, {1000 + i, 0}};   /* K1 oldest */
        assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
    }
    mpy_cache_trim(&c);
    uint8_t *d = NULL;
    size_t n = 0;
    assert_int_equal(mpy_cache_get(&c, K1, &d, &n, NULL, NULL), 0);
    assert_int_equal(mpy_cache_get(&c, K2, &d, &n, NULL, NULL), 1);
    free(d);
    assert_int_equal(mpy_cache_get(&c, K3, &d, &n, NULL, NULL), 1);
    free(d);
    mpy_cache_close(&c);
}

static void test_no_directory(void **state)
{
    (void)state;
    mpy_cache_t c;
    char msg[200] = "";
    assert_true(mpy_cache_open(&c, NULL, 0, msg, sizeof msg) < 0);
    assert_string_equal(msg, "no cache directory");
    assert_null(c.dir);
    uint8_t *d = NULL;
    size_t n = 0;
    mpy_cache_put(&c, K1, (const uint8_t *)"x", 1);   /* disabled: nothing happens */
    assert_int_equal(mpy_cache_get(&c, K1, &d, &n, NULL, NULL), 0);
}

static void test_parse_bytes(void **state)
{
    (void)state;
    assert_int_equal(romfs_mpy_parse_bytes("0"), 0);
    assert_int_equal(romfs_mpy_parse_bytes("1234"), 1234);
    assert_int_equal(romfs_mpy_parse_bytes("4K"), 4096);
    assert_int_equal(romfs_mpy_parse_bytes("2MiB"), 2 << 20);
    assert_int_equal(romfs_mpy_parse_bytes("1G"), 1 << 30);
    assert_int_equal(romfs_mpy_parse_bytes("5kB"), 5 << 10);
    assert_int_equal(romfs_mpy_parse_bytes("lots"), -1);
    assert_int_equal(romfs_mpy_parse_bytes("-1"), -1);
    assert_int_equal(romfs_mpy_parse_bytes("12X"), -1);
    assert_int_equal(romfs_mpy_parse_bytes("99999999999999999999"), -1);
    assert_int_equal(romfs_mpy_parse_bytes(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip_and_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trim_lru, setup, teardown),
        cmocka_unit_test(test_no_directory),
        cmocka_unit_test(test_parse_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
