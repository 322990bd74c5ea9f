/* SPDX-License-Identifier: MIT */
/*
 * One deploy of `romfs watch` over a board that stays open between deploys,
 * through the host's deploy session (include/romfs/romfs_session.h).
 *
 * The session lives as long as the connection: it remembers the image it
 * wrote and verified, so a later deploy lays out and plans against those
 * bytes without asking the board for their block CRCs. Each soft reset
 * drops the board's helper functions, so every cycle probes the board
 * again; the board's deploy operations act on its latest probe, so the
 * session outlives the probes. A failure that may
 * have left the board unlike the session's picture closes the session:
 * the next deploy starts from the host cache or the board's own bytes.
 */
#include "watch.h"

#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "romfs/romfs_session.h"

void watch_forget(wsession_t *s)
{
    romfs_session_close(s->sess);
    s->sess = NULL;
}

/* Board trouble (gone, silent, or it reset under us): the caller reopens
 * the board. */
int watch_lost(int r)
{
    return r == ROMFS_ERR_CLOSED || r == ROMFS_ERR_TIMEOUT || r == ROMFS_ERR_PROTOCOL;
}

static int probe(wsession_t *s)
{
    int r = romfs_board_probe(s->b, s->part, &s->info);
    if (r == ROMFS_ERR_NOROMFS || r == ROMFS_ERR_NOPART) {
        cli_error("%s: %s", romfs_board_describe(s->b),
                  r == ROMFS_ERR_NOROMFS ? "ROMFS is not enabled on this device" : "ROMFS partition not found");
    } else if (r == ROMFS_ERR_ROFS) {
        cli_error("%s: %s", romfs_board_describe(s->b), romfs_board_errmsg(s->b));
    } else if (r < 0) {
        cli_error("%s: probing the board: %s", romfs_board_describe(s->b), romfs_board_errmsg(s->b));
    } else if (s->info.part_size > UINT32_MAX || !s->info.has_view) {
        /* As `romfs deploy`: a board that cannot read its partition back
         * cannot be verified (deploy needs --unverified for it). */
        cli_error("%s: the board cannot read its partition back (or its size is unsupported): use 'romfs deploy'",
                  romfs_board_describe(s->b));
        r = ROMFS_ERR_OPNOTSUPP;
    } else if (!s->info.has_crc && !s->sess && !s->quiet) {
        /* As `romfs deploy`: every block rewritten, verified by reading back. */
        cli_warn("the board has no binascii.crc32: rewriting everything, verifying by reading back");
    }
    return r;
}

static int open_session(wsession_t *s)
{
    romfs_session_board_t sb = romfs_board_session_board(&s->info, s->dev);
    romfs_deploy_ops_t ops = romfs_board_deploy_ops(s->b);
    romfs_session_opts_t so = {.cache_dir = s->cache_dir, .align = s->align};
    int r = romfs_session_open(&s->sess, &ops, &sb, &so);
    if (r < 0)
        cli_error("%s: ROMFS%d partition of %llu bytes is not supported", romfs_board_describe(s->b), s->part,
                  (unsigned long long)s->info.part_size);
    return r;
}

int watch_deploy_once(wsession_t *s, const uint8_t *src, size_t src_len)
{
    uint64_t wire0 = romfs_board_bytes_sent(s->b);
    int r = probe(s);
    if (r < 0)
        return r;
    if (!s->sess && (r = open_session(s)) < 0)
        return r;
    romfs_session_result_t res;
    r = romfs_session_deploy(s->sess, src, src_len, 1, &res);
    s->blocks_written = res.blocks_written;
    s->blocks_total = res.blocks_total;
    s->crcs_asked = res.crcs_asked;
    if (r < 0) {
        cli_error("deploy failed: %s", res.error);
        watch_forget(s);   /* the board may not hold what the session believes */
        return r;
    }
    if (res.verified)
        romfs_board_remount(s->b);   /* /rom again without a reset (watch --no-reset) */
    s->wire_bytes = romfs_board_bytes_sent(s->b) - wire0;
    if (res.note[0] && !s->quiet)
        fprintf(stderr, "romfs: note: %s\n", res.note);
    if (!s->quiet)
        fprintf(stderr, "romfs: deployed: wrote %u of %u blocks (%llu bytes on the wire, %u block CRCs asked "
                        "first, base: %s, %.2fs)\n",
                res.blocks_written, res.blocks_total, (unsigned long long)s->wire_bytes, res.crcs_asked,
                romfs_session_base_name(res.base), res.seconds);
    romfs_board_restore(s->b);   /* best effort: the user's names back, ours gone */
    return 0;
}
