/* SPDX-License-Identifier: MIT */
/* romfs cat: write files of an image to stdout, straight from the image. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "imgwalk.h"
#include "opts.h"

struct cat_opts {
    iw_source_t src;
};

const cli_cmd_t cli_cmd_cat = {
    "cat",
    "usage: romfs cat IMAGE PATH...\n"
    "\n"
    "Write the contents of each file PATH of IMAGE to standard output.\n"
    "IMAGE '-' reads standard input.\n"
    "\n",
    (const cli_opt_t[]){CLI_O_SOURCE_HELP(struct cat_opts, src)},
    14,
    "\n"
    "Exit status: 0 written, 1 missing path, directory or corrupt entry,\n"
    "2 bad usage.\n",
    offsetof(struct cat_opts, src) + 1, 1, -1, "IMAGE PATH...",
};

int cmd_cat(int argc, char **argv)
{
    struct cat_opts o = {{0}};
    iw_image_t img;
    int pr = iw_command(&cli_cmd_cat, argc, argv, &o, &o.src, &img);
    if (pr >= 0)
        return pr;
    int rc = CLI_OK;
    for (int i = optind; i < argc; i++) {
        char *path = NULL;
        romfs_info_t info;
        romfs_file_t file;
        int r = iw_lookup(&img, argv[i], ROMFS_NEED_DATA, &path, &info), err;
        if (r == 0 && (err = romfs_file_open_info(&file, &info)) != 0) {
            cli_error("%s: %s: %s", img.path, *path ? path : "/", romfs_strerror(err));
            r = -1;
        }
        if (r == 0) {
            size_t size;
            const uint8_t *data = romfs_file_data(&file, &size);
            if (size > 0 && fwrite(data, 1, size, stdout) != size) {
                cli_error("<stdout>: write error: %s", strerror(errno));
                r = -2;
            }
        }
        free(path);
        if (r < 0)
            rc = CLI_FAIL;
        if (r == -2)
            break;
    }
    rc = iw_flush(rc);
    iw_image_close(&img);
    return rc;
}
