/* SPDX-License-Identifier: MIT */
/*
 * romfs mount: an image as a read-only filesystem through FUSE (libfuse3).
 * The image file is mapped read-only (UF2 / HEX files are decoded once) and
 * every lookup, listing and read goes through the library's reader, which
 * points into the mapping: nothing is extracted or cached. A corrupt entry
 * answers EIO for itself only. Unmount with `fusermount3 -u DIR`.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "romfs/romfs.h"

struct mount_opts {
    int foreground;
    const char *fuse_opts;
};

const cli_cmd_t cli_cmd_mount = {
    "mount",
    "usage: romfs mount [-f] [-o OPTIONS] IMAGE DIR\n"
    "\n"
    "Mount IMAGE (a ROMFS image, or a UF2 / Intel HEX file of one) read-only\n"
    "on the directory DIR, served in place through the reader. Runs in the\n"
    "background unless -f; unmount with 'fusermount3 -u DIR'.\n"
    "\n",
    (const cli_opt_t[]){
        CLI_O_FLAG('f', "foreground", struct mount_opts, foreground,
                   "stay in the foreground until unmounted (Ctrl-C unmounts)"),
        CLI_O_STR('o', NULL, "OPTIONS", struct mount_opts, fuse_opts,
                  "FUSE mount options, passed through (e.g. allow_other)"),
        CLI_O_HELP("this help"),
        CLI_O_END,
    },
    20,
    "\n"
    "Exit status: 0 mounted (or, with -f, unmounted cleanly), 1 failure, 2 bad usage.\n",
    0, 2, 2, "IMAGE DIR",
};

#if defined(ROMFS_MOUNT_UNAVAILABLE) || !defined(ROMFS_HAVE_FUSE)

int cmd_mount(int argc, char **argv)
{
    struct mount_opts o = {0};
    int r = cli_parse(&cli_cmd_mount, argc, argv, &o);
    if (r >= 0)
        return r;
#if defined(ROMFS_MOUNT_UNAVAILABLE)
    cli_error("mount: not available on Windows (FUSE is on Linux, and on macOS as macFUSE)");
    return CLI_USAGE;
#else
    cli_error("mount: this romfs was built without FUSE (install libfuse3-dev and rebuild)");
    return CLI_FAIL;
#endif
}

#else

#include <limits.h>

#include "mount_ops.h"
#include <fuse_lowlevel.h>
#include <signal.h>
#include <sys/stat.h>

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
static int serve(int argc, char **argv)
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
    struct fuse *fu = fuse_new(&args, &ops, sizeof ops, NULL);
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

int cmd_mount(int argc, char **argv)
{
    struct mount_opts o = {0};
    int r = cli_parse(&cli_cmd_mount, argc, argv, &o);
    if (r >= 0)
        return r;
    const char *image = argv[optind], *dir = argv[optind + 1];
    struct stat ds;
    if (stat(dir, &ds) != 0 || !S_ISDIR(ds.st_mode)) {
        cli_error("mount: %s: %s", dir, errno ? strerror(errno) : "not a directory");
        return CLI_FAIL;
    }
    cli_file_t f;
    if (cli_file_load(image, &f) != 0 || cli_flash_unwrap(image, &f) != 0)
        return CLI_FAIL;
    if (stat(image, &M.img) != 0)
        memset(&M.img, 0, sizeof M.img);
    int err = romfs_mount(&M.fs, f.data, f.len);
    if (err) {
        cli_error("%s: %s (see 'romfs check')", image, romfs_strerror(err));
        cli_file_free(&f);
        return CLI_FAIL;
    }
    char *fargv[8];
    int fargc = 0;
    fargv[fargc++] = "romfs";
    fargv[fargc++] = (char *)dir;
    fargv[fargc++] = "-oro,default_permissions,fsname=romfs,subtype=romfs";
    if (o.fuse_opts) {
        fargv[fargc++] = "-o";
        fargv[fargc++] = (char *)o.fuse_opts;
    }
    if (o.foreground)
        fargv[fargc++] = "-f";
    fargv[fargc] = NULL;
    r = serve(fargc, fargv);
    cli_file_free(&f);
    return r == 0 ? CLI_OK : CLI_FAIL;
}

#endif
