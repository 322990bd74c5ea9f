/* SPDX-License-Identifier: MIT */
/*
 * libromfs checker and tree walker (host library).
 *
 * romfs_check() walks every record of an untrusted image without trusting a
 * single length in it and reports each problem with its byte offset, through
 * a callback: `romfs check`, deploys and the fuzz targets use it, and so can
 * any other front end. The walker visits a tree depth-first in record order
 * with its stack on the heap, so an image nesting directories 20 000 deep
 * costs no C stack. Both use only the reader's public API.
 */
#ifndef ROMFS_CHECK_H
#define ROMFS_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs.h"
#include "romfs/romfs_export.h"
#include "romfs/romfs_json.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/// Integrity check ///

/* Severities: information (an odd size, unknown kinds, trailing bytes),
 * warnings (duplicate names: only the first is reachable) and failures
 * (corruption: a reader would refuse or misread something). */
enum romfs_check_severity { ROMFS_CHECK_INFO = 0, ROMFS_CHECK_WARN = 1, ROMFS_CHECK_FAIL = 2 };

/* Receives each finding: its severity, the image offset it concerns and a
 * one-line message without a trailing newline (under 1024 bytes; names in it
 * are escaped and truncated by romfs_check_name). */
typedef void (*romfs_check_fn)(void *ctx, int severity, size_t offset, const char *msg);

typedef struct romfs_check_stats {
    size_t dirs;            /* directories, not counting the root */
    size_t files;
    size_t bytes;           /* file data bytes */
    size_t problems[3];     /* findings per severity */
    size_t fs_size;         /* bytes of the filesystem record, 0 if unreadable */
} romfs_check_stats_t;

/* Walk every record of [image, image+len), reporting every problem (report
 * may be NULL to only count). Returns 0 (the image may still be corrupt:
 * see stats->problems[ROMFS_CHECK_FAIL]) or ROMFS_ERR_NOMEM. The WARN
 * findings are exactly the entries whose name repeats an earlier one in the
 * same directory, reported at their record offsets. */
int romfs_check(const uint8_t *image, size_t len, romfs_check_fn report, void *ctx, romfs_check_stats_t *stats);

/* The failure with the lowest offset (the first line `romfs check` prints):
 * returns 0 when the image has no failure, 1 with *offset and msg (cut to
 * cap bytes) filled when it has, or ROMFS_ERR_NOMEM. */
int romfs_check_first(const uint8_t *image, size_t len, size_t *offset, char *msg, size_t cap);

/// Findings collected ///

/* One finding as romfs_check reported it; seq: its place in the walk. */
typedef struct romfs_check_finding {
    int severity;
    size_t offset;
    size_t seq;
    char *msg;
} romfs_check_finding_t;

/* Every finding of an image, in image order (findings at one offset in
 * the walk's order), and the counts. */
typedef struct romfs_check_report {
    romfs_check_finding_t *v;
    size_t n, cap;
    romfs_check_stats_t stats;
} romfs_check_report_t;

/* romfs_check into *r, the findings sorted. 0, or ROMFS_ERR_NOMEM; free *r
 * with romfs_check_report_free either way. */
int romfs_check_collect(const uint8_t *image, size_t len, romfs_check_report_t *r);
void romfs_check_report_free(romfs_check_report_t *r);
/* "fail", "warn" or "info" (as `romfs check --json` names them). */
const char *romfs_check_severity_name(int severity);
/* `romfs check --json`'s object for r: image (the name the
 * user gave), ok, image_size, payload_size, the counts and every finding,
 * then a newline. 0, or write's first error (nothing written after it). */
int romfs_check_json(const romfs_check_report_t *r, const char *image, size_t image_size, romfs_json_write_fn write,
                     void *ctx);

/* `romfs check`'s summary line for r: "IMAGE: ok (D dirs, F files, B
 * bytes)" or "IMAGE: N problem(s)", then ", N warning(s)" when there are
 * any, and a newline. image is the name the user gave, written as it is.
 * 0, or write's first error (nothing written after it). */
int romfs_check_summary_text(const romfs_check_report_t *r, const char *image, romfs_json_write_fn write, void *ctx);

/// Names in messages ///

/* Room romfs_check_name needs: 200 shown bytes, an escape and "...". */
#define ROMFS_CHECK_NAME_CAP 224

