/* SPDX-License-Identifier: MIT */
/* exec: devices: a child process that speaks the REPL on stdin/stdout (the
 * emulated board, or any program standing in for one). */
#include "chan.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform.h"
#include "romfs/romfs.h"

int chan_open_exec(chan_t *c, const char *cmd, const char **err)
{
    int in[2], out[2];
    chan_init_fds(c, -1, -1);
    if (rp_pipe(in) != 0) {
        *err = "cannot create a pipe for the board process";
        return -errno;
    }
    if (rp_pipe(out) != 0) {
        int e = errno;
        close(in[0]);
        close(in[1]);
        *err = "cannot create a pipe for the board process";
        return -e;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        *err = "cannot start the board process";
        return -e;
    }
    if (pid == 0) {
        /* Own process group, so closing the board kills all of it. */
        setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
            _exit(127);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid); /* also here: whoever runs first wins the race */
    close(in[0]);
    close(out[1]);
    c->rfd = out[0];
    c->wfd = in[1];
    c->pid = pid;
    return 0;
}

const char *chan_child_status(chan_t *c, char *buf, size_t size)
{
    if (c->pid <= 0)
        return NULL;
    if (c->exit_status < 0) {
        int st;
        /* The child closes its stdout as it exits: allow it a moment to be
         * reaped so the message can say how it ended. */
        for (int i = 0; i < 50; i++) {
            pid_t r = waitpid(c->pid, &st, WNOHANG);
            if (r == c->pid) {
                c->exit_status = st;
                break;
            }
            if (r < 0)
                return NULL;
            rp_sleep_ms(10);
        }
        if (c->exit_status < 0)
            return NULL;
    }
    int st = c->exit_status;
    if (WIFEXITED(st))
        snprintf(buf, size, "board process exited with status %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, size, "board process killed by signal %d", WTERMSIG(st));
    else
        return NULL;
    return buf;
}
