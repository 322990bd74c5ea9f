/* SPDX-License-Identifier: MIT */
/* UF2 and Intel HEX (src/host/flashfmt.c): every golden image encodes to
 * blocks/records that follow the specifications field by field, decodes back
 * byte for byte, and every corruption is refused with its offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "romfs/romfs.h"
#include "romfs/romfs_flashfmt.h"
#include "testutil.h"

struct sink {
    uint8_t *p;
    size_t len, cap;
};

static int put(void *ctx, const void *d, size_t n)
{
    struct sink *s = ctx;
    if (n > s->cap - s->len) {
        s->cap = (s->len + n) * 2;
        s->p = realloc(s->p, s->cap);
        assert_non_null(s->p);
    }
    memcpy(s->p + s->len, d, n);
    s->len += n;
    return 0;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const char *const goldens[] = {"empty", "single", "doc_example", "binary_assets", "many_and_deep", "odd_total", "varuint_sizes"};
#define NGOLDENS (sizeof goldens / sizeof goldens[0])

static uint8_t *golden(size_t i, size_t *len)
{
    char rel[64];
    snprintf(rel, sizeof rel, "golden/%s.romfs", goldens[i]);
    return tu_read_file(tu_vector(rel), len);
}

static void test_family_ids(void **state)
{
    (void)state;
    /* utils/uf2families.json of the UF2 specification. */
    static const struct { const char *name; uint32_t id; } want[] = {
        {"RP2040", 0xe48bff56}, {"RP2350_ARM_S", 0xe48bff59}, {"RP2350_RISCV", 0xe48bff5a},
        {"ESP32S2", 0xbfdd4eee}, {"esp32-s3", 0xc47e5767}, {"NRF52840", 0xada52840},
        {"STM32F4", 0x57755a57}, {"stm32h7", 0x6db66082}, {"STM32WB", 0x70d16653},
        {"0x12345678", 0x12345678},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint32_t id = 0;
        assert_int_equal(romfs_uf2_family(want[i].name, &id), 0);
        assert_int_equal(id, want[i].id);
    }
    uint32_t id;
    assert_int_equal(romfs_uf2_family("PDP11", &id), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_uf2_family("0x1ffffffff", &id), ROMFS_ERR_NOENT);
    assert_string_equal(romfs_uf2_family_name(0xe48bff59), "RP2350_ARM_S");
}

/* Every block per the spec; the decoded bytes are the image, 0xFF after. */
static void test_uf2_golden(void **state)
{
    (void)state;
    for (size_t g = 0; g < NGOLDENS; g++) {
        size_t len;
        uint8_t *img = golden(g, &len);
        struct sink s = {0};
        const uint32_t addr = 0x10180000, fam = 0xe48bff56;
        assert_int_equal(romfs_uf2_write(img, len, addr, fam, put, &s), 0);
        size_t nb = (len + 255) / 256;
        assert_int_equal(s.len, nb * 512);
        for (size_t i = 0; i < nb; i++) {
            const uint8_t *b = s.p + i * 512;
            assert_int_equal(le32(b), 0x0A324655);
            assert_int_equal(le32(b + 4), 0x9E5D5157);
            assert_int_equal(le32(b + 8), 0x00002000);       /* family present */
            assert_int_equal(le32(b + 12), addr + i * 256);  /* target address */
            assert_int_equal(le32(b + 16), 256);             /* payload size */
            assert_int_equal(le32(b + 20), i);               /* block number */
            assert_int_equal(le32(b + 24), nb);              /* number of blocks */
            assert_int_equal(le32(b + 28), fam);
            assert_int_equal(le32(b + 508), 0x0AB16F30);
            size_t n = len - i * 256 < 256 ? len - i * 256 : 256;
            assert_memory_equal(b + 32, img + i * 256, n);
            for (size_t k = n; k < 256; k++)
                assert_int_equal(b[32 + k], 0xff);
            for (size_t k = 256; k < 476; k++)
                assert_int_equal(b[32 + k], 0);
        }
        if (len) {
            assert_int_equal(romfs_flashfmt_detect(s.p, s.len), ROMFS_FLASHFMT_UF2);
            uint8_t *out;
            romfs_flash_info_t info;
            assert_int_equal(romfs_flash_decode(s.p, s.len, ROMFS_FLASHFMT_UF2, &out, &info), 0);
            assert_int_equal(info.address, addr);
            assert_int_equal(info.family, fam);
            assert_int_equal(info.blocks, nb);
            assert_int_equal(info.size, nb * 256);
            assert_memory_equal(out, img, len);
            free(out);
        }
        free(s.p);
        free(img);
    }
}

static void expect_uf2_error(uint8_t *uf2, size_t len, size_t off, const char *what)
{
    uint8_t *out = NULL;
    romfs_flash_info_t info;
    assert_int_equal(romfs_flash_decode(uf2, len, ROMFS_FLASHFMT_UF2, &out, &info), ROMFS_ERR_IO);
    assert_null(out);
    assert_int_equal(info.err_offset, off);
    if (!strstr(info.err, what))
        fail_msg("error '%s' lacks '%s'", info.err, what);
}

