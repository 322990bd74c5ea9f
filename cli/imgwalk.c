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

/* The board of s opened, or NULL after one error line. */
static romfs_board_t *open_board(const iw_source_t *s)
{
    romfs_board_t *b = NULL;
    char msg[700];
    if (cli_board_open(&b, s->dev, NULL, msg, sizeof msg) == 0)
        return b;
    cli_error("cannot open %s: %s", s->dev ? s->dev : "a board", msg);
    return NULL;
}

/* img names and holds a board's image (im->data owned by img, or by the
 * lazy reader). */
static void take_board(iw_image_t *img, const romfs_board_image_t *im)
{
    snprintf(img->name, sizeof img->name, "%s", im->name);
    img->path = img->name;
    img->data = im->data;
    img->len = im->len;
    img->addr = im->addr;
}

int iw_image_load(iw_image_t *img, const iw_source_t *s)
{
    char msg[1300];
    romfs_board_image_t im;
    memset(img, 0, sizeof *img);
    memset(&im, 0, sizeof im);
    if (s->image && romfs_image_load(s->image, &img->data, &img->len, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        return -1;
    }
    if (s->image) {
        img->path = romfs_image_name(s->image);
        return 0;
    }
    romfs_board_t *b = open_board(s);
    if (!b)
        return -1;
    int rc = romfs_board_read_image(b, s->part, &im);
    if (rc < 0)
        cli_error("%s", romfs_board_errmsg(b));
    else if (im.warning[0])
        cli_warn("%s", im.warning);
    if (rc >= 0)
        take_board(img, &im);
    romfs_board_close(b);
    return rc < 0 ? -1 : 0;
}

/* A board's image read on demand: only its header here. */
static int open_lazy(iw_image_t *img, const iw_source_t *s)
{
    memset(img, 0, sizeof *img);
    if (!(img->board = open_board(s)))
        return -1;
    if (romfs_board_image_open(img->board, s->part, &img->bim, &img->lazy) < 0) {
        cli_error("%s", romfs_board_errmsg(img->board));
        romfs_board_close(img->board);
        img->board = NULL;
        return -1;
    }
    take_board(img, &img->bim);
    return 0;
}

static int image_open(iw_image_t *img, const iw_source_t *s, int lazy)
{
    char msg[1300];
    if (!s->image && lazy) {
        if (open_lazy(img, s) < 0)
            return -1;
    } else if (iw_image_load(img, s) != 0) {
        return -1;
    }
    if (romfs_image_mount(&img->fs, img->data, img->len, img->path, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        iw_image_close(img);
        return -1;
    }
    return 0;
}

int iw_image_open(iw_image_t *img, const iw_source_t *s)
{
    return image_open(img, s, 0);
}

int iw_image_open_lazy(iw_image_t *img, const iw_source_t *s)
{
    return image_open(img, s, 1);
}

int iw_command(const cli_cmd_t *c, int argc, char **argv, void *o, iw_source_t *src, iw_image_t *img)
{
    int rc = cli_parse(c, argc, argv, o);
    if (rc >= 0)
        return rc;
    return iw_image_open_lazy(img, src) != 0 ? CLI_FAIL : -1;
}

int iw_image_need(iw_image_t *img, const char *path, int what)
{
    if (!img->lazy || romfs_board_image_need(img->lazy, path, strlen(path), what) == 0)
        return 0;
    cli_error("%s", romfs_board_errmsg(img->board));
    return -1;
}

void iw_image_close(iw_image_t *img)
{
    if (img->lazy) {
        romfs_board_image_close(img->lazy, &img->bim);
        if (img->bim.warning[0])
            cli_warn("%s", img->bim.warning);
        romfs_board_close(img->board);
    } else {
        free(img->data);
    }
    memset(img, 0, sizeof *img);
}

int iw_lookup(iw_image_t *img, const char *arg, int need, char **path, romfs_info_t *info)
{
    char msg[700];
    if (!(*path = romfs_image_path(arg))) {
        cli_error("out of memory");
        return -2;
    }
    if (iw_image_need(img, *path, need) != 0)
        return -2;
    if (romfs_image_stat(&img->fs, img->path, *path, info, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        return -1;
    }
    return 0;
}

int iw_walk(const iw_image_t *img, const romfs_info_t *info, const char *path, void (*fn)(void *ctx, romfs_walk_t *w),
            void *ctx)
{
    romfs_image_walk_cb_t cb = {fn, iw_message, ctx};
    return romfs_image_walk(&img->fs, img->path, info, path, &cb) != 0 ? -1 : 0;
}

int iw_flush(int rc)
{
    if (fflush(stdout) == 0)
        return rc;
    cli_error("<stdout>: write error: %s", strerror(errno));
    return CLI_FAIL;
}

/// Output helpers ///

void iw_message(void *ctx, int error, const char *line)
{
    (void)ctx;
    fflush(stdout);
    if (error)
        cli_error("%s", line);
    else
        cli_warn("%s", line);
}
