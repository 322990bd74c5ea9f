/* SPDX-License-Identifier: MIT */
/*
 * romfs::board through its public header, against the fake boards of
 * tests/cli/board/ (fake-board.sh: framing faults; fake-answer.mjs: a raw
 * REPL that answers what it is told): errors come back as ROMFS_ERR_* codes
 * with one line in the handle, never printed; options, not the
 * environment, configure a handle; two boards work from two threads; a
 * call on one is canceled from another; a soft reset that ends the
 * session is told apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emuboard.h"

static void test_open_errors(void **state)
{
    (void)state;
    romfs_board_t *b = NULL;
    assert_int_equal(romfs_board_open(&b, "exec:", NULL), ROMFS_ERR_NOBOARD);
    assert_non_null(b);
    assert_string_equal(romfs_board_errmsg(b), "exec: needs a command (exec:COMMAND)");
    romfs_board_close(b);
    assert_int_equal(romfs_board_open(&b, "/nonexistent/ttyROMFS", NULL), ROMFS_ERR_NOBOARD);
    assert_non_null(strstr(romfs_board_errmsg(b), "/nonexistent/ttyROMFS: no such serial port"));
    romfs_board_close(b);
    romfs_board_opts_t o = {.encoding = "zip"};
    romfs_board_info_t info;
    assert_int_equal(romfs_board_open(&b, "exec:cat", &o), 0);
    assert_int_equal(romfs_board_probe(b, 0, &info), ROMFS_ERR_INVAL);
    assert_non_null(strstr(romfs_board_errmsg(b), "expected deflate, base64, hex or literal"));
    romfs_board_close(b);
    romfs_board_close(NULL);
    assert_string_equal(romfs_board_errmsg(NULL), "out of memory");
}

/* A board that never says OK: the handle's own timeout ends the wait. */
static void test_timeout_from_opts(void **state)
{
    (void)state;
    char spec[512];
    snprintf(spec, sizeof spec, "exec:FAKE_SLEEP=5 sh '%s/fake-board.sh' no-ok", FAKES);
    romfs_board_opts_t o = {.timeout_ms = 300};
    romfs_board_t *b = NULL;
    assert_int_equal(romfs_board_open(&b, spec, &o), 0);
    char *out = NULL;
    int r = romfs_board_exec(b, "print(1)", 8, &out, NULL, 0);
    assert_true(r == ROMFS_ERR_PROTOCOL || r == ROMFS_ERR_TIMEOUT);
    assert_string_not_equal(romfs_board_errmsg(b), "no error");
    assert_null(out);
    romfs_board_close(b);
}

/* A board process that dies mid-answer: ROMFS_ERR_CLOSED, saying how. */
static void test_board_dies(void **state)
{
    (void)state;
    char spec[512];
    snprintf(spec, sizeof spec, "exec:sh '%s/fake-board.sh' dies", FAKES);
    romfs_board_t *b = NULL;
    assert_int_equal(romfs_board_open(&b, spec, NULL), 0);
    assert_int_equal(romfs_board_exec(b, "x", 1, NULL, NULL, 2000), ROMFS_ERR_CLOSED);
    assert_non_null(strstr(romfs_board_errmsg(b), "exited with status 4"));
    assert_string_equal(romfs_strerror(ROMFS_ERR_CLOSED), "connection to the board was lost");
    romfs_board_close(b);
}

/* A board whose soft reset ends its process (the unix port): the reset
 * says so, alone or as romfs_board_run's; other losses do not. */
static void test_reset_ends_session(void **state)
{
    (void)state;
    char spec[512];
    snprintf(spec, sizeof spec, "exec:sh '%s/fake-board.sh' reset-exits", FAKES);
    romfs_board_t *b = NULL;
    assert_int_equal(romfs_board_open(&b, spec, NULL), 0);
    assert_false(romfs_board_reset_ended(b));
    char *boot = (char *)"x";
    assert_int_equal(romfs_board_soft_reset(b, &boot, NULL), ROMFS_ERR_CLOSED);
    assert_null(boot);
    assert_true(romfs_board_reset_ended(b));
    assert_non_null(strstr(romfs_board_errmsg(b), "soft reset ended the session ("));
    romfs_board_close(b);
    assert_int_equal(romfs_board_open(&b, spec, NULL), 0);
    char *err = NULL;
    assert_int_equal(romfs_board_run(b, "main", 1, NULL, NULL, &err, 5000), ROMFS_ERR_CLOSED);
    assert_true(romfs_board_reset_ended(b));
    assert_null(err);
    romfs_board_close(b);
    snprintf(spec, sizeof spec, "exec:sh '%s/fake-board.sh' dies", FAKES);
    assert_int_equal(romfs_board_open(&b, spec, NULL), 0);
    assert_int_equal(romfs_board_run(b, "main", 0, NULL, NULL, &err, 5000), ROMFS_ERR_CLOSED);
    assert_false(romfs_board_reset_ended(b));
    romfs_board_free(err);
    romfs_board_close(b);
    assert_false(romfs_board_reset_ended(NULL));
}

