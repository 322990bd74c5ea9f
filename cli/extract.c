/* SPDX-License-Identifier: MIT */
/* romfs extract: unpack an image into a host directory.
 *
 * The image is untrusted: every name is checked before anything is written,
 * files are created relative to directory descriptors (openat) so no host
 * path is ever built from image names, existing symbolic links are never
 * followed, and each file appears under its name only by a rename. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#include "imgwalk.h"
#include "romfs/romfs_extract.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: romfs extract [-f] [-v] IMAGE DIR\n"
            "\n"
            "Unpack IMAGE into DIR (created with its parents if missing; existing\n"
            "directories are merged).\n"
            "IMAGE '-' reads standard input.\n"
            "\n"
            "Nothing is written when the image holds an unsafe name ('', '.', '..', or a\n"
            "name with '/' or NUL) or a corrupt entry. Existing symbolic links in DIR\n"
            "are never followed. Each file is written to a temporary name and renamed.\n"
            "Of entries with the same name in one directory only the first is written,\n"
            "as only the first is reachable by path.\n"
            "When writing fails part-way, the files already written stay in DIR.\n"
            "\n"
            "  -f, --force    replace existing files (never through a symbolic link)\n"
            "  -v, --verbose  print each path as it is written\n"
            "  -d, --device DEV\n"
            "                 the image in a board's ROM partition, read over the\n"
            "                 raw REPL (only the bytes needed), not an image file\n"
            "  -p, --partition N\n"
            "                 with -d: the partition index (default 0)\n"
            "  -h, --help     this help\n"
            "\n"
            "Exit status: 0 extracted, 1 refused or failed (the message names the\n"
            "path and its offset in the image), 2 bad usage.\n");
}

static void on_message(void *ctx, int error, const char *line)
{
    (void)ctx;
    fflush(stdout);
    if (error)
        cli_error("%s", line);
    else
        cli_warn("%s", line);
}

static void on_written(void *ctx, const char *path, size_t len, int is_dir)
{
    printf("%s/", (const char *)ctx);
    iw_print_name(stdout, path + 1, len - 1);
    printf("%s\n", is_dir ? "/" : "");
}

struct ex {
    iw_source_t src;        /* -d/-p: the board whose image is extracted */
    const char *image;      /* the IMAGE operand, NULL with -d */
    const char *dest;
    int force, verbose;
};

static int parse_args(struct ex *e, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"force", no_argument, NULL, 'f'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        IW_SOURCE_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "fvh" IW_SOURCE_SHORTOPTS, longopts, NULL)) != -1) {
        switch (c) {
        case 'f': e->force = 1; break;
        case 'v': e->verbose = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default:
            if (iw_source_opt(&e->src, c, optarg, "extract") > 0)
                break;
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (iw_source_image(&e->src, argc, argv, &optind, &e->image) < 0 || argc - optind != 1) {
        cli_error("extract: expected IMAGE DIR");
        usage(stderr);
        return CLI_USAGE;
    }
    e->dest = argv[optind];
    return -1;
}

int cmd_extract(int argc, char **argv)
{
    struct ex e;
    memset(&e, 0, sizeof e);
    int rc = parse_args(&e, argc, argv);
    if (rc >= 0)
        return rc;
    iw_image_t img;
    if (iw_image_open(&img, e.image, &e.src) != 0)
        return CLI_FAIL;
    /* Temporary files are registered for signal cleanup by the hooks
     * (cli_cleanup_hook_outputs) from here. */
    cli_cleanup_install();
    romfs_extract_opts_t o = {e.force, img.path, on_message, e.verbose ? on_written : NULL, (void *)e.dest};
    rc = romfs_extract(img.data, img.len, e.dest, &o) == 0 ? CLI_OK : CLI_FAIL;
    if (fflush(stdout) != 0) {
        cli_error("<stdout>: write error: %s", strerror(errno));
        rc = CLI_FAIL;
    }
    iw_image_close(&img);
    return rc;
}
