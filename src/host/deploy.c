/* SPDX-License-Identifier: MIT */
/*
 * The deploy engine: plan which erase blocks to rewrite and rewrite them in
 * an order that never leaves a half-written image mountable
 * (include/romfs/romfs_deploy.h lists the steps, docs/DEPLOY.md argues them).
 */
#include "romfs/romfs_deploy.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define DEFAULT_CHUNK 4096u
#define DEFAULT_ERASE_MAX 32768u

static int is_pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

void romfs_deploy_block_crcs(const uint8_t *img, size_t len, uint32_t block_size, uint32_t *crcs)
{
    for (size_t off = 0, i = 0; off < len; off += block_size, i++) {
        size_t n = len - off < block_size ? len - off : block_size;
        crcs[i] = (uint32_t)crc32(0L, img + off, (uInt)n);
    }
}

static int check_geom(const romfs_deploy_geom_t *g, size_t len)
{
    if (!g || !g->block_size || (g->write_size && (!is_pow2(g->write_size) || g->block_size % g->write_size)) ||
        len < ROMFS_SIZE_MIN)
        return ROMFS_ERR_INVAL;
    if (len > g->part_size)
        return ROMFS_ERR_NOSPC;
    return 0;
}

int romfs_deploy_plan(const uint8_t *img, size_t len, const romfs_deploy_geom_t *geom,
                      const uint32_t *old_crcs, romfs_deploy_plan_t *plan)
{
    memset(plan, 0, sizeof *plan);
    int r = check_geom(geom, len);
    if (r < 0)
        return r;
    uint32_t bs = geom->block_size;
    uint32_t n = (uint32_t)((len + bs - 1) / bs);
    uint32_t *crcs = malloc(n * sizeof *crcs);
    plan->dirty = calloc(n, 1);
    if (!crcs || !plan->dirty) {
        free(crcs);
        romfs_deploy_plan_free(plan);
        return ROMFS_ERR_NOMEM;
    }
    romfs_deploy_block_crcs(img, len, bs, crcs);
    plan->nblocks = n;
    int any = 0;
    for (uint32_t i = 0; i < n; i++) {
        plan->dirty[i] = !old_crcs || old_crcs[i] != crcs[i];
        any |= plan->dirty[i];
    }
    /* Block 0 holds the header: rewriting it last is what makes the rest of
     * the deploy invisible until it is complete. */
    if (any)
        plan->dirty[0] = 1;
    for (uint32_t i = 0; i < n; i++) {
        if (plan->dirty[i]) {
            plan->nwrite++;
            uint64_t end = (uint64_t)(i + 1) * bs < len ? (uint64_t)(i + 1) * bs : len;
            plan->write_bytes += end - (uint64_t)i * bs;
        } else {
            plan->nskip++;
        }
    }
    free(crcs);
    return 0;
}

void romfs_deploy_plan_free(romfs_deploy_plan_t *plan)
{
    if (plan) {
        free(plan->dirty);
        memset(plan, 0, sizeof *plan);
    }
}

typedef struct run {
    const uint8_t *img;
    size_t len;
    uint32_t bs, wsize, chunk, emax;
    const romfs_deploy_ops_t *ops;
    uint8_t *pad;           /* two blocks: padded tails, block 0 as verified before the commit */
    uint32_t *crcs;         /* the image's block CRCs, then room for the device's */
    uint64_t done, total;
    romfs_deploy_result_t *res;
} run_t;

static int all_ff(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xff)
            return 0;
    return 1;
}

/* Program [off, end) of the image (end <= len), padding the tail to the
 * write unit with 0xff. Chunks that are all 0xff are already what the erase
 * left, so they cost nothing on the wire. */
static int program(run_t *r, size_t off, size_t end)
{
    if (off >= end)
        return 0;
    size_t n = end - off;
    const uint8_t *src = r->img + off;
    if (!all_ff(src, n)) {
        size_t padded = (n + r->wsize - 1) / r->wsize * r->wsize;
        if (padded != n) {
            memcpy(r->pad, src, n);
            memset(r->pad + n, 0xff, padded - n);
            src = r->pad;
        }
        int e = r->ops->write(r->ops->ctx, (uint32_t)off, src, (uint32_t)padded);
        if (e < 0)
            return e;
        r->res->write_ops++;
        r->res->bytes_programmed += padded;
    }
    r->done += n;
    if (r->ops->progress)
        r->ops->progress(r->ops->ctx, r->done, r->total);
    return 0;
}

static int erase(run_t *r, uint32_t off, uint32_t n)
{
    int e = r->ops->erase(r->ops->ctx, off, n);
    if (e < 0)
        return e;
    r->res->erase_ops++;
    if (e > 0) {
        if (!is_pow2((uint32_t)e) || r->chunk % (uint32_t)e)
            return ROMFS_ERR_INVAL;
        if ((uint32_t)e > r->wsize)
            r->wsize = (uint32_t)e;
    }
    return 0;
}

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

