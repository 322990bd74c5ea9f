/* SPDX-License-Identifier: MIT */
/* The parsers of a board's answers while its image is read
 * (src/board/image_parse.c): the declared length of a header, the "C crc
 * base64" chunk lines and the probe line. Every hostile answer (bad CRC,
 * too many or too few bytes, bad base64, out-of-range numbers, stray
 * text) is refused; nothing is written past the buffer asked for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "board_int.h"
#include "romfs/romfs_codec.h"

static void test_declared_len(void **state)
{
    (void)state;
    assert_int_equal(boardimg_declared_len((const uint8_t *)"\xd2\xcd\x31\x05", 4), 4 + 5);
    assert_int_equal(boardimg_declared_len((const uint8_t *)"\xd2\xcd\x31\x81\x00", 5), 5 + 128);
    assert_int_equal(boardimg_declared_len((const uint8_t *)"\xd2\xcd\x31\x80\x80\x02", 6), 6 + 2);
    assert_int_equal(boardimg_declared_len((const uint8_t *)"\xd2\xcd\x31", 3), 0);        /* too short */
    assert_int_equal(boardimg_declared_len((const uint8_t *)"\xd2\xcd\x32\x05", 4), 0);    /* magic */
    assert_int_equal(boardimg_declared_len((const uint8_t *)"\xd2\xcd\x31\x81\x82", 5), 0); /* cut varuint */
    uint8_t endless[40];
    memcpy(endless, "\xd2\xcd\x31", 3);
    memset(endless + 3, 0x81, sizeof endless - 3);   /* never ends: stops at 12 bytes */
    assert_int_equal(boardimg_declared_len(endless, sizeof endless), 0);
    assert_int_equal(boardimg_declared_len(NULL, 0), 0);
}

/* "C <crc> <base64>\n" for bytes (crc -1: "-"). */
static size_t chunk(char *out, const uint8_t *b, size_t n, long long crc)
{
    char crcs[24];
    if (crc < 0)
        snprintf(crcs, sizeof crcs, "-");
    else
        snprintf(crcs, sizeof crcs, "%lld", crc);
    size_t k = (size_t)sprintf(out, "C %s ", crcs);
    k += romfs_b64_encode(b, n, out + k);
    out[k++] = '\n';
    out[k] = '\0';
    return k;
}

static void test_take_chunks(void **state)
{
    (void)state;
    uint8_t src[5000];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 7 + 3);
    char *text = malloc(16384);
    size_t k = 0;
    k += (size_t)sprintf(text, "noise before\r\n");
    k += chunk(text + k, src, 3000, (long long)crc32(0L, src, 3000));
    k += (size_t)sprintf(text + k, "other line\n");
    k += chunk(text + k, src + 3000, 2000, -1);
    uint8_t *dst = malloc(5001);
    dst[5000] = 0xab;
    assert_int_equal(boardimg_take_chunks(text, dst, 5000), 0);
    assert_memory_equal(dst, src, 5000);
    assert_int_equal(dst[5000], 0xab);
    /* fewer bytes than asked for, or more */
    assert_int_equal(boardimg_take_chunks(text, dst, 5001), ROMFS_ERR_CORRUPT);
    assert_int_equal(boardimg_take_chunks(text, dst, 4999), ROMFS_ERR_CORRUPT);
    assert_int_equal(dst[5000], 0xab);
    /* a wrong CRC */
    chunk(text, src, 100, (long long)(crc32(0L, src, 100) ^ 1));
    assert_int_equal(boardimg_take_chunks(text, dst, 100), ROMFS_ERR_CORRUPT);
    /* a CRC over 32 bits, a sign, no space, bad base64 */
    static const char *bad[] = {"C 4294967296 AAAA\n", "C +1 AAAA\n", "C 1AAAA\n", "C - AA*A\n", "C -  AAAA\n",
                                "C 99999999999999999999 AAAA\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(boardimg_take_chunks(bad[i], dst, 3), ROMFS_ERR_CORRUPT);
    assert_int_equal(boardimg_take_chunks("", dst, 0), 0);
    assert_int_equal(boardimg_take_chunks("", dst, 1), ROMFS_ERR_CORRUPT);
    free(text);
    free(dst);
}

static void test_parse_probe(void **state)
{
    (void)state;
    uint64_t size = 0;
    long long addr = 0, heap = 0;
    uint8_t head[30];
    size_t hlen = 99;
    char line[256], b64[64];
    b64[romfs_b64_encode((const uint8_t *)"\xd2\xcd\x31\x05hello", 9, b64)] = '\0';
    snprintf(line, sizeof line, "junk\nR OK 131072 268500992 %s 40000\r\n", b64);
    assert_int_equal(boardimg_parse_probe(line, &size, &addr, head, &hlen, &heap), 0);
    assert_int_equal(size, 131072);
    assert_int_equal(addr, 268500992);
    assert_int_equal(hlen, 9);
    assert_memory_equal(head, "\xd2\xcd\x31\x05hello", 9);
    assert_int_equal(heap, 40000);
    snprintf(line, sizeof line, "R OK 10 -1 %s", b64);   /* no address, no heap figure */
    assert_int_equal(boardimg_parse_probe(line, &size, &addr, head, &hlen, &heap), 0);
    assert_int_equal(addr, -1);
    assert_int_equal(heap, -1);
    assert_int_equal(boardimg_parse_probe("R NOPART -5\n", &size, &addr, head, &hlen, &heap), ROMFS_ERR_NOPART);

    char longb64[128];
    uint8_t big[40] = {0};
    longb64[romfs_b64_encode(big, sizeof big, longb64)] = '\0';   /* 56 characters: more than the 30 bytes of head */
    const char *fmt[] = {
        "R OK -1 0 %s\n",             /* negative size */
        "R OK 0 0 %s\n",              /* size 0 */
        "R OK 1099511627776 0 %s\n",  /* size over 2^40 */
        "R OK 10  0 %s\n",            /* two spaces */
        "R OK 10 0 %s x\n",           /* text after */
        "R OK 10 0 %s -7\n",          /* free heap must be -1 or more */
        "R OK 10 0x10 %s\n",          /* hex address */
        "R FAIL 10 0 %s\n",
        "R OK 10 0\n",
    };
    for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++) {
        snprintf(line, sizeof line, fmt[i], b64);
        assert_int_equal(boardimg_parse_probe(line, &size, &addr, head, &hlen, &heap), ROMFS_ERR_PROTOCOL);
    }
    snprintf(line, sizeof line, "R OK 10 0 %s\n", longb64);
    assert_int_equal(boardimg_parse_probe(line, &size, &addr, head, &hlen, &heap), ROMFS_ERR_PROTOCOL);
    assert_int_equal(boardimg_parse_probe("R OK 10 0 AA*A\n", &size, &addr, head, &hlen, &heap), ROMFS_ERR_PROTOCOL);
    assert_int_equal(boardimg_parse_probe(NULL, &size, &addr, head, &hlen, &heap), ROMFS_ERR_PROTOCOL);
    assert_int_equal(boardimg_parse_probe("Traceback\n", &size, &addr, head, &hlen, &heap), ROMFS_ERR_PROTOCOL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_declared_len),
        cmocka_unit_test(test_take_chunks),
        cmocka_unit_test(test_parse_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
