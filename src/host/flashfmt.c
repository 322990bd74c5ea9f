/* SPDX-License-Identifier: MIT */
/*
 * UF2 and Intel HEX, both ways (romfs_flashfmt.h). The encoders write what
 * flashing tools expect; the decoders treat their input as hostile: every
 * field is checked, and the first problem is reported once with its byte
 * offset in the input.
 */
#include "romfs/romfs_flashfmt.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/// Families ///

/* From the UF2 specification's utils/uf2families.json (short names). */
static const struct family {
    const char *name;
    uint32_t id;
} families[] = {
    {"RP2040", 0xe48bff56},        {"RP2XXX_ABSOLUTE", 0xe48bff57}, {"RP2XXX_DATA", 0xe48bff58},
    {"RP2350_ARM_S", 0xe48bff59},  {"RP2350_RISCV", 0xe48bff5a},    {"RP2350_ARM_NS", 0xe48bff5b},
    {"ESP32", 0x1c5f21b0},         {"ESP32S2", 0xbfdd4eee},         {"ESP32S3", 0xc47e5767},
    {"ESP32C3", 0xd42ba06c},       {"ESP32C6", 0x540ddf62},         {"ESP8266", 0x7eab61ed},
    {"NRF52", 0x1b57745f},         {"NRF52833", 0x621e937a},        {"NRF52840", 0xada52840},
    {"SAMD21", 0x68ed2b88},        {"SAMD51", 0x55114460},          {"MIMXRT10XX", 0x4fb2d5bd},
    {"STM32F0", 0x647824b6},       {"STM32F1", 0x5ee21072},         {"STM32F2", 0x5d1a0a2e},
    {"STM32F3", 0x6b846188},       {"STM32F4", 0x57755a57},         {"STM32F407", 0x6d0922fa},
    {"STM32F407VG", 0x8fb060fe},   {"STM32F411XE", 0x2dc309c5},     {"STM32F411XC", 0x06d1097b},
    {"STM32F7", 0x53b80f00},       {"STM32G0", 0x300f5633},         {"STM32G4", 0x4c71240a},
    {"STM32H7", 0x6db66082},       {"STM32L0", 0x202e3a91},         {"STM32L1", 0x1e1f432d},
    {"STM32L4", 0x00ff6919},       {"STM32L5", 0x04240bdf},         {"STM32WB", 0x70d16653},
    {"STM32WL", 0x21460ff0},
};
#define NFAMILIES (sizeof families / sizeof families[0])

/* Names compare ignoring case, '-' and '_' ("esp32-s3" = "ESP32S3"). */
static int name_eq(const char *a, const char *b)
{
    for (;;) {
        while (*a == '-' || *a == '_')
            a++;
        while (*b == '-' || *b == '_')
            b++;
        if (toupper((unsigned char)*a) != toupper((unsigned char)*b))
            return 0;
        if (!*a)
            return 1;
        a++, b++;
    }
}

int romfs_uf2_family(const char *name, uint32_t *id)
{
    for (size_t i = 0; i < NFAMILIES; i++)
        if (name_eq(name, families[i].name)) {
            *id = families[i].id;
            return 0;
        }
    char *end;
    unsigned long long v = strtoull(name, &end, 0);
    if (!isdigit((unsigned char)*name) || *end || v > 0xffffffffull)
        return ROMFS_ERR_NOENT;
    *id = (uint32_t)v;
    return 0;
}

const char *romfs_uf2_family_name(uint32_t id)
{
    for (size_t i = 0; i < NFAMILIES; i++)
        if (families[i].id == id)
            return families[i].name;
    return NULL;
}

const char *romfs_uf2_family_at(size_t i)
{
    return i < NFAMILIES ? families[i].name : NULL;
}

int romfs_flashfmt_parse(const char *name)
{
    if (strcmp(name, "raw") == 0 || strcmp(name, "bin") == 0)
        return ROMFS_FLASHFMT_RAW;
    if (strcmp(name, "uf2") == 0)
        return ROMFS_FLASHFMT_UF2;
    if (strcmp(name, "ihex") == 0 || strcmp(name, "hex") == 0)
        return ROMFS_FLASHFMT_IHEX;
    return ROMFS_ERR_INVAL;
}

