/* SPDX-License-Identifier: MIT */
/*
 * `romfs watch`: the board session kept between deploys (watch_deploy.c)
 * and the watch loop (watch.c).
 */
#ifndef ROMFS_CLI_WATCH_H
#define ROMFS_CLI_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs_board.h"
#include "romfs/romfs_session.h"

/* One board for as long as the watch runs. */
typedef struct wsession {
    const char *dev;        /* device spec as given (NULL: default) */
    int part;               /* ROM partition index */
    uint32_t align;         /* --align, 0 for none */
    int quiet;
    char *cache_dir;        /* the deploy cache, or NULL */
    romfs_board_t *b;       /* open connection, NULL when lost */
    romfs_board_info_t info; /* from the last probe */
    /* The deploy session over this connection: it knows the image it wrote
     * and verified. NULL until the first deploy, and after a failure or a
     * reconnection. Its operations act on the board's latest probe. */
    romfs_session_t *sess;
    /* Figures of the last deploy. */
    uint32_t blocks_written, blocks_total, crcs_asked;
    uint64_t wire_bytes;
} wsession_t;

/* Deploy image src (a packed image built from the source directory) over
 * the open board through the session: stable layout against the image it
 * deployed last, only the blocks that differ written, verified before the
 * commit, power-safe; no block CRC asked for blocks it wrote and verified.
 * Prints one line (unless quiet) or one error line. 0, or a negative
 * ROMFS_ERR_* code; watch_lost(code) says the connection is gone (reopen
 * and deploy again), else the board is still reachable. */
int watch_deploy_once(wsession_t *s, const uint8_t *src, size_t src_len);
int watch_lost(int code);

/* Close the session: the next deploy learns the board afresh (after a
 * failure or a reconnection). */
void watch_forget(wsession_t *s);

#endif
