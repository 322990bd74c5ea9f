/* SPDX-License-Identifier: MIT */
/*
 * A byte channel to a board: a pair of file descriptors (a serial port's
 * tty, or pipes to a child process) read and written with deadlines.
 * Private to cli/transport/.
 */
#ifndef ROMFS_CLI_CHAN_H
#define ROMFS_CLI_CHAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "romfs/romfs.h"

struct sp_port;

typedef struct chan {
    int rfd, wfd;
    pid_t pid;            /* exec: the child, killed on close; else 0 */
    struct sp_port *sp;   /* serial: the libserialport handle; else NULL */
    int pace;             /* pause between 256-byte chunks (UART boards) */
    int exit_status;      /* exec: wait status once the child is reaped, else -1 */
} chan_t;

/* Milliseconds on a monotonic clock. */
int64_t chan_now_ms(void);

/* Wrap an existing pair of descriptors (tests use a socketpair). */
void chan_init_fds(chan_t *c, int rfd, int wfd);

/* Read up to n bytes, waiting until deadline (chan_now_ms() value).
 * Returns the count (> 0), 0 when the deadline passed, or ROMFS_ERR_CLOSED
 * (end of file, EIO on a tty that went away, a child that exited). */
int chan_read(chan_t *c, uint8_t *buf, size_t n, int64_t deadline);
/* Write all n bytes by deadline: 0, ROMFS_ERR_TIMEOUT or ROMFS_ERR_CLOSED. */
int chan_write(chan_t *c, const uint8_t *buf, size_t n, int64_t deadline);
/* Close: descriptors, the serial port, and the child (SIGTERM, then SIGKILL). */
void chan_close(chan_t *c);

/* exec.c: run "/bin/sh -c cmd" with its stdin/stdout on pipes; stderr is
 * inherited so the child's own complaints reach the user. */
int chan_open_exec(chan_t *c, const char *cmd, const char **err);
/* exec.c: describe why the child is gone ("exited with status 1"), or NULL. */
const char *chan_child_status(chan_t *c, char *buf, size_t size);

/* serial.c: open a serial port at 115200 8N1 without flow control. */
int chan_open_serial(chan_t *c, const char *path, const char **err);

/* serial.c: enumerate serial ports. likely: VID/PID or description of a
 * MicroPython board or a common USB-UART bridge. Sorted by port name. */
struct chan_port {
    char *name;
    char *desc;
    unsigned vid, pid;   /* 0 when not USB */
    int likely;
};
int chan_list_ports(struct chan_port **out, size_t *count);
void chan_free_ports(struct chan_port *ports, size_t count);

#endif
