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
    uint32_t wsize, chunk;
    const romfs_deploy_ops_t *ops;
    uint8_t *pad;           /* chunk + wsize bytes for the padded tail */
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
    uint32_t bs = geom->block_size;
    if (plan->nblocks != (len + bs - 1) / bs)
        return ROMFS_ERR_INVAL;
    if (plan->nwrite == 0)
        return 0;

    run_t r;
    memset(&r, 0, sizeof r);
    r.img = img;
    r.len = len;
    r.ops = ops;
    r.res = res;
    r.wsize = geom->write_size ? geom->write_size : 1;
    r.chunk = geom->chunk_size ? geom->chunk_size : DEFAULT_CHUNK;
    if (r.chunk > bs)
        r.chunk = bs;
    if (r.chunk < r.wsize)
        return ROMFS_ERR_INVAL;
    uint32_t emax = geom->erase_max ? geom->erase_max : DEFAULT_ERASE_MAX;
    if (emax < bs)
        emax = bs;
    r.total = plan->write_bytes;
    r.pad = malloc((size_t)bs + bs);
    if (!r.pad)
        return ROMFS_ERR_NOMEM;
    uint32_t *crcs = NULL;

    /* 1. Invalidate the header block. The zero write only clears bits, so
     * the image is unmountable even if the erase after it is interrupted. */
    if (geom->zero_header) {
        memset(r.pad, 0, r.wsize);
        if ((e = ops->write(ops->ctx, 0, r.pad, r.wsize)) < 0)
            goto out;
        res->write_ops++;
    }
    if ((e = erase(&r, 0, bs)) < 0)
        goto out;

    /* 2. Every other dirty block, consecutive ones erased together. */
    for (uint32_t i = 1; i < plan->nblocks;) {
        if (!plan->dirty[i]) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j < plan->nblocks && plan->dirty[j] && (uint64_t)(j + 1 - i) * bs <= emax)
            j++;
        if ((e = erase(&r, i * bs, (j - i) * bs)) < 0)
            goto out;
        size_t end = min_sz((size_t)j * bs, len);
        for (size_t off = (size_t)i * bs; off < end; off += r.chunk)
            if ((e = program(&r, off, min_sz(off + r.chunk, end))) < 0)
                goto out;
        i = j;
    }

    /* 3. Block 0 back to front; its first write unit (magic and length)
     * last, as the commit. */
    size_t end0 = min_sz(bs, len);
    size_t nchunks = (end0 + r.chunk - 1) / r.chunk;
    for (size_t c = nchunks; c-- > 1;)
        if ((e = program(&r, c * r.chunk, min_sz((c + 1) * r.chunk, end0))) < 0)
            goto out;
    size_t unit = min_sz(r.wsize, end0);
    if ((e = program(&r, unit, min_sz(r.chunk, end0))) < 0)
        goto out;
    if (geom->reprogram && unit > 3) {
        /* NOR may be cut part-way through a unit: program the unit with the
         * magic left erased, then again with it, so the commit changes only
         * the three magic bytes and a partial one cannot mount. */
        size_t padded = (unit + r.wsize - 1) / r.wsize * r.wsize;
        memset(r.pad, 0xff, padded);
        memcpy(r.pad + 3, img + 3, unit - 3);
        if ((e = ops->write(ops->ctx, 0, r.pad, (uint32_t)padded)) < 0)
            goto out;
        res->write_ops++;
        res->bytes_programmed += padded;
    }
    if ((e = program(&r, 0, unit)) < 0)
        goto out;

    /* 4. Verify against the device's own reading of what it holds (a
     * device that cannot checksum leaves block_crcs NULL). */
    if (!ops->block_crcs)
        goto done;
    crcs = malloc((size_t)plan->nblocks * 2 * sizeof *crcs);
    if (!crcs) {
        e = ROMFS_ERR_NOMEM;
        goto out;
    }
    if ((e = ops->block_crcs(ops->ctx, 0, (uint32_t)len, bs, crcs)) < 0)
        goto out;
    romfs_deploy_block_crcs(img, len, bs, crcs + plan->nblocks);
    for (uint32_t i = 0; i < plan->nblocks; i++) {
        if (crcs[i] != crcs[plan->nblocks + i]) {
            res->bad_block = (int32_t)i;
            e = ROMFS_ERR_IO;
            goto out;
        }
    }
done:
    e = ops->finish ? ops->finish(ops->ctx) : 0;
out:
    free(crcs);
    free(r.pad);
    return e < 0 ? e : 0;
}
