/* SPDX-License-Identifier: MIT */
/* romfs_board_query (src/board/query.c) on the emulated board: partition 0
 * with the image's header, length, the board's SHA-256 of it, mountable;
 * with verify the image read back passes romfs_check; a corrupt image in
 * the partition is reported, not fatal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emuboard.h"
#include "sha256.h"

static void test_query_emulated(void **state)
{
    (void)state;
    char part[128];
    romfs_board_t *b = emu_board(part, MAIN_IMG, MAIN_IMG_LEN);
    romfs_board_query_t *q = malloc(sizeof *q);
    assert_int_equal(romfs_board_query(b, 1, q), 0);
    assert_true(q->romfs);
    assert_true(q->n >= 1);
    romfs_board_part_t *p = &q->parts[0];
    assert_false(p->missing);
    assert_int_equal(p->size, EMU_PART_SIZE);
    assert_int_equal(p->image_len, MAIN_IMG_LEN);
    assert_true(p->fits);
    assert_int_equal(p->mountable, 1);
    assert_memory_equal(p->head, MAIN_IMG, p->head_len < 12 ? (size_t)p->head_len : 12);
    if (p->sha256[0]) {
        char want[65];
        romfs_sha256_hex(MAIN_IMG, MAIN_IMG_LEN, want);
        assert_string_equal(p->sha256, want);
    }
    assert_int_equal(p->verified, 1);
    assert_string_equal(p->first_problem, "");
    emu_done(b, part);

    /* a header that claims more than the partition: reported, not fatal */
    uint8_t bad[MAIN_IMG_LEN];
    memcpy(bad, MAIN_IMG, MAIN_IMG_LEN);
    bad[3] = 0xff;   /* length varuint 0x7f21 ... bytes: far beyond the 38 */
    bad[4] = 0xff;
    bad[5] = 0x7f;
    b = emu_board(part, bad, MAIN_IMG_LEN);
    assert_int_equal(romfs_board_query(b, 1, q), 0);
    p = &q->parts[0];
    assert_true(p->image_len > EMU_PART_SIZE);
    assert_false(p->fits);
    assert_int_not_equal(p->verified, 1);
    emu_done(b, part);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_query_emulated)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
