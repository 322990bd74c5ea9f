/* SPDX-License-Identifier: MIT */
/*
 * romfs_board_deploy.h against the emulated board (board/emulator.mjs run
 * as an exec: board): a directory deployed and verified, nothing rewritten
 * the second time, a read-only partition refused before anything is
 * written, the re-check over a new connection when the board dies after
 * the commit, and the watch core's cycle (deploy, unchanged, an edit
 * written incrementally over the kept session, the module run, a build
 * failure), and a result as `romfs deploy --json` writes it.
 * Messages come back through the callback, never printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emuboard.h"

static char tmp[256];

#define put(rel, text) emu_put(tmp, rel, text)
#define open_emu(part, flags) emu_open_in(tmp, part, flags, 20000)
#define on_message emu_on_message
typedef emu_log_t log_t;

static int reopen_plain(void *ctx, romfs_board_t **b)
{
    (void)ctx;
    *b = open_emu("p.bin", "");
    return 0;
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "%s/romfs-bd.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(tmp));
    char path[512];
    snprintf(path, sizeof path, "%s/app", tmp);
    assert_int_equal(mkdir(path, 0755), 0);
    put("app/main.py", "print('v1')\n");
    put("app/lib.py", "X = 1\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd);
}

static void test_deploy_dir(void **state)
{
    (void)state;
    if (!have_node_mp(1))
        skip();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/app", tmp);
    romfs_dirbuild_opts_t bo = {.mpy = 0};
    log_t l = {0};
    romfs_board_deploy_opts_t o = {.fallback_key = "unit", .build = &bo, .message = on_message, .ctx = &l};
    romfs_board_deploy_result_t r;
    romfs_board_t *b = open_emu("d.bin", "");
    int e = romfs_board_deploy_dir(&b, dir, &o, &r);
    if (e)
        fail_msg("deploy: %s", r.error);
    assert_int_equal(r.stage, ROMFS_BOARD_STAGE_DONE);
    assert_true(r.res.verified);
    assert_true(r.res.blocks_written > 0);
    assert_true(r.wire_bytes > 0);
    assert_non_null(r.build);
    assert_int_equal(r.res.layout, ROMFS_SESSION_LAYOUT_STABLE);
    assert_int_equal(r.res.lst.files, 2);
    romfs_board_deploy_result_free(&r);
    /* The same tree again: the board's CRCs say nothing differs. */
    assert_int_equal(romfs_board_deploy_dir(&b, dir, &o, &r), 0);
    assert_int_equal(r.res.blocks_written, 0);
    assert_int_equal(l.errors, 0);
    romfs_board_deploy_result_free(&r);
    /* An image as it is, too big for the partition: nothing written. */
    size_t big = 300000;
    uint8_t *img = calloc(1, big);
    assert_int_equal(romfs_board_deploy_image(&b, img, big, 0, &o, &r), ROMFS_ERR_NOSPC);
    assert_int_equal(r.stage, ROMFS_BOARD_STAGE_DEPLOY);
    assert_true(r.error[0] != 0);
    free(img);
    romfs_board_close(b);
}

static void test_read_only(void **state)
{
    (void)state;
    if (!have_node_mp(1))
        skip();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/app", tmp);
    romfs_dirbuild_opts_t bo = {.mpy = 0};
    romfs_board_deploy_opts_t o = {.build = &bo};
    romfs_board_deploy_result_t r;
    romfs_board_t *b = open_emu("ro.bin", "--read-only");
    assert_int_equal(romfs_board_deploy_dir(&b, dir, &o, &r), ROMFS_ERR_ROFS);
    assert_int_equal(r.stage, ROMFS_BOARD_STAGE_PROBE);
    assert_non_null(strstr(r.error, "nothing was changed"));
    assert_null(r.build);   /* refused before the build */
    romfs_board_close(b);
}

/* The board dies after K flash operations: for some K the link fails
 * after the commit, and the re-check over a new connection finds the
 * complete new image there: a success, said in a warning. */
