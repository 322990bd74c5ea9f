/* SPDX-License-Identifier: MIT */
/* The deploy engine against an in-memory NOR flash: erase sets 0xff,
 * programming only clears bits (a 1 over a 0 is an error, as on real NOR),
 * and a power cut can be injected at any operation, applied not at all or
 * half-way. After every cut the partition must mount as exactly the old
 * image, exactly the new one, or not at all; the next deploy must recover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <zlib.h>

#include "imgmk.h"
#include "romfs/romfs.h"
#include "romfs/romfs_deploy.h"
#include "romfs/romfs_layout.h"

#define PART 4096
#define BS 256
#define WS 4

typedef struct nor {
    uint8_t mem[PART];
    long cut_at;        /* operation index that loses power, -1 never */
    int half;           /* the cut operation is half applied */
    long ops;
    int dead;
    long flip_at;       /* image offset whose programmed bit is stuck, -1 none */
    uint32_t ws;        /* write unit the flash enforces and erase reports */
    long erases, writes;
    int ecc;            /* a write unit may be programmed once per erase */
    uint8_t programmed[PART / 4];
    long crc_calls, crc_die_at; /* block_crcs call that loses the link, -1 never */
    long finalised;
    int unflushed;      /* a write since the last finalise (a board queues them) */
    long noop_erase_at; /* erase call that reports success and does nothing, -1 never */
    long erase_calls;
} nor_t;

static int nor_erase(void *ctx, uint32_t off, uint32_t len)
{
    nor_t *n = ctx;
    if (n->dead)
        return -5;
    if (off % BS || len % BS || off + len > PART)
        return -22;
    if (n->erase_calls++ == n->noop_erase_at)
        return (int)n->ws;
    if (n->ops++ == n->cut_at) {
        if (n->half)
            memset(n->mem + off, 0xff, len / 2);
        n->dead = 1;
        return -5;
    }
    memset(n->mem + off, 0xff, len);
    memset(n->programmed + off / 4, 0, len / 4);
    n->erases++;
    return (int)n->ws;
}

static int nor_write(void *ctx, uint32_t off, const uint8_t *buf, uint32_t len)
{
    nor_t *n = ctx;
    if (n->dead)
        return -5;
    if (off % n->ws || len % n->ws || off + len > PART)
        return -22;
    n->writes++;
    n->unflushed = 1;
    for (uint32_t i = 0; i < len; i++)
        if (buf[i] & ~n->mem[off + i])
            return -5;   /* NOR cannot turn a 0 back into a 1 */
    for (uint32_t u = off / n->ws; n->ecc && u < (off + len) / n->ws; u++) {
        if (n->programmed[u])
            return -22;  /* ECC flash: a second program of a unit is refused */
        n->programmed[u] = 1;
    }
    uint32_t upto = len;
    int cut = n->ops++ == n->cut_at;
    if (cut)
        upto = n->half ? len / 2 : 0;
    for (uint32_t i = 0; i < upto; i++) {
        n->mem[off + i] &= buf[i];
        if ((long)(off + i) == n->flip_at)
            n->mem[off + i] ^= 0x01;
    }
    if (cut) {
        n->dead = 1;
        return -5;
    }
    return 0;
}

static int nor_crcs(void *ctx, uint32_t off, uint32_t len, uint32_t bs, uint32_t *crcs)
{
    nor_t *n = ctx;
    if (n->dead || n->crc_calls++ == n->crc_die_at) {
        n->dead = 1;
        return -5;
    }
    romfs_deploy_block_crcs(n->mem + off, len, bs, crcs);
    return 0;
}

static int nor_finalise(void *ctx)
{
    nor_t *n = ctx;
    n->finalised++;
    n->unflushed = 0;
    return n->dead ? -5 : 0;
}

static romfs_deploy_ops_t nor_ops(nor_t *n)
{
    romfs_deploy_ops_t o = {.ctx = n, .erase = nor_erase, .write = nor_write, .block_crcs = nor_crcs,
                            .finalise = nor_finalise};
    return o;
}

static void nor_init(nor_t *n)
{
    memset(n, 0, sizeof *n);
    memset(n->mem, 0xff, sizeof n->mem);
    n->cut_at = -1;
    n->flip_at = -1;
    n->crc_die_at = -1;
    n->noop_erase_at = -1;
    n->ws = WS;
}