static void test_uf2_corrupt(void **state)
{
    (void)state;
    uint8_t img[1000];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 7);
    struct sink s = {0};
    assert_int_equal(romfs_uf2_write(img, sizeof img, 0x1000, 0xada52840, put, &s), 0);
    assert_int_equal(s.len, 4 * 512);
    uint8_t *c = malloc(s.len);
    struct { size_t at; uint32_t v; size_t err_off; const char *what; } cases[] = {
        {512 + 0, 0x12345678, 512, "magic"},          {1024 + 508, 0, 1024, "magic"},
        {1024 + 20, 7, 1024, "numbered 7"},           {1536 + 24, 5, 1536, "says 5 blocks"},
        {512 + 28, 0xe48bff56, 512, "family"},        {512 + 8, 0, 512, "family"},
        {1024 + 12, 0x1300, 1024, "address 0x00001300, expected 0x00001200"},
        {512 + 16, 477, 512, "payload size 477"},     {0 + 8, 0x2001, 0, "not for main flash"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(c, s.p, s.len);
        c[cases[i].at] = (uint8_t)cases[i].v, c[cases[i].at + 1] = (uint8_t)(cases[i].v >> 8);
        c[cases[i].at + 2] = (uint8_t)(cases[i].v >> 16), c[cases[i].at + 3] = (uint8_t)(cases[i].v >> 24);
        expect_uf2_error(c, s.len, cases[i].err_off, cases[i].what);
    }
    memcpy(c, s.p, s.len);
    expect_uf2_error(c, s.len - 100, 1536, "not a multiple of 512");
    assert_int_equal(romfs_uf2_write(img, 10, 0x1001, 1, put, &s), ROMFS_ERR_INVAL); /* unaligned */
    assert_int_equal(romfs_uf2_write(img, 512, 0xffffff00, 1, put, &s), ROMFS_ERR_INVAL);
    free(c);
    free(s.p);
}

/* Each line: ':' count, address, type, data, checksum making the sum 0. */
static void check_hex_lines(const uint8_t *hex, size_t len, uint32_t addr, size_t datalen)
{
    size_t data = 0, ext = 0, eof = 0;
    const char *p = (const char *)hex, *end = p + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        assert_non_null(nl);
        assert_int_equal(*p, ':');
        size_t n = (size_t)(nl - p - 1) / 2;
        unsigned sum = 0, b[64];
        assert_true(n >= 5 && n < 64);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(sscanf(p + 1 + 2 * i, "%2x", &b[i]), 1);
            sum += b[i];
        }
        assert_int_equal(sum & 0xff, 0);
        assert_int_equal(b[0] + 5, n);
        if (b[3] == 0) {
            assert_true(b[0] <= 16);
            data += b[0];
        } else if (b[3] == 4) {
            assert_int_equal((b[4] << 8 | b[5]), (addr + data) >> 16); /* next data's upper half */
            ext++;
        } else {
            assert_int_equal(b[3], 1);
            assert_int_equal(nl + 1, end);
            eof++;
        }
        p = nl + 1;
    }
    assert_int_equal(data, datalen);
    assert_int_equal(eof, 1);
    assert_true(ext >= 1);
}

static void test_ihex_golden(void **state)
{
    (void)state;
    for (size_t g = 0; g < NGOLDENS; g++) {
        size_t len;
        uint8_t *img = golden(g, &len);
        const uint32_t addr = 0x0807fff8; /* crosses a 64 KiB boundary after 8 bytes */
        struct sink s = {0};
        assert_int_equal(romfs_ihex_write(img, len, addr, put, &s), 0);
        check_hex_lines(s.p, s.len, addr, len);
        assert_int_equal(romfs_flashfmt_detect(s.p, s.len), ROMFS_FLASHFMT_IHEX);
        uint8_t *out;
        romfs_flash_info_t info;
        assert_int_equal(romfs_flash_decode(s.p, s.len, ROMFS_FLASHFMT_IHEX, &out, &info), 0);
        assert_int_equal(info.size, len);
        if (len) {
            assert_int_equal(info.address, addr);
            assert_memory_equal(out, img, len);
        }
        free(out);
        free(s.p);
        free(img);
    }
}

static void expect_hex_error(const char *hex, const char *what)
{
    uint8_t *out = NULL;
    romfs_flash_info_t info;
    if (romfs_flash_decode((const uint8_t *)hex, strlen(hex), ROMFS_FLASHFMT_IHEX, &out, &info) != ROMFS_ERR_IO) {
        free(out);
        fail_msg("'%s' decoded", hex);
    }
    assert_null(out);
    if (!strstr(info.err, what))
        fail_msg("'%s': error '%s' lacks '%s'", hex, info.err, what);
}

