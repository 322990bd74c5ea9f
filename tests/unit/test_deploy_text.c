/* SPDX-License-Identifier: MIT */
/* A deploy told to people (src/board/deploy_text.c): the lines before and
 * after the transfer, and the progress bar, byte for byte. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buildtest.h"
#include "romfs/romfs_board_deploy.h"

static struct membuf m;

/* What the sink holds, as a string; emptied for the next call. */
static const char *got(void)
{
    return mem_take(&m);
}

static const char *text(const romfs_board_deploy_result_t *r)
{
    assert_int_equal(romfs_board_deploy_text(r, mem_write, &m), 0);
    return got();
}

static void test_written(void **state)
{
    (void)state;
    romfs_board_deploy_result_t r;
    memset(&r, 0, sizeof r);
    r.res.blocks_written = 2;
    r.res.blocks_total = 9;
    r.res.blocks_skipped = 7;
    r.res.seconds = 1.26;
    r.wire_bytes = 12345;
    r.res.layout = ROMFS_SESSION_LAYOUT_ASIS;   /* an image as it is: no layout line */
    assert_string_equal(text(&r), "wrote 2 of 9 blocks, skipped 7 unchanged (12345 bytes on the wire, 1.3s)\n");

    r.res.layout = ROMFS_SESSION_LAYOUT_STABLE;
    r.res.lst.files = 5;
    assert_string_equal(text(&r), "wrote 2 of 9 blocks, skipped 7 unchanged (12345 bytes on the wire, 1.3s)\n"
                                  "stable layout: fresh (5 files)\n");
    r.res.lst.compacted = 1;
    snprintf(r.res.note, sizeof r.res.note, "the cached base did not match the board");
    assert_string_equal(text(&r), "note: the cached base did not match the board\n"
                                  "wrote 2 of 9 blocks, skipped 7 unchanged (12345 bytes on the wire, 1.3s)\n"
                                  "stable layout: fresh (5 files, compacted)\n");
}

static void test_unchanged_with_base(void **state)
{
    (void)state;
    romfs_board_deploy_result_t r;
    memset(&r, 0, sizeof r);
    r.res.blocks_total = 4;
    r.res.blocks_skipped = 4;
    r.res.layout = ROMFS_SESSION_LAYOUT_STABLE;
    r.res.base = ROMFS_SESSION_BASE_CACHE;
    r.res.lst.used_base = 1;
    r.res.lst.kept = 3;
    r.res.lst.in_place = 1;
    r.res.lst.moved = 2;
    r.res.lst.added = 4;
    char want[300];
    snprintf(want, sizeof want,
             "image already on the board: wrote 0 of 4 blocks, skipped 4 unchanged\n"
             "stable layout: 3 files kept, 1 rewritten in place, 2 moved, 4 added (base: %s)\n",
             romfs_session_base_name(ROMFS_SESSION_BASE_CACHE));
    assert_string_equal(text(&r), want);
}

static void test_sizes(void **state)
{
    (void)state;
    romfs_board_deploy_result_t r;
    memset(&r, 0, sizeof r);
    r.info.part = 1;
    r.info.part_size = 10000;
    r.block_size = 4096;
    assert_int_equal(romfs_board_deploy_sizes_text(&r, 777, mem_write, &m), 0);
    assert_string_equal(got(), "Image size is 777 bytes\n"
                               "ROMFS1 partition has size 10000 bytes (3 blocks of 4096 bytes each)\n");
    r.block_size = 0;   /* none known: the partition is one block */
    assert_int_equal(romfs_board_deploy_sizes_text(&r, 777, mem_write, &m), 0);
    assert_string_equal(got(), "Image size is 777 bytes\n"
                               "ROMFS1 partition has size 10000 bytes (1 blocks of 10000 bytes each)\n");
}

/* A sink's error comes back, and nothing is written after it. */
static void test_sink_error(void **state)
{
    (void)state;
    romfs_board_deploy_result_t r;
    memset(&r, 0, sizeof r);
    m.fail_after = 10;
    assert_int_equal(romfs_board_deploy_text(&r, mem_write, &m), -ENOSPC);
    assert_int_equal(m.len, 0);
    got();
}

static void test_progress(void **state)
{
    (void)state;
    romfs_board_progress_t p = {.t0 = 100};
    char buf[160];
    assert_int_equal(romfs_board_progress_text(&p, 0, 4096, 100.0, buf, sizeof buf), 1);   /* the first bar */
    assert_string_equal(buf, "\r[                        ] 0 B / 4.0 KiB  0 B/s  ETA 0s ");
    assert_int_equal(romfs_board_progress_text(&p, 1024, 4096, 100.05, buf, sizeof buf), 0);   /* too soon */
    assert_int_equal(romfs_board_progress_text(&p, 1024, 4096, 101.0, buf, sizeof buf), 1);
    assert_string_equal(buf, "\r[######                  ] 1.0 KiB / 4.0 KiB  1.0 KiB/s  ETA 3s ");
    /* The end is drawn however soon it comes, and erases the bar. */
    assert_int_equal(romfs_board_progress_text(&p, 4096, 4096, 101.01, buf, sizeof buf), 1);
    assert_string_equal(buf, "\r[########################] 4.0 KiB / 4.0 KiB  4.0 KiB/s  ETA 0s \r\033[K");
    /* Megabytes; more done than the total (a lying count) stays a full bar. */
    p = (romfs_board_progress_t){.t0 = 0};
    assert_int_equal(romfs_board_progress_text(&p, 3 << 20, 2 << 20, 2.0, buf, sizeof buf), 1);
    assert_string_equal(buf, "\r[########################] 3.0 MiB / 2.0 MiB  1.5 MiB/s  ETA 0s \r\033[K");
    /* Cut to the buffer, still a string. */
    p = (romfs_board_progress_t){.t0 = 0};
    assert_int_equal(romfs_board_progress_text(&p, 1, 2, 1.0, buf, 8), 1);
    assert_string_equal(buf, "\r[#####");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_written),
        cmocka_unit_test(test_unchanged_with_base),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_sink_error),
        cmocka_unit_test(test_progress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
