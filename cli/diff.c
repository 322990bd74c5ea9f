/* SPDX-License-Identifier: MIT */
/*
 * romfs diff A B: what differs between two images, each given as an image
 * file (UF2 / Intel HEX too), a directory (built in memory as `romfs deploy`
 * builds it) or -d DEV (the image in a board's partition). Prints the entries
 * added, removed and changed with their sizes, then how many erase blocks
 * a deploy of B over A would write (B laid out in the stable layout
 * relative to A, as `romfs deploy` lays it out).
 */
#include "cli.h"
#include "imgwalk.h"
#include "build_dir.h"
#include "opts.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#include "romfs/romfs.h"
#include "romfs/romfs_diff.h"

typedef struct side {
    const char *arg;        /* as given: a path, or the device after -d */
    int board;
    int dir;                /* built from a directory */
    iw_image_t im;          /* the image, loaded (file, board) or built (directory), mounted */
    uint32_t bs;            /* (side A) --block-size */
} side_t;

/// Loading a side ///

static int load_side(side_t *s, int part, int mpy)
{
    iw_source_t src = {s->board ? s->arg : NULL, part, s->board ? NULL : s->arg};
    rp_stat_t st;
    if (!s->board && rp_stat(s->arg, &st) != 0) {
        cli_error("%s: %s", s->arg, strerror(errno));
        return -1;
    }
    if (!s->board && (s->dir = st.type == RP_DIR)) {
        romfs_dirbuild_opts_t cfg = {.mpy = mpy};
        s->im.path = s->arg;
        if (cli_deploy_build(s->arg, &cfg, &s->im.data, &s->im.len) < 0)
            return -1;
    } else if (iw_image_load(&s->im, &src) != 0) {
        return -1;
    }
    if (romfs_mount(&s->im.fs, s->im.data, s->im.len) < 0) {
        cli_error("%s: Invalid ROMFS image", s->im.path);
        return -1;
    }
    return 0;
}

/// Comparing (romfs_diff.h) ///

/* One difference (paths cut as tree cuts them: ROMFS_IMAGE_DEEP_FULL). */
static int line(void *ctx, romfs_diff_kind_t kind, const char *path, size_t len, const romfs_info_t *e,
                const romfs_info_t *before)
{
    (void)ctx;
    (void)romfs_image_diff_line(kind, path, len, e, before, cli_put, stdout);   /* write errors: the stream's */
    return 0;
}

static romfs_diff_form_t form(const side_t *s)
{
    return s->board ? ROMFS_DIFF_BOARD : s->dir ? ROMFS_DIFF_TREE : ROMFS_DIFF_IMAGE;
}

static int compare(const side_t *s)
{
    romfs_diff_counts_t c;
    romfs_diff_deploy_t d;
    char msg[200];
    int side = -1;
    if (romfs_diff(&s[0].im.fs, &s[1].im.fs, line, NULL, &c, &side, msg, sizeof msg) < 0) {
        cli_error("%s%s%s", side >= 0 ? s[side].im.path : "", side >= 0 ? ": " : "", msg);
        return -1;
    }
    printf("%zu added, %zu removed, %zu changed, %zu unchanged\n", c.added, c.removed, c.changed, c.same);
    const iw_image_t *a = &s[0].im, *b = &s[1].im;
    if (romfs_diff_deploy(a->data, a->len, form(&s[0]), b->data, b->len, form(&s[1]), s->bs, &d, &side, msg,
                          sizeof msg) < 0) {
        if (side < 0)
            cli_error("%s of %s", msg, s[1].im.path);
        else
            cli_error("%s: %s", s[side].im.path, msg);
        return -1;
    }
    printf("deploying B over A: %u of %u blocks of %u bytes written (%llu bytes; %s)\n", d.nwrite, d.nblocks, s->bs,
           (unsigned long long)d.write_bytes,
           form(&s[1]) == ROMFS_DIFF_IMAGE ? "the image as it is"
           : d.used_base                   ? "stable layout relative to A"
                                           : "fresh stable layout");
    return 0;
}

/// The command ///

struct diff_opts {
    side_t s[2];
    int n;                  /* sides given; 3: too many */
    int part, mpy;
    uint32_t bs;
};

/* A side, in the order given: an operand, or -d DEV (id 1). */
static int add_side(void *field, int id, const char *arg, const char *cmd)
{
    struct diff_opts *o = field;
    (void)cmd;
    if (o->n >= 2) {
        o->n = 3;
        return 0;
    }
    o->s[o->n].arg = arg;
    o->s[o->n++].board = id;
    return 0;
}

const cli_cmd_t cli_cmd_diff = {
    "diff",
    "usage: romfs diff [-p N] [--mpy | --no-mpy] [--block-size N] A B\n"
    "Compare two images. A and B are each an image file, a directory (built as\n"
    "'romfs deploy' builds it) or '-d DEV' (the image in the board's partition N).\n"
    "Prints '+' for entries only in B, '-' for entries only in A, '~' for files\n"
    "whose bytes differ (with both sizes), then the erase blocks a deploy of B\n"
    "over A would write. Paths more than 40 levels deep show their first and last\n"
    "8 levels with [+N] for the N levels between.\n",
    (const cli_opt_t[]){
        CLI_O_FN('d', "device", "DEV", struct diff_opts, s, add_side, 1, "one side is the image on this board"),
        CLI_O_NUM('p', "partition", "N", struct diff_opts, part, 0, 255, 0, "bad partition index '%s'",
                  "the board's ROM partition (default 0)"),
        CLI_O_SET(0, "mpy", struct diff_opts, mpy, 1, "compile .py files of directory sides (default)"),
        CLI_O_SET(0, "no-mpy", struct diff_opts, mpy, 0, "store .py files of directory sides as they are"),
        CLI_O_NUM(0, "block-size", "N", struct diff_opts, bs, 512, 1 << 24, 1,
                  "--block-size wants a power of two from 512, not '%s'",
                  "erase block size for the deploy estimate (default 4096)"),
        CLI_O_HELP("this help"),
        CLI_O_OPERAND(struct diff_opts, s, add_side),
        CLI_O_END,
    },
    22,
    "Exit status: 0 compared (whether or not they differ), 1 a side could not be\n"
    "read, 2 bad usage.\n",
    0, 0, -1, NULL,
};

int cmd_diff(int argc, char **argv)
{
    struct diff_opts o = {.mpy = 1, .bs = 4096};
    side_t *s = o.s;
    int rc = cli_parse(&cli_cmd_diff, argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.n != 2)
        return cli_usage_error(&cli_cmd_diff, "two sides expected (image files, directories or -d DEV)");
    s[0].bs = o.bs;
    rc = CLI_FAIL;
    if (load_side(&s[0], o.part, o.mpy) == 0 && load_side(&s[1], o.part, o.mpy) == 0) {
        printf("A: %s (%zu bytes)\nB: %s (%zu bytes)\n", s[0].im.path, s[0].im.len, s[1].im.path, s[1].im.len);
        rc = compare(s) == 0 ? CLI_OK : CLI_FAIL;
    }
    iw_image_close(&s[0].im);
    iw_image_close(&s[1].im);
    return rc;
}
