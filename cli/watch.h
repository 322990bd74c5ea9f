/*
 * `romfs watch`: the board session kept between deploys (watch_deploy.c)
 * and the watch loop (watch.c).
 */
#ifndef ROMFS_CLI_WATCH_H
#define ROMFS_CLI_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "deploy_board.h"
#include "transport/board.h"

/* What the host knows about one board for as long as the watch runs. */
typedef struct wsession {
    const char *dev;        /* device spec as given (NULL: default) */
    int part;               /* ROM partition index */
    uint32_t align;         /* --align, 0 for none */
    int quiet;
    board_t *b;             /* open connection, NULL when lost */
    dboard_info_t info;     /* from the last probe */
    /* The image this session wrote and verified: the board's bytes
     * [0, img_len) are exactly these until a deploy fails or the board is
     * reopened. NULL: unknown, ask the board for its block CRCs. */
    uint8_t *img;
    size_t img_len;
    /* Figures of the last deploy. */
    uint32_t blocks_written, blocks_total, crc_queries;
    uint64_t wire_bytes;
} wsession_t;

/* Outcomes of watch_deploy_once. */
#define WD_OK 0
#define WD_FAIL (-1)   /* the deploy failed; the board is still reachable */
#define WD_LOST (-2)   /* the connection is gone: reopen and deploy again */

/* Deploy image src (a packed image built from the source directory) over
 * the open board: stable layout against the image this session deployed
 * last, only the blocks that differ written, verified, power-safe. Block
 * CRCs are asked of the board only for blocks this session has not written
 * and verified. Prints one line (unless quiet) or one error line. */
int watch_deploy_once(wsession_t *s, const uint8_t *src, size_t src_len);

/* What a device holding exactly old (old_len bytes from offset 0) holds at
 * each block of img, as CRCs comparable with romfs_deploy_plan's: a block
 * reaching past old is unknown and gets a CRC that cannot match. */
void watch_known_crcs(const uint8_t *old, size_t old_len, const uint8_t *img, size_t len, uint32_t bs,
                      uint32_t *out);

/* Forget what the board holds (after a failure or a reconnection). */
void watch_forget(wsession_t *s);

#endif
