/* SPDX-License-Identifier: MIT */
/*
 * The watch cycle's core (romfs_board_deploy.h): build the source for the
 * board, deploy it over the connection kept open (the session remembers
 * what it wrote, so later deploys plan against those bytes without asking
 * the board), reopen a board that went away, soft-reset, and run the
 * module, on a thread beside the front end's file watcher: a change
 * cancels the board call it waits in (romfs_board_cancel) and Ctrl-Cs the
 * board. The front end brings the file watcher and the printing
 * (callbacks).
 */
#include "romfs/romfs_board_deploy.h"

#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board_int.h"
#include "platform.h"

#define REOPEN_MS 500
#define ATTEMPTS 3
#define STOPPED 1   /* deploy(): the front end asked to stop */

struct romfs_board_watch {
    romfs_board_watch_opts_t o;
    romfs_dirbuild_opts_t build;
    romfs_board_t *b;         /* open connection, NULL when lost */
    /* The deploy session over this connection: NULL until the first
     * deploy, and after a failure or a reconnection. */
    romfs_session_t *sess;
    /* What the board loads, asked once per connection before a build that
     * compiles (romfs_board_target). */
    romfs_board_target_t target;
    uint8_t *last;            /* the last image deployed */
    size_t last_len;
    int reopens;              /* boards lost by the module since the last change */
    romfs_board_watch_stats_t st;
    /* The module's run (romfs_board_watch_start): its thread while it runs,
     * done set as it ends, and where its output goes. */
    rp_thread_t *runner;
    atomic_int done;
    romfs_board_output_fn fn, err;
    void *fn_ctx;
};

#define say(w, level, ...) board_say((w)->o.message, (w)->o.ctx, level, __VA_ARGS__)

static double now_s(void)
{
    return (double)rp_monotonic_ns() / 1e9;
}

int romfs_board_watch_new(romfs_board_watch_t **out, const romfs_board_watch_opts_t *opts)
{
    romfs_board_watch_t *w = calloc(1, sizeof *w);
    *out = w;
    if (!w)
        return ROMFS_ERR_NOMEM;
    w->o = *opts;
    if (opts->build)
        w->build = *opts->build;
    else
        w->build.mpy = 1;
    return 0;
}

static void drop_board(romfs_board_watch_t *w)
{
    romfs_board_close(w->b);
    w->b = NULL;
    w->target.known = 0;   /* another board may answer next */
    romfs_session_close(w->sess);
    w->sess = NULL;
}

static int open_board(romfs_board_watch_t *w, char *msg, size_t size)
{
    if (w->o.open)
        return w->o.open(w->o.ctx, &w->b, msg, size);
    int r = romfs_board_open(&w->b, w->o.fallback_key, NULL);
    if (r < 0)
        snprintf(msg, size, "%s", romfs_board_errmsg(w->b));
    return r;
}

/* Open the board, retrying until it answers or the front end stops. */
static int ensure_board(romfs_board_watch_t *w)
{
    int told = 0;
    while (!w->b) {
        char msg[700] = "";
        if (open_board(w, msg, sizeof msg) == 0 && w->b) {
            if (romfs_board_interrupt(w->b) == 0)
                return 0;
            snprintf(msg, sizeof msg, "%s", romfs_board_errmsg(w->b));
        }
        if (!told++)
            say(w, ROMFS_BOARD_MSG_ERROR, "%s; retrying until it answers (Ctrl-C stops)", msg);
        romfs_board_close(w->b);
        w->b = NULL;
        if (w->o.wait && w->o.wait(w->o.ctx, REOPEN_MS) < 0)
            return -1;
    }
    return 0;
}

/* The one build for a board: learn what it loads once per connection,
 * before the first build that compiles, even when the options give a
 * -march (the output is checked against the board either way). */
static int build(romfs_board_watch_t *w, uint8_t **img, size_t *len)
{
    romfs_board_t *b = !w->target.known && w->build.mpy && ensure_board(w) == 0 ? w->b : NULL;
    romfs_dirbuild_t *d = NULL;
    int r = romfs_board_build(b, w->o.src, &w->build, &w->target, &d, img, len);
    if (w->o.built)
        w->o.built(w->o.ctx, d, r);
    romfs_dirbuild_free(d);
    return r;
}

static void deployed(const romfs_board_watch_t *w)
{
    const romfs_board_deploy_result_t *r = &w->st.last;
    if (r->res.note[0])
        say(w, ROMFS_BOARD_MSG_INFO, "note: %s", r->res.note);
    say(w, ROMFS_BOARD_MSG_INFO,
        "deployed: wrote %u of %u blocks (%llu bytes on the wire, %u block CRCs asked first, base: %s, %.2fs)",
        r->res.blocks_written, r->res.blocks_total, (unsigned long long)r->wire_bytes, r->res.crcs_asked,
        romfs_session_base_name(r->res.base), r->res.seconds);
}

