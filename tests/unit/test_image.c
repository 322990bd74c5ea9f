/* SPDX-License-Identifier: MIT */
/* Reading a board's image (src/board/image.c) from the emulated board:
 * whole, byte for byte; on demand, only what a lookup needs (the image
 * mounts at once and main.py's bytes arrive when asked for); an erased
 * partition is ROMFS_ERR_NOROMFS-like, not garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emuboard.h"
#include "romfs/romfs.h"

static void test_read_whole(void **state)
{
    (void)state;
    char part[128];
    romfs_board_t *b = emu_board(part, MAIN_IMG, MAIN_IMG_LEN);
    romfs_board_image_t im;
    assert_int_equal(romfs_board_read_image(b, 0, &im), 0);
    assert_int_equal(im.len, MAIN_IMG_LEN);
    assert_memory_equal(im.data, MAIN_IMG, MAIN_IMG_LEN);
    assert_int_equal(im.part_size, EMU_PART_SIZE);
    assert_non_null(strstr(im.name, "ROMFS0"));
    romfs_board_image_free(&im);
    emu_done(b, part);
}

static void test_read_lazy(void **state)
{
    (void)state;
    char part[128];
    romfs_board_t *b = emu_board(part, MAIN_IMG, MAIN_IMG_LEN);
    romfs_board_image_t imbuf, *im = &imbuf;
    romfs_board_lazy_t *lz = NULL;
    assert_int_equal(romfs_board_image_open(b, 0, im, &lz), 0);
    assert_int_equal(im->len, MAIN_IMG_LEN);
    assert_int_equal(romfs_board_image_need(lz, "/main.py", 8, ROMFS_NEED_DATA), 0);
    romfs_t fs;
    assert_int_equal(romfs_mount(&fs, im->data, im->len), 0);
    romfs_info_t info;
    assert_int_equal(romfs_stat(&fs, "/main.py", &info), 0);
    assert_int_equal(info.size, 21);
    uint64_t img_bytes = 0, reply = 0;
    unsigned reads = 0;
    romfs_board_image_counts(lz, &img_bytes, &reply, &reads);
    assert_true(img_bytes >= MAIN_IMG_LEN && img_bytes <= 128);   /* pages of 64 bytes */
    assert_true(reads >= 1);
    /* a path that is not there is not an error here: the reader says so */
    assert_int_equal(romfs_board_image_need(lz, "/nosuch", 7, ROMFS_NEED_STAT), 0);
    assert_int_not_equal(romfs_stat(&fs, "/nosuch", &info), 0);
    romfs_board_image_close(lz, im);
    emu_done(b, part);
}

static void test_erased_partition(void **state)
{
    (void)state;
    char part[128];
    romfs_board_t *b = emu_board(part, (const uint8_t *)"", 0);
    romfs_board_image_t im;
    int r = romfs_board_read_image(b, 0, &im);
    assert_true(r < 0);
    assert_true(strlen(romfs_board_errmsg(b)) > 0);
    emu_done(b, part);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_whole),
        cmocka_unit_test(test_read_lazy),
        cmocka_unit_test(test_erased_partition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
