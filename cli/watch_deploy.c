/* SPDX-License-Identifier: MIT */
/*
 * One deploy of `romfs watch` over a board that stays open between deploys,
 * through the host's deploy session (include/romfs/romfs_session.h).
 *
 * The session lives as long as the connection: it remembers the image it
 * wrote and verified, so a later deploy lays out and plans against those
 * bytes without asking the board for their block CRCs. Each soft reset
 * drops the board's helper functions, so every cycle probes the board
 * again (cli/deploy_board.c); the session's device ops forward to the
 * current probe through a context that outlives them. A failure that may
 * have left the board unlike the session's picture closes the session:
 * the next deploy starts from the host cache or the board's own bytes.
 */
#include "watch.h"

#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "romfs/romfs_session.h"

/* The ops of the current probe, behind a pointer the session keeps. */
static int f_erase(void *c, uint32_t off, uint32_t len)
{
    const romfs_deploy_ops_t *o = &((wsession_t *)c)->cur;
    return o->erase(o->ctx, off, len);
}

static int f_write(void *c, uint32_t off, const uint8_t *buf, uint32_t len)
{
    const romfs_deploy_ops_t *o = &((wsession_t *)c)->cur;
    return o->write(o->ctx, off, buf, len);
}

static int f_crcs(void *c, uint32_t off, uint32_t len, uint32_t bs, uint32_t *crcs)
{
    const romfs_deploy_ops_t *o = &((wsession_t *)c)->cur;
    return o->block_crcs(o->ctx, off, len, bs, crcs);
}

static int f_finalise(void *c)
{
    const romfs_deploy_ops_t *o = &((wsession_t *)c)->cur;
    return o->finalise ? o->finalise(o->ctx) : 0;
}

static int f_read(void *c, uint32_t off, uint32_t len, uint8_t *buf)
{
    const romfs_deploy_ops_t *o = &((wsession_t *)c)->cur;
    return o->read(o->ctx, off, len, buf);
}

static const char *f_errstr(void *c, int code)
{
    wsession_t *s = c;
    if (code <= BOARD_ERR_TIMEOUT) {
        const char *e = s->db ? dboard_last_error(s->db) : "";
        return e && *e ? e : board_last_error(s->b);
    }
    return romfs_strerror(code);
}

void watch_forget(wsession_t *s)
{
    romfs_session_close(s->sess);
    s->sess = NULL;
}

/* Board trouble (gone, silent, or it reset under us) is WD_LOST: the
 * caller reopens the board. */
static int lost_or_failed(int r)
{
    return r == BOARD_ERR_CLOSED || r == BOARD_ERR_TIMEOUT || r == BOARD_ERR_PROTOCOL ? WD_LOST : WD_FAIL;
}

static int probe(wsession_t *s)
{
    char *detail = NULL;
    int r = dboard_open(s->b, s->part, &s->db, &s->info, &detail);
    if (r == DBOARD_NO_ROMFS || r == DBOARD_NO_PART) {
        cli_error("%s: %s", board_describe(s->b),
                  r == DBOARD_NO_ROMFS ? "ROMFS is not enabled on this device" : "ROMFS partition not found");
        r = WD_FAIL;
    } else if (r < 0) {
        cli_error("%s: probing the board: %s", board_describe(s->b),
                  r == BOARD_ERR_EXEC ? "the board raised an exception" : board_last_error(s->b));
        r = lost_or_failed(r);
    } else if (s->info.part_size > UINT32_MAX || !s->info.has_view || !s->info.has_crc) {
        cli_error("%s: the board cannot checksum its partition (or its size is unsupported): use 'romfs deploy'",
                  board_describe(s->b));
        r = WD_FAIL;
    }
    free(detail);
    if (r < 0) {
        dboard_free(s->db);
        s->db = NULL;
    }
    return r < 0 ? r : WD_OK;
}

static int open_session(wsession_t *s)
{
    const dboard_info_t *in = &s->info;
    romfs_session_board_t sb = {.part = in->part, .part_size = in->part_size,
                                .block_size = in->block_size > 0 && (uint64_t)in->block_size <= in->part_size
                                                  ? (uint32_t)in->block_size : (uint32_t)in->part_size,
                                .unique_id = in->uid, .fallback_key = s->dev ? s->dev : "auto"};
    romfs_deploy_ops_t ops = {.ctx = s, .erase = f_erase, .write = f_write, .block_crcs = f_crcs,
                              .finalise = f_finalise, .read = f_read};
    romfs_session_opts_t so = {.cache_dir = s->cache_dir, .align = s->align, .errstr = f_errstr, .ctx = s};
    if (romfs_session_open(&s->sess, &ops, &sb, &so) < 0) {
        cli_error("%s: ROMFS%d partition of %llu bytes is not supported", board_describe(s->b), s->part,
                  (unsigned long long)in->part_size);
        return WD_FAIL;
    }
    return WD_OK;
}

int watch_deploy_once(wsession_t *s, const uint8_t *src, size_t src_len)
{
    uint64_t wire0 = board_bytes_sent(s->b);
    int r = probe(s);
    if (r != WD_OK)
        return r;
    s->cur = dboard_ops(s->db, NULL, NULL);
    if (!s->sess && (r = open_session(s)) != WD_OK)
        goto out;
    romfs_session_result_t res;
    int e = romfs_session_deploy(s->sess, src, src_len, 1, &res);
    s->blocks_written = res.blocks_written;
    s->blocks_total = res.blocks_total;
    s->crcs_asked = res.crcs_asked;
    if (e < 0) {
        cli_error("deploy failed: %s", res.error);
        watch_forget(s);   /* the board may not hold what the session believes */
        r = e <= BOARD_ERR_TIMEOUT ? lost_or_failed(e) : WD_FAIL;
        goto out;
    }
    s->wire_bytes = board_bytes_sent(s->b) - wire0;
    if (res.note[0] && !s->quiet)
        fprintf(stderr, "romfs: note: %s\n", res.note);
    if (!s->quiet)
        fprintf(stderr, "romfs: deployed: wrote %u of %u blocks (%llu bytes on the wire, %u block CRCs asked "
                        "first, base: %s, %.2fs)\n",
                res.blocks_written, res.blocks_total, (unsigned long long)s->wire_bytes, res.crcs_asked, res.base,
                res.seconds);
out:
    dboard_free(s->db);
    s->db = NULL;
    return r;
}
