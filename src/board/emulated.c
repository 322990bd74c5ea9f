/* SPDX-License-Identifier: MIT */
/*
 * The emulated board's setup (romfs_board.h): where a program finds
 * board/emulator.mjs, where the board keeps its partition, and why it
 * cannot start here. The caller hands in what it read from its
 * environment (PATH, ROMFS_BOARD_DIR, XDG_CACHE_HOME, HOME); nothing is
 * read from the environment here.
 */
#include "romfs/romfs_board.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

#ifndef ROMFS_BOARD_DATADIR
#define ROMFS_BOARD_DATADIR "/usr/local/share/romfs"
#endif

void romfs_board_emulator_find(const char *exe, const char *datadir_rel, const char *build_dir,
                               const char *source_dir, char *buf, size_t size)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", exe ? exe : "");
    char *slash = (char *)rp_last_sep(dir);
    if (slash) {
        *slash = '\0';
        snprintf(buf, size, "%s/../%s/board/emulator.mjs", dir, datadir_rel);
        if (access(buf, R_OK) == 0)
            return;
        if (build_dir) {
            char *built = rp_realpath(build_dir);
            int ours = built && strcmp(built, dir) == 0;
            free(built);
            if (!ours)
                return; /* not the build tree's program: buf names the missing file */
        }
    }
    snprintf(buf, size, "%s/board/emulator.mjs", source_dir);
}

void romfs_board_emulator_partition(const char *board_dir, const char *cache_home, const char *home, char *buf,
                                    size_t size)
{
    if (board_dir && *board_dir)
        snprintf(buf, size, "%s/partition.bin", board_dir);
    else if (cache_home && *cache_home)
        snprintf(buf, size, "%s/romfs/board/partition.bin", cache_home);
    else
        snprintf(buf, size, "%s/.cache/romfs/board/partition.bin", home && *home ? home : ".");
}

/* 1 when prog is an executable file in a directory of search_path. */
static int on_path(const char *search_path, const char *prog)
{
    const char *p = search_path;
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

const char *romfs_board_emulated_missing(const romfs_board_opts_t *o, const char *search_path)
{
    if (o->emulator_cmd && *o->emulator_cmd)
        return NULL;
    if (!on_path(search_path, "node"))
        return "needs Node.js >= 18, not found on PATH "
               "(Debian/Ubuntu: apt-get install nodejs; elsewhere: https://nodejs.org)";
    const char *script = o->emulator && *o->emulator ? o->emulator : ROMFS_BOARD_DATADIR "/board/emulator.mjs";
    if (access(script, R_OK) != 0)
        return "not installed (no share/romfs/board/emulator.mjs beside this romfs)";
    return NULL;
}
