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
#include "romfs/romfs_board.h"
#include "romfs/romfs_check.h"
#include "romfs/romfs_imgopen.h"


/// Loading ///

/* An image loaded from a file (or "-" for stdin), or read from a board's
 * partition, and mounted. */
typedef struct iw_image {
    const char *path;       /* as given; "<stdin>" for "-"; "ROMFS0 on DEV" */
    uint8_t *data;
    size_t len;
    romfs_t fs;
    uint64_t addr;          /* a board's: where the partition is mapped, 0 unknown */
    char name[128];
    romfs_board_t *board;   /* iw_image_open_lazy on a board: read on demand */
    romfs_board_lazy_t *lazy;
    romfs_board_image_t bim;
} iw_image_t;

/* Where the image commands read: an IMAGE operand, or with -d/--device
 * and -p/--partition a board's partition (image NULL then); the options
 * are CLI_O_SOURCE (opts.h). */
typedef struct iw_source {
    const char *dev;
    int part;
    const char *image;
} iw_source_t;

struct cli_cmd;
/* An image command's start: its options into o (src: their iw_source_t),
 * then the image opened with iw_image_open_lazy. -1 to go on (the
 * operands after IMAGE at argv[optind..]), else the exit status. */
int iw_command(const struct cli_cmd *c, int argc, char **argv, void *o, iw_source_t *src, iw_image_t *img);

/* Load the image of s (a file, "-" stdin, UF2 / HEX unwrapped; image NULL:
 * partition part's image read from board dev, NULL the default board) as
 * it is, never mounted: 0, or -1 after one error line (no image, damaged
 * transfer, board errors). */
int iw_image_load(iw_image_t *img, const iw_source_t *s);
/* Load and mount; on failure prints one line naming the file or board
 * (for an image the reader refuses, the checker's first problem and its
 * offset) and returns -1. */
int iw_image_open(iw_image_t *img, const iw_source_t *s);
void iw_image_close(iw_image_t *img);
/* As iw_image_open, but a board's image is read on demand: only its header
 * here, then before each lookup iw_image_need(img, PATH, ROMFS_NEED_*) for
 * what the command reads at PATH (romfs_image_path's form). For an image
 * file need does nothing. 0, or -1 after one error line. */
int iw_image_open_lazy(iw_image_t *img, const iw_source_t *s);
int iw_image_need(iw_image_t *img, const char *path, int what);

/* The entry at the user's path arg in img, read as need (ROMFS_NEED_*)
 * says: *path its normalised form (malloc'd, the caller frees it, also
 * after a failure), *info what the image says. 0; after one error line
 * -1 (the path is not there or corrupt) or -2 (out of memory, the board's
 * read failed: give up). */
int iw_lookup(iw_image_t *img, const char *arg, int need, char **path, romfs_info_t *info);
/* Walk the directory info at path: fn for every entry (it may skip the
 * children); walk errors are reported and the walk goes on. 0, or -1
 * when one was reported. */
int iw_walk(const iw_image_t *img, const romfs_info_t *info, const char *path, void (*fn)(void *ctx, romfs_walk_t *w),
            void *ctx);
/* rc, or CLI_FAIL after one error line when stdout cannot be flushed. */
int iw_flush(int rc);

/// Output helpers ///

/* A library's message line (romfs_image_walk, romfs_extract) after what
 * stdout holds: error 1 "romfs: LINE", else "romfs: warning: LINE". */
void iw_message(void *ctx, int error, const char *line);

#endif