static void test_recheck_after_commit(void **state)
{
    (void)state;
    if (!have_node_mp(1))
        skip();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/app", tmp);
    romfs_dirbuild_opts_t bo = {.mpy = 0};
    int rechecked = 0;
    for (int k = 1; k <= 12 && !rechecked; k++) {
        char flags[64];
        snprintf(flags, sizeof flags, "--die-after %d", k);
        log_t l = {0};
        romfs_board_deploy_opts_t o = {.build = &bo, .reopen = reopen_plain, .message = on_message, .ctx = &l};
        romfs_board_deploy_result_t r;
        romfs_board_t *b = open_emu("p.bin", flags);
        int e = romfs_board_deploy_dir(&b, dir, &o, &r);
        if (e == 0 && r.reconnected) {
            assert_null(b);   /* the dead link was closed */
            assert_true(r.res.verified);
            assert_non_null(strstr(l.text, "checked on reconnect: the partition holds the complete new image"));
            assert_int_equal(l.warns, 1);
            rechecked = 1;
        } else if (e < 0 && r.reconnected) {
            assert_non_null(strstr(r.error, "checked on reconnect"));
        }
        romfs_board_deploy_result_free(&r);
        romfs_board_close(b);
        char path[512];
        snprintf(path, sizeof path, "%s/p.bin", tmp);
        unlink(path);
    }
    assert_true(rechecked);
}

typedef struct jbuf {
    char text[2048];
    size_t len;
    int fail_after;   /* > 0: the write after this many fails */
} jbuf_t;

static int jwrite(void *ctx, const void *data, size_t len)
{
    jbuf_t *j = ctx;
    if (j->fail_after && --j->fail_after == 0)
        return -5;
    assert_true(j->len + len < sizeof j->text);
    memcpy(j->text + j->len, data, len);
    j->len += len;
    j->text[j->len] = 0;
    return 0;
}

/* The JSON of a stable-layout deploy, every figure in its place and the
 * board's own strings escaped; a write error stops it and is returned. */
static void test_deploy_json(void **state)
{
    (void)state;
    romfs_board_deploy_result_t r = {.block_size = 4096, .wire_bytes = 777};
    snprintf(r.board, sizeof r.board, "exec:b\"1");
    r.info.part = 1;
    r.info.part_size = 65536;
    snprintf(r.info.uid, sizeof r.info.uid, "e66138");
    r.res = (romfs_session_result_t){.image_len = 9000, .layout = ROMFS_SESSION_LAYOUT_STABLE,
                                     .base = ROMFS_SESSION_BASE_SESSION, .blocks_total = 3, .blocks_written = 1,
                                     .blocks_skipped = 2, .bytes_programmed = 4096, .erase_ops = 1, .write_ops = 2,
                                     .bytes_read = 12, .crcs_asked = 0, .verified = 1, .seconds = 0.25};
    r.res.lst = (romfs_layout_stats_t){.files = 4, .kept = 3, .added = 1, .waste = 10};
    snprintf(r.res.note, sizeof r.res.note, "tab\there");
    jbuf_t j = {0};
    assert_int_equal(romfs_board_deploy_json(&r, jwrite, &j), 0);
    assert_string_equal(j.text,
                        "{\"device\":\"exec:b\\\"1\",\"partition\":1,\"partition_size\":65536,\"block_size\":4096,"
                        "\"image_size\":9000,\"layout\":\"stable\",\"base\":\"session\",\"blocks_total\":3,"
                        "\"blocks_written\":1,\"blocks_skipped\":2,\"bytes_programmed\":4096,\"wire_bytes\":777,"
                        "\"erase_ops\":1,\"write_ops\":2,\"board_bytes_read\":12,\"crcs_asked\":0,\"verified\":true,"
                        "\"seconds\":0.250,\"unique_id\":\"e66138\",\"files\":4,\"files_kept\":3,"
                        "\"files_in_place\":0,\"files_moved\":0,\"files_added\":1,\"compacted\":false,\"waste\":10,"
                        "\"note\":\"tab\\u0009here\"}\n");
    jbuf_t k = {.fail_after = 2};
    assert_int_equal(romfs_board_deploy_json(&r, jwrite, &k), -5);
    assert_int_equal(k.len, strlen("{\"device\":"));   /* nothing after the failed write */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deploy_dir),
        cmocka_unit_test(test_deploy_json),
        cmocka_unit_test(test_read_only),
        cmocka_unit_test(test_recheck_after_commit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
