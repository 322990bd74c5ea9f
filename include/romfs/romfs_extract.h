/* SPDX-License-Identifier: MIT */
/*
 * Unpacking an image into a host directory, safely (host library), as
 * `romfs extract` does. The image is untrusted:
 *  - nothing is written when the checker (romfs_check.h) finds a failure,
 *    a name no host file system takes, or (where the system restricts
 *    names: Windows) a name it cannot create or cannot tell apart from
 *    another ("a:b", "con", "A" beside "a");
 *  - files are created relative to directory descriptors (no host path is
 *    built from image names), an unsafe name never reaches the file
 *    system, existing symbolic links are never followed, returning to a
 *    parent checks it is still the directory we came from;
 *  - each file appears under its name only by a rename (an existing one is
 *    kept unless force); of entries with the same name in one directory
 *    only the first is written, as only the first is reachable by path;
 *  - one file-system sync at the end makes the tree durable.
 * When writing fails part-way, the files already written stay.
 */
#ifndef ROMFS_EXTRACT_H
#define ROMFS_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs.h"
#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

typedef struct romfs_extract_opts {
    int force;              /* replace existing files (never through a link) */
    const char *name;       /* the image as messages name it */
    /* One line for people: an error (error 1: the extraction is refused or
     * stops), or a warning (a shadowed entry skipped). Names in it are
     * escaped; no prefix, no newline. May be NULL. */
    void (*on_message)(void *ctx, int error, const char *line);
    /* Each entry written: its path in the image ("/lib/a.py", bytes from
     * the image: escape before showing). May be NULL. */
    void (*on_written)(void *ctx, const char *path, size_t len, int is_dir);
    void *ctx;
} romfs_extract_opts_t;

/* Unpack image img (len bytes) into directory dest (created with its
 * parents when missing; existing directories are merged). 0, or a
 * negative error after one or more error lines (the first names the
 * image's path, its offset and what). */
int romfs_extract(const uint8_t *img, size_t len, const char *dest, const romfs_extract_opts_t *opts);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_EXTRACT_H */
