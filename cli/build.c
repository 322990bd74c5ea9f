/*
 * romfs build: a host directory becomes an image file, printing the tree as
 * `mpremote romfs build` does. With --mpy (the default, as in mpremote) each
 * name.py without a name.mpy beside it is compiled by the external mpy-cross
 * into a private temporary directory and stored as name.mpy.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "romfs/romfs_build.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: romfs build [-o OUT] [--mpy | --no-mpy] [--align N] [-q]\n"
            "                   [--format raw|uf2|ihex [--address A] [--pad-to N] [--family F]] SRC\n"
            "\n"
            "Build a ROMFS image from directory SRC (default output SRC.romfs, .uf2, .hex).\n"
            "By default the image is byte-identical to `mpremote romfs build`.\n"
            "\n"
            "  -o, --output OUT  write the image to OUT ('-' for stdout)\n"
            "      --mpy         compile .py files with mpy-cross ($MPY_CROSS or PATH)\n"
            "                    unless a .mpy of the same name is beside them (default)\n"
            "      --no-mpy      store .py files as they are\n"
            "      --align N     place file data at image offsets that are multiples of\n"
            "                    N (a power of two), for zero-copy access to aligned data\n"
            "      --format F    write F: raw (default), uf2 or ihex (Intel HEX)\n"
            "      --address A   flash address of the partition (uf2: required; ihex: 0)\n"
            "      --pad-to N    pad the image with 0xFF to N bytes (the partition size)\n"
            "      --family F    UF2 family: RP2040, RP2350_ARM_S, RP2350_RISCV, ESP32S2,\n"
            "                    ESP32S3, NRF52840, STM32F4, ... ('list': all) or a number\n"
            "  -q, --quiet       do not print the tree\n"
            "  -h, --help        show this help\n");
}

static int parse_align(const char *s, uint32_t *out)
{
    long long v = cli_parse_size(s);
    if (v < 0 || v > (1LL << 30) || (v & (v - 1)))
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int cmd_build(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"mpy", no_argument, NULL, 'm'},
        {"no-mpy", no_argument, NULL, 'M'},       {"align", required_argument, NULL, 'a'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        {"format", required_argument, NULL, CLI_FLASH_OPT_FORMAT},
        {"address", required_argument, NULL, CLI_FLASH_OPT_ADDRESS},
        {"pad-to", required_argument, NULL, CLI_FLASH_OPT_PAD_TO},
        {"family", required_argument, NULL, CLI_FLASH_OPT_FAMILY},
        {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL;
    int quiet = 0, want_mpy = 1;
    /* Source order: the scanner adds entries sorted by their source names,
     * as mpremote does, even when x.py is stored as x.mpy. */
    romfs_build_opts_t bopts = {.keep_order = 1};
    cli_flash_t flash = {0};
    int ch, r;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            out_path = optarg;
            break;
        case 'm':
            want_mpy = 1;
            break;
        case 'M':
            want_mpy = 0;
            break;
        case 'a':
            if (parse_align(optarg, &bopts.align) != 0) {
                cli_error("build: --align wants 0 or a power of two up to 2^30, not '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        case CLI_FLASH_OPT_FORMAT:
        case CLI_FLASH_OPT_ADDRESS:
        case CLI_FLASH_OPT_PAD_TO:
        case CLI_FLASH_OPT_FAMILY:
            if ((r = cli_flash_option(&flash, ch, optarg)) != 0)
                return r > 0 ? CLI_OK : CLI_USAGE;
            break;
        default: /* getopt said which option, as typed */
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (cli_flash_check(&flash) != 0)
        return CLI_USAGE;
    if (argc - optind != 1) {
        cli_error("build: %s; see 'romfs build --help'",
                  argc - optind ? "exactly one source directory expected" : "source directory not given");
        return CLI_USAGE;
    }
    const char *src = argv[optind];
    size_t sl = strlen(src);
    if (sl == 0) {
        cli_error("build: empty source directory name");
        return CLI_USAGE;
    }
    while (sl > 1 && src[sl - 1] == '/')
        sl--;
    char *def_out = malloc(sl + sizeof ".romfs");
    if (!def_out) {
        cli_error("build: out of memory");
        return CLI_FAIL;
    }
    snprintf(def_out, sl + sizeof ".romfs", "%.*s%s", (int)sl, src, cli_flash_ext(&flash));
    if (!out_path)
        out_path = def_out;
    int to_stdout = strcmp(out_path, "-") == 0;

    FILE *info = quiet ? NULL : to_stdout ? stderr : stdout;
    cli_build_dir_t c;
    memset(&c, 0, sizeof c);
    int rc = CLI_FAIL;
    romfs_builder_t *b = romfs_builder_new(&bopts);
    if (!b) {
        cli_error("build: out of memory");
        goto done;
    }
    if (cli_build_dir(&c, b, src, want_mpy, to_stdout ? NULL : out_path, info) != 0)
        goto done;
    uint64_t size = romfs_builder_image_size(b);
    cli_out_t out;
    if (cli_out_open(&out, out_path) != 0)
        goto done;
    if (info) {
        fprintf(info, "Writing %llu bytes to output file %s\n", (unsigned long long)size, out_path);
        fflush(info);
    }
    if (cli_flash_write(&flash, b, &out, out_path) != 0) {
        cli_out_abort(&out);
        goto done;
    }
    if (cli_out_commit(&out) != 0)
        goto done;
    rc = CLI_OK;
done:
    romfs_builder_free(b);
    cli_build_dir_done(&c);
    free(def_out);
    return rc;
}