static void test_ihex_corrupt(void **state)
{
    (void)state;
    expect_hex_error(":0100000041BF\n:00000001FF\n", "line 1: checksum 0xBF, expected 0xBE");
    expect_hex_error(":0100000041BE\n", "no end-of-file record");
    expect_hex_error(":0200000041BD\n:00000001FF\n", "the record says 2 data bytes");
    expect_hex_error(":01000000G1BE\n:00000001FF\n", "'G' is not a hex digit");
    expect_hex_error(":00000001FF\n:0100000041BE\n", "line 2: data after the end-of-file record");
    expect_hex_error(":0100000041BE\n:0100050041B9\n:00000001FF\n", "line 2: address 0x00000005, expected 0x00000001");
    expect_hex_error(":0100000641B8\n:00000001FF\n", "record type 06");
    expect_hex_error("0100000041BE\n", "not a record");
    /* Accepted: CRLF, blank lines, type 02 and 05 records. */
    const char *ok = ":020000021000EC\r\n\r\n:0100000041BE\r\n:0400000508000000EF\r\n:00000001FF\r\n";
    uint8_t *out;
    romfs_flash_info_t info;
    assert_int_equal(romfs_flash_decode((const uint8_t *)ok, strlen(ok), ROMFS_FLASHFMT_IHEX, &out, &info), 0);
    assert_int_equal(info.address, 0x10000);
    assert_int_equal(info.size, 1);
    assert_int_equal(out[0], 0x41);
    free(out);
}

/* romfs_flash_encoded_size is what romfs_flash_encode writes, byte for
 * byte: lengths around block and record sizes, addresses crossing 64 KiB
 * segments (one or several), unaligned HEX addresses. */
static void test_encoded_size(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 15, 16, 17, 255, 256, 257, 4096, 65536, 65537, 200000};
    static const uint32_t addrs[] = {0, 0x100, 0x0807ff00, 0x1000ff00};
    static const int fmts[] = {ROMFS_FLASHFMT_RAW, ROMFS_FLASHFMT_UF2, ROMFS_FLASHFMT_IHEX};
    uint8_t *data = calloc(1, 200000);
    assert_non_null(data);
    for (size_t f = 0; f < 3; f++)
        for (size_t l = 0; l < sizeof lens / sizeof *lens; l++)
            for (size_t a = 0; a < sizeof addrs / sizeof *addrs; a++) {
                struct sink s = {0};
                uint32_t at = addrs[a] + (fmts[f] == ROMFS_FLASHFMT_IHEX ? 3 : 0);
                assert_int_equal(romfs_flash_encode(fmts[f], data, lens[l], at, 0xe48bff56, put, &s), 0);
                if (romfs_flash_encoded_size(fmts[f], lens[l], at) != s.len)
                    fail_msg("format %d, %zu bytes at 0x%x: %zu written", fmts[f], lens[l], at, s.len);
                free(s.p);
            }
    free(data);
    /* Sizes past memory too: 100 full 64 KiB segments of HEX. */
    assert_int_equal(romfs_flash_encoded_size(ROMFS_FLASHFMT_IHEX, 100 * 65536ull, 0),
                     100 * (16 + 4096 * 12 + 131072ull) + 12);
}

/* romfs_flash_unwrap: a raw file stays, a UF2 file becomes its bytes, a
 * corrupt one is refused with its offset and left as it was. */
static void test_unwrap(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = golden(3, &len);
    assert_true(len > ROMFS_UF2_PAYLOAD);   /* two blocks at least */
    struct sink s = {0};
    assert_int_equal(romfs_uf2_write(img, len, 0x10000000, 0xe48bff56, put, &s), 0);
    romfs_flash_info_t info;
    uint8_t *raw = malloc(len);
    assert_non_null(raw);
    memcpy(raw, img, len);
    size_t raw_len = len;
    assert_int_equal(romfs_flash_unwrap(&raw, &raw_len, &info), 0);
    assert_int_equal(info.format, ROMFS_FLASHFMT_RAW);
    assert_int_equal(raw_len, len);
    assert_memory_equal(raw, img, len);
    free(raw);
    uint8_t *bad = malloc(s.len);
    assert_non_null(bad);
    memcpy(bad, s.p, s.len);
    bad[512] ^= 1;   /* the second block's magic */
    size_t bad_len = s.len;
    assert_int_equal(romfs_flash_unwrap(&bad, &bad_len, &info), ROMFS_ERR_IO);
    assert_int_equal(bad_len, s.len);
    assert_true(info.err_offset >= 512 && info.err_offset < 1024);
    free(bad);
    size_t ulen = s.len;
    assert_int_equal(romfs_flash_unwrap(&s.p, &ulen, &info), 0);
    assert_int_equal(info.format, ROMFS_FLASHFMT_UF2);
    assert_int_equal(ulen, (len + 255) / 256 * 256);   /* the last block's erased padding too */
    assert_memory_equal(s.p, img, len);
    free(s.p);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_family_ids),  cmocka_unit_test(test_uf2_golden), cmocka_unit_test(test_uf2_corrupt),
        cmocka_unit_test(test_ihex_golden), cmocka_unit_test(test_ihex_corrupt), cmocka_unit_test(test_encoded_size),
        cmocka_unit_test(test_unwrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
