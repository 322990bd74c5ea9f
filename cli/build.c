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
#include "romfs/romfs_flashfmt.h"

struct build_args {
    const char *out_path, *src;
    int quiet, json, verbose;
    romfs_dirbuild_opts_t mpy;
    romfs_build_opts_t bopts;
    romfs_flash_opts_t flash;
};

/* --format, --address, --pad-to, --family: the flashable outputs, whose
 * formats and rules are the host library's (romfs_flashfmt.h). A
 * cli_opt_fn on the romfs_flash_opts_t. */
static int flash_option(void *fo, int opt, const char *arg, const char *cmd)
{
    char msg[4608];
    if (opt == ROMFS_FLASH_OPT_FAMILY && strcmp(arg, "list") == 0) { /* for people and shell completion */
        for (size_t i = 0; romfs_uf2_family_at(i); i++)
            printf("%s\n", romfs_uf2_family_at(i));
        return 1;
    }
    if (romfs_flash_opts_set(fo, opt, arg, msg, sizeof msg) == 0)
        return 0;
    cli_error("%s: %s", cmd, msg);
    return -1;
}

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
        CLI_O_FN(0, "format", "F", struct build_args, flash, flash_option, ROMFS_FLASH_OPT_FORMAT,
                 "write F: raw (default), uf2 or ihex (Intel HEX)"),
        CLI_O_FN(0, "address", "A", struct build_args, flash, flash_option, ROMFS_FLASH_OPT_ADDRESS,
                 "flash address of the partition (uf2: required; ihex: 0)"),
        CLI_O_FN(0, "pad-to", "N", struct build_args, flash, flash_option, ROMFS_FLASH_OPT_PAD_TO,
                 "pad the image with 0xFF to N bytes (the partition size)"),
        CLI_O_FN(0, "family", "F", struct build_args, flash, flash_option, ROMFS_FLASH_OPT_FAMILY,
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
    char msg[160];
    if (romfs_flash_opts_check(&a->flash, msg, sizeof msg) != 0) {
        cli_error("build: %s", msg);
        return CLI_USAGE;
    }
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
 * signal during the write discards it. Every command that reads an image
 * file takes at most ROMFS_LOAD_MAX bytes, so build writes nothing larger. */
static int write_image(romfs_builder_t *b, const romfs_flash_opts_t *flash, const char *out_path, FILE *info)
{
    cli_out_t out;
    char msg[4608] = "";
    uint64_t size = romfs_builder_image_size(b);
    if (cli_out_open(&out, out_path) != 0)
        return -1;
    if (info) {
        fprintf(info, "Writing %llu bytes to output file %s\n", (unsigned long long)size, out_path);
        fflush(info);
    }
    int r = cli_refuse_unreadable(out_path, flash->format == ROMFS_FLASHFMT_RAW ? "image" : "output file",
                                  romfs_flash_opts_out_size(flash, size));
    if (r == 0)
        r = romfs_flash_write_image(flash, b, out_path, cli_out_write, &out, msg, sizeof msg);
    if (r < 0 && *msg)   /* empty: cli_out_write's own error, printed already */
        cli_error("%s", msg);
    if (r != 0 || cli_build_signal) {
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
    char *def_out = romfs_flash_opts_out_name(&a.flash, a.src);
    cli_build_t c;
    memset(&c, 0, sizeof c);
    romfs_builder_t *b = def_out ? romfs_builder_new(&a.bopts) : NULL;
    rc = CLI_FAIL;
    if (!b) {
        cli_error("build: out of memory");
        goto done;
    }
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