const char *romfs_deploy_state_str(romfs_deploy_state_t st)
{
    switch (st) {
    case ROMFS_DEPLOY_UNTOUCHED: return "the partition still holds its old image";
    case ROMFS_DEPLOY_NOTHING: return "the partition holds no mountable image until a deploy completes";
    case ROMFS_DEPLOY_COMMITTED: return "the partition may hold the new image (its commit was not verified)";
    case ROMFS_DEPLOY_UNDONE: return "the commit was erased again: the partition holds no mountable image";
    case ROMFS_DEPLOY_WRONG: return "erasing the bad commit failed: the partition may hold a WRONG image";
    case ROMFS_DEPLOY_NEW: return "the partition holds the new image";
    case ROMFS_DEPLOY_UNERASED:
        return "erasing the header block did not take: the partition may still mount its old image (or a "
               "damaged one); nothing was written after it";
    }
    return "the partition's state is unknown";
}

/* Compare the device's CRCs of blocks [first, last] with the host's
 * (expect, indexed by block). Finalises first, so caches show the flash;
 * a device that cannot read back is finalised all the same (what it
 * queued is sent then), and its blocks are taken on trust. */
static int verify(run_t *r, uint32_t first, uint32_t last, const uint32_t *expect, uint32_t *got)
{
    const romfs_deploy_ops_t *ops = r->ops;
    if (first > last)
        return 0;
    int e = ops->finalise ? ops->finalise(ops->ctx) : 0;
    if (e < 0 || !ops->block_crcs)
        return e;
    uint32_t off = first * r->bs;
    uint32_t len = (uint32_t)(min_sz((size_t)(last + 1) * r->bs, r->len) - off);
    if ((e = ops->block_crcs(ops->ctx, off, len, r->bs, got)) < 0)
        return e;
    for (uint32_t i = first; i <= last; i++) {
        if (got[i - first] != expect[i]) {
            r->res->bad_block = (int32_t)i;
            return ROMFS_ERR_IO;
        }
    }
    return 0;
}

/* Block 0 as an erase leaves it, read back: an erase that reported success
 * but did not happen would leave the old header over the new blocks, and
 * that mounts. 0, ROMFS_ERR_IO (res->bad_block 0) or the device's error;
 * a device that cannot read back is trusted. */
static int check_erased(run_t *r, uint32_t *got)
{
    if (!r->ops->block_crcs)
        return 0;
    size_t n = min_sz(r->bs, r->len);
    memset(r->pad, 0xff, n);
    uint32_t want = (uint32_t)crc32(0L, r->pad, (uInt)n);
    return verify(r, 0, 0, &want, got);
}

/* Every dirty block past block 0, consecutive ones erased together. */
static int write_body(run_t *r, const romfs_deploy_plan_t *plan)
{
    uint32_t bs = r->bs;
    for (uint32_t i = 1; i < plan->nblocks;) {
        if (!plan->dirty[i]) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j < plan->nblocks && plan->dirty[j] && (uint64_t)(j + 1 - i) * bs <= r->emax)
            j++;
        int e = erase(r, i * bs, (j - i) * bs);
        if (e < 0)
            return e;
        size_t end = min_sz((size_t)j * bs, r->len);
        for (size_t off = (size_t)i * bs; off < end; off += r->chunk)
            if ((e = program(r, off, min_sz(off + r->chunk, end))) < 0)
                return e;
        i = j;
    }
    return 0;
}

/* Block 0 back to front without its first write unit; with reprogram the
 * unit too, but with the three magic bytes left erased. Then verify it
 * against the image's block 0 with those bytes still 0xff. */
static int write_header(run_t *r, int reprogram, uint32_t *expect, uint32_t *got)
{
    size_t end0 = min_sz(r->bs, r->len);
    size_t unit = min_sz(r->wsize, end0);
    size_t nchunks = (end0 + r->chunk - 1) / r->chunk;
    int e;
    for (size_t c = nchunks; c-- > 1;)
        if ((e = program(r, c * r->chunk, min_sz((c + 1) * r->chunk, end0))) < 0)
            return e;
    if ((e = program(r, unit, min_sz(r->chunk, end0))) < 0)
        return e;
    size_t blank = unit;
    if (reprogram && unit > 3) {
        /* NOR may be cut part-way through a unit: with the unit already
         * there but for the magic, a partial commit cannot mount. */
        memset(r->pad, 0xff, r->wsize);
        memcpy(r->pad + 3, r->img + 3, unit - 3);
        if ((e = r->ops->write(r->ops->ctx, 0, r->pad, r->wsize)) < 0)
            return e;
        r->res->write_ops++;
        r->res->bytes_programmed += r->wsize;
        blank = 3;
    }
    memcpy(r->pad, r->img, end0);
    memset(r->pad, 0xff, blank);
    uint32_t keep = expect[0];
    expect[0] = (uint32_t)crc32(0L, r->pad, (uInt)end0);
    e = verify(r, 0, 0, expect, got);
    expect[0] = keep;
    return e;
}

/* The commit: the first write unit (with reprogram the same unit again,
 * which only adds the magic), then verify block 0. A wrong block 0 is
 * erased again so that nothing wrong mounts. */
