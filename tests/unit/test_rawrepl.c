/* SPDX-License-Identifier: MIT */
/* The raw REPL protocol (src/board/rawrepl.c) against a scripted fake
 * board on the other end of a socketpair: normal commands, raw-paste with
 * flow control, old firmware, exceptions, soft reset, and the ways a board
 * misbehaves (garbage, silence, hang-up, reset mid-command, endless chatter). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "romfs/romfs.h"
#include "chan.h"
#include "rawrepl.h"

#define BANNER "raw REPL; CTRL-B to exit\r\n>"

enum { EXPECT, QUIET, SEND, FLOOD, CLOSE, END };

struct step {
    int kind;
    const char *data; /* EXPECT: received bytes must end with it; SEND: bytes */
    size_t len;       /* 0: strlen(data) */
    int ms;           /* QUIET: nothing may arrive for ms; FLOOD: duration */
};

struct peer {
    int fd;
    const struct step *script;
    char got[8192];
    size_t got_len;
    char failure[200];
    pthread_t thread;
};

static size_t step_len(const struct step *s)
{
    return s->len ? s->len : strlen(s->data);
}

/* Read what is there (waiting up to ms); 0 on timeout, -1 on EOF. */
static int peer_read(struct peer *p, int ms)
{
    struct pollfd pf = {.fd = p->fd, .events = POLLIN};
    if (poll(&pf, 1, ms) <= 0)
        return 0;
    ssize_t n = read(p->fd, p->got + p->got_len, sizeof p->got - 1 - p->got_len);
    if (n <= 0)
        return -1;
    p->got_len += (size_t)n;
    return (int)n;
}

static void *peer_main(void *arg)
{
    struct peer *p = arg;
    for (const struct step *s = p->script; s->kind != END; s++) {
        if (s->kind == EXPECT) {
            size_t l = step_len(s);
            while (!(p->got_len >= l && memcmp(p->got + p->got_len - l, s->data, l) == 0)) {
                if (peer_read(p, 3000) <= 0) {
                    snprintf(p->failure, sizeof p->failure, "peer: did not receive step %d",
                             (int)(s - p->script));
                    return NULL;
                }
            }
        } else if (s->kind == QUIET) {
            if (peer_read(p, s->ms) != 0) {
                snprintf(p->failure, sizeof p->failure, "peer: host sent beyond its window at step %d",
                         (int)(s - p->script));
                return NULL;
            }
        } else if (s->kind == SEND) {
            if (write(p->fd, s->data, step_len(s)) < 0)
                return NULL;
        } else if (s->kind == FLOOD) {
            for (int i = 0; i < s->ms / 5; i++) {
                if (write(p->fd, "garbage garbage garbage\r\n", 25) < 0)
                    return NULL;
                usleep(5000);
                peer_read(p, 0);
            }
        } else if (s->kind == CLOSE) {
            shutdown(p->fd, SHUT_RDWR);
            return NULL;
        }
    }
    /* Script done: keep the line open (a silent board) until the host goes. */
    while (peer_read(p, 5000) > 0)
        ;
    return NULL;
}

struct fixture {
    int sv[2];
    chan_t ch;
    rawrepl_t rr;
    struct peer peer;
};

static struct fixture *start(const struct step *script, int timeout_ms)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, f->sv), 0);
    chan_init_fds(&f->ch, f->sv[0], f->sv[0]);
    rr_init(&f->rr, &f->ch, timeout_ms);
    f->peer.fd = f->sv[1];
    f->peer.script = script;
    assert_int_equal(pthread_create(&f->peer.thread, NULL, peer_main, &f->peer), 0);
    return f;
}

static void stop(struct fixture *f)
{
    shutdown(f->sv[0], SHUT_RDWR);
    pthread_join(f->peer.thread, NULL);
    close(f->sv[0]);
    close(f->sv[1]);
    free(f);
}

#define ENTER {EXPECT, "\r\x01", 0, 0}, {SEND, BANNER, 0, 0}
#define PASTE_NO {EXPECT, "\x05" "A\x01", 0, 0}, {SEND, "R\x00", 2, 0}

