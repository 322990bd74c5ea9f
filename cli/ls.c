/* romfs ls: list a directory of an image, one entry or a whole subtree. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "imgwalk.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: romfs ls [-l] [-R] [--json] IMAGE [PATH]\n"
            "\n"
            "List the directory PATH of IMAGE (default: the root); a file PATH lists\n"
            "that one entry. IMAGE '-' reads standard input.\n"
            "\n"
            "  -l, --long       type, size, data offset in the image, its alignment\n"
            "                   (largest power of two dividing it, at most 4096), name;\n"
            "                   directories show the offset of their record\n"
            "  -R, --recursive  every entry below PATH, by full path\n"
            "      --json       a JSON array of {path, name, type, size, offset[, align]}\n"
            "  -h, --help       this help\n"
            "\n"
            "Exit status: 0 listed, 1 missing path or corrupt image, 2 bad usage.\n");
}

struct ls_opts {
    int lng, recursive, json;
    size_t count;           /* entries printed so far (JSON commas) */
};

static void print_entry(struct ls_opts *o, const romfs_t *fs, const romfs_info_t *info, const char *path,
                        size_t path_len)
{
    int dir = info->type == ROMFS_TYPE_DIR;
    size_t offset = dir ? info->record_offset : (size_t)(info->data - fs->image);
    if (o->json) {
        printf("%s\n {\"path\": ", o->count ? "," : "");
        cli_json_string(stdout, (const uint8_t *)path, path_len);
        printf(", \"name\": ");
        cli_json_string(stdout, info->name, info->name_len);
        printf(", \"type\": \"%s\", \"size\": %zu, \"offset\": %zu", dir ? "dir" : "file", info->size, offset);
        if (!dir)
            printf(", \"align\": %zu", iw_align(offset));
        if (!dir && cli_board_addr)   /* -d DEV: where the data is mapped on the board */
            printf(", \"address\": %llu", (unsigned long long)(cli_board_addr + offset));
        printf("}");
    } else {
        if (o->lng) {
            if (dir)
                printf("dir  %10zu %10zu     -  ", info->size, offset);
            else if (cli_board_addr)   /* -d DEV: the data's address on the board */
                printf("file %10zu 0x%08llx %5zu  ", info->size, (unsigned long long)(cli_board_addr + offset),
                       iw_align(offset));
            else
                printf("file %10zu %10zu %5zu  ", info->size, offset, iw_align(offset));
        }
        if (o->recursive)
            iw_print_name(stdout, path, path_len);
        else
            iw_print_name(stdout, info->name, info->name_len);
        printf("%s\n", dir ? "/" : "");
    }
    o->count++;
}

int cmd_ls(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"long", no_argument, NULL, 'l'},
        {"recursive", no_argument, NULL, 'R'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ls_opts o = {0};
    int c;
    while ((c = getopt_long(argc, argv, "lRh", longopts, NULL)) != -1) {
        switch (c) {
        case 'l': o.lng = 1; break;
        case 'R': o.recursive = 1; break;
        case 'j': o.json = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (argc - optind < 1 || argc - optind > 2) {
        cli_error("ls: expected IMAGE [PATH]");
        usage(stderr);
        return CLI_USAGE;
    }
    iw_image_t img;
    if (iw_image_open(&img, argv[optind]) != 0)
        return CLI_FAIL;
    int rc = CLI_FAIL;
    char *path = iw_path_normalise(argc - optind == 2 ? argv[optind + 1] : "/");
    romfs_info_t info;
    iw_walk_t w;
    int err;
    if (!path) {
        cli_error("out of memory");
        goto out;
    }
    if ((err = romfs_stat(&img.fs, path, &info)) != 0) {
        cli_error("%s: %s: %s", img.path, *path ? path : "/", romfs_strerror(err));
        goto out;
    }
    if (o.json)
        printf("[");
    if (info.type == ROMFS_TYPE_FILE) {
        print_entry(&o, &img.fs, &info, path, strlen(path));
        rc = CLI_OK;
    } else if (iw_begin(&w, &img.fs, &info, path, strlen(path)) != 0) {
        cli_error("out of memory");
    } else {
        rc = CLI_OK;
        int r;
        while ((r = iw_next(&w)) != IW_END) {
            if (r == IW_ENTRY) {
                print_entry(&o, &img.fs, &w.info, w.path, w.path_len);
                if (!o.recursive)
                    iw_skip_children(&w);
            } else if (r == IW_ERROR) {
                iw_walk_error(&w, img.path);
                rc = CLI_FAIL;
            } else {
                cli_error("out of memory");
                rc = CLI_FAIL;
                break;
            }
        }
        iw_end(&w);
    }
    if (o.json)
        printf("%s]\n", o.count ? "\n" : "");
    if (fflush(stdout) != 0) {
        cli_error("<stdout>: write error");
        rc = CLI_FAIL;
    }
out:
    free(path);
    iw_image_close(&img);
    return rc;
}