static void test_probe_answers(void **state)
{
    (void)state;
    if (!have_node())
        skip();
    romfs_board_t *b = open_fake("FAKE_KEYS=vfs FAKE_vfs='R NOROMFS'", 10000);
    romfs_board_info_t info;
    assert_int_equal(romfs_board_probe(b, 0, &info), ROMFS_ERR_NOROMFS);
    assert_string_equal(romfs_board_errmsg(b), "ROMFS is not enabled on this device");
    romfs_board_close(b);
    b = open_fake("FAKE_KEYS=vfs FAKE_vfs='R NOPART -19'", 10000);
    assert_int_equal(romfs_board_probe(b, 3, &info), ROMFS_ERR_NOPART);
    assert_string_equal(romfs_board_errmsg(b), "ROMFS3 partition not found on device");
    romfs_board_close(b);
    /* A read-only partition (rom_ioctl 6 and 5 fail, as on QEMU firmware):
     * refused by the probe itself, the partition named. */
    b = open_fake("FAKE_KEYS=vfs FAKE_vfs='R OK 262144 -22 - cbhvr 1426'", 10000);
    assert_int_equal(romfs_board_probe(b, 0, &info), ROMFS_ERR_ROFS);
    assert_true(info.read_only);
    assert_int_equal(info.part_size, 262144);
    assert_string_equal(romfs_board_errmsg(b),
                        "partition 0 is read-only on this board (rom_ioctl cannot erase or write it)");
    romfs_board_close(b);
    /* Flags out of their order are not understood. */
    b = open_fake("FAKE_KEYS=vfs FAKE_vfs='R OK 262144 -22 - rcbhv 1426'", 10000);
    assert_int_equal(romfs_board_probe(b, 0, &info), ROMFS_ERR_PROTOCOL);
    romfs_board_close(b);
    /* A probe line whose byte sum does not match: a protocol error. */
    b = open_fake("FAKE_KEYS=vfs FAKE_vfs='R OK 262144 4096 - ocdbhv 1'", 10000);
    assert_int_equal(romfs_board_probe(b, 0, &info), ROMFS_ERR_PROTOCOL);
    assert_non_null(strstr(romfs_board_errmsg(b), "unexpected answer to the probe"));
    /* The deploy operations refuse to run without a probe. */
    romfs_deploy_ops_t ops = romfs_board_deploy_ops(b);
    assert_non_null(ops.erase);
    assert_null(ops.block_crcs);
    assert_int_equal(ops.erase(ops.ctx, 0, 4096), ROMFS_ERR_INVAL);
    assert_string_equal(ops.errmsg(ops.ctx), "the board was not probed");
    romfs_board_close(b);
}

static void test_mpy_and_raise(void **state)
{
    (void)state;
    if (!have_node())
        skip();
    romfs_board_t *b = open_fake("FAKE_KEYS=_mpy FAKE__mpy='M 6'", 10000);
    long long v = 0;
    assert_int_equal(romfs_board_mpy(b, &v), 0);
    assert_int_equal(v, 6);
    romfs_board_close(b);
    b = open_fake("FAKE_KEYS=_mpy FAKE__mpy='M 99999999'", 10000);
    assert_int_equal(romfs_board_mpy(b, &v), ROMFS_ERR_PROTOCOL);
    assert_non_null(strstr(romfs_board_errmsg(b), "_mpy query"));
    romfs_board_close(b);
    /* A traceback: ROMFS_ERR_RAISED, its text handed back, its last line kept. */
    b = open_fake("FAKE_FRAME=raw FAKE_KEYS=boom FAKE_boom=x "
                  "FAKE_RAW='OK\\x04Traceback:\\x0d\\x0aOSError: [Errno 5] EIO\\x0d\\x0a\\x04>'", 10000);
    char *err = NULL;
    assert_int_equal(romfs_board_exec(b, "boom", 4, &err, NULL, 0), ROMFS_ERR_RAISED);
    assert_non_null(err);
    assert_non_null(strstr(err, "Traceback"));
    assert_string_equal(romfs_board_errmsg(b), "the board raised OSError: [Errno 5] EIO");
    romfs_board_free(err);
    romfs_board_close(b);
}

static void test_query(void **state)
{
    (void)state;
    if (!have_node())
        skip();
    romfs_board_t *b = open_fake("FAKE_KEYS=_romfs_q FAKE__romfs_q='N 2\\nE 0 -19\\n"
                                 "P 1 0 262144 0 0 4096 d2cd3180210500000000ffff 33 1 - 1'", 10000);
    romfs_board_query_t *q = malloc(sizeof *q);
    assert_int_equal(romfs_board_query(b, 0, q), 0);
    assert_true(q->romfs);
    assert_int_equal(q->n, 2);
    assert_true(q->parts[0].missing);
    assert_int_equal(q->parts[1].size, 262144);
    assert_int_equal(q->parts[1].erase, 4096);
    assert_int_equal(q->parts[1].isize, 33);
    assert_int_equal(q->parts[1].image_len, 38);
    assert_int_equal(q->parts[1].mountable, 1);
    assert_string_equal(q->parts[1].sha256, "");
    romfs_board_close(b);
    b = open_fake("FAKE_KEYS=_romfs_q FAKE__romfs_q='N 99'", 10000);
    assert_int_equal(romfs_board_query(b, 0, q), ROMFS_ERR_PROTOCOL);
    assert_non_null(strstr(romfs_board_errmsg(b), "unexpected answer from the board"));
    free(q);
    romfs_board_close(b);
}