static int commit(run_t *r, const uint32_t *expect, uint32_t *got)
{
    size_t unit = min_sz(r->wsize, min_sz(r->bs, r->len));
    r->res->state = ROMFS_DEPLOY_COMMITTED;
    int e = program(r, 0, unit);
    if (e < 0)
        return e;
    e = verify(r, 0, 0, expect, got);
    if (e < 0 && r->res->bad_block >= 0) {   /* read back wrong, not a device error */
        int u = r->ops->erase(r->ops->ctx, 0, r->bs);
        if (u >= 0)   /* finalises too; an erase not seen is not trusted */
            u = check_erased(r, got);
        r->res->state = u < 0 ? ROMFS_DEPLOY_WRONG : ROMFS_DEPLOY_UNDONE;
        return e;
    }
    if (e == 0)
        r->res->state = ROMFS_DEPLOY_NEW;
    return e;
}

static int run_init(run_t *r, const uint8_t *img, size_t len, const romfs_deploy_geom_t *geom,
                    const romfs_deploy_plan_t *plan, const romfs_deploy_ops_t *ops, romfs_deploy_result_t *res)
{
    memset(r, 0, sizeof *r);
    r->img = img;
    r->len = len;
    r->ops = ops;
    r->res = res;
    r->bs = geom->block_size;
    r->wsize = geom->write_size ? geom->write_size : 1;
    r->chunk = geom->chunk_size ? geom->chunk_size : DEFAULT_CHUNK;
    if (r->chunk > r->bs)
        r->chunk = r->bs;
    if (r->chunk < r->wsize)
        return ROMFS_ERR_INVAL;
    r->emax = geom->erase_max ? geom->erase_max : DEFAULT_ERASE_MAX;
    if (r->emax < r->bs)
        r->emax = r->bs;
    r->total = plan->write_bytes;
    r->pad = malloc((size_t)r->bs * 2);
    r->crcs = malloc((size_t)plan->nblocks * 2 * sizeof *r->crcs);
    if (!r->pad || !r->crcs)
        return ROMFS_ERR_NOMEM;
    romfs_deploy_block_crcs(img, len, r->bs, r->crcs);
    return 0;
}

/* The first and last dirty block past block 0 (first > last: none). */
static void dirty_span(const romfs_deploy_plan_t *plan, uint32_t *first, uint32_t *last)
{
    *first = 1;
    *last = 0;
    for (uint32_t i = 1; i < plan->nblocks; i++) {
        if (plan->dirty[i]) {
            if (*first > *last)
                *first = i;
            *last = i;
        }
    }
}

static int run_steps(run_t *r, const romfs_deploy_geom_t *geom, const romfs_deploy_plan_t *plan)
{
    const romfs_deploy_ops_t *ops = r->ops;
    uint32_t *expect = r->crcs, *got = r->crcs + plan->nblocks;
    int e;
    /* 1. Invalidate the header block. The zero write only clears bits, so
     * the image is unmountable even if the erase after it is interrupted. */
    r->res->state = ROMFS_DEPLOY_NOTHING;
    if (geom->zero_header) {
        /* No erase has reported the write size yet: without geom's, zero a
         * whole 4 KiB (or block), a multiple of any write unit and aligned. */
        uint32_t n = geom->write_size ? r->wsize : r->bs < 4096 ? r->bs : 4096;
        memset(r->pad, 0, n);
        if ((e = ops->write(ops->ctx, 0, r->pad, n)) < 0)
            return e;
        r->res->write_ops++;
        r->res->bytes_programmed += n;
    }
    if ((e = erase(r, 0, r->bs)) < 0)
        return e;
    if ((e = check_erased(r, got)) < 0) {
        if (r->res->bad_block >= 0)
            r->res->state = ROMFS_DEPLOY_UNERASED;
        return e;
    }
    /* 2.-3. The rest, then check it while nothing can mount it. */
    if ((e = write_body(r, plan)) < 0)
        return e;
    uint32_t first, last;
    dirty_span(plan, &first, &last);
    if ((e = verify(r, first, last, expect, got)) < 0)
        return e;
    /* 4.-5. The header without its commit, checked; then the commit. */
    if ((e = write_header(r, geom->reprogram, expect, got)) < 0)
        return e;
    return commit(r, expect, got);
}

int romfs_deploy_run(const uint8_t *img, size_t len, const romfs_deploy_geom_t *geom,
                     const romfs_deploy_plan_t *plan, const romfs_deploy_ops_t *ops,
                     romfs_deploy_result_t *res)
{
    romfs_deploy_result_t dummy;
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof *res);
    res->bad_block = -1;
    int e = check_geom(geom, len);
    if (e < 0)
        return e;
    if (plan->nblocks != (len + geom->block_size - 1) / geom->block_size)
        return ROMFS_ERR_INVAL;
    res->verified = ops->block_crcs != NULL;
    if (plan->nwrite == 0) {
        res->state = ROMFS_DEPLOY_NEW;
        return 0;
    }
    run_t r;
    e = run_init(&r, img, len, geom, plan, ops, res);
    if (e == 0)
        e = run_steps(&r, geom, plan);
    free(r.pad);
    free(r.crcs);
    return e < 0 ? e : 0;
}
