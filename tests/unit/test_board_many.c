/* SPDX-License-Identifier: MIT */
/*
 * romfs_board_many (src/board/board_many.c) through the public header: the
 * list of boards (duplicates once, too many refused, none refused), one
 * thread per board within max_running, each board's own captured output,
 * status, time and result struct, progress on the calling thread, cancel;
 * a board's line of the many-boards JSON, its status line and the table;
 * and real boards: the emulated board, one that dies and one that is not
 * there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emuboard.h"
#include "sink.h"

typedef struct seen {
    atomic_int calls, running, most;
    int started, finished, last_done, cancel_after;
    romfs_board_many_t *m;
    int sleep_ms;
    size_t result_size;   /* each job's result (0: an int) */
} seen_t;

/* Says who it is on both streams; "bad*" boards fail with status 1. */
static int fake_fn(void *ctx, romfs_board_job_t *j)
{
    seen_t *s = ctx;
    atomic_fetch_add(&s->calls, 1);
    int now = atomic_fetch_add(&s->running, 1) + 1;
    int most = atomic_load(&s->most);
    while (now > most && !atomic_compare_exchange_weak(&s->most, &most, now))
        ;
    if (s->sleep_ms)
        usleep((useconds_t)s->sleep_ms * 1000);
    fprintf(j->out, "{\"dev\": \"%s\"}\n", j->dev);
    fprintf(j->err, "romfs: first\nromfs: last of %s\n", j->dev);
    *(int *)j->result = 10 * (j->index + 1);
    atomic_fetch_sub(&s->running, 1);
    return strncmp(j->dev, "bad", 3) == 0;
}

static void progress(void *ctx, const romfs_board_job_t *j, int event, int done, int total)
{
    seen_t *s = ctx;
    (void)j;
    assert_int_equal(total, romfs_board_many_count(s->m));
    if (event == ROMFS_BOARD_STARTED) {
        s->started++;
        return;
    }
    assert_int_equal(event, ROMFS_BOARD_FINISHED);
    assert_int_equal(done, s->last_done + 1);
    s->last_done = done;
    if (++s->finished == s->cancel_after)
        romfs_board_many_cancel(s->m);
}

static romfs_board_many_t *open_many(const char *const *devs, int n, seen_t *s, int max_running)
{
    romfs_board_many_opts_t o = {fake_fn, progress, s, max_running, s->result_size ? s->result_size : sizeof(int)};
    char msg[200] = "";
    assert_int_equal(romfs_board_many_open(&s->m, devs, n, &o, msg, sizeof msg), 0);
    assert_string_equal(msg, "");
    return s->m;
}

static void test_each_board_once(void **state)
{
    (void)state;
    static const char *const devs[] = {"one", "bad-two", "one", "three"};
    seen_t s;
    memset(&s, 0, sizeof s);
    romfs_board_many_t *m = open_many(devs, 4, &s, 0);
    assert_int_equal(romfs_board_many_count(m), 3);   /* "one" twice is one board */
    assert_null(romfs_board_many_job(m, 3));
    assert_null(romfs_board_many_job(m, -1));
    assert_int_equal(romfs_board_many_run(m), 1);
    assert_int_equal(atomic_load(&s.calls), 3);
    assert_int_equal(s.started, 3);
    assert_int_equal(s.finished, 3);
    static const char *const want[] = {"one", "bad-two", "three"};
    for (int i = 0; i < 3; i++) {
        romfs_board_job_t *j = romfs_board_many_job(m, i);
        char out[64], err[80];
        snprintf(out, sizeof out, "{\"dev\": \"%s\"}\n", want[i]);
        snprintf(err, sizeof err, "romfs: first\nromfs: last of %s\n", want[i]);
        assert_string_equal(j->dev, want[i]);
        assert_int_equal(j->index, i);
        assert_int_equal(j->status, i == 1);
        assert_string_equal(j->output, out);
        assert_int_equal(j->output_len, strlen(out));
        assert_string_equal(j->errors, err);
        assert_int_equal(*(int *)j->result, 10 * (i + 1));
        assert_null(j->out);   /* closed once read back */
        assert_true(j->seconds >= 0 && j->seconds < 60);
        assert_string_equal(j->msg, "");
        char why[80];
        romfs_board_job_error(j, "romfs: ", why, sizeof why);
        snprintf(err, sizeof err, "last of %s", want[i]);
        assert_string_equal(why, err);
    }
    romfs_board_many_free(m);
}

