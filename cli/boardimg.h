/* SPDX-License-Identifier: MIT */
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
/* The same over a board already open. Board memory used stays bounded
 * whatever the image's size: at most a quarter of the free heap the board
 * reports is left as garbage by one statement. */
struct board;
int boardimg_read(struct board *b, int part, board_image_t *im);
void boardimg_free(board_image_t *im);

/* The hook main.c calls for ls|tree|cat|stat|check|extract: wanted when
 * argv (argv[0] the command) has -d; run fetches the image into a private
 * temporary file, inserts its path as the first operand and calls fn. */
int boardimg_wanted(int argc, char **argv);
int boardimg_run(int argc, char **argv, int (*fn)(int, char **));

/// Parsers of the board's answers (cli/boardimg_parse.c, fuzzed) ///

#define BOARDIMG_CHUNK 3072     /* image bytes per line the board prints */

/* The image length a header's first n bytes declare (magic, varuint
 * payload length, as MicroPython reads it), or 0 when they do not. */
size_t boardimg_declared_len(const uint8_t *h, size_t n);

/* The "C crc base64" lines of one read into dst: 0 when they give exactly
 * n bytes, each line matching its CRC32 ("-": none), else -1. */
int boardimg_take_chunks(const char *out, uint8_t *dst, size_t n);

/* The probe's "R OK size address base64-head [free-heap]" line: 0 with the
 * fields (head: at most 30 bytes; *heap -1 when absent or negative), 1 for
 * "R NOPART", -1 for anything else. */
int boardimg_parse_probe(const char *out, uint64_t *size, long long *addr, uint8_t head[30], size_t *hlen,
                         long long *heap);

#endif