/// UF2 ///

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int romfs_uf2_write(const uint8_t *data, size_t len, uint32_t addr, uint32_t family,
                    romfs_flash_write_fn write, void *ctx)
{
    size_t nblocks = (len + ROMFS_UF2_PAYLOAD - 1) / ROMFS_UF2_PAYLOAD;
    if (addr % ROMFS_UF2_PAYLOAD || nblocks > UINT32_MAX / ROMFS_UF2_PAYLOAD ||
        (uint64_t)addr + (uint64_t)nblocks * ROMFS_UF2_PAYLOAD > 0x100000000ull)
        return ROMFS_ERR_INVAL;
    uint8_t blk[ROMFS_UF2_BLOCK];
    for (size_t i = 0; i < nblocks; i++) {
        size_t off = i * ROMFS_UF2_PAYLOAD;
        size_t n = len - off < ROMFS_UF2_PAYLOAD ? len - off : ROMFS_UF2_PAYLOAD;
        memset(blk, 0, sizeof blk);
        put32(blk + 0, ROMFS_UF2_MAGIC0);
        put32(blk + 4, ROMFS_UF2_MAGIC1);
        put32(blk + 8, family ? ROMFS_UF2_FLAG_FAMILY : 0);
        put32(blk + 12, addr + (uint32_t)off);
        put32(blk + 16, ROMFS_UF2_PAYLOAD);
        put32(blk + 20, (uint32_t)i);
        put32(blk + 24, (uint32_t)nblocks);
        put32(blk + 28, family ? family : (uint32_t)len);
        memcpy(blk + 32, data + off, n);
        memset(blk + 32 + n, 0xff, ROMFS_UF2_PAYLOAD - n);
        put32(blk + ROMFS_UF2_BLOCK - 4, ROMFS_UF2_MAGIC_END);
        int r = write(ctx, blk, sizeof blk);
        if (r < 0)
            return r;
    }
    return 0;
}

