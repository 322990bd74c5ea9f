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

/* A fresh directory /tmp/NAME-XXXXXX into dir (size >= 64): 0, or -1. */
int tu_tmpdir(char *dir, size_t size, const char *name);
/* Remove the tree dir (rm -rf): 0, or -1. */
int tu_rmtree(const char *dir);
/* dir/name, in one of four buffers used in turn. */
const char *tu_path(const char *dir, const char *name);

#endif
