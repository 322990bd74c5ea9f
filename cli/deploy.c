/* SPDX-License-Identifier: MIT */
/*
 * romfs deploy: options, the board's probe and printing around the deploy
 * session (include/romfs/romfs_session.h), which does the work: checked
 * before anything is touched, power-safe, incremental (only erase blocks
 * whose CRC differs), verified before the commit. Directories are built
 * here (cli/build_dir.c) and laid out by the session in the stable layout
 * against the base it trusts. docs/DEPLOY.md has the whole story and the
 * measured figures.
 */
#include "cli.h"
#include "build_dir.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform.h"

#include "imgwalk.h"
#include "opts.h"
#include "romfs/romfs.h"
#include "romfs/romfs_board_deploy.h"
#include "romfs/romfs_deploy.h"
#include "romfs/romfs_layout.h"
#include "romfs/romfs_session.h"
#include "romfs/romfs_source.h"

typedef struct opts {
    const char *dev;
    cli_devs_t devs;      /* every -d; several (or "all"): cli/multi.c */
    int part;
    int full;
    int json;
    int quiet;
    romfs_dirbuild_opts_t mpy; /* --mpy/--no-mpy, -j, --no-cache, --mpy-cross-arg */
    int nor;              /* --nor: commit by programming the magic alone */
    int unverified;       /* --unverified: allow a deploy that cannot be read back */
    uint32_t align;
    uint32_t compact;
    const char *output;   /* -o: write the image to a file, no board */
    uint32_t out_block;   /* --block-size for -o */
    const char *base;     /* --base for -o: lay out relative to this image */
    const char *src;
} opts_t;

const cli_cmd_t cli_cmd_deploy = {
    "deploy",
    "usage: romfs deploy [-d DEV] [-p N] [--full] [--json] [--align N] [--mpy | --no-mpy] [-j N]\n"
    "                    [--no-cache] [--mpy-cross-arg ARG] [--compact PCT] [--nor] [--unverified] [-q] SRC\n"
    "       romfs deploy -o FILE [--base IMAGE] [--block-size N] [--align N] [--mpy | --no-mpy] SRC\n"
    "Write SRC (a .romfs/.img image, deployed as it is, or a directory, built in\n"
    "the stable layout) into ROM partition N of the board. Only erase blocks that\n"
    "differ are rewritten; the header block goes last, so a power cut leaves the\n"
    "old image, the new one, or nothing that mounts; all of it is read back and\n"
    "checked before the header commits.\n",
    (const cli_opt_t[]){
        {CLI_OPT_DEVS, 'd', "device", "DEV", CLI_FIELD(opts_t, devs), 0, 0, 0, NULL, NULL,
         "serial port, 'auto', 'exec:COMMAND' or 'emulated'\n"
         "(default: $ROMFS_DEVICE, else the first board found)"},
        CLI_O_NUM('p', "partition", "N", opts_t, part, 0, 255, 0, "bad partition index '%s'",
                  "ROM partition index (default 0)"),
        CLI_O_FLAG(0, "full", opts_t, full, "rewrite every block (and lay a directory out afresh)"),
        CLI_O_FLAG(0, "json", opts_t, json, "print a summary as JSON on stdout"),
        CLI_O_NUM(0, "align", "N", opts_t, align, 1, 1LL << 30, 1, "--align wants a power of two, not '%s'",
                  "start file data on N-byte boundaries (power of two)"),
        CLI_O_MPY(opts_t, mpy),
        CLI_O_NUM(0, "compact", "PCT", opts_t, compact, 1, 100, 0, "--compact wants a percentage 1..100, not '%s'",
                  "lay out afresh once holes pass PCT% of the data (default 25)"),
        CLI_O_FLAG(0, "unverified", opts_t, unverified, "deploy even to a board that cannot read its partition back"),
        CLI_O_FLAG(0, "nor", opts_t, nor,
                   "the partition is NOR flash that may program a write unit\n"
                   "twice (SPI flash); commit by writing the magic alone, safe\n"
                   "even if that write is cut part-way. Not for ECC flash"),
        CLI_O_STR('o', "output", "FILE", opts_t, output, "write the stable-layout image to FILE instead of a board"),
        CLI_O_STR(0, "base", "IMAGE", opts_t, base, "with -o: lay out relative to IMAGE, as a deploy over it would"),
        CLI_O_NUM(0, "block-size", "N", opts_t, out_block, 1, 1LL << 30, 1,
                  "--block-size wants a power of two, not '%s'", "erase block size assumed by -o (default 4096)"),
        CLI_O_FLAG('q', "quiet", opts_t, quiet, "print errors only"),
        CLI_O_HELP(NULL),
        CLI_O_END,
    },
    21,
    "Compiling a directory for a board, the compiler gets the -march of the\n"
    "board's sys.implementation._mpy (unless --mpy-cross-arg gives one), and a\n"
    "compiler whose .mpy version the board cannot load is refused.\n",
    0, 0, -1, NULL,
};

