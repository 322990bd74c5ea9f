/* SPDX-License-Identifier: MIT */
/*
 * Flashable outputs of the subcommands: `romfs build --format
 * raw|uf2|ihex --address --pad-to --family`. The formats, and UF2 / Intel
 * HEX inputs read wherever an image file is (romfs_image_load), are the
 * host library's (romfs_flashfmt.h).
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "romfs/romfs_build.h"
#include "romfs/romfs_flashfmt.h"

int cli_flash_option(void *field, int opt, const char *arg, const char *cmd)
{
    cli_flash_t *fo = field;
    long long v;
    (void)cmd;
    switch (opt) {
    case CLI_FLASH_OPT_FORMAT:
        if ((fo->format = romfs_flashfmt_parse(arg)) < 0) {
            cli_error("build: --format wants raw, uf2 or ihex, not '%s'", arg);
            return -1;
        }
        return 0;
    case CLI_FLASH_OPT_ADDRESS:
        v = cli_parse_size(arg);
        if (v < 0 || v > 0xffffffffLL) {
            cli_error("build: --address wants a flash address below 4 GiB, not '%s'", arg);
            return -1;
        }
        fo->address = (uint32_t)v;
        fo->have_address = 1;
        return 0;
    case CLI_FLASH_OPT_PAD_TO:
        v = cli_parse_size(arg);
        if (v < 0 || v > (1LL << 32)) {
            cli_error("build: --pad-to wants a size up to 4 GiB, not '%s'", arg);
            return -1;
        }
        fo->pad_to = (uint64_t)v;
        return 0;
    case CLI_FLASH_OPT_FAMILY:
        if (strcmp(arg, "list") == 0) { /* for people and shell completion */
            for (size_t i = 0; romfs_uf2_family_at(i); i++)
                printf("%s\n", romfs_uf2_family_at(i));
            return 1;
        }
        if (romfs_uf2_family(arg, &fo->family) != 0 || fo->family == 0) {
            cli_error("build: --family wants a UF2 family name (RP2040, RP2350_ARM_S, ESP32S3, "
                      "NRF52840, STM32F4, ...) or a non-zero number, not '%s'", arg);
            return -1;
        }
        return 0;
    default:
        return -1;
    }
}

const char *cli_flash_ext(const cli_flash_t *fo)
{
    return fo->format == ROMFS_FLASHFMT_UF2 ? ".uf2" : fo->format == ROMFS_FLASHFMT_IHEX ? ".hex" : ".romfs";
}

int cli_flash_check(const cli_flash_t *fo)
{
    if (fo->format == ROMFS_FLASHFMT_UF2 && (!fo->have_address || !fo->family)) {
        cli_error("build: --format uf2 needs --address (the partition's flash address) and --family");
        return -1;
    }
    if (fo->format == ROMFS_FLASHFMT_UF2 && fo->address % ROMFS_UF2_PAYLOAD) {
        cli_error("build: --address 0x%x is not a multiple of 256, as UF2 blocks need", (unsigned)fo->address);
        return -1;
    }
    if (fo->format != ROMFS_FLASHFMT_UF2 && fo->family) {
        cli_error("build: --family is for --format uf2");
        return -1;
    }
    return 0;
}

/* A builder failure that is not a write error (cli_out_write has already
 * named the output for those). */
static int builder_error(romfs_builder_t *b, const cli_out_t *out, int r)
{
    const char *m = romfs_builder_errmsg(b);
    if (!out->o.err)
        cli_error("%s", m && *m ? m : romfs_strerror(r));
    return -1;
}

/* The bytes of the output file: every command that reads an image file
 * takes at most ROMFS_LOAD_MAX, so build writes nothing larger. */
static int refuse_unreadable(const cli_flash_t *fo, uint64_t total, const char *out_path)
{
    return cli_refuse_unreadable(out_path, fo->format == ROMFS_FLASHFMT_RAW ? "image" : "output file",
                                 romfs_flash_encoded_size(fo->format, total, fo->address));
}

int cli_flash_write(const cli_flash_t *fo, romfs_builder_t *b, cli_out_t *out, const char *out_path)
{
    uint64_t size = romfs_builder_image_size(b);
    if (refuse_unreadable(fo, fo->pad_to && fo->pad_to > size ? fo->pad_to : size, out_path) != 0)
        return -1;
    if (fo->format == ROMFS_FLASHFMT_RAW && fo->pad_to == 0) {
        int r = romfs_builder_write(b, cli_out_write, out);
        return r < 0 ? builder_error(b, out, r) : 0;
    }
    if (fo->pad_to && size > fo->pad_to) {
        cli_error("%s: the image is %llu bytes, more than --pad-to %llu", out_path, (unsigned long long)size,
                  (unsigned long long)fo->pad_to);
        return -1;
    }
    uint64_t total = fo->pad_to ? fo->pad_to : size;
    struct {
        uint8_t *p;
        size_t len;
    } m;
    int r = romfs_builder_write_mem(b, (size_t)total, &m.p, &m.len);   /* padded as erased flash */
    if (r == ROMFS_ERR_NOMEM) {
        cli_error("%s: out of memory for %llu bytes", out_path, (unsigned long long)total);
        return -1;
    }
    if (r < 0)
        return builder_error(b, out, r);
    r = romfs_flash_encode(fo->format, m.p, (size_t)total, fo->address, fo->family, cli_out_write, out);
    free(m.p);
    if (r == ROMFS_ERR_INVAL)
        cli_error("%s: %llu bytes at 0x%x run past the 4 GiB address space", out_path,
                  (unsigned long long)total, (unsigned)fo->address);
    else if (r < 0 && !out->o.err)
        cli_error("%s: %s", out_path, strerror(-r));
    return r < 0 ? -1 : 0;
}
