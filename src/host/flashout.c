/* SPDX-License-Identifier: MIT */
/*
 * A built image as the file `romfs build --format --address --pad-to
 * --family` writes (romfs_flashfmt.h, "Output options"): the options'
 * values and rules, and the padded or encoded write of a builder's image.
 * Messages go to the caller's buffer; nothing is printed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "romfs/romfs_build.h"
#include "romfs/romfs_flashfmt.h"

static int say(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int say(char *msg, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (msg && cap)
        vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    return ROMFS_ERR_INVAL;
}

/* A non-negative number as C writes it (0x.. hex, 0.. octal) up to max;
 * -1 when s is empty, signed, has anything after the digits, or is larger. */
static long long number(const char *s, unsigned long long max)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    return !*s || errno || *end || s[0] == '-' || v > max ? -1 : (long long)v;
}

int romfs_flash_opts_set(romfs_flash_opts_t *o, int opt, const char *value, char *msg, size_t cap)
{
    long long v;
    int f;
    if (msg && cap)
        *msg = '\0';
    switch (opt) {
    case ROMFS_FLASH_OPT_FORMAT:
        if ((f = romfs_flashfmt_parse(value)) < 0)
            return say(msg, cap, "--format wants raw, uf2 or ihex, not '%s'", value);
        o->format = f;
        return 0;
    case ROMFS_FLASH_OPT_ADDRESS:
        if ((v = number(value, 0xffffffffull)) < 0)
            return say(msg, cap, "--address wants a flash address below 4 GiB, not '%s'", value);
        o->address = (uint32_t)v;
        o->have_address = 1;
        return 0;
    case ROMFS_FLASH_OPT_PAD_TO:
        if ((v = number(value, 1ull << 32)) < 0)
            return say(msg, cap, "--pad-to wants a size up to 4 GiB, not '%s'", value);
        o->pad_to = (uint64_t)v;
        return 0;
    case ROMFS_FLASH_OPT_FAMILY:
        if (romfs_uf2_family(value, &o->family) != 0 || o->family == 0)
            return say(msg, cap, "--family wants a UF2 family name (RP2040, RP2350_ARM_S, ESP32S3, "
                       "NRF52840, STM32F4, ...) or a non-zero number, not '%s'", value);
        return 0;
    default:
        return say(msg, cap, "unknown flash output option %d", opt);
    }
}

int romfs_flash_opts_check(const romfs_flash_opts_t *o, char *msg, size_t cap)
{
    if (msg && cap)
        *msg = '\0';
    if (o->format == ROMFS_FLASHFMT_UF2 && (!o->have_address || !o->family))
        return say(msg, cap, "--format uf2 needs --address (the partition's flash address) and --family");
    if (o->format == ROMFS_FLASHFMT_UF2 && o->address % ROMFS_UF2_PAYLOAD)
        return say(msg, cap, "--address 0x%x is not a multiple of 256, as UF2 blocks need", (unsigned)o->address);
    if (o->format != ROMFS_FLASHFMT_UF2 && o->family)
        return say(msg, cap, "--family is for --format uf2");
    return 0;
}

const char *romfs_flash_opts_ext(const romfs_flash_opts_t *o)
{
    return o->format == ROMFS_FLASHFMT_UF2 ? ".uf2" : o->format == ROMFS_FLASHFMT_IHEX ? ".hex" : ".romfs";
}

char *romfs_flash_opts_out_name(const romfs_flash_opts_t *o, const char *src)
{
    size_t sl = strlen(src);
    while (sl > 1 && src[sl - 1] == '/')
        sl--;
    char *out = malloc(sl + sizeof ".romfs");
    if (out)
        snprintf(out, sl + sizeof ".romfs", "%.*s%s", (int)sl, src, romfs_flash_opts_ext(o));
    return out;
}

uint64_t romfs_flash_opts_out_size(const romfs_flash_opts_t *o, uint64_t image_size)
{
    return romfs_flash_encoded_size(o->format, o->pad_to > image_size ? o->pad_to : image_size, o->address);
}

/* The caller's sink, remembering whether it failed (then it is its error,
 * and the caller's to report). */
struct sink {
    romfs_flash_write_fn write;
    void *ctx;
    int err;
};

static int sink_write(void *ctx, const void *data, size_t len)
{
    struct sink *s = ctx;
    int r = s->write(s->ctx, data, len);
    if (r < 0 && !s->err)
        s->err = r;
    return r;
}

/* A builder failure that is not the sink's: its message. */
static int builder_error(romfs_builder_t *b, const struct sink *s, int r, char *msg, size_t cap)
{
    const char *m = romfs_builder_errmsg(b);
    if (!s->err)
        say(msg, cap, "%s", m && *m ? m : romfs_strerror(r));
    return r;
}

int romfs_flash_write_image(const romfs_flash_opts_t *o, romfs_builder_t *b, const char *name,
                            romfs_flash_write_fn write, void *ctx, char *msg, size_t cap)
{
    struct sink s = {write, ctx, 0};
    uint64_t size = romfs_builder_image_size(b);
    if (msg && cap)
        *msg = '\0';
    if (o->format == ROMFS_FLASHFMT_RAW && o->pad_to == 0) {
        int r = romfs_builder_write(b, sink_write, &s);
        return r < 0 ? builder_error(b, &s, r, msg, cap) : 0;
    }
    if (o->pad_to && size > o->pad_to) {
        say(msg, cap, "%s: the image is %llu bytes, more than --pad-to %llu", name, (unsigned long long)size,
            (unsigned long long)o->pad_to);
        return ROMFS_ERR_NOSPC;
    }
    uint64_t total = o->pad_to ? o->pad_to : size;
    uint8_t *p;
    size_t len;
    int r = total > SIZE_MAX ? ROMFS_ERR_NOMEM : romfs_builder_write_mem(b, (size_t)total, &p, &len);
    if (r == ROMFS_ERR_NOMEM) {
        say(msg, cap, "%s: out of memory for %llu bytes", name, (unsigned long long)total);
        return r;
    }
    if (r < 0)
        return builder_error(b, &s, r, msg, cap);
    r = romfs_flash_encode(o->format, p, (size_t)total, o->address, o->family, sink_write, &s);
    free(p);
    if (r < 0 && s.err)
        return r;
    if (r == ROMFS_ERR_INVAL)
        say(msg, cap, "%s: %llu bytes at 0x%x run past the 4 GiB address space", name, (unsigned long long)total,
            (unsigned)o->address);
    else if (r < 0)
        say(msg, cap, "%s: %s", name, strerror(-r));
    return r;
}
