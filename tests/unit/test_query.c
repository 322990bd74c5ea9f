/* SPDX-License-Identifier: MIT */
/* romfs_board_query (src/board/query.c) on the emulated board: partition 0
 * with the image's header, length, the board's SHA-256 of it, mountable;
 * with verify the image read back passes romfs_check; a corrupt image in
 * the partition is reported, not fatal. Without a board: the erase unit,
 * the summary, and `romfs query`'s text and `--json` object of every
 * kind of partition, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emuboard.h"
#include "sink.h"
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
    sink_t *k = calloc(1, sizeof *k);
    assert_int_equal(romfs_board_query_json(q, romfs_board_describe(b), to_sink, k), 0);
    assert_non_null(strstr(k->buf, "\"romfs\": true, \"partitions\": [\n  {\"id\": 0, \"size\": "));
    assert_non_null(strstr(k->buf, "\"check\": {\"valid\": true, \"problems\": 0, "));
    free(k);
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

/* The first partition present, the first image, the images not checked
 * clean; a many-boards run's result. */
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
    /* the same facts for a many-boards run's lines; the deploy's untouched */
    romfs_board_many_result_t r = {.written = 7, .uid = "ab"};
    romfs_board_query_result(q, &r);
    assert_true(r.part_size == 8192 && r.image_size == 104 && r.parts == 4);
    assert_true(r.written == 7 && r.total == 0 && strcmp(r.uid, "ab") == 0);
    free(q);
}

/* Four partitions, one of each kind: missing; erased, on a block device
 * (with an erase block too: the block device's blocks are its unit); a
 * valid image, verified; an image too big for its partition, no block
 * device and no erase block, verified with problems. */
static void four_parts(romfs_board_query_t *q)
{
    q->romfs = 1;
    q->n = 4;
    q->parts[0] = (romfs_board_part_t){.id = 0, .missing = 1, .size = -19};
    q->parts[1] = (romfs_board_part_t){.id = 1, .size = 8192, .block_device = 1, .block_size = 512,
                                       .block_count = 16, .erase = 4096, .head = {0xff, 0xff}, .head_len = 2,
                                       .isize = -1, .image_len = -1};
    q->parts[2] = (romfs_board_part_t){.id = 2, .size = 65536, .erase = 4096, .head = {0xd2, 0xcd, 0x31},
                                       .head_len = 3, .isize = 100, .image_len = 104, .fits = 1, .mountable = 1,
                                       .sha256 = "ab01", .verified = 1};
    q->parts[2].check.files = 3;
    q->parts[2].check.dirs = 1;
    q->parts[2].check.bytes = 77;
    q->parts[3] = (romfs_board_part_t){.id = 3, .size = 4096, .isize = 9000, .image_len = 9004, .mountable = 2,
                                       .verified = 1, .first_problem = "offset 0x4: \"bad\""};
    q->parts[3].check.problems[ROMFS_CHECK_FAIL] = 2;
}

/* `romfs query --json`'s object: every kind of partition, byte for byte. */
static void test_query_json(void **state)
{
    (void)state;
    romfs_board_query_t *q = calloc(1, sizeof *q);
    sink_t *k = calloc(1, sizeof *k);
    assert_int_equal(romfs_board_query_json(q, "dev", to_sink, k), 0);
    assert_string_equal(k->buf, "{\"device\": \"dev\", \"romfs\": false, \"partitions\": []}\n");
    four_parts(q);
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_query_json(q, "a\"b", to_sink, k), 0);
    assert_string_equal(k->buf,
        "{\"device\": \"a\\\"b\", \"romfs\": true, \"partitions\": [\n"
        "  {\"id\": 0, \"error\": -19},\n"
        "  {\"id\": 1, \"size\": 8192, \"block_device\": true, \"block_count\": 16, \"block_size\": 512, "
        "\"raw\": \"ff:ff\", \"valid_header\": false},\n"
        "  {\"id\": 2, \"size\": 65536, \"block_device\": false, \"block_count\": 16, \"block_size\": 4096, "
        "\"raw\": \"d2:cd:31\", \"valid_header\": true, \"payload_size\": 100, \"image_size\": 104, \"fits\": true, "
        "\"mountable\": true, \"sha256\": \"ab01\", \"check\": {\"valid\": true, \"problems\": 0, \"files\": 3, "
        "\"dirs\": 1}},\n"
        "  {\"id\": 3, \"size\": 4096, \"block_device\": false, \"raw\": \"\", \"valid_header\": true, "
        "\"payload_size\": 9000, \"image_size\": 9004, \"fits\": false, \"mountable\": null, \"check\": {\"valid\": "
        "false, \"problems\": 2, \"files\": 0, \"dirs\": 0, \"first_problem\": \"offset 0x4: \\\"bad\\\"\"}}\n"
        "]}\n");
    /* could not be read back; a mountable out of range is not claimed */
    q->parts[3].verified = -1;
    q->parts[3].mountable = 7;
    q->n = 4;
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_query_json(q, "d", to_sink, k), 0);
    assert_non_null(strstr(k->buf, "\"mountable\": null, \"check\": null}\n]}\n"));
    /* the sink's error ends the writing */
    memset(k, 0, sizeof *k);
    k->fail_at = 3;
    assert_int_equal(romfs_board_query_json(q, "d", to_sink, k), -5);
    assert_int_equal(k->calls, 3);
    free(k);
    free(q);
}