static void test_exec_plain(void **state)
{
    (void)state;
    static const struct step script[] = {
        ENTER,
        PASTE_NO,
        {EXPECT, "print(1)\x04", 0, 0},
        {SEND, "OK1\r\n\x04\x04>", 0, 0},
        {EXPECT, "x=2\x04", 0, 0},
        {SEND, "OK\x04\x04>", 0, 0},
        {END, NULL, 0, 0},
    };
    struct fixture *f = start(script, 2000);
    rr_buf_t out = {0}, err = {0};
    assert_int_equal(rr_enter(&f->rr), 0);
    assert_int_equal(rr_exec(&f->rr, "print(1)", 8, NULL, NULL, &out, &err, 0), 0);
    assert_string_equal(out.data, "1\r\n");
    assert_int_equal(err.len, 0);
    assert_int_equal(f->rr.raw_paste, 0); /* "R\x00": never asked again */
    rr_buf_free(&out);
    assert_int_equal(rr_exec(&f->rr, "x=2", 3, NULL, NULL, &out, &err, 0), 0);
    assert_int_equal(out.len, 0);
    assert_int_equal(f->rr.sent, 3 + 2 + 3 + 9 + 4);
    stop(f);
    rr_buf_free(&out);
    rr_buf_free(&err);
}

static void test_exec_exception(void **state)
{
    (void)state;
    static const struct step script[] = {
        ENTER,
        PASTE_NO,
        {EXPECT, "\x04", 0, 0},
        {SEND, "OKpartial\x04Traceback (most recent call last):\r\nValueError: bad\r\n\x04>", 0, 0},
        {END, NULL, 0, 0},
    };
    struct fixture *f = start(script, 2000);
    rr_buf_t out = {0}, err = {0};
    assert_int_equal(rr_enter(&f->rr), 0);
    assert_int_equal(rr_exec(&f->rr, "raise ValueError('bad')", 23, NULL, NULL, &out, &err, 0), ROMFS_ERR_RAISED);
    assert_string_equal(out.data, "partial");
    assert_non_null(strstr(err.data, "ValueError: bad"));
    stop(f);
    rr_buf_free(&out);
    rr_buf_free(&err);
}

/* Code of 20 bytes through a window of 8: the host must wait for each grant. */
static void test_raw_paste_flow_control(void **state)
{
    (void)state;
    static const struct step script[] = {
        ENTER,
        {EXPECT, "\x05" "A\x01", 0, 0},
        {SEND, "R\x01\x08\x00", 4, 0},
        {EXPECT, "01234567", 0, 0},
        {QUIET, NULL, 0, 150},
        {SEND, "\x01", 1, 0},
        {EXPECT, "89abcdef", 0, 0},
        {QUIET, NULL, 0, 150},
        {SEND, "\x01", 1, 0},
        {EXPECT, "ghij\x04", 0, 0},
        {SEND, "\x01\x04out\x04\x04>", 0, 0},
        {END, NULL, 0, 0},
    };
    struct fixture *f = start(script, 3000);
    rr_buf_t out = {0}, err = {0};
    assert_int_equal(rr_enter(&f->rr), 0);
    assert_int_equal(rr_exec(&f->rr, "0123456789abcdefghij", 20, NULL, NULL, &out, &err, 0), 0);
    assert_string_equal(f->peer.failure, "");
    assert_string_equal(out.data, "out");
    assert_int_equal(f->rr.raw_paste, 1);
    stop(f);
    rr_buf_free(&out);
    rr_buf_free(&err);
}

/* The board aborts the paste (\x04): the host acknowledges and reads the
 * error that follows. */
static void test_raw_paste_abort(void **state)
{
    (void)state;
    static const struct step script[] = {
        ENTER,
        {EXPECT, "\x05" "A\x01", 0, 0},
        {SEND, "R\x01\x04\x00", 4, 0},
        {EXPECT, "0123", 0, 0},
        {SEND, "\x04", 1, 0},
        {EXPECT, "\x04", 0, 0},
        {SEND, "\x04SyntaxError: invalid syntax\r\n\x04>", 0, 0},
        {END, NULL, 0, 0},
    };
    struct fixture *f = start(script, 3000);
    rr_buf_t out = {0}, err = {0};
    assert_int_equal(rr_enter(&f->rr), 0);
    assert_int_equal(rr_exec(&f->rr, "0123456789", 10, NULL, NULL, &out, &err, 0), ROMFS_ERR_RAISED);
    assert_non_null(strstr(err.data, "SyntaxError"));
    stop(f);
    rr_buf_free(&out);
    rr_buf_free(&err);
}

