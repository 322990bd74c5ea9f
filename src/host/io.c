/* SPDX-License-Identifier: MIT */
/* Host file I/O: bounded loading and atomic output; see romfs_io.h. */
#include "io_links.h"
#include "romfs/romfs_io.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

/// Loading a file ///

int romfs_load_fd(int fd, size_t max, uint8_t **data, size_t *len)
{
    rp_stat_t st;
    if (max > SIZE_MAX / 4)
        max = SIZE_MAX / 4;     /* so that max + 1 and doubling cannot wrap */
    if (rp_fstat(fd, &st) != 0)
        return -errno;
    if (st.type == RP_DIR)
        return -EISDIR;
    size_t cap = 65536;
    if (st.type == RP_REG) {
        if (st.size > max)
            return -EFBIG;
        cap = (size_t)st.size + 1;   /* +1: see EOF without a regrow */
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
        long k = rp_read(fd, buf + n, cap - n);
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
        return romfs_load_fd(0, max, data, len);
    int fd = rp_open(path, RP_RDONLY, 0);
    if (fd < 0)
        return -errno;
    int r = romfs_load_fd(fd, max, data, len);
    rp_close(fd);
    return r;
}

/// Atomic output ///

char *romfs_io_resolve_links(const char *path)
{
    char *p = strdup(path);
    for (int hops = 0; p; hops++) {
        rp_stat_t st;
        if (rp_lstat(p, &st) != 0 || st.type != RP_LNK)
            return p;           /* missing, or not a link: the target */
        if (hops == 40) {
            free(p);
            errno = ELOOP;
            return NULL;
        }
        char target[4096];
        long n = rp_readlink(p, target, sizeof target);
        if (n < 0) {
            free(p);
            return NULL;
        }
        const char *slash = rp_last_sep(p);
        size_t dir = rp_path_absolute(target) || !slash ? 0 : (size_t)(slash - p) + 1;
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
static int open_temp(romfs_out_t *o, const rp_stat_t *old)
{
    static atomic_ulong seq;   /* threads write outputs too (many boards) */
    size_t n = strlen(o->name);
    const char *base = n <= 200 ? o->name : "romfs";
    size_t cap = strlen(base) + 48;
    o->tmp = malloc(cap);
    if (!o->tmp)
        return -ENOMEM;
    if (tmp_hooks.hold)
        tmp_hooks.hold(tmp_hooks.ctx);
    for (int tries = 0; tries < 1000; tries++) {
        snprintf(o->tmp, cap, "%s.tmp-%ld-%lu", base, rp_getpid(), atomic_fetch_add(&seq, 1));
        o->fd = rp_openat(o->dirfd, o->tmp, RP_WRONLY | RP_CREAT | RP_EXCL | RP_NOFOLLOW, 0666);
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
        /* The old file's owner (best effort) and mode. */
        if (rp_copy_mode(o->fd, old) != 0) {
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
    rp_stat_t st;
    if (rp_statat(o->dirfd, o->name, &st, 0) != 0) {
        if (errno != ENOENT)
            return -errno;
        return open_temp(o, NULL);
    }
    if (st.type == RP_DIR)
        return -EISDIR;
    if (st.type == RP_REG)
        return open_temp(o, &st);
    if (st.type == RP_LNK || (o->flags & ROMFS_OUT_LITERAL))
        return open_temp(o, NULL);   /* replaced by the rename, never followed */
    /* A device, FIFO or socket: write in place, never replace it. */
    o->fd = rp_openat(o->dirfd, o->name, RP_WRONLY, 0);
    if (o->fd < 0)
        return -errno;
    o->own_fd = 1;
    rp_dir_close(o->dirfd);
    o->dirfd = -1;
    return 0;
}

static int split_open(romfs_out_t *o, const char *path)
{
    const char *slash = rp_last_sep(path);
    if (slash && slash[1] == '\0')
        return -EISDIR;
    o->name = strdup(slash ? slash + 1 : path);
    if (!o->name)
        return -ENOMEM;
    if (!slash) {
        o->dirfd = rp_dir_open(".");
    } else {
        /* "/x" is in "/"; "C:\x" in "C:\" */
        size_t dl = (size_t)(slash - path);
        if (dl == 0 || (dl == 2 && path[1] == ':' && rp_is_sep('\\')))
            dl++;
        char *dir = malloc(dl + 1);
        if (!dir)
            return -ENOMEM;
        memcpy(dir, path, dl);
        dir[dl] = '\0';
        o->dirfd = rp_dir_open(dir);
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
        o->fd = 1;
        return 0;
    }
    /* Whatever the links end at, a device, FIFO or socket is written in
     * place; /dev/stdout's link does not even name a path (pipe:[N]). */
    rp_stat_t st;
    if (rp_stat(path, &st) == 0 && st.type != RP_REG && st.type != RP_DIR) {
        o->fd = rp_open(path, RP_WRONLY, 0);
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
    if (dirfd == RP_AT_CWD && !(flags & ROMFS_OUT_LITERAL))
        return romfs_out_open(o, name);
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->flags = flags;
    o->dirfd = rp_dir_dup(dirfd);
    o->name = strdup(name);
    int r = o->dirfd < 0 ? -errno : !o->name ? -ENOMEM : open_target(o);
    if (r < 0)
        romfs_out_abort(o);
    return r;
}

int romfs_out_buffer(romfs_out_t *o, size_t size)
{
    free(o->buf);
    o->buf_len = 0;
    o->buf_size = size;
    o->buf = malloc(size);
    return o->buf ? 0 : -ENOMEM;
}

/* Write out the buffer (errors: romfs_out_write's). */
static int out_flush(romfs_out_t *o)
{
    int r = o->buf_len && rp_write_all(o->fd, o->buf, o->buf_len) != 0 ? -errno : 0;
    o->buf_len = 0;
    return r;
}

int romfs_out_write(romfs_out_t *o, const void *data, size_t len)
{
    if (o->err)
        return o->err;
    int r = 0;
    if (o->buf && len > o->buf_size - o->buf_len)
        r = out_flush(o);
    if (r == 0 && o->buf && len <= o->buf_size - o->buf_len) {
        memcpy(o->buf + o->buf_len, data, len);
        o->buf_len += len;
    } else if (r == 0 && rp_write_all(o->fd, data, len) != 0) {
        r = -errno;
    }
    if (r < 0)
        return o->err = r;
    o->written += len;
    return 0;
}

static int do_rename(romfs_out_t *o)
{
    return rp_renameat(o->dirfd, o->tmp, o->name, (o->flags & ROMFS_OUT_NOREPLACE) != 0);
}

int romfs_out_commit(romfs_out_t *o)
{
    int err = o->err ? o->err : out_flush(o);
    if (!err && o->tmp && !(o->flags & ROMFS_OUT_NOSYNC) && rp_fsync(o->fd) != 0)
        err = -errno;
    if (o->own_fd && rp_close(o->fd) != 0 && !err)
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
            (void)rp_dir_sync(o->dirfd);   /* the rename itself: best effort */
    }
    romfs_out_abort(o);
    return err;
}

void romfs_out_abort(romfs_out_t *o)
{
    if (o->own_fd && o->fd >= 0)
        rp_close(o->fd);
    if (o->tmp && o->dirfd >= 0) {
        rp_unlinkat(o->dirfd, o->tmp, 0);
        tmp_gone(o);
    }
    if (o->dirfd >= 0)
        rp_dir_close(o->dirfd);
    free(o->tmp);
    free(o->name);
    free(o->buf);
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
        if (!rp_is_sep(*q) || (q[-1] == ':' && rp_is_sep('\\')))  /* "C:\\" exists */
            continue;
        char c = *q;
        *q = '\0';
        if (rp_mkdir(p, (unsigned)mode) != 0 && errno != EEXIST)
            r = -errno;
        *q = c;
    }
    if (r == 0 && rp_mkdir(p, (unsigned)mode) != 0 && errno != EEXIST)
        r = -errno;
    free(p);
    return r;
}
