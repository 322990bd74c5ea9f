/* SPDX-License-Identifier: MIT */
/* JSON string literals of arbitrary bytes; see romfs_json.h. UTF-8 is
 * judged by romfs_name_unit (romfs_check.h), the one decoder of names. */
#include "romfs/romfs_json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "romfs/romfs_check.h"

/* Length of the valid UTF-8 sequence (or ASCII byte) at s[i], 0 if the
 * byte there starts none. */
static size_t utf8_at(const uint8_t *s, size_t len, size_t i)
{
    int ctrl;
    size_t n = romfs_name_unit(s, len, i, &ctrl);
    return s[i] < 0x80 || n > 1 ? n : 0;
}

int romfs_json_string(const void *str, size_t len, romfs_json_write_fn write, void *ctx)
{
    const uint8_t *s = str;
    size_t run = 0;   /* bytes from s + i - run on that go out as they are */
    int r = write(ctx, "\"", 1);
    for (size_t i = 0; r == 0 && i < len;) {
        size_t n = utf8_at(s, len, i);
        if (n && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20 && s[i] != 0x7f) {
            run += n;
            i += n;
            continue;
        }
        char esc[8];
        if (s[i] == '"' || s[i] == '\\')
            snprintf(esc, sizeof esc, "\\%c", s[i]);
        else
            snprintf(esc, sizeof esc, "\\u%04x", s[i]);
        if (run)
            r = write(ctx, s + i - run, run);
        if (r == 0)
            r = write(ctx, esc, strlen(esc));
        run = 0;
        i++;
    }
    if (r == 0 && run)
        r = write(ctx, s + len - run, run);
    return r ? r : write(ctx, "\"", 1);
}

int romfs_json_name(const char *key, const void *str, size_t len, romfs_json_write_fn write, void *ctx)
{
    const uint8_t *s = str;
    size_t i = 0, n;
    int r = write(ctx, "\"", 1);
    if (r == 0)
        r = write(ctx, key, strlen(key));
    if (r == 0)
        r = write(ctx, "\": ", 3);
    if (r == 0)
        r = romfs_json_string(s, len, write, ctx);
    while (i < len && (n = utf8_at(s, len, i)) != 0)
        i += n;
    if (r || i == len)
        return r;
    r = write(ctx, ", \"", 3);
    if (r == 0)
        r = write(ctx, key, strlen(key));
    if (r == 0)
        r = write(ctx, "_hex\": \"", 8);
    for (i = 0; r == 0 && i < len; i++) {
        char hex[3];
        snprintf(hex, sizeof hex, "%02x", s[i]);
        r = write(ctx, hex, 2);
    }
    return r ? r : write(ctx, "\"", 1);
}

void romfs_json_printf(romfs_json_out_t *o, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (o->err || n == 0)
        return;
    if (n < 0 || (size_t)n >= sizeof buf)
        o->err = ROMFS_ERR_OVERFLOW;   /* never JSON cut short without a word */
    else
        o->err = o->write(o->ctx, buf, (size_t)n);
}

void romfs_json_raw(romfs_json_out_t *o, const void *s, size_t len)
{
    if (!o->err && len)
        o->err = o->write(o->ctx, s, len);
}

void romfs_json_str(romfs_json_out_t *o, const char *s)
{
    if (!o->err)
        o->err = romfs_json_string(s, strlen(s), o->write, o->ctx);
}
