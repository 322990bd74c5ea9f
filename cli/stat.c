/* SPDX-License-Identifier: MIT */
/* romfs stat: what the image says about one path, and what MicroPython's
 * os.stat() would report for it. */
#include "cli.h"

#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "imgwalk.h"
#include "opts.h"

struct stat_opts {
    iw_source_t src;
    int json;
};

const cli_cmd_t cli_cmd_stat = {
    "stat",
    "usage: romfs stat [--json] IMAGE PATH\n"
    "\n"
    "Show the type, size, data offset and record offset of PATH in IMAGE, and\n"
    "the tuple MicroPython's os.stat() returns for it (st_mode 0x4000 for a\n"
    "directory, 0x8000 for a file; st_size; the rest 0). A directory's size is\n"
    "the length of its payload after the name (the root: the whole payload).\n"
    "The offset (JSON \"offset\") is where the contents start: a file's first\n"
    "data byte, a directory's first child record; \"record_offset\" is the\n"
    "entry's own record. 'romfs ls -l' and 'ls --json' use the same meanings.\n"
    "IMAGE '-' reads standard input.\n"
    "\n",
    (const cli_opt_t[]){
        CLI_O_FLAG(0, "json", struct stat_opts, json, "one JSON object"),
        CLI_O_SOURCE_HELP(struct stat_opts, src),
    },
    14,
    "\n"
    "Exit status: 0 found, 1 missing path or corrupt entry, 2 bad usage.\n",
    offsetof(struct stat_opts, src) + 1, 1, 1, "IMAGE PATH",
};

int cmd_stat(int argc, char **argv)
{
    struct stat_opts o = {{0}, 0};
    iw_image_t img;
    int pr = iw_command(&cli_cmd_stat, argc, argv, &o, &o.src, &img);
    if (pr >= 0)
        return pr;
    int rc = CLI_FAIL;
    char *path = NULL;
    romfs_info_t info;
    if (iw_lookup(&img, argv[optind], ROMFS_NEED_STAT, &path, &info) != 0)
        goto out;
    (void)romfs_image_stat_text(&info, (size_t)(info.data - img.fs.image), path, o.json, cli_put, stdout);
    rc = iw_flush(CLI_OK);
out:
    free(path);
    iw_image_close(&img);
    return rc;
}
