/* SPDX-License-Identifier: MIT */
/*
 * romfs watch: deploy a directory, then redeploy it on every change and run
 * a module after each deploy, over one board connection kept open.
 *
 * The source tree is watched by the host library (romfs_dirwatch.h: the
 * platform's watcher, what the build leaves out filtered, debounced so an
 * editor saving several files makes one deploy). The library's watch loop
 * (src/board/watch.c) runs a cycle on each change: the build for the
 * board, the incremental deploy over the session kept with the connection,
 * the soft reset, a board that went away reopened; then `import MODULE`
 * streams its output from a thread of the core while the loop keeps
 * watching, and a change or Ctrl-C cancels it and interrupts the board
 * (Ctrl-C on its REPL). This file brings the options and the printing.
 */
#include "cli.h"
#include "build_dir.h"
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "romfs/romfs_board_deploy.h"
#include "romfs/romfs_dirwatch.h"

typedef struct wopts {
    const char *src, *module;
    romfs_dirbuild_opts_t mpy; /* --mpy/--no-mpy, -j, --no-cache, --mpy-cross-arg */
    int debounce_ms, quiet, verbose;
    int no_reset;           /* --no-reset: no soft reset; /rom re-mounted, modules dropped */
} wopts_t;

typedef struct watcher {
    wopts_t o;
    struct {
        const char *dev;    /* device spec as given (NULL: default) */
        int part;           /* ROM partition index */
        uint32_t align;     /* --align, 0 for none */
        int quiet;
    } s;
    romfs_board_watch_t *core; /* build, deploy, reset, run (romfs_board_deploy.h) */
    cli_build_t build;      /* the compile options, the environment mapped to them */
    romfs_dirwatch_t *files; /* the source tree's watcher */
    int fatal;              /* the board can never take a deploy (read-only partition): stop, exit 1 */
} watcher_t;

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
    stop_sig = sig;
}

/* -r MODULE: a module name, or bad usage. */
static int module_opt(void *field, int id, const char *arg, const char *cmd)
{
    (void)id;
    if (!romfs_board_module_name_ok(arg)) {
        cli_error("%s: '%s' is not a module name", cmd, arg);
        return -1;
    }
    *(const char **)field = arg;
    return 0;
}

const cli_cmd_t cli_cmd_watch = {
    "watch",
    "usage: romfs watch [-d DEV] [-p N] [--run MODULE] [--mpy | --no-mpy] [-j N]\n"
    "                   [--no-cache] [--mpy-cross-arg ARG] [--debounce MS] [--align N]\n"
    "                   [--no-reset] [-q] SRC\n"
    "Deploy directory SRC to the board, then watch it: on every change (new\n"
    "files and directories included) rebuild, deploy incrementally over the\n"
    "connection that stays open, soft-reset the board so /rom is mounted\n"
    "afresh, and import MODULE, streaming its output. A change while MODULE\n"
    "runs interrupts it (Ctrl-C to the board) and deploys again. Build and\n"
    "deploy errors are printed and the watch goes on; a deploy never leaves\n"
    "a half image. Ctrl-C stops the watch and leaves the board in its REPL.\n",
    (const cli_opt_t[]){
        CLI_O_STR('d', "device", "DEV", watcher_t, s.dev, "serial port, 'auto', 'exec:COMMAND' or 'emulated'"),
        CLI_O_NUM('p', "partition", "N", watcher_t, s.part, 0, 255, 0, "bad partition index '%s'",
                  "ROM partition index (default 0)"),
        CLI_O_FN('r', "run", "MODULE", watcher_t, o.module, module_opt, 0, "import MODULE from /rom after each deploy"),
        CLI_O_MPY(watcher_t, o.mpy),
        CLI_O_NUM(0, "debounce", "MS", watcher_t, o.debounce_ms, 0, 60000, 0,
                  "--debounce wants milliseconds 0..60000, not '%s'",
                  "wait until the tree is quiet this long (default 50)"),
        CLI_O_FLAG(0, "no-reset", watcher_t, o.no_reset,
                   "no soft reset after a deploy, for boards where a reset\n"
                   "ends the session (the unix port, exec: boards like it):\n"
                   "/rom is mounted again and MODULE imported afresh"),
        CLI_O_NUM(0, "align", "N", watcher_t, s.align, 1, 1LL << 30, 1, "--align wants a power of two, not '%s'",
                  "start file data on N-byte boundaries (power of two)"),
        CLI_O_FLAG('q', "quiet", watcher_t, o.quiet, "print errors and the module's output only"),
        CLI_O_FLAG('v', "verbose", watcher_t, o.verbose, "say which file watcher runs and how long each step took"),
        CLI_O_HELP("this help"),
        CLI_O_END,
    },
    21,
    "Status lines go to stderr; the board's output to stdout.\n"
    "Exit status: 0 stopped by Ctrl-C (SIGINT), SIGTERM or SIGHUP, 1 SRC\n"
    "cannot be watched or the board's partition is read-only, 2 bad usage.\n",
    0, 0, -1, NULL,
};

static int parse_opts(int argc, char **argv, watcher_t *w)
{
    w->o.mpy.mpy = 1;
    w->o.debounce_ms = 50;
    int r = cli_parse(&cli_cmd_watch, argc, argv, w);
    if (r >= 0)
        return r;
    w->s.quiet = w->o.quiet;
    if (argc - optind != 1) {
        cli_error("watch: exactly one source directory expected");
        return CLI_USAGE;
    }
    w->o.src = argv[optind];
    return -1;
}

