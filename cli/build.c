/* SPDX-License-Identifier: MIT */
/*
 * romfs build: a host directory becomes an image file, printing the tree as
 * `mpremote romfs build` does. With --mpy (the default, as in mpremote) each
 * name.py without a name.mpy beside it is compiled by the external mpy-cross
 * into a private temporary directory and stored as name.mpy.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "opts.h"
#include "romfs/romfs_build.h"

struct build_args {
    const char *out_path, *src;
    int quiet, json, verbose;
    romfs_dirbuild_opts_t mpy;
    romfs_build_opts_t bopts;
    cli_flash_t flash;
};

const cli_cmd_t cli_cmd_build = {
    "build",
    "usage: romfs build [-o OUT] [--mpy | --no-mpy] [-j N] [--no-cache]\n"
    "                   [--mpy-cross-arg ARG]... [--align N] [-q] [-v] [--json]\n"
    "                   [--format raw|uf2|ihex [--address A] [--pad-to N] [--family F]] SRC\n"
    "\n"
    "Build a ROMFS image from directory SRC (default output SRC.romfs, .uf2, .hex),\n"
    "printing the tree as `mpremote romfs build` does. With --no-mpy the image is\n"
    "byte-identical to mpremote's; with --mpy each .mpy names its source by its\n"
    "path inside the image (lib/pkg/core.py), as MicroPython's freezing does,\n"
    "where mpremote embeds the host path as typed (docs/COMPATIBILITY.md).\n"
    "\n",
    (const cli_opt_t[]){
        CLI_O_STR('o', "output", "OUT", struct build_args, out_path, "write the image to OUT ('-' for stdout)"),
        CLI_O_MPY(struct build_args, mpy),
        CLI_O_NUM(0, "align", "N", struct build_args, bopts.align, 0, 1LL << 30, 1,
                  "--align wants 0 or a power of two up to 2^30, not '%s'",
                  "place file data at image offsets that are multiples of\n"
                  "N (a power of two), for zero-copy access to aligned data"),
        CLI_O_FN(0, "format", "F", struct build_args, flash, cli_flash_option, CLI_FLASH_OPT_FORMAT,
                 "write F: raw (default), uf2 or ihex (Intel HEX)"),
        CLI_O_FN(0, "address", "A", struct build_args, flash, cli_flash_option, CLI_FLASH_OPT_ADDRESS,
                 "flash address of the partition (uf2: required; ihex: 0)"),
        CLI_O_FN(0, "pad-to", "N", struct build_args, flash, cli_flash_option, CLI_FLASH_OPT_PAD_TO,
                 "pad the image with 0xFF to N bytes (the partition size)"),
        CLI_O_FN(0, "family", "F", struct build_args, flash, cli_flash_option, CLI_FLASH_OPT_FAMILY,
                 "UF2 family: RP2040, RP2350_ARM_S, RP2350_RISCV, ESP32S2,\n"
                 "ESP32S3, NRF52840, STM32F4, ... ('list': all) or a number"),
        CLI_O_FLAG('q', "quiet", struct build_args, quiet, "do not print the tree"),
        CLI_O_FLAG('v', "verbose", struct build_args, verbose, "say which mpy-cross was used and what it compiled"),
        CLI_O_FLAG(0, "json", struct build_args, json,
                   "print one JSON object (image, image_size, compiler)\n"
                   "instead of the tree"),
        CLI_O_HELP("show this help"),
        CLI_O_END,
    },
    20,
    "\n"
    "Interrupted (SIGINT, SIGTERM, SIGHUP), it removes its temporary files, leaves\n"
    "an existing OUT as it was and exits 128 + the signal.\n",
    0, 0, -1, NULL,
};

/* Parse build's options; -1 with a->src set, else an exit code. */
static int parse_args(int argc, char **argv, struct build_args *a)
{
    int r = cli_parse(&cli_cmd_build, argc, argv, a);
    if (r >= 0)
        return r;
    if (cli_flash_check(&a->flash) != 0)
        return CLI_USAGE;
    if (argc - optind != 1) {
        cli_error("build: %s; see 'romfs build --help'",
                  argc - optind ? "exactly one source directory expected" : "source directory not given");
        return CLI_USAGE;
    }
    a->src = argv[optind];
    if (!*a->src) {
        cli_error("build: empty source directory name");
        return CLI_USAGE;
    }
    if (a->json && a->out_path && strcmp(a->out_path, "-") == 0) {
        cli_error("build: --json prints to stdout; it cannot be used with -o -");
        return CLI_USAGE;
    }
    return -1;
}

/* Write the built image atomically to out_path, in the chosen format. A
 * signal during the write discards it. */
static int write_image(romfs_builder_t *b, const cli_flash_t *flash, const char *out_path, FILE *info)
{
    cli_out_t out;
    if (cli_out_open(&out, out_path) != 0)
        return -1;
    if (info) {
        fprintf(info, "Writing %llu bytes to output file %s\n",
                (unsigned long long)romfs_builder_image_size(b), out_path);
        fflush(info);
    }
    if (cli_flash_write(flash, b, &out, out_path) != 0 || cli_build_signal) {
        cli_out_abort(&out);
        return -1;
    }
    return cli_out_commit(&out);
}

int cmd_build(int argc, char **argv)
{
    /* Source order: the scanner adds entries sorted by their source names,
     * as mpremote does, even when x.py is stored as x.mpy. */
    struct build_args a = {.bopts = {.keep_order = 1}, .mpy = {.mpy = 1}};
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) {
        romfs_dirbuild_opts_release(&a.mpy);
        return rc;
    }
    cli_build_signal = 0;
    cli_build_signals_catch();
    size_t sl = strlen(a.src);
    while (sl > 1 && a.src[sl - 1] == '/')
        sl--;
    char *def_out = malloc(sl + sizeof ".romfs");
    cli_build_t c;
    memset(&c, 0, sizeof c);
    romfs_builder_t *b = def_out ? romfs_builder_new(&a.bopts) : NULL;
    rc = CLI_FAIL;
    if (!b) {
        cli_error("build: out of memory");
        goto done;
    }
    snprintf(def_out, sl + sizeof ".romfs", "%.*s%s", (int)sl, a.src, cli_flash_ext(&a.flash));
    const char *out_path = a.out_path ? a.out_path : def_out;
    int to_stdout = strcmp(out_path, "-") == 0;
    FILE *info = a.quiet || a.json ? NULL : to_stdout ? stderr : stdout;
    cli_build_init(&c, &a.mpy, a.verbose, to_stdout ? NULL : out_path, info);
    if (cli_build_run(&c, b, a.src) != 0 ||
        cli_build_signal || write_image(b, &a.flash, out_path, info) != 0)
        goto done;
    if (a.json)
        (void)romfs_dirbuild_json(c.d, out_path, romfs_builder_image_size(b), cli_put, stdout);   /* errors: at exit */
    rc = CLI_OK;
done:
    if (cli_build_signal && rc != CLI_OK)
        rc = 128 + cli_build_signal;
    romfs_builder_free(b);
    cli_build_done(&c);
    romfs_dirbuild_opts_release(&a.mpy);
    free(def_out);
    return rc;
}