/* At most max_running boards at once, and more than one when allowed. */
static void test_max_running(void **state)
{
    (void)state;
    static const char *const devs[] = {"a", "b", "c", "d", "e", "f"};
    for (int max = 1; max <= 6; max += 5) {
        seen_t s;
        memset(&s, 0, sizeof s);
        s.sleep_ms = 150;
        romfs_board_many_t *m = open_many(devs, 6, &s, max == 6 ? 0 : max);
        assert_int_equal(romfs_board_many_run(m), 0);
        assert_int_equal(atomic_load(&s.calls), 6);
        if (max == 1)
            assert_int_equal(atomic_load(&s.most), 1);
        else
            assert_true(atomic_load(&s.most) > 1);
        assert_true(romfs_board_many_job(m, 5)->seconds >= 0.14);
        romfs_board_many_free(m);
    }
}

/* Canceled after the first board: the others never start. */
static void test_cancel(void **state)
{
    (void)state;
    static const char *const devs[] = {"a", "b", "c"};
    seen_t s;
    memset(&s, 0, sizeof s);
    s.cancel_after = 1;
    romfs_board_many_t *m = open_many(devs, 3, &s, 1);
    assert_int_equal(romfs_board_many_run(m), 2);
    assert_int_equal(atomic_load(&s.calls), 1);
    assert_int_equal(s.started, 1);
    assert_int_equal(s.finished, 3);
    assert_int_equal(romfs_board_many_job(m, 0)->status, 0);
    for (int i = 1; i < 3; i++) {
        romfs_board_job_t *j = romfs_board_many_job(m, i);
        assert_int_equal(j->status, ROMFS_ERR_CANCELED);
        assert_string_equal(j->msg, "canceled");
        assert_null(j->output);
        assert_int_equal(*(int *)j->result, 0);
    }
    romfs_board_many_free(m);
}

static void test_list_errors(void **state)
{
    (void)state;
    static char names[ROMFS_BOARD_MANY_MAX + 1][16];
    const char *devs[ROMFS_BOARD_MANY_MAX + 1];
    for (int i = 0; i <= ROMFS_BOARD_MANY_MAX; i++) {
        snprintf(names[i], sizeof names[i], "exec:b%d", i);
        devs[i] = names[i];
    }
    romfs_board_many_opts_t o = {fake_fn, NULL, NULL, 0, 0};
    romfs_board_many_t *m = (romfs_board_many_t *)&o;
    char msg[200];
    assert_int_equal(romfs_board_many_open(&m, devs, ROMFS_BOARD_MANY_MAX + 1, &o, msg, sizeof msg), ROMFS_ERR_INVAL);
    assert_null(m);
    assert_string_equal(msg, "at most 256 boards at once");
    assert_int_equal(romfs_board_many_open(&m, devs, ROMFS_BOARD_MANY_MAX, &o, msg, sizeof msg), 0);
    assert_int_equal(romfs_board_many_count(m), ROMFS_BOARD_MANY_MAX);
    assert_null(romfs_board_many_job(m, 0)->result);   /* result_size 0 */
    romfs_board_many_free(m);
    assert_int_equal(romfs_board_many_open(&m, devs, 0, &o, msg, sizeof msg), ROMFS_ERR_NOBOARD);
    assert_null(m);
    assert_string_equal(msg, "no MicroPython board found on any serial port (see 'romfs devs')");
    romfs_board_many_free(NULL);
}

