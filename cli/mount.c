/* SPDX-License-Identifier: MIT */
/*
 * romfs mount: an image as a read-only filesystem through FUSE (libfuse3).
 * The image file is read into memory once (UF2 / HEX files decoded) and
 * every lookup, listing and read goes through the library's reader, which
 * points into that copy: nothing is extracted or cached. A corrupt entry
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
#include "romfs/romfs_imgopen.h"

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

#if !defined(ROMFS_MOUNT_UNAVAILABLE) && defined(ROMFS_HAVE_FUSE)
#include "romfs_fuse_ops.h"
#include <sys/stat.h>
#endif

int cmd_mount(int argc, char **argv)
{
    struct mount_opts o = {0};
    int r = cli_parse(&cli_cmd_mount, argc, argv, &o);
    if (r >= 0)
        return r;
#if defined(ROMFS_MOUNT_UNAVAILABLE)
    cli_error("mount: not available on Windows (FUSE is on Linux, and on macOS as macFUSE)");
    return CLI_USAGE;
#elif !defined(ROMFS_HAVE_FUSE)
    cli_error("mount: this romfs was built without FUSE (install libfuse3-dev and rebuild)");
    return CLI_FAIL;
#else
    const char *image = argv[optind], *dir = argv[optind + 1];
    struct stat ds;
    if (stat(dir, &ds) != 0 || !S_ISDIR(ds.st_mode)) {
        cli_error("mount: %s: %s", dir, errno ? strerror(errno) : "not a directory");
        return CLI_FAIL;
    }
    uint8_t *data;
    size_t len;
    romfs_t fs;
    char msg[1300];
    if (romfs_image_load(image, &data, &len, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        return CLI_FAIL;
    }
    r = CLI_FAIL;
    if (romfs_image_mount(&fs, data, len, image, msg, sizeof msg) != 0)
        cli_error("%s", msg);   /* names the file, the offset and the checker's first problem */
    else if (mount_serve(&fs, image, dir, o.fuse_opts, o.foreground) == 0)
        r = CLI_OK;
    free(data);
    return r;
#endif
}
