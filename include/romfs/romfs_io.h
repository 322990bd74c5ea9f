/* SPDX-License-Identifier: MIT */
/*
 * libromfs host file I/O: loading a whole file with a bound, and atomic
 * output (host library, POSIX).
 *
 * Every command that reads an image or writes a file goes through these, so
 * the rules hold everywhere: an input is a snapshot in memory (it cannot
 * change or vanish under a reader, as a mapped file can), never larger than
 * the caller's bound; an output replaces its file only by a rename after
 * fsync, keeps the old file's mode, follows a symbolic link to replace its
 * target, and writes a device or FIFO in place instead of replacing it.
 * Errors are negative errno values; nothing here prints.
 */
#ifndef ROMFS_IO_H
#define ROMFS_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/// Loading a file ///

/* The bound the romfs command uses: a ROMFS image fits a flash partition,
 * and the largest boards have tens of MiB of flash. */
#define ROMFS_LOAD_MAX ((size_t)256 << 20)

/* Read all of path ("-" is standard input) into a malloc'd buffer. Regular
 * files are read, not mapped. Returns 0 with *data (free() it; never NULL)
 * and *len; -EISDIR for a directory; -EFBIG when it holds more than max
 * bytes (a regular file is refused before reading, a pipe or device after
 * max bytes); or another negative errno. */
int romfs_load_file(const char *path, size_t max, uint8_t **data, size_t *len);

/* The same from an open descriptor (not closed). */
int romfs_load_fd(int fd, size_t max, uint8_t **data, size_t *len);

/// Atomic output ///

/* Flags of romfs_out_openat. */
/* name is an entry of dirfd taken literally (extract): a symbolic link or
 * device there is replaced by the rename, never followed or written. */
#define ROMFS_OUT_LITERAL 0x1
/* Fail with -EEXIST at commit when name exists (with ROMFS_OUT_LITERAL). */
#define ROMFS_OUT_NOREPLACE 0x2
/* No fsync of the file at commit: for many files written together, which
 * the caller makes durable at once (syncfs) when it is done. */
#define ROMFS_OUT_NOSYNC 0x4

/* An output being written. fd receives the bytes; when tmp is set they go
 * to the temporary file tmp in directory dirfd, renamed to name at commit. */
typedef struct romfs_out {
    int fd;                 /* where to write; -1 when closed */
    int dirfd;              /* the target's directory; -1 when written in place */
    char *name;             /* the target's name in dirfd */
    char *tmp;              /* the temporary file's name in dirfd, or NULL */
    unsigned flags;
    int own_fd;             /* fd is ours to close (not stdout) */
    uint8_t *buf;           /* romfs_out_buffer's, or NULL: writes go straight to fd */
    size_t buf_len, buf_size;
    uint64_t written;       /* bytes romfs_out_write accepted: where a failure is */
    int err;                /* its first error (negative errno), or 0 */
} romfs_out_t;

/* Start writing path. "-" is standard output; a device, FIFO or socket is
 * opened and written in place; a symbolic link is followed (up to 40 links)
 * and its target replaced; a regular or missing file gets a temporary file
 * beside it, with the old file's mode and owner when it exists. Returns 0 or
 * a negative errno (-EISDIR for a directory); on error nothing is left. */
int romfs_out_open(romfs_out_t *o, const char *path);

/* Start writing the entry name of directory dirfd (dirfd is duplicated, the
 * caller keeps its own). A symbolic link there is replaced, not followed; a
 * device or FIFO is written in place unless ROMFS_OUT_LITERAL. With AT_FDCWD
 * and no flags, exactly romfs_out_open. */
int romfs_out_openat(romfs_out_t *o, int dirfd, const char *name, unsigned flags);

/* Collect writes in a buffer of size bytes, written out when full and at
 * commit: for an output written in many small pieces (a builder's, a HEX
 * encoder's). 0, or -ENOMEM with writes left unbuffered. */
int romfs_out_buffer(romfs_out_t *o, size_t size);

/* Write all of [data, data+len), retrying short writes and EINTR. Returns 0
 * or a negative errno; the first error stays (o->err) and every later call
 * returns it. o->written counts the bytes accepted before. */
int romfs_out_write(romfs_out_t *o, const void *data, size_t len);

/* Finish: write out the buffer, fsync, close, rename into place, fsync the
 * directory. Returns 0, or a negative errno (a write's error first) after
 * removing the temporary file (the old file is untouched). Written-in-place
 * outputs are only closed. */
int romfs_out_commit(romfs_out_t *o);

/* Give up: close and remove the temporary file. Safe after commit. */
void romfs_out_abort(romfs_out_t *o);

/* Write a whole buffer to path atomically (open, write, commit). */
int romfs_write_file(const char *path, const void *data, size_t len);

/* Temporary files of every output in the process, for a program that
 * removes them when a signal ends it: hold runs just before one is
 * created, created just after (name NULL when creation failed: hold's
 * counterpart all the same), gone once it was renamed into place or
 * removed. dirfd and name stay valid until gone. One set per process, kept
 * by copy; NULL clears it. */
typedef struct romfs_tmp_hooks {
    void (*hold)(void *ctx);
    void (*created)(void *ctx, int dirfd, const char *name);
    void (*gone)(void *ctx, int dirfd, const char *name);
    void *ctx;
} romfs_tmp_hooks_t;
void romfs_io_set_tmp_hooks(const romfs_tmp_hooks_t *hooks);

/// Directories ///

/* mkdir -p: create path and its missing parents with mode (less the
 * umask). An existing path of any type is not an error (opening it as a
 * directory then says what it is). Returns 0 or a negative errno. */
int romfs_mkdir_p(const char *path, mode_t mode);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif
