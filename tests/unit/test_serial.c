/* SPDX-License-Identifier: MIT */
/*
 * src/board/serial.c's libserialport path, which the command tests never
 * take: their boards are pseudo-terminals, which libserialport does not
 * know (it looks ports up in sysfs), so serial.c opens them with termios.
 * Here a tiny libserialport stand-in is linked in place of the real one
 * (this executable's sp_* come before the library's): it knows the port
 * names the test gives it, each the slave of a pseudo-terminal or one end
 * of a socket pair whose other end the test holds, with libserialport's
 * documented semantics (sp_nonblocking_read: 0 when nothing, SP_ERR_FAIL
 * on a read error; sp_wait: SP_OK when ready or timed out;
 * sp_blocking_write: the count written by the timeout). Open, read with a
 * timeout, write, a port that vanishes, a port that cannot be configured,
 * an unknown name left to termios, and the port list (VID/PID, likely
 * boards first), also as `romfs devs` writes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include <libserialport.h>

#include "chan.h"
#include "romfs/romfs_board.h"
#include "sink.h"

/// The stand-in ///

struct sp_port {
    char name[64];
    int fd;              /* open: our end */
    int fail_config;
    enum sp_transport transport;
    int vid, pid;
    const char *desc;
};

static struct fake {
    char name[64];
    int fd;              /* the port side, opened by sp_open */
    int fail_config;
} fakes[4];
static int opens, closes;

static void fake_add(const char *name, int fd, int fail_config)
{
    for (size_t i = 0; i < 4; i++)
        if (!fakes[i].name[0]) {
            snprintf(fakes[i].name, sizeof fakes[i].name, "%s", name);
            fakes[i].fd = fd;
            fakes[i].fail_config = fail_config;
            return;
        }
    fail();
}

enum sp_return sp_get_port_by_name(const char *portname, struct sp_port **port_ptr)
{
    for (size_t i = 0; i < 4; i++)
        if (fakes[i].name[0] && strcmp(fakes[i].name, portname) == 0) {
            struct sp_port *p = calloc(1, sizeof *p);
            if (!p)
                return SP_ERR_MEM;
            snprintf(p->name, sizeof p->name, "%s", portname);
            p->fd = -1;
            p->fail_config = fakes[i].fail_config;
            *port_ptr = p;
            return SP_OK;
        }
    return SP_ERR_ARG; /* as for a pty: not in sysfs */
}

void sp_free_port(struct sp_port *port)
{
    free(port);
}

enum sp_return sp_open(struct sp_port *port, enum sp_mode flags)
{
    assert_int_equal(flags, SP_MODE_READ_WRITE);
    for (size_t i = 0; i < 4; i++)
        if (strcmp(fakes[i].name, port->name) == 0 && fakes[i].fd >= 0) {
            port->fd = fakes[i].fd;
            fakes[i].fd = -1; /* ours now */
            fcntl(port->fd, F_SETFL, fcntl(port->fd, F_GETFL) | O_NONBLOCK);
            opens++;
            return SP_OK;
        }
    return SP_ERR_FAIL;
}

enum sp_return sp_close(struct sp_port *port)
{
    assert_true(port->fd >= 0);
    close(port->fd);
    port->fd = -1;
    closes++;
    return SP_OK;
}

enum sp_return sp_set_baudrate(struct sp_port *port, int baudrate)
{
    assert_int_equal(baudrate, 115200);
    return port->fail_config ? SP_ERR_FAIL : SP_OK;
}

enum sp_return sp_set_bits(struct sp_port *port, int bits)
{
    assert_int_equal(bits, 8);
    return port->fd >= 0 ? SP_OK : SP_ERR_ARG;
}

enum sp_return sp_set_parity(struct sp_port *port, enum sp_parity parity)
{
    assert_int_equal(parity, SP_PARITY_NONE);
    return port->fd >= 0 ? SP_OK : SP_ERR_ARG;
}

enum sp_return sp_set_stopbits(struct sp_port *port, int stopbits)
{
    assert_int_equal(stopbits, 1);
    return port->fd >= 0 ? SP_OK : SP_ERR_ARG;
}

enum sp_return sp_set_flowcontrol(struct sp_port *port, enum sp_flowcontrol flowcontrol)
{
    assert_int_equal(flowcontrol, SP_FLOWCONTROL_NONE);
    return port->fd >= 0 ? SP_OK : SP_ERR_ARG;
}