/* `romfs query`'s text: mpremote's lines and ours, for every kind of
 * partition, byte for byte. */
static void test_query_text(void **state)
{
    (void)state;
    romfs_board_query_t *q = calloc(1, sizeof *q);
    sink_t *k = calloc(1, sizeof *k);
    assert_int_equal(romfs_board_query_text(q, to_sink, k), 0);
    assert_string_equal(k->buf, "ROMFS is not enabled on this device\n");
    q->romfs = 1;
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_query_text(q, to_sink, k), 0);
    assert_string_equal(k->buf, "No ROMFS partitions available\n");
    four_parts(q);
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_query_text(q, to_sink, k), 0);
    assert_string_equal(k->buf,
        "ROMFS0 partition not found on device (rom_ioctl returned -19)\n"
        "ROMFS1 partition has size 8192 bytes (16 blocks of 512 bytes each)\n"
        "  Raw contents: ff:ff ...\n"
        "  Not a valid ROMFS\n"
        "  Erase block size: 4096 bytes (2 blocks)\n"
        "ROMFS2 partition has size 65536 bytes (16 blocks of 4096 bytes each)\n"
        "  Raw contents: d2:cd:31 ...\n"
        "  ROMFS image size: 100\n"
        "  Image with its header: 104 bytes\n"
        "  Erase block size: 4096 bytes (16 blocks)\n"
        "  Image fits the partition: yes\n"
        "  Board's VfsRom accepts it: yes\n"
        "  Image SHA-256: ab01\n"
        "  Image check: valid (3 files, 1 directories, 77 data bytes)\n"
        "ROMFS3 partition has size 4096 bytes (1 blocks of 4096 bytes each)\n"
        "  Raw contents:  ...\n"
        "  ROMFS image size: 9000\n"
        "  Image with its header: 9004 bytes\n"
        "  Image fits the partition: no\n"
        "  Board's VfsRom accepts it: not checked (the image does not fit the board's free memory)\n"
        "  Image check: 2 problem(s), first at offset 0x4: \"bad\"\n");
    /* not read back, refused by the board, its length unknown; a size
     * without any block: 0 blocks; a mountable out of range not claimed */
    q->n = 3;
    q->parts[2] = (romfs_board_part_t){.id = 2, .size = 0, .isize = 5, .image_len = -1, .verified = -1};
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_query_text(q, to_sink, k), 0);
    assert_non_null(strstr(k->buf, "ROMFS2"));
    assert_string_equal(strstr(k->buf, "ROMFS2"),
        "ROMFS2 partition has size 0 bytes (0 blocks of 0 bytes each)\n"
        "  Raw contents:  ...\n"
        "  ROMFS image size: 5\n"
        "  Image fits the partition: no\n"
        "  Board's VfsRom accepts it: no\n"
        "  Image check: could not read the image from the board\n");
    q->parts[2].mountable = 7;
    q->parts[2].verified = 0;
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_query_text(q, to_sink, k), 0);
    assert_non_null(strstr(k->buf, "  Board's VfsRom accepts it: not checked (the image does not fit the board's "
                                   "free memory)\n"));
    assert_null(strstr(k->buf, "Image check"));
    /* a board without ROMFS: its partitions (none should be) not shown */
    q->romfs = 0;
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_query_text(q, to_sink, k), 0);
    assert_string_equal(k->buf, "ROMFS is not enabled on this device\n");
    /* the sink's error ends the writing */
    q->romfs = 1;
    memset(k, 0, sizeof *k);
    k->fail_at = 3;
    assert_int_equal(romfs_board_query_text(q, to_sink, k), -5);
    assert_int_equal(k->calls, 3);
    free(k);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_query_emulated), cmocka_unit_test(test_part_unit),
                                       cmocka_unit_test(test_query_sum), cmocka_unit_test(test_query_json),
                                       cmocka_unit_test(test_query_text)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
