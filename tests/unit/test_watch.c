/* SPDX-License-Identifier: MIT */
/*
 * The watch core (src/board/watch.c, romfs_board_deploy.h) against the
 * emulated board run as an exec: board: deploy, unchanged, an edit written
 * incrementally over the kept session, the module run and its traceback,
 * a build failure. Messages come back through the callback, never printed.
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

typedef struct wctx {
    log_t l;
    char out[4096];
    int opens;
} wctx_t;

static void w_message(void *ctx, int level, const char *line)
{
    on_message(&((wctx_t *)ctx)->l, level, line);
}

static void w_output(const char *data, size_t len, void *ctx)
{
    wctx_t *c = ctx;
    size_t n = strlen(c->out);
    snprintf(c->out + n, sizeof c->out - n, "%.*s", (int)len, data);
}

static int w_open(void *ctx, romfs_board_t **b, char *msg, size_t size)
{
    (void)msg, (void)size;
    ((wctx_t *)ctx)->opens++;
    *b = open_emu("w.bin", "");
    return 0;
}

static void test_watch_cycle(void **state)
{
    (void)state;
    if (!have_node_mp(1))
        skip();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/app", tmp);
    romfs_dirbuild_opts_t bo = {.mpy = 0};
    wctx_t c = {0};
    romfs_board_watch_opts_t o = {.src = dir, .build = &bo, .module = "main", .open = w_open,
                                  .message = w_message, .output = w_output, .ctx = &c};
    romfs_board_watch_t *w;
    assert_int_equal(romfs_board_watch_new(&w, &o), 0);
    assert_int_equal(romfs_board_watch_cycle(w), ROMFS_BOARD_WATCH_DEPLOYED);
    assert_int_equal(c.opens, 1);
    assert_non_null(strstr(c.l.text, "deployed: wrote"));
    assert_int_equal(romfs_board_watch_run(w, w_output, w_output, &c), 0);
    assert_non_null(strstr(c.out, "v1"));
    assert_int_equal(romfs_board_watch_ended(w, 0), 0);
    assert_non_null(strstr(c.l.text, "main finished; watching"));
    /* Nothing changed: no deploy. */
    assert_int_equal(romfs_board_watch_cycle(w), ROMFS_BOARD_WATCH_IDLE);
    assert_non_null(strstr(c.l.text, "image unchanged"));
    /* An edit: deployed over the kept session, which asks no block CRCs. */
    put("app/main.py", "print('v2')\n");
    romfs_board_watch_changed(w);
    assert_int_equal(romfs_board_watch_cycle(w), ROMFS_BOARD_WATCH_DEPLOYED);
    const romfs_board_watch_stats_t *st = romfs_board_watch_stats(w);
    assert_int_equal(st->last.res.crcs_asked, 0);
    assert_int_equal(st->last.res.base, ROMFS_SESSION_BASE_SESSION);
    assert_true(st->last.res.blocks_written >= 1 && st->last.res.verified);
    c.out[0] = 0;
    assert_int_equal(romfs_board_watch_run(w, w_output, w_output, &c), 0);
    assert_non_null(strstr(c.out, "v2"));
    assert_int_equal(c.opens, 1);   /* one connection throughout */
    /* A module that raises: 1, its traceback to the error callback. */
    put("app/main.py", "raise ValueError('boom')\n");
    assert_int_equal(romfs_board_watch_cycle(w), ROMFS_BOARD_WATCH_DEPLOYED);
    c.out[0] = 0;
    assert_int_equal(romfs_board_watch_run(w, w_output, w_output, &c), 1);
    assert_non_null(strstr(c.out, "ValueError: boom"));
    romfs_board_watch_free(w);
    assert_int_equal(c.l.errors, 0);
}

static void test_watch_build_fails(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/missing", tmp);
    romfs_dirbuild_opts_t bo = {.mpy = 0};
    wctx_t c = {0};
    romfs_board_watch_opts_t o = {.src = dir, .build = &bo, .open = w_open, .message = w_message, .ctx = &c};
    romfs_board_watch_t *w;
    assert_int_equal(romfs_board_watch_new(&w, &o), 0);
    assert_int_equal(romfs_board_watch_cycle(w), ROMFS_BOARD_WATCH_IDLE);
    assert_non_null(strstr(c.l.text, "build failed; the board keeps its image"));
    assert_int_equal(c.opens, 0);   /* no board needed to find that out (no compiling) */
    assert_null(romfs_board_watch_board(w));
    romfs_board_watch_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watch_cycle),
        cmocka_unit_test(test_watch_build_fails),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
