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
            "usage: romfs build [-o OUT] [--mpy | --no-mpy] [--align N] [-q] SRC\n"
            "\n"
            "Build a ROMFS image from directory SRC (default output SRC.romfs).\n"
            "By default the image is byte-identical to `mpremote romfs build`.\n"
            "\n"
            "  -o, --output OUT  write the image to OUT ('-' for stdout)\n"
            "      --mpy         compile .py files with mpy-cross ($MPY_CROSS or PATH)\n"
            "                    unless a .mpy of the same name is beside them (default)\n"
            "      --no-mpy      store .py files as they are\n"
            "      --align N     place file data at image offsets that are multiples of\n"
            "                    N (a power of two), for zero-copy access to aligned data\n"
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
        {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL;
    int quiet = 0, want_mpy = 1;
    /* Source order: the scanner adds entries sorted by their source names,
     * as mpremote does, even when x.py is stored as x.mpy. */
    romfs_build_opts_t bopts = {.keep_order = 1};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+o:qh", longopts, NULL)) != -1) {
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
        default:
            cli_error("build: unknown option '%s'; see 'romfs build --help'", argv[optind - 1]);
            return CLI_USAGE;
        }
    }
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
    snprintf(def_out, sl + sizeof ".romfs", "%.*s.romfs", (int)sl, src);
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
    errno = 0;
    int r = romfs_builder_write(b, cli_out_write, &out);
    if (r < 0) {
        const char *m = romfs_builder_errmsg(b);
        if (!out.err)   /* a write error was reported naming the output */
            cli_error("%s", m && *m ? m : romfs_strerror(r));
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
