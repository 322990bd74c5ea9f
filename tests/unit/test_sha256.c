/* SPDX-License-Identifier: MIT */
/* The host library's SHA-256 (src/host/sha256.c): FIPS 180-2's vectors,
 * every split of a message into updates equal to the one-shot digest
 * (across the 55/56/64-byte padding boundaries), and long input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sha256.h"

static void hex_of(const char *msg, char out[65])
{
    romfs_sha256_hex((const uint8_t *)msg, strlen(msg), out);
}

static void test_fips_vectors(void **state)
{
    (void)state;
    char d[65];
    hex_of("", d);
    assert_string_equal(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_of("abc", d);
    assert_string_equal(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", d);
    assert_string_equal(d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", d);
    assert_string_equal(d, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
    (void)state;
    uint8_t block[1000];
    memset(block, 'a', sizeof block);
    romfs_sha256_t s;
    romfs_sha256_init(&s);
    for (int i = 0; i < 1000; i++)
        romfs_sha256_update(&s, block, sizeof block);
    char d[65];
    romfs_sha256_final(&s, d);
    assert_string_equal(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every length from 0 to 200 (all padding cases), every split point and
 * byte-at-a-time: the same digest as one call. */
static void test_splits_equal_one_shot(void **state)
{
    (void)state;
    uint8_t msg[200];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 131 + 7);
    for (size_t n = 0; n <= sizeof msg; n++) {
        char one[65], two[65], bytes[65];
        romfs_sha256_hex(msg, n, one);
        assert_int_equal(strlen(one), 64);
        assert_int_equal(strspn(one, "0123456789abcdef"), 64);
        for (size_t cut = 0; cut <= n; cut += (n < 80 ? 1 : 17)) {
            romfs_sha256_t s;
            romfs_sha256_init(&s);
            romfs_sha256_update(&s, msg, cut);
            romfs_sha256_update(&s, msg + cut, n - cut);
            romfs_sha256_final(&s, two);
            assert_string_equal(one, two);
        }
        romfs_sha256_t s;
        romfs_sha256_init(&s);
        for (size_t i = 0; i < n; i++)
            romfs_sha256_update(&s, msg + i, 1);
        romfs_sha256_update(&s, msg, 0);   /* an empty update changes nothing */
        romfs_sha256_final(&s, bytes);
        assert_string_equal(one, bytes);
    }
}

/* One bit of difference anywhere changes the digest. */
static void test_one_bit_differs(void **state)
{
    (void)state;
    uint8_t msg[100] = {0};
    char base[65], d[65];
    romfs_sha256_hex(msg, sizeof msg, base);
    for (size_t i = 0; i < sizeof msg; i += 9) {
        msg[i] ^= 0x10;
        romfs_sha256_hex(msg, sizeof msg, d);
        assert_string_not_equal(base, d);
        msg[i] ^= 0x10;
    }
    romfs_sha256_hex(msg, sizeof msg - 1, d);   /* a shorter message of the same bytes */
    assert_string_not_equal(base, d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_vectors),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_splits_equal_one_shot),
        cmocka_unit_test(test_one_bit_differs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
