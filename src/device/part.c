/* SPDX-License-Identifier: MIT */
/*
 * libromfs ROM partitions: range checks in front of the backend callbacks,
 * the rom_ioctl dispatcher, the power-safe image writer and the RAM backend.
 */
#include "romfs/romfs_part.h"
#include "romfs/romfs.h"

#include <string.h>

/* Largest write unit romfs_rom_write_image handles (its stack buffer). */
#define ROMFS_ROM_UNIT_MAX 64

static const romfs_part_t *part_get(const romfs_rom_t *rom, int id)
{
    if (rom == NULL || id < 0 || (size_t)id >= rom->count)
        return NULL;
    return &rom->parts[id];
}

/* The partition if it can be written, else NULL. */
static const romfs_part_t *part_writable(const romfs_rom_t *rom, int id)
{
    const romfs_part_t *p = part_get(rom, id);
    if (p == NULL || p->block_size == 0 || p->prog_size == 0 || p->erase == NULL ||
        p->prog == NULL)
        return NULL;
    return p;
}

int romfs_rom_count(const romfs_rom_t *rom)
{
    return rom == NULL ? 0 : (int)rom->count;
}

int romfs_rom_memory(const romfs_rom_t *rom, int id, const uint8_t **mem, size_t *len)
{
    const romfs_part_t *p = part_get(rom, id);
    if (p == NULL)
        return ROMFS_ERR_INVAL;
    *mem = p->memory;
    *len = p->size;
    return 0;
}

int romfs_rom_write_prepare(const romfs_rom_t *rom, int id, size_t offset, size_t length)
{
    const romfs_part_t *p = part_writable(rom, id);
    if (p == NULL || offset % p->block_size != 0 || offset > p->size ||
        length > p->size - offset)
        return ROMFS_ERR_INVAL;
    size_t tail = length % p->block_size;
    if (tail != 0) {
        /* Round up to whole blocks; the last block must exist entirely. */
        if (p->block_size - tail > p->size - offset - length)
            return ROMFS_ERR_INVAL;
        length += p->block_size - tail;
    }
    if (length > 0) {
        int err = p->erase(p->context, offset, length);
        if (err)
            return err;
    }
    return (int)p->prog_size;
}

int romfs_rom_write(const romfs_rom_t *rom, int id, size_t offset, const void *buf, size_t len)
{
    const romfs_part_t *p = part_writable(rom, id);
    if (p == NULL || (buf == NULL && len > 0) || offset % p->prog_size != 0 ||
        len % p->prog_size != 0 || offset > p->size || len > p->size - offset)
        return ROMFS_ERR_INVAL;
    return len == 0 ? 0 : p->prog(p->context, offset, buf, len);
}

int romfs_rom_write_complete(const romfs_rom_t *rom, int id)
{
    const romfs_part_t *p = part_get(rom, id);
    if (p == NULL)
        return ROMFS_ERR_INVAL;
    return p->sync != NULL ? p->sync(p->context) : 0;
}

int romfs_rom_block_size(const romfs_rom_t *rom, int id)
{
    const romfs_part_t *p = part_writable(rom, id);
    return p == NULL ? ROMFS_ERR_INVAL : (int)p->block_size;
}

int romfs_rom_ioctl(const romfs_rom_t *rom, int op, romfs_rom_args_t *args)
{
    if (op == ROMFS_ROM_COUNT)
        return romfs_rom_count(rom);
    if (args == NULL)
        return ROMFS_ERR_INVAL;
    switch (op) {
    case ROMFS_ROM_MEMORY:
        return romfs_rom_memory(rom, args->id, &args->mem, &args->mem_len);
    case ROMFS_ROM_WRITE_PREPARE:
        return romfs_rom_write_prepare(rom, args->id, args->offset, args->length);
    case ROMFS_ROM_WRITE:
        return romfs_rom_write(rom, args->id, args->offset, args->buf, args->length);
    case ROMFS_ROM_WRITE_COMPLETE:
        return romfs_rom_write_complete(rom, args->id);
    case ROMFS_ROM_BLOCK_SIZE:
        return romfs_rom_block_size(rom, args->id);
    default:
        return ROMFS_ERR_INVAL;
    }
}

/* Program image bytes [from, to) of the partition, padding the last write
 * unit with 0xFF (which leaves erased bits alone). The first `hide` bytes of
 * the image are written as 0xFF too. */
static int write_range(const romfs_rom_t *rom, int id, const romfs_part_t *p,
                       const uint8_t *image, size_t len, size_t from, size_t to, size_t hide)
{
    uint8_t unit[ROMFS_ROM_UNIT_MAX];
    size_t chunk = sizeof unit - sizeof unit % p->prog_size;
    for (size_t off = from; off < to;) {
        size_t n = to - off;
        if (n > chunk)
            n = chunk;
        size_t padded = (n + p->prog_size - 1) / p->prog_size * p->prog_size;
        for (size_t i = 0; i < padded; i++) {
            size_t at = off + i;
            unit[i] = (at < len && at >= hide) ? image[at] : 0xFF;
        }
        int err = romfs_rom_write(rom, id, off, unit, padded);
        if (err)
            return err;
        off += padded;
    }
    return 0;
}