/* flags: 1 zero_header, 2 reprogram */
static romfs_deploy_geom_t geom(int flags)
{
    romfs_deploy_geom_t g = {.part_size = PART, .block_size = BS, .write_size = WS, .chunk_size = 64,
                             .erase_max = 2 * BS, .zero_header = flags & 1, .reprogram = (flags & 2) != 0};
    return g;
}

/* Deploy img onto n: incremental (device CRCs) unless full. */
static int deploy(nor_t *n, const uint8_t *img, size_t len, int full, int zero, romfs_deploy_result_t *res,
                  romfs_deploy_plan_t *out_plan)
{
    romfs_deploy_geom_t g = geom(zero);
    uint32_t crcs[PART / BS];
    romfs_deploy_block_crcs(n->mem, len, BS, crcs);
    romfs_deploy_plan_t plan;
    int r = romfs_deploy_plan(img, len, &g, full ? NULL : crcs, &plan);
    if (r < 0)
        return r;
    romfs_deploy_ops_t ops = nor_ops(n);
    r = romfs_deploy_run(img, len, &g, &plan, &ops, res);
    if (out_plan)
        *out_plan = plan;
    else
        romfs_deploy_plan_free(&plan);
    return r;
}

/* 0: nothing mounts, 1: exactly a, 2: exactly b, -1: something else mounts. */
static int classify(const nor_t *n, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    romfs_t fs;
    if (romfs_mount(&fs, n->mem, PART) < 0)
        return 0;
    size_t sz = romfs_image_size(&fs);
    if (a && sz == alen && memcmp(n->mem, a, alen) == 0)
        return 1;
    if (sz == blen && memcmp(n->mem, b, blen) == 0)
        return 2;
    return -1;
}

static uint8_t *make(size_t nfiles, size_t each, int salt, size_t *len)
{
    mk_ent_t e[16];
    static uint8_t data[16][600];
    static char names[16][32];
    for (size_t i = 0; i < nfiles; i++) {
        for (size_t j = 0; j < each; j++)
            data[i][j] = (uint8_t)(i * 7 + j + (i == 1 ? salt : 0));
        snprintf(names[i], sizeof names[i], "f%zu.py", i);
        e[i].name = names[i];
        e[i].data = data[i];
        e[i].len = each;
    }
    return mk_image(e, nfiles, len);
}

static void test_plan(void **state)
{
    (void)state;
    size_t alen, blen;
    uint8_t *a = make(4, 300, 0, &alen), *b = make(4, 300, 1, &blen);
    assert_int_equal(alen, blen);
    romfs_deploy_geom_t g = geom(0);
    uint32_t ca[PART / BS];
    romfs_deploy_block_crcs(a, alen, BS, ca);
    romfs_deploy_plan_t p;
    assert_int_equal(romfs_deploy_plan(a, alen, &g, ca, &p), 0);
    assert_int_equal(p.nwrite, 0);
    assert_int_equal(p.nskip, p.nblocks);
    romfs_deploy_plan_free(&p);

    /* File 1's bytes sit in blocks 1-2 only; block 0 follows them. */
    assert_int_equal(romfs_deploy_plan(b, blen, &g, ca, &p), 0);
    assert_int_equal(p.nblocks, (blen + BS - 1) / BS);
    assert_true(p.dirty[0]);
    uint32_t cb[PART / BS], expect = 0;
    romfs_deploy_block_crcs(b, blen, BS, cb);
    for (uint32_t i = 0; i < p.nblocks; i++) {
        assert_int_equal(p.dirty[i], i == 0 || ca[i] != cb[i]);
        expect += p.dirty[i];
    }
    assert_int_equal(p.nwrite, expect);
    assert_true(p.nwrite < p.nblocks);
    assert_int_equal(p.nwrite + p.nskip, p.nblocks);
    romfs_deploy_plan_free(&p);

    assert_int_equal(romfs_deploy_plan(b, blen, &g, NULL, &p), 0);
    assert_int_equal(p.nwrite, p.nblocks);
    assert_int_equal(p.write_bytes, blen);
    romfs_deploy_plan_free(&p);

    g.part_size = (uint32_t)blen - 2;
    assert_int_equal(romfs_deploy_plan(b, blen, &g, NULL, &p), ROMFS_ERR_NOSPC);
    g = geom(0);
    g.block_size = 302;   /* not a multiple of the write unit */
    assert_int_equal(romfs_deploy_plan(b, blen, &g, NULL, &p), ROMFS_ERR_INVAL);
    free(a);
    free(b);
}

