/* SPDX-License-Identifier: MIT */
/* romfs ls: list a directory of an image, one entry or a whole subtree. */
#include "cli.h"

#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "imgwalk.h"
#include "opts.h"

struct ls_opts {
    iw_source_t src;
    int lng, recursive, json;
    size_t count;           /* entries printed so far (JSON commas) */
    uint64_t addr;          /* -d DEV: where the partition is mapped on the board, 0 unknown */
    const iw_image_t *img;
};

const cli_cmd_t cli_cmd_ls = {
    "ls",
    "usage: romfs ls [-l] [-R] [--json] IMAGE [PATH]\n"
    "\n"
    "List the directory PATH of IMAGE (default: the root); a file PATH lists\n"
    "that one entry. IMAGE '-' reads standard input.\n"
    "\n",
    (const cli_opt_t[]){
        CLI_O_FLAG('l', "long", struct ls_opts, lng,
                   "type, size, offset in the image, its alignment (largest\n"
                   "power of two dividing it, at most 4096), name; the offset\n"
                   "is where the contents start: a file's first data byte, a\n"
                   "directory's first child record (as 'romfs stat' says)"),
        CLI_O_FLAG('R', "recursive", struct ls_opts, recursive, "every entry below PATH, by full path"),
        CLI_O_FLAG(0, "json", struct ls_opts, json,
                   "a JSON array of {path, name, type, size, offset,\n"
                   "record_offset[, align]}; name_hex and path_hex hold the\n"
                   "bytes of a name that is not valid UTF-8, and \"unsafe\":\n"
                   "true marks a name no path reaches ('', '.', '..', '/', NUL)"),
        CLI_O_TEXT("\nUnsafe names are also reported on stderr, with their record offsets."),
        CLI_O_SOURCE_HELP(struct ls_opts, src),
    },
    19,
    "\n"
    "Exit status: 0 listed, 1 missing path or corrupt image, 2 bad usage.\n",
    offsetof(struct ls_opts, src) + 1, 0, 1, "IMAGE [PATH]",
};

/* offset: where the entry's contents start (a file's first data byte, a
 * directory's first child record), as `romfs stat` says it. */
static void print_entry(struct ls_opts *o, const iw_image_t *img, const romfs_info_t *info, const char *path,
                        size_t path_len)
{
    size_t offset = (size_t)(info->data - img->fs.image);
    char msg[2 * ROMFS_CHECK_NAME_CAP + 1100];
    /* An entry no path reaches: flagged on stderr (and in JSON), since a
     * listing shows it among names that do work. */
    if (info->flags & ROMFS_INFO_UNSAFE_NAME) {
        romfs_image_unsafe_msg(img->path, info, path, path_len, msg, sizeof msg);
        iw_message(NULL, 0, msg);
    }
    if (o->json) {
        printf("%s\n ", o->count ? "," : "");
        (void)romfs_image_entry_json(info, offset, path, path_len, o->addr, cli_put, stdout);   /* errors: iw_flush */
    } else {
        unsigned how = (o->lng ? ROMFS_IMAGE_TEXT_LONG : 0) | (o->recursive ? ROMFS_IMAGE_TEXT_PATH : 0);
        (void)romfs_image_entry_text(info, offset, path, path_len, o->addr, how, cli_put, stdout);
    }
    o->count++;
}

static void on_entry(void *ctx, romfs_walk_t *w)
{
    struct ls_opts *o = ctx;
    print_entry(o, o->img, &w->info, w->path, w->path_len);
    if (!o->recursive)
        romfs_walk_skip_children(w);
}

int cmd_ls(int argc, char **argv)
{
    struct ls_opts o = {0};
    iw_image_t img;
    int rc = iw_command(&cli_cmd_ls, argc, argv, &o, &o.src, &img);
    if (rc >= 0)
        return rc;
    o.addr = img.addr;
    o.img = &img;
    char *path = NULL;
    romfs_info_t info;
    rc = CLI_FAIL;
    if (iw_lookup(&img, argc - optind == 1 ? argv[optind] : "/", o.recursive ? ROMFS_NEED_TREE : ROMFS_NEED_LIST,
                  &path, &info) == 0) {
        if (o.json) {
            printf("[");
            cli_json_errors = 2;   /* the array has begun: errors go to stderr only */
        }
        rc = CLI_OK;
        if (info.type == ROMFS_TYPE_FILE)
            print_entry(&o, &img, &info, path, strlen(path));
        else if (iw_walk(&img, &info, path, on_entry, &o) != 0)
            rc = CLI_FAIL;
        if (o.json)
            printf("%s]\n", o.count ? "\n" : "");
        rc = iw_flush(rc);
    }
    free(path);
    iw_image_close(&img);
    return rc;
}
