/* SPDX-License-Identifier: MIT */
/*
 * libromfs builder: turn a tree (from calls, or from a host directory) into a
 * ROMFS image stream.
 *
 * The builder keeps only the tree's metadata (names, sizes, where the bytes
 * come from) in memory; file contents are read and written out in chunks when
 * the image is emitted, so memory stays bounded as images grow.
 *
 * Layouts:
 *  - reference (align 0): byte-identical to `mpremote romfs build --no-mpy`:
 *    entries sorted by name bytes, verbatim data records, the length varuint
 *    padded with one 0x80 when the image would be odd.
 *  - aligned (align N): the directory tree first, then a data area at the
 *    root level; every non-empty file points through an indirect record to
 *    its bytes, which start at an image offset (0 = the first magic byte)
 *    that is a multiple of N. Each blob sits in a verbatim data record (as
 *    mpremote's mkdata writes), gaps are padding records. Empty files keep
 *    an empty verbatim record. MicroPython and romfs_mount read it as usual.
 *
 * Trees nest as deep as the caller makes them; layout and writing recurse
 * once per directory level.
 */
#ifndef ROMFS_BUILD_H
#define ROMFS_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs.h"

#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/// Definitions ///

typedef struct romfs_builder romfs_builder_t;

/* A file added with romfs_builder_add_file_later, its contents still to come. */
typedef struct romfs_build_file romfs_build_file_t;

/* Receives the image in order; returns 0 or a negative errno to stop. */
typedef int (*romfs_write_fn)(void *ctx, const void *data, size_t len);

/* Reads up to len bytes of a file's contents at offset into buf; returns the
 * count (0 only at the end) or a negative errno. */
typedef long (*romfs_read_fn)(void *ctx, uint64_t offset, void *buf, size_t len);

typedef struct romfs_build_opts {
    uint32_t align;     /* 0 or 1: reference layout; else a power of two */
    /* 0: children sorted by stored name bytes. 1: children in the order they
     * were added. mpremote sorts by the SOURCE name and then stores x.py as
     * x.mpy, so the directory scanner adds entries in source order and the
     * CLI sets this to reproduce mpremote's order under --mpy. */
    int keep_order;
} romfs_build_opts_t;

/// Building from calls ///

/* A new, empty builder (the root directory is open). NULL when out of memory
 * or opts are invalid (align not a power of two). */
romfs_builder_t *romfs_builder_new(const romfs_build_opts_t *opts);

/* Open a subdirectory of the current directory; entries added next go into it
 * until romfs_builder_close_dir. Returns 0, ROMFS_ERR_INVAL for an unsafe
 * name (empty, ".", "..", '/', NUL), ROMFS_ERR_EXIST for a duplicate. */
int romfs_builder_open_dir(romfs_builder_t *b, const char *name, size_t name_len);

/* Close the current directory. ROMFS_ERR_INVAL at the root. */
int romfs_builder_close_dir(romfs_builder_t *b);

/* Add a file whose contents are copied from [data, data+len). */
int romfs_builder_add_file_mem(romfs_builder_t *b, const char *name, size_t name_len,
                               const void *data, size_t len);

/* Add a file of `size` bytes whose contents are read through fn when the
 * image is written (the builder does not copy them). The reader must yield
 * exactly size bytes, else writing fails with ROMFS_ERR_IO. */
int romfs_builder_add_file_cb(romfs_builder_t *b, const char *name, size_t name_len,
                              uint64_t size, romfs_read_fn fn, void *ctx);

/* Add a file whose contents are read from the host file host_path when the
 * image is written, in chunks. size and mtime_ns (from stat) are what the
 * file must still have then: a file that changed, shrank or grew makes
 * writing fail with ROMFS_ERR_IO (romfs_builder_errmsg names the path). */
int romfs_builder_add_file_host(romfs_builder_t *b, const char *name, size_t name_len,
                                const char *host_path, uint64_t size, int64_t mtime_ns);

/* Add a file whose contents are not known yet (e.g. a compiler is still
 * producing them): *handle names it for romfs_builder_set_file_mem, which
 * must be called before romfs_builder_image_size and romfs_builder_write
 * (writing fails with ROMFS_ERR_INVAL while a file has no contents). */
int romfs_builder_add_file_later(romfs_builder_t *b, const char *name, size_t name_len,
                                 romfs_build_file_t **handle);

