/* SPDX-License-Identifier: MIT */
/*
 * romfs_board_deploy_dir / _image: one deploy over an open board, as
 * `romfs deploy`, `romfs watch` and the Python binding do it: probe,
 * build for the board, refuse what cannot be verified, the deploy session
 * (src/host/session.c), the re-check over a new connection when the link
 * failed after the commit, /rom mounted again, the board's globals put
 * back. Messages go to the caller's callback; nothing is printed.
 */
#include "romfs/romfs_board_deploy.h"

#include "board_int.h"
#include "romfs/romfs_json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    romfs_board_t **b;
    const romfs_board_deploy_opts_t *o;
    romfs_board_deploy_result_t *r;
    const char *dir;          /* a directory to build, or NULL */
    const uint8_t *img;       /* else the image */
    size_t len;
    int tree;
    uint8_t *built;           /* the directory's image (freed here) */
} job_t;

void board_say(void (*fn)(void *ctx, int level, const char *line), void *ctx, int level, const char *fmt, ...)
{
    if (!fn)
        return;
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fn(ctx, level, line);
}

#define msg(o, level, ...) board_say((o)->message, (o)->ctx, level, __VA_ARGS__)

static int fail(job_t *j, int stage, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(job_t *j, int stage, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->r->error, sizeof j->r->error, fmt, ap);
    va_end(ap);
    j->r->stage = stage;
    return code;
}

int romfs_board_lost(int code)
{
    return code == ROMFS_ERR_CLOSED || code == ROMFS_ERR_TIMEOUT || code == ROMFS_ERR_PROTOCOL;
}

static const char *fallback_key(const romfs_board_deploy_opts_t *o)
{
    return o->fallback_key ? o->fallback_key : "auto";
}

static int probe(job_t *j)
{
    romfs_board_t *b = *j->b;
    int r = romfs_board_probe(b, j->o->part, &j->r->info);
    if (r == ROMFS_ERR_NOROMFS || r == ROMFS_ERR_NOPART)
        return fail(j, ROMFS_BOARD_STAGE_PROBE, r, "%s", romfs_board_errmsg(b));
    if (r == ROMFS_ERR_ROFS)
        return fail(j, ROMFS_BOARD_STAGE_PROBE, r, "%s: nothing was changed", romfs_board_errmsg(b));
    if (r < 0)
        return fail(j, ROMFS_BOARD_STAGE_PROBE, r, "probing the board: %s", romfs_board_errmsg(b));
    return 0;
}

static int build(job_t *j)
{
    romfs_dirbuild_opts_t none = {.mpy = 1};
    const romfs_dirbuild_opts_t *bo = j->o->build ? j->o->build : &none;
    int r = romfs_board_build(*j->b, j->dir, bo, j->o->target, &j->r->build, &j->built, &j->len);
    if (r < 0)
        return fail(j, ROMFS_BOARD_STAGE_BUILD, r, "%s",
                    j->r->build ? romfs_dirbuild_errmsg(j->r->build) : "out of memory");
    j->img = j->built;
    j->tree = 1;
    return 0;
}

/* What the board can take: read-back for verification (or the caller's
 * allow_unverified), a partition the session handles. */
static int check(job_t *j)
{
    const romfs_board_info_t *info = &j->r->info;
    const romfs_board_deploy_opts_t *o = j->o;
    if (!info->has_view && !o->session.allow_unverified)
        return fail(j, ROMFS_BOARD_STAGE_CHECK, ROMFS_ERR_OPNOTSUPP,
                    "the board cannot read its partition back (no memoryview or readblocks): refusing an "
                    "unverified deploy");
    if (info->part_size > UINT32_MAX)
        return fail(j, ROMFS_BOARD_STAGE_CHECK, ROMFS_ERR_OPNOTSUPP, "ROMFS%d partition size %llu is not supported",
                    o->part, (unsigned long long)info->part_size);
    if (!info->has_view)
        msg(o, ROMFS_BOARD_MSG_WARN, "the board cannot read its partition back: rewriting everything, unverified");
    else if (!info->has_crc && !(o->keep && *o->keep))
        msg(o, ROMFS_BOARD_MSG_WARN, "the board has no binascii.crc32: rewriting everything, verifying by reading back");
    return 0;
}

