/* SPDX-License-Identifier: MIT */
/* The codecs deploy chunks and board answers travel in: round trips, the
 * exact encodings MicroPython decodes, and hostile text refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <zlib.h>

#include "romfs/romfs.h"
#include "romfs/romfs_codec.h"

static void test_hex(void **state)
{
    (void)state;
    const uint8_t in[] = {0x00, 0xd2, 0xcd, 0x31, 0xff};
    char text[16];
    uint8_t out[8];
    assert_int_equal(romfs_hex_encode(in, 5, text), 10);
    assert_memory_equal(text, "00d2cd31ff", 10);
    assert_int_equal(romfs_hex_decode("00D2cd31fF", 10, out, sizeof out), 5);
    assert_memory_equal(out, in, 5);
    assert_int_equal(romfs_hex_decode("abc", 3, out, sizeof out), ROMFS_ERR_INVAL);       /* odd */
    assert_int_equal(romfs_hex_decode("0g", 2, out, sizeof out), ROMFS_ERR_INVAL);        /* not hex */
    assert_int_equal(romfs_hex_decode("000000", 6, out, 2), ROMFS_ERR_INVAL);             /* too long */
}

static void test_base64(void **state)
{
    (void)state;
    char text[64];
    uint8_t out[64];
    assert_int_equal(romfs_b64_encode((const uint8_t *)"hello", 5, text), 8);
    assert_memory_equal(text, "aGVsbG8=", 8);
    /* MicroPython's b2a_base64 ends each piece with a line break and pads it. */
    const char *lines = "aGVsbG8=\nd29ybGQ=\n";
    assert_int_equal(romfs_b64_decode(lines, strlen(lines), out, sizeof out), 10);
    assert_memory_equal(out, "helloworld", 10);
    assert_int_equal(romfs_b64_decode("aGV", 3, out, sizeof out), ROMFS_ERR_INVAL);        /* a partial group */
    assert_int_equal(romfs_b64_decode("a===", 4, out, sizeof out), ROMFS_ERR_INVAL);       /* too much padding */
    assert_int_equal(romfs_b64_decode("aG=s", 4, out, sizeof out), ROMFS_ERR_INVAL);       /* data after '=' */
    assert_int_equal(romfs_b64_decode("aGVs*G8=", 8, out, sizeof out), ROMFS_ERR_INVAL);   /* not base64 */
    assert_int_equal(romfs_b64_decode("aGVsbG8=", 8, out, 4), ROMFS_ERR_INVAL);            /* over the cap */
    for (size_t n = 0; n < 40; n++) {
        uint8_t in[40];
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)(i * 37 + n);
        size_t t = romfs_b64_encode(in, n, text);
        assert_int_equal(t, ROMFS_B64_LEN(n));
        assert_int_equal(romfs_b64_decode(text, t, out, sizeof out), (long)n);
        assert_memory_equal(out, in, n);
    }
}

static void test_pylit(void **state)
{
    (void)state;
    char text[64];
    size_t n = romfs_pylit_encode((const uint8_t *)"a'\\\x00\x7f~", 6, text);
    assert_int_equal(n, 18);
    assert_memory_equal(text, "a\\x27\\x5c\\x00\\x7f~", n);
}

static void test_deflate(void **state)
{
    (void)state;
    uint8_t in[4096], z[4200], back[4096];
    memset(in, 'x', sizeof in);
    size_t n = romfs_deflate_raw(in, sizeof in, z, sizeof z);
    assert_true(n > 0 && n < 100);
    /* The window DeflateIO(..., RAW, 9) can read: 512 bytes. */
    z_stream s;
    memset(&s, 0, sizeof s);
    assert_int_equal(inflateInit2(&s, -9), Z_OK);
    s.next_in = z;
    s.avail_in = (uInt)n;
    s.next_out = back;
    s.avail_out = sizeof back;
    assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
    assert_int_equal(s.total_out, sizeof in);
    inflateEnd(&s);
    assert_memory_equal(back, in, sizeof in);
    /* Bytes that do not shrink are sent as they are. */
    for (size_t i = 0; i < 64; i++)
        in[i] = (uint8_t)(i * 151 + 7);
    assert_int_equal(romfs_deflate_raw(in, 16, z, sizeof z), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_pylit),
        cmocka_unit_test(test_deflate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