/* Firmware older than raw-paste treats \x01 as "reset the raw REPL". */
static void test_raw_paste_old_firmware(void **state)
{
    (void)state;
    static const struct step script[] = {
        ENTER,
        {EXPECT, "\x05" "A\x01", 0, 0},
        {SEND, BANNER, 0, 0},
        {EXPECT, "pass\x04", 0, 0},
        {SEND, "OK\x04\x04>", 0, 0},
        {END, NULL, 0, 0},
    };
    struct fixture *f = start(script, 2000);
    rr_buf_t out = {0}, err = {0};
    assert_int_equal(rr_enter(&f->rr), 0);
    assert_int_equal(rr_exec(&f->rr, "pass", 4, NULL, NULL, &out, &err, 0), 0);
    assert_int_equal(f->rr.raw_paste, 0);
    stop(f);
    rr_buf_free(&out);
    rr_buf_free(&err);
}

static void test_garbage_instead_of_ok(void **state)
{
    (void)state;
    static const struct step script[] = {
        ENTER,
        PASTE_NO,
        {EXPECT, "\x04", 0, 0},
        {SEND, "\xfe\x07", 2, 0},
        {END, NULL, 0, 0},
    };
    struct fixture *f = start(script, 2000);
    rr_buf_t out = {0}, err = {0};
    assert_int_equal(rr_enter(&f->rr), 0);
    assert_int_equal(rr_exec(&f->rr, "1", 1, NULL, NULL, &out, &err, 0), ROMFS_ERR_PROTOCOL);
    assert_string_equal(f->rr.err, "board did not accept the code (expected 'OK', got '\\xfe\\x07')");
    stop(f);
    rr_buf_free(&out);
    rr_buf_free(&err);
}

static void test_silent_board_times_out(void **state)
{
    (void)state;
    static const struct step script[] = {{END, NULL, 0, 0}};
    struct fixture *f = start(script, 300);
    int64_t t0 = rp_monotonic_ms();
    assert_int_equal(rr_enter(&f->rr), ROMFS_ERR_TIMEOUT);
    int64_t took = rp_monotonic_ms() - t0;
    assert_true(took >= 290 && took < 1000);
    assert_string_equal(f->rr.err, "board did not answer while waiting for the raw REPL prompt");
    stop(f);
}

/* A board that stops mid-output: the deadline of the whole command. */
static void test_exec_deadline(void **state)
{
    (void)state;
    static const struct step script[] = {
        ENTER,
        PASTE_NO,
        {EXPECT, "\x04", 0, 0},
        {SEND, "OKworking...", 0, 0},
        {END, NULL, 0, 0},
    };
    struct fixture *f = start(script, 5000);
    rr_buf_t out = {0}, err = {0};
    assert_int_equal(rr_enter(&f->rr), 0);
    int64_t t0 = rp_monotonic_ms();
    assert_int_equal(rr_exec(&f->rr, "loop()", 6, NULL, NULL, &out, &err, 300), ROMFS_ERR_TIMEOUT);
    assert_true(rp_monotonic_ms() - t0 < 1000);
    assert_string_equal(f->rr.err, "timed out while running the code; last bytes from the board: 'working...'");
    stop(f);
    rr_buf_free(&out);
    rr_buf_free(&err);
}

static void test_hangup(void **state)
{
    (void)state;
    static const struct step script[] = {ENTER, PASTE_NO, {EXPECT, "\x04", 0, 0}, {SEND, "OK12", 0, 0},
                                         {CLOSE, NULL, 0, 0}, {END, NULL, 0, 0}};
    struct fixture *f = start(script, 2000);
    rr_buf_t out = {0}, err = {0};
    assert_int_equal(rr_enter(&f->rr), 0);
    assert_int_equal(rr_exec(&f->rr, "1", 1, NULL, NULL, &out, &err, 0), ROMFS_ERR_CLOSED);
    assert_string_equal(f->rr.err, "board disconnected while running the code");
    stop(f);
    rr_buf_free(&out);
    rr_buf_free(&err);
}

