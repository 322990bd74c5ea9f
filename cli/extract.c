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
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#include "imgwalk.h"
#include "opts.h"
#include "romfs/romfs_extract.h"


static void on_written(void *ctx, const char *path, size_t len, int is_dir)
{
    printf("%s/", (const char *)ctx);
    cli_put_escaped(stdout, path + 1, len - 1, 1);
    printf("%s\n", is_dir ? "/" : "");
}

struct ex {
    iw_source_t src;        /* IMAGE, or -d/-p: the board whose image is extracted */
    int force, verbose;
};

const cli_cmd_t cli_cmd_extract = {
    "extract",
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
    "\n",
    (const cli_opt_t[]){
        CLI_O_FLAG('f', "force", struct ex, force, "replace existing files (never through a symbolic link)"),
        CLI_O_FLAG('v', "verbose", struct ex, verbose, "print each path as it is written"),
        CLI_O_SOURCE_HELP(struct ex, src),
    },
    17,
    "\n"
    "Exit status: 0 extracted, 1 refused or failed (the message names the\n"
    "path and its offset in the image), 2 bad usage.\n",
    offsetof(struct ex, src) + 1, 1, 1, "IMAGE DIR",
};

int cmd_extract(int argc, char **argv)
{
    struct ex e;
    memset(&e, 0, sizeof e);
    int rc = cli_parse(&cli_cmd_extract, argc, argv, &e);
    if (rc >= 0)
        return rc;
    const char *dest = argv[optind];
    iw_image_t img;
    if (iw_image_open(&img, &e.src) != 0)
        return CLI_FAIL;
    /* Temporary files are registered for signal cleanup by the hooks
     * (romfs_cleanup_track) from here. */
    romfs_cleanup_install();
    romfs_extract_opts_t o = {e.force, img.path, iw_message, e.verbose ? on_written : NULL, (void *)dest};
    rc = iw_flush(romfs_extract(img.data, img.len, dest, &o) == 0 ? CLI_OK : CLI_FAIL);
    iw_image_close(&img);
    return rc;
}
