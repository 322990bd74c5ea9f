/* SPDX-License-Identifier: MIT */
/*
 * The OS-specific parts of the platform layer (platform_os.h) on POSIX
 * systems other than Linux: macOS, the BSDs, and the portable-POSIX build
 * that proves on Linux that nothing else Linux-only is used
 * (ROMFS_PORTABLE_POSIX). Only POSIX.1-2008 here, plus macOS's
 * _NSGetExecutablePath where it exists. The directory watcher is
 * kqueue's on macOS and the BSDs (platform_watch_kqueue.c), else the
 * polling one (platform_watch_poll.c).
 */
/* XSI (realpath, sync, fchown): in POSIX.1-2008, on macOS and every BSD. */
#if !defined(_GNU_SOURCE) && !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700
#endif
#include "platform_os.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

int rp_os_rename_noreplace(int dirfd, const char *from, const char *to)
{
    (void)dirfd;
    (void)from;
    (void)to;
    return -2; /* check, then rename */
}

/* pipe2 is not POSIX: pipe, then close-on-exec on each end (a fork
 * between the two calls on another thread could inherit them). */
int rp_os_pipe(int p[2])
{
    rp_cloexec_begin();
    int r = pipe(p);
    if (r == 0 && (fcntl(p[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(p[1], F_SETFD, FD_CLOEXEC) != 0)) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        errno = e;
        r = -1;
    }
    rp_cloexec_end();
    return r;
}

int rp_os_fs_sync(int dirfd)
{
    (void)dirfd;
    sync();
    return 0;
}

/* POSIX has no async-signal-safe way to list a directory; readdir on a
 * descriptor of our own is what the BSDs' and macOS's rm do too. */
void rp_os_remove_tree_at(int dirfd, const char *name, int depth)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            if (unlinkat(fd, de->d_name, 0) != 0 && depth < 16)
                rp_os_remove_tree_at(fd, de->d_name, depth + 1);
        }
        closedir(d);
    } else if (fd >= 0) {
        close(fd);
    }
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

long rp_os_ncpus(void)
{
#if defined(_SC_NPROCESSORS_ONLN) /* macOS, the BSDs: not POSIX, but there */
    return sysconf(_SC_NPROCESSORS_ONLN);
#else
    return 0;
#endif
}

char *rp_os_exe_path(void)
{
#if defined(__APPLE__)
    char buf[PATH_MAX];
    uint32_t n = sizeof buf;
    if (_NSGetExecutablePath(buf, &n) != 0)
        return NULL;
    return realpath(buf, NULL);
#else
    /* No portable way: the command falls back on its build tree. */
    errno = ENOSYS;
    return NULL;
#endif
}

#if !defined(ROMFS_WATCH_KQUEUE) /* else platform_watch_kqueue.c */
struct rp_watch_native *rp_os_watch_open(const char *dir, rp_watch_names_t *names)
{
    (void)dir;
    (void)names;
    return NULL;
}

int rp_os_watch_wait(struct rp_watch_native *w, int timeout_ms)
{
    (void)w;
    (void)timeout_ms;
    errno = ENOSYS;
    return -1;
}

const char *rp_os_watch_name(void)
{
    return "poll";
}

void rp_os_watch_close(struct rp_watch_native *w)
{
    (void)w;
}
#endif
