/* SPDX-License-Identifier: MIT */
/* romfs tree: draw the whole tree of an image, as `romfs build` shows it. */
#include "cli.h"

#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "imgwalk.h"
#include "opts.h"

struct tree_opts {
    iw_source_t src;
};

const cli_cmd_t cli_cmd_tree = {
    "tree",
    "usage: romfs tree IMAGE [PATH]\n"
    "\n"
    "Draw the tree of IMAGE (or of its directory PATH), directories with a\n"
    "trailing '/', in the image's record order. IMAGE '-' reads standard input.\n"
    "Entries more than 40 levels deep are indented by their first and last 8\n"
    "levels with [+N] for the N levels between.\n"
    "\n",
    (const cli_opt_t[]){CLI_O_SOURCE_HELP(struct tree_opts, src)},
    14,
    "\n"
    "Exit status: 0 drawn, 1 missing path or corrupt image, 2 bad usage.\n",
    offsetof(struct tree_opts, src) + 1, 0, 1, "IMAGE [PATH]",
};

/* One line (deep trees cut: ROMFS_IMAGE_DEEP_FULL). */
static void draw(void *ctx, romfs_walk_t *w)
{
    (void)ctx;
    (void)romfs_image_tree_line(w, cli_put, stdout);   /* write errors: iw_flush's */
}

int cmd_tree(int argc, char **argv)
{
    struct tree_opts o = {{0}};
    iw_image_t img;
    int rc = iw_command(&cli_cmd_tree, argc, argv, &o, &o.src, &img);
    if (rc >= 0)
        return rc;
    char *path = NULL;
    romfs_info_t info;
    rc = CLI_FAIL;
    if (iw_lookup(&img, argc - optind == 1 ? argv[optind] : "/", ROMFS_NEED_TREE, &path, &info) != 0) {
        /* said */
    } else if (info.type != ROMFS_TYPE_DIR) {
        cli_error("%s: %s: %s", img.path, path, romfs_strerror(ROMFS_ERR_NOTDIR));
    } else {
        cli_put_escaped(stdout, *path ? path : "/", *path ? strlen(path) : 1, 1);
        printf("%s\n", *path ? "/" : "");
        rc = iw_flush(iw_walk(&img, &info, path, draw, NULL) == 0 ? CLI_OK : CLI_FAIL);
    }
    free(path);
    iw_image_close(&img);
    return rc;
}
