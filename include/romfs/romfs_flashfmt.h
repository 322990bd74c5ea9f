/* SPDX-License-Identifier: MIT */
/*
 * libromfs flash formats: an image as the files flashing tools take.
 *
 * UF2 (Microsoft's USB flashing format, github.com/microsoft/uf2): 512-byte
 * blocks, each carrying 256 bytes of payload for one flash address, with the
 * family ID present (flag 0x2000) so a bootloader only takes blocks meant
 * for its chip. Intel HEX: text records with checksums, type 04 (extended
 * linear address) records for addresses above 64 KiB, an EOF record.
 *
 * Encoders stream through a write callback; decoders check every byte they
 * read and return the flash bytes they describe as one contiguous run.
 * Host library (POSIX, heap).
 */
#ifndef ROMFS_ROMFS_FLASHFMT_H
#define ROMFS_ROMFS_FLASHFMT_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs.h"
#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/// Definitions ///

enum romfs_flashfmt {
    ROMFS_FLASHFMT_RAW = 0,  /* plain bytes */
    ROMFS_FLASHFMT_UF2 = 1,  /* UF2 blocks */
    ROMFS_FLASHFMT_IHEX = 2, /* Intel HEX text */
};

#define ROMFS_UF2_MAGIC0 0x0A324655u
#define ROMFS_UF2_MAGIC1 0x9E5D5157u
#define ROMFS_UF2_MAGIC_END 0x0AB16F30u
#define ROMFS_UF2_FLAG_NOT_MAIN_FLASH 0x00000001u
#define ROMFS_UF2_FLAG_FAMILY 0x00002000u
#define ROMFS_UF2_BLOCK 512
#define ROMFS_UF2_PAYLOAD 256
#define ROMFS_UF2_PAYLOAD_MAX 476

/* Where decoded bytes came from, or why decoding failed. */
typedef struct romfs_flash_info {
    int format;         /* enum romfs_flashfmt */
    uint32_t address;   /* flash address of the first byte */
    uint32_t family;    /* UF2 family ID (0: none) */
    uint32_t blocks;    /* UF2 blocks / HEX data records read */
    size_t size;        /* decoded bytes */
    size_t err_offset;  /* on failure: byte offset of the problem in the input */
    char err[160];      /* on failure: one line saying what is wrong */
} romfs_flash_info_t;

/* Output sink: return 0, or a negative error that stops the encoder. */
typedef int (*romfs_flash_write_fn)(void *ctx, const void *data, size_t len);

/// Names ///

/* Format by name ("raw", "uf2", "ihex" or "hex"); ROMFS_ERR_INVAL if unknown. */
int romfs_flashfmt_parse(const char *name);

/* The UF2 family ID of a short name from uf2families.json ("RP2040",
 * "RP2350_ARM_S", "ESP32S3", "NRF52840", "STM32F4", ...; case and '-'/'_'
 * ignored) or a number (0x...); 0 and *id, or ROMFS_ERR_NOENT if neither. */
int romfs_uf2_family(const char *name, uint32_t *id);
/* The short name of a family ID, or NULL if not in our table. */
const char *romfs_uf2_family_name(uint32_t id);
/* The i-th known family name (for help and completion), NULL past the end. */
const char *romfs_uf2_family_at(size_t i);

/// Encoding ///

/* UF2 of data[0..len) at flash address addr (a multiple of 256), with the
 * family flag and ID when family != 0. The last block's payload is padded
 * with 0xFF (erased flash). Returns 0, ROMFS_ERR_INVAL for a misaligned or
 * overflowing address, or the first error of write. */
int romfs_uf2_write(const uint8_t *data, size_t len, uint32_t addr, uint32_t family,
                    romfs_flash_write_fn write, void *ctx);

/* Intel HEX of data[0..len) at flash address addr: 16-byte data records, a
 * type 04 record whenever the upper 16 address bits change, then EOF.
 * Returns 0, ROMFS_ERR_INVAL if addr + len passes 4 GiB, or write's error. */
int romfs_ihex_write(const uint8_t *data, size_t len, uint32_t addr,
                     romfs_flash_write_fn write, void *ctx);

/* Bytes of the file romfs_flash_encode writes for len bytes at addr (raw:
 * len; UF2: 512 per started 256 bytes; Intel HEX: every record's line),
 * without encoding anything, so a caller can refuse an output too large
 * before writing it. */
uint64_t romfs_flash_encoded_size(int format, uint64_t len, uint32_t addr);

/* data[0..len) as a file of format at addr through write: raw as it is,
 * else romfs_uf2_write (with family) or romfs_ihex_write, and their
 * returns. */
