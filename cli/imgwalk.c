/* SPDX-License-Identifier: MIT */
/* Loading, paths and names for the reading subcommands; see imgwalk.h. */
#include "imgwalk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

/// Loading ///

/* The image in a board's partition, into img (data owned by img). */
static int load_board(iw_image_t *img, const iw_source_t *s)
{
    romfs_board_image_t im;
    if (iw_board_fetch(s->dev, s->part, &im) < 0)
        return -1;
    snprintf(img->name, sizeof img->name, "%s", im.name);
    img->path = img->name;
    img->data = im.data;
    img->len = im.len;
    img->addr = im.addr;
    return 0;
}

static int image_open(iw_image_t *img, const char *path, const iw_source_t *s, int lazy)
{
    memset(img, 0, sizeof *img);
    if (!path && lazy) {
        if (iw_board_open_lazy(img, s) < 0)
            return -1;
    } else if (!path) {
        if (load_board(img, s) < 0)
            return -1;
    } else {
        cli_file_t f;
        if (cli_file_load(path, &f) != 0 || cli_flash_unwrap(path, &f) != 0)
            return -1;
        img->path = strcmp(path, "-") == 0 ? "<stdin>" : path;
        img->data = f.data;
        img->len = f.len;
    }
    int err = romfs_mount(&img->fs, img->data, img->len);
    if (err) {
        char msg[1024];
        size_t off = 0;
        if (romfs_check_first(img->data, img->len, &off, msg, sizeof msg) == 1)
            cli_error("%s: %s: offset 0x%zx: %s", img->path, romfs_strerror(err), off, msg);
        else
            cli_error("%s: %s (%zu bytes)", img->path, romfs_strerror(err), img->len);
        iw_image_close(img);
        return -1;
    }
    return 0;
}

int iw_image_open(iw_image_t *img, const char *path, const iw_source_t *s)
{
    return image_open(img, path, s, 0);
}

int iw_image_open_lazy(iw_image_t *img, const char *path, const iw_source_t *s)
{
    return image_open(img, path, s, 1);
}

int iw_command(const cli_cmd_t *c, int argc, char **argv, void *o, iw_source_t *src, iw_image_t *img)
{
    int rc = cli_parse(c, argc, argv, o);
    if (rc >= 0)
        return rc;
    return iw_image_open_lazy(img, src->image, src) != 0 ? CLI_FAIL : -1;
}

int iw_image_need(iw_image_t *img, const char *path, int what)
{
    return img->lazy ? iw_board_need(img, path, what) : 0;
}

void iw_image_close(iw_image_t *img)
{
    if (img->lazy)
        iw_board_close_lazy(img);
    else
        free(img->data);
    memset(img, 0, sizeof *img);
}

int iw_lookup(iw_image_t *img, const char *arg, int need, char **path, romfs_info_t *info)
{
    int err;
    if (!(*path = iw_path_normalise(arg))) {
        cli_error("out of memory");
        return -2;
    }
    if (iw_image_need(img, *path, need) != 0)
        return -2;
    if ((err = romfs_stat(&img->fs, *path, info)) != 0) {
        cli_error("%s: %s: %s", img->path, **path ? *path : "/", romfs_strerror(err));
        return -1;
    }
    return 0;
}

int iw_walk(const iw_image_t *img, const romfs_info_t *info, const char *path, void (*fn)(void *ctx, romfs_walk_t *w),
            void *ctx)
{
    romfs_walk_t w;
    int r, rc = 0;
    if (romfs_walk_begin(&w, &img->fs, info, path, strlen(path)) != 0) {
        cli_error("out of memory");
        return -1;
    }
    while ((r = romfs_walk_next(&w)) != ROMFS_WALK_END) {
        if (r == ROMFS_WALK_ENTRY) {
            fn(ctx, &w);
        } else if (r == ROMFS_WALK_ERROR) {
            iw_walk_error(&w, img->path);
            rc = -1;
        } else {
            cli_error("out of memory");
            rc = -1;
            break;
        }
    }
    romfs_walk_end(&w);
    return rc;
}

int iw_flush(int rc)
{
    if (fflush(stdout) == 0)
        return rc;
    cli_error("<stdout>: write error: %s", strerror(errno));
    return CLI_FAIL;
}

char *iw_path_normalise(const char *path)
{
    size_t n = strlen(path);
    char *out = malloc(n + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && path[i] == '/')
            i++;
        if (i == n)
            break;
        out[o++] = '/';
        while (i < n && path[i] != '/')
            out[o++] = path[i++];
    }
    out[o] = '\0';
    return out;
}

/// Output helpers ///

void iw_print_name(FILE *fp, const void *name, size_t len)
{
    cli_put_escaped(fp, name, len, 1);
}

void iw_walk_error(const romfs_walk_t *w, const char *image)
{
    char dir[ROMFS_CHECK_NAME_CAP];
    romfs_check_name(dir, sizeof dir, w->path_len ? w->path : "/", w->path_len ? w->path_len : 1);
    fflush(stdout);
    cli_error("%s: offset 0x%zx: directory '%s': %s", image, w->err_offset, dir, romfs_strerror(w->err));
}

size_t iw_align(size_t offset)
{
    size_t a = 1;
    while (a < 4096 && (offset & a) == 0)
        a <<= 1;
    return a;
}
