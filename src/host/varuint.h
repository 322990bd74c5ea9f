/* SPDX-License-Identifier: MIT */
/*
 * ROMFS varuints for the host writers (builder and stable layout): big-endian
 * groups of 7 bits, high bit set on all but the last byte; leading 0x80 bytes
 * are padding to every reader, so a value may be written wider than needed.
 * One encoder for the whole host library.
 */
#ifndef ROMFS_HOST_VARUINT_H
#define ROMFS_HOST_VARUINT_H

#include <stdint.h>

/* Bytes v needs at its shortest (at least 1). */
unsigned romfs_varuint_len(uint64_t v);

/* Write v into exactly width bytes (width >= romfs_varuint_len(v); 0 means
 * the shortest). Returns the bytes written. */
unsigned romfs_varuint_put(uint8_t *out, uint64_t v, unsigned width);

#endif