static void test_full_and_incremental(void **state)
{
    (void)state;
    nor_t n;
    nor_init(&n);
    size_t alen, blen;
    uint8_t *a = make(4, 300, 0, &alen), *b = make(4, 300, 1, &blen);
    romfs_deploy_result_t res;
    assert_int_equal(deploy(&n, a, alen, 1, 0, &res, NULL), 0);
    assert_int_equal(classify(&n, NULL, 0, a, alen), 2);
    assert_int_equal(res.bad_block, -1);

    romfs_deploy_plan_t p;
    assert_int_equal(deploy(&n, b, blen, 0, 1, &res, &p), 0);
    assert_int_equal(classify(&n, NULL, 0, b, blen), 2);
    assert_true(p.nwrite < p.nblocks);
    assert_true(res.bytes_programmed < blen);
    romfs_deploy_plan_free(&p);

    /* Same image again: nothing to do, nothing sent. */
    uint8_t before[PART];
    memcpy(before, n.mem, PART);
    assert_int_equal(deploy(&n, b, blen, 0, 0, &res, &p), 0);
    assert_int_equal(p.nwrite, 0);
    assert_int_equal(res.erase_ops + res.write_ops, 0);
    assert_memory_equal(before, n.mem, PART);
    romfs_deploy_plan_free(&p);
    free(a);
    free(b);
}

static void test_verify_names_bad_block(void **state)
{
    (void)state;
    nor_t n;
    nor_init(&n);
    size_t len;
    uint8_t *a = make(4, 300, 0, &len);
    n.flip_at = 2 * BS + 10;
    romfs_deploy_result_t res;
    assert_int_equal(deploy(&n, a, len, 1, 0, &res, NULL), ROMFS_ERR_IO);
    assert_int_equal(res.bad_block, 2);
    free(a);
}

/* Cut power at every operation of deploying b over a, both before the cut
 * operation takes effect and half-way through it. */
static void power_loss_all(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, int full, int zero)
{
    nor_t base;
    nor_init(&base);
    if (a) {
        assert_int_equal(deploy(&base, a, alen, 1, 0, NULL, NULL), 0);
        assert_int_equal(classify(&base, NULL, 0, a, alen), 2);
    }
    base.ops = 0;
    nor_t probe = base;
    assert_int_equal(deploy(&probe, b, blen, full, zero, NULL, NULL), 0);
    long total = probe.ops;
    assert_true(total >= 3);
    int saw_none = 0;
    for (long k = 0; k < total; k++) {
        for (int half = 0; half < 2; half++) {
            nor_t n = base;
            n.cut_at = k;
            n.half = half;
            if (deploy(&n, b, blen, full, zero, NULL, NULL) == 0)
                fail_msg("cut at op %ld of %ld (half=%d): deploy reported success", k, total, half);
            int c = classify(&n, a, alen, b, blen);
            if (c < 0)
                fail_msg("cut at op %ld (half=%d) left a mountable partial image", k, half);
            saw_none |= c == 0;
            if (c == 2 && k < total - 1)
                fail_msg("cut at op %ld: new image mounted before its commit", k);
            /* Power back: the next deploy (incremental from whatever is
             * there) completes the job. */
            n.dead = 0;
            n.cut_at = -1;
            assert_int_equal(deploy(&n, b, blen, 0, zero, NULL, NULL), 0);
            assert_int_equal(classify(&n, NULL, 0, b, blen), 2);
        }
    }
    assert_true(saw_none);
}

static void test_power_loss_full(void **state)
{
    (void)state;
    size_t alen, blen;
    uint8_t *a = make(4, 300, 0, &alen), *b = make(4, 300, 1, &blen);
    power_loss_all(a, alen, b, blen, 1, 0);
    power_loss_all(a, alen, b, blen, 1, 1);
    power_loss_all(NULL, 0, b, blen, 1, 0);
    free(a);
    free(b);
}

static void test_power_loss_incremental(void **state)
{
    (void)state;
    size_t alen, blen;
    uint8_t *a = make(4, 300, 0, &alen), *b = make(4, 300, 1, &blen);
    power_loss_all(a, alen, b, blen, 0, 0);
    power_loss_all(a, alen, b, blen, 0, 1);
    free(a);
    free(b);
}

