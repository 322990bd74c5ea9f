/* SPDX-License-Identifier: MIT */
/* Opening a board for a command: the environment mapped to the board
 * library's options (romfs_board_opts_t), the default device, and the
 * emulated board found beside the installed binary or in the source tree. */
#include "cli.h"

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
