/* SPDX-License-Identifier: MIT */
/*
 * The watch core (src/board/watch.c, romfs_board_deploy.h) against the
 * emulated board run as an exec: board: deploy, unchanged, an edit written
 * incrementally over the kept session, the module run and its traceback,
 * a build failure, the module run on the core's own thread
 * (romfs_board_watch_start: reaped when it ends, stopped by a change),
 * and the whole loop over a file watcher (romfs_board_watch_loop).
 * Messages come back through the callback, never printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

/* The core over tmp/app, running main, messages and output into c. */
static romfs_board_watch_t *watch_app(wctx_t *c)
{
    static char dir[512];
    static const romfs_dirbuild_opts_t bo = {.mpy = 0};
    snprintf(dir, sizeof dir, "%s/app", tmp);
    romfs_board_watch_opts_t o = {.src = dir, .build = &bo, .module = "main", .open = w_open,
                                  .message = w_message, .output = w_output, .ctx = c};
    romfs_board_watch_t *w;
    assert_int_equal(romfs_board_watch_new(&w, &o), 0);
    return w;
}

static void test_watch_cycle(void **state)
{
    (void)state;
    if (!have_node_mp(1))
        skip();
    wctx_t c = {0};
    romfs_board_watch_t *w = watch_app(&c);
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

/* Poll romfs_board_watch_reap until the started module is collected (at
 * most about 20 s): its answer. */
static int reap_wait(romfs_board_watch_t *w)
{
    for (int i = 0; i < 2000 && romfs_board_watch_running(w); i++) {
        int r = romfs_board_watch_reap(w);
        if (!romfs_board_watch_running(w))
            return r;
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    return -1;
}

/* The module on the core's thread: a module that ends is reaped (said
 * finished), one that never ends is stopped by the change (the board call
 * cancelled, the board Ctrl-C'd back to its prompt) and the next deploy
 * and run go over the same connection. */
static void test_watch_start(void **state)
{
    (void)state;
    if (!have_node_mp(1))
        skip();
    wctx_t c = {0};
    put("app/main.py", "print('v1')\n");
    romfs_board_watch_t *w = watch_app(&c);
    assert_int_equal(romfs_board_watch_running(w), 0);
    assert_int_equal(romfs_board_watch_reap(w), 0);   /* none started */
    assert_int_equal(romfs_board_watch_cycle(w), ROMFS_BOARD_WATCH_DEPLOYED);
    assert_int_equal(romfs_board_watch_start(w, w_output, w_output, &c), 0);
    assert_int_equal(reap_wait(w), 0);
    assert_non_null(strstr(c.out, "v1"));
    assert_non_null(strstr(c.l.text, "main finished; watching"));

    /* Busy for 2 s (the emulator takes a Ctrl-C between bytecodes). */
    put("app/main.py", "import time\nprint('up')\nt = time.ticks_ms()\n"
                       "while time.ticks_diff(time.ticks_ms(), t) < 2000:\n    pass\nprint('end')\n");
    romfs_board_watch_changed(w);
    assert_int_equal(romfs_board_watch_cycle(w), ROMFS_BOARD_WATCH_DEPLOYED);
    c.out[0] = 0;
    assert_int_equal(romfs_board_watch_start(w, w_output, w_output, &c), 0);
    for (int i = 0; i < 2000 && !strstr(c.out, "up"); i++)
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    assert_non_null(strstr(c.out, "up"));
    assert_int_equal(romfs_board_watch_reap(w), 0);   /* still running */
    assert_int_equal(romfs_board_watch_running(w), 1);
    romfs_board_watch_interrupt(w, 0);   /* a change: stop it */
    assert_int_equal(romfs_board_watch_running(w), 0);
    assert_null(strstr(c.out, "end"));   /* its output stopped there */

    put("app/main.py", "print('v3')\n");
    romfs_board_watch_changed(w);
    assert_int_equal(romfs_board_watch_cycle(w), ROMFS_BOARD_WATCH_DEPLOYED);
    c.out[0] = 0;
    assert_int_equal(romfs_board_watch_run(w, w_output, w_output, &c), 0);
    assert_non_null(strstr(c.out, "v3"));
    assert_int_equal(c.opens, 1);   /* the board came back to its prompt: no reopen */
    romfs_board_watch_free(w);
    assert_int_equal(c.l.errors, 0);
}

typedef struct lctx {
    wctx_t c;
    int deploys;
    volatile sig_atomic_t stop;
} lctx_t;

static void l_message(void *ctx, int level, const char *line)
{
    on_message(&((lctx_t *)ctx)->c.l, level, line);
}

/* The first deploy: an edit (the loop's next change); the second: stop. */
static void l_deployed(void *ctx, const romfs_board_watch_stats_t *st)
{
    lctx_t *l = ctx;
    assert_true(st->last.res.blocks_total > 0);
    if (++l->deploys == 1)
        put("app/main.py", "print('v9')\n");
    else
        l->stop = 1;
}

/* The loop: a deploy now ("watching"), the edit seen by the file watcher
 * and deployed ("change detected"), then the stop flag ends it (0). */
static void test_watch_loop(void **state)
{
    (void)state;
    if (!have_node_mp(1))
        skip();
    static char dir[512];
    snprintf(dir, sizeof dir, "%s/app", tmp);
    romfs_dirbuild_opts_t bo = {.mpy = 0};
    lctx_t l = {0};
    romfs_board_watch_opts_t o = {.src = dir, .build = &bo, .open = w_open, .message = l_message,
                                  .output = w_output, .ctx = &l, .deployed = l_deployed};
    romfs_dirwatch_opts_t fo = {.src = dir, .build = &bo, .debounce_ms = 50, .stop = &l.stop};
    romfs_board_watch_t *w;
    romfs_dirwatch_t *files;
    char msg[512];
    assert_int_equal(romfs_board_watch_new(&w, &o), 0);
    assert_int_equal(romfs_dirwatch_open(&files, &fo, msg, sizeof msg), 0);
    assert_int_equal(romfs_board_watch_loop(w, files, &l.stop, w_output, w_output, &l.c), 0);
    assert_int_equal(l.deploys, 2);
    assert_non_null(strstr(l.c.l.text, "watching"));
    assert_non_null(strstr(l.c.l.text, "change detected: deploying"));
    assert_int_equal(l.c.opens, 1);   /* one connection throughout (w_open counts into l.c, the first member) */
    romfs_dirwatch_close(files);
    romfs_board_watch_free(w);
    assert_int_equal(l.c.l.errors, 0);
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
        cmocka_unit_test(test_watch_start),
        cmocka_unit_test(test_watch_loop),
        cmocka_unit_test(test_watch_build_fails),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
