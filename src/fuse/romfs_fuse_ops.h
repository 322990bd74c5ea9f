/* SPDX-License-Identifier: MIT */
/* The FUSE operations of `romfs mount` (src/fuse/fuse_ops.c) over a mounted image,
 * callable without a kernel: fuzz/fuzz_mount.c drives them directly. */
#ifndef ROMFS_FUSE_OPS_H
#define ROMFS_FUSE_OPS_H

#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <sys/stat.h>

#include "romfs/romfs.h"

/* The operations serving fs (copied; its image must outlive them), every
 * entry with img's owner and times. One image at a time. */
const struct fuse_operations *mount_operations(const romfs_t *fs, const struct stat *img);

#endif
