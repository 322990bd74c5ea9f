/* SPDX-License-Identifier: MIT */
/*
 * kqueue() and kevent() with EVFILT_VNODE on Linux's inotify, for testing
 * the kqueue directory watcher (src/host/platform_watch_kqueue.c) in the
 * portable-POSIX build (ROMFS_KQUEUE_SHIM; sys/event.h beside this file
 * says which semantics). Debian 12 ships no libkqueue. Test code: one
 * thread at a time, a handful of queues.
 *
 * A kqueue is an inotify descriptor; each watched descriptor is an
 * inotify watch on the path /proc/self/fd gives for it. inotify reports
 * names in a directory and events on an inode; they are folded into the
 * vnode events kqueue gives for the descriptor. One difference is left:
 * inotify watches an inode, not a descriptor, so a directory's rmdir is
 * seen as its parent's NOTE_WRITE (and the directory's own NOTE_DELETE
 * only once every descriptor on it is closed).
 */
#include <sys/event.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct knote {
    int wd;            /* -1: the inode is gone */
    uintptr_t ident;
    void *udata;
    unsigned want, pending;
    int is_dir;
} knote_t;

typedef struct kq {
    int fd;            /* the inotify descriptor, -1 when unused */
    knote_t *v;
    size_t n;
} kq_t;

#define MAX_KQ 8
static kq_t kqs[MAX_KQ] = {{-1, NULL, 0}, {-1, NULL, 0}, {-1, NULL, 0}, {-1, NULL, 0},
    {-1, NULL, 0}, {-1, NULL, 0}, {-1, NULL, 0}, {-1, NULL, 0}};

int kqueue(void)
{
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0)
        return -1;
    kq_t *free_q = NULL;
    for (int i = 0; i < MAX_KQ; i++) {
        if (kqs[i].fd == fd || (kqs[i].fd >= 0 && fcntl(kqs[i].fd, F_GETFD) < 0)) {
            free(kqs[i].v); /* closed since: its number is taken again */
            kqs[i] = (kq_t){-1, NULL, 0};
        }
        if (kqs[i].fd < 0 && !free_q)
            free_q = &kqs[i];
    }
    if (!free_q) {
        close(fd);
        errno = EMFILE;
        return -1;
    }
    free_q->fd = fd;
    return fd;
}

static kq_t *find_kq(int fd)
{
    for (int i = 0; i < MAX_KQ; i++)
        if (kqs[i].fd == fd && fd >= 0)
            return &kqs[i];
    return NULL;
}

static int add(kq_t *q, const struct kevent *ch)
{
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", (int)ch->ident);
    ssize_t n = readlink(link, path, sizeof path - 1);
    struct stat st;
    if (n <= 0 || fstat((int)ch->ident, &st) != 0) {
        errno = EBADF;
        return -1;
    }
    path[n] = '\0';
    int is_dir = S_ISDIR(st.st_mode);
    uint32_t mask = IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW |
        (is_dir ? IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR : IN_MODIFY);
    int wd = inotify_add_watch(q->fd, path, mask);
    if (wd < 0)
        return -1;
    for (size_t i = 0; i < q->n; i++)
        if (q->v[i].ident == ch->ident) { /* EV_ADD again: modify */
            q->v[i] = (knote_t){wd, ch->ident, ch->udata, ch->fflags, 0, is_dir};
            return 0;
        }
    knote_t *v = realloc(q->v, (q->n + 1) * sizeof *v);
    if (!v)
        return -1;
    q->v = v;
    q->v[q->n++] = (knote_t){wd, ch->ident, ch->udata, ch->fflags, 0, is_dir};
    return 0;
}

static int del(kq_t *q, const struct kevent *ch)
{
    for (size_t i = 0; i < q->n; i++) {
        if (q->v[i].ident != ch->ident)
            continue;
        int wd = q->v[i].wd, shared = 0;
        q->v[i] = q->v[--q->n];
        for (size_t j = 0; j < q->n; j++)
            shared |= q->v[j].wd == wd;
        if (wd >= 0 && !shared)
            inotify_rm_watch(q->fd, wd); /* fails when the inode is gone: fine */
        return 0;
    }
    errno = ENOENT;
    return -1;
}

/* What one inotify event means for a knote on that inode. */
static unsigned vnode_flags(const knote_t *k, const struct inotify_event *ev)
{
    unsigned f = 0;
    if (ev->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO))
        f |= NOTE_WRITE | ((ev->mask & IN_ISDIR) ? NOTE_LINK : 0);
    if (ev->mask & IN_MODIFY)
        f |= NOTE_WRITE | NOTE_EXTEND;
    if (ev->mask & IN_ATTRIB) {
        struct stat st;
        f |= NOTE_ATTRIB; /* an unlink changes the link count: IN_ATTRIB */
        if (fstat((int)k->ident, &st) == 0 && st.st_nlink == 0)
            f |= NOTE_DELETE;
    }
    if (ev->mask & IN_DELETE_SELF)
        f |= NOTE_DELETE;
    if (ev->mask & IN_MOVE_SELF)
        f |= NOTE_RENAME;
    return f & k->want;
}

static void drain(kq_t *q)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    while ((n = read(q->fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
            p += sizeof *ev + ev->len;
            for (size_t i = 0; i < q->n; i++) {
                knote_t *k = &q->v[i];
                if (ev->mask & IN_Q_OVERFLOW)
                    k->pending |= k->is_dir ? NOTE_WRITE & k->want : 0; /* list them all again */
                else if (k->wd == ev->wd && (ev->mask & IN_IGNORED))
                    k->wd = -1;
                else if (k->wd == ev->wd)
                    k->pending |= vnode_flags(k, ev);
            }
        }
    }
}

static int collect(kq_t *q, struct kevent *out, int nout)
{
    int m = 0;
    for (size_t i = 0; i < q->n && m < nout; i++) {
        knote_t *k = &q->v[i];
        if (!k->pending)
            continue;
        EV_SET(&out[m], k->ident, EVFILT_VNODE, EV_ADD | EV_CLEAR, k->pending, 0, k->udata);
        k->pending = 0;
        m++;
    }
    return m;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int kevent(int kqfd, const struct kevent *changes, int nchanges, struct kevent *out, int nout,
    const struct timespec *timeout)
{
    kq_t *q = find_kq(kqfd);
    if (!q) {
        errno = EBADF;
        return -1;
    }
    for (int i = 0; i < nchanges; i++) {
        if (changes[i].filter != EVFILT_VNODE) {
            errno = EINVAL;
            return -1;
        }
        if ((changes[i].flags & EV_DELETE) ? del(q, &changes[i]) != 0 : (changes[i].flags & EV_ADD) && add(q, &changes[i]) != 0)
            return -1;
    }
    if (nout <= 0)
        return 0;
    long long end = timeout ? now_ms() + timeout->tv_sec * 1000LL + (timeout->tv_nsec + 999999) / 1000000 : -1;
    for (;;) {
        drain(q);
        int m = collect(q, out, nout);
        if (m > 0)
            return m;
        long long left = end < 0 ? -1 : end - now_ms();
        if (end >= 0 && left <= 0)
            return 0;
        struct pollfd p = {.fd = q->fd, .events = POLLIN};
        if (poll(&p, 1, left > 0x7fffffff ? 0x7fffffff : (int)left) < 0)
            return -1; /* EINTR as kevent */
    }
}
