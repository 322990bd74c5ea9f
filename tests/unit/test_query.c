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
    romfs_board_query_sum_t sum;
    romfs_board_query_sum(q, &sum);
    assert_int_equal(sum.part_size, EMU_PART_SIZE);
    assert_int_equal(sum.image_size, MAIN_IMG_LEN);
    assert_int_equal(sum.unverified, 0);
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
    romfs_board_query_sum(q, &sum);
    assert_int_equal(sum.unverified, 1);
    emu_done(b, part);
    free(q);
}

/* The erase unit: a block device's blocks, else rom_ioctl(6)'s, else none. */
static void test_part_unit(void **state)
{
    (void)state;
    romfs_board_part_t p;
    memset(&p, 0, sizeof p);
    long long size = 7, count = 7;
    p.size = 131072;
    assert_int_equal(romfs_board_part_unit(&p, &size, &count), 0);
    assert_true(size == 0 && count == 0);
    p.erase = 4096;
    assert_int_equal(romfs_board_part_unit(&p, &size, &count), 1);
    assert_true(size == 4096 && count == 32);
    p.block_device = 1;
    p.block_size = 512;
    p.block_count = 200;
    assert_int_equal(romfs_board_part_unit(&p, &size, &count), 1);
    assert_true(size == 512 && count == 200);
    p.block_device = 0;
    p.size = 0;
    assert_int_equal(romfs_board_part_unit(&p, &size, &count), 1);
    assert_true(size == 4096 && count == 0);
    p.missing = 1;
    p.size = -22;
    assert_int_equal(romfs_board_part_unit(&p, &size, &count), 0);
    assert_true(size == 0 && count == 0);
}

/* The first partition present, the first image, the images not checked clean. */
static void test_query_sum(void **state)
{
    (void)state;
    romfs_board_query_t *q = calloc(1, sizeof *q);
    romfs_board_query_sum_t sum;
    romfs_board_query_sum(q, &sum);
    assert_true(sum.part_size == -1 && sum.image_size == -1 && sum.unverified == 0);
    q->n = 4;
    q->parts[0] = (romfs_board_part_t){.id = 0, .missing = 1, .size = -19, .isize = -1};
    q->parts[1] = (romfs_board_part_t){.id = 1, .size = 8192, .isize = -1, .image_len = -1};
    q->parts[2] = (romfs_board_part_t){.id = 2, .size = 65536, .isize = 100, .image_len = 104, .verified = 1};
    q->parts[3] = (romfs_board_part_t){.id = 3, .size = 4096, .isize = 10, .image_len = 13, .verified = -1};
    romfs_board_query_sum(q, &sum);
    assert_int_equal(sum.part_size, 8192);
    assert_int_equal(sum.image_size, 104);
    assert_int_equal(sum.unverified, 1);
    q->parts[2].check.problems[ROMFS_CHECK_FAIL] = 2;
    romfs_board_query_sum(q, &sum);
    assert_int_equal(sum.unverified, 2);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_query_emulated), cmocka_unit_test(test_part_unit),
                                       cmocka_unit_test(test_query_sum)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