static void test_run_module_names(void **state)
{
    (void)state;
    assert_true(romfs_board_module_name_ok("main"));
    assert_true(romfs_board_module_name_ok("pkg.sub_2"));
    assert_false(romfs_board_module_name_ok("a.1b"));    /* no component starts with a digit */
    assert_false(romfs_board_module_name_ok("1a"));
    assert_false(romfs_board_module_name_ok("a..b"));
    assert_false(romfs_board_module_name_ok("a')"));
    assert_false(romfs_board_module_name_ok(""));
    romfs_board_t *b = NULL;
    assert_int_equal(romfs_board_open(&b, "exec:cat", NULL), 0);
    assert_int_equal(romfs_board_run(b, "x'y", 0, NULL, NULL, NULL, 1000), ROMFS_ERR_INVAL);
    assert_non_null(strstr(romfs_board_errmsg(b), "is not a module name"));
    romfs_board_close(b);
}

/* Two boards, two threads, at once: each handle keeps its own answers and
 * messages (no state shared between handles). Every command raises, with
 * the board's own word in the traceback. */
struct worker {
    const char *word;
    int ok;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    char spec[1024];
    snprintf(spec, sizeof spec,
             "exec:FAKE_FRAME=raw FAKE_KEYS=ask FAKE_ask=x FAKE_RAW='OK\\x04E %s\\x0d\\x0a\\x04>' "
             "exec node '%s/fake-answer.mjs'", w->word, FAKES);
    romfs_board_t *b = NULL;
    w->ok = romfs_board_open(&b, spec, NULL) == 0;
    char want[64];
    snprintf(want, sizeof want, "the board raised E %s", w->word);
    for (int i = 0; w->ok && i < 20; i++) {
        char *out = NULL;
        w->ok = romfs_board_exec(b, "ask", 3, &out, NULL, 10000) == ROMFS_ERR_RAISED && out &&
                strstr(out, w->word) && strcmp(romfs_board_errmsg(b), want) == 0;
        romfs_board_free(out);
    }
    romfs_board_close(b);
    return NULL;
}

static void test_two_threads(void **state)
{
    (void)state;
    if (!have_node())
        skip();
    struct worker a = {"alpha", 0}, c = {"gamma", 0};
    pthread_t ta, tc;
    assert_int_equal(pthread_create(&ta, NULL, work, &a), 0);
    assert_int_equal(pthread_create(&tc, NULL, work, &c), 0);
    pthread_join(ta, NULL);
    pthread_join(tc, NULL);
    assert_true(a.ok);
    assert_true(c.ok);
}

/* romfs_board_cancel from another thread ends a call waiting for a program
 * that never ends, within its slice, not at the deadline; off again, the
 * handle waits as ever. */
struct runner {
    romfs_board_t *b;
    int rc;
    char seen[64];
};

static void on_out(const char *data, size_t len, void *ctx)
{
    struct runner *r = ctx;
    size_t have = strlen(r->seen);
    snprintf(r->seen + have, sizeof r->seen - have, "%.*s", (int)len, data);
}

static void *run_forever(void *arg)
{
    struct runner *r = arg;
    r->rc = romfs_board_exec_stream(r->b, "x", 1, on_out, r, NULL, NULL, 60000);
    return NULL;
}

static void test_cancel(void **state)
{
    (void)state;
    char spec[512];
    snprintf(spec, sizeof spec, "exec:sh '%s/fake-board.sh' runs", FAKES);
    struct runner r = {NULL, 0, ""};
    assert_int_equal(romfs_board_open(&r.b, spec, NULL), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_forever, &r), 0);
    struct timespec nap = {0, 500 * 1000000L};
    nanosleep(&nap, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    romfs_board_cancel(r.b, 1);
    pthread_join(t, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(r.rc, ROMFS_ERR_CANCELED);
    assert_non_null(strstr(r.seen, "running"));
    assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 5000);
    assert_string_equal(romfs_strerror(ROMFS_ERR_CANCELED), "canceled");
    romfs_board_cancel(r.b, 0);
    char *out = NULL;   /* off: a wait ends at its deadline again, not canceled */
    assert_int_equal(romfs_board_exec(r.b, "y", 1, &out, NULL, 300) == ROMFS_ERR_CANCELED, 0);
    romfs_board_free(out);
    romfs_board_close(r.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_errors),      cmocka_unit_test(test_timeout_from_opts),
        cmocka_unit_test(test_board_dies),       cmocka_unit_test(test_probe_answers),
        cmocka_unit_test(test_mpy_and_raise),    cmocka_unit_test(test_query),
        cmocka_unit_test(test_run_module_names), cmocka_unit_test(test_two_threads),
        cmocka_unit_test(test_cancel),           cmocka_unit_test(test_reset_ends_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
