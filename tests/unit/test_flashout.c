/* SPDX-License-Identifier: MIT */
/* Build's flash output options (src/host/flashout.c): every option value
 * and rule with its exact message, and the padded / encoded write of a
 * builder's image with its errors: the sink's own ones left to the sink. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "romfs/romfs.h"
#include "romfs/romfs_build.h"
#include "romfs/romfs_flashfmt.h"
#include "buildtest.h"
#include "testutil.h"

/* A sink that refuses every write with the error *ctx. */
static int refuse(void *ctx, const void *d, size_t n)
{
    (void)d, (void)n;
    return *(const int *)ctx;
}

/* One option value: its return, and its message when refused. */
static void set(romfs_flash_opts_t *o, int opt, const char *value, int want, const char *want_msg)
{
    char msg[300] = "stale";
    assert_int_equal(romfs_flash_opts_set(o, opt, value, msg, sizeof msg), want);
    assert_string_equal(msg, want_msg);
}

static void test_set_format(void **state)
{
    (void)state;
    romfs_flash_opts_t o = {0};
    set(&o, ROMFS_FLASH_OPT_FORMAT, "uf2", 0, "");
    assert_int_equal(o.format, ROMFS_FLASHFMT_UF2);
    set(&o, ROMFS_FLASH_OPT_FORMAT, "hex", 0, "");
    assert_int_equal(o.format, ROMFS_FLASHFMT_IHEX);
    set(&o, ROMFS_FLASH_OPT_FORMAT, "raw", 0, "");
    assert_int_equal(o.format, ROMFS_FLASHFMT_RAW);
    set(&o, ROMFS_FLASH_OPT_FORMAT, "ihex", 0, "");
    set(&o, ROMFS_FLASH_OPT_FORMAT, "zip", ROMFS_ERR_INVAL, "--format wants raw, uf2 or ihex, not 'zip'");
    assert_int_equal(o.format, ROMFS_FLASHFMT_IHEX);   /* a refused value changes nothing */
    set(&o, 99, "x", ROMFS_ERR_INVAL, "unknown flash output option 99");
    /* No buffer: the return alone. */
    assert_int_equal(romfs_flash_opts_set(&o, ROMFS_FLASH_OPT_FORMAT, "zip", NULL, 0), ROMFS_ERR_INVAL);
}

static void test_set_address_pad(void **state)
{
    (void)state;
    romfs_flash_opts_t o = {0};
    const char *addr_msg = "--address wants a flash address below 4 GiB, not '%s'";
    const char *bad[] = {"", "-1", "0x100000000", "12k", "0x", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char want[200];
        snprintf(want, sizeof want, addr_msg, bad[i]);
        set(&o, ROMFS_FLASH_OPT_ADDRESS, bad[i], ROMFS_ERR_INVAL, want);
        assert_int_equal(o.have_address, 0);
    }
    set(&o, ROMFS_FLASH_OPT_ADDRESS, "0", 0, "");
    assert_int_equal(o.have_address, 1);
    assert_int_equal(o.address, 0);
    set(&o, ROMFS_FLASH_OPT_ADDRESS, "0xffffffff", 0, "");
    assert_int_equal(o.address, 0xffffffffu);
    set(&o, ROMFS_FLASH_OPT_ADDRESS, "010", 0, "");   /* C's octal, as strtoull reads it */
    assert_int_equal(o.address, 8);

    set(&o, ROMFS_FLASH_OPT_PAD_TO, "0x100000000", 0, "");   /* 4 GiB itself */
    assert_int_equal(o.pad_to, 1ull << 32);
    set(&o, ROMFS_FLASH_OPT_PAD_TO, "4294967297", ROMFS_ERR_INVAL, "--pad-to wants a size up to 4 GiB, not '4294967297'");
    set(&o, ROMFS_FLASH_OPT_PAD_TO, "-5", ROMFS_ERR_INVAL, "--pad-to wants a size up to 4 GiB, not '-5'");
    assert_int_equal(o.pad_to, 1ull << 32);
    set(&o, ROMFS_FLASH_OPT_PAD_TO, "65536", 0, "");
    assert_int_equal(o.pad_to, 65536);
}

