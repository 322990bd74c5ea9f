/* SPDX-License-Identifier: MIT */
/*
 * The kqueue directory watcher (platform_os.h's native watcher on macOS
 * and the BSDs). kqueue watches descriptors, not names: every directory
 * and every file of the tree that the filter keeps is opened and watched
 * with EVFILT_VNODE. A file's own events name it (written, extended,
 * attributes, deleted, renamed). A directory says only that it was
 * written; it is then listed again and the listing compared with the
 * last one (name, inode, type): names that came, went or now stand for
 * another inode are the changes, new files and directories are watched
 * (what a new directory holds is reported too: it is all new), watches
 * of what went are dropped. Links are not followed, as the build does
 * not follow them into directories either.
 *
 * One descriptor per watched file and directory: when the process runs
 * out of them while opening, the front falls back to the polling
 * watcher; a file that cannot be opened later is reported with the
 * overflow flag (its later edits are not seen until its directory
 * changes again).
 */
/* kqueue is a BSD extension, hidden by the strict POSIX feature macros
 * the portable build compiles with. */
#if !defined(__linux__)
#undef _POSIX_C_SOURCE
#undef _XOPEN_SOURCE
#endif
#include "platform_os.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/event.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#if defined(O_EVTONLY) /* macOS: a watch that does not keep a volume busy */
#define WATCH_OPEN (O_EVTONLY | O_NOFOLLOW | O_CLOEXEC)
#else
#define WATCH_OPEN (O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
#endif
#define VNODE_EVENTS (NOTE_DELETE | NOTE_WRITE | NOTE_EXTEND | NOTE_ATTRIB | NOTE_LINK | NOTE_RENAME)
#define MAX_DEPTH 64
#define BATCH 64

enum { SLOT_FREE = -1, SLOT_DEAD = -2 }; /* node.fd when not watching */

typedef struct kid {   /* one entry of a directory's last listing */
    char *name;
    uint64_t ino;
    int is_dir;
} kid_t;

typedef struct node {  /* one watched file or directory */
    int fd;            /* or SLOT_FREE, or SLOT_DEAD until the batch ends */
    int is_dir;
    uint64_t ino;
    char *rel;         /* relative to the root, "" for the root */
    kid_t *kids;       /* directories: the last listing, sorted by name */
    size_t nkids;
} node_t;

struct rp_watch_native {
    int kq;
    char *root;
    node_t *nodes;
    size_t nnodes;
    int failed;        /* something could not be watched this wait */
    rp_watch_names_t *names;
};

static char *join(const char *a, const char *b)
{
    size_t al = strlen(a), bl = strlen(b);
    char *p = malloc(al + bl + 2);
    if (!p)
        return NULL;
    memcpy(p, a, al);
    p[al] = '/';
    memcpy(p + al + (al != 0), b, bl + 1);
    return p;
}

static char *path_of(const struct rp_watch_native *w, const char *rel)
{
    return *rel ? join(w->root, rel) : strdup(w->root);
}

/* The kevent change for a node: udata is its slot. */
static int kq_change(struct rp_watch_native *w, int fd, unsigned short flags, size_t slot)
{
    struct kevent ev;
    EV_SET(&ev, (uintptr_t)fd, EVFILT_VNODE, flags, VNODE_EVENTS, 0, (void *)(uintptr_t)slot);
    return kevent(w->kq, &ev, 1, NULL, 0, NULL);
}

static void kids_free(kid_t *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(k[i].name);
    free(k);
}

static void drop_node(struct rp_watch_native *w, size_t i)
{
    node_t *n = &w->nodes[i];
    if (n->fd < 0)
        return;
    kq_change(w, n->fd, EV_DELETE, i); /* close alone does on the BSDs; said for any emulation */
    close(n->fd);
    free(n->rel);
    kids_free(n->kids, n->nkids);
    memset(n, 0, sizeof *n);
    n->fd = SLOT_DEAD; /* events of this batch for the slot are stale */
}

/* Drop the node of rel and every node below it. */
static void drop_tree(struct rp_watch_native *w, const char *rel)
{
    size_t l = strlen(rel);
    for (size_t i = 0; i < w->nnodes; i++) {
        const char *r = w->nodes[i].fd >= 0 ? w->nodes[i].rel : NULL;
        if (r && strncmp(r, rel, l) == 0 && (r[l] == '\0' || (l && r[l] == '/')))
            drop_node(w, i);
    }
}

static int cmp_kid(const void *a, const void *b)
{
    return strcmp(((const kid_t *)a)->name, ((const kid_t *)b)->name);
}

/* List the directory rel: its entries, sorted. By name, not through the
 * watching descriptor (macOS's O_EVTONLY is for events only). */
