/* SPDX-License-Identifier: MIT */
/*
 * A byte channel to a board, read and written with deadlines: a serial
 * port through its backend (serial.c: libserialport; serial_win32.c: the
 * Win32 COMM API where libserialport is not there), or a pair of
 * descriptors (pipes to an exec: child, a tty libserialport does not know,
 * a test's socketpair) waited on through the platform layer. Private to
 * the board library.
 */
#ifndef ROMFS_CLI_CHAN_H
#define ROMFS_CLI_CHAN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"
#include "romfs/romfs.h"

struct chan_serial;       /* the serial backend's open port */

typedef struct chan {
    int rfd, wfd;         /* descriptors, or -1 */
    struct chan_serial *ser; /* serial: the backend's port; else NULL */
    rp_proc_t proc;       /* exec: the child (proc.pid > 0), ended on close */
    int pace;             /* pause between 256-byte chunks (UART boards) */
    int exit_status;      /* exec: rp_wait's status once reaped, else -1 */
    atomic_int cancel;    /* chan_cancel: reads end with ROMFS_ERR_CANCELED */
} chan_t;

/* Wrap an existing pair of descriptors (tests use a socketpair). */
void chan_init_fds(chan_t *c, int rfd, int wfd);

/* Read up to n bytes, waiting until deadline (an rp_monotonic_ms() value).
 * Returns the count (> 0), 0 when the deadline passed, or ROMFS_ERR_CLOSED
 * (end of file, EIO on a tty that went away, a child that exited). */
int chan_read(chan_t *c, uint8_t *buf, size_t n, int64_t deadline);
/* From any thread: reads end (within CHAN_CANCEL_MS) with
 * ROMFS_ERR_CANCELED while on, and wait as ever once off again. */
#define CHAN_CANCEL_MS 100
void chan_cancel(chan_t *c, int on);
/* Write all n bytes by deadline: 0, ROMFS_ERR_TIMEOUT or ROMFS_ERR_CLOSED. */
int chan_write(chan_t *c, const uint8_t *buf, size_t n, int64_t deadline);
/* Close: descriptors, the serial port, and the child's group (SIGTERM,
 * then SIGKILL; its job on Windows). */
void chan_close(chan_t *c);

/* exec.c: run the shell command cmd (rp_spawn_shell: sh -c, cmd.exe /c on
 * Windows) with its stdin/stdout on pipes; stderr is inherited so the
 * child's own complaints reach the user. */
int chan_open_exec(chan_t *c, const char *cmd, const char **err);
/* exec.c: describe why the child is gone ("exited with status 1"), or NULL. */
const char *chan_child_status(chan_t *c, char *buf, size_t size);

/* The serial backend (serial.c or serial_win32.c). */
/* Open a serial port at 115200 8N1 without flow control: c->ser, or
 * (a tty libserialport does not know) c->rfd/c->wfd. */
int chan_open_serial(chan_t *c, const char *path, const char **err);
/* Read up to n bytes, waiting at most timeout_ms (0: only what is there):
 * the count, 0 when nothing came, ROMFS_ERR_CLOSED when the port is gone. */
int chan_serial_read(struct chan_serial *s, uint8_t *buf, size_t n, int timeout_ms);
/* Write up to n bytes within timeout_ms (>= 1): the count written (less
 * than n: timed out), or ROMFS_ERR_CLOSED. */
int chan_serial_write(struct chan_serial *s, const uint8_t *buf, size_t n, int timeout_ms);
void chan_serial_close(struct chan_serial *s);

/* Enumerate serial ports. likely: VID/PID or description of a
 * MicroPython board or a common USB-UART bridge. Likely ports first,
 * then by name. */
struct chan_port {
    char *name;
    char *desc;
    unsigned vid, pid;   /* 0 when not USB */
    int likely;
};
int chan_list_ports(struct chan_port **out, size_t *count);   /* per backend */
/* Shared by the backends (chan.c): 1 when a port of USB vendor vid (0: not
 * USB) described as desc (or NULL) is likely a MicroPython board. */
int chan_port_likely(unsigned vid, const char *desc);
/* Likely ports first, then by name. */
void chan_sort_ports(struct chan_port *ports, size_t count);
void chan_free_ports(struct chan_port *ports, size_t count);

#endif
