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
    (const cli_opt_t[]){CLI_O_SOURCE(struct tree_opts, src), CLI_O_HELP("this help"), CLI_O_END},
    14,
    "\n"
    "Exit status: 0 drawn, 1 missing path or corrupt image, 2 bad usage.\n",
    offsetof(struct tree_opts, src) + 1, 0, 1, "IMAGE [PATH]",
};

int cmd_tree(int argc, char **argv)
{
    struct tree_opts o = {{0}};
    int pr = cli_parse(&cli_cmd_tree, argc, argv, &o);
    if (pr >= 0)
        return pr;
    iw_image_t img;
    if (iw_image_open_lazy(&img, o.src.image, &o.src) != 0)
        return CLI_FAIL;
    int rc = CLI_FAIL, err, r;
    char *path = iw_path_normalise(argc - optind == 1 ? argv[optind] : "/");
    romfs_info_t info;
    romfs_walk_t w;
    if (!path) {
        cli_error("out of memory");
        goto out;
    }
    if (iw_image_need(&img, path, ROMFS_NEED_TREE) != 0)
        goto out;
    if ((err = romfs_stat(&img.fs, path, &info)) != 0 || (info.type != ROMFS_TYPE_DIR && (err = ROMFS_ERR_NOTDIR))) {
        cli_error("%s: %s: %s", img.path, *path ? path : "/", romfs_strerror(err));
        goto out;
    }
    if (romfs_walk_begin(&w, &img.fs, &info, path, strlen(path)) != 0) {
        cli_error("out of memory");
        goto out;
    }
    rc = CLI_OK;
    iw_print_name(stdout, *path ? path : "/", *path ? strlen(path) : 1);
    printf("%s\n", *path ? "/" : "");
    while ((r = romfs_walk_next(&w)) != ROMFS_WALK_END) {
        if (r == ROMFS_WALK_ENTRY) {
            /* Deep trees keep their lines short: past IW_DEEP_FULL levels the
             * first and last IW_DEEP_KEEP are drawn, the rest counted. */
            size_t levels = w.entry_depth - 1;
            for (size_t level = 1; level <= levels; level++) {
                if (levels > IW_DEEP_FULL && level == IW_DEEP_KEEP + 1) {
                    printf("[+%zu] ", levels - 2 * IW_DEEP_KEEP);
                    level = levels - IW_DEEP_KEEP;
                    continue;
                }
                fputs(romfs_walk_ancestor_last(&w, level) ? "    " : "|   ", stdout);
            }
            fputs(w.entry_last ? "\\-- " : "|-- ", stdout);
            iw_print_name(stdout, w.info.name, w.info.name_len);
            printf("%s\n", w.info.type == ROMFS_TYPE_DIR ? "/" : "");
        } else if (r == ROMFS_WALK_ERROR) {
            iw_walk_error(&w, img.path);
            rc = CLI_FAIL;
        } else {
            cli_error("out of memory");
            rc = CLI_FAIL;
            break;
        }
    }
    romfs_walk_end(&w);
    if (fflush(stdout) != 0) {
        cli_error("<stdout>: write error");
        rc = CLI_FAIL;
    }
out:
    free(path);
    iw_image_close(&img);
    return rc;
}