static int list_dir(const struct rp_watch_native *w, const char *rel, kid_t **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    char *path = path_of(w, rel);
    DIR *d = path ? opendir(path) : NULL;
    free(path);
    if (!d)
        return -1;
    int dfd = dirfd(d);
    kid_t *v = NULL;
    size_t n = 0, cap = 0;
    int r = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue; /* gone again: as if never seen */
        if (n == cap) {
            size_t c = cap ? 2 * cap : 16;
            kid_t *nv = realloc(v, c * sizeof *nv);
            if (!nv) {
                r = -1;
                break;
            }
            v = nv;
            cap = c;
        }
        if (!(v[n].name = strdup(de->d_name))) {
            r = -1;
            break;
        }
        v[n].ino = (uint64_t)st.st_ino;
        v[n].is_dir = S_ISDIR(st.st_mode);
        n++;
    }
    closedir(d);
    if (r != 0) {
        kids_free(v, n);
        return -1;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_kid);
    *out = v;
    *nout = n;
    return 0;
}

static int new_slot(struct rp_watch_native *w, size_t *slot)
{
    for (size_t i = 0; i < w->nnodes; i++)
        if (w->nodes[i].fd == SLOT_FREE) {
            *slot = i;
            return 0;
        }
    size_t cap = w->nnodes ? 2 * w->nnodes : 64;
    node_t *v = realloc(w->nodes, cap * sizeof *v);
    if (!v)
        return -1;
    for (size_t i = w->nnodes; i < cap; i++) {
        memset(&v[i], 0, sizeof v[i]);
        v[i].fd = SLOT_FREE;
    }
    w->nodes = v;
    *slot = w->nnodes;
    w->nnodes = cap;
    return 0;
}

/* Watch rel (and, for a directory, what it holds), unless the filter
 * leaves it out or it is neither a file nor a directory. report: count
 * it and everything in it as changed (it is new). Returns the number
 * counted; on a failure it sets w->failed, or returns -1 with errno
 * while opening (strict). */
static int watch_path(struct rp_watch_native *w, const char *rel, int depth, int report, int strict)
{
    char *path = path_of(w, rel);
    if (!path) {
        w->failed = 1;
        return strict ? -1 : 0;
    }
    int fd = open(path, WATCH_OPEN);
    free(path);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))) {
        close(fd);
        return 0; /* a FIFO, a device: not watched */
    }
    if (fd < 0) {
        if (errno == ENOENT || errno == ELOOP || errno == EACCES || errno == ENOTDIR)
            return 0; /* gone again, a link, unreadable: the build will say so */
        w->failed = 1;
        return strict ? -1 : 0;
    }
    int is_dir = S_ISDIR(st.st_mode);
    if (rp_watch_excluded(w->names, rel, is_dir)) {
        close(fd);
        return 0;
    }
    size_t slot;
    node_t n = {.fd = fd, .is_dir = is_dir, .ino = (uint64_t)st.st_ino};
    if (!(n.rel = strdup(rel)) || (is_dir && list_dir(w, rel, &n.kids, &n.nkids) != 0) ||
        new_slot(w, &slot) != 0 || kq_change(w, fd, EV_ADD | EV_CLEAR, slot) != 0) {
        int e = errno;
        close(fd);
        free(n.rel);
        kids_free(n.kids, n.nkids);
        w->failed = 1;
        errno = e;
        return strict ? -1 : 0;
    }
    w->nodes[slot] = n;
    int count = report ? rp_watch_names_add(w->names, rel, is_dir) : 0;
    if (!is_dir)
        return count;
    /* w->nodes moves as children are added: the listing is read by slot. */
    for (size_t i = 0; i < w->nodes[slot].nkids; i++) {
        if (depth >= MAX_DEPTH)
            break;
        char *sub = join(rel, w->nodes[slot].kids[i].name);
        if (!sub) {
            w->failed = 1;
            return strict ? -1 : count;
        }
        int c = watch_path(w, sub, depth + 1, report, strict);
        free(sub);
        if (c < 0)
            return -1;
        count += c;
    }
    return count;
}

static int depth_of(const char *rel)
{
    int d = *rel != '\0';
    for (; *rel; rel++)
        d += *rel == '/';
    return d;
}

/* The directory of slot i was written: compare its listing with the
 * last one. Returns the number of changes counted. */
static int rescan(struct rp_watch_native *w, size_t i)
{
    kid_t *now;
    size_t nnow;
    if (list_dir(w, w->nodes[i].rel, &now, &nnow) != 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            w->failed = 1; /* else gone: its own events and its parent's say so */
        return 0;
    }
    kid_t *old = w->nodes[i].kids;
    size_t nold = w->nodes[i].nkids;
    w->nodes[i].kids = now;
    w->nodes[i].nkids = nnow;
    char *rel = strdup(w->nodes[i].rel); /* the slot may move below */
    int count = 0, depth = rel ? depth_of(rel) : 0;
    for (size_t a = 0, b = 0; rel && (a < nold || b < nnow);) {
        int c = a == nold ? 1 : b == nnow ? -1 : strcmp(old[a].name, now[b].name);
        const kid_t *gone = c < 0 || (c == 0 && (old[a].ino != now[b].ino || old[a].is_dir != now[b].is_dir)) ? &old[a] : NULL;
        const kid_t *came = c > 0 || (c == 0 && gone) ? &now[b] : NULL;
        char *sub = gone || came ? join(rel, (gone ? gone : came)->name) : NULL;
        if (!gone && !came) {
            /* the same entry: its own watch sees its changes */
        } else if (!sub) {
            w->failed = 1;
        } else {
            if (gone) {
                count += rp_watch_names_add(w->names, sub, gone->is_dir);
                drop_tree(w, sub);
            }
            if (came && depth < MAX_DEPTH) {
                int before = count;
                count += watch_path(w, sub, depth + 1, 1, 0);
                if (count == before && !gone) /* not watched (a link, a FIFO): still a change */
                    count += rp_watch_names_add(w->names, sub, came->is_dir);
            }
            free(sub);
        }
        a += c <= 0;
        b += c >= 0;
    }
    free(rel);
    kids_free(old, nold);
    return count;
}