/* Make writes visible (op 5), then compare [from, to) of the partition
 * with the image (0xFF past its end). A backend without .memory cannot be
 * read back: nothing to compare. */
static int verify_range(const romfs_rom_t *rom, int id, const romfs_part_t *p,
                        const uint8_t *image, size_t len, size_t from, size_t to)
{
    int err = romfs_rom_write_complete(rom, id);
    if (err)
        return err;
    if (p->memory == NULL)
        return 0;
    for (size_t at = from; at < to; at++)
        if (p->memory[at] != (at < len ? image[at] : 0xFF))
            return ROMFS_ERR_IO;
    return 0;
}

static const uint8_t romfs_magic[3] = {0xd2, 0xcd, 0x31};

/* Steps 1-3 of romfs_rom_write_image: the old header gone, every block but
 * the header's erased and written. */
static int write_body(const romfs_rom_t *rom, int id, const romfs_part_t *p,
                      const uint8_t *image, size_t len, size_t padded)
{
    size_t bs = p->block_size;
    int err;
    if ((p->flags & ROMFS_PART_REPROGRAM) &&
        (p->memory == NULL || memcmp(p->memory, romfs_magic, 3) == 0)) {
        /* Zero the magic, re-programming the rest of its units as they are
         * (zeros when they cannot be read: that only clears bits too). */
        uint8_t unit[ROMFS_ROM_UNIT_MAX];
        size_t magic_end = (3 + p->prog_size - 1) / p->prog_size * p->prog_size;
        for (size_t i = 0; i < magic_end; i++)
            unit[i] = i < 3 || p->memory == NULL ? 0 : p->memory[i];
        if ((err = romfs_rom_write(rom, id, 0, unit, magic_end)) != 0)
            return err;
    }
    if ((err = romfs_rom_write_prepare(rom, id, 0, bs)) < 0)
        return err;
    for (size_t off = bs; off < padded; off += bs) {
        size_t end = off + bs < padded ? off + bs : padded;
        if ((err = romfs_rom_write_prepare(rom, id, off, bs)) < 0)
            return err;
        if ((err = write_range(rom, id, p, image, len, off, end, 0)) != 0)
            return err;
    }
    return 0;
}

int romfs_rom_write_image(const romfs_rom_t *rom, int id, const uint8_t *image, size_t len)
{
    const romfs_part_t *p = part_writable(rom, id);
    if (p == NULL || image == NULL || len < 3)
        return ROMFS_ERR_INVAL;
    size_t bs = p->block_size, ps = p->prog_size;
    size_t magic_end = (3 + ps - 1) / ps * ps;
    if (magic_end > bs || ps > ROMFS_ROM_UNIT_MAX)
        return ROMFS_ERR_INVAL;
    size_t padded = (len + ps - 1) / ps * ps;
    if (padded > p->size)
        return ROMFS_ERR_NOSPC;
    int err = write_body(rom, id, p, image, len, padded);
    if (err)
        return err;
    /* 4: the header block but its commit unit (NOR: all of it but the
     * magic), then every byte but the commit's read back. */
    size_t end0 = padded < bs ? padded : bs;
    int reprogram = (p->flags & ROMFS_PART_REPROGRAM) != 0;
    size_t first = reprogram ? 0 : magic_end, hidden = reprogram ? 3 : 0;
    if (end0 > first && (err = write_range(rom, id, p, image, len, first, end0, hidden)) != 0)
        return err;
    if ((err = verify_range(rom, id, p, image, len, magic_end, padded)) != 0)
        return err;
    /* 5: the commit, read back; a wrong one is destroyed again. */
    if ((err = write_range(rom, id, p, image, len, 0, magic_end, 0)) != 0)
        return err;
    err = verify_range(rom, id, p, image, len, 0, magic_end);
    if (err == ROMFS_ERR_IO) {
        int e2 = romfs_rom_write_prepare(rom, id, 0, bs);
        return e2 < 0 ? e2 : ROMFS_ERR_IO;
    }
    return err;
}

static int ram_erase(void *context, size_t off, size_t len)
{
    memset((uint8_t *)context + off, 0xFF, len);
    return 0;
}

static int ram_prog(void *context, size_t off, const void *buf, size_t len)
{
    memcpy((uint8_t *)context + off, buf, len);
    return 0;
}

int romfs_part_ram_init(romfs_part_t *part, uint8_t *buf, size_t size, size_t block_size,
                        size_t prog_size)
{
    if (part == NULL || buf == NULL || block_size == 0 || prog_size == 0 ||
        size % block_size != 0 || block_size % prog_size != 0)
        return ROMFS_ERR_INVAL;
    memset(part, 0, sizeof *part);
    part->context = buf;
    part->memory = buf;
    part->size = size;
    part->block_size = block_size;
    part->prog_size = prog_size;
    part->erase = ram_erase;
    part->prog = ram_prog;
    part->flags = ROMFS_PART_REPROGRAM;
    return 0;
}