/* Why a board failed, as one line: the last one it wrote to err. */
static void test_job_error(void **state)
{
    (void)state;
    romfs_board_job_t j;
    memset(&j, 0, sizeof j);
    char buf[32];
    romfs_board_job_error(&j, "romfs: ", buf, sizeof buf);
    assert_string_equal(buf, "failed with no message");
    char e1[] = "romfs: first\nromfs: last of x\r\n\n";
    j.errors = e1;
    j.errors_len = strlen(e1);
    romfs_board_job_error(&j, "romfs: ", buf, sizeof buf);
    assert_string_equal(buf, "last of x");
    romfs_board_job_error(&j, NULL, buf, sizeof buf);
    assert_string_equal(buf, "romfs: last of x");
    romfs_board_job_error(&j, "", buf, sizeof buf);
    assert_string_equal(buf, "romfs: last of x");
    char e2[] = "one\nromfs: ";   /* only the prefix: kept */
    j.errors = e2;
    j.errors_len = strlen(e2);
    romfs_board_job_error(&j, "romfs: ", buf, sizeof buf);
    assert_string_equal(buf, "romfs: ");
    char e3[] = "\x1b[31mred\tend\n";   /* a board's bytes: printable */
    j.errors = e3;
    j.errors_len = strlen(e3);
    romfs_board_job_error(&j, "romfs: ", buf, sizeof buf);
    assert_string_equal(buf, "?[31mred?end");
    char e4[] = "\n\r\n";
    j.errors = e4;
    j.errors_len = strlen(e4);
    romfs_board_job_error(&j, "romfs: ", buf, sizeof buf);
    assert_string_equal(buf, "failed with no message");
    char e5[] = "romfs: a line longer than the buffer it goes to\n";
    j.errors = e5;
    j.errors_len = strlen(e5);
    romfs_board_job_error(&j, "romfs: ", buf, 10);
    assert_string_equal(buf, "a line lo");
    snprintf(j.msg, sizeof j.msg, "cannot start a thread: x");   /* never ran: its msg */
    romfs_board_job_error(&j, "romfs: ", buf, sizeof buf);
    assert_string_equal(buf, "cannot start a thread: x");
}

/* A board's line of the many-boards JSON: its own object on one line as
 * its report, its error line, a board that never ran, output that is not
 * one object. */
static void test_job_json(void **state)
{
    (void)state;
    romfs_board_job_t j;
    memset(&j, 0, sizeof j);
    sink_t *k = calloc(1, sizeof *k);
    char out[] = "{\"device\": \"a\",\r\n  \"parts\": [\n]}\n \n";
    j.dev = "exec:echo \"x\"";
    j.seconds = 1.23456;
    j.output = out;
    assert_int_equal(romfs_board_job_json(&j, "query", "romfs: ", to_sink, k), 0);
    assert_string_equal(k->buf, "{\"device\":\"exec:echo \\\"x\\\"\",\"command\":\"query\",\"ok\":true,\"exit\":0,"
                                "\"seconds\":1.235,\"error\":null,\"report\":{\"device\": \"a\",    \"parts\": [ ]}}\n");
    char errs[] = "romfs: first\nromfs: /dev/x: \"gone\"\n";
    j.status = 1;
    j.errors = errs;
    j.errors_len = strlen(errs);
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_job_json(&j, "deploy", "romfs: ", to_sink, k), 0);
    assert_non_null(
        strstr(k->buf, "\"ok\":false,\"exit\":1,\"seconds\":1.235,\"error\":\"/dev/x: \\\"gone\\\"\",\"report\":{"));
    j.status = 2;   /* its status is its exit status */
    char text[] = "usage: ...\n";
    j.output = text;
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_job_json(&j, "deploy", "romfs: ", to_sink, k), 0);
    assert_non_null(strstr(k->buf, "\"exit\":2,"));
    assert_non_null(strstr(k->buf, ",\"report\":null}\n"));
    j.status = ROMFS_ERR_CANCELED;   /* never ran: failed, exit 1, its msg */
    snprintf(j.msg, sizeof j.msg, "canceled");
    j.output = NULL;
    j.seconds = 0;
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_job_json(&j, "query", NULL, to_sink, k), 0);
    assert_string_equal(k->buf, "{\"device\":\"exec:echo \\\"x\\\"\",\"command\":\"query\",\"ok\":false,\"exit\":1,"
                                "\"seconds\":0.000,\"error\":\"canceled\",\"report\":null}\n");
    /* the sink's error ends the writing, in the report too */
    j.status = 0;
    j.output = out;
    for (int at = 1; at < 12; at++) {
        memset(k, 0, sizeof *k);
        k->fail_at = at;
        assert_int_equal(romfs_board_job_json(&j, "query", NULL, to_sink, k), -5);
        assert_int_equal(k->calls, at);
    }
    free(k);
}