static void status(const watcher_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void status(const watcher_t *w, const char *fmt, ...)
{
    if (w->o.quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("romfs: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/// The core's callbacks ///

static void on_message(void *ctx, int level, const char *line)
{
    const watcher_t *w = ctx;
    if (level == ROMFS_BOARD_MSG_ERROR)
        cli_error("%s", line);
    else if (level == ROMFS_BOARD_MSG_WARN && !w->o.quiet)   /* the deploy's (no crc32 on the board) */
        cli_warn("%s", line);
    else
        status(w, "%s", line);
}

static int on_open(void *ctx, romfs_board_t **b, char *msg, size_t size)
{
    return cli_board_open(b, ((watcher_t *)ctx)->s.dev, NULL, msg, size);
}

/* Retrying to open the board: wait for a change, negative on a stop. */
static int on_wait(void *ctx, int ms)
{
    return romfs_dirwatch_wait(((watcher_t *)ctx)->files, ms) < 0 && stop_sig ? -1 : 0;
}

/* .romfsignore changed but cannot be read (the old rules stay). */
static void on_rules_error(void *ctx, const char *line)
{
    (void)ctx;
    cli_error("%s", line);
}

static void on_built(void *ctx, romfs_dirbuild_t *d, int r)
{
    watcher_t *w = ctx;
    w->build.d = d;
    cli_build_report(&w->build, r);
    w->build.d = NULL;
}

static void to_stdout(const char *data, size_t len, void *ctx)
{
    (void)ctx;
    fwrite(data, 1, len, stdout);
    fflush(stdout);
}

static void to_stderr(const char *data, size_t len, void *ctx)
{
    (void)ctx;
    cli_put_escaped(stderr, data, len, 0);
}

/* -v: how long each step of a deploy took. */
static void on_deployed(void *ctx, const romfs_board_watch_stats_t *st)
{
    if (((const watcher_t *)ctx)->o.verbose)
        fprintf(stderr, "romfs: build %.3fs, deploy %.3fs, soft reset %.3fs\n", st->build_s, st->deploy_s,
                st->reset_s);
}

/* The core over the options: 0, or -1 out of memory. */
static int start_core(watcher_t *w, char *cache_dir)
{
    romfs_board_watch_opts_t o = {.src = w->o.src, .build = &w->build.o, .part = w->s.part, .align = w->s.align,
                                  .cache_dir = cache_dir, .fallback_key = w->s.dev, .module = w->o.module,
                                  .no_reset = w->o.no_reset, .open = on_open, .wait = on_wait, .built = on_built,
                                  .message = on_message, .output = to_stdout, .ctx = w, .deployed = on_deployed};
    if (romfs_board_watch_new(&w->core, &o) == 0)
        return 0;
    cli_error("out of memory");
    return -1;
}

/* SIGINT, SIGTERM, SIGHUP (the terminal closed: stop as cleanly) and
 * Windows's console events: no SA_RESTART, so waits return at once. */
static void catch_stops(void)
{
    rp_interrupt_install(on_stop, 0);
}

int cmd_watch(int argc, char **argv)
{
    watcher_t w;
    memset(&w, 0, sizeof w);
    int r = parse_opts(argc, argv, &w);
    if (r >= 0)
        return r;
    rp_stat_t st;
    if (rp_stat(w.o.src, &st) != 0) {
        cli_error("%s: %s", w.o.src, strerror(errno));
        return CLI_FAIL;
    }
    if (st.type != RP_DIR) {
        cli_error("%s: not a directory (romfs watch watches a source directory)", w.o.src);
        return CLI_FAIL;
    }
    cli_build_init(&w.build, &w.o.mpy, 0, NULL, NULL);
    /* ROMFS_WATCH_POLL=1: the polling watcher even where the OS has its
     * own (the tests run both). */
    const char *force = getenv("ROMFS_WATCH_POLL");
    romfs_dirwatch_opts_t fo = {.src = w.o.src, .build = &w.build.o, .debounce_ms = w.o.debounce_ms,
                                .force_poll = force && *force && strcmp(force, "0") != 0, .stop = &stop_sig,
                                .on_error = on_rules_error};
    char msg[600];
    if (romfs_dirwatch_open(&w.files, &fo, msg, sizeof msg) < 0) {
        cli_error("%s", msg);
        romfs_dirbuild_opts_release(&w.o.mpy);
        return CLI_FAIL;
    }
    if (w.o.verbose)
        fprintf(stderr, "romfs: file watcher: %s\n", romfs_dirwatch_backend(w.files));
    char *cdir = cli_cache_dir();
    if (start_core(&w, cdir) == 0) {
        stop_sig = 0;
        catch_stops();
        w.fatal = romfs_board_watch_loop(w.core, w.files, &stop_sig, to_stdout, to_stderr, &w) != 0;
        romfs_board_watch_free(w.core);
        status(&w, "stopped");
    } else
        w.fatal = 1;
    cli_build_done(&w.build);
    free(cdir);
    romfs_dirwatch_close(w.files);
    romfs_dirbuild_opts_release(&w.o.mpy);
    return w.fatal ? CLI_FAIL : CLI_OK;
}