enum sp_return sp_new_event_set(struct sp_event_set **result_ptr)
{
    *result_ptr = calloc(1, sizeof **result_ptr);
    return *result_ptr ? SP_OK : SP_ERR_MEM;
}

enum sp_return sp_add_port_events(struct sp_event_set *event_set, const struct sp_port *port, enum sp_event mask)
{
    assert_int_equal(mask, SP_EVENT_RX_READY);
    assert_int_equal(event_set->count, 0); /* one port per set here */
    event_set->handles = (void *)(intptr_t)port->fd;
    event_set->count = 1;
    return SP_OK;
}

void sp_free_event_set(struct sp_event_set *event_set)
{
    free(event_set);
}

enum sp_return sp_wait(struct sp_event_set *event_set, unsigned int timeout_ms)
{
    struct pollfd p = {.fd = (int)(intptr_t)event_set->handles, .events = POLLIN};
    int r = poll(&p, 1, (int)timeout_ms);
    return r < 0 ? SP_ERR_FAIL : SP_OK; /* ready, hung up or timed out alike */
}

enum sp_return sp_nonblocking_read(struct sp_port *port, void *buf, size_t count)
{
    ssize_t n = read(port->fd, buf, count);
    if (n < 0)
        return errno == EAGAIN ? 0 : SP_ERR_FAIL;
    return (enum sp_return)n;
}

enum sp_return sp_blocking_write(struct sp_port *port, const void *buf, size_t count, unsigned int timeout_ms)
{
    size_t done = 0;
    int64_t end = rp_monotonic_ms() + timeout_ms;
    while (done < count) {
        ssize_t n = write(port->fd, (const char *)buf + done, count - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN)
            return SP_ERR_FAIL;
        int64_t left = end - rp_monotonic_ms();
        if (left <= 0)
            break;
        struct pollfd p = {.fd = port->fd, .events = POLLOUT};
        poll(&p, 1, (int)left);
    }
    return (enum sp_return)done;
}

static struct sp_port listed[3] = {
    {"/dev/ttyS0", -1, 0, SP_TRANSPORT_NATIVE, 0, 0, "ttyS0"},
    {"/dev/ttyACM0", -1, 0, SP_TRANSPORT_USB, 0x2e8a, 0x0005, "Board in FS mode"},
    {"/dev/ttyUSB3", -1, 0, SP_TRANSPORT_USB, 0x1234, 0x5678, "MicroPython on a bridge"},
};

static size_t n_listed = 3;   /* the first n_listed of them are there */

enum sp_return sp_list_ports(struct sp_port ***list_ptr)
{
    struct sp_port **v = calloc(4, sizeof *v);
    for (size_t i = 0; v && i < n_listed; i++)
        v[i] = &listed[i];
    *list_ptr = v;
    return v ? SP_OK : SP_ERR_MEM;
}

void sp_free_port_list(struct sp_port **ports)
{
    free(ports);
}

char *sp_get_port_name(const struct sp_port *port)
{
    return (char *)port->name;
}

char *sp_get_port_description(const struct sp_port *port)
{
    return (char *)port->desc;
}

enum sp_transport sp_get_port_transport(const struct sp_port *port)
{
    return port->transport;
}

enum sp_return sp_get_port_usb_vid_pid(const struct sp_port *port, int *usb_vid, int *usb_pid)
{
    if (port->transport != SP_TRANSPORT_USB)
        return SP_ERR_ARG;
    *usb_vid = port->vid;
    *usb_pid = port->pid;
    return SP_OK;
}

/// The tests ///

static void reset(void)
{
    memset(fakes, 0, sizeof fakes);
    opens = closes = 0;
}

/* A pseudo-terminal: the port is its slave, the board its master. */
static int pty_pair(int *board)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(m >= 0);
    assert_int_equal(grantpt(m), 0);
    assert_int_equal(unlockpt(m), 0);
    int s = open(ptsname(m), O_RDWR | O_NOCTTY);
    assert_true(s >= 0);
    struct termios t;
    assert_int_equal(tcgetattr(s, &t), 0);
    cfmakeraw(&t);
    assert_int_equal(tcsetattr(s, TCSANOW, &t), 0);
    *board = m;
    return s;
}