static int open_session(job_t *j, romfs_session_t **s)
{
    if (*s)
        return 0;
    romfs_session_board_t sb = romfs_board_session_board(&j->r->info, fallback_key(j->o));
    romfs_deploy_ops_t ops = romfs_board_deploy_ops(*j->b);
    j->r->block_size = sb.block_size;
    if (romfs_session_open(s, &ops, &sb, &j->o->session) < 0)
        return fail(j, ROMFS_BOARD_STAGE_CHECK, ROMFS_ERR_OPNOTSUPP, "ROMFS%d partition size %llu is not supported",
                    j->o->part, (unsigned long long)j->r->info.part_size);
    return 0;
}

/* The link failed after the commit: a new connection says what the
 * partition holds (every block's CRC, as the deploy's own check). */
static const char *recheck(job_t *j, const romfs_session_t *s, int *holds)
{
    size_t len;
    const uint8_t *img = romfs_session_image(s, &len);
    romfs_board_t *b = NULL;
    const char *what = "the partition may hold the new image (its commit was sent; the board could not be checked)";
    if (img && j->o->reopen && j->o->reopen(j->o->ctx, &b) == 0 && b) {
        int h = romfs_board_holds(b, j->o->part, fallback_key(j->o), img, len);
        *holds = h == 1;
        if (h == 1)
            what = "checked on reconnect: the partition holds the complete new image";
        else if (h == 0)
            what = "checked on reconnect: the partition does not hold the new image; deploy again";
    }
    romfs_board_close(b);
    return what;
}

/* The session failed with code: before the commit, say so; after it, the
 * link is gone: close it and, with a reopen, check the partition. 0 when
 * it holds the whole new image after all. */
static int failed(job_t *j, romfs_session_t *s, int code)
{
    romfs_session_result_t *res = &j->r->res;
    if (res->state != ROMFS_DEPLOY_COMMITTED || !j->o->reopen)
        return fail(j, ROMFS_BOARD_STAGE_DEPLOY, code, "%s", res->error);
    romfs_board_close(*j->b);
    *j->b = NULL;
    int holds = 0;
    const char *what = recheck(j, s, &holds);
    int n = (int)strcspn(res->error, ";");
    j->r->reconnected = 1;
    if (!holds)
        return fail(j, ROMFS_BOARD_STAGE_DEPLOY, code, "%.*s; %s", n, res->error, what);
    msg(j->o, ROMFS_BOARD_MSG_WARN, "%.*s; %s", n, res->error, what);
    res->verified = 1;
    snprintf(res->note, sizeof res->note, "verified after reconnecting (the link failed after the commit)");
    return 0;
}

/* Write the image through the session (kept or one of its own). */
static int write_image(job_t *j)
{
    romfs_session_t *own = NULL, **s = j->o->keep ? j->o->keep : &own;
    int r = open_session(j, s);
    if (r < 0)
        return r;
    uint64_t wire0 = romfs_board_bytes_sent(*j->b);
    if (j->o->writing)
        j->o->writing(j->o->ctx, j->r->board, 1);
    r = romfs_session_deploy(*s, j->img, j->len, j->tree, &j->r->res);
    if (j->o->writing)
        j->o->writing(j->o->ctx, NULL, 0);
    j->r->wire_bytes = romfs_board_bytes_sent(*j->b) - wire0;
    if (r < 0)
        r = failed(j, *s, r);
    if (r < 0 && j->o->keep) {   /* the board may not hold what the session believes */
        romfs_session_close(*s);
        *s = NULL;
    }
    romfs_session_close(own);
    return r;
}