static int fail(romfs_flash_info_t *info, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(romfs_flash_info_t *info, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(info->err, sizeof info->err, fmt, ap);
    va_end(ap);
    info->err_offset = off;
    return ROMFS_ERR_IO;
}

/* Checks block i at in + off against block 0 and the address run so far. */
static int uf2_check_block(const uint8_t *b, size_t off, uint32_t i, uint32_t next_addr,
                           romfs_flash_info_t *info)
{
    uint32_t flags = get32(b + 8), size = get32(b + 16);
    if (get32(b) != ROMFS_UF2_MAGIC0 || get32(b + 4) != ROMFS_UF2_MAGIC1 ||
        get32(b + ROMFS_UF2_BLOCK - 4) != ROMFS_UF2_MAGIC_END)
        return fail(info, off, "UF2 block %u: bad magic", (unsigned)i);
    if (get32(b + 20) != i)
        return fail(info, off, "UF2 block %u: numbered %u", (unsigned)i, (unsigned)get32(b + 20));
    if (get32(b + 24) != info->blocks)
        return fail(info, off, "UF2 block %u: says %u blocks, the file has %u", (unsigned)i,
                    (unsigned)get32(b + 24), (unsigned)info->blocks);
    if (flags & ROMFS_UF2_FLAG_NOT_MAIN_FLASH)
        return fail(info, off, "UF2 block %u: not for main flash (flags 0x%08x)", (unsigned)i, (unsigned)flags);
    if ((flags ^ get32(b - (size_t)i * ROMFS_UF2_BLOCK + 8)) & ROMFS_UF2_FLAG_FAMILY ||
        ((flags & ROMFS_UF2_FLAG_FAMILY) && get32(b + 28) != info->family))
        return fail(info, off, "UF2 block %u: family differs from block 0's", (unsigned)i);
    if (size == 0 || size > ROMFS_UF2_PAYLOAD_MAX)
        return fail(info, off, "UF2 block %u: payload size %u (1..476)", (unsigned)i, (unsigned)size);
    if (i > 0 && get32(b + 12) != next_addr)
        return fail(info, off, "UF2 block %u: address 0x%08x, expected 0x%08x (contiguous)", (unsigned)i,
                    (unsigned)get32(b + 12), (unsigned)next_addr);
    if ((uint64_t)get32(b + 12) + size > 0x100000000ull)
        return fail(info, off, "UF2 block %u: runs past 4 GiB", (unsigned)i);
    return 0;
}

static int uf2_decode(const uint8_t *in, size_t len, uint8_t **out, romfs_flash_info_t *info)
{
    if (len == 0 || len % ROMFS_UF2_BLOCK)
        return fail(info, len - len % ROMFS_UF2_BLOCK, "UF2 size %zu is not a multiple of 512", len);
    if (len / ROMFS_UF2_BLOCK > UINT32_MAX)
        return fail(info, 0, "UF2 has too many blocks");
    info->blocks = (uint32_t)(len / ROMFS_UF2_BLOCK);
    uint32_t flags0 = get32(in + 8);
    info->family = (flags0 & ROMFS_UF2_FLAG_FAMILY) ? get32(in + 28) : 0;
    info->address = get32(in + 12);
    uint32_t next = info->address;
    size_t total = 0;
    for (uint32_t i = 0; i < info->blocks; i++) {
        const uint8_t *b = in + (size_t)i * ROMFS_UF2_BLOCK;
        int r = uf2_check_block(b, (size_t)i * ROMFS_UF2_BLOCK, i, next, info);
        if (r < 0)
            return r;
        next = get32(b + 12) + get32(b + 16);
        total += get32(b + 16);
    }
    *out = malloc(total ? total : 1);
    if (!*out)
        return ROMFS_ERR_NOMEM;
    size_t o = 0;
    for (uint32_t i = 0; i < info->blocks; i++) {
        const uint8_t *b = in + (size_t)i * ROMFS_UF2_BLOCK;
        memcpy(*out + o, b + 32, get32(b + 16));
        o += get32(b + 16);
    }
    info->size = total;
    return 0;
}

/// Intel HEX ///

/* One record: ":LLAAAATT<data>CC\n", CC the two's complement of the sum. */
static int ihex_record(uint8_t type, uint16_t off, const uint8_t *data, size_t n,
                       romfs_flash_write_fn write, void *ctx)
{
    static const char hex[] = "0123456789ABCDEF";
    char line[1 + 2 * (4 + 255 + 1) + 2];
    uint8_t head[4] = {(uint8_t)n, (uint8_t)(off >> 8), (uint8_t)off, type};
    uint8_t sum = 0;
    size_t k = 0;
    line[k++] = ':';
    for (size_t i = 0; i < 4 + n; i++) {
        uint8_t b = i < 4 ? head[i] : data[i - 4];
        sum = (uint8_t)(sum + b);
        line[k++] = hex[b >> 4];
        line[k++] = hex[b & 15];
    }
    sum = (uint8_t)(0x100 - sum);
    line[k++] = hex[sum >> 4];
    line[k++] = hex[sum & 15];
    line[k++] = '\n';
    return write(ctx, line, k);
}

int romfs_ihex_write(const uint8_t *data, size_t len, uint32_t addr,
                     romfs_flash_write_fn write, void *ctx)
{
    if ((uint64_t)addr + len > 0x100000000ull)
        return ROMFS_ERR_INVAL;
    uint32_t upper = 0;
    int r = 0;
    for (size_t off = 0; off < len && r == 0;) {
        uint32_t a = addr + (uint32_t)off;
        if (off == 0 || (a >> 16) != upper) {
            upper = a >> 16;
            uint8_t ext[2] = {(uint8_t)(upper >> 8), (uint8_t)upper};
            if ((r = ihex_record(4, 0, ext, 2, write, ctx)) < 0)
                break;
        }
        size_t n = len - off < 16 ? len - off : 16;
        size_t room = 0x10000 - (a & 0xffff); /* a record stays inside its 64 KiB */
        if (n > room)
            n = room;
        r = ihex_record(0, (uint16_t)a, data + off, n, write, ctx);
        off += n;
    }
    return r < 0 ? r : ihex_record(1, 0, NULL, 0, write, ctx);
}

/* romfs_ihex_write's output: per 64 KiB segment touched a type 04 record
 * (16 bytes) and data records of up to 16 bytes (12 + 2 per byte), then
 * the EOF record (12). */
static uint64_t ihex_size(uint64_t len, uint32_t addr)
{
    uint64_t bytes = 12;
    for (uint64_t a = addr, end = addr + len; a < end;) {
        uint64_t seg_end = (a | 0xffff) + 1;
        uint64_t n = (seg_end < end ? seg_end : end) - a;
        bytes += 16 + (n + 15) / 16 * 12 + 2 * n;
        a += n;
    }
    return bytes;
}

uint64_t romfs_flash_encoded_size(int format, uint64_t len, uint32_t addr)
{
    if (format == ROMFS_FLASHFMT_UF2)
        return (len + ROMFS_UF2_PAYLOAD - 1) / ROMFS_UF2_PAYLOAD * ROMFS_UF2_BLOCK;
    return format == ROMFS_FLASHFMT_IHEX ? ihex_size(len, addr) : len;
}

int romfs_flash_encode(int format, const uint8_t *data, size_t len, uint32_t addr, uint32_t family,
                       romfs_flash_write_fn write, void *ctx)
{
    if (format == ROMFS_FLASHFMT_UF2)
        return romfs_uf2_write(data, len, addr, family, write, ctx);
    if (format == ROMFS_FLASHFMT_IHEX)
        return romfs_ihex_write(data, len, addr, write, ctx);
    return len ? write(ctx, data, len) : 0;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parses the record at in[0..n) (without the line end) into rec; returns its
 * byte count, or -1 with info set. */
static int ihex_parse_line(const uint8_t *in, size_t n, size_t off, size_t lineno, uint8_t *rec,
                           romfs_flash_info_t *info)
{
    if (n < 11 || in[0] != ':' || (n - 1) % 2)
        return fail(info, off, "HEX line %zu: not a record (':' and an even number of hex digits)", lineno), -1;
    size_t nb = (n - 1) / 2;
    uint8_t sum = 0;
    for (size_t i = 0; i < nb; i++) {
        int hi = hexval(in[1 + 2 * i]), lo = hexval(in[2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return fail(info, off + 1 + 2 * i, "HEX line %zu: '%c' is not a hex digit", lineno,
                        hi < 0 ? in[1 + 2 * i] : in[2 + 2 * i]), -1;
        rec[i] = (uint8_t)(hi << 4 | lo);
        sum = (uint8_t)(sum + rec[i]);
    }
    if (nb != (size_t)rec[0] + 5)
        return fail(info, off, "HEX line %zu: %zu bytes, the record says %u data bytes", lineno, nb, rec[0]), -1;
    if (sum != 0)
        return fail(info, off + n - 2, "HEX line %zu: checksum 0x%02X, expected 0x%02X", lineno, rec[nb - 1],
                    (uint8_t)(rec[nb - 1] - sum)), -1;
    return rec[0];
}

/* Applies one parsed record; returns 1 at EOF, 0 to go on, -1 on error. */
static int ihex_apply(const uint8_t *rec, size_t off, size_t lineno, uint32_t *upper, uint8_t *out,
                      romfs_flash_info_t *info)
{
    unsigned n = rec[0], type = rec[3];
    uint32_t a = *upper + ((uint32_t)rec[1] << 8 | rec[2]);
    switch (type) {
    case 0:
        if (info->blocks && a != info->address + info->size)
            return fail(info, off, "HEX line %zu: address 0x%08x, expected 0x%08x (contiguous)", lineno,
                        (unsigned)a, (unsigned)(info->address + info->size)), -1;
        if (((uint32_t)rec[1] << 8 | rec[2]) + n > 0x10000)
            return fail(info, off, "HEX line %zu: record crosses a 64 KiB boundary", lineno), -1;
        if (!info->blocks)
            info->address = a;
        memcpy(out + info->size, rec + 4, n);
        info->size += n;
        info->blocks++;
        return 0;
    case 1:
        return 1;
    case 2:
    case 4:
        if (n != 2)
            return fail(info, off, "HEX line %zu: address record with %u bytes", lineno, n), -1;
        *upper = ((uint32_t)rec[4] << 8 | rec[5]) << (type == 4 ? 16 : 4);
        return 0;
    case 3:
    case 5:
        return n == 4 ? 0 : (fail(info, off, "HEX line %zu: start record with %u bytes", lineno, n), -1);
    default:
        return fail(info, off, "HEX line %zu: unknown record type %02X", lineno, type), -1;
    }
}

static int ihex_decode(const uint8_t *in, size_t len, uint8_t **out, romfs_flash_info_t *info)
{
    uint8_t rec[260];
    uint32_t upper = 0;
    uint8_t *buf = malloc(len / 2 + 1);
    if (!buf)
        return ROMFS_ERR_NOMEM;
    size_t off = 0, lineno = 0;
    int done = 0;
    while (off < len) {
        const uint8_t *nl = memchr(in + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - in) : len, n = end - off;
        lineno++;
        while (n && (in[off + n - 1] == '\r' || in[off + n - 1] == ' ' || in[off + n - 1] == '\t'))
            n--;
        if (n && done) {
            fail(info, off, "HEX line %zu: data after the end-of-file record", lineno);
            goto bad;
        }
        if (n && (n > 1 + 2 * 260 || ihex_parse_line(in + off, n, off, lineno, rec, info) < 0 ||
                  (done = ihex_apply(rec, off, lineno, &upper, buf, info)) < 0)) {
            if (n > 1 + 2 * 260)
                fail(info, off, "HEX line %zu: too long for a record", lineno);
            goto bad;
        }
        off = end + 1;
    }
    if (!done) {
        fail(info, len, "HEX: no end-of-file record");
        goto bad;
    }
    if ((uint64_t)info->address + info->size > 0x100000000ull) {
        fail(info, 0, "HEX: data runs past 4 GiB");
        goto bad;
    }
    *out = buf;
    return 0;
bad:
    free(buf);
    return ROMFS_ERR_IO;
}

/// Either ///

int romfs_flashfmt_detect(const uint8_t *in, size_t len)
{
    if (len >= 8 && get32(in) == ROMFS_UF2_MAGIC0 && get32(in + 4) == ROMFS_UF2_MAGIC1)
        return ROMFS_FLASHFMT_UF2;
    if (len >= 11 && in[0] == ':' && hexval(in[1]) >= 0 && hexval(in[2]) >= 0)
        return ROMFS_FLASHFMT_IHEX;
    return ROMFS_FLASHFMT_RAW;
}

int romfs_flash_decode(const uint8_t *in, size_t len, int format, uint8_t **out,
                       romfs_flash_info_t *info)
{
    memset(info, 0, sizeof *info);
    info->format = format;
    *out = NULL;
    if (format == ROMFS_FLASHFMT_UF2)
        return uf2_decode(in, len, out, info);
    if (format == ROMFS_FLASHFMT_IHEX)
        return ihex_decode(in, len, out, info);
    fail(info, 0, "not a UF2 or Intel HEX file");
    return ROMFS_ERR_INVAL;
}

int romfs_flash_unwrap(uint8_t **data, size_t *len, romfs_flash_info_t *info)
{
    int fmt = romfs_flashfmt_detect(*data, *len);
    uint8_t *out;
    if (fmt == ROMFS_FLASHFMT_RAW) {
        memset(info, 0, sizeof *info);
        info->size = *len;
        return 0;
    }
    int r = romfs_flash_decode(*data, *len, fmt, &out, info);
    if (r < 0)
        return r;
    free(*data);
    *data = out;
    *len = info->size;
    return 0;
}
