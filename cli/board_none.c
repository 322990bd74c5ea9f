/* SPDX-License-Identifier: MIT */
/*
 * The board side of a build that has none yet: the Windows build, until
 * the board library (src/board) runs on the platform layer. Every board
 * command and every -d says so in one line and exits 1; image files,
 * builds and deploys to files work. The romfs_board_* functions the
 * shared command code calls are here only so that it links: no board is
 * ever opened, so none of them is reached with one.
 */
#include "cli.h"

#include <string.h>

#include "imgwalk.h"
#include "opts.h"
#include "romfs/romfs_board.h"
#include "romfs/romfs_board_deploy.h"

/* No options: every line says NO_BOARDS. */
#define NO_BOARD_CMD(n) const cli_cmd_t cli_cmd_##n = {#n, "", (const cli_opt_t[]){CLI_O_END}, 0, "", 0, 0, -1, NULL}
NO_BOARD_CMD(devs);
NO_BOARD_CMD(query);
NO_BOARD_CMD(run);
NO_BOARD_CMD(watch);

#define NO_BOARDS "boards are not supported by this build of romfs yet (Windows: image commands only)"

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

int multi_wanted(const char *const *devs, int ndevs, int given)
{
    (void)devs, (void)ndevs;
    return given > 1;
}

int multi_run(const char *cmd, const char *const *devs, int ndevs, int json, int quiet, cli_board_fn fn, void *ctx)
{
    (void)devs, (void)ndevs, (void)json, (void)quiet, (void)fn, (void)ctx;
    return no_boards(cmd);
}

int iw_board_fetch(const char *dev, int part, romfs_board_image_t *im)
{
    (void)part;
    (void)im;
    no_boards(dev ? dev : "-d");
    return -1;
}

int iw_board_open_lazy(iw_image_t *img, const iw_source_t *s)
{
    (void)img;
    no_boards(s->dev ? s->dev : "-d");
    return -1;
}

int iw_board_need(iw_image_t *img, const char *path, int what)
{
    (void)img;
    (void)path;
    (void)what;
    return 0;
}

void iw_board_close_lazy(iw_image_t *img)
{
    (void)img;
}

void cli_board_config(cli_board_cfg_t *c)
{
    memset(c, 0, sizeof *c);
}

const char *cli_board_spec(const char *spec)
{
    return spec;
}

int cli_board_open(romfs_board_t **out, const char *spec, const cli_board_cfg_t *cfg, char *msg, size_t size)
{
    (void)spec;
    (void)cfg;
    *out = NULL;
    snprintf(msg, size, "%s", NO_BOARDS);
    return ROMFS_ERR_NODEV;
}

void romfs_board_close(romfs_board_t *b)
{
    (void)b;
}

static int no_deploy(romfs_board_deploy_result_t *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->error, sizeof r->error, "%s", NO_BOARDS);
    return ROMFS_ERR_NODEV;
}

int romfs_board_deploy_dir(romfs_board_t **b, const char *dir, const romfs_board_deploy_opts_t *opts,
                           romfs_board_deploy_result_t *r)
{
    (void)b, (void)dir, (void)opts;
    return no_deploy(r);
}

int romfs_board_deploy_image(romfs_board_t **b, const uint8_t *img, size_t len, int tree,
                             const romfs_board_deploy_opts_t *opts, romfs_board_deploy_result_t *r)
{
    (void)b, (void)img, (void)len, (void)tree, (void)opts;
    return no_deploy(r);
}

void romfs_board_deploy_result_free(romfs_board_deploy_result_t *r)
{
    (void)r;
}