static void deploy_failed(const romfs_board_watch_t *w, int code)
{
    const romfs_board_deploy_result_t *r = &w->st.last;
    if (r->stage == ROMFS_BOARD_STAGE_DEPLOY)
        say(w, ROMFS_BOARD_MSG_ERROR, "deploy failed: %s", r->error);
    else if (r->stage == ROMFS_BOARD_STAGE_CHECK && code == ROMFS_ERR_OPNOTSUPP && !r->info.has_view)
        say(w, ROMFS_BOARD_MSG_ERROR, "%s: %s (romfs deploy --unverified can)", r->board, r->error);
    else
        say(w, ROMFS_BOARD_MSG_ERROR, "%s: %s", r->board, r->error);
}

/* Deploy img over the kept connection; a board that went away is reopened
 * and deployed to again from what it says. 0, STOPPED, or a negative code. */
static int deploy(romfs_board_watch_t *w, const uint8_t *img, size_t len)
{
    romfs_board_deploy_opts_t o = {.part = w->o.part, .fallback_key = w->o.fallback_key,
                                   .session = {.cache_dir = w->o.cache_dir, .align = w->o.align},
                                   .keep = &w->sess, .message = w->o.message, .ctx = w->o.ctx};
    int r = 0;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (ensure_board(w) < 0)
            return STOPPED;
        romfs_board_deploy_result_free(&w->st.last);
        r = romfs_board_deploy_image(&w->b, img, len, 1, &o, &w->st.last);
        if (r == 0) {
            deployed(w);
            return 0;
        }
        deploy_failed(w, r);
        if (!romfs_board_lost(r))
            return r;
        drop_board(w);   /* lost: reopen and deploy again from what the board says */
        say(w, ROMFS_BOARD_MSG_INFO, "reopening the board");
    }
    return r;
}

/* The soft reset after a deploy (MicroPython's boot mounts /rom again);
 * its boot output to the front end. */
static int reset(romfs_board_watch_t *w)
{
    char *boot = NULL;
    int e = w->o.no_reset ? 0 : romfs_board_soft_reset(w->b, &boot, NULL);
    if (e == ROMFS_ERR_CLOSED)   /* the unix port: the reset ended the process */
        say(w, ROMFS_BOARD_MSG_ERROR, "%s: %s: use --no-reset", romfs_board_describe(w->b), romfs_board_errmsg(w->b));
    else if (e)
        say(w, ROMFS_BOARD_MSG_ERROR, "%s: soft reset: %s", romfs_board_describe(w->b), romfs_board_errmsg(w->b));
    if (e)
        drop_board(w);
    else if (boot && *boot && w->o.output)
        w->o.output(boot, strlen(boot), w->o.ctx);
    romfs_board_free(boot);
    return e;
}

int romfs_board_watch_cycle(romfs_board_watch_t *w)
{
    uint8_t *img = NULL;
    size_t len = 0;
    double t0 = now_s();
    if (build(w, &img, &len) < 0) {
        say(w, ROMFS_BOARD_MSG_INFO, "build failed; the board keeps its image; watching %s", w->o.src);
        return ROMFS_BOARD_WATCH_IDLE;
    }
    if (w->last && w->sess && len == w->last_len && memcmp(img, w->last, len) == 0) {
        free(img);
        say(w, ROMFS_BOARD_MSG_INFO, "image unchanged; watching %s", w->o.src);
        return ROMFS_BOARD_WATCH_IDLE;
    }
    double t1 = now_s();
    int r = deploy(w, img, len);
    if (r != 0) {
        free(img);
        if (r == ROMFS_ERR_ROFS)
            return ROMFS_BOARD_WATCH_FATAL;
        if (r == STOPPED)
            return ROMFS_BOARD_WATCH_STOPPED;
        say(w, ROMFS_BOARD_MSG_INFO, "deploy failed; watching %s", w->o.src);
        return ROMFS_BOARD_WATCH_IDLE;
    }
    free(w->last);
    w->last = img;
    w->last_len = len;
    double t2 = now_s();
    if (reset(w) < 0)
        return ROMFS_BOARD_WATCH_IDLE;
    w->st.build_s = t1 - t0;
    w->st.deploy_s = t2 - t1;
    w->st.reset_s = now_s() - t2;
    return ROMFS_BOARD_WATCH_DEPLOYED;
}

int romfs_board_watch_run(romfs_board_watch_t *w, romfs_board_output_fn fn, romfs_board_output_fn err, void *ctx)
{
    if (!w->b)
        return 3;
    char *tb = NULL;
    int e = romfs_board_run(w->b, w->o.module, 0, fn, ctx, &tb, INT_MAX);
    int status = 0;
    if (e == ROMFS_ERR_RAISED) {
        if (err)
            err(tb ? tb : "", tb ? strlen(tb) : 0, ctx);
        status = 1;
    } else if (e == ROMFS_ERR_CANCELED) {   /* stopped by a change (romfs_board_cancel) */
        status = 3;
    } else if (e) {
        say(w, ROMFS_BOARD_MSG_ERROR, "%s: %s", romfs_board_describe(w->b), romfs_board_errmsg(w->b));
        status = 3;
    }
    romfs_board_free(tb);
    return status;
}