static void test_set_family(void **state)
{
    (void)state;
    romfs_flash_opts_t o = {0};
    set(&o, ROMFS_FLASH_OPT_FAMILY, "rp2040", 0, "");
    assert_int_equal(o.family, 0xe48bff56u);
    set(&o, ROMFS_FLASH_OPT_FAMILY, "0x12345678", 0, "");
    assert_int_equal(o.family, 0x12345678u);
    const char *want = "--family wants a UF2 family name (RP2040, RP2350_ARM_S, ESP32S3, NRF52840, STM32F4, ...) "
                       "or a non-zero number, not '%s'";
    char m[300];
    snprintf(m, sizeof m, want, "Z80");
    set(&o, ROMFS_FLASH_OPT_FAMILY, "Z80", ROMFS_ERR_INVAL, m);
    snprintf(m, sizeof m, want, "0");
    set(&o, ROMFS_FLASH_OPT_FAMILY, "0", ROMFS_ERR_INVAL, m);
}

static void check(const romfs_flash_opts_t *o, int want, const char *want_msg)
{
    char msg[200] = "stale";
    assert_int_equal(romfs_flash_opts_check(o, msg, sizeof msg), want);
    assert_string_equal(msg, want_msg);
}

static void test_check(void **state)
{
    (void)state;
    const char *needs = "--format uf2 needs --address (the partition's flash address) and --family";
    check(&(romfs_flash_opts_t){0}, 0, "");
    check(&(romfs_flash_opts_t){.format = ROMFS_FLASHFMT_IHEX, .address = 0x1234, .have_address = 1}, 0, "");
    check(&(romfs_flash_opts_t){.format = ROMFS_FLASHFMT_UF2, .family = 1}, ROMFS_ERR_INVAL, needs);
    check(&(romfs_flash_opts_t){.format = ROMFS_FLASHFMT_UF2, .have_address = 1}, ROMFS_ERR_INVAL, needs);
    check(&(romfs_flash_opts_t){.format = ROMFS_FLASHFMT_UF2, .have_address = 1, .address = 0x10000080, .family = 1},
          ROMFS_ERR_INVAL, "--address 0x10000080 is not a multiple of 256, as UF2 blocks need");
    check(&(romfs_flash_opts_t){.format = ROMFS_FLASHFMT_UF2, .have_address = 1, .address = 0x10000100, .family = 1},
          0, "");
    check(&(romfs_flash_opts_t){.family = 7}, ROMFS_ERR_INVAL, "--family is for --format uf2");
    check(&(romfs_flash_opts_t){.format = ROMFS_FLASHFMT_IHEX, .family = 7}, ROMFS_ERR_INVAL,
          "--family is for --format uf2");
}

static void test_ext_and_size(void **state)
{
    (void)state;
    assert_string_equal(romfs_flash_opts_ext(&(romfs_flash_opts_t){0}), ".romfs");
    assert_string_equal(romfs_flash_opts_ext(&(romfs_flash_opts_t){.format = ROMFS_FLASHFMT_UF2}), ".uf2");
    assert_string_equal(romfs_flash_opts_ext(&(romfs_flash_opts_t){.format = ROMFS_FLASHFMT_IHEX}), ".hex");
    /* The default output name: trailing '/'s dropped, never the name itself. */
    const struct { int format; const char *src, *want; } names[] = {
        {ROMFS_FLASHFMT_RAW, "app", "app.romfs"}, {ROMFS_FLASHFMT_UF2, "app//", "app.uf2"},
        {ROMFS_FLASHFMT_IHEX, "a/b/", "a/b.hex"}, {ROMFS_FLASHFMT_RAW, "/", "/.romfs"},
        {ROMFS_FLASHFMT_RAW, "//", "/.romfs"},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char *n = romfs_flash_opts_out_name(&(romfs_flash_opts_t){.format = names[i].format}, names[i].src);
        assert_non_null(n);
        assert_string_equal(n, names[i].want);
        free(n);
    }
    assert_int_equal(romfs_flash_opts_out_size(&(romfs_flash_opts_t){0}, 1000), 1000);
    assert_int_equal(romfs_flash_opts_out_size(&(romfs_flash_opts_t){.pad_to = 4096}, 1000), 4096);
    assert_int_equal(romfs_flash_opts_out_size(&(romfs_flash_opts_t){.pad_to = 512}, 1000), 1000);
    assert_int_equal(romfs_flash_opts_out_size(&(romfs_flash_opts_t){.format = ROMFS_FLASHFMT_UF2}, 1000), 4 * 512);
    romfs_flash_opts_t hex = {.format = ROMFS_FLASHFMT_IHEX, .pad_to = 4096};
    assert_int_equal(romfs_flash_opts_out_size(&hex, 100), romfs_flash_encoded_size(ROMFS_FLASHFMT_IHEX, 4096, 0));
}

