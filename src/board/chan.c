/* SPDX-License-Identifier: MIT */
/* Byte channel over file descriptors: reads and writes that always end by a
 * deadline. */
#include "chan.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libserialport.h>

#include "platform.h"
#include "romfs/romfs.h"

int64_t chan_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void chan_init_fds(chan_t *c, int rfd, int wfd)
{
    memset(c, 0, sizeof *c);
    c->rfd = rfd;
    c->wfd = wfd;
    c->exit_status = -1;
}

static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - chan_now_ms();
        if (left < 0)
            left = 0;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return ROMFS_ERR_CLOSED;
        if (r == 0) {
            if (left == 0 || chan_now_ms() >= deadline)
                return 0;
            continue;
        }
        return 1; /* readable/writable, or hung up: the I/O call tells which */
    }
}

int chan_read(chan_t *c, uint8_t *buf, size_t n, int64_t deadline)
{
    for (;;) {
        int r = wait_fd(c->rfd, POLLIN, deadline);
        if (r <= 0)
            return r;
        ssize_t got = read(c->rfd, buf, n);
        if (got > 0)
            return (int)got;
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        /* 0: end of file (pipe closed, pty master gone); EIO: the tty went
         * away (USB board unplugged). */
        return ROMFS_ERR_CLOSED;
    }
}

/* write(), where a reader that went away gives EPIPE and never kills the
 * process: SIGPIPE is blocked in this thread for the call and a SIGPIPE it
 * raised is taken back, whatever the program's own disposition (a library
 * leaves that alone). */
static ssize_t write_nosig(int fd, const void *buf, size_t n)
{
    sigset_t pipe, old;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &old);
    ssize_t r = write(fd, buf, n);
    int e = errno;
    if (r < 0 && e == EPIPE && !was_pending) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return r;
}

int chan_write(chan_t *c, const uint8_t *buf, size_t n, int64_t deadline)
{
    size_t done = 0;
    while (done < n) {
        int r = wait_fd(c->wfd, POLLOUT, deadline);
        if (r == 0)
            return ROMFS_ERR_TIMEOUT;
        if (r < 0)
            return r;
        ssize_t put = write_nosig(c->wfd, buf + done, n - done);
        if (put < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (put <= 0)
            return ROMFS_ERR_CLOSED; /* EPIPE, EIO */
        done += (size_t)put;
    }
    return 0;
}

void chan_close(chan_t *c)
{
    if (c->sp) {
        sp_close(c->sp);
        sp_free_port(c->sp);
        c->sp = NULL;
        c->rfd = c->wfd = -1;
    }
    if (c->wfd >= 0 && c->wfd != c->rfd)
        close(c->wfd);
    if (c->pid > 0 && c->rfd >= 0 && c->rfd != c->wfd) {
        /* Closing its stdin is the polite goodbye: read what the process
         * still sends until it closes its end (briefly), so that it never
         * writes into a closed pipe (socat's "Broken pipe", node's EPIPE). */
        uint8_t sink[512];
        int64_t deadline = chan_now_ms() + 1000;
        while (chan_read(c, sink, sizeof sink, deadline) > 0)
            ;
    }
    if (c->rfd >= 0)
        close(c->rfd);
    c->rfd = c->wfd = -1;
    if (c->pid > 0) {
        /* Give it a moment to exit, then insist on the whole process group
         * (sh and what it ran), so no board process outlives the command. */
        int st;
        pid_t r = c->exit_status >= 0 ? c->pid : 0;
        for (int i = 0; i < 20 && r == 0; i++) {
            r = waitpid(c->pid, &st, WNOHANG);
            if (r == 0)
                rp_sleep_ms(10);
        }
        kill(-c->pid, SIGTERM);
        for (int i = 0; i < 50 && r == 0; i++) {
            r = waitpid(c->pid, &st, WNOHANG);
            if (r == 0)
                rp_sleep_ms(10);
        }
        if (r == 0) {
            kill(-c->pid, SIGKILL);
            waitpid(c->pid, &st, 0);
        }
        c->pid = 0;
    }
}