/* A run's human lines: each board's as it finishes, the table after it
 * (a long spec keeps its end, a long unique id is cut, "-" for what a
 * board did not report). */
static void test_many_text(void **state)
{
    (void)state;
    static const char *const devs[] = {"one", "bad-two", "exec:a very long command line that does not fit its column"};
    seen_t s;
    memset(&s, 0, sizeof s);
    s.result_size = sizeof(romfs_board_many_result_t);
    open_many(devs, 3, &s, 0);
    assert_int_equal(romfs_board_many_run(s.m), 1);
    for (int i = 0; i < 3; i++)
        romfs_board_many_job(s.m, i)->seconds = 1.5 + i;
    romfs_board_many_result_t *r0 = romfs_board_many_job(s.m, 0)->result, *r2 = romfs_board_many_job(s.m, 2)->result;
    *r0 = (romfs_board_many_result_t){.written = 3, .total = 16, .wire = 4100, .part_size = 65536, .image_size = 104,
                                      .parts = 1, .uid = "e6614c311b7e8f2a99"};
    *r2 = (romfs_board_many_result_t){.total = 16, .wire = 90, .part_size = 8192, .image_size = -1, .parts = 2};
    sink_t *k = calloc(1, sizeof *k);
    assert_int_equal(romfs_board_job_text(romfs_board_many_job(s.m, 0), "deploy", "romfs: ", 1, 3, to_sink, k), 0);
    assert_string_equal(k->buf, "[1/3] one: ok: wrote 3 of 16 blocks, 4100 bytes on the wire, 1.50s\n");
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_job_text(romfs_board_many_job(s.m, 1), "deploy", "romfs: ", 2, 3, to_sink, k), 0);
    assert_string_equal(k->buf, "[2/3] bad-two: FAILED: last of bad-two\n");
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_job_text(romfs_board_many_job(s.m, 2), "query", "romfs: ", 3, 3, to_sink, k), 0);
    assert_string_equal(k->buf, "[3/3] exec:a very long command line that does not fit its column: ok: 8192 bytes "
                                "in partition 0, image -1 bytes, 3.50s\n");
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_many_table(s.m, "deploy", to_sink, k), 0);
    assert_string_equal(k->buf,
        "\n"
        "board                                         unique id           blocks       bytes  seconds  result\n"
        "one                                           e6614c311b7e8f2a         3        4100     1.50  ok\n"
        "bad-two                                       -                        -           -     2.50  FAILED\n"
        "...command line that does not fit its column  -                        0          90     3.50  ok\n");
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_many_table(s.m, "query", to_sink, k), 0);
    assert_string_equal(k->buf,
        "\n"
        "board                                         unique id            parts       image  seconds  result\n"
        "one                                           e6614c311b7e8f2a         1         104     1.50  ok\n"
        "bad-two                                       -                        -           -     2.50  FAILED\n"
        "...command line that does not fit its column  -                        2           -     3.50  ok\n");
    /* the sink's error ends the writing */
    memset(k, 0, sizeof *k);
    k->fail_at = 2;
    assert_int_equal(romfs_board_many_table(s.m, "query", to_sink, k), -5);
    assert_int_equal(k->calls, 2);
    memset(k, 0, sizeof *k);
    k->fail_at = 1;
    assert_int_equal(romfs_board_job_text(romfs_board_many_job(s.m, 0), "query", NULL, 1, 3, to_sink, k), -5);
    assert_int_equal(k->calls, 1);
    free(k);
    romfs_board_many_free(s.m);
}