/* A builder of a small image (two files, one of 300 bytes). */
static romfs_builder_t *small_builder(void)
{
    romfs_builder_t *b = romfs_builder_new(NULL);
    assert_non_null(b);
    static uint8_t big[300];
    memset(big, 0x5a, sizeof big);
    assert_int_equal(romfs_builder_add_file_mem(b, "a.txt", 5, "hello", 5), 0);
    assert_int_equal(romfs_builder_add_file_mem(b, "big.bin", 7, big, sizeof big), 0);
    return b;
}

/* The plain image of b, as romfs_builder_write streams it. */
static struct membuf plain(romfs_builder_t *b)
{
    struct membuf s = {0};
    assert_int_equal(romfs_builder_write(b, mem_write, &s), 0);
    return s;
}

static int write_image(const romfs_flash_opts_t *o, romfs_builder_t *b, struct membuf *s, char *msg, size_t cap)
{
    strcpy(msg, "stale");
    return romfs_flash_write_image(o, b, "out.img", mem_write, s, msg, cap);
}

static void test_write_formats(void **state)
{
    (void)state;
    romfs_builder_t *b = small_builder();
    struct membuf img = plain(b);
    char msg[300];
    struct membuf s = {0};
    assert_int_equal(write_image(&(romfs_flash_opts_t){0}, b, &s, msg, sizeof msg), 0);
    assert_string_equal(msg, "");
    assert_int_equal(s.len, img.len);
    assert_memory_equal(s.p, img.p, img.len);
    free(s.p);

    /* Padded as erased flash. */
    memset(&s, 0, sizeof s);
    assert_int_equal(write_image(&(romfs_flash_opts_t){.pad_to = 2048}, b, &s, msg, sizeof msg), 0);
    assert_int_equal(s.len, 2048);
    assert_memory_equal(s.p, img.p, img.len);
    for (size_t i = img.len; i < 2048; i++)
        assert_int_equal(s.p[i], 0xff);
    free(s.p);

    /* UF2 and Intel HEX decode back to the padded image at its address. */
    const romfs_flash_opts_t enc[] = {
        {.format = ROMFS_FLASHFMT_UF2, .have_address = 1, .address = 0x10040000, .family = 0xe48bff56, .pad_to = 1024},
        {.format = ROMFS_FLASHFMT_IHEX, .have_address = 1, .address = 0x8020000},
    };
    for (size_t k = 0; k < 2; k++) {
        memset(&s, 0, sizeof s);
        assert_int_equal(write_image(&enc[k], b, &s, msg, sizeof msg), 0);
        assert_int_equal(s.len, romfs_flash_opts_out_size(&enc[k], img.len));
        uint8_t *dec;
        romfs_flash_info_t info;
        assert_int_equal(romfs_flash_decode(s.p, s.len, enc[k].format, &dec, &info), 0);
        assert_int_equal(info.address, enc[k].address);
        assert_int_equal(info.family, enc[k].family);
        assert_true(info.size >= img.len);
        assert_memory_equal(dec, img.p, img.len);
        if (enc[k].pad_to)
            assert_int_equal(info.size, enc[k].pad_to);
        free(dec);
        free(s.p);
    }
    free(img.p);
    romfs_builder_free(b);
}

