/* SPDX-License-Identifier: MIT */
/*
 * The image held in a board's ROM partition, read over the raw REPL
 * (romfs_board_read_image): for the image commands with -d DEV and romfs diff.
 */
#ifndef ROMFS_CLI_BOARDIMG_H
#define ROMFS_CLI_BOARDIMG_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs_board.h"

/* Read partition part's image from board dev (NULL: default board). 0, or
 * -1 after one error line (no image, damaged transfer, board errors). */
int boardimg_fetch(const char *dev, int part, romfs_board_image_t *im);

/* The hook main.c calls for ls|tree|cat|stat|check|extract: wanted when
 * argv (argv[0] the command) has -d; run fetches the image into a private
 * temporary file, inserts its path as the first operand and calls fn. */
int boardimg_wanted(int argc, char **argv);
int boardimg_run(int argc, char **argv, int (*fn)(int, char **));

#endif
