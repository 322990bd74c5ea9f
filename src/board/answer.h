/* SPDX-License-Identifier: MIT */
/*
 * Parsers of what a board prints in answer to the CLI's board-side code:
 * the deploy probe, the write-size line, block CRC lists, read-back hex,
 * `romfs query` lines, and a traceback's last line. Everything a board
 * sends is untrusted: each parser takes the exact text, checks every
 * number against a range and every string against a length, and rejects
 * anything else at once with a reason (a static string in *why). Pure
 * functions: no I/O, no globals; fuzz/fuzz_board.c calls them.
 */
#ifndef ROMFS_CLI_ANSWER_H
#define ROMFS_CLI_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs.h"

/* Bounds on what a board may answer. */
#define ANS_MAX_UID 64            /* hex digits of machine.unique_id() */
#define ANS_MAX_PART_SIZE (1ull << 32)
#define ANS_MAX_PARTS 64
#define ANS_MAX_WSIZE 65536       /* minimum write size from rom_ioctl(3) */

/* Results beyond ROMFS_ERR_PROTOCOL. */

/* The deploy probe's answer: "R OK size block uid feat sum" where sum is
 * the byte sum of the text before it (mod 65536), so that a corrupted
 * feature flag or number is an error, never a silently different board;
 * or "R NOROMFS", or "R NOPART code". feat is "-" or a subsequence of
 * "ocdbhvr" (see probe.c). */
typedef struct ans_probe {
    uint64_t part_size;           /* 1 .. ANS_MAX_PART_SIZE */
    long long block_size;         /* as reported; <= 0: whole partition */
    char uid[ANS_MAX_UID + 1];    /* lowercase hex, "" when absent */
    char feat[8];                 /* "" when none */
    long long nopart;             /* ROMFS_ERR_NOPART: the code rom_ioctl gave */
} ans_probe_t;
int ans_probe(const char *text, size_t len, ans_probe_t *p, const char **why);

/* "W n": the minimum write size (0 .. ANS_MAX_WSIZE). */
int ans_wsize(const char *text, size_t len, int *w, const char **why);

/* "M v": the board's sys.implementation._mpy (0 .. 0xffffff: RISC-V boards
 * set bits above 16 for their extensions), or "M -1" when it has none. */
int ans_mpy(const char *text, size_t len, long long *v, const char **why);

/* Exactly n CRC32s, 1-8 lowercase hex digits each, separated by line
 * breaks or spaces, nothing else. */
int ans_crcs(const char *text, size_t len, uint32_t n, uint32_t *crcs, const char **why);

/* Exactly n bytes as 2n hex digits, then at most a line break. */
int ans_hex(const char *text, size_t len, uint8_t *out, size_t n, const char **why);

/* `romfs query`'s lines: "NOROMFS", or "N count" then for each partition in
 * order "E id code" (rom_ioctl(2, id) gave code) or
 * "P id obj size count bsize erase head isize fit sha ok". */
typedef struct ans_part {
    long long id, obj, size, count, bsize, erase, isize, fit, ok;
    uint8_t head[12];             /* the partition's first bytes */
    int head_len;                 /* 0 .. 12 */
    char sha[65];                 /* 64 hex digits, "" when the board has no hashlib */
    int missing;                  /* an "E" line: size holds the code */
} ans_part_t;
typedef struct ans_query {
    int romfs;                    /* 0: "NOROMFS" */
    long long n;                  /* partitions reported (0 .. ANS_MAX_PARTS) */
    ans_part_t parts[ANS_MAX_PARTS];
} ans_query_t;
int ans_query(const char *text, size_t len, ans_query_t *q, const char **why);

/* The image length a "P" line implies (header bytes + isize), or -1 when
 * the header does not say (no magic, truncated varuint, too big). */
long long ans_part_image_len(const ans_part_t *p);

/* The last non-empty line of text (a traceback's "OSError: [Errno 5] EIO")
 * into buf, at most size-1 bytes, bytes outside printable ASCII as '?'.
 * Returns the length written. */
size_t ans_last_line(const char *text, size_t len, char *buf, size_t size);

#endif
