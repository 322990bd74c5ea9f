/*
 * One deploy of `romfs watch` over a board that stays open between deploys.
 *
 * The session remembers the image it wrote and verified, so a later deploy
 * plans against those bytes without asking the board for any block CRC, and
 * verification asks only for the blocks it rewrote. The first deploy of a
 * session (or the first after a failure or a reconnection) asks the board
 * for every block's CRC and uses the host cache as `romfs deploy` does
 * (through cli/deploy_seam.h). Power safety is the deploy engine's: block 0
 * is invalidated first and committed last.
 */
#include "watch.h"

#include "cli.h"
#include "deploy_seam.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "romfs/romfs_deploy.h"
#include "romfs/romfs_layout.h"

#define CHUNK 4096
#define ERASE_MAX 32768
#define MERGE_GAP 8   /* clean blocks between dirty runs asked for anyway, to save a round trip */

void watch_forget(wsession_t *s)
{
    free(s->img);
    s->img = NULL;
    s->img_len = 0;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A board call failed: WD_LOST when the board itself is the problem (gone,
 * silent, or it reset under us), so the caller reopens it. */
static int board_failed(wsession_t *s, int r, const char *what, const char *detail)
{
    watch_forget(s);
    if (r == BOARD_ERR_EXEC) {
        cli_error("%s: %s: %s", board_describe(s->b), what, detail && *detail ? detail : "the board raised");
        return WD_FAIL;
    }
    cli_error("%s: %s: %s", board_describe(s->b), what, board_last_error(s->b));
    return r == BOARD_ERR_CLOSED || r == BOARD_ERR_TIMEOUT || r == BOARD_ERR_PROTOCOL ? WD_LOST : WD_FAIL;
}

static int probe(wsession_t *s, dboard_t **db, uint32_t *bs)
{
    char *detail = NULL;
    int r = dboard_open(s->b, s->part, db, &s->info, &detail);
    if (r == DBOARD_NO_ROMFS || r == DBOARD_NO_PART) {
        free(detail);
        cli_error("%s: %s", board_describe(s->b),
                  r == DBOARD_NO_ROMFS ? "ROMFS is not enabled on this device" : "ROMFS partition not found");
        return WD_FAIL;
    }
    if (r < 0) {
        r = board_failed(s, r, "probing the board", detail);
        free(detail);
        return r;
    }
    const dboard_info_t *in = &s->info;
    *bs = in->block_size > 0 && (uint64_t)in->block_size <= in->part_size ? (uint32_t)in->block_size
                                                                          : (uint32_t)in->part_size;
    if (in->part_size > UINT32_MAX || !*bs || !in->has_crc || !in->has_view) {
        cli_error("%s: the board cannot checksum its partition (or its size is unsupported): use 'romfs deploy'",
                  board_describe(s->b));
        dboard_free(*db);
        return WD_FAIL;
    }
    return WD_OK;
}

/* The board's CRC of each block of an image of len bytes (the last block
 * over the image's bytes only, as romfs_deploy_plan compares), asked of the
 * board; *base receives the cached image the CRCs confirm, if any. */
static int board_crcs(wsession_t *s, dboard_t *db, uint32_t bs, uint32_t **crcs, uint8_t **base, size_t *blen)
{
    uint32_t nboard = (uint32_t)((s->info.part_size + bs - 1) / bs);
    *crcs = malloc((nboard + 1) * sizeof **crcs);
    if (!*crcs) {
        cli_error("out of memory");
        return WD_FAIL;
    }
    int r = dboard_block_crcs(db, 0, (uint32_t)s->info.part_size, bs, *crcs);
    s->crc_queries++;
    if (r < 0)
        return board_failed(s, r, "reading block checksums", dboard_last_error(db));
    *base = cli_deploy_cached_base(&s->info, s->dev, *crcs, nboard, bs, blen);
    return WD_OK;
}

void watch_known_crcs(const uint8_t *old, size_t old_len, const uint8_t *img, size_t len, uint32_t bs,
                      uint32_t *out)
{
    for (size_t off = 0, i = 0; off < len; off += bs, i++) {
        size_t n = len - off < bs ? len - off : bs;
        uint32_t mine = (uint32_t)crc32(0L, img + off, (uInt)n);
        out[i] = off + n <= old_len ? (uint32_t)crc32(0L, old + off, (uInt)n) : ~mine;
    }
}

/* Stable layout against base when possible, else the packed image. */
static int choose_image(wsession_t *s, const uint8_t *src, size_t src_len, const uint8_t *base, size_t blen,
                        uint32_t bs, uint8_t **img, size_t *len)
{
    romfs_layout_opts_t lo = {.block_size = bs < s->info.part_size ? bs : 4096, .align = s->align, .fresh = !base};
    romfs_layout_stats_t st;
    if (romfs_layout_stable(src, src_len, base, blen, &lo, img, len, &st) == 0 && *len <= s->info.part_size)
        return 0;
    free(*img);
    *img = malloc(src_len ? src_len : 1);
    if (!*img) {
        cli_error("out of memory");
        return -1;
    }
    memcpy(*img, src, src_len);
    *len = src_len;
    if (src_len > s->info.part_size) {
        cli_error("ROMFS image (%zu bytes) is too big for the partition (%llu bytes)", src_len,
                  (unsigned long long)s->info.part_size);
        return -1;
    }
    return 0;
}

/* The deploy's device: erase, write and finish go to the board as they
 * are; verification asks the board only for the blocks this deploy
 * rewrote, since the others were just compared (by the board's CRC or this
 * session's own verified writes). */
struct wops {
    romfs_deploy_ops_t inner;
    const romfs_deploy_plan_t *plan;
    const uint8_t *img;
    wsession_t *s;
};

static int w_erase(void *c, uint32_t off, uint32_t len)
{
    struct wops *w = c;
    return w->inner.erase(w->inner.ctx, off, len);
}

static int w_write(void *c, uint32_t off, const uint8_t *buf, uint32_t len)
{
    struct wops *w = c;
    return w->inner.write(w->inner.ctx, off, buf, len);
}

static int w_finish(void *c)
{
    struct wops *w = c;
    return w->inner.finish ? w->inner.finish(w->inner.ctx) : 0;
}

static int w_dirty(const struct wops *w, uint32_t block)
{
    return block < w->plan->nblocks && w->plan->dirty[block];
}

static int w_crcs(void *c, uint32_t offset, uint32_t len, uint32_t bs, uint32_t *crcs)
{
    struct wops *w = c;
    uint32_t nb = (len + bs - 1) / bs, first = offset / bs;
    romfs_deploy_block_crcs(w->img + offset, len, bs, crcs);
    for (uint32_t i = 0; i < nb;) {
        if (!w_dirty(w, first + i)) {
            i++;
            continue;
        }
        uint32_t j = i + 1;
        for (uint32_t k = j; k < nb && k - j <= MERGE_GAP; k++)
            if (w_dirty(w, first + k))
                j = k + 1;
        uint32_t o = i * bs, n = j == nb ? len - o : (j - i) * bs;
        int r = w->inner.block_crcs(w->inner.ctx, offset + o, n, bs, crcs + i);
        w->s->crc_queries++;
        if (r < 0)
            return r;
        i = j;
    }
    return 0;
}

static int run_plan(wsession_t *s, dboard_t *db, const uint8_t *img, size_t len, uint32_t bs, const uint32_t *old)
{
    romfs_deploy_geom_t g = {.part_size = (uint32_t)s->info.part_size, .block_size = bs, .chunk_size = CHUNK,
                             .erase_max = ERASE_MAX};
    romfs_deploy_plan_t plan;
    memset(&plan, 0, sizeof plan);
    int r = romfs_deploy_plan(img, len, &g, old, &plan);
    if (r < 0) {
        cli_error("cannot plan the deploy: %s", romfs_strerror(r));
        return WD_FAIL;
    }
    s->blocks_written = plan.nwrite;
    s->blocks_total = plan.nblocks;
    if (plan.nwrite)
        cli_deploy_remember(&s->info, s->dev, img, len, 0);
    struct wops w = {.inner = dboard_ops(db, NULL, NULL), .plan = &plan, .img = img, .s = s};
    romfs_deploy_ops_t ops = {.ctx = &w, .erase = w_erase, .write = w_write, .block_crcs = w_crcs,
                              .finish = w_finish};
    romfs_deploy_result_t res;
    r = plan.nwrite ? romfs_deploy_run(img, len, &g, &plan, &ops, &res) : 0;
    romfs_deploy_plan_free(&plan);
    if (r == ROMFS_ERR_IO && res.bad_block >= 0) {
        watch_forget(s);
        cli_error("verification failed: block %d (offset %llu) differs from the image after writing",
                  res.bad_block, (unsigned long long)res.bad_block * bs);
        return WD_FAIL;
    }
    if (r < 0 && r > BOARD_ERR_TIMEOUT) {
        watch_forget(s);
        cli_error("deploy failed: %s; the partition may hold no mountable image until a deploy completes",
                  romfs_strerror(r));
        return WD_FAIL;
    }
    if (r < 0)
        return board_failed(s, r, "deploy failed (the partition may hold no mountable image until a deploy "
                                  "completes)", dboard_last_error(db));
    cli_deploy_remember(&s->info, s->dev, img, len, 1);
    return WD_OK;
}

/* The image to write and the board's CRC of each of its blocks. */
static int prepare(wsession_t *s, dboard_t *db, uint32_t bs, const uint8_t *src, size_t src_len, uint8_t **img,
                   size_t *len, uint32_t **old)
{
    uint32_t *bcrcs = NULL;
    uint8_t *cached = NULL;
    size_t clen = 0;
    int r = WD_OK;
    if (!s->img && (r = board_crcs(s, db, bs, &bcrcs, &cached, &clen)) != WD_OK)
        goto out;
    const uint8_t *base = s->img ? s->img : cached;
    size_t blen = s->img ? s->img_len : clen;
    if (choose_image(s, src, src_len, base, blen, bs, img, len) < 0) {
        r = WD_FAIL;
        goto out;
    }
    uint32_t nb = (uint32_t)((*len + bs - 1) / bs);
    if (s->img) {
        if (!(*old = malloc(nb * sizeof **old))) {
            r = WD_FAIL;
            goto out;
        }
        watch_known_crcs(s->img, s->img_len, *img, *len, bs, *old);
        goto out;
    }
    /* The partition-wide CRCs cover whole blocks; the image's last block
     * may end early: ask for that one over the image's bytes only. */
    if (*len % bs) {
        uint32_t last = (uint32_t)(*len / bs);
        int e = dboard_block_crcs(db, last * bs, (uint32_t)(*len - (size_t)last * bs), bs, &bcrcs[last]);
        s->crc_queries++;
        if (e < 0) {
            r = board_failed(s, e, "reading block checksums", dboard_last_error(db));
            goto out;
        }
    }
    *old = bcrcs;
    bcrcs = NULL;
out:
    free(bcrcs);
    free(cached);
    return r;
}

int watch_deploy_once(wsession_t *s, const uint8_t *src, size_t src_len)
{
    double t0 = mono_s();
    uint64_t wire0 = board_bytes_sent(s->b);
    dboard_t *db = NULL;
    uint32_t bs = 0, *old = NULL;
    uint8_t *img = NULL;
    size_t len = 0;
    s->crc_queries = 0;
    int r = probe(s, &db, &bs);
    if (r != WD_OK)
        return r;
    r = prepare(s, db, bs, src, src_len, &img, &len, &old);
    if (r == WD_OK)
        r = run_plan(s, db, img, len, bs, old);
    dboard_free(db);
    free(old);
    if (r != WD_OK) {
        free(img);
        return r;
    }
    free(s->img);
    s->img = img;
    s->img_len = len;
    s->wire_bytes = board_bytes_sent(s->b) - wire0;
    if (!s->quiet)
        fprintf(stderr, "romfs: deployed: wrote %u of %u blocks (%llu bytes on the wire, %.2fs)\n",
                s->blocks_written, s->blocks_total, (unsigned long long)s->wire_bytes, mono_s() - t0);
    return WD_OK;
}