static void test_power_loss_longer_shorter(void **state)
{
    (void)state;
    size_t alen, blen;
    uint8_t *a = make(3, 300, 0, &alen), *b = make(6, 400, 1, &blen);
    assert_true(blen > alen + 2 * BS);
    power_loss_all(a, alen, b, blen, 0, 0);   /* longer */
    power_loss_all(b, blen, a, alen, 0, 0);   /* shorter */
    power_loss_all(b, blen, a, alen, 1, 1);
    free(a);
    free(b);
}

/* A stable-layout image deployed incrementally after a one-file edit. */
static void test_stable_incremental(void **state)
{
    (void)state;
    size_t alen, blen, sa, sb;
    uint8_t *a = make(8, 400, 0, &alen), *b = make(8, 400, 5, &blen);
    uint8_t *la, *lb;
    romfs_layout_opts_t o = {.block_size = BS};
    assert_int_equal(romfs_layout_stable(a, alen, NULL, 0, &o, &la, &sa, NULL), 0);
    assert_int_equal(romfs_layout_stable(b, blen, la, sa, &o, &lb, &sb, NULL), 0);
    power_loss_all(la, sa, lb, sb, 0, 0);
    nor_t n;
    nor_init(&n);
    romfs_deploy_plan_t p;
    assert_int_equal(deploy(&n, la, sa, 1, 0, NULL, NULL), 0);
    assert_int_equal(deploy(&n, lb, sb, 0, 0, NULL, &p), 0);
    /* The edited file's 400 bytes span at most 3 blocks, plus block 0. */
    assert_true(p.nwrite <= 4);
    assert_true(p.nwrite * 2 < p.nblocks);
    romfs_deploy_plan_free(&p);
    free(a);
    free(b);
    free(la);
    free(lb);
}

/* The write unit the erase reports (16) beats the one assumed (4): the
 * image's tail and the header commit are padded and aligned to it; runs of
 * dirty blocks are erased together up to erase_max. */
static void test_write_unit_and_erase_runs(void **state)
{
    (void)state;
    size_t alen, blen;
    uint8_t *a = make(5, 301, 0, &alen), *b = make(5, 301, 1, &blen);
    assert_int_not_equal(blen % 16, 0);
    nor_t n;
    nor_init(&n);
    n.ws = 16;
    romfs_deploy_result_t res;
    assert_int_equal(deploy(&n, a, alen, 1, 0, &res, NULL), 0);
    assert_int_equal(classify(&n, NULL, 0, a, alen), 2);
    /* Blocks 1.. in runs of at most two (erase_max), plus block 0 alone. */
    uint32_t nb = (uint32_t)((alen + BS - 1) / BS);
    assert_int_equal(n.erases, 1 + (nb - 1 + 1) / 2);
    assert_int_equal(res.erase_ops, n.erases);
    assert_int_equal(res.write_ops, n.writes);
    n.erases = n.writes = 0;
    assert_int_equal(deploy(&n, b, blen, 0, 0, &res, NULL), 0);
    assert_int_equal(classify(&n, NULL, 0, b, blen), 2);
    /* A write unit that does not divide the chunk is refused. */
    nor_init(&n);
    n.ws = 128;
    assert_int_equal(deploy(&n, a, alen, 1, 0, &res, NULL), ROMFS_ERR_INVAL);
    free(a);
    free(b);
}

/* A flash whose write unit (16) can be cut part-way, in byte order: with
 * the magic programmed alone (reprogram) no cut inside the commit mounts.
 * Also run against plain commits to show the hazard the option removes. */
static int cut_mounts_partial(int flags)
{
    size_t alen, blen;
    uint8_t *a = make(4, 300, 0, &alen), *b = make(4, 300, 1, &blen);
    nor_t base;
    nor_init(&base);
    base.ws = 16;
    assert_int_equal(deploy(&base, a, alen, 1, 0, NULL, NULL), 0);
    base.ops = 0;
    nor_t probe = base;
    assert_int_equal(deploy(&probe, b, blen, 0, flags, NULL, NULL), 0);
    int partial = 0;
    for (long k = 0; k < probe.ops; k++) {
        nor_t n = base;
        n.cut_at = k;
        n.half = 1;
        assert_int_not_equal(deploy(&n, b, blen, 0, flags, NULL, NULL), 0);
        partial |= classify(&n, a, alen, b, blen) < 0;
        n.dead = 0;
        n.cut_at = -1;
        assert_int_equal(deploy(&n, b, blen, 0, flags, NULL, NULL), 0);
        assert_int_equal(classify(&n, NULL, 0, b, blen), 2);
    }
    free(a);
    free(b);
    return partial;
}

