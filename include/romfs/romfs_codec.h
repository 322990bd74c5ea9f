/* SPDX-License-Identifier: MIT */
/*
 * romfs codecs: the text encodings deploy chunks and board answers travel
 * in (hex, base64, a Python bytes literal) and the raw deflate MicroPython's
 * deflate.DeflateIO(..., RAW, 9) reads. One module for the CLI's board
 * commands and anything else that talks to a board.
 */
#ifndef ROMFS_CODEC_H
#define ROMFS_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "romfs/romfs_export.h"

ROMFS_API_BEGIN

/// Encoding ///

/* Upper bounds of the encoded length of n bytes (no NUL is written). */
#define ROMFS_HEX_LEN(n) ((n) * 2)
#define ROMFS_B64_LEN(n) (((n) + 2) / 3 * 4)
#define ROMFS_PYLIT_LEN(n) ((n) * 4)

/* Lowercase hex of in[0..n) into out; returns the length written. */
size_t romfs_hex_encode(const uint8_t *in, size_t n, char *out);
/* Standard base64 with '=' padding; returns the length written. */
size_t romfs_b64_encode(const uint8_t *in, size_t n, char *out);
/* The inside of a Python bytes literal b'...': printable ASCII as is,
 * everything else (and \ and ') as \xNN. Returns the length written. */
size_t romfs_pylit_encode(const uint8_t *in, size_t n, char *out);

/* Raw deflate (no header) with a 512-byte window, what DeflateIO(..., RAW,
 * 9) decodes, into out[0..cap). Returns the compressed length, or 0 when it
 * would not be shorter than n (send the bytes as they are) or fails. */
size_t romfs_deflate_raw(const uint8_t *in, size_t n, uint8_t *out, size_t cap);

/// Decoding (untrusted text) ///

/* Exactly len characters of hex (either case), two per byte, into
 * out[0..cap). Returns the byte count, or ROMFS_ERR_INVAL on an odd length, a non-hex
 * character, or more than cap bytes. */
long romfs_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap);
/* Base64 text (line breaks and spaces allowed between characters, '='
 * padding only at the end of a group) into out[0..cap). Returns the byte
 * count, or ROMFS_ERR_INVAL on any other character, bad padding, or more than
 * cap. */
long romfs_b64_decode(const char *s, size_t len, uint8_t *out, size_t cap);

ROMFS_API_END

#endif
