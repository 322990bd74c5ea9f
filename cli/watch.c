/* SPDX-License-Identifier: MIT */
/*
 * romfs watch: deploy a directory, then redeploy it on every change and run
 * a module after each deploy, over one board connection kept open.
 *
 * The source tree is watched through the platform layer (rp_watch:
 * inotify, ReadDirectoryChangesW, or the polling watcher; what the build
 * leaves out is filtered there); events are debounced so an editor saving
 * several files makes one deploy. Each cycle: build (cli_deploy_build, as `romfs deploy`),
 * incremental deploy (watch_deploy.c, which keeps what this session wrote),
 * soft reset (MicroPython's boot mounts /rom again), then `import MODULE`
 * in a child process that streams the output; the parent keeps watching,
 * and a change or Ctrl-C kills the child and interrupts the board (Ctrl-C
 * on its REPL). Windows has no fork: there the module runs in the
 * foreground, and a change made while it runs is deployed when it ends. Errors are printed and the watch goes on; a board that goes
 * away is reopened.
 */
#include "cli.h"
#include "watch.h"
#include "build_dir.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/wait.h>
#include <unistd.h>
#else
#include <stdatomic.h>
#endif

#include "platform.h"

#define REOPEN_MS 500
#define ATTEMPTS 3

typedef struct wopts {
    const char *src, *module;
    cli_mpy_cfg_t mpy;      /* --mpy/--no-mpy, -j, --no-cache, --mpy-cross-arg */
    int debounce_ms, quiet, verbose;
    int no_reset;           /* --no-reset: no soft reset; /rom re-mounted, modules dropped */
} wopts_t;

typedef struct watcher {
    wopts_t o;
    wsession_t s;
    rp_watch_t *rw;         /* the source tree's watcher */
    uint8_t *last;          /* packed image of the last deploy that succeeded */
    size_t last_len;
    long child;             /* the running module's process, or 0 */
    int reopens;            /* boards lost by the module since the last change */
    int reopen;             /* the module lost the board: reopen and deploy */
    /* What the board loads (sys.implementation._mpy), asked once per
     * connection before a build that compiles (romfs_board_target). */
    romfs_board_target_t target;
    romfs_ignore_t *ignore; /* what the build leaves out: changes there are not changes */
    int fatal;              /* the board can never take a deploy (read-only partition): stop, exit 1 */
} watcher_t;

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
    stop_sig = sig;
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: romfs watch [-d DEV] [-p N] [--run MODULE] [--mpy | --no-mpy] [-j N]\n"
            "                   [--no-cache] [--mpy-cross-arg ARG] [--debounce MS] [--align N]\n"
            "                   [--no-reset] [-q] SRC\n"
            "Deploy directory SRC to the board, then watch it: on every change (new\n"
            "files and directories included) rebuild, deploy incrementally over the\n"
            "connection that stays open, soft-reset the board so /rom is mounted\n"
            "afresh, and import MODULE, streaming its output. A change while MODULE\n"
            "runs interrupts it (Ctrl-C to the board) and deploys again. Build and\n"
            "deploy errors are printed and the watch goes on; a deploy never leaves\n"
            "a half image. Ctrl-C stops the watch and leaves the board in its REPL.\n"
            "  -d, --device DEV   serial port, 'auto', 'exec:COMMAND' or 'emulated'\n"
            "  -p, --partition N  ROM partition index (default 0)\n"
            "  -r, --run MODULE   import MODULE from /rom after each deploy\n"
            "%s"
            "      --debounce MS  wait until the tree is quiet this long (default 50)\n"
            "      --no-reset     no soft reset after a deploy, for boards where a reset\n"
            "                     ends the session (the unix port, exec: boards like it):\n"
            "                     /rom is mounted again and MODULE imported afresh\n"
            "      --align N      start file data on N-byte boundaries (power of two)\n"
            "  -q, --quiet        print errors and the module's output only\n"
            "  -v, --verbose      say which file watcher runs and how long each step took\n"
            "  -h, --help         this help\n"
            "Status lines go to stderr; the board's output to stdout.\n"
            "Exit status: 0 stopped by Ctrl-C (SIGINT), SIGTERM or SIGHUP, 1 SRC\n"
            "cannot be watched or the board's partition is read-only, 2 bad usage.\n",
            cli_mpy_help);
}

