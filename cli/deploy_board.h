/* SPDX-License-Identifier: MIT */
/*
 * The deploy engine's device interface over a board's raw REPL: short
 * Python statements that call vfs.rom_ioctl, batched several to an exec,
 * with chunks sent raw-deflated and base64-encoded when the board can
 * decode them.
 */
#ifndef ROMFS_CLI_DEPLOY_BOARD_H
#define ROMFS_CLI_DEPLOY_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs_deploy.h"
#include "transport/board.h"

/* What the probe learnt about the board and the partition. */
typedef struct dboard_info {
    int part;               /* partition index */
    uint64_t part_size;     /* bytes */
    long long block_size;   /* vfs.rom_ioctl(6) as reported (<= 0: whole partition) */
    char uid[80];           /* machine.unique_id() in hex, "" when absent */
    int has_crc;            /* binascii.crc32 */
    int has_deflate;        /* deflate.DeflateIO with RAW */
    int has_b64;            /* binascii.a2b_base64 */
    int has_view;           /* memoryview of the partition works */
    int has_hex;            /* bytes.fromhex */
    int block_device;       /* rom_ioctl(2) gave an ioctl/writeblocks object */
} dboard_info_t;

typedef struct dboard dboard_t;

/* Outcomes of dboard_open beyond board error codes. */
#define DBOARD_NO_ROMFS (-2001)   /* vfs has no rom_ioctl */
#define DBOARD_NO_PART (-2002)    /* the partition index does not exist */

/* Probe board b for partition part, unmount /rom and load the helpers the
 * other calls use. Returns 0 with *out and *info filled, or a negative code
 * (board errors, DBOARD_*); *detail then holds board output (may be NULL;
 * the caller frees). */
int dboard_open(board_t *b, int part, dboard_t **out, dboard_info_t *info, char **detail);

/* The ops for romfs_deploy_run. progress/ctx for progress reports. */
romfs_deploy_ops_t dboard_ops(dboard_t *d, void (*progress)(void *, uint64_t, uint64_t), void *pctx);

/* The device's CRC32 of each block_size piece of [offset, offset+len). */
int dboard_block_crcs(dboard_t *d, uint32_t offset, uint32_t len, uint32_t block_size, uint32_t *crcs);

/* The board's sys.implementation._mpy (what .mpy files it loads), or -1
 * when it does not say. */
int dboard_mpy(dboard_t *d, long long *sys_mpy);
/* The same on a board not probed for a partition (romfs watch asks before
 * its first build); err gets the reason of a failure. */
int dboard_board_mpy(board_t *b, long long *sys_mpy, char *err, size_t errlen);

/* Read [offset, offset+len) of the partition into buf, 16 KiB
 * per exec and 512 at a time on the board (memory bounded on both sides).
 * -ENOTSUP when the board cannot read its partition back. */
int dboard_read(dboard_t *d, uint32_t offset, uint32_t len, uint8_t *buf);

/* Send what is queued and finalise the partition (vfs.rom_ioctl(5): write
 * caches out; a block device's ioctl(3) sync), so that what is read back
 * next is what the flash holds. */
int dboard_finalise(dboard_t *d);

/* Text of the last board error (a traceback line), or "". */
const char *dboard_last_error(const dboard_t *d);

void dboard_free(dboard_t *d);

#endif