static void test_reprogram_commit(void **state)
{
    (void)state;
    assert_false(cut_mounts_partial(2));
    /* Without it a 16-byte commit cut after 8 bytes leaves magic, length
     * and a broken first record: the unit must be atomic (ECC flash is). */
    assert_true(cut_mounts_partial(0));
}

/* A flash that silently programs one wrong byte, at every offset of the
 * image in turn, full and incremental, every commit mode: the deploy fails
 * and nothing mounts, or (the byte landed where it changes nothing) it
 * succeeds with exactly the new image. Never a wrong image that mounts. */
static void corrupt_each(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, int full, int flags)
{
    nor_t base;
    nor_init(&base);
    assert_int_equal(deploy(&base, a, alen, 1, 0, NULL, NULL), 0);
    for (long off = 0; off < (long)blen; off++) {
        nor_t n = base;
        n.flip_at = off;
        romfs_deploy_result_t res;
        int r = deploy(&n, b, blen, full, flags, &res, NULL);
        int c = classify(&n, a, alen, b, blen);
        if (r == 0 && c != 2)
            fail_msg("byte %ld flipped: success reported but the partition is not the new image", off);
        if (c < 0 || (r != 0 && c != 0 && c != 1))
            fail_msg("byte %ld flipped: a wrong image mounts (r=%d c=%d)", off, r, c);
        if (r == ROMFS_ERR_IO && res.state != ROMFS_DEPLOY_NOTHING && res.state != ROMFS_DEPLOY_UNDONE)
            fail_msg("byte %ld flipped: state %d after a failed verification", off, (int)res.state);
        assert_true(n.finalised > 0);
    }
}

static void test_corrupt_byte_never_mounts(void **state)
{
    (void)state;
    size_t alen, blen;
    uint8_t *a = make(4, 300, 0, &alen), *b = make(4, 300, 1, &blen);
    for (int flags = 0; flags < 4; flags++) {
        corrupt_each(a, alen, b, blen, 1, flags);
        corrupt_each(a, alen, b, blen, 0, flags);
    }
    free(a);
    free(b);
}

/* ECC flash refuses a second program of a unit: the default commit (no
 * reprogram, no zero_header) programs every unit once per erase. */
static void test_ecc_programs_once(void **state)
{
    (void)state;
    size_t alen, blen;
    uint8_t *a = make(4, 300, 0, &alen), *b = make(5, 300, 1, &blen);
    nor_t n;
    nor_init(&n);
    n.ecc = 1;
    n.ws = 16;
    romfs_deploy_result_t res;
    assert_int_equal(deploy(&n, a, alen, 1, 0, &res, NULL), 0);
    assert_int_equal(res.state, ROMFS_DEPLOY_NEW);
    assert_int_equal(deploy(&n, b, blen, 0, 0, &res, NULL), 0);
    assert_int_equal(classify(&n, NULL, 0, b, blen), 2);
    /* reprogram programs the first unit twice: ECC flash says no, before
     * anything mounts. */
    assert_int_not_equal(deploy(&n, a, alen, 0, 2, &res, NULL), 0);
    assert_int_equal(classify(&n, NULL, 0, a, alen), 0);
    free(a);
    free(b);
}

/* The link dies right after the commit: the engine says "committed, not
 * verified", and the partition does hold the new image. */
static void test_cut_after_commit_state(void **state)
{
    (void)state;
    size_t alen, blen;
    uint8_t *a = make(4, 300, 0, &alen), *b = make(4, 300, 1, &blen);
    nor_t base;
    nor_init(&base);
    assert_int_equal(deploy(&base, a, alen, 1, 0, NULL, NULL), 0);
    nor_t probe = base;
    probe.crc_calls = 0;
    assert_int_equal(deploy(&probe, b, blen, 0, 0, NULL, NULL), 0);
    nor_t n = base;
    n.crc_calls = 0;
    n.crc_die_at = probe.crc_calls - 1;   /* the read-back of the commit */
    romfs_deploy_result_t res;
    assert_int_equal(deploy(&n, b, blen, 0, 0, &res, NULL), -5);
    assert_int_equal(res.state, ROMFS_DEPLOY_COMMITTED);
    assert_int_equal(classify(&n, a, alen, b, blen), 2);
    /* Dying at the check before the commit leaves nothing that mounts. */
    n = base;
    n.crc_calls = 0;
    n.crc_die_at = probe.crc_calls - 2;
    assert_int_equal(deploy(&n, b, blen, 0, 0, &res, NULL), -5);
    assert_int_equal(res.state, ROMFS_DEPLOY_NOTHING);
    assert_int_equal(classify(&n, a, alen, b, blen), 0);
    free(a);
    free(b);
}

