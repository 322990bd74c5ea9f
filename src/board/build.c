/* SPDX-License-Identifier: MIT */
/* romfs_board_build: the one build for a board, as `romfs deploy DIR` and
 * `romfs watch` do it. The build's rules live in the host library
 * (romfs_dirbuild.h); this only asks the board what it loads. */
#include "romfs/romfs_board.h"

#include <stdio.h>
#include <string.h>

int romfs_board_target(romfs_board_t *b, romfs_board_target_t *t)
{
    char msg[224] = "";
    long long v = -1;
    memset(t, 0, sizeof *t);
    if (romfs_board_mpy(b, &v) < 0)
        snprintf(msg, sizeof msg, "%s", romfs_board_errmsg(b));
    else if (v >= 0 && romfs_mpy_board_decode(v, &t->mpy, msg, sizeof msg) == 0)
        return t->known = 1;
    snprintf(t->why, sizeof t->why, "the board does not say which .mpy files it loads%s%s: compiling without -march",
             *msg ? ": " : "", msg);
    return t->known = -1;
}

int romfs_board_build(romfs_board_t *b, const char *src, const romfs_dirbuild_opts_t *opts, romfs_board_target_t *t,
                      romfs_dirbuild_t **d, uint8_t **img, size_t *len)
{
    romfs_board_target_t here = {0};
    romfs_dirbuild_opts_t o = *opts;
    if (!t)
        t = &here;
    if (b && o.mpy && !t->known && romfs_board_target(b, t) < 0 && o.on_warning)
        o.on_warning(o.ctx, t->why);
    if (t->known > 0)
        o.board = &t->mpy;
    if (!(*d = romfs_dirbuild_new(&o)))
        return ROMFS_ERR_NOMEM;
    return romfs_dirbuild_image(*d, src, NULL, img, len);
}
