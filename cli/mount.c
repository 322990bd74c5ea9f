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

#include "romfs_fuse_ops.h"
#include <fuse_lowlevel.h>
#include <signal.h>
#include <sys/stat.h>

/* fuse_main without its multi-threaded loop (libfuse 3.14 warns "Ignoring
 * invalid max threads value 4294967295" there): one thread serves the
 * reader well. A SIGINT, SIGTERM or SIGHUP unmounts and ends it cleanly:
 * 0, as an unmount does. */
static int serve(int argc, char **argv, const struct fuse_operations *ops)
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
    struct fuse *fu = fuse_new(&args, ops, sizeof *ops, NULL);
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
    struct stat img;
    if (stat(image, &img) != 0)
        memset(&img, 0, sizeof img);
    romfs_t fs;
    int err = romfs_mount(&fs, f.data, f.len);
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
    r = serve(fargc, fargv, mount_operations(&fs, &img));
    cli_file_free(&f);
    return r == 0 ? CLI_OK : CLI_FAIL;
}

#endif
