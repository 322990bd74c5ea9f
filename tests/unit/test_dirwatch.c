/* SPDX-License-Identifier: MIT */
/*
 * The source-tree watcher (src/host/dirwatch.c, romfs_dirwatch.h), on the
 * native watcher and the polling one: a change the build sees is one
 * change (debounced), a change to what the build leaves out (the default
 * excludes, the exclude patterns, .romfsignore's rules, reloaded when it
 * changes) is none, an unreadable .romfsignore is reported and the old
 * rules stay, the stop flag ends a wait, and a missing source is one line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "platform.h"
#include "romfs/romfs.h"
#include "romfs/romfs_dirwatch.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = rp_mkdtemp(NULL, "test_dirwatch-");
    return dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rp_remove_tree_at(RP_AT_CWD, dir);
    free(dir);
    return 0;
}

static void put(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

typedef struct errs {
    int n;
    char last[512];
} errs_t;

static void on_error(void *ctx, const char *line)
{
    errs_t *e = ctx;
    e->n++;
    snprintf(e->last, sizeof e->last, "%s", line);
}

/* Changes: a wait sees the change to a.py once (its writes debounced into
 * one), a swap file, an --exclude match and (after .romfsignore names it)
 * a log file are none; a stop ends the wait. */
static void watch_with(int force_poll)
{
    static const char *const excl[] = {"*.tmp"};
    romfs_dirbuild_opts_t b = {.excludes = excl, .nexcludes = 1};
    volatile sig_atomic_t stop = 0;
    errs_t errs = {0};
    romfs_dirwatch_opts_t o = {.src = dir, .build = &b, .debounce_ms = 100, .force_poll = force_poll,
                               .stop = &stop, .on_error = on_error, .ctx = &errs};
    romfs_dirwatch_t *w;
    char msg[512];
    put("a.py", "1\n");
    assert_int_equal(romfs_dirwatch_open(&w, &o, msg, sizeof msg), 0);
    if (force_poll)
        assert_string_equal(romfs_dirwatch_backend(w), "poll");
    assert_int_equal(romfs_dirwatch_wait(w, 300), 0);

    put("a.py", "2\n");
    put("a.py", "22\n");
    assert_int_equal(romfs_dirwatch_wait(w, 3000), 1);
    assert_int_equal(romfs_dirwatch_wait(w, 400), 0);   /* both writes were one change */

    put(".a.py.swp", "x");   /* the default excludes */
    put("b.tmp", "x");       /* the exclude pattern */
    assert_int_equal(romfs_dirwatch_wait(w, 600), 0);

    put(".romfsignore", "*.log\n");   /* new rules: a change itself */
    assert_int_equal(romfs_dirwatch_wait(w, 3000), 1);
    put("x.log", "x");
    assert_int_equal(romfs_dirwatch_wait(w, 600), 0);
    put("y.py", "x");
    assert_int_equal(romfs_dirwatch_wait(w, 3000), 1);
    assert_int_equal(errs.n, 0);

    stop = 1;
    assert_int_equal(romfs_dirwatch_wait(w, 100), -1);
    romfs_dirwatch_close(w);
}

static void test_watch_native(void **state)
{
    (void)state;
    watch_with(0);
}

static void test_watch_poll(void **state)
{
    (void)state;
    watch_with(1);
}

/* A .romfsignore that cannot be read (a directory by that name) after a
 * change: one line through on_error, the old rules stay. */
static void test_rules_unreadable(void **state)
{
    (void)state;
    errs_t errs = {0};
    romfs_dirwatch_opts_t o = {.src = dir, .debounce_ms = 50, .force_poll = 1, .on_error = on_error, .ctx = &errs};
    romfs_dirwatch_t *w;
    char msg[512];
    assert_int_equal(romfs_dirwatch_open(&w, &o, msg, sizeof msg), 0);
    char p[512];
    snprintf(p, sizeof p, "%s/.romfsignore", dir);
    assert_int_equal(rp_mkdir(p, 0755), 0);
    assert_int_equal(romfs_dirwatch_wait(w, 3000), 1);
    assert_true(errs.n >= 1);
    assert_non_null(strstr(errs.last, ".romfsignore"));
    put(".z.swp", "x");   /* the default rules still apply: no change */
    assert_int_equal(romfs_dirwatch_wait(w, 600), 0);
    romfs_dirwatch_close(w);
}

/* A source that is not there: one line naming it. */
static void test_missing_source(void **state)
{
    (void)state;
    char p[512], msg[600];
    snprintf(p, sizeof p, "%s/missing", dir);
    romfs_dirwatch_opts_t o = {.src = p};
    romfs_dirwatch_t *w = (romfs_dirwatch_t *)&o;
    assert_true(romfs_dirwatch_open(&w, &o, msg, sizeof msg) < 0);
    assert_null(w);
    assert_non_null(strstr(msg, p));
    assert_non_null(strstr(msg, "cannot watch"));
    romfs_dirwatch_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_watch_native, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_unreadable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_source, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
