/* SPDX-License-Identifier: MIT */
/*
 * kqueue's EVFILT_VNODE on Linux, for testing only: the part of the BSDs'
 * <sys/event.h> that src/host/platform_watch_kqueue.c uses, implemented
 * on inotify by kqueue_shim.c beside this directory. Debian 12 has no
 * libkqueue; this stand-in lets the portable-POSIX build run the kqueue
 * watcher on Linux. Semantics as the FreeBSD and macOS manuals give them:
 * a descriptor is watched (not a name); a directory reports NOTE_WRITE
 * when an entry is added, removed or renamed in it (NOTE_LINK too when
 * that entry is a directory); a file reports NOTE_WRITE|NOTE_EXTEND on a
 * write, NOTE_ATTRIB on a change of its attributes, NOTE_DELETE when its
 * last name is unlinked, NOTE_RENAME when it is moved; EV_CLEAR folds
 * what happened since the last report into one event per descriptor.
 */
#ifndef ROMFS_TEST_KQUEUE_SHIM_H
#define ROMFS_TEST_KQUEUE_SHIM_H

#include <stdint.h>
#include <time.h>

struct kevent {
    uintptr_t ident;
    short filter;
    unsigned short flags;
    unsigned int fflags;
    intptr_t data;
    void *udata;
};

#define EVFILT_VNODE (-4)

#define EV_ADD 0x0001
#define EV_DELETE 0x0002
#define EV_ENABLE 0x0004
#define EV_CLEAR 0x0020
#define EV_ERROR 0x4000

#define NOTE_DELETE 0x0001
#define NOTE_WRITE 0x0002
#define NOTE_EXTEND 0x0004
#define NOTE_ATTRIB 0x0008
#define NOTE_LINK 0x0010
#define NOTE_RENAME 0x0020
#define NOTE_REVOKE 0x0040

#define EV_SET(kevp, a, b, c, d, e, f) do { \
        struct kevent *ev_set_ = (kevp); \
        ev_set_->ident = (a); \
        ev_set_->filter = (short)(b); \
        ev_set_->flags = (unsigned short)(c); \
        ev_set_->fflags = (d); \
        ev_set_->data = (e); \
        ev_set_->udata = (f); \
    } while (0)

int kqueue(void);
int kevent(int kq, const struct kevent *changelist, int nchanges, struct kevent *eventlist, int nevents,
    const struct timespec *timeout);

#endif
