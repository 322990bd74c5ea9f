/* SPDX-License-Identifier: MIT */
/* The board library's byte channel (src/board/chan.c) over a socketpair:
 * reads return what came, 0 when the deadline passes with nothing, and
 * ROMFS_ERR_CLOSED once the other end is gone; writes deliver every byte
 * or say the peer closed; ports sort likely-first then by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "chan.h"

static void pair(chan_t *c, int *peer)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    chan_init_fds(c, sv[0], sv[0]);
    *peer = sv[1];
}

static void test_read_what_came(void **state)
{
    (void)state;
    chan_t c;
    int peer;
    pair(&c, &peer);
    assert_int_equal(write(peer, "hello", 5), 5);
    uint8_t buf[16];
    int n = chan_read(&c, buf, sizeof buf, rp_monotonic_ms() + 1000);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "hello", 5);
    /* never more than asked for; the rest stays for the next read */
    assert_int_equal(write(peer, "abcdef", 6), 6);
    assert_int_equal(chan_read(&c, buf, 2, rp_monotonic_ms() + 1000), 2);
    assert_memory_equal(buf, "ab", 2);
    assert_int_equal(chan_read(&c, buf, sizeof buf, rp_monotonic_ms() + 1000), 4);
    assert_memory_equal(buf, "cdef", 4);
    close(peer);
    chan_close(&c);
}

static void test_deadline(void **state)
{
    (void)state;
    chan_t c;
    int peer;
    pair(&c, &peer);
    uint8_t buf[4];
    int64_t t0 = rp_monotonic_ms();
    assert_int_equal(chan_read(&c, buf, sizeof buf, t0 + 150), 0);
    int64_t waited = rp_monotonic_ms() - t0;
    assert_true(waited >= 140);
    /* a deadline already past: what is there, without waiting */
    assert_int_equal(chan_read(&c, buf, sizeof buf, t0), 0);
    assert_int_equal(write(peer, "x", 1), 1);
    assert_int_equal(chan_read(&c, buf, sizeof buf, t0), 1);
    close(peer);
    chan_close(&c);
}

static void test_closed(void **state)
{
    (void)state;
    chan_t c;
    int peer;
    pair(&c, &peer);
    assert_int_equal(write(peer, "zz", 2), 2);
    close(peer);
    uint8_t buf[8];
    /* bytes sent before the close still arrive, then the end */
    assert_int_equal(chan_read(&c, buf, sizeof buf, rp_monotonic_ms() + 1000), 2);
    assert_int_equal(chan_read(&c, buf, sizeof buf, rp_monotonic_ms() + 1000), ROMFS_ERR_CLOSED);
    assert_int_equal(chan_write(&c, (const uint8_t *)"x", 1, rp_monotonic_ms() + 1000), ROMFS_ERR_CLOSED);
    chan_close(&c);
    chan_close(&c);   /* twice is harmless */
}

static void test_write_all(void **state)
{
    (void)state;
    chan_t c;
    int peer;
    pair(&c, &peer);
    uint8_t out[3000];
    for (size_t i = 0; i < sizeof out; i++)
        out[i] = (uint8_t)i;
    assert_int_equal(chan_write(&c, out, sizeof out, rp_monotonic_ms() + 2000), 0);
    uint8_t in[3000];
    size_t got = 0;
    while (got < sizeof in) {
        ssize_t k = read(peer, in + got, sizeof in - got);
        assert_true(k > 0);
        got += (size_t)k;
    }
    assert_memory_equal(in, out, sizeof out);
    close(peer);
    chan_close(&c);
}

static void test_sort_ports(void **state)
{
    (void)state;
    struct chan_port *p = calloc(4, sizeof *p);
    const char *names[] = {"/dev/ttyS1", "/dev/ttyACM1", "/dev/ttyS0", "/dev/ttyACM0"};
    int likely[] = {0, 1, 0, 1};
    for (int i = 0; i < 4; i++) {
        p[i].name = strdup(names[i]);
        p[i].desc = strdup("d");
        p[i].likely = likely[i];
    }
    chan_sort_ports(p, 4);
    assert_string_equal(p[0].name, "/dev/ttyACM0");
    assert_string_equal(p[1].name, "/dev/ttyACM1");
    assert_string_equal(p[2].name, "/dev/ttyS0");
    assert_string_equal(p[3].name, "/dev/ttyS1");
    chan_sort_ports(NULL, 0);
    chan_free_ports(p, 4);
    chan_free_ports(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_what_came), cmocka_unit_test(test_deadline), cmocka_unit_test(test_closed),
        cmocka_unit_test(test_write_all),      cmocka_unit_test(test_sort_ports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
