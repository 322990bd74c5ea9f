/* SPDX-License-Identifier: MIT */
/*
 * libromfs emulated NOR flash (see romfs_flash.h for the model).
 *
 * Checks come before any change, so a refused operation leaves the flash
 * as it was; only a power cut produces a half-done operation, reproducibly
 * (a prefix of the bytes, or seeded random faults) so tests can replay
 * every cut.
 */
#include "flash_nor.h"
#include "romfs/romfs.h"

#include <string.h>

int romfs_nor_init(romfs_nor_t *nor, uint8_t *mem, size_t size, size_t block_size,
                   size_t prog_size, uint32_t *erase_counts)
{
    if (nor == NULL || mem == NULL || size == 0 || block_size == 0 || prog_size == 0 ||
        size % block_size != 0 || block_size % prog_size != 0)
        return ROMFS_ERR_INVAL;
    memset(nor, 0, sizeof *nor);
    nor->mem = mem;
    nor->size = size;
    nor->block_size = block_size;
    nor->prog_size = prog_size;
    nor->erase_counts = erase_counts;
    if (erase_counts != NULL)
        memset(erase_counts, 0, size / block_size * sizeof *erase_counts);
    return 0;
}

void romfs_nor_set_persist(romfs_nor_t *nor, romfs_nor_persist_fn fn, void *ctx)
{
    nor->persist = fn;
    nor->persist_ctx = ctx;
}

static uint32_t rnd(romfs_nor_t *nor)
{
    uint32_t x = nor->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    nor->rng = x;
    return x;
}

int romfs_nor_set_model(romfs_nor_t *nor, int model, uint32_t seed)
{
    if (model != ROMFS_NOR_PREFIX && model != ROMFS_NOR_RANDOM)
        return ROMFS_ERR_INVAL;
    nor->model = model;
    /* Scrambled, so that nearby seeds give unrelated sequences. */
    nor->rng = seed * 0x9E3779B9u + 0x6D2B79F5u;
    if (nor->rng == 0)
        nor->rng = 1;
    for (int i = 0; i < 8; i++)
        (void)rnd(nor);
    return 0;
}

static int all_erased(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xFF)
            return 0;
    return 1;
}

int romfs_nor_set_ecc(romfs_nor_t *nor, size_t unit, uint8_t *state)
{
    if (unit == 0) {
        nor->ecc_unit = 0;
        nor->ecc_state = NULL;
        return 0;
    }
    if (state == NULL || unit % nor->prog_size != 0 || nor->block_size % unit != 0)
        return ROMFS_ERR_INVAL;
    nor->ecc_unit = unit;
    nor->ecc_state = state;
    nor->prog_size = unit;
    for (size_t u = 0; u < nor->size / unit; u++)
        state[u] = all_erased(nor->mem + u * unit, unit) ? ROMFS_NOR_UNIT_ERASED
                                                         : ROMFS_NOR_UNIT_PROGRAMMED;
    return 0;
}

size_t romfs_nor_torn(const romfs_nor_t *nor, size_t off, size_t len)
{
    size_t n = 0;
    if (nor->ecc_unit == 0 || len == 0 || off >= nor->size)
        return 0;
    if (len > nor->size - off)
        len = nor->size - off;
    for (size_t u = off / nor->ecc_unit; u <= (off + len - 1) / nor->ecc_unit; u++)
        n += nor->ecc_state[u] == ROMFS_NOR_UNIT_TORN;
    return n;
}

/* Start an operation of len bytes: how many of them complete (len, or
 * fewer when this is the operation the armed cut hits). */
static size_t op_begin(romfs_nor_t *nor, size_t len)
{
    nor->ops++;
    if (nor->cut_at != 0 && nor->ops == nor->cut_at) {
        nor->off = 1;
        return nor->cut_bytes < len ? nor->cut_bytes : len;
    }
    return len;
}

/* The bytes of [off, off+len) a cut left with `done` complete may have
 * changed: the prefix, or the whole range under the random model. */
static size_t touched(const romfs_nor_t *nor, size_t len, size_t done)
{
    return nor->off && nor->model == ROMFS_NOR_RANDOM ? len : done;
}

/* ECC states after an operation on [off, off+len) of which `done` bytes
 * completed: whole units in the prefix get `full`; units the cut reached
 * are torn (an erase that left a unit all 0xFF leaves it erased). */
static void ecc_after(romfs_nor_t *nor, size_t off, size_t len, size_t done, uint8_t full)
{
    size_t unit = nor->ecc_unit, reach = touched(nor, len, done);
    if (unit == 0 || len == 0)
        return;
    for (size_t a = off; a < off + len; a += unit) {
        uint8_t *st = &nor->ecc_state[a / unit];
        if (a + unit <= off + done)
            *st = full;
        else if (a < off + reach)
            *st = full == ROMFS_NOR_UNIT_ERASED && all_erased(nor->mem + a, unit)
                      ? ROMFS_NOR_UNIT_ERASED
                      : ROMFS_NOR_UNIT_TORN;
    }
}