static void test_write_errors(void **state)
{
    (void)state;
    romfs_builder_t *b = small_builder();
    uint64_t size = romfs_builder_image_size(b);
    char msg[300], want[300];
    struct membuf s = {0};
    /* Larger than --pad-to: nothing written. */
    assert_int_equal(write_image(&(romfs_flash_opts_t){.pad_to = 64}, b, &s, msg, sizeof msg), ROMFS_ERR_NOSPC);
    snprintf(want, sizeof want, "out.img: the image is %llu bytes, more than --pad-to 64", (unsigned long long)size);
    assert_string_equal(msg, want);
    assert_int_equal(s.len, 0);
    /* Past the 4 GiB address space. */
    romfs_flash_opts_t top = {.format = ROMFS_FLASHFMT_IHEX, .have_address = 1, .address = 0xffffff00};
    assert_int_equal(write_image(&top, b, &s, msg, sizeof msg), ROMFS_ERR_INVAL);
    snprintf(want, sizeof want, "out.img: %llu bytes at 0xffffff00 run past the 4 GiB address space",
             (unsigned long long)size);
    assert_string_equal(msg, want);
    /* The sink's own errors, even one that looks like the library's:
     * returned as they are, the message left to the sink. */
    const romfs_flash_opts_t any[] = {{0}, {.pad_to = 4096}, {.format = ROMFS_FLASHFMT_IHEX}};
    const int errs[] = {-28, ROMFS_ERR_INVAL};
    for (size_t k = 0; k < 3; k++)
        for (size_t e = 0; e < 2; e++) {
            strcpy(msg, "stale");
            assert_int_equal(romfs_flash_write_image(&any[k], b, "out.img", refuse, (void *)&errs[e], msg, sizeof msg),
                             errs[e]);
            assert_string_equal(msg, "");
        }
    /* A short buffer is cut, not overrun; none at all is allowed. */
    assert_int_equal(romfs_flash_write_image(&(romfs_flash_opts_t){.pad_to = 64}, b, "out.img", mem_write, &s, msg, 8),
                     ROMFS_ERR_NOSPC);
    assert_string_equal(msg, "out.img");
    assert_int_equal(romfs_flash_write_image(&(romfs_flash_opts_t){.pad_to = 64}, b, "o", mem_write, &s, NULL, 0),
                     ROMFS_ERR_NOSPC);
    romfs_builder_free(b);
}

static long short_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    (void)ctx, (void)off, (void)buf, (void)len;
    return 0;   /* promised 10 bytes, gives none */
}

static void test_write_builder_error(void **state)
{
    (void)state;
    const romfs_flash_opts_t any[] = {{0}, {.pad_to = 4096}, {.format = ROMFS_FLASHFMT_UF2, .family = 1}};
    for (size_t k = 0; k < 3; k++) {
        romfs_builder_t *b = romfs_builder_new(NULL);
        assert_non_null(b);
        assert_int_equal(romfs_builder_add_file_cb(b, "gone.py", 7, 10, short_read, NULL), 0);
        char msg[300];
        struct membuf s = {0};
        int r = write_image(&any[k], b, &s, msg, sizeof msg);
        assert_true(r < 0);
        assert_true(*romfs_builder_errmsg(b));
        assert_string_equal(msg, romfs_builder_errmsg(b));
        assert_non_null(strstr(msg, "gone.py"));
        free(s.p);
        romfs_builder_free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_format),  cmocka_unit_test(test_set_address_pad), cmocka_unit_test(test_set_family),
        cmocka_unit_test(test_check),       cmocka_unit_test(test_ext_and_size),    cmocka_unit_test(test_write_formats),
        cmocka_unit_test(test_write_errors), cmocka_unit_test(test_write_builder_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
