/* SPDX-License-Identifier: MIT */
/* The deploy probe (src/board/probe.c) on the emulated board: the
 * partition's size, block size and the board's decoders come back; a
 * partition that is not there is ROMFS_ERR_NOPART naming it;
 * romfs_board_holds tells the image on the board from any other, and
 * romfs_board_mpy gives the board's .mpy version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emuboard.h"

static void test_probe_emulated(void **state)
{
    (void)state;
    char part[128];
    romfs_board_t *b = emu_board(part, MAIN_IMG, MAIN_IMG_LEN);
    romfs_board_info_t info;
    assert_int_equal(romfs_board_probe(b, 0, &info), 0);
    assert_int_equal(info.part, 0);
    assert_int_equal(info.part_size, EMU_PART_SIZE);
    assert_true(info.block_size > 0);
    assert_true(info.has_crc);
    assert_true(info.has_b64);
    assert_false(info.read_only);

    assert_int_equal(romfs_board_holds(b, 0, "test", MAIN_IMG, MAIN_IMG_LEN), 1);
    uint8_t other[MAIN_IMG_LEN];
    memcpy(other, MAIN_IMG, MAIN_IMG_LEN);
    other[MAIN_IMG_LEN - 3] ^= 1;   /* one bit of main.py */
    assert_int_equal(romfs_board_holds(b, 0, "test", other, MAIN_IMG_LEN), 0);

    long long mpy = -5;
    assert_int_equal(romfs_board_mpy(b, &mpy), 0);
    assert_true(mpy == -1 || (mpy & 0xff) == 6);   /* the webassembly port: .mpy version 6, or none */

    assert_int_equal(romfs_board_probe(b, 7, &info), ROMFS_ERR_NOPART);
    assert_non_null(strstr(romfs_board_errmsg(b), "ROMFS7"));
    emu_done(b, part);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_probe_emulated)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