static int run(job_t *j)
{
    memset(j->r, 0, sizeof *j->r);
    snprintf(j->r->board, sizeof j->r->board, "%s", romfs_board_describe(*j->b));
    int r = probe(j);
    if (r == 0 && j->dir)
        r = build(j);
    if (r == 0)
        r = check(j);
    if (r == 0)
        r = write_image(j);
    free(j->built);
    if (r < 0)
        return r;
    j->r->stage = ROMFS_BOARD_STAGE_DONE;
    if (!*j->b)
        return 0;   /* verified over a new connection, closed since */
    if (j->r->res.verified)
        romfs_board_remount(*j->b);   /* the new image at /rom, importable without a reset */
    if (romfs_board_restore(*j->b) < 0)
        msg(j->o, ROMFS_BOARD_MSG_WARN, "%s: could not remove the deploy's helpers from the board", j->r->board);
    return 0;
}

int romfs_board_deploy_dir(romfs_board_t **b, const char *dir, const romfs_board_deploy_opts_t *opts,
                           romfs_board_deploy_result_t *r)
{
    job_t j = {.b = b, .o = opts, .r = r, .dir = dir};
    return run(&j);
}

int romfs_board_deploy_image(romfs_board_t **b, const uint8_t *img, size_t len, int tree,
                             const romfs_board_deploy_opts_t *opts, romfs_board_deploy_result_t *r)
{
    job_t j = {.b = b, .o = opts, .r = r, .img = img, .len = len, .tree = tree};
    return run(&j);
}

void romfs_board_deploy_result_free(romfs_board_deploy_result_t *r)
{
    romfs_dirbuild_free(r->build);
    r->build = NULL;
}

/// The result as JSON ///

int romfs_board_deploy_json(const romfs_board_deploy_result_t *r, romfs_json_write_fn write, void *ctx)
{
    romfs_json_out_t j = {write, ctx, 0};
    const romfs_session_result_t *res = &r->res;
    romfs_json_printf(&j, "{\"device\":");
    romfs_json_str(&j, r->board);
    romfs_json_printf(&j,
                      ",\"partition\":%d,\"partition_size\":%llu,\"block_size\":%u,\"image_size\":%zu,"
                      "\"layout\":\"%s\",\"base\":\"%s\",\"blocks_total\":%u,\"blocks_written\":%u,"
                      "\"blocks_skipped\":%u,\"bytes_programmed\":%llu,\"wire_bytes\":%llu,\"erase_ops\":%u,"
                      "\"write_ops\":%u,\"board_bytes_read\":%llu,\"crcs_asked\":%u,\"verified\":%s,\"seconds\":%.3f",
                      r->info.part, (unsigned long long)r->info.part_size, r->block_size, res->image_len,
                      romfs_session_layout_name(res->layout), romfs_session_base_name(res->base),
                      res->blocks_total, res->blocks_written, res->blocks_skipped,
                      (unsigned long long)res->bytes_programmed, (unsigned long long)r->wire_bytes, res->erase_ops,
                      res->write_ops, (unsigned long long)res->bytes_read, res->crcs_asked,
                      res->verified ? "true" : "false", res->seconds);
    romfs_json_printf(&j, ",\"unique_id\":");   /* for the many-boards summary */
    romfs_json_str(&j, r->info.uid);
    if (res->layout == ROMFS_SESSION_LAYOUT_STABLE)
        romfs_json_printf(&j,
                          ",\"files\":%zu,\"files_kept\":%zu,\"files_in_place\":%zu,\"files_moved\":%zu,"
                          "\"files_added\":%zu,\"compacted\":%s,\"waste\":%zu",
                          res->lst.files, res->lst.kept, res->lst.in_place, res->lst.moved, res->lst.added,
                          res->lst.compacted ? "true" : "false", res->lst.waste);
    romfs_json_printf(&j, ",\"note\":");
    romfs_json_str(&j, res->note);
    romfs_json_printf(&j, "}\n");
    return j.err;
}