static int persist(romfs_nor_t *nor, size_t off, size_t len)
{
    if (nor->persist == NULL || len == 0)
        return 0;
    return nor->persist(nor->persist_ctx, off, nor->mem + off, len) ? ROMFS_ERR_IO : 0;
}

/* Finish an operation: count it unless power went, report the mirror. */
static int op_end(romfs_nor_t *nor, size_t off, size_t reach, uint32_t *counter)
{
    int err = persist(nor, off, reach);
    if (nor->off)
        return ROMFS_ERR_IO;
    if (err)
        return err;
    (*counter)++;
    return 0;
}

int romfs_nor_erase(romfs_nor_t *nor, size_t off, size_t len)
{
    if (nor->off)
        return ROMFS_ERR_IO;
    if (off % nor->block_size != 0 || len % nor->block_size != 0 || off > nor->size ||
        len > nor->size - off)
        return ROMFS_ERR_INVAL;
    size_t done = op_begin(nor, len);
    memset(nor->mem + off, 0xFF, done);
    size_t reach = touched(nor, len, done);
    for (size_t i = done; i < reach; i++)
        if (rnd(nor) & 1)
            nor->mem[off + i] = 0xFF;
    ecc_after(nor, off, len, done, ROMFS_NOR_UNIT_ERASED);
    /* A block whose erase started counts as worn, even when cut. */
    if (nor->erase_counts != NULL && reach > 0) {
        size_t first = off / nor->block_size;
        size_t last = (off + reach - 1) / nor->block_size;
        for (size_t b = first; b <= last; b++)
            nor->erase_counts[b]++;
    }
    return op_end(nor, off, reach, &nor->erases);
}

/* Refused before any change: a 1 wanted over a 0 (the range was not
 * erased, which real flash would silently corrupt), or with ECC a unit
 * that is not erased (programmed once already, or torn). */
static int prog_refused(const romfs_nor_t *nor, size_t off, const uint8_t *src, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (src[i] & (uint8_t)~nor->mem[off + i])
            return 1;
    for (size_t a = off; nor->ecc_unit != 0 && a < off + len; a += nor->ecc_unit)
        if (nor->ecc_state[a / nor->ecc_unit] != ROMFS_NOR_UNIT_ERASED)
            return 1;
    return 0;
}

int romfs_nor_prog(romfs_nor_t *nor, size_t off, const void *buf, size_t len)
{
    const uint8_t *src = buf;
    if (nor->off)
        return ROMFS_ERR_IO;
    if (off % nor->prog_size != 0 || len % nor->prog_size != 0 || off > nor->size ||
        len > nor->size - off || (src == NULL && len > 0))
        return ROMFS_ERR_INVAL;
    if (prog_refused(nor, off, src, len))
        return ROMFS_ERR_IO;
    size_t done = op_begin(nor, len);
    for (size_t i = 0; i < done; i++)
        nor->mem[off + i] &= src[i];
    size_t reach = touched(nor, len, done);
    for (size_t i = done; i < reach; i++)
        nor->mem[off + i] &= (uint8_t)(src[i] | rnd(nor));
    ecc_after(nor, off, len, done, ROMFS_NOR_UNIT_PROGRAMMED);
    int err = op_end(nor, off, reach, &nor->writes);
    if (err == 0)
        nor->bytes_written += len;
    return err;
}

void romfs_nor_power_loss(romfs_nor_t *nor, uint32_t after, size_t partial_bytes)
{
    nor->cut_at = nor->ops + after + 1;
    nor->cut_bytes = partial_bytes;
}

void romfs_nor_power_on(romfs_nor_t *nor)
{
    nor->off = 0;
    nor->cut_at = 0;
}

uint32_t romfs_nor_erase_count(const romfs_nor_t *nor, size_t off)
{
    if (nor->erase_counts == NULL || off >= nor->size)
        return 0;
    return nor->erase_counts[off / nor->block_size];
}

static int part_erase(void *context, size_t off, size_t len)
{
    return romfs_nor_erase(context, off, len);
}

static int part_prog(void *context, size_t off, const void *buf, size_t len)
{
    return romfs_nor_prog(context, off, buf, len);
}

void romfs_nor_part(romfs_nor_t *nor, romfs_part_t *part)
{
    memset(part, 0, sizeof *part);
    part->context = nor;
    part->memory = nor->mem;
    part->size = nor->size;
    part->block_size = nor->block_size;
    part->prog_size = nor->prog_size;
    part->erase = part_erase;
    part->prog = part_prog;
    part->flags = nor->ecc_unit != 0 ? 0 : ROMFS_PART_REPROGRAM;
}
