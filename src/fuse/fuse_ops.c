/* SPDX-License-Identifier: MIT */
/*
 * The FUSE operations of `romfs mount` over a mounted image: every lookup,
 * listing and read through the reader, pointing into the image (nothing
 * extracted or cached); a corrupt entry answers EIO for itself only, and
 * the FUSE loop serving them. The command (cli/mount.c) keeps its options
 * and the loading, so fuzz/fuzz_mount.c drives the operations without a
 * kernel and without cli/.
 */
#include "romfs_fuse_ops.h"

#include <errno.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static struct {
    romfs_t fs;
    struct stat img; /* the image file's times and owner, for every entry */
} M;

static int errno_of(int err)
{
    return err == ROMFS_ERR_NOENT ? -ENOENT : err == ROMFS_ERR_NOTDIR ? -ENOTDIR
         : err == ROMFS_ERR_ISDIR ? -EISDIR : -EIO;
}

static void fill_stat(const romfs_info_t *info, struct stat *st)
{
    memset(st, 0, sizeof *st);
    int dir = info->type == ROMFS_TYPE_DIR;
    st->st_mode = dir ? S_IFDIR | 0555 : S_IFREG | 0444;
    st->st_nlink = dir ? 2 : 1;
    st->st_size = dir ? 0 : (off_t)info->size;
    st->st_blocks = dir ? 0 : (blkcnt_t)((info->size + 511) / 512);
    st->st_ino = (ino_t)info->record_offset + 1;
    st->st_uid = M.img.st_uid;
    st->st_gid = M.img.st_gid;
    st->st_atim = M.img.st_atim;
    st->st_mtim = M.img.st_mtim;
    st->st_ctim = M.img.st_ctim;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    (void)fi;
    romfs_info_t info;
    int err = romfs_stat(&M.fs, path, &info);
    if (err)
        return errno_of(err);
    fill_stat(&info, st);
    return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags)
{
    (void)off, (void)fi, (void)flags;
    romfs_dir_t dir;
    int err = romfs_dir_open(&M.fs, &dir, path);
    if (err)
        return errno_of(err);
    fill(buf, ".", NULL, 0, 0);
    fill(buf, "..", NULL, 0, 0);
    char name[NAME_MAX + 1];
    for (;;) {
        romfs_info_t info;
        memset(&info, 0, sizeof info);
        int r = romfs_dir_read(&dir, &info);
        if (r == 0)
            break;
        if (r < 0 && !info.name)
            return -EIO;   /* the directory's records end corrupt: never a silently short listing */
        /* A corrupt entry still shows its name when it has one; stat and
         * open of it say EIO. Names a path cannot hold are left out, and
         * so are names longer than NAME_MAX: no lookup could reach them
         * (the kernel refuses them), and they would not fit here. */
        if (!info.name || info.name_len == 0 || info.name_len > NAME_MAX || (info.flags & ROMFS_INFO_UNSAFE_NAME) ||
            memchr(info.name, '\0', info.name_len))
            continue;
        memcpy(name, info.name, info.name_len);
        name[info.name_len] = '\0';
        if (fill(buf, name, NULL, 0, 0))
            break;
    }
    return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
    if ((fi->flags & O_ACCMODE) != O_RDONLY)
        return -EROFS;
    romfs_info_t info;
    int err = romfs_stat(&M.fs, path, &info);
    if (err)
        return errno_of(err);
    if (info.type != ROMFS_TYPE_FILE)
        return -EISDIR;
    fi->keep_cache = 1; /* the image never changes under the mount */
    return 0;
}

/* The reader's pointer into the mapped image, copied once into FUSE's reply. */
static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)fi;
    romfs_file_t f;
    int err = romfs_file_open(&M.fs, &f, path);
    if (err)
        return errno_of(err);
    size_t len;
    const uint8_t *data = romfs_file_data(&f, &len);
    if (off < 0 || (uint64_t)off >= len)
        return 0;
    size_t n = len - (size_t)off < size ? len - (size_t)off : size;
    if (n > INT32_MAX)
        n = INT32_MAX;
    memcpy(buf, data + off, n);
    return (int)n;
}

static int fs_statfs(const char *path, struct statvfs *st)
{
    (void)path;
    memset(st, 0, sizeof *st);
    st->f_bsize = st->f_frsize = 512;
    st->f_blocks = (fsblkcnt_t)((romfs_image_size(&M.fs) + 511) / 512);
    st->f_namemax = ROMFS_NAME_MAX;
    st->f_flag = ST_RDONLY;
    return 0;
}

/* Inode numbers from image offsets (fill_stat), not FUSE's lookup
 * counter: the same on every mount. */
static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    (void)conn;
    cfg->use_ino = 1;
    cfg->readdir_ino = 1;
    return NULL;
}

static const struct fuse_operations ops = {
    .init = fs_init,
    .getattr = fs_getattr,
    .readdir = fs_readdir,
    .open = fs_open,
    .read = fs_read,
    .statfs = fs_statfs,
};

const struct fuse_operations *mount_operations(const romfs_t *fs, const struct stat *img)
{
    M.fs = *fs;
    M.img = *img;
    return &ops;
}

/* fuse_main without its multi-threaded loop (libfuse 3.14 warns "Ignoring
 * invalid max threads value 4294967295" there): one thread serves the
 * reader well. A SIGINT, SIGTERM or SIGHUP unmounts and ends it cleanly:
 * 0, as an unmount does. */
static int serve(int argc, char **argv, const struct fuse_operations *fops)
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct fuse_cmdline_opts co;
    memset(&co, 0, sizeof co);
    int r = -1;
    if (fuse_parse_cmdline(&args, &co) != 0 || !co.mountpoint) {
        fuse_opt_free_args(&args);
        free(co.mountpoint);
        return -1;
    }
    struct fuse *fu = fuse_new(&args, fops, sizeof *fops, NULL);
    if (fu && fuse_mount(fu, co.mountpoint) == 0) {
        struct fuse_session *se = fuse_get_session(fu);
        if (fuse_daemonize(co.foreground) == 0 && fuse_set_signal_handlers(se) == 0) {
            r = fuse_loop(fu);
            /* libfuse reports the signal that ended the loop as its result. */
            if (r == SIGINT || r == SIGTERM || r == SIGHUP)
                r = 0;
            fuse_remove_signal_handlers(se);
        }
        fuse_unmount(fu);
    }
    if (fu)
        fuse_destroy(fu);
    free(co.mountpoint);
    fuse_opt_free_args(&args);
    return r;
}

int mount_serve(const romfs_t *fs, const char *image, const char *dir, const char *options, int foreground)
{
    struct stat img;
    if (stat(image, &img) != 0)
        memset(&img, 0, sizeof img);
    char *fargv[8];
    int fargc = 0;
    fargv[fargc++] = "romfs";
    fargv[fargc++] = (char *)dir;
    fargv[fargc++] = "-oro,default_permissions,fsname=romfs,subtype=romfs";
    if (options) {
        fargv[fargc++] = "-o";
        fargv[fargc++] = (char *)options;
    }
    if (foreground)
        fargv[fargc++] = "-f";
    fargv[fargc] = NULL;
    return serve(fargc, fargv, mount_operations(fs, &img));
}
