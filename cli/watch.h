/* SPDX-License-Identifier: MIT */
/*
 * `romfs watch`: the board session kept between deploys (watch_deploy.c)
 * and the watch loop (watch.c).
 */
#ifndef ROMFS_CLI_WATCH_H
#define ROMFS_CLI_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "deploy_board.h"
#include "romfs/romfs_session.h"
#include "transport/board.h"

/* One board for as long as the watch runs. */
typedef struct wsession {
    const char *dev;        /* device spec as given (NULL: default) */
    int part;               /* ROM partition index */
    uint32_t align;         /* --align, 0 for none */
    int quiet;
    char *cache_dir;        /* the deploy cache (romfs_session_cache_dir), or NULL */
    board_t *b;             /* open connection, NULL when lost */
    dboard_info_t info;     /* from the last probe */
    dboard_t *db;           /* the current probe, during a deploy */
    romfs_deploy_ops_t cur; /* its ops, which the session's ops forward to */
    /* The deploy session over this connection: it knows the image it wrote
     * and verified. NULL until the first deploy, and after a failure or a
     * reconnection. */
    romfs_session_t *sess;
    /* Figures of the last deploy. */
    uint32_t blocks_written, blocks_total, crcs_asked;
    uint64_t wire_bytes;
} wsession_t;

/* Outcomes of watch_deploy_once. */
#define WD_OK 0
#define WD_FAIL (-1)   /* the deploy failed; the board is still reachable */
#define WD_LOST (-2)   /* the connection is gone: reopen and deploy again */

/* Deploy image src (a packed image built from the source directory) over
 * the open board through the session: stable layout against the image it
 * deployed last, only the blocks that differ written, verified before the
 * commit, power-safe; no block CRC asked for blocks it wrote and verified.
 * Prints one line (unless quiet) or one error line. */
int watch_deploy_once(wsession_t *s, const uint8_t *src, size_t src_len);

/* Close the session: the next deploy learns the board afresh (after a
 * failure or a reconnection). */
void watch_forget(wsession_t *s);

#endif
