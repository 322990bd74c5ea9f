/* SPDX-License-Identifier: MIT */
/*
 * The CLI side of reading an image (ls, tree, cat, stat, extract, check):
 * loading and mounting with one error line, user paths, and printing names.
 * The checker and the tree walker are the host library's (romfs_check.h).
 */
#ifndef ROMFS_CLI_IMGWALK_H
#define ROMFS_CLI_IMGWALK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "romfs/romfs.h"
#include "romfs/romfs_check.h"


/// Loading ///

/* An image loaded from a file (or "-" for stdin) and mounted. */
typedef struct iw_image {
    const char *path;       /* as given; "<stdin>" for "-" */
    uint8_t *data;
    size_t len;
    romfs_t fs;
} iw_image_t;

/* Load and mount; on failure prints one line naming the file (for an image
 * the reader refuses, the checker's first problem and its offset) and
 * returns -1. */
int iw_image_open(iw_image_t *img, const char *path);
void iw_image_close(iw_image_t *img);

/* Normalise a user path into "/a/b" (empty components dropped; root is "").
 * Returns a malloc'd string or NULL when out of memory. */
char *iw_path_normalise(const char *path);

/// Output helpers ///

/* Write a name for people: printable bytes as they are, control bytes, DEL
 * and backslash as \xNN so a hostile name cannot drive the terminal. */
void iw_print_name(FILE *fp, const void *name, size_t len);

/* "romfs: IMAGE: offset 0x..: directory 'PATH': <error>" on stderr for a
 * ROMFS_WALK_ERROR of the walk, the path escaped and truncated. */
void iw_walk_error(const romfs_walk_t *w, const char *image);

/* Largest power of two dividing offset, capped at 4096 (0 is 4096). */
size_t iw_align(size_t offset);

#endif