/* The node of slot i still stands for what its name is now? */
static int still_there(const struct rp_watch_native *w, size_t i)
{
    char *path = path_of(w, w->nodes[i].rel);
    struct stat st;
    int same = path && lstat(path, &st) == 0 && (uint64_t)st.st_ino == w->nodes[i].ino;
    free(path);
    return same;
}

static int handle(struct rp_watch_native *w, const struct kevent *ev)
{
    size_t i = (size_t)(uintptr_t)ev->udata;
    if (i >= w->nnodes || w->nodes[i].fd < 0 || (uintptr_t)w->nodes[i].fd != ev->ident)
        return 0; /* dropped earlier in this batch */
    node_t *n = &w->nodes[i];
    int count = 0;
    if (ev->fflags & (NOTE_DELETE | NOTE_RENAME)) {
        count += rp_watch_names_add(w->names, n->rel, n->is_dir);
        if (!still_there(w, i)) {
            /* Its directory was written too: that listing finds what
             * stands under the name now. The root has no directory. */
            char *rel = strdup(n->rel);
            if (rel)
                drop_tree(w, rel);
            free(rel);
            return count;
        }
    }
    if (n->is_dir && (ev->fflags & (NOTE_WRITE | NOTE_LINK | NOTE_EXTEND)))
        count += rescan(w, i);
    else if (ev->fflags & (NOTE_WRITE | NOTE_EXTEND | NOTE_ATTRIB | NOTE_LINK))
        count += rp_watch_names_add(w->names, w->nodes[i].rel, w->nodes[i].is_dir);
    return count;
}

struct rp_watch_native *rp_os_watch_open(const char *dir, rp_watch_names_t *names)
{
    struct rp_watch_native *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->names = names;
    w->kq = kqueue();
    if (w->kq < 0 || !(w->root = strdup(dir))) {
        int e = w->kq < 0 ? errno : ENOMEM;
        rp_os_watch_close(w);
        errno = e;
        return NULL;
    }
#if defined(F_SETFD) && !defined(__APPLE__)
    fcntl(w->kq, F_SETFD, FD_CLOEXEC); /* a kqueue is not inherited on macOS */
#endif
    if (watch_path(w, "", 0, 0, 1) < 0 || w->nnodes == 0 || w->nodes[0].fd < 0) {
        int e = errno ? errno : ENOENT;
        rp_os_watch_close(w); /* out of descriptors: the poller does it */
        errno = e;
        return NULL;
    }
    return w;
}

int rp_os_watch_wait(struct rp_watch_native *w, int timeout_ms)
{
    int64_t end = rp_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        struct timespec ts = {0, 0};
        if (timeout_ms >= 0) {
            int64_t left = end - rp_monotonic_ns();
            if (left > 0) {
                ts.tv_sec = (time_t)(left / 1000000000);
                ts.tv_nsec = (long)(left % 1000000000);
            }
        }
        struct kevent ev[BATCH];
        int n = kevent(w->kq, NULL, 0, ev, BATCH, timeout_ms < 0 ? NULL : &ts);
        if (n < 0)
            return -1; /* EINTR on a signal: the caller decides */
        if (n == 0)
            return 0;
        w->failed = 0;
        int count = 0;
        for (int k = 0; k < n; k++)
            count += handle(w, &ev[k]);
        for (size_t i = 0; i < w->nnodes; i++)
            if (w->nodes[i].fd == SLOT_DEAD)
                w->nodes[i].fd = SLOT_FREE;
        if (w->failed) {
            w->names->overflow = 1; /* something new is not watched */
            count++;
        }
        if (count > 0)
            return 1;
        /* only what the filter leaves out changed: wait on */
    }
}

const char *rp_os_watch_name(void)
{
    return "kqueue";
}

void rp_os_watch_close(struct rp_watch_native *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->nnodes; i++)
        if (w->nodes[i].fd >= 0) {
            close(w->nodes[i].fd);
            free(w->nodes[i].rel);
            kids_free(w->nodes[i].kids, w->nodes[i].nkids);
        }
    free(w->nodes);
    if (w->kq >= 0)
        close(w->kq);
    free(w->root);
    free(w);
}