static int runner_main(void *arg)
{
    romfs_board_watch_t *w = arg;
    int rc = romfs_board_watch_run(w, w->fn, w->err, w->fn_ctx);
    atomic_store(&w->done, 1);
    return rc;
}

int romfs_board_watch_start(romfs_board_watch_t *w, romfs_board_output_fn fn, romfs_board_output_fn err, void *ctx)
{
    w->fn = fn;
    w->err = err;
    w->fn_ctx = ctx;
    atomic_store(&w->done, 0);
    int e = rp_thread_start(&w->runner, runner_main, w);
    if (!e)
        return 0;
    w->runner = NULL;
    say(w, ROMFS_BOARD_MSG_ERROR, "cannot start a thread to run %s: %s", w->o.module, strerror(e));
    return ROMFS_ERR_NOMEM;
}

int romfs_board_watch_running(const romfs_board_watch_t *w)
{
    return w->runner != NULL;
}

int romfs_board_watch_reap(romfs_board_watch_t *w)
{
    if (!w->runner || !atomic_load(&w->done))
        return 0;
    int rc = rp_thread_join(w->runner);
    w->runner = NULL;
    if (rc != 0 && rc != 1)   /* a board error: Ctrl-C it back to its prompt */
        romfs_board_watch_interrupt(w, 1);
    return romfs_board_watch_ended(w, rc);
}

void romfs_board_watch_interrupt(romfs_board_watch_t *w, int interrupt)
{
    if (w->runner) {   /* cancel the board call the module's run waits in */
        romfs_board_cancel(w->b, 1);
        rp_thread_join(w->runner);
        w->runner = NULL;
        romfs_board_cancel(w->b, 0);
        interrupt = 1;
    }
    if (interrupt && w->b && romfs_board_interrupt(w->b) != 0)
        drop_board(w);
}

int romfs_board_watch_ended(romfs_board_watch_t *w, int code)
{
    const char *m = w->o.module ? w->o.module : "main";
    if (code == 0)
        say(w, ROMFS_BOARD_MSG_INFO, "%s finished; watching %s", m, w->o.src);
    else if (code == 1)
        say(w, ROMFS_BOARD_MSG_INFO, "%s raised; watching %s", m, w->o.src);
    else
        romfs_board_watch_interrupt(w, 1);   /* the run lost track of the board */
    /* A board that dies under every run is not reopened for ever. */
    return !w->b && w->reopens++ < ATTEMPTS;
}

void romfs_board_watch_changed(romfs_board_watch_t *w)
{
    w->reopens = 0;
}

/// The whole watch ///

typedef struct loop {
    romfs_board_watch_t *w;
    romfs_board_output_fn fn, err;
    void *ctx;
    int fatal;
} loop_t;

/* One cycle, then the module on the core's thread (or "watching"). */
static void loop_cycle(loop_t *l)
{
    romfs_board_watch_t *w = l->w;
    int r = romfs_board_watch_cycle(w);
    l->fatal = r == ROMFS_BOARD_WATCH_FATAL;
    if (r != ROMFS_BOARD_WATCH_DEPLOYED)
        return;
    if (w->o.deployed)
        w->o.deployed(w->o.ctx, &w->st);
    if (w->o.module)
        romfs_board_watch_start(w, l->fn, l->err, l->ctx);
    else
        say(w, ROMFS_BOARD_MSG_INFO, "watching %s", w->o.src);
}

int romfs_board_watch_loop(romfs_board_watch_t *w, romfs_dirwatch_t *files, volatile sig_atomic_t *stop,
                           romfs_board_output_fn fn, romfs_board_output_fn err, void *ctx)
{
    loop_t l = {w, fn, err, ctx, 0};
    loop_cycle(&l);
    while (!*stop && !l.fatal) {
        int r = romfs_dirwatch_wait(files, romfs_board_watch_running(w) ? 50 : 1000);
        if (r < 0)
            break;
        if (r == 0) {
            if (romfs_board_watch_reap(w)) {   /* lost while the module ran: reopen, bring it up to date */
                say(w, ROMFS_BOARD_MSG_INFO, "the board went away; reopening it");
                loop_cycle(&l);
            }
            continue;
        }
        romfs_board_watch_interrupt(w, 0);
        romfs_board_watch_changed(w);
        say(w, ROMFS_BOARD_MSG_INFO, "change detected: deploying %s", w->o.src);
        loop_cycle(&l);
    }
    romfs_board_watch_interrupt(w, 1);   /* interrupt whatever runs; closing then leaves the raw REPL */
    return l.fatal ? ROMFS_BOARD_WATCH_FATAL : 0;
}

romfs_board_t *romfs_board_watch_board(const romfs_board_watch_t *w)
{
    return w->b;
}

const romfs_board_watch_stats_t *romfs_board_watch_stats(const romfs_board_watch_t *w)
{
    return &w->st;
}

void romfs_board_watch_free(romfs_board_watch_t *w)
{
    if (!w)
        return;
    romfs_board_watch_interrupt(w, 0);   /* a module still running */
    romfs_session_close(w->sess);
    romfs_board_close(w->b);
    romfs_board_deploy_result_free(&w->st.last);
    free(w->last);
    free(w);
}
