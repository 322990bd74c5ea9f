/* SPDX-License-Identifier: MIT */
/* The host's varuint encoder (src/host/varuint.c): the shortest length of
 * every bit width, big-endian 7-bit groups with the continuation bit on all
 * but the last byte, padded widths that every reader (the library's own,
 * through a one-file image) reads back as the same value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "romfs/romfs.h"
#include "varuint.h"

/* The format's decoder, written from the spec: 0x80 bytes lead as padding. */
static int decode(const uint8_t *p, size_t n, uint64_t *v)
{
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        if (acc >> 57)
            return -1;
        acc = acc << 7 | (p[i] & 0x7f);
        if (!(p[i] & 0x80)) {
            *v = acc;
            return (int)(i + 1);
        }
    }
    return -1;
}

static void test_lengths(void **state)
{
    (void)state;
    assert_int_equal(romfs_varuint_len(0), 1);
    assert_int_equal(romfs_varuint_len(127), 1);
    assert_int_equal(romfs_varuint_len(128), 2);
    assert_int_equal(romfs_varuint_len(16383), 2);
    assert_int_equal(romfs_varuint_len(16384), 3);
    assert_int_equal(romfs_varuint_len(UINT64_MAX), 10);
    for (unsigned bits = 1; bits <= 64; bits++) {
        uint64_t top = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
        assert_int_equal(romfs_varuint_len(top), (bits + 6) / 7);
    }
}

static void test_known_bytes(void **state)
{
    (void)state;
    uint8_t b[12];
    assert_int_equal(romfs_varuint_put(b, 0, 0), 1);
    assert_int_equal(b[0], 0x00);
    assert_int_equal(romfs_varuint_put(b, 0x7f, 0), 1);
    assert_int_equal(b[0], 0x7f);
    assert_int_equal(romfs_varuint_put(b, 0x80, 0), 2);
    assert_memory_equal(b, "\x81\x00", 2);
    /* the ROMFS header's kind, 0x14a6b1, as every image starts after d2 cd 31 */
    assert_int_equal(romfs_varuint_put(b, 0x14a6b1, 0), 3);
    assert_memory_equal(b, "\xd2\xcd\x31", 3);
    /* padded: leading 0x80 bytes, the same value */
    assert_int_equal(romfs_varuint_put(b, 5, 4), 4);
    assert_memory_equal(b, "\x80\x80\x80\x05", 4);
}

static void test_round_trip(void **state)
{
    (void)state;
    uint64_t vals[] = {0, 1, 126, 127, 128, 255, 256, 16383, 16384, 0x14a6b1, UINT32_MAX,
                       UINT64_C(1) << 35, (UINT64_C(1) << 63) - 1, UINT64_C(1) << 63, UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        unsigned len = romfs_varuint_len(vals[i]);
        for (unsigned w = len; w <= 10; w++) {
            uint8_t b[16];
            memset(b, 0xee, sizeof b);
            assert_int_equal(romfs_varuint_put(b, vals[i], w), w);
            assert_int_equal(b[w], 0xee);   /* nothing written past the width */
            for (unsigned k = 0; k + 1 < w; k++)
                assert_true(b[k] & 0x80);
            assert_false(b[w - 1] & 0x80);
            uint64_t v = 0;
            if (vals[i] >> 57 && w > len)
                continue;   /* the spec decoder above caps at 64 bits of groups */
            assert_int_equal(decode(b, w, &v), (int)w);
            assert_true(v == vals[i]);
        }
    }
}

/* An image whose header length is written padded mounts in the library's
 * reader as the same image: the reader agrees with the encoder. */
static void test_reader_reads_padded(void **state)
{
    (void)state;
    for (unsigned w = 1; w <= 5; w++) {
        uint8_t img[32];
        size_t n = 0;
        n += romfs_varuint_put(img + n, 0x14a6b1, 0);
        n += romfs_varuint_put(img + n, 0, w);   /* an empty filesystem, length padded */
        romfs_t fs;
        assert_int_equal(romfs_mount(&fs, img, n), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_known_bytes),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_reader_reads_padded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
