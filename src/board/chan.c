/* SPDX-License-Identifier: MIT */
/* Byte channel: reads and writes that always end by a deadline, over the
 * serial backend or over descriptors waited on through the platform
 * layer. */
#include "chan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "romfs/romfs.h"

void chan_init_fds(chan_t *c, int rfd, int wfd)
{
    memset(c, 0, sizeof *c);
    c->rfd = rfd;
    c->wfd = wfd;
    c->exit_status = -1;
}

/* Milliseconds left until deadline, at most a minute (waits are cut in
 * pieces so that a clock far ahead never overflows an int). */
static int left_ms(int64_t deadline)
{
    int64_t left = deadline - rp_monotonic_ms();
    return left < 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

void chan_cancel(chan_t *c, int on)
{
    atomic_store(&c->cancel, on);
}

/* A read's wait in slices of CHAN_CANCEL_MS, checking chan_cancel's flag
 * between them. */
static int read_slice(int left)
{
    return left > CHAN_CANCEL_MS ? CHAN_CANCEL_MS : left;
}

/* Wait until fd is readable (or writable) or the deadline passes: 1
 * ready (or hung up: the I/O call tells which), 0 deadline passed,
 * ROMFS_ERR_CLOSED on an error of the wait itself, ROMFS_ERR_CANCELED
 * (reads). */
static int wait_fd(chan_t *c, int fd, int for_write, int64_t deadline)
{
    for (;;) {
        if (!for_write && atomic_load(&c->cancel))
            return ROMFS_ERR_CANCELED;
        int left = left_ms(deadline);
        unsigned char ready = 0;
        int r = for_write ? rp_wait_writable(fd, left) : rp_wait_readable(&fd, 1, read_slice(left), &ready);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return ROMFS_ERR_CLOSED;
        if (r > 0)
            return 1;
        if (left == 0 || rp_monotonic_ms() >= deadline)
            return 0;
    }
}

static int serial_read(chan_t *c, uint8_t *buf, size_t n, int64_t deadline)
{
    for (;;) {
        if (atomic_load(&c->cancel))
            return ROMFS_ERR_CANCELED;
        int left = left_ms(deadline);
        int r = chan_serial_read(c->ser, buf, n, read_slice(left));
        if (r != 0 || left == 0 || rp_monotonic_ms() >= deadline)
            return r;
    }
}

int chan_read(chan_t *c, uint8_t *buf, size_t n, int64_t deadline)
{
    if (c->ser)
        return serial_read(c, buf, n, deadline);
    for (;;) {
        int r = wait_fd(c, c->rfd, 0, deadline);
        if (r <= 0)
            return r;
        long got = rp_read(c->rfd, buf, n);
        if (got > 0)
            return (int)got;
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        /* 0: end of file (pipe closed, pty master gone); EIO: the tty went
         * away (USB board unplugged). */
        return ROMFS_ERR_CLOSED;
    }
}

static int serial_write(chan_t *c, const uint8_t *buf, size_t n, int64_t deadline)
{
    size_t done = 0;
    while (done < n) {
        int left = left_ms(deadline);
        if (left == 0)
            return ROMFS_ERR_TIMEOUT;
        int put = chan_serial_write(c->ser, buf + done, n - done, left);
        if (put < 0)
            return put;
        done += (size_t)put;
    }
    return 0;
}

int chan_write(chan_t *c, const uint8_t *buf, size_t n, int64_t deadline)
{
    if (c->ser)
        return serial_write(c, buf, n, deadline);
    size_t done = 0;
    while (done < n) {
        int r = wait_fd(c, c->wfd, 1, deadline);
        if (r == 0)
            return ROMFS_ERR_TIMEOUT;
        if (r < 0)
            return r;
        long put = rp_write_nosigpipe(c->wfd, buf + done, n - done);
        if (put < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (put <= 0)
            return ROMFS_ERR_CLOSED; /* EPIPE, EIO */
        done += (size_t)put;
    }
    return 0;
}

/* 1 once the child is reaped (its status kept), 0 while it runs. */
static int reaped(chan_t *c)
{
    if (c->exit_status >= 0)
        return 1;
    int r = rp_wait_nohang(&c->proc);
    if (r == -2)
        return 0;
    if (r >= 0)
        c->exit_status = r;
    return 1; /* reaped, or not ours to reap any more */
}

void chan_close(chan_t *c)
{
    if (c->ser) {
        chan_serial_close(c->ser);
        c->ser = NULL;
    }
    if (c->wfd >= 0 && c->wfd != c->rfd)
        rp_close(c->wfd);
    if (c->proc.pid > 0 && c->rfd >= 0 && c->rfd != c->wfd) {
        /* Closing its stdin is the polite goodbye: read what the process
         * still sends until it closes its end (briefly), so that it never
         * writes into a closed pipe (socat's "Broken pipe", node's EPIPE). */
        uint8_t sink[512];
        int64_t deadline = rp_monotonic_ms() + 1000;
        while (chan_read(c, sink, sizeof sink, deadline) > 0)
            ;
    }
    if (c->rfd >= 0)
        rp_close(c->rfd);
    c->rfd = c->wfd = -1;
    if (c->proc.pid > 0) {
        /* Give it a moment to exit, then insist on the whole group (sh and
         * what it ran), so no board process outlives the command. */
        int done = reaped(c);
        for (int i = 0; i < 20 && !done; i++) {
            rp_sleep_ms(10);
            done = reaped(c);
        }
        rp_terminate_group(&c->proc, 0);
        for (int i = 0; i < 50 && !done; i++) {
            rp_sleep_ms(10);
            done = reaped(c);
        }
        if (!done) {
            rp_terminate_group(&c->proc, 1);
            int r = rp_wait(&c->proc);
            if (r >= 0)
                c->exit_status = r;
        }
        rp_proc_release(&c->proc);
        c->proc.pid = 0;
    }
}

/// Port lists (both serial backends) ///

/* USB vendors whose serial ports are likely MicroPython REPLs: boards that
 * run it natively, and the USB-UART bridges common on ESP boards. */
static const unsigned likely_vids[] = {
    0x2e8a, /* Raspberry Pi (Pico) */
    0xf055, /* MicroPython (pyboard and others) */
    0x303a, /* Espressif native USB */
    0x239a, /* Adafruit */
    0x10c4, /* Silicon Labs CP210x */
    0x1a86, /* WCH CH340 */
    0x0403, /* FTDI */
};

int chan_port_likely(unsigned vid, const char *desc)
{
    for (size_t k = 0; vid && k < sizeof likely_vids / sizeof likely_vids[0]; k++)
        if (vid == likely_vids[k])
            return 1;
    return desc && strstr(desc, "MicroPython") != NULL;
}

static int cmp_port(const void *a, const void *b)
{
    const struct chan_port *x = a, *y = b;
    if (x->likely != y->likely)
        return y->likely - x->likely;
    return strcmp(x->name, y->name);
}

void chan_sort_ports(struct chan_port *ports, size_t count)
{
    if (count)
        qsort(ports, count, sizeof *ports, cmp_port);
}

void chan_free_ports(struct chan_port *ports, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(ports[i].name);
        free(ports[i].desc);
    }
    free(ports);
}
