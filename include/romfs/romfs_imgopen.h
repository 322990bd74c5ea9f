/* SPDX-License-Identifier: MIT */
/*
 * libromfs: an image opened as the `romfs` image commands open it (host
 * library). A file (or "-", standard input) is loaded with a bound, a UF2
 * or Intel HEX file of an image replaced by the bytes it flashes, and the
 * image mounted; a user's path is looked up in it; a subtree is walked.
 * Every failure comes back as a ROMFS_ERR_* code with one line in the
 * caller's buffer, naming the file (as the caller names it), the path and,
 * for a corrupt image, the offset of the problem. Nothing is printed.
 */
#ifndef ROMFS_IMGOPEN_H
#define ROMFS_IMGOPEN_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs.h"
#include "romfs/romfs_check.h"
#include "romfs/romfs_export.h"
#include "romfs/romfs_json.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/* The name of path in messages: "<stdin>" for "-", else path. */
const char *romfs_image_name(const char *path);

/* Load path ("-" is standard input) as an image: at most ROMFS_LOAD_MAX
 * bytes (romfs_io.h), a UF2 or Intel HEX file decoded. 0 with *data
 * (malloc'd, never NULL) and *len; else ROMFS_ERR_NOENT (no such file),
 * ROMFS_ERR_ISDIR (a directory), ROMFS_ERR_OVERFLOW (too large),
 * ROMFS_ERR_NOMEM or ROMFS_ERR_IO (other failures, a damaged UF2 / HEX), with
 * msg "NAME: why" (for a bad UF2 / HEX file: its offset in the file). */
int romfs_image_load(const char *path, uint8_t **data, size_t *len, char *msg, size_t size);

/* Mount [data, data+len) into fs. 0, or the reader's error with msg
 * "NAME: <error>: offset 0x..: <the checker's first problem>" (or
 * "NAME: <error> (N bytes)" when the checker finds none). */
int romfs_image_mount(romfs_t *fs, const uint8_t *data, size_t len, const char *name, char *msg, size_t size);

/* A user's path as the reader looks it up: "/a/b", empty components
 * dropped, the root "". malloc'd; NULL when out of memory. */
char *romfs_image_path(const char *path);

/* romfs_stat of path (romfs_image_path's form) with msg
 * "NAME: PATH: <error>" (the root shown as "/") on failure. */
int romfs_image_stat(const romfs_t *fs, const char *name, const char *path, romfs_info_t *info, char *msg,
                     size_t size);

/* The alignment `romfs ls -l` and `romfs stat` show for an image offset:
 * the largest power of two dividing it, at most 4096 (0 is 4096). */
size_t romfs_image_align(size_t offset);

/* One entry of `romfs ls --json` for info met at
 * path[0..path_len): {path, name, type, size, offset, record_offset} and
 * for a file align; "address" (addr + offset) when addr, where the image
 * is mapped on a board, is not 0; "unsafe": true for a name no path
 * reaches. offset: where the entry's contents start in the image. 0, or
 * write's first error (nothing written after it). */
int romfs_image_entry_json(const romfs_info_t *info, size_t offset, const char *path, size_t path_len, uint64_t addr,
                           romfs_json_write_fn write, void *ctx);

/* The warning for an entry no path reaches (info's ROMFS_INFO_UNSAFE_NAME)
 * met at path[0..path_len) (its own name last) in the image named name:
 * "NAME: offset 0x..: unsafe name 'N' in 'DIR': no path reaches it", the
 * name and its directory escaped and cut by romfs_check_name, into msg. */
void romfs_image_unsafe_msg(const char *name, const romfs_info_t *info, const char *path, size_t path_len, char *msg,
                            size_t size);

/* Receives each entry of romfs_image_walk (it may skip its children with
 * romfs_walk_skip_children), and each corrupt directory as an error line
 * (error 1, as romfs_extract_opts_t's on_message) "NAME: offset 0x..:
 * directory 'PATH': <error>" (the path escaped and cut by
 * romfs_check_name); the walk goes on after it. */
typedef struct romfs_image_walk_cb {
    void (*entry)(void *ctx, romfs_walk_t *w);
    void (*on_message)(void *ctx, int error, const char *line);
    void *ctx;
} romfs_image_walk_cb_t;

/* Walk the directory info at path (romfs_image_path's form) of fs, named
 * name in messages. 0; 1 when a corrupt directory was reported; or
 * ROMFS_ERR_NOMEM (reported as "out of memory" through on_message). */
int romfs_image_walk(const romfs_t *fs, const char *name, const romfs_info_t *info, const char *path,
                     const romfs_image_walk_cb_t *cb);

/// Lines for people (src/host/imgtext.c) ///

/* Names and paths from the image are escaped (romfs_text_escape with
 * ROMFS_ESCAPE_NAME). Each call returns 0, or write's first error, with
 * nothing written after it. */

/* `romfs ls`'s line for info met at path[0..path_len): the name (the
 * path with ROMFS_IMAGE_TEXT_PATH), "/" after a directory, a newline;
 * with ROMFS_IMAGE_TEXT_LONG first "dir SIZE OFFSET -" or "file SIZE
 * OFFSET ALIGN" in columns, the file's OFFSET its address addr + offset
 * when addr (where a board maps the image) is not 0. offset: where the
 * entry's contents start in the image. */
#define ROMFS_IMAGE_TEXT_LONG 0x1
#define ROMFS_IMAGE_TEXT_PATH 0x2
int romfs_image_entry_text(const romfs_info_t *info, size_t offset, const char *path, size_t path_len, uint64_t addr,
                           unsigned how, romfs_json_write_fn write, void *ctx);

/* `romfs stat` of info at path (romfs_image_path's form, "" the root):
 * path, type, size, the contents' offset, a file's alignment, the record
 * offset and what MicroPython's os.stat() says, one line each; json 1: one
 * JSON object {path, type, size, offset, record_offset, mode, stat} and a
 * newline. */
int romfs_image_stat_text(const romfs_info_t *info, size_t offset, const char *path, int json,
                          romfs_json_write_fn write, void *ctx);

/* Deep trees keep their lines short: an entry more than
 * ROMFS_IMAGE_DEEP_FULL levels deep shows its first and last
 * ROMFS_IMAGE_DEEP_KEEP levels and "[+N]" for the N between, so output
 * grows with the entries, not with the square of the depth. */
#define ROMFS_IMAGE_DEEP_FULL 40
#define ROMFS_IMAGE_DEEP_KEEP 8

/* `romfs tree`'s line for the walk's entry: the ancestors' bars ("|   "
 * or "    "), the branch ("|-- ", "\\-- " for the last), the name, "/"
 * after a directory, a newline. */
int romfs_image_tree_line(const romfs_walk_t *w, romfs_json_write_fn write, void *ctx);

/* `romfs diff`'s line for one difference (romfs_diff_fn's arguments, kind
 * its character): "K file PATH  N bytes", "K dir  PATH/", or for a changed
 * file "~ file PATH  N -> M bytes"; newline. */
int romfs_image_diff_line(int kind, const char *path, size_t path_len, const romfs_info_t *e,
                          const romfs_info_t *before, romfs_json_write_fn write, void *ctx);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif
