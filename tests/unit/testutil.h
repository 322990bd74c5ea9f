/* SPDX-License-Identifier: MIT */
/* Helpers shared by the unit tests. */
#ifndef ROMFS_TESTUTIL_H
#define ROMFS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Read a whole file; aborts the test run when it cannot. Caller frees. */
uint8_t *tu_read_file(const char *path, size_t *len);
/* ROMFS_VECTORS "/" rel, in a static buffer. */
const char *tu_vector(const char *rel);

#endif
