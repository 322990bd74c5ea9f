/* SPDX-License-Identifier: MIT */
/* exec: boards (src/board/exec.c): a shell command on pipes is a channel
 * (bytes written come back through `cat`), and when the process ends the
 * channel says closed and the status says how it ended (exit code or
 * signal); a command that does not run is an exit status, not a hang. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "chan.h"

/* Read until n bytes or the end/deadline; returns the count. */
static size_t read_all(chan_t *c, uint8_t *buf, size_t n, int *last)
{
    size_t got = 0;
    int64_t deadline = rp_monotonic_ms() + 10000;
    while (got < n) {
        int r = chan_read(c, buf + got, n - got, deadline);
        *last = r;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static void test_echo(void **state)
{
    (void)state;
    chan_t c;
    const char *err = NULL;
    assert_int_equal(chan_open_exec(&c, "cat", &err), 0);
    assert_true(c.proc.pid > 0);
    assert_int_equal(chan_write(&c, (const uint8_t *)"ping\n", 5, rp_monotonic_ms() + 5000), 0);
    uint8_t buf[8];
    int last = 0;
    assert_int_equal(read_all(&c, buf, 5, &last), 5);
    assert_memory_equal(buf, "ping\n", 5);
    char st[64];
    assert_null(chan_child_status(&c, st, sizeof st));   /* still running */
    chan_close(&c);
}

/* The command cmd prints out (n bytes) and ends: the channel says closed
 * and the status says how. */
static void expect_end(const char *cmd, const char *out, size_t n, const char *status)
{
    chan_t c;
    const char *err = NULL;
    assert_int_equal(chan_open_exec(&c, cmd, &err), 0);
    uint8_t buf[16];
    int last = 0;
    assert_int_equal(read_all(&c, buf, sizeof buf, &last), n);
    assert_memory_equal(buf, out, n);
    assert_int_equal(last, ROMFS_ERR_CLOSED);
    char st[64];
    const char *s = chan_child_status(&c, st, sizeof st);
    assert_non_null(s);
    assert_string_equal(s, status);
    chan_close(&c);
}

static void test_exit_status(void **state)
{
    (void)state;
    expect_end("printf 'bye'; exit 3", "bye", 3, "board process exited with status 3");
    expect_end("exit 0", "", 0, "board process exited with status 0");
}

static void test_killed(void **state)
{
    (void)state;
    expect_end("kill -9 $$", "", 0, "board process killed by signal 9");
}

static void test_no_such_command(void **state)
{
    (void)state;
    expect_end("/nonexistent/board-command 2>/dev/null", "", 0, "board process exited with status 127");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo),
        cmocka_unit_test(test_exit_status),
        cmocka_unit_test(test_killed),
        cmocka_unit_test(test_no_such_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