/* A device that cannot read back (no block_crcs): the deploy is
 * unverified, but it still finalises after the commit (a board sends its
 * queued writes then), so the new image is there and mounts. */
static void test_unverified_finalises(void **state)
{
    (void)state;
    size_t alen, blen;
    uint8_t *a = make(4, 300, 0, &alen), *b = make(5, 300, 1, &blen);
    romfs_deploy_geom_t g = geom(0);
    for (int i = 0; i < 2; i++) {
        nor_t n;
        nor_init(&n);
        if (i)
            assert_int_equal(deploy(&n, a, alen, 1, 0, NULL, NULL), 0);
        romfs_deploy_plan_t plan;
        assert_int_equal(romfs_deploy_plan(b, blen, &g, NULL, &plan), 0);
        romfs_deploy_ops_t ops = nor_ops(&n);
        ops.block_crcs = NULL;
        romfs_deploy_result_t res;
        assert_int_equal(romfs_deploy_run(b, blen, &g, &plan, &ops, &res), 0);
        romfs_deploy_plan_free(&plan);
        assert_int_equal(res.verified, 0);
        if (n.unflushed)
            fail_msg("deploy %d: writes left unflushed after an unverified deploy (no finalise)", i);
        assert_int_equal(classify(&n, a, alen, b, blen), 2);
    }
    free(a);
    free(b);
}

/* An erase that reports success and does nothing, at each erase of a
 * deploy in turn, every commit mode: never a wrong image that mounts, and
 * the state reported is what the partition holds. */
static void test_noop_erase_never_mounts_wrong(void **state)
{
    (void)state;
    size_t alen, blen;
    uint8_t *a = make(4, 300, 0, &alen), *b = make(5, 300, 1, &blen);
    for (int flags = 0; flags < 4; flags++) {
        for (int full = 0; full < 2; full++) {
            nor_t base;
            nor_init(&base);
            assert_int_equal(deploy(&base, a, alen, 1, 0, NULL, NULL), 0);
            nor_t probe = base;
            probe.erase_calls = 0;
            assert_int_equal(deploy(&probe, b, blen, full, flags, NULL, NULL), 0);
            for (long k = 0; k < probe.erase_calls; k++) {
                nor_t n = base;
                n.erase_calls = 0;
                n.noop_erase_at = k;
                romfs_deploy_result_t res;
                int r = deploy(&n, b, blen, full, flags, &res, NULL);
                int c = classify(&n, a, alen, b, blen);
                if (c < 0)
                    fail_msg("flags %d full %d erase %ld a no-op: a wrong image mounts (r=%d state %d)", flags,
                             full, k, r, (int)res.state);
                if (r == 0 && c != 2)
                    fail_msg("flags %d full %d erase %ld: success but not the new image", flags, full, k);
                if (r != 0 && c != 0 &&
                    (res.state == ROMFS_DEPLOY_NOTHING || res.state == ROMFS_DEPLOY_UNDONE))
                    fail_msg("flags %d full %d erase %ld: an image mounts, state says %s", flags, full, k,
                             romfs_deploy_state_str(res.state));
            }
        }
    }
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_full_and_incremental),
        cmocka_unit_test(test_verify_names_bad_block),
        cmocka_unit_test(test_power_loss_full),
        cmocka_unit_test(test_power_loss_incremental),
        cmocka_unit_test(test_power_loss_longer_shorter),
        cmocka_unit_test(test_stable_incremental),
        cmocka_unit_test(test_write_unit_and_erase_runs),
        cmocka_unit_test(test_reprogram_commit),
        cmocka_unit_test(test_corrupt_byte_never_mounts),
        cmocka_unit_test(test_ecc_programs_once),
        cmocka_unit_test(test_cut_after_commit_state),
        cmocka_unit_test(test_unverified_finalises),
        cmocka_unit_test(test_noop_erase_never_mounts_wrong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