static int parse_opts(int argc, char **argv, watcher_t *w)
{
    static const struct option longopts[] = {
        {"device", required_argument, NULL, 'd'}, {"partition", required_argument, NULL, 'p'},
        {"run", required_argument, NULL, 'r'},    CLI_MPY_LONGOPTS,
        {"debounce", required_argument, NULL, 'D'}, {"align", required_argument, NULL, 'a'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        {"verbose", no_argument, NULL, 'v'},      {"no-reset", no_argument, NULL, 'N'},
        {NULL, 0, NULL, 0},
    };
    wopts_t *o = &w->o;
    cli_mpy_cfg_init(&o->mpy);
    o->debounce_ms = 50;
    long long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:p:r:j:mqvh", longopts, NULL)) != -1) {
        int m = cli_mpy_option(&o->mpy, c, optarg, "watch");
        if (m < 0)
            return CLI_USAGE;
        if (m > 0)
            continue;
        switch (c) {
        case 'd': w->s.dev = optarg; break;
        case 'p':
            if ((v = cli_parse_size(optarg)) < 0 || v > 255) {
                cli_error("watch: bad partition index '%s'", optarg);
                return CLI_USAGE;
            }
            w->s.part = (int)v;
            break;
        case 'r':
            if (!romfs_board_module_name_ok(optarg)) {
                cli_error("watch: '%s' is not a module name", optarg);
                return CLI_USAGE;
            }
            o->module = optarg;
            break;
        case 'D':
            if ((v = cli_parse_size(optarg)) < 0 || v > 60000) {
                cli_error("watch: --debounce wants milliseconds 0..60000, not '%s'", optarg);
                return CLI_USAGE;
            }
            o->debounce_ms = (int)v;
            break;
        case 'a':
            if ((v = cli_parse_size(optarg)) < 1 || v > (1 << 30) || (v & (v - 1))) {
                cli_error("watch: --align wants a power of two, not '%s'", optarg);
                return CLI_USAGE;
            }
            w->s.align = (uint32_t)v;
            break;
        case 'q': o->quiet = w->s.quiet = 1; break;
        case 'v': o->verbose = 1; break;
        case 'N': o->no_reset = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (argc - optind != 1) {
        cli_error("watch: exactly one source directory expected");
        return CLI_USAGE;
    }
    o->src = argv[optind];
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

/// Watching the tree ///

/* The watcher's filter: 1 when rel (relative to the source) is left out
 * of the build (editor swap files, .git/ and the like), so its changes are
 * no changes. .romfsignore itself always counts: it changes the rules. */
static int leave_out(void *ctx, const char *rel, int is_dir)
{
    const watcher_t *w = ctx;
    if (!w->ignore || strcmp(rel, ".romfsignore") == 0)
        return 0;
    return romfs_ignore_path(w->ignore, rel, strlen(rel), is_dir > 0);
}

/* After a wait that saw changes: new rules when .romfsignore changed (or
 * the watcher lost names). */
static void note_changes(watcher_t *w)
{
    size_t n;
    int overflow;
    const char *const *names = rp_watch_changes(w->rw, &n, &overflow);
    int reload = overflow;
    for (size_t i = 0; i < n && !reload; i++)
        reload = strcmp(names[i], ".romfsignore") == 0;
    if (reload) {
        romfs_ignore_t *ig = cli_build_ignore(&w->o.mpy, w->o.src);   /* the rules changed */
        if (ig) {
            romfs_ignore_free(w->ignore);
            w->ignore = ig;
        }
    }
}

static int64_t now_ms(void)
{
    return rp_monotonic_ns() / 1000000;
}

/* Wait up to timeout_ms (-1: for ever) for the tree to change, then until
 * it has been quiet for the debounce time. 1: changed; 0: timeout; -1:
 * stop requested or the watcher failed. */
static int wait_change(watcher_t *w, int timeout_ms)
{
    int r = rp_watch_wait(w->rw, timeout_ms);
    if (stop_sig)
        return -1;
    if (r < 0 && errno != EINTR)
        return -1;
    if (r <= 0)
        return 0;
    note_changes(w);
    int64_t cap = now_ms() + 2000;
    while (!stop_sig && now_ms() < cap && (r = rp_watch_wait(w->rw, w->o.debounce_ms)) > 0)
        note_changes(w);
    if (r < 0 && errno != EINTR)
        return -1;
    return stop_sig ? -1 : 1;
}

/// The board ///

static void drop_board(watcher_t *w)
{
    romfs_board_close(w->s.b);
    w->s.b = NULL;
    w->target.known = 0;   /* another board may answer next */
    watch_forget(&w->s);
}

/* Open the board, retrying until it answers or a stop is asked for. */
static int ensure_board(watcher_t *w)
{
    int told = 0;
    while (!w->s.b) {
        char msg[700];
        if (cli_board_open(&w->s.b, w->s.dev, NULL, msg, sizeof msg) == 0) {
            if (romfs_board_interrupt(w->s.b) == 0)
                return 0;
            snprintf(msg, sizeof msg, "%s", romfs_board_errmsg(w->s.b));
        }
        if (!told++)
            cli_error("%s; retrying until it answers (Ctrl-C stops)", msg);
        romfs_board_close(w->s.b);
        w->s.b = NULL;
        if (wait_change(w, REOPEN_MS) < 0 && stop_sig)
            return -1;
    }
    return 0;
}

static void to_stdout(const char *data, size_t len, void *ctx)
{
    (void)ctx;
    fwrite(data, 1, len, stdout);
    fflush(stdout);
}

/* Import the module and stream its output: 0 when it ran, 1 when it
 * raised (traceback on stderr), 3 on a board error. */
static int run_module(watcher_t *w)
{
    char *err = NULL;
    int e = romfs_board_run(w->s.b, w->o.module, 0, to_stdout, NULL, &err, INT_MAX);
    int status = 0;
    if (e == ROMFS_ERR_RAISED) {
        cli_put_escaped(stderr, err ? err : "", err ? strlen(err) : 0, 0);
        status = 1;
    } else if (e == ROMFS_ERR_CANCELED) {   /* stopped by a change (Windows: kill_module) */
        status = 3;
    } else if (e) {
        cli_error("%s: %s", romfs_board_describe(w->s.b), romfs_board_errmsg(w->s.b));
        status = 3;
    }
    romfs_board_free(err);
    fflush(NULL);
    return status;
}

static void stop_child(watcher_t *w, int interrupt);

/* The module ended with code: say how; resync the board when the run lost
 * track of it. */
static void module_ended(watcher_t *w, int code)
{
    if (code == 0)
        status(w, "%s finished; watching %s", w->o.module, w->o.src);
    else if (code == 1)
        status(w, "%s raised; watching %s", w->o.module, w->o.src);
    else
        stop_child(w, 1);
    /* A board that dies under every run is not reopened for ever. */
    w->reopen = !w->s.b && w->reopens++ < ATTEMPTS;
}

#ifndef _WIN32
/* A child process shares the board's connection and streams the module's
 * output while the parent keeps watching. */
static void start_module(watcher_t *w)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        _exit(run_module(w));
    }
    if (pid < 0)
        cli_error("cannot start a process to run %s: %s", w->o.module, strerror(errno));
    w->child = pid > 0 ? pid : 0;
}

static void kill_module(watcher_t *w)
{
    kill((pid_t)w->child, SIGKILL);
    waitpid((pid_t)w->child, NULL, 0);
}

/* The module's child ended by itself: say how. */
static void reap_child(watcher_t *w)
{
    int st;
    if (w->child <= 0 || waitpid((pid_t)w->child, &st, WNOHANG) != (pid_t)w->child)
        return;
    w->child = 0;
    module_ended(w, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}
#else
/* No fork: the module streams on a thread of its own while this one keeps
 * watching; w->child is 1 while it runs. A change cancels the board call
 * it waits in (romfs_board_cancel), then stop_child interrupts the board,
 * as after killing the child elsewhere. */
static rp_thread_t *module_thread;
static atomic_int module_done;

static int module_main(void *arg)
{
    int rc = run_module(arg);
    atomic_store(&module_done, 1);
    return rc;
}

static void start_module(watcher_t *w)
{
    atomic_store(&module_done, 0);
    int e = rp_thread_start(&module_thread, module_main, w);
    if (e)
        cli_error("cannot start a thread to run %s: %s", w->o.module, strerror(e));
    w->child = e ? 0 : 1;
}

static void kill_module(watcher_t *w)
{
    romfs_board_cancel(w->s.b, 1);
    rp_thread_join(module_thread);
    module_thread = NULL;
    romfs_board_cancel(w->s.b, 0);
}

/* The module's thread ended by itself: say how. */
static void reap_child(watcher_t *w)
{
    if (w->child <= 0 || !atomic_load(&module_done))
        return;
    int rc = rp_thread_join(module_thread);
    module_thread = NULL;
    w->child = 0;
    module_ended(w, rc);
}
#endif

/* Stop the module: kill the child that streams its output, then Ctrl-C
 * the board back to the raw REPL prompt (reopened when it does not come). */
static void stop_child(watcher_t *w, int interrupt)
{
    if (w->child > 0) {
        kill_module(w);
        w->child = 0;
        interrupt = 1;
    }
    if (interrupt && w->s.b && romfs_board_interrupt(w->s.b) != 0)
        drop_board(w);
}

/// One cycle: build, deploy, reset, run ///

static int deploy_image(watcher_t *w, const uint8_t *img, size_t len)
{
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (ensure_board(w) < 0)
            return -1;
        int r = watch_deploy_once(&w->s, img, len);
        if (r == 0)
            return 0;
        w->fatal = r == ROMFS_ERR_ROFS;
        if (!watch_lost(r))
            return -1;
        drop_board(w);   /* lost: reopen and deploy again from what the board says */
        status(w, "reopening the board");
    }
    return -1;
}

/* Compiling for the board, as `romfs deploy DIR` does (one
 * cli_build_for_board): learn what it loads once per connection, before
 * the first build that compiles, even when the user gave a -march (the
 * output is checked against the board either way). */
static int build_for_board(watcher_t *w, uint8_t **img, size_t *len)
{
    romfs_board_t *b = !w->target.known && w->o.mpy.want_mpy && ensure_board(w) == 0 ? w->s.b : NULL;
    return cli_build_for_board(w->o.src, &w->o.mpy, b, &w->target, img, len);
}

static void cycle(watcher_t *w)
{
    uint8_t *img = NULL;
    size_t len = 0;
    int64_t t0 = now_ms(), t1 = 0, t2 = 0;
    if (build_for_board(w, &img, &len) < 0) {
        status(w, "build failed; the board keeps its image; watching %s", w->o.src);
        return;
    }
    if (w->last && w->s.sess && len == w->last_len && memcmp(img, w->last, len) == 0) {
        free(img);
        status(w, "image unchanged; watching %s", w->o.src);
        return;
    }
    t1 = now_ms();
    if (deploy_image(w, img, len) < 0) {
        free(img);
        if (!w->fatal)
            status(w, "deploy failed; watching %s", w->o.src);
        return;
    }
    free(w->last);
    w->last = img;
    w->last_len = len;
    char *boot = NULL;
    t2 = now_ms();
    int e = w->o.no_reset ? 0 : romfs_board_soft_reset(w->s.b, &boot, NULL);
    if (e) {
        if (e == ROMFS_ERR_CLOSED)   /* the unix port: the reset ended the process */
            cli_error("%s: %s: use --no-reset", romfs_board_describe(w->s.b), romfs_board_errmsg(w->s.b));
        else
            cli_error("%s: soft reset: %s", romfs_board_describe(w->s.b), romfs_board_errmsg(w->s.b));
        drop_board(w);
        free(boot);
        return;
    }
    fputs(boot ? boot : "", stdout);
    fflush(stdout);
    romfs_board_free(boot);
    if (w->o.verbose)
        fprintf(stderr, "romfs: build %.3fs, deploy %.3fs, soft reset %.3fs\n", (t1 - t0) / 1e3, (t2 - t1) / 1e3,
                (now_ms() - t2) / 1e3);
    if (w->o.module)
        start_module(w);
    else
        status(w, "watching %s", w->o.src);
}

static void run_loop(watcher_t *w)
{
    cycle(w);
    while (!stop_sig && !w->fatal) {
        int r = wait_change(w, w->child ? 50 : 1000);
        if (r < 0)
            break;
        if (r == 0) {
            reap_child(w);
            if (w->reopen) {   /* lost while the module ran: reopen, bring it up to date */
                w->reopen = 0;
                status(w, "the board went away; reopening it");
                cycle(w);
            }
            continue;
        }
        stop_child(w, 0);
        w->reopens = 0;
        status(w, "change detected: deploying %s", w->o.src);
        cycle(w);
    }
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
    if (!(w.ignore = cli_build_ignore(&w.o.mpy, w.o.src))) {
        cli_mpy_cfg_free(&w.o.mpy);
        return CLI_FAIL;
    }
    /* ROMFS_WATCH_POLL=1: the polling watcher even where the OS has its
     * own (the tests run both). */
    const char *force = getenv("ROMFS_WATCH_POLL");
    if (!(w.rw = rp_watch_open_filtered(w.o.src, force && *force && strcmp(force, "0") != 0, leave_out, &w))) {
        cli_error("%s: cannot watch: %s", w.o.src, strerror(errno));
        romfs_ignore_free(w.ignore);
        cli_mpy_cfg_free(&w.o.mpy);
        return CLI_FAIL;
    }
    if (w.o.verbose)
        fprintf(stderr, "romfs: file watcher: %s\n", rp_watch_backend(w.rw));
    w.s.cache_dir = cli_cache_dir();
    stop_sig = 0;
    catch_stops();
    run_loop(&w);
    stop_child(&w, 1);   /* interrupt whatever runs; board_close then leaves the raw REPL */
    romfs_board_close(w.s.b);
    status(&w, "stopped");
    watch_forget(&w.s);
    free(w.s.cache_dir);
    free(w.last);
    rp_watch_close(w.rw);
    romfs_ignore_free(w.ignore);
    cli_mpy_cfg_free(&w.o.mpy);
    return w.fatal ? CLI_FAIL : CLI_OK;
}