/* Give a file added with romfs_builder_add_file_later its contents (copied). */
int romfs_builder_set_file_mem(romfs_builder_t *b, romfs_build_file_t *file, const void *data,
                               size_t len);

/* Size in bytes the finished image will have. */
uint64_t romfs_builder_image_size(romfs_builder_t *b);

/* Emit the image through fn. All directories must be closed. Returns 0 or the
 * first negative error from a reader, the writer, or the builder. */
int romfs_builder_write(romfs_builder_t *b, romfs_write_fn fn, void *ctx);

/* Emit the image into one malloc'd buffer (*out) of at least size bytes:
 * what is past the image (*len bytes) is 0xff, as erased flash reads.
 * Returns 0, ROMFS_ERR_NOMEM, or romfs_builder_write's error. */
int romfs_builder_write_mem(romfs_builder_t *b, size_t size, uint8_t **out, size_t *len);

/* Free the builder and everything it holds. NULL is allowed. */
void romfs_builder_free(romfs_builder_t *b);

/* One line describing the last failure of a call on b (it names the entry
 * and, for host files, the path); "" when nothing failed. */
const char *romfs_builder_errmsg(const romfs_builder_t *b);

/// Building from a host directory ///

/* A file found by the directory scan, handed to the file hook before it is
 * added. The hook may change host_path (the file to read), name (the name
 * stored) and set note (text appended to its tree line, e.g. " -> .mpy");
 * strings it sets must stay valid until the hook is called again. */
typedef struct romfs_dirscan_file {
    const char *host_path;  /* e.g. "src/lib/a.py" */
    const char *dir_path;   /* the host directory holding it, with a final '/' */
    const char *name;       /* its name in that directory, NUL-terminated */
    size_t name_len;
    const char *note;       /* NULL, or appended to the tree line */
    int root;               /* 1 when it sits at the top of the scanned tree */
    const char *rel_path;   /* its path below the scanned directory ("lib/a.py") */
    /* The hook sets this to have the file added with
     * romfs_builder_add_file_later (host_path is then not read): the
     * handle is stored at *later. */
    romfs_build_file_t **later;
} romfs_dirscan_file_t;

typedef struct romfs_dirscan_opts {
    /* Receives each line of the tree listing as mpremote prints it ("/",
     * "|-- lib/", "|   \-- a.py"), without a newline. May be NULL. */
    void (*on_line)(void *ctx, const char *line);
    /* Called for every file before it is added; returns 0, or a negative
     * errno to stop the scan (after reporting through on_error). May be NULL. */
    int (*on_file)(void *ctx, romfs_dirscan_file_t *file);
    /* Receives one message naming the path for every error. May be NULL. */
    void (*on_error)(void *ctx, const char *path, const char *msg);
    /* When set, refuse to scan if this path (which need not exist yet) lies
     * inside the directory: the image would be built into its own source. */
    const char *output_path;
    void *ctx;
    /* Leave out what this excludes (romfs_ignore.h; paths relative to the
     * scanned directory; an excluded directory is not entered). NULL:
     * nothing is left out, as mpremote does. */
    const struct romfs_ignore *ignore;
    /* Hears each path left out ("lib/x.py~", a directory with a final '/')
     * with the rule that decided and its origin. May be NULL. */
    void (*on_excluded)(void *ctx, const char *rel_path, const char *rule, const char *origin);
} romfs_dirscan_opts_t;

/* Add the contents of host directory dir to b's current directory, as
 * `mpremote romfs build` does: entries in name order, symbolic links
 * followed (a loop is an error), hidden files included. Special files
 * (fifos, sockets, devices), unreadable files, unsafe names and names that
 * are not valid UTF-8 (MicroPython's os.listdir cannot decode them) are
 * errors; the message shows such a name with its bytes escaped (\xe9).
 * Names are examined relative to directory descriptors (openat/fstatat);
 * a file's contents are opened only when the image is written, and a file
 * that cannot be read then fails the write (callers write to a temporary
 * file and rename). Memory: about 270 bytes per entry, linear in entries.
 * Returns 0 or a negative errno after calling opts->on_error once. */
int romfs_build_from_dir(romfs_builder_t *b, const char *dir, const romfs_dirscan_opts_t *opts);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_BUILD_H */
