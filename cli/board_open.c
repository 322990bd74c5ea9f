/* SPDX-License-Identifier: MIT */
/* Opening a board for a command: the environment mapped to the board
 * library's options (romfs_board_opts_t), the default device, and the
 * emulated board found beside the installed binary or in the source tree. */
#include "cli.h"
#include "imgwalk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#ifndef ROMFS_SOURCE_DIR
#define ROMFS_SOURCE_DIR "."
#endif
#ifndef ROMFS_DATADIR_REL
#define ROMFS_DATADIR_REL "share/romfs"
#endif

void cli_board_config(cli_board_cfg_t *c)
{
    memset(c, 0, sizeof *c);
    const char *t = getenv("ROMFS_TIMEOUT_MS");
    if (t && *t) {   /* the deadline of each step, for tests and slow links */
        char *end;
        long v = strtol(t, &end, 10);
        if (*end == '\0' && v > 0 && v <= 3600000)
            c->opts.timeout_ms = (int)v;
    }
    c->opts.encoding = getenv("ROMFS_DEPLOY_ENCODING");
    c->opts.emulator_cmd = getenv("ROMFS_BOARD_CMD");
    /* emulator.mjs of an installed binary, else, for the binary in the
     * build tree only, of the source tree it was built from. */
    char *self = rp_exe_path();
#ifdef ROMFS_BINARY_DIR
    const char *built = ROMFS_BINARY_DIR;
#else
    const char *built = NULL;
#endif
    romfs_board_emulator_find(self, ROMFS_DATADIR_REL, built, ROMFS_SOURCE_DIR, c->emulator, sizeof c->emulator);
    free(self);
    /* The emulated board keeps its partition where emulator.mjs looks. */
    romfs_board_emulator_partition(getenv("ROMFS_BOARD_DIR"), getenv("XDG_CACHE_HOME"), getenv("HOME"), c->partition,
                                   sizeof c->partition);
    c->opts.emulator = c->emulator;
    c->opts.emulator_partition = c->partition;
}

const char *cli_board_spec(const char *spec)
{
    const char *env = getenv("ROMFS_DEVICE");
    return spec ? spec : env && *env ? env : NULL;
}

int cli_board_open(romfs_board_t **out, const char *spec, const cli_board_cfg_t *cfg, char *msg, size_t size)
{
    cli_board_cfg_t own;
    if (!cfg) {
        cli_board_config(&own);
        cfg = &own;
    }
    const char *s = cli_board_spec(spec);
    const char *missing = NULL;
    if (s && strcmp(s, "emulated") == 0)
        missing = romfs_board_emulated_missing(&cfg->opts, getenv("PATH"));
    if (missing) {
        *out = NULL;
        snprintf(msg, size, "emulated board: %s", missing);
        return ROMFS_ERR_NOBOARD;
    }
    int e = romfs_board_open(out, s, &cfg->opts);
    if (e == 0)
        return 0;
    /* No board given and none found: never the emulator without a word. */
    if (!s && e == ROMFS_ERR_NOBOARD)
        snprintf(msg, size, "no device found (for the emulated board: -d emulated, or ROMFS_DEVICE=emulated)");
    else
        snprintf(msg, size, "%s", romfs_board_errmsg(*out));
    romfs_board_close(*out);
    *out = NULL;
    return e;
}

int iw_board_open_lazy(iw_image_t *img, const iw_source_t *s)
{
    char msg[700];
    if (cli_board_open(&img->board, s->dev, NULL, msg, sizeof msg) != 0) {
        cli_error("cannot open %s: %s", s->dev ? s->dev : "a board", msg);
        return -1;
    }
    if (romfs_board_image_open(img->board, s->part, &img->bim, &img->lazy) < 0) {
        cli_error("%s", romfs_board_errmsg(img->board));
        romfs_board_close(img->board);
        img->board = NULL;
        return -1;
    }
    snprintf(img->name, sizeof img->name, "%s", img->bim.name);
    img->path = img->name;
    img->data = img->bim.data;
    img->len = img->bim.len;
    img->addr = img->bim.addr;
    return 0;
}

int iw_board_need(iw_image_t *img, const char *path, int what)
{
    if (romfs_board_image_need(img->lazy, path, strlen(path), what) == 0)
        return 0;
    cli_error("%s", romfs_board_errmsg(img->board));
    return -1;
}

void iw_board_close_lazy(iw_image_t *img)
{
    romfs_board_image_close(img->lazy, &img->bim);
    if (img->bim.warning[0])
        cli_warn("%s", img->bim.warning);
    romfs_board_close(img->board);
    img->lazy = NULL;
    img->board = NULL;
    img->data = NULL;
}

int iw_board_fetch(const char *dev, int part, romfs_board_image_t *im)
{
    memset(im, 0, sizeof im[0]);
    romfs_board_t *b = NULL;
    char msg[700];
    if (cli_board_open(&b, dev, NULL, msg, sizeof msg) != 0) {
        cli_error("cannot open %s: %s", dev ? dev : "a board", msg);
        return -1;
    }
    int rc = romfs_board_read_image(b, part, im);
    if (rc < 0)
        cli_error("%s", romfs_board_errmsg(b));
    else if (im->warning[0])
        cli_warn("%s", im->warning);
    romfs_board_close(b);
    return rc < 0 ? -1 : 0;
}
