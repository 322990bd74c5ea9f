/* SPDX-License-Identifier: MIT */
/* romfs check: walk every record of an image and report every problem with
 * its byte offset. The walk and the sorting are the host library's
 * (romfs_check_collect in romfs_check.h). */
#include "cli.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "imgwalk.h"
#include "opts.h"
#include "romfs/romfs_check.h"

struct check_opts {
    iw_source_t src;
    int verbose, quiet, json;
};

const cli_cmd_t cli_cmd_check = {
    "check",
    "usage: romfs check [-v] [-q] [--json] IMAGE\n"
    "\n"
    "Verify every record of IMAGE without trusting any length in it, and report\n"
    "each problem on stderr with its byte offset. IMAGE '-' reads standard input.\n"
    "\n"
    "Failures (exit 1): a bad header, records or names running past their\n"
    "parent, kind-0 records, files without data, indirect data outside the\n"
    "filesystem payload, unsafe names ('', '.', '..', '/' or NUL in a name).\n"
    "Warnings (exit 0): duplicate names in a directory (only the first is\n"
    "reachable). Information (-v): an odd image size, unknown record kinds,\n"
    "ignored data records, bytes after the filesystem record (e.g. the erased\n"
    "tail of a partition).\n"
    "\n"
    "The last line on stdout is 'IMAGE: ok (N dirs, M files, S bytes)' (S: file\n"
    "data bytes; the root is not counted) or 'IMAGE: K problems'.\n"
    "\n",
    (const cli_opt_t[]){
        CLI_O_FLAG('v', "verbose", struct check_opts, verbose, "also report information"),
        CLI_O_FLAG('q', "quiet", struct check_opts, quiet, "no summary line"),
        CLI_O_FLAG(0, "json", struct check_opts, json, "one JSON object on stdout instead of lines"),
        CLI_O_SOURCE_HELP(struct check_opts, src),
    },
    17,
    "\n"
    "Exit status: 0 valid (perhaps with warnings), 1 corrupt, 2 bad usage.\n",
    offsetof(struct check_opts, src) + 1, 0, 0, "IMAGE",
};

static void print_text(const char *name, int verbose, int quiet, const romfs_check_report_t *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const romfs_check_finding_t *x = &f->v[i];
        if (x->severity == ROMFS_CHECK_FAIL)
            cli_error("%s: offset 0x%zx: %s", name, x->offset, x->msg);
        else if (x->severity == ROMFS_CHECK_WARN)
            cli_warn("%s: offset 0x%zx: %s", name, x->offset, x->msg);
        else if (verbose)
            fprintf(stderr, "romfs: info: %s: offset 0x%zx: %s\n", name, x->offset, x->msg);
    }
    if (!quiet)
        (void)romfs_check_summary_text(f, name, cli_put, stdout);   /* write errors: iw_flush's */
}

int cmd_check(int argc, char **argv)
{
    struct check_opts o = {{0}, 0, 0, 0};
    int pr = cli_parse(&cli_cmd_check, argc, argv, &o);
    if (pr >= 0)
        return pr;
    /* Read as it is, never mounted: a corrupt image is what is checked. */
    iw_image_t file;
    if (iw_image_load(&file, &o.src) != 0)
        return CLI_FAIL;
    const char *name = file.path;
    romfs_check_report_t f;
    int rc = CLI_FAIL;
    if (romfs_check_collect(file.data, file.len, &f) != 0) {
        cli_error("%s: out of memory", name);
        goto out;
    }
    if (o.json)
        (void)romfs_check_json(&f, name, file.len, cli_put, stdout);   /* write errors: iw_flush's */
    else
        print_text(name, o.verbose, o.quiet, &f);
    rc = iw_flush(f.stats.problems[ROMFS_CHECK_FAIL] ? CLI_FAIL : CLI_OK);
out:
    romfs_check_report_free(&f);
    iw_image_close(&file);
    return rc;
}
