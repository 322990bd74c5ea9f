/* SPDX-License-Identifier: MIT */
/* Opening a board for a command: the environment mapped to the board
 * library's options (romfs_board_opts_t), the default device, and the
 * emulated board found beside the installed binary or in the source tree. */
#include "cli.h"
#include "imgwalk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

#ifndef ROMFS_SOURCE_DIR
#define ROMFS_SOURCE_DIR "."
#endif
#ifndef ROMFS_DATADIR_REL
#define ROMFS_DATADIR_REL "share/romfs"
#endif

/* emulator.mjs of an installed binary (BINDIR/../share/romfs/board/, found
 * from /proc/self/exe), else, for the binary in the build tree only, of the
 * source tree it was built from: an installed or moved binary never reaches
 * back into a source tree (its install must be complete). */
static void emulator_path(char *buf, size_t size)
{
    char exe[4096];
    char *self = rp_exe_path();
    snprintf(exe, sizeof exe, "%s", self ? self : "");
    free(self);
    char *slash = (char *)rp_last_sep(exe);
    if (slash) {
        *slash = '\0';
        snprintf(buf, size, "%s/../%s/board/emulator.mjs", exe, ROMFS_DATADIR_REL);
        if (access(buf, R_OK) == 0)
            return;
#ifdef ROMFS_BINARY_DIR
        char *built = rp_realpath(ROMFS_BINARY_DIR);
        int ours = built && strcmp(built, exe) == 0;
        free(built);
        if (!ours)
            return; /* not the build tree's binary: buf names the missing file */
#endif
    }
    snprintf(buf, size, "%s", ROMFS_SOURCE_DIR "/board/emulator.mjs");
}

/* 1 when prog is an executable file in a directory of $PATH. */
static int on_path(const char *prog)
{
    const char *p = getenv("PATH");
    char file[4200];
    while (p && *p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        snprintf(file, sizeof file, "%.*s/%s", (int)n, n ? p : ".", prog);
        if (access(file, X_OK) == 0)
            return 1;
        p = colon ? colon + 1 : NULL;
    }
    return 0;
}

/* Why the emulated board cannot start here, as one line, or NULL. */
static const char *emulated_missing(const cli_board_cfg_t *c)
{
    if (c->opts.emulator_cmd && *c->opts.emulator_cmd)
        return NULL;
    if (!on_path("node"))
        return "needs Node.js >= 18, not found on PATH "
               "(Debian/Ubuntu: apt-get install nodejs; elsewhere: https://nodejs.org)";
    if (access(c->emulator, R_OK) != 0)
        return "not installed (no share/romfs/board/emulator.mjs beside this romfs)";
    return NULL;
}

/* The emulated board keeps its partition where emulator.mjs looks. */
static void emulated_partition(char *buf, size_t size)
{
    const char *dir = getenv("ROMFS_BOARD_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (dir && *dir)
        snprintf(buf, size, "%s/partition.bin", dir);
    else if (xdg && *xdg)
        snprintf(buf, size, "%s/romfs/board/partition.bin", xdg);
    else
        snprintf(buf, size, "%s/.cache/romfs/board/partition.bin", home && *home ? home : ".");
}

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
    emulator_path(c->emulator, sizeof c->emulator);
    emulated_partition(c->partition, sizeof c->partition);
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
    const char *missing = s && strcmp(s, "emulated") == 0 ? emulated_missing(cfg) : NULL;
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
