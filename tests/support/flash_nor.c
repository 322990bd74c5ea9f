/*
 * libromfs emulated NOR flash (see romfs_flash.h for the model).
 *
 * Checks come before any change, so a refused operation leaves the flash
 * as it was; only a power cut produces a half-done operation, and it does so
 * deterministically (a prefix of the bytes) so tests can replay every cut.
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

static int persist(romfs_nor_t *nor, size_t off, size_t len)
{
    if (nor->persist == NULL || len == 0)
        return 0;
    return nor->persist(nor->persist_ctx, off, nor->mem + off, len) ? ROMFS_ERR_IO : 0;
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
    /* A block whose erase started counts as worn, even when cut. */
    if (nor->erase_counts != NULL && done > 0) {
        size_t first = off / nor->block_size;
        size_t last = (off + done - 1) / nor->block_size;
        for (size_t b = first; b <= last; b++)
            nor->erase_counts[b]++;
    }
    int err = persist(nor, off, done);
    if (nor->off)
        return ROMFS_ERR_IO;
    if (err)
        return err;
    nor->erases++;
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
    /* Programming only clears bits: a 1 wanted over a 0 means the range was
     * not erased, which real flash would silently corrupt. */
    for (size_t i = 0; i < len; i++) {
        if (src[i] & (uint8_t)~nor->mem[off + i])
            return ROMFS_ERR_IO;
    }
    size_t done = op_begin(nor, len);
    for (size_t i = 0; i < done; i++)
        nor->mem[off + i] &= src[i];
    int err = persist(nor, off, done);
    if (nor->off)
        return ROMFS_ERR_IO;
    if (err)
        return err;
    nor->writes++;
    nor->bytes_written += len;
    return 0;
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
}