static void count_port(const char *port, const char *desc, void *ctx)
{
    (void)port;
    (void)desc;
    ++*(int *)ctx;
}

/* "all": every port the library lists (none here is fine), beside the rest. */
static void test_all(void **state)
{
    (void)state;
    int ports = 0;
    assert_true(romfs_board_list_ports(0, count_port, &ports) >= 0);
    static const char *const devs[] = {"all", "exec:x"};
    romfs_board_many_opts_t o = {fake_fn, NULL, NULL, 0, 0};
    romfs_board_many_t *m;
    char msg[200];
    assert_int_equal(romfs_board_many_open(&m, devs, 2, &o, msg, sizeof msg), 0);
    assert_int_equal(romfs_board_many_count(m), ports + 1);
    assert_string_equal(romfs_board_many_job(m, ports)->dev, "exec:x");
    romfs_board_many_free(m);
}

/* Real boards: each one's query, or its error line on its own stream. */
static int query_fn(void *ctx, romfs_board_job_t *j)
{
    (void)ctx;
    romfs_board_opts_t o = {.timeout_ms = 20000};
    romfs_board_t *b = NULL;
    int e = romfs_board_open(&b, j->dev, &o);
    romfs_board_query_t *q = malloc(sizeof *q);
    if (!e)
        e = romfs_board_query(b, 0, q);
    if (e)
        fprintf(j->err, "romfs: %s\n", romfs_board_errmsg(b));
    else
        *(int *)j->result = q->n;
    free(q);
    romfs_board_close(b);
    return e;
}

static void test_real_boards(void **state)
{
    (void)state;
    if (!have_node_mp(1))
        skip();
    char part[128], emu[512], dies[512];
    emu_partition(part, MAIN_IMG, MAIN_IMG_LEN);
    snprintf(emu, sizeof emu, "exec:exec node '%s/board/emulator.mjs' --partition '%s'", ROMFS_SOURCE_DIR, part);
    snprintf(dies, sizeof dies, "exec:sh '%s/fake-board.sh' dies", FAKES);
    const char *devs[] = {emu, dies, "/nonexistent/ttyROMFS"};
    romfs_board_many_opts_t o = {query_fn, NULL, NULL, 0, sizeof(int)};
    romfs_board_many_t *m;
    char msg[200];
    assert_int_equal(romfs_board_many_open(&m, devs, 3, &o, msg, sizeof msg), 0);
    assert_int_equal(romfs_board_many_run(m), 2);
    romfs_board_job_t *ok = romfs_board_many_job(m, 0), *bad = romfs_board_many_job(m, 1),
                      *gone = romfs_board_many_job(m, 2);
    assert_int_equal(ok->status, 0);
    assert_true(*(int *)ok->result >= 1);
    assert_null(ok->errors);
    assert_true(bad->status < 0);
    assert_non_null(bad->errors);
    assert_int_equal(gone->status, ROMFS_ERR_NOBOARD);
    assert_non_null(strstr(gone->errors, "/nonexistent/ttyROMFS: no such serial port"));
    romfs_board_many_free(m);
    emu_remove(part);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_board_once), cmocka_unit_test(test_max_running),
        cmocka_unit_test(test_cancel),          cmocka_unit_test(test_list_errors),
        cmocka_unit_test(test_all),             cmocka_unit_test(test_job_error),
        cmocka_unit_test(test_job_json),        cmocka_unit_test(test_many_text),
        cmocka_unit_test(test_real_boards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
