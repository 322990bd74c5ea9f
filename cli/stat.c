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
    int dir = info.type == ROMFS_TYPE_DIR;
    unsigned mode = dir ? ROMFS_S_IFDIR : ROMFS_S_IFREG;
    size_t data_offset = (size_t)(info.data - img.fs.image);
    const char *shown = *path ? path : "/";
    if (o.json) {
        printf("{");
        cli_json_name(stdout, "path", (const uint8_t *)shown, strlen(shown));
        printf(", \"type\": \"%s\", \"size\": %zu, \"offset\": %zu, \"record_offset\": %zu, \"mode\": %u, "
               "\"stat\": [%u, 0, 0, 0, 0, 0, %zu, 0, 0, 0]}\n",
               dir ? "dir" : "file", info.size, data_offset, info.record_offset, mode, mode, info.size);
    } else {
        printf("path:          ");
        cli_put_escaped(stdout, shown, strlen(shown), 1);
        printf("\ntype:          %s\n", dir ? "directory" : "file");
        printf("size:          %zu\n", info.size);
        printf("%s 0x%zx (%zu)\n", dir ? "children at:  " : "data offset:  ", data_offset, data_offset);
        if (!dir)
            printf("alignment:     %zu\n", romfs_image_align(data_offset));
        printf("record offset: 0x%zx (%zu)\n", info.record_offset, info.record_offset);
        printf("os.stat():     (%u, 0, 0, 0, 0, 0, %zu, 0, 0, 0)  # st_mode 0x%x\n", mode, info.size, mode);
    }
    rc = iw_flush(CLI_OK);
out:
    free(path);
    iw_image_close(&img);
    return rc;
}