static double now_s(void)
{
    return (double)rp_monotonic_ns() / 1e9;
}

/// Progress ///

typedef struct progress {
    int tty;
    romfs_board_progress_t bar;
} progress_t;

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress_t *p = ctx;
    char line[160];
    if (p->tty && romfs_board_progress_text(&p->bar, done, total, now_s(), line, sizeof line)) {
        fputs(line, stderr);
        fflush(stderr);
    }
}

/// The command ///

static int parse_opts(int argc, char **argv, opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->mpy.mpy = 1;
    o->out_block = 4096;
    int r = cli_parse(&cli_cmd_deploy, argc, argv, o);
    if (r >= 0)
        return r;
    o->dev = o->devs.dev;
    if (o->base && !o->output) {
        cli_error("deploy: --base goes with -o");
        return CLI_USAGE;
    }
    if (argc - optind != 1)
        return cli_usage_error(&cli_cmd_deploy, "%s",
                               argc - optind ? "one SRC expected" : "SRC (an image or a directory) not given");
    o->src = argv[optind];
    return -1;
}

/* Everything one deploy carries around. */
typedef struct deploy {
    opts_t o;
    romfs_source_t src;     /* the image as given or as built */
    uint8_t *lay;           /* stable layout of src (directories) */
    size_t lay_len;
    romfs_layout_stats_t lst;
    FILE *info;             /* human lines, NULL with -q */
    cli_board_result_t *res; /* one of many boards: filled on success */
} deploy_t;

