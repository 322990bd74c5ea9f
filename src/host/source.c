/* SPDX-License-Identifier: MIT */
/*
 * What `romfs deploy` deploys (romfs_source.h): a directory built, or an
 * image file decoded and checked end to end; laid out as a deploy over a
 * given image would lay it.
 */
#include "romfs/romfs_source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "romfs/romfs.h"
#include "romfs/romfs_check.h"
#include "romfs/romfs_imgopen.h"

int romfs_source_image(const char *path, uint8_t **img, size_t *len, char *msg, size_t cap)
{
    int r = romfs_image_load(path, img, len, msg, cap);
    if (r < 0)
        return r;
    size_t off = 0;
    char why[256];
    r = romfs_check_first(*img, *len, &off, why, sizeof why);
    if (r == 0)
        return 0;
    if (r < 0)
        snprintf(msg, cap, "%s: out of memory checking the image", romfs_image_name(path));
    else
        snprintf(msg, cap, "%s: Invalid ROMFS image: offset 0x%zx: %s", romfs_image_name(path), off, why);
    free(*img);
    *img = NULL;
    *len = 0;
    return r < 0 ? ROMFS_ERR_NOMEM : ROMFS_ERR_CORRUPT;
}

int romfs_source_load(romfs_source_t *s, const char *path, const romfs_dirbuild_opts_t *build, romfs_dirbuild_t **d,
                      char *msg, size_t cap)
{
    memset(s, 0, sizeof *s);
    *d = NULL;
    rp_stat_t st;
    if (rp_stat(path, &st) != 0) {
        int e = errno;
        snprintf(msg, cap, "%s: %s", path, strerror(e));
        return e == ENOENT ? ROMFS_ERR_NOENT : e == ENOTDIR ? ROMFS_ERR_NOTDIR : ROMFS_ERR_IO;
    }
    s->is_dir = st.type == RP_DIR;
    if (!s->is_dir)
        return romfs_source_image(path, &s->img, &s->len, msg, cap);
    romfs_dirbuild_opts_t none = {0};
    int r = (*d = romfs_dirbuild_new(build ? build : &none)) ? romfs_dirbuild_image(*d, path, NULL, &s->img, &s->len)
                                                             : ROMFS_ERR_NOMEM;
    if (r < 0)
        snprintf(msg, cap, "%s", *d ? romfs_dirbuild_errmsg(*d) : "out of memory");
    return r;
}

int romfs_source_layout(const romfs_source_t *s, const char *name, const char *base, const romfs_layout_opts_t *lo,
                        uint8_t **out, size_t *out_len, romfs_layout_stats_t *st, char *msg, size_t cap)
{
    uint8_t *b = NULL;
    size_t blen = 0;
    if (base) {
        int r = romfs_image_load(base, &b, &blen, msg, cap);
        if (r < 0)
            return r;
    }
    int r = romfs_layout_stable(s->img, s->len, b, blen, lo, out, out_len, st);
    free(b);
    if (r < 0)
        snprintf(msg, cap, "%s: cannot lay the image out: %s", name, romfs_strerror(r));
    return r;
}

void romfs_source_free(romfs_source_t *s)
{
    free(s->img);
    memset(s, 0, sizeof *s);
}
