/* SPDX-License-Identifier: MIT */
/* exec: devices: a child process that speaks the REPL on stdin/stdout (the
 * emulated board, or any program standing in for one), started through the
 * platform layer (posix_spawn on POSIX, CreateProcessW on Windows). */
#include "chan.h"

#include <stdio.h>

#include "platform.h"
#include "romfs/romfs.h"

int chan_open_exec(chan_t *c, const char *cmd, const char **err)
{
    int in = -1, out = -1;
    chan_init_fds(c, -1, -1);
    int e = rp_spawn_shell(cmd, &c->proc, &in, &out);
    if (e) {
        *err = "cannot start the board process";
        c->proc.pid = 0;
        return -e;
    }
    c->rfd = out;
    c->wfd = in;
    return 0;
}

const char *chan_child_status(chan_t *c, char *buf, size_t size)
{
    if (c->proc.pid <= 0)
        return NULL;
    /* The child closes its stdout as it exits: allow it a moment to be
     * reaped so the message can say how it ended. */
    for (int i = 0; i < 50 && c->exit_status < 0; i++) {
        int r = rp_wait_nohang(&c->proc);
        if (r >= 0)
            c->exit_status = r;
        else if (r == -1)
            return NULL;
        else
            rp_sleep_ms(10);
    }
    if (c->exit_status < 0)
        return NULL;
    if (c->exit_status < 256)
        snprintf(buf, size, "board process exited with status %d", c->exit_status);
    else
        snprintf(buf, size, "board process killed by signal %d", c->exit_status - 256);
    return buf;
}
