/* SPDX-License-Identifier: MIT */
/*
 * The tests' SHA-256: the host library's (src/host/sha256.c) under the
 * names the tests use. Tests link romfs_host.
 */
#ifndef ROMFS_TESTS_SHA256_H
#define ROMFS_TESTS_SHA256_H

#include "../../src/host/sha256.h"

typedef romfs_sha256_t sha256_t;
#define sha256_init romfs_sha256_init
#define sha256_update romfs_sha256_update
#define sha256_hex romfs_sha256_final
#define sha256_buf_hex romfs_sha256_hex

#endif