static void say(deploy_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(deploy_t *d, const char *fmt, ...)
{
    if (!d->info)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(d->info, fmt, ap);
    va_end(ap);
    fputc('\n', d->info);
    fflush(d->info);
}

/* The source (romfs_source_load): the build's messages as `romfs build`
 * prints them. */
static int load_source(deploy_t *d)
{
    cli_build_t c;
    cli_build_init(&c, &d->o.mpy, 0, NULL, NULL);
    char msg[1100];
    int r = romfs_source_load(&d->src, d->o.src, &c.o, &c.d, msg, sizeof msg);
    if (r < 0 && c.d)
        cli_build_report(&c, r);
    else if (r < 0)
        cli_error("%s", msg);
    cli_build_done(&c);
    return r < 0 ? -1 : 0;
}

static int write_output(deploy_t *d)
{
    if (cli_refuse_unreadable(d->o.output, "image", d->src.len) < 0)   /* the stable layout is never smaller */
        return CLI_FAIL;
    romfs_layout_opts_t lo = {.block_size = d->o.out_block, .align = d->o.align, .compact_percent = d->o.compact,
                              .fresh = d->o.full || !d->o.base};
    char msg[1100];
    if (romfs_source_layout(&d->src, d->o.src, d->o.base, &lo, &d->lay, &d->lay_len, &d->lst, msg, sizeof msg) < 0) {
        cli_error("%s", msg);
        return CLI_FAIL;
    }
    const uint8_t *img = d->lay;
    size_t len = d->lay_len;
    if (cli_refuse_unreadable(d->o.output, "image", len) < 0)
        return CLI_FAIL;
    say(d, "Image size is %zu bytes (stable layout: %zu files kept, %zu in place, %zu moved, %zu added%s)", len,
        d->lst.kept, d->lst.in_place, d->lst.moved, d->lst.added, d->lst.compacted ? ", compacted" : "");
    cli_out_t out;
    if (cli_out_open(&out, d->o.output) < 0)
        return CLI_FAIL;
    if (cli_out_write(&out, img, len) < 0) {   /* names the output */
        cli_out_abort(&out);
        return CLI_FAIL;
    }
    return cli_out_commit(&out) < 0 ? CLI_FAIL : CLI_OK;
}

typedef struct sizectx {
    deploy_t *d;
    const romfs_board_deploy_result_t *r;
} sizectx_t;

/* mpremote's two lines, before the transfer as mpremote prints them. */
static void say_sizes(void *ctx, size_t image_len)
{
    sizectx_t *e = ctx;
    if (e->d->info) {
        (void)romfs_board_deploy_sizes_text(e->r, image_len, cli_put, e->d->info);
        fflush(e->d->info);
    }
}

/* Directories compiled with mpy-cross are built after the board is opened
 * (the compiler must match it); images and --no-mpy builds before, so a
 * bad source never reaches the board. */
static int compile_for_board(const deploy_t *d)
{
    rp_stat_t st;
    return d->o.mpy.mpy && rp_stat(d->o.src, &st) == 0 && st.type == RP_DIR;
}

/// Callbacks of the library's deploy (romfs_board_deploy.h) ///

static void on_message(void *ctx, int level, const char *line)
{
    (void)ctx;
    if (level == ROMFS_BOARD_MSG_WARN)
        cli_warn("%s", line);
    else
        cli_error("%s", line);
}

/* Killed while writing, the partition is as a power cut leaves it: the
 * deploy's order makes that the old image, the new one, or nothing that
 * mounts. Say so on the way out. */
static void on_writing(void *ctx, const char *board, int started)
{
    char what[300];
    (void)ctx;
    if (!started) {
        romfs_cleanup_note(NULL, NULL);
        return;
    }
    snprintf(what, sizeof what, "deploy to %s interrupted", board);
    romfs_cleanup_note(what, ": the partition holds the old image, the new one, or nothing that mounts, as after "
                           "a power cut; deploy again to finish");
}

/* The re-check after a link failed past the commit: a new connection. */
static int on_reopen(void *ctx, romfs_board_t **b)
{
    char msg[700];
    return cli_board_open(b, ((deploy_t *)ctx)->o.dev, NULL, msg, sizeof msg);
}

/* The deploy failed: one error line, the CLI's own words where it has them. */
static void say_failure(const deploy_t *d, const cli_board_cfg_t *cfg, cli_build_t *c, int e,
                        const romfs_board_deploy_result_t *r)
{
    if (r->stage == ROMFS_BOARD_STAGE_BUILD) {
        c->d = r->build;
        cli_build_report(c, e);
        c->d = NULL;
    } else if (r->stage == ROMFS_BOARD_STAGE_PROBE && e == ROMFS_ERR_INVAL && cfg->opts.encoding)
        cli_error("ROMFS_DEPLOY_ENCODING=%s: expected deflate, base64, hex or literal", cfg->opts.encoding);
    else if (r->stage == ROMFS_BOARD_STAGE_CHECK && e == ROMFS_ERR_OPNOTSUPP && !r->info.has_view)
        cli_error("%s; --unverified deploys anyway", r->error);
    else
        cli_error("%s", r->error);
    (void)d;
}

static void deployed(deploy_t *d, const romfs_board_deploy_result_t *r)
{
    if (d->info) {
        (void)romfs_board_deploy_text(r, cli_put, d->info);   /* write errors: the stream's, at exit */
        fflush(d->info);
    }
    if (d->o.json)
        (void)romfs_board_deploy_json(r, cli_put, cli_stdout());   /* write errors: the stream's, at exit */
    if (d->res) {
        *d->res = (cli_board_result_t){.written = r->res.blocks_written, .total = r->res.blocks_total,
                                       .wire = (long long)r->wire_bytes};
        snprintf(d->res->uid, sizeof d->res->uid, "%s", r->info.uid);
    }
}

static int deploy_to_board(deploy_t *d)
{
    int late = compile_for_board(d);
    if (!late && load_source(d) < 0)
        return CLI_FAIL;
    cli_board_cfg_t cfg;
    cli_board_config(&cfg);
    progress_t pg = {.tty = !d->o.quiet && rp_isatty(2), .bar.t0 = now_s()};
    cfg.opts.progress = on_progress;
    cfg.opts.progress_ctx = &pg;
    romfs_board_t *b = NULL;
    char msg[700];
    if (cli_board_open(&b, d->o.dev, &cfg, msg, sizeof msg) < 0) {
        cli_error("cannot open %s: %s", d->o.dev ? d->o.dev : "a board", msg);
        return CLI_FAIL;
    }
    cli_build_t c;
    cli_build_init(&c, &d->o.mpy, 0, NULL, NULL);
    romfs_board_deploy_result_t r;
    sizectx_t ec = {d, &r};
    char *cdir = cli_cache_dir();
    romfs_board_deploy_opts_t o = {
        .part = d->o.part, .fallback_key = d->o.dev, .build = &c.o, .reopen = on_reopen, .writing = on_writing,
        .message = on_message, .ctx = d,
        .session = {.cache_dir = cdir, .full = d->o.full, .nor = d->o.nor, .allow_unverified = d->o.unverified,
                    .align = d->o.align, .compact = d->o.compact, .sized = say_sizes, .sized_ctx = &ec}};
    int e = late ? romfs_board_deploy_dir(&b, d->o.src, &o, &r)
                 : romfs_board_deploy_image(&b, d->src.img, d->src.len, d->src.is_dir, &o, &r);
    if (e < 0)
        say_failure(d, &cfg, &c, e, &r);
    else
        deployed(d, &r);
    romfs_board_deploy_result_free(&r);
    cli_build_done(&c);
    free(cdir);
    romfs_board_close(b);
    return e < 0 ? CLI_FAIL : CLI_OK;
}

static int deploy_run(deploy_t *d)
{
    int out_stdout = d->o.output && strcmp(d->o.output, "-") == 0;
    d->info = d->o.quiet ? NULL : d->o.json || out_stdout ? cli_stderr() : cli_stdout();
    if (d->o.output)
        return load_source(d) == 0 ? write_output(d) : CLI_FAIL;
    return deploy_to_board(d);
}

/* One of many boards (cli/multi.c, on its own thread: its own copy). */
static int deploy_one(void *ctx, const char *dev, cli_board_result_t *res)
{
    deploy_t d = *(const deploy_t *)ctx;
    d.o.dev = dev;
    d.o.json = d.o.quiet = 1;
    d.res = res;
    int rc = deploy_run(&d);
    romfs_source_free(&d.src);
    free(d.lay);
    return rc;
}

int cmd_deploy(int argc, char **argv)
{
    deploy_t d;
    memset(&d, 0, sizeof d);
    int r = parse_opts(argc, argv, &d.o);
    if (r >= 0) {
        romfs_dirbuild_opts_release(&d.o.mpy);
        return r;
    }
    int rc = multi_wanted(d.o.devs.v, d.o.devs.n, d.o.devs.given)
                 ? multi_run("deploy", d.o.devs.v, d.o.devs.n, d.o.json, d.o.quiet, deploy_one, &d)
                 : deploy_run(&d);
    romfs_dirbuild_opts_release(&d.o.mpy);
    romfs_source_free(&d.src);
    free(d.lay);
    return rc;
}
