/* SPDX-License-Identifier: MIT */
/*
 * libromfs: what `romfs deploy` deploys, as a library call (host library),
 * so a front end (a production rig, the Python binding) takes the same
 * sources with the same checks and brings only its printing.
 *
 * A source is a directory, built (romfs_dirbuild.h) and then laid out in
 * the stable layout by the deploy, or an image file (raw, or a UF2 or
 * Intel HEX file of one: romfs_image_load), deployed as it is once it has
 * been checked end to end: a deploy never starts with an image the board
 * would reject or misread. romfs_source_layout lays a source out as a
 * deploy over a given image would (`romfs deploy -o`).
 *
 *     romfs_source_t s;
 *     romfs_dirbuild_t *d = NULL;
 *     char msg[1024];
 *     if (romfs_source_load(&s, "app", &build_opts, &d, msg, sizeof msg) < 0)
 *         fprintf(stderr, "%s\n", msg);
 *     romfs_dirbuild_free(d);
 *     ...
 *     romfs_source_free(&s);
 *
 * Nothing here prints or reads the environment. Every failure is a
 * negative ROMFS_ERR_* code with one line in the caller's buffer naming
 * the file.
 */
#ifndef ROMFS_SOURCE_H
#define ROMFS_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs_dirbuild.h"
#include "romfs/romfs_export.h"
#include "romfs/romfs_layout.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

typedef struct romfs_source {
    uint8_t *img;   /* the image as given or as built (malloc'd) */
    size_t len;
    int is_dir;     /* built from a directory: a tree for the stable layout */
} romfs_source_t;

/* An image file, decoded (UF2, Intel HEX) and checked end to end. 0 with
 * *img (malloc'd) and *len; else romfs_image_load's error and line, or
 * ROMFS_ERR_CORRUPT with "PATH: Invalid ROMFS image: offset 0xOFF:
 * PROBLEM" (the first problem, as `romfs check` reports it), or
 * ROMFS_ERR_NOMEM with "PATH: out of memory checking the image". */
int romfs_source_image(const char *path, uint8_t **img, size_t *len, char *msg, size_t cap);

/* path as a deploy takes it: a directory built with build (romfs_dirbuild_image;
 * the build is left in *d, also after a failure, for its result and
 * messages: romfs_dirbuild_free it), else romfs_source_image. 0 with *s
 * filled; else an error with one line in msg ("PATH: REASON" when path
 * cannot be found). */
int romfs_source_load(romfs_source_t *s, const char *path, const romfs_dirbuild_opts_t *build, romfs_dirbuild_t **d,
                      char *msg, size_t cap);

/* s laid out in the stable layout (romfs_layout_stable with lo) as a
 * deploy over the image in file base would lay it (base NULL: afresh; a
 * UF2 or Intel HEX base is decoded). name names s in messages. 0 with
 * *out (malloc'd), *out_len and *st; else an error with one line in msg:
 * the base's (romfs_image_load) or "NAME: cannot lay the image out: WHY". */
int romfs_source_layout(const romfs_source_t *s, const char *name, const char *base, const romfs_layout_opts_t *lo,
                        uint8_t **out, size_t *out_len, romfs_layout_stats_t *st, char *msg, size_t cap);

/* Safe on a zeroed or freed source. */
void romfs_source_free(romfs_source_t *s);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_SOURCE_H */