/* The unit of s[0..len) at i (i < len) as a terminal sees it: returns its
 * length (1 to 4: an ASCII byte, a whole UTF-8 sequence, or a byte that is
 * not part of one) and sets *ctrl when it is a control character a
 * terminal acts on: C0 and DEL, C1 (U+0080..U+009F) encoded as UTF-8, or a
 * raw byte 0x80..0x9F (C1 to an 8-bit terminal). Other UTF-8 and other
 * bytes show as themselves. */
size_t romfs_name_unit(const void *s, size_t len, size_t i, int *ctrl);

/* Write name into buf (cap >= ROMFS_CHECK_NAME_CAP) for a one-line message:
 * control bytes (romfs_name_unit), backslash and quote as \xNN, cut after about 200
 * bytes with "...", so a hostile 40 000-byte name cannot flood a report.
 * Returns buf. */
char *romfs_check_name(char *buf, size_t cap, const void *name, size_t len);

/* Flags of romfs_text_escape. */
#define ROMFS_ESCAPE_NAME 0x1  /* s is a name from an image: escape always, backslash too */
#define ROMFS_ESCAPE_TTY 0x2   /* the output is a terminal */

/* Write s[0..len) for people through write (the one escaping of untrusted
 * text): each control byte of a unit (romfs_name_unit) as \xNN. A name
 * (ROMFS_ESCAPE_NAME) is escaped always, and its backslashes too; other
 * text (a traceback, a host file name) only for a terminal, keeping its
 * line breaks (LF, CR LF) and tabs, and otherwise goes out as it is.
 * Returns 0 or the first error of write. */
int romfs_text_escape(const void *s, size_t len, unsigned flags, int (*write)(void *ctx, const void *data, size_t len),
                      void *ctx);

/// Walking a tree ///

/* One directory on the walk's stack, with a lookahead of its next event. */
typedef struct romfs_walk_frame {
    romfs_dir_t dir;
    int next_kind;          /* ROMFS_WALK_ENTRY, _ERROR or _END */
    romfs_info_t next;      /* the next entry (ROMFS_WALK_ENTRY) */
    int next_err;           /* the next error and its offset (ROMFS_WALK_ERROR) */
    size_t next_offset;
    size_t path_len;        /* length of this directory's path in the buffer */
    int last;               /* this directory is the last entry of its parent */
} romfs_walk_frame_t;

/* A depth-first walk in record order. The path buffer holds raw name bytes
 * ("/a/b"), NUL-terminated; names may contain any byte, so use path_len. */
typedef struct romfs_walk {
    const romfs_t *fs;
    romfs_walk_frame_t *frames;
    size_t depth, cap;      /* frames in use; frames[0] is the start directory */
    char *path;
    size_t path_len, path_cap;
    int descend;            /* enter info on the next romfs_walk_next */
    /* The entry just returned by romfs_walk_next. */
    romfs_info_t info;
    size_t entry_depth;     /* 1 for a child of the start directory */
    int entry_last;         /* last readable entry of its directory */
    /* Set on ROMFS_WALK_ERROR: the error and the corrupt record's offset;
     * the path buffer holds the directory's path. */
    int err;
    size_t err_offset;
} romfs_walk_t;

enum { ROMFS_WALK_END = 0, ROMFS_WALK_ENTRY = 1, ROMFS_WALK_ERROR = 2 };

/* Start a walk of the directory `start` whose path is [path, path+len)
 * ("" for the root). Returns 0, or ROMFS_ERR_NOMEM (nothing to free). */
int romfs_walk_begin(romfs_walk_t *w, const romfs_t *fs, const romfs_info_t *start, const char *path, size_t len);

/* Advance: ROMFS_WALK_ENTRY with w->info, path and entry_depth set;
 * ROMFS_WALK_ERROR when a directory holds a corrupt record (the walk goes on
 * after it when the reader can); ROMFS_WALK_END; or ROMFS_ERR_NOMEM. A
 * directory is entered on the call after it was returned, unless
 * romfs_walk_skip_children() is called in between. */
int romfs_walk_next(romfs_walk_t *w);
void romfs_walk_skip_children(romfs_walk_t *w);

/* 1 when the ancestor at `level` (1 = child of the start) was the last entry
 * of its parent; used to draw tree lines. */
int romfs_walk_ancestor_last(const romfs_walk_t *w, size_t level);

/* Free the walk's memory. */
void romfs_walk_end(romfs_walk_t *w);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif
