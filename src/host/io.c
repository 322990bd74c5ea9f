/* SPDX-License-Identifier: MIT */
/* Host file I/O: bounded loading and atomic output; see romfs_io.h. */
#include "io_links.h"
#include "romfs/romfs_io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/// Loading a file ///

int romfs_load_fd(int fd, size_t max, uint8_t **data, size_t *len)
{
    struct stat st;
    if (max > SIZE_MAX / 4)
        max = SIZE_MAX / 4;     /* so that max + 1 and doubling cannot wrap */
    if (fstat(fd, &st) != 0)
        return -errno;
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    size_t cap = 65536;
    if (S_ISREG(st.st_mode)) {
        if ((uint64_t)st.st_size > max)
            return -EFBIG;
        cap = (size_t)st.st_size + 1;   /* +1: see EOF without a regrow */
    }
    uint8_t *buf = malloc(cap);
    size_t n = 0;
    if (!buf)
        return -ENOMEM;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap > max / 2 ? max + 1 : cap * 2;
            uint8_t *nb = n > max ? NULL : realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return n > max ? -EFBIG : -ENOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int err = errno;
            free(buf);
            return -err;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    if (n > max) {
        free(buf);
        return -EFBIG;
    }
    *data = buf;
    *len = n;
    return 0;
}

int romfs_load_file(const char *path, size_t max, uint8_t **data, size_t *len)
{
    if (strcmp(path, "-") == 0)
        return romfs_load_fd(STDIN_FILENO, max, data, len);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    int r = romfs_load_fd(fd, max, data, len);
    close(fd);
    return r;
}

/// Atomic output ///

char *romfs_io_resolve_links(const char *path)
{
    char *p = strdup(path);
    for (int hops = 0; p; hops++) {
        struct stat st;
        if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
            return p;           /* missing, or not a link: the target */
        if (hops == 40) {
            free(p);
            errno = ELOOP;
            return NULL;
        }
        char target[PATH_MAX];
        ssize_t n = readlink(p, target, sizeof target - 1);
        if (n < 0) {
            free(p);
            return NULL;
        }
        target[n] = '\0';
        const char *slash = strrchr(p, '/');
        size_t dir = target[0] == '/' || !slash ? 0 : (size_t)(slash - p) + 1;
        char *next = malloc(dir + (size_t)n + 1);
        if (next) {
            memcpy(next, p, dir);
            memcpy(next + dir, target, (size_t)n + 1);
        }
        free(p);
        p = next;
    }
    return NULL;
}

static romfs_tmp_hooks_t tmp_hooks;

void romfs_io_set_tmp_hooks(const romfs_tmp_hooks_t *hooks)
{
    if (hooks)
        tmp_hooks = *hooks;
    else
        memset(&tmp_hooks, 0, sizeof tmp_hooks);
}

static void tmp_gone(const romfs_out_t *o)
{
    if (tmp_hooks.gone)
        tmp_hooks.gone(tmp_hooks.ctx, o->dirfd, o->tmp);
}

/* A temporary file beside name in o->dirfd, with mode/owner of *old when
 * the target exists as a regular file. */
static int open_temp(romfs_out_t *o, const struct stat *old)
{
    static unsigned long seq;
    size_t n = strlen(o->name);
    const char *base = n <= 200 ? o->name : "romfs";
    size_t cap = strlen(base) + 48;
    o->tmp = malloc(cap);
    if (!o->tmp)
        return -ENOMEM;
    if (tmp_hooks.hold)
        tmp_hooks.hold(tmp_hooks.ctx);
    for (int tries = 0; tries < 1000; tries++) {
        snprintf(o->tmp, cap, "%s.tmp-%ld-%lu", base, (long)getpid(), seq++);
        o->fd = openat(o->dirfd, o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (o->fd >= 0 || errno != EEXIST)
            break;
    }
    int saved = errno;
    if (tmp_hooks.created)
        tmp_hooks.created(tmp_hooks.ctx, o->dirfd, o->fd >= 0 ? o->tmp : NULL);
    errno = saved;
    if (o->fd < 0) {
        int err = -errno;
        free(o->tmp);
        o->tmp = NULL;
        return err;
    }
    o->own_fd = 1;
    if (old) {
        /* Best effort: only root may give a file away; the mode is kept
         * after the owner, since chown clears set-id bits. */
        if (fchown(o->fd, old->st_uid, old->st_gid) != 0) {
            /* not ours to give away: the file stays the caller's */
        }
        if (fchmod(o->fd, old->st_mode & 07777) != 0) {
            int err = -errno;
            romfs_out_abort(o);
            return err;
        }
    }
    return 0;
}

/* Open o->name of o->dirfd: in place for a device or FIFO (unless
 * literal), else through a temporary file. */
static int open_target(romfs_out_t *o)
{
    struct stat st;
    if (fstatat(o->dirfd, o->name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT)
            return -errno;
        return open_temp(o, NULL);
    }
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    if (S_ISREG(st.st_mode))
        return open_temp(o, &st);
    if (S_ISLNK(st.st_mode) || (o->flags & ROMFS_OUT_LITERAL))
        return open_temp(o, NULL);   /* replaced by the rename, never followed */
    /* A device, FIFO or socket: write in place, never replace it. */
    o->fd = openat(o->dirfd, o->name, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (o->fd < 0)
        return -errno;
    o->own_fd = 1;
    close(o->dirfd);
    o->dirfd = -1;
    return 0;
}

static int split_open(romfs_out_t *o, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash && slash[1] == '\0')
        return -EISDIR;
    o->name = strdup(slash ? slash + 1 : path);
    if (!o->name)
        return -ENOMEM;
    if (!slash) {
        o->dirfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else {
        char *dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
        if (!dir)
            return -ENOMEM;
        o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        free(dir);
    }
    return o->dirfd < 0 ? -errno : open_target(o);
}

int romfs_out_open(romfs_out_t *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->fd = o->dirfd = -1;
    if (!*path)
        return -ENOENT;
    if (strcmp(path, "-") == 0) {
        o->fd = STDOUT_FILENO;
        return 0;
    }
    /* Whatever the links end at, a device, FIFO or socket is written in
     * place; /dev/stdout's link does not even name a path (pipe:[N]). */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        o->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (o->fd < 0)
            return -errno;
        o->own_fd = 1;
        return 0;
    }
    char *target = romfs_io_resolve_links(path);
    if (!target)
        return errno ? -errno : -ENOMEM;
    int r = split_open(o, target);
    free(target);
    if (r < 0)
        romfs_out_abort(o);
    return r;
}

int romfs_out_openat(romfs_out_t *o, int dirfd, const char *name, unsigned flags)
{
    if (dirfd == AT_FDCWD && !(flags & ROMFS_OUT_LITERAL))
        return romfs_out_open(o, name);
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->flags = flags;
    o->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    o->name = strdup(name);
    int r = o->dirfd < 0 ? -errno : !o->name ? -ENOMEM : open_target(o);
    if (r < 0)
        romfs_out_abort(o);
    return r;
}

int romfs_out_write(romfs_out_t *o, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t k = write(o->fd, p, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -errno;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

static int do_rename(romfs_out_t *o)
{
    if (!(o->flags & ROMFS_OUT_NOREPLACE))
        return renameat(o->dirfd, o->tmp, o->dirfd, o->name);
    if (renameat2(o->dirfd, o->tmp, o->dirfd, o->name, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* The filesystem cannot rename without replacing: check, then rename. */
    struct stat st;
    if (fstatat(o->dirfd, o->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        errno = EEXIST;
        return -1;
    }
    return renameat(o->dirfd, o->tmp, o->dirfd, o->name);
}

int romfs_out_commit(romfs_out_t *o)
{
    int err = 0;
    if (o->tmp && !(o->flags & ROMFS_OUT_NOSYNC) && fsync(o->fd) != 0)
        err = -errno;
    if (o->own_fd && close(o->fd) != 0 && !err)
        err = -errno;
    o->fd = -1;
    o->own_fd = 0;
    if (!err && o->tmp && do_rename(o) != 0)
        err = -errno;
    if (!err && o->tmp) {
        tmp_gone(o);
        free(o->tmp);
        o->tmp = NULL;
        if (!(o->flags & ROMFS_OUT_NOSYNC))
            (void)fsync(o->dirfd);   /* the rename itself: best effort */
    }
    romfs_out_abort(o);
    return err;
}

void romfs_out_abort(romfs_out_t *o)
{
    if (o->own_fd && o->fd >= 0)
        close(o->fd);
    if (o->tmp && o->dirfd >= 0) {
        unlinkat(o->dirfd, o->tmp, 0);
        tmp_gone(o);
    }
    if (o->dirfd >= 0)
        close(o->dirfd);
    free(o->tmp);
    free(o->name);
    memset(o, 0, sizeof *o);
    o->fd = o->dirfd = -1;
}

int romfs_write_file(const char *path, const void *data, size_t len)
{
    romfs_out_t o;
    int r = romfs_out_open(&o, path);
    if (r < 0)
        return r;
    r = romfs_out_write(&o, data, len);
    if (r < 0) {
        romfs_out_abort(&o);
        return r;
    }
    return romfs_out_commit(&o);
}

/// Directories ///

int romfs_mkdir_p(const char *path, mode_t mode)
{
    char *p = strdup(path);
    if (!p)
        return -ENOMEM;
    int r = 0;
    for (char *q = p + 1; *q && r == 0; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(p, mode) != 0 && errno != EEXIST)
            r = -errno;
        *q = '/';
    }
    if (r == 0 && mkdir(p, mode) != 0 && errno != EEXIST)
        r = -errno;
    free(p);
    return r;
}
