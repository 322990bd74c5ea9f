/*
 * The image held in a board's ROM partition, read over the raw REPL
 * (cli/boardimg.c): for the image commands with -d DEV and for romfs diff.
 */
#ifndef ROMFS_CLI_BOARDIMG_H
#define ROMFS_CLI_BOARDIMG_H

#include <stddef.h>
#include <stdint.h>

typedef struct board_image {
    uint8_t *data;          /* the image's bytes (as long as its header says) */
    size_t len;
    uint64_t part_size;
    uint64_t addr;          /* memory-mapped address of the partition, 0 unknown */
    char name[128];         /* "ROMFS0 on /dev/ttyACM0", for messages */
} board_image_t;

/* Read partition part's image from board dev (NULL: default board). 0, or
 * -1 after one error line (no image, damaged transfer, board errors). */
int boardimg_fetch(const char *dev, int part, board_image_t *im);
void boardimg_free(board_image_t *im);

/* The hook main.c calls for ls|tree|cat|stat|check|extract: wanted when
 * argv (argv[0] the command) has -d; run fetches the image into a private
 * temporary file, inserts its path as the first operand and calls fn. */
int boardimg_wanted(int argc, char **argv);
int boardimg_run(int argc, char **argv, int (*fn)(int, char **));

#endif