static void test_reset_mid_command(void **state)
{
    (void)state;
    static const struct step script[] = {
        ENTER,
        PASTE_NO,
        {EXPECT, "\x04", 0, 0},
        {SEND, "OKpartial\r\nMPY: soft reboot\r\n" BANNER, 0, 0},
        {END, NULL, 0, 0},
    };
    struct fixture *f = start(script, 2000);
    rr_buf_t out = {0}, err = {0};
    assert_int_equal(rr_enter(&f->rr), 0);
    assert_int_equal(rr_exec(&f->rr, "1", 1, NULL, NULL, &out, &err, 0), ROMFS_ERR_PROTOCOL);
    assert_string_equal(f->rr.err, "board reset while running the code");
    stop(f);
    rr_buf_free(&out);
    rr_buf_free(&err);
}

static void test_soft_reset(void **state)
{
    (void)state;
    static const struct step script[] = {
        ENTER,
        {EXPECT, "\r\x01\x04", 0, 0}, /* nothing but Ctrl-D after entering */
        {SEND, "OK\r\nMPY: soft reboot\r\nboot.py says hi\r\n" BANNER, 0, 0},
        {END, NULL, 0, 0},
    };
    struct fixture *f = start(script, 2000);
    rr_buf_t boot = {0};
    assert_int_equal(rr_enter(&f->rr), 0);
    assert_int_equal(rr_soft_reset(&f->rr, &boot), 0);
    assert_string_equal(boot.data, "boot.py says hi\r\n");
    assert_int_equal(f->rr.in_raw, 1);
    stop(f);
    rr_buf_free(&boot);
}

/* A board that never stops talking cannot keep us past the deadline. */
static void test_endless_chatter(void **state)
{
    (void)state;
    static const struct step script[] = {{FLOOD, NULL, 0, 3000}, {END, NULL, 0, 0}};
    struct fixture *f = start(script, 400);
    int64_t t0 = rp_monotonic_ms();
    assert_int_equal(rr_enter(&f->rr), ROMFS_ERR_TIMEOUT);
    assert_true(rp_monotonic_ms() - t0 < 1500);
    assert_non_null(strstr(f->rr.err, "last bytes from the board: '"));
    assert_non_null(strstr(f->rr.err, "garbage"));
    stop(f);
}

/* Output streamed to a callback arrives whole, in order, without the \x04. */
struct collect {
    char buf[64];
    size_t len;
    int calls;
};

static void collect_fn(const char *data, size_t len, void *ctx)
{
    struct collect *c = ctx;
    assert_true(c->len + len < sizeof c->buf);
    memcpy(c->buf + c->len, data, len);
    c->len += len;
    c->calls++;
}

static void test_exec_stream(void **state)
{
    (void)state;
    static const struct step script[] = {
        ENTER,
        PASTE_NO,
        {EXPECT, "\x04", 0, 0},
        {SEND, "OKline 1\n", 0, 0},
        {QUIET, NULL, 0, 100},
        {SEND, "line 2\n\x04\x04>", 0, 0},
        {END, NULL, 0, 0},
    };
    struct fixture *f = start(script, 2000);
    struct collect c = {{0}, 0, 0};
    rr_buf_t err = {0};
    assert_int_equal(rr_enter(&f->rr), 0);
    assert_int_equal(rr_exec(&f->rr, "run()", 5, collect_fn, &c, NULL, &err, 0), 0);
    assert_int_equal(c.len, 14);
    assert_memory_equal(c.buf, "line 1\nline 2\n", 14);
    assert_true(c.calls >= 2);
    stop(f);
    rr_buf_free(&err);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_plain),
        cmocka_unit_test(test_exec_exception),
        cmocka_unit_test(test_raw_paste_flow_control),
        cmocka_unit_test(test_raw_paste_abort),
        cmocka_unit_test(test_raw_paste_old_firmware),
        cmocka_unit_test(test_garbage_instead_of_ok),
        cmocka_unit_test(test_silent_board_times_out),
        cmocka_unit_test(test_exec_deadline),
        cmocka_unit_test(test_hangup),
        cmocka_unit_test(test_reset_mid_command),
        cmocka_unit_test(test_soft_reset),
        cmocka_unit_test(test_endless_chatter),
        cmocka_unit_test(test_exec_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