int romfs_flash_encode(int format, const uint8_t *data, size_t len, uint32_t addr, uint32_t family,
                       romfs_flash_write_fn write, void *ctx);

/// Decoding ///

/* The format of in[0..len) judged by content: UF2 magic, a leading ':' and
 * hex digits, else raw. */
int romfs_flashfmt_detect(const uint8_t *in, size_t len);

/* Decode a UF2 or Intel HEX file into *out (malloc'd, the caller frees) of
 * info->size bytes. Blocks/records must describe one contiguous ascending
 * run of addresses (as flashing one partition does); UF2 blocks must be
 * numbered 0..numBlocks-1 and share one family. Returns 0, ROMFS_ERR_IO
 * with info->err and info->err_offset set, or ROMFS_ERR_NOMEM. */
int romfs_flash_decode(const uint8_t *in, size_t len, int format, uint8_t **out,
                       romfs_flash_info_t *info);

/* An input file as the flash bytes it describes: when *data (malloc'd)
 * holds a UF2 or Intel HEX file (romfs_flashfmt_detect), it is freed and
 * replaced by the decoded bytes, *len by their count. Returns 0 (a raw
 * file is left as it is, info->format ROMFS_FLASHFMT_RAW), or
 * romfs_flash_decode's error with info set and *data untouched. */
int romfs_flash_unwrap(uint8_t **data, size_t *len, romfs_flash_info_t *info);

/// Output options ///

/* How `romfs build --format F --address A --pad-to N --family F` writes a
 * built image (src/host/flashout.c). Zeroed: the raw image, unpadded. */
typedef struct romfs_flash_opts {
    int format;         /* enum romfs_flashfmt, default raw */
    int have_address;   /* address was given */
    uint32_t address;   /* flash address of the image's first byte */
    uint64_t pad_to;    /* pad with 0xFF to this size (0: no padding) */
    uint32_t family;    /* UF2 family ID (0: none) */
} romfs_flash_opts_t;

/* The options romfs_flash_opts_set takes, named in its messages as
 * --format, --address, --pad-to and --family. */
enum romfs_flash_opt {
    ROMFS_FLASH_OPT_FORMAT = 1,  /* romfs_flashfmt_parse's names */
    ROMFS_FLASH_OPT_ADDRESS,     /* a number below 4 GiB (0x.. hex, 0.. octal) */
    ROMFS_FLASH_OPT_PAD_TO,      /* a number up to 4 GiB */
    ROMFS_FLASH_OPT_FAMILY,      /* romfs_uf2_family's names, or a non-zero number */
};

/* Set option opt of o from its text value. 0, or ROMFS_ERR_INVAL with one
 * line in msg[0..cap) saying what the option wants ("--pad-to wants a size
 * up to 4 GiB, not 'x'"). */
int romfs_flash_opts_set(romfs_flash_opts_t *o, int opt, const char *value, char *msg, size_t cap);

/* After the options are set: 0, or ROMFS_ERR_INVAL with one line in msg
 * when they conflict (uf2 needs an address, a multiple of 256, and a
 * family; a family is only for uf2). */
int romfs_flash_opts_check(const romfs_flash_opts_t *o, char *msg, size_t cap);

/* The output file's usual extension: ".romfs", ".uf2" or ".hex". */
const char *romfs_flash_opts_ext(const romfs_flash_opts_t *o);

/* The output name a build of directory src writes by default, as mpremote
 * names it: src without its trailing '/'s, then the extension ("app/" ->
 * "app.uf2"). malloc'd (the caller frees); NULL when out of memory. */
char *romfs_flash_opts_out_name(const romfs_flash_opts_t *o, const char *src);

/* Bytes of the file romfs_flash_write_image writes for an image of
 * image_size bytes (padded to pad_to when that is larger), so a caller can
 * refuse an output too large before building it into memory. */
uint64_t romfs_flash_opts_out_size(const romfs_flash_opts_t *o, uint64_t image_size);

struct romfs_builder;
/* Write builder b's image through write as o asks: raw images stream,
 * padded or encoded ones are built in memory (padded as erased flash)
 * first. 0, or a negative error with one line in msg: the builder's
 * message, or "NAME: ..." naming the output name for the image larger
 * than pad_to, out of memory, or an address range past 4 GiB. An error
 * returned by write itself is returned as it is with msg empty (the sink
 * knows what it was writing). */
int romfs_flash_write_image(const romfs_flash_opts_t *o, struct romfs_builder *b, const char *name,
                            romfs_flash_write_fn write, void *ctx, char *msg, size_t cap);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_ROMFS_FLASHFMT_H */
