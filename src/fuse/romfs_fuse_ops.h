/* SPDX-License-Identifier: MIT */
/* The FUSE operations of `romfs mount` (src/fuse/fuse_ops.c) over a mounted image,
 * callable without a kernel: fuzz/fuzz_mount.c drives them directly; and
 * the loop serving them on a directory. */
#ifndef ROMFS_FUSE_OPS_H
#define ROMFS_FUSE_OPS_H

#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <sys/stat.h>

#include "romfs/romfs.h"

/* The operations serving fs (copied; its image must outlive them), every
 * entry with img's owner and times. One image at a time. */
const struct fuse_operations *mount_operations(const romfs_t *fs, const struct stat *img);

/* Serve fs read-only on the directory dir (mount_operations, every entry
 * with the owner and times of the file image, none when it cannot be
 * stat'ed: standard input) until it is unmounted or a SIGINT, SIGTERM or SIGHUP unmounts it: 0. options: more
 * FUSE -o options, passed through (NULL none); unless foreground the
 * process goes to the background once mounted. -1 when libfuse refused
 * (it says why on stderr). */
int mount_serve(const romfs_t *fs, const char *image, const char *dir, const char *options, int foreground);

#endif