static void board_says(int fd, const char *s)
{
    assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* Open, write, read what is there, a read that times out, and the port
 * vanishing (the pty's other side closed: EIO) reported at once. */
static void test_open_read_write_vanish(void **state)
{
    (void)state;
    reset();
    int board, port = pty_pair(&board);
    fake_add("/dev/ttyFAKE0", port, 0);
    chan_t c;
    const char *err = NULL;
    assert_int_equal(chan_open_serial(&c, "/dev/ttyFAKE0", &err), 0);
    assert_non_null(c.ser); /* libserialport's path, not termios */
    assert_int_equal(c.rfd, -1);
    assert_int_equal(opens, 1);

    assert_int_equal(chan_write(&c, (const uint8_t *)"\r\x01", 2, rp_monotonic_ms() + 1000), 0);
    char got[16] = {0};
    assert_int_equal(read(board, got, sizeof got), 2);
    assert_memory_equal(got, "\r\x01", 2);

    uint8_t buf[64];
    int64_t t0 = rp_monotonic_ms();
    assert_int_equal(chan_read(&c, buf, sizeof buf, t0 + 150), 0); /* nothing: the timeout */
    assert_true(rp_monotonic_ms() - t0 >= 140);

    board_says(board, "raw REPL; CTRL-B to exit\r\n>");
    int n = 0;
    for (int k = 0; k < 10 && n < 27; k++) {
        int r = chan_read(&c, buf + n, sizeof buf - (size_t)n, rp_monotonic_ms() + 1000);
        assert_true(r > 0);
        n += r;
    }
    assert_int_equal(n, 27);
    assert_memory_equal(buf, "raw REPL; CTRL-B to exit\r\n>", 27);

    close(board); /* unplugged */
    t0 = rp_monotonic_ms();
    assert_int_equal(chan_read(&c, buf, sizeof buf, t0 + 5000), ROMFS_ERR_CLOSED);
    assert_true(rp_monotonic_ms() - t0 < 2000);
    chan_close(&c);
    assert_int_equal(closes, 1);
}

/* A port whose other side hangs up without a read error (a socket pair:
 * end of file, sp_wait ready, nothing to read) is gone too, before its
 * deadline; bytes sent before the hang-up are still read first. */
static void test_hangup(void **state)
{
    (void)state;
    reset();
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    fake_add("/dev/ttyFAKE1", sv[0], 0);
    chan_t c;
    const char *err = NULL;
    assert_int_equal(chan_open_serial(&c, "/dev/ttyFAKE1", &err), 0);
    assert_non_null(c.ser);
    board_says(sv[1], "bye");
    close(sv[1]);
    uint8_t buf[8];
    assert_int_equal(chan_read(&c, buf, sizeof buf, rp_monotonic_ms() + 1000), 3);
    int64_t t0 = rp_monotonic_ms();
    assert_int_equal(chan_read(&c, buf, sizeof buf, t0 + 5000), ROMFS_ERR_CLOSED);
    assert_true(rp_monotonic_ms() - t0 < 2000);
    chan_close(&c);
}

/* A write the board does not take within its deadline times out (the
 * pty's buffer full), and a write to a vanished port says so. */
static void test_write_timeout_and_gone(void **state)
{
    (void)state;
    reset();
    int board, port = pty_pair(&board);
    fake_add("/dev/ttyFAKE2", port, 0);
    chan_t c;
    const char *err = NULL;
    assert_int_equal(chan_open_serial(&c, "/dev/ttyFAKE2", &err), 0);
    size_t big = 1 << 20;
    uint8_t *data = calloc(1, big);
    assert_non_null(data);
    int64_t t0 = rp_monotonic_ms();
    assert_int_equal(chan_write(&c, data, big, t0 + 300), ROMFS_ERR_TIMEOUT);
    assert_true(rp_monotonic_ms() - t0 >= 250);
    close(board);
    assert_int_equal(chan_write(&c, data, big, rp_monotonic_ms() + 1000), ROMFS_ERR_CLOSED);
    free(data);
    chan_close(&c);
}

/* A port that cannot be set to 115200 8N1: one reason, nothing left open. */
static void test_config_fails(void **state)
{
    (void)state;
    reset();
    int board, port = pty_pair(&board);
    fake_add("/dev/ttyFAKE3", port, 1);
    chan_t c;
    const char *err = NULL;
    assert_int_equal(chan_open_serial(&c, "/dev/ttyFAKE3", &err), ROMFS_ERR_NOBOARD);
    assert_string_equal(err, "cannot configure the serial port (115200 8N1)");
    assert_int_equal(opens, 1);
    assert_int_equal(closes, 1);
    close(board);
}

/* A name libserialport does not know (a pty) is opened with termios. */
static void test_unknown_name_uses_termios(void **state)
{
    (void)state;
    reset();
    int board, port = pty_pair(&board);
    char name[128];
    snprintf(name, sizeof name, "%s", ptsname(board));
    chan_t c;
    const char *err = NULL;
    assert_int_equal(chan_open_serial(&c, name, &err), 0);
    assert_null(c.ser);
    assert_true(c.rfd >= 0);
    assert_int_equal(opens, 0);
    chan_close(&c);
    close(port);
    close(board);
    assert_int_equal(chan_open_serial(&c, "/dev/nonexistent-tty", &err), ROMFS_ERR_NOBOARD);
    assert_string_equal(err, "no such serial port");
}

/* The port list: USB VID/PID from libserialport; a Raspberry Pi VID and a
 * "MicroPython" description make likely boards, listed first. */
static void test_list_ports(void **state)
{
    (void)state;
    struct chan_port *p;
    size_t n;
    assert_int_equal(chan_list_ports(&p, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(p[0].name, "/dev/ttyACM0");
    assert_int_equal(p[0].vid, 0x2e8a);
    assert_int_equal(p[0].pid, 0x0005);
    assert_true(p[0].likely);
    assert_string_equal(p[1].name, "/dev/ttyUSB3");
    assert_true(p[1].likely);
    assert_string_equal(p[2].name, "/dev/ttyS0");
    assert_false(p[2].likely);
    assert_int_equal(p[2].vid, 0);
    chan_free_ports(p, n);
}

/* The list as `romfs devs` writes it (romfs_board_ports_text and _json
 * in board.c, on this stand-in's ports): likely boards first, every port
 * with all; a long name past its column; none. */
static void test_ports_written(void **state)
{
    (void)state;
    sink_t *k = calloc(1, sizeof *k);
    assert_int_equal(romfs_board_ports_text(1, to_sink, k), 3);
    assert_string_equal(k->buf, "/dev/ttyACM0         2e8a:0005 Board in FS mode\n"
                                "/dev/ttyUSB3         1234:5678 MicroPython on a bridge\n"
                                "/dev/ttyS0           -         ttyS0\n");
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_ports_json(0, to_sink, k), 2);
    assert_string_equal(k->buf, "[\n {\"port\": \"/dev/ttyACM0\", \"description\": \"2e8a:0005 Board in FS mode\"},"
                                "\n {\"port\": \"/dev/ttyUSB3\", \"description\": \"1234:5678 MicroPython on a "
                                "bridge\"}\n]\n");
    char name[64];
    memcpy(name, listed[0].name, sizeof name);
    snprintf(listed[0].name, sizeof listed[0].name, "/dev/serial/by-id/usb-\"q\"");
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_ports_text(1, to_sink, k), 3);
    assert_non_null(strstr(k->buf, "\n/dev/serial/by-id/usb-\"q\" -         ttyS0\n"));
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_ports_json(1, to_sink, k), 3);
    assert_non_null(strstr(k->buf, ",\n {\"port\": \"/dev/serial/by-id/usb-\\\"q\\\"\", "
                                   "\"description\": \"-         ttyS0\"}\n]\n"));
    memcpy(listed[0].name, name, sizeof name);
    /* the sink's error ends the writing and is returned */
    memset(k, 0, sizeof *k);
    k->fail_at = 2;
    assert_int_equal(romfs_board_ports_text(1, to_sink, k), -5);
    assert_int_equal(k->calls, 2);
    /* no port: a line that says so, an empty array */
    n_listed = 0;
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_ports_text(1, to_sink, k), 0);
    assert_string_equal(k->buf, "no boards found\n");
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_ports_json(1, to_sink, k), 0);
    assert_string_equal(k->buf, "[]\n");
    n_listed = 1;   /* only a port that is no board */
    memset(k, 0, sizeof *k);
    assert_int_equal(romfs_board_ports_json(0, to_sink, k), 0);
    assert_string_equal(k->buf, "[]\n");
    n_listed = 3;
    free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_read_write_vanish),
        cmocka_unit_test(test_hangup),
        cmocka_unit_test(test_write_timeout_and_gone),
        cmocka_unit_test(test_config_fails),
        cmocka_unit_test(test_unknown_name_uses_termios),
        cmocka_unit_test(test_list_ports),
        cmocka_unit_test(test_ports_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
