/* SPDX-License-Identifier: MIT */
/*
 * A sparse image: a buffer as long as the image's header says, its bytes
 * fetched on demand in pages through a callback (for a board: the raw
 * REPL, image.c) and kept; and a pass that fetches exactly what the reader
 * (src/reader) will touch for one command: the records along a path, a
 * directory's entries, a whole subtree's, or a file's bytes. The reader then
 * runs on the buffer as on any image: zero-copy, bounds-checked, unchanged.
 *
 * The pass decodes with the reader's own functions (romfs_decode_uint,
 * romfs_record_decode) after fetching the bytes each will read, and mirrors
 * the reader's lookups (dir_next, data_find, romfs_stat_n): it fetches a
 * superset of what they read, never less. Image bytes are untrusted: every
 * offset and length is checked against the record holding it, every loop
 * advances, and nothing is fetched outside [0, len). Not installed.
 */
#ifndef ROMFS_BOARD_SPARSE_H
#define ROMFS_BOARD_SPARSE_H

#include <stddef.h>
#include <stdint.h>

#define SPARSE_PAGE 64    /* bytes fetched at least, page-aligned */

/* Fill dst with the image's n bytes at off: 0, or a negative ROMFS_ERR_*. */
typedef int (*sparse_fetch_fn)(void *ctx, size_t off, size_t n, uint8_t *dst);

typedef struct sparse {
    uint8_t *data;          /* len bytes; zero where not fetched */
    size_t len;
    size_t page;            /* bytes a page */
    uint8_t *have;          /* one byte per page: 1 once fetched */
    sparse_fetch_fn fetch;
    void *ctx;
    uint64_t fetched;       /* image bytes fetched so far */
    unsigned calls;         /* fetch calls made */
} sparse_t;

/* What a command reads (sparse_need). */
enum {
    SPARSE_STAT,   /* the records along the path (romfs_stat) */
    SPARSE_LIST,   /* and, for a directory, each of its entries (ls) */
    SPARSE_TREE,   /* and every entry below it (ls -R, tree) */
    SPARSE_DATA,   /* and, for a file, its bytes (cat) */
    SPARSE_ALL,    /* the whole image (check, extract, diff) */
};

/* A zeroed buffer of len bytes (len > 0), pages of SPARSE_PAGE bytes (or
 * of page bytes: the unit test's 1 makes its oracle exact); 0,
 * ROMFS_ERR_INVAL or ROMFS_ERR_NOMEM. */
int sparse_init(sparse_t *s, size_t len, sparse_fetch_fn fetch, void *ctx);
int sparse_init_paged(sparse_t *s, size_t len, size_t page, sparse_fetch_fn fetch, void *ctx);
/* Frees the page map; the data buffer too unless keep_data. */
void sparse_free(sparse_t *s, int keep_data);
/* Make [off, off + n) (clipped to the image) present: 0 or the fetch's error. */
int sparse_fetch(sparse_t *s, size_t off, size_t n);
/* 1 when every byte of [off, off + n) is present. */
int sparse_has(const sparse_t *s, size_t off, size_t n);
/* Fetch what the reader touches for what at path ("/a/b" or "a/b"; "" or
 * "/" the root), the header first. 0 (a missing path or a corrupt record
 * is left to the reader to report), or a fetch error / ROMFS_ERR_NOMEM. */
int sparse_need(sparse_t *s, const char *path, size_t path_len, int what);

#endif
