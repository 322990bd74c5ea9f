/* SPDX-License-Identifier: MIT */
/*
 * The Linux-only parts of the platform layer (platform_os.h): renameat2's
 * RENAME_NOREPLACE, syncfs, /proc/self/exe and the inotify watcher. The
 * only file of the project that may use Linux-only interfaces
 * (tests/cli/portable_apis.sh checks that).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "platform_os.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int rp_os_rename_noreplace(int dirfd, const char *from, const char *to)
{
    int d = dirfd == RP_AT_CWD ? AT_FDCWD : dirfd;
    if (renameat2(d, from, d, to, RENAME_NOREPLACE) == 0)
        return 0;
    return errno == EINVAL || errno == ENOSYS ? -2 : -1;
}

int rp_os_pipe(int p[2])
{
    return pipe2(p, O_CLOEXEC);
}

int rp_os_fs_sync(int dirfd)
{
    return syncfs(dirfd == RP_AT_CWD ? AT_FDCWD : dirfd);
}

/* Only async-signal-safe calls (openat, getdents64, unlinkat, close): the
 * cleanup runs in a signal handler. */
void rp_os_remove_tree_at(int dirfd, const char *name, int depth)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        char buf[4096];
        long n;
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
            for (long off = 0; off < n;) {
                struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);
                off += d->d_reclen;
                if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
                    continue;
                if (unlinkat(fd, d->d_name, 0) != 0 && depth < 16)
                    rp_os_remove_tree_at(fd, d->d_name, depth + 1);
            }
        }
        close(fd);
    }
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

long rp_os_ncpus(void)
{
    return sysconf(_SC_NPROCESSORS_ONLN);
}

char *rp_os_exe_path(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return strdup(buf);
}

/// inotify: every directory of the tree watched, new ones added ///

#define EVENTS (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | IN_ATTRIB)

struct rp_watch_native {
    int ifd;
    char **dirs;    /* watch descriptor -> directory path */
    int ndirs;
    size_t root_len; /* of the watched directory's path */
    rp_watch_names_t *names;
};

/* path relative to the watched directory ("" for itself). */
static const char *rel_of(const struct rp_watch_native *w, const char *path)
{
    const char *r = path + w->root_len;
    while (*r == '/')
        r++;
    return r;
}

static int remember_dir(struct rp_watch_native *w, int wd, const char *path)
{
    if (wd >= w->ndirs) {
        int n = wd + 64;
        char **d = realloc(w->dirs, (size_t)n * sizeof *d);
        if (!d)
            return -1;
        memset(d + w->ndirs, 0, (size_t)(n - w->ndirs) * sizeof *d);
        w->dirs = d;
        w->ndirs = n;
    }
    free(w->dirs[wd]);
    w->dirs[wd] = strdup(path);
    return w->dirs[wd] ? 0 : -1;
}

/* Watch path and every directory below it (symbolic links not followed,
 * as the build does not follow them into directories either). */
static int watch_tree(struct rp_watch_native *w, const char *path)
{
    if (rp_watch_excluded(w->names, rel_of(w, path), 1))
        return 0;
    int wd = inotify_add_watch(w->ifd, path, EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW);
    if (wd < 0)
        return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
    if (remember_dir(w, wd, path) < 0)
        return -ENOMEM;
    DIR *d = opendir(path);
    if (!d)
        return 0;   /* gone again, or unreadable: the build will say so */
    struct dirent *de;
    int r = 0;
    while (r == 0 && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
            continue;
        size_t n = strlen(path) + strlen(de->d_name) + 2;
        char *sub = malloc(n);
        if (!sub) {
            r = -ENOMEM;
            break;
        }
        snprintf(sub, n, "%s/%s", path, de->d_name);
        struct stat st;
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            r = watch_tree(w, sub);
        free(sub);
    }
    closedir(d);
    return r;
}

/* Read pending events; watch new directories. Returns the number of
 * events, 0 when none, -1 on a read error. */
static int read_events(struct rp_watch_native *w)
{
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n = read(w->ifd, buf, sizeof buf);
    if (n <= 0)
        return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
    int count = 0;
    for (char *p = buf; p < buf + n;) {
        struct inotify_event *ev = (struct inotify_event *)p;
        p += sizeof *ev + ev->len;
        const char *dir = ev->wd >= 0 && ev->wd < w->ndirs ? w->dirs[ev->wd] : NULL;
        if (ev->mask & IN_Q_OVERFLOW) {
            w->names->overflow = 1;
            count++;
            continue;
        }
        char *sub = NULL;
        if (dir && ev->len) {
            size_t len = strlen(dir) + strlen(ev->name) + 2;
            if ((sub = malloc(len)) != NULL)
                snprintf(sub, len, "%s/%s", dir, ev->name);
        }
        if (sub) {
            count += rp_watch_names_add(w->names, rel_of(w, sub), (ev->mask & IN_ISDIR) != 0);
            if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
                watch_tree(w, sub);
            free(sub);
        } else if (dir && !(ev->mask & IN_IGNORED)) {
            count += rp_watch_names_add(w->names, rel_of(w, dir), 1); /* the directory itself */
        }
        if ((ev->mask & IN_IGNORED) && dir) {
            free(w->dirs[ev->wd]);
            w->dirs[ev->wd] = NULL;
        }
    }
    return count;
}

struct rp_watch_native *rp_os_watch_open(const char *dir, rp_watch_names_t *names)
{
    struct rp_watch_native *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->names = names;
    w->root_len = strlen(dir);
    w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int r = w->ifd < 0 ? -errno : watch_tree(w, dir);
    if (r < 0) {
        rp_os_watch_close(w);
        errno = -r;
        return NULL;
    }
    return w;
}

int rp_os_watch_wait(struct rp_watch_native *w, int timeout_ms)
{
    int64_t end = rp_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        struct pollfd p = {.fd = w->ifd, .events = POLLIN};
        int64_t left = timeout_ms < 0 ? -1 : (end - rp_monotonic_ns()) / 1000000;
        int r = poll(&p, 1, left < 0 && timeout_ms >= 0 ? 0 : (int)left);
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        int n = read_events(w);
        if (n != 0)
            return n < 0 ? -1 : 1;
        /* only what the filter leaves out changed: wait on */
    }
}

const char *rp_os_watch_name(void)
{
    return "inotify";
}

void rp_os_watch_close(struct rp_watch_native *w)
{
    if (!w)
        return;
    if (w->ifd >= 0)
        close(w->ifd);
    for (int i = 0; i < w->ndirs; i++)
        free(w->dirs[i]);
    free(w->dirs);
    free(w);
}
