/* SPDX-License-Identifier: MIT */
/*
 * libromfs JSON strings: bytes from an image, a board or the host written
 * as JSON string literals that a program can trust.
 *
 * Names in an image and text from a board are bytes, not necessarily
 * UTF-8. A string literal escapes '"', '\\', C0 controls and DEL, passes
 * valid UTF-8 through, and writes each byte that is not part of a valid
 * UTF-8 sequence as \u00XX of its value: a program cannot tell that from
 * the real character, so a name also gets its bytes in hex when it is not
 * valid UTF-8 (romfs_json_name). Output goes through a write callback;
 * nothing here prints. Host library.
 */
#ifndef ROMFS_JSON_H
#define ROMFS_JSON_H

#include <stddef.h>

#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/* Output sink: return 0, or a negative error that stops the writer. */
typedef int (*romfs_json_write_fn)(void *ctx, const void *data, size_t len);

/* s[0..len) as a JSON string literal, quotes included. Returns 0 or the
 * first error of write. */
int romfs_json_string(const void *s, size_t len, romfs_json_write_fn write, void *ctx);

/* `"KEY": "string"`, followed by `, "KEY_hex": "6869e9"` (every byte of s
 * in lower-case hex) when s is not valid UTF-8. key is written as it is. */
int romfs_json_name(const char *key, const void *s, size_t len, romfs_json_write_fn write, void *ctx);

/* A writer of a whole object that keeps write's first error: after one,
 * nothing more is written (the caller returns err). */
typedef struct romfs_json_out {
    romfs_json_write_fn write;
    void *ctx;
    int err;
} romfs_json_out_t;

/* printf-formatted text as it is: at most 1023 bytes, more sets err to
 * ROMFS_ERR_OVERFLOW and writes nothing. */
void romfs_json_printf(romfs_json_out_t *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The NUL-terminated s as a string literal (romfs_json_string). */
void romfs_json_str(romfs_json_out_t *o, const char *s);
/* s[0..len) as it is, however long (text that may pass printf's bound:
 * a path, a device spec); nothing after an error. */
void romfs_json_raw(romfs_json_out_t *o, const void *s, size_t len);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif
