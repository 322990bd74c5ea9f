/*
 * Private helpers for the subcommands that read an image (ls, tree, cat,
 * stat, extract, check): loading and mounting, a depth-first walk that keeps
 * its stack on the heap (an image may nest directories 20000 deep), and the
 * integrity checker behind `romfs check`.
 *
 * Everything here uses only the reader's public API, libc and cli/util.c,
 * so the fuzz targets link it with those two files alone.
 */
#ifndef ROMFS_CLI_IMGWALK_H
#define ROMFS_CLI_IMGWALK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "romfs/romfs.h"

/// Walking a tree ///

/* One directory on the walk's stack, with a lookahead of its next event. */
typedef struct iw_frame {
    romfs_dir_t dir;
    int next_kind;          /* IW_ENTRY, IW_ERROR or IW_END */
    romfs_info_t next;      /* the next entry (IW_ENTRY) */
    int next_err;           /* the next error and its offset (IW_ERROR) */
    size_t next_offset;
    size_t path_len;        /* length of this directory's path in the buffer */
    int last;               /* this directory is the last entry of its parent */
} iw_frame_t;

/* A depth-first walk in record order. The path buffer holds raw name bytes
 * ("/a/b"); names may contain any byte, so always use path_len. */
typedef struct iw_walk {
    const romfs_t *fs;
    iw_frame_t *frames;
    size_t depth, cap;      /* frames in use; frames[0] is the start directory */
    char *path;
    size_t path_len, path_cap;
    int descend;            /* enter w->info on the next iw_next */
    /* The entry just returned by iw_next. */
    romfs_info_t info;
    size_t entry_depth;     /* 1 for a child of the start directory */
    int entry_last;         /* last readable entry of its directory */
    /* Set when iw_next returns IW_ERROR: the error and the corrupt record's
     * offset; the path buffer holds the directory's path. */
    int err;
    size_t err_offset;
} iw_walk_t;

enum { IW_END = 0, IW_ENTRY = 1, IW_ERROR = 2, IW_NOMEM = 3 };

/* Start a walk of the directory `start` whose path is [path, path+len)
 * ("" for the root). Returns 0, or -1 when out of memory. */
int iw_begin(iw_walk_t *w, const romfs_t *fs, const romfs_info_t *start, const char *path, size_t len);

/* Advance: IW_ENTRY with w->info, path and entry_depth set; IW_ERROR when
 * a directory holds a corrupt record (the walk goes on after it when the
 * reader can); IW_END; or IW_NOMEM. A directory is entered on the call
 * after it was returned, unless iw_skip_children() is called in between. */
int iw_next(iw_walk_t *w);
void iw_skip_children(iw_walk_t *w);

/* 1 when the ancestor at `level` (1 = child of the start) was the last entry
 * of its parent; used to draw tree lines. */
int iw_ancestor_last(const iw_walk_t *w, size_t level);

void iw_end(iw_walk_t *w);

/// Loading ///

/* An image loaded from a file (or "-" for stdin) and mounted. */
typedef struct iw_image {
    const char *path;       /* as given; "<stdin>" for "-" */
    uint8_t *data;
    size_t len;
    int mapped;
    romfs_t fs;
} iw_image_t;

/* Load and mount; on failure prints one line naming the file and returns -1. */
int iw_image_open(iw_image_t *img, const char *path);
void iw_image_close(iw_image_t *img);

/* Normalise a user path into "/a/b" (empty components dropped; root is "").
 * Returns a malloc'd string or NULL when out of memory. */
char *iw_path_normalise(const char *path);

/// Output helpers ///

/* Write a name for people: printable bytes as they are, control bytes, DEL
 * and backslash as \xNN so a hostile name cannot drive the terminal. */
void iw_print_name(FILE *fp, const void *name, size_t len);

/* "romfs: IMAGE: offset 0x..: directory 'PATH': <error>" on stderr for an
 * IW_ERROR of the walk, the path escaped. */
void iw_walk_error(const iw_walk_t *w, const char *image);

/* Largest power of two dividing offset, capped at 4096 (0 is 4096). */
size_t iw_align(size_t offset);

/// Integrity check ///

enum iw_severity { IW_INFO = 0, IW_WARN = 1, IW_FAIL = 2 };

/* Receives each finding: its severity, the image offset it concerns and a
 * one-line message without a trailing newline. */
typedef void (*iw_report_fn)(void *ctx, int severity, size_t offset, const char *msg);

typedef struct iw_check_stats {
    size_t dirs;            /* directories, not counting the root */
    size_t files;
    size_t bytes;           /* file data bytes */
    size_t problems[3];     /* findings per severity */
    size_t fs_size;         /* bytes of the filesystem record, 0 if unreadable */
} iw_check_stats_t;

/* Walk every record of [image, image+len) without recursion, reporting every
 * problem with its offset. Returns 0, or -1 when out of memory.
 * IW_WARN findings are exactly the entries whose name repeats an earlier
 * one in the same directory, reported at their record offsets. */
int iw_check(const uint8_t *image, size_t len, iw_report_fn report, void *ctx, iw_check_stats_t *stats);

#endif
