/* SPDX-License-Identifier: MIT */
/*
 * Inside romfs::board: the handle (board.c), shared by the deploy probe and
 * operations (probe.c), the image reader (image.c), the query (query.c)
 * and the module runner (run.c). Not installed.
 */
#ifndef ROMFS_BOARD_INT_H
#define ROMFS_BOARD_INT_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs_board.h"

#include "chan.h"
#include "rawrepl.h"

/* A long statement's deadline: an erase of 32 KiB on a slow board, plus
 * the link. */
#define BOARD_EXEC_TIMEOUT_MS 60000

struct dboard;

struct romfs_board {
    chan_t ch;
    rawrepl_t rr;
    int timeout_ms;
    int enc_level;            /* opts.encoding: 3 deflate .. 0 literal, -1 bad */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
    struct dboard *db;        /* the latest deploy probe, NULL before */
    char desc[600];
    char msg[320];            /* why the last call failed */
    int reset_ended;          /* the last soft reset ended the session */
};

/* Set b->msg (printf-style); returns code. */
int board_fail(romfs_board_t *b, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The deploy probe's state (probe.c). */
void dboard_free(struct dboard *d);

/// Parsers of the image reader's answers (image_parse.c, fuzzed) ///

#define BOARDIMG_CHUNK 3072     /* image bytes per line the board prints */

/* The image length a header's first n bytes declare (magic, varuint
 * payload length, as MicroPython reads it), or 0 when they do not. */
size_t boardimg_declared_len(const uint8_t *h, size_t n);

/* The "C crc base64" lines of one read into dst: 0 when they give exactly
 * n bytes, each line matching its CRC32 ("-": none), else
 * ROMFS_ERR_CORRUPT. */
int boardimg_take_chunks(const char *out, uint8_t *dst, size_t n);

/* The probe's "R OK size address base64-head [free-heap]" line: 0 with the
 * fields (head: at most 30 bytes; *heap -1 when absent or negative),
 * ROMFS_ERR_NOPART for "R NOPART", ROMFS_ERR_PROTOCOL for anything else. */
int boardimg_parse_probe(const char *out, uint64_t *size, long long *addr, uint8_t head[30], size_t *hlen,
                         long long *heap);

/* One formatted line to a front end's message callback (fn may be NULL):
 * the deploy's and the watch core's messages (romfs_board_deploy.h). */
void board_say(void (*fn)(void *ctx, int level, const char *line), void *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
