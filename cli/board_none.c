/* SPDX-License-Identifier: MIT */
/*
 * The board side of a build that has none yet: the Windows build, until
 * the board library (transport, deploys to boards, watch) runs on the
 * platform layer. Every board command and every -d says so in one line
 * and exits 1; image files, builds and deploys to files work.
 */
#include "cli.h"

#include <string.h>

#include "boardimg.h"
#include "deploy_board.h"

#define NO_BOARDS "boards are not supported by this build of romfs yet (Windows: image commands only)"

uint64_t cli_board_addr;

static int no_boards(const char *what)
{
    cli_error("%s: %s", what, NO_BOARDS);
    return CLI_FAIL;
}

int cmd_devs(int argc, char **argv)
{
    (void)argc;
    return no_boards(argv[0]);
}

int cmd_query(int argc, char **argv)
{
    (void)argc;
    return no_boards(argv[0]);
}

int cmd_run(int argc, char **argv)
{
    (void)argc;
    return no_boards(argv[0]);
}

int cmd_watch(int argc, char **argv)
{
    (void)argc;
    return no_boards(argv[0]);
}

int multi_wanted(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int multi_run(int argc, char **argv)
{
    (void)argc;
    return no_boards(argv[0]);
}

/* -d / --device on an image command. */
int boardimg_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strncmp(argv[i], "-d", 2) == 0 || strncmp(argv[i], "--device", 8) == 0)
            return 1;
    return 0;
}

int boardimg_run(int argc, char **argv, int (*fn)(int, char **))
{
    (void)argc;
    (void)fn;
    return no_boards(argv[0]);
}

int boardimg_fetch(const char *dev, int part, board_image_t *im)
{
    (void)part;
    (void)im;
    no_boards(dev);
    return -1;
}

int board_open(board_t **out, const char *spec, const char **err_msg)
{
    (void)spec;
    *out = NULL;
    *err_msg = NO_BOARDS;
    return BOARD_ERR_NODEV;
}

const char *board_describe(const board_t *b)
{
    (void)b;
    return "";
}

uint64_t board_bytes_sent(const board_t *b)
{
    (void)b;
    return 0;
}

void board_close(board_t *b)
{
    (void)b;
}

int dboard_open(board_t *b, int part, dboard_t **out, dboard_info_t *info, char **detail)
{
    (void)b;
    (void)part;
    (void)info;
    *out = NULL;
    *detail = NULL;
    return BOARD_ERR_NODEV;
}

romfs_deploy_ops_t dboard_ops(dboard_t *d, void (*progress)(void *, uint64_t, uint64_t), void *pctx)
{
    (void)d;
    (void)progress;
    (void)pctx;
    romfs_deploy_ops_t ops;
    memset(&ops, 0, sizeof ops);
    return ops;
}

int dboard_mpy(dboard_t *d, long long *sys_mpy)
{
    (void)d;
    *sys_mpy = -1;
    return BOARD_ERR_NODEV;
}

const char *dboard_last_error(const dboard_t *d)
{
    (void)d;
    return NO_BOARDS;
}

void dboard_free(dboard_t *d)
{
    (void)d;
}
