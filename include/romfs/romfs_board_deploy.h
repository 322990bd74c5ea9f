/* SPDX-License-Identifier: MIT */
/*
 * libromfs boards: the deploy and the watch cycle as library calls, so a
 * front end (the `romfs` command, the Python binding, an IDE plugin, a
 * production rig) deploys and watches the way `romfs deploy` and `romfs
 * watch` do and brings only its own printing (and, for the watch, a file
 * watcher: romfs_dirwatch.h is one).
 *
 * romfs_board_deploy_dir / _image: one deploy over an open board: probe
 * the partition, build a directory for what the board loads (the one
 * build for a board, romfs_board_build), refuse what cannot be verified,
 * run the deploy session (romfs_session.h: stable layout, incremental,
 * verified before the commit, power-safe), and when the link failed after
 * the commit, reconnect and check what the partition holds instead of
 * guessing. Then /rom is mounted again and the board's globals restored.
 *
 *     romfs_board_deploy_opts_t o = {.part = 0, .fallback_key = spec};
 *     romfs_board_deploy_result_t r;
 *     if (romfs_board_deploy_dir(&b, "app", &o, &r) < 0)
 *         fprintf(stderr, "%s\n", r.error);
 *     romfs_board_deploy_result_free(&r);
 *
 * romfs_board_watch_*: the watch cycle's core. The front end watches the
 * files (romfs_dirwatch.h), and says "something changed" by calling
 * romfs_board_watch_cycle; the core builds, deploys over the connection it
 * keeps (reopening a board that went away), soft-resets, runs the module
 * beside the front end (romfs_board_watch_start) and stops it on the next
 * change, and says what happened through callbacks.
 *
 * Nothing here prints, reads the environment or keeps global state.
 */
#ifndef ROMFS_BOARD_DEPLOY_H
#define ROMFS_BOARD_DEPLOY_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs_board.h"
#include "romfs/romfs_dirbuild.h"
#include "romfs/romfs_dirwatch.h"
#include "romfs/romfs_export.h"
#include "romfs/romfs_json.h"
#include "romfs/romfs_session.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/// Messages ///

/* One human line for the front end (no newline): what happened (INFO),
 * a warning (WARN), or an error the call also returns (ERROR). */
enum { ROMFS_BOARD_MSG_INFO, ROMFS_BOARD_MSG_WARN, ROMFS_BOARD_MSG_ERROR };
typedef void (*romfs_board_msg_fn)(void *ctx, int level, const char *line);

/// Deploys ///

typedef struct romfs_board_deploy_opts {
    int part;                       /* ROM partition index */
    const char *fallback_key;       /* cache key of a board without a unique id: the device spec (NULL: "auto") */
    /* cache_dir, full, nor, allow_unverified, align, compact, sized. */
    romfs_session_opts_t session;
    /* Directories: built with these options (NULL: defaults) for what the
     * board loads; target as romfs_board_build's (NULL: asked now). */
    const romfs_dirbuild_opts_t *build;
    romfs_board_target_t *target;
    /* Several deploys over one connection (a watch): the session is kept in
     * *keep (NULL at first) so the next deploy plans against the image this
     * one wrote; closed (NULL) after a failure. NULL: one session per call. */
    romfs_session_t **keep;
    /* After a failure past the commit: open the board again (the link is
     * gone) so the partition can be checked. NULL: no re-check. */
    int (*reopen)(void *ctx, romfs_board_t **b);
    /* started 1: the partition is about to be written (board names it);
     * 0: writing is over. May be NULL. */
    void (*writing)(void *ctx, const char *board, int started);
    romfs_board_msg_fn message;     /* warnings; may be NULL */
    void *ctx;
} romfs_board_deploy_opts_t;

/* Where a deploy stopped. */
enum {
    ROMFS_BOARD_STAGE_PROBE = 1,    /* the partition could not be probed (romfs_board_errmsg) */
    ROMFS_BOARD_STAGE_BUILD,        /* the directory did not build (build's errmsg) */
    ROMFS_BOARD_STAGE_CHECK,        /* the board or partition cannot take a verified deploy */
    ROMFS_BOARD_STAGE_DEPLOY,       /* the session failed (res.error, res.state) */
    ROMFS_BOARD_STAGE_DONE,
};

typedef struct romfs_board_deploy_result {
    int stage;                      /* ROMFS_BOARD_STAGE_DONE on success */
    romfs_session_result_t res;     /* the session's figures (stage DEPLOY and DONE) */
    romfs_board_info_t info;        /* the probe's answer */
    uint32_t block_size;            /* the session's erase block */
    uint64_t wire_bytes;            /* sent to the board by the deploy (probe and build excluded) */
    char board[256];                /* romfs_board_describe of the board */
    /* 1: the link failed after the commit and the partition was checked
     * over a new connection (the old handle was closed: *b is NULL). */
    int reconnected;
    /* A directory's build (errmsg, result, compiler's output), also after
     * it failed; romfs_board_deploy_result_free frees it. */
    romfs_dirbuild_t *build;
    char error[800];                /* one line when the call failed */
} romfs_board_deploy_result_t;

/* Deploy directory dir, built for the board (opts->build) after the
 * probe, to partition opts->part of *b. 0 with *r filled, or a negative
 * ROMFS_ERR_* code with r->error one line and r->stage where it stopped.
 * *b is closed and set NULL when the link failed after the commit; with a
 * reopen callback the partition is then checked: a partition that holds
 * the complete new image makes the deploy a success (r->reconnected,
 * res.verified, a warning, res.note says so). */
int romfs_board_deploy_dir(romfs_board_t **b, const char *dir, const romfs_board_deploy_opts_t *opts,
                           romfs_board_deploy_result_t *r);

/* The same for an image in memory: tree 1 when img is a built tree (laid
 * out in the stable layout against what the board holds), 0 to deploy
 * img as it is. */
int romfs_board_deploy_image(romfs_board_t **b, const uint8_t *img, size_t len, int tree,
                             const romfs_board_deploy_opts_t *opts, romfs_board_deploy_result_t *r);

void romfs_board_deploy_result_free(romfs_board_deploy_result_t *r);

/* r as `romfs deploy --json` prints it: one JSON object and a newline
 * (device, partition, sizes, blocks, wire and board bytes, verified,
 * seconds, unique_id, the stable layout's file counts, note), through
 * write (romfs_json.h). 0, or write's first error. */
int romfs_board_deploy_json(const romfs_board_deploy_result_t *r, romfs_json_write_fn write, void *ctx);

/* r for people, as `romfs deploy` prints it after the transfer: the
 * session's note, the blocks written and skipped (wire bytes, seconds),
 * the stable layout's file counts; one line each, through write.
 * romfs_board_deploy_sizes_text: mpremote's two lines before the transfer
 * (the image's size, the partition's size and blocks), for the session's
 * sized callback. 0, or write's first error. */
int romfs_board_deploy_text(const romfs_board_deploy_result_t *r, romfs_json_write_fn write, void *ctx);
int romfs_board_deploy_sizes_text(const romfs_board_deploy_result_t *r, size_t image_len, romfs_json_write_fn write,
                                  void *ctx);

/* The progress bar `romfs deploy` draws on a terminal, for the board's
 * progress callback: set t0 (seconds, any monotonic clock) before the
 * transfer, then on each call pass the bytes done of total and the time.
 * Fills buf (NUL-terminated, cut to size) with "\r[####    ] done / total
 * rate/s  ETA Ns " and returns 1, or returns 0 when less than 0.1 s passed
 * since the last bar and the transfer is not over (nothing to draw). The
 * last bar (done >= total) ends with "\r\033[K", erasing itself. */
typedef struct romfs_board_progress {
    double t0, last;
    int drawn;
} romfs_board_progress_t;
int romfs_board_progress_text(romfs_board_progress_t *p, uint64_t done, uint64_t total, double now, char *buf,
                              size_t size);

/* 1 when a deploy's code says the connection is gone (closed, silent, or
 * answering nonsense): reopen the board and deploy again. */
int romfs_board_lost(int code);

/// The watch cycle ///

typedef struct romfs_board_watch romfs_board_watch_t;
struct romfs_board_watch_stats;   /* below */

typedef struct romfs_board_watch_opts {
    const char *src;                /* the source directory */
    const romfs_dirbuild_opts_t *build; /* its build options (copied) */
    int part;
    uint32_t align;
    const char *cache_dir;          /* the deploy cache (NULL: none) */
    const char *fallback_key;       /* as romfs_board_deploy_opts_t's */
    const char *module;             /* run after each deploy (NULL: none) */
    int no_reset;                   /* no soft reset after a deploy */
    /* Open the board (0, or a code with one line in msg). */
    int (*open)(void *ctx, romfs_board_t **b, char *msg, size_t size);
    /* Wait up to ms while retrying to open the board: negative when the
     * front end wants to stop (Ctrl-C). */
    int (*wait)(void *ctx, int ms);
    /* A build ended (r < 0: failed): for the front end to report the
     * compiler's output. May be NULL. */
    void (*built)(void *ctx, romfs_dirbuild_t *d, int r);
    romfs_board_msg_fn message;     /* status lines (INFO), warnings, errors */
    romfs_board_output_fn output;   /* the board's boot output */
    void *ctx;
    /* romfs_board_watch_loop deployed (the cycle's figures, before the
     * module starts). May be NULL. */
    void (*deployed)(void *ctx, const struct romfs_board_watch_stats *st);
} romfs_board_watch_opts_t;

/* What a cycle did. */
enum {
    ROMFS_BOARD_WATCH_IDLE = 0,     /* nothing to run: build or deploy failed, image unchanged */
    ROMFS_BOARD_WATCH_DEPLOYED,     /* deployed (and reset): run the module now, if any */
    ROMFS_BOARD_WATCH_FATAL,        /* the board can never take a deploy (read-only partition): stop */
    ROMFS_BOARD_WATCH_STOPPED,      /* opts.wait asked to stop */
};

/* Figures of the last cycle. */
typedef struct romfs_board_watch_stats {
    double build_s, deploy_s, reset_s;
    romfs_board_deploy_result_t last;   /* the last deploy's result (no build) */
} romfs_board_watch_stats_t;

/* A watch over opts (copied; its strings must outlive the watch). */
int romfs_board_watch_new(romfs_board_watch_t **out, const romfs_board_watch_opts_t *opts);

/* One cycle: build, deploy (reopening a board that went away, up to three
 * attempts), soft reset (unless no_reset). A ROMFS_BOARD_WATCH_* value. */
int romfs_board_watch_cycle(romfs_board_watch_t *w);

/* The module (opts.module) imported afresh from /rom, its output to fn as
 * it arrives: 0 when it ran, 1 when it raised (the traceback to err, as
 * fn), 3 on a board error (a message) or when cancelled. Blocks until it
 * ends. */
int romfs_board_watch_run(romfs_board_watch_t *w, romfs_board_output_fn fn, romfs_board_output_fn err, void *ctx);

/* romfs_board_watch_run on a thread of its own, so the front end keeps
 * watching its files meanwhile (fn and err are called on that thread).
 * 0, or an error code after a message. While it runs, the front end calls
 * only romfs_board_watch_running, _reap and _interrupt. */
int romfs_board_watch_start(romfs_board_watch_t *w, romfs_board_output_fn fn, romfs_board_output_fn err, void *ctx);

/* 1 while a module started by romfs_board_watch_start has not been reaped
 * or stopped. */
int romfs_board_watch_running(const romfs_board_watch_t *w);

/* Poll: when the started module's run ended by itself, collect it and
 * return romfs_board_watch_ended's answer (1: run a cycle to reopen the
 * board). 0 while it runs, or when none was started. */
int romfs_board_watch_reap(romfs_board_watch_t *w);

/* The module's run ended with code (romfs_board_watch_run's; anything
 * else: it was killed). Says so; 1 when the board went away meanwhile and
 * a cycle should reopen it (not more than three times between changes). */
int romfs_board_watch_ended(romfs_board_watch_t *w, int code);

/* A change arrived (or a stop): stop the module started by
 * romfs_board_watch_start (cancel the board call it waits in) and Ctrl-C
 * the board back to its prompt; with no module running, only when
 * interrupt is 1 (a front end that ran it its own way and stopped it). A
 * board that does not come back is reopened by the next cycle. */
void romfs_board_watch_interrupt(romfs_board_watch_t *w, int interrupt);

/* A change arrived: the next cycle may reopen the board afresh. */
void romfs_board_watch_changed(romfs_board_watch_t *w);

/* The whole watch as `romfs watch` runs it, over files (romfs_dirwatch.h):
 * a cycle now and one after every change. After each deploy the module
 * (opts.module) runs on the core's thread, its output to fn and err, and
 * a change stops it; a board the module lost is reopened ("the board went
 * away; reopening it"). Status lines through opts.message (INFO):
 * "watching SRC" after a deploy without a module, "change detected:
 * deploying SRC". Returns when *stop is set or files fail (0), or when
 * the board can never take a deploy (ROMFS_BOARD_WATCH_FATAL); a module
 * still running is stopped and the board Ctrl-C'd back to its prompt. */
int romfs_board_watch_loop(romfs_board_watch_t *w, romfs_dirwatch_t *files, volatile sig_atomic_t *stop,
                           romfs_board_output_fn fn, romfs_board_output_fn err, void *ctx);

romfs_board_t *romfs_board_watch_board(const romfs_board_watch_t *w);
const romfs_board_watch_stats_t *romfs_board_watch_stats(const romfs_board_watch_t *w);

/* Close the board (leaving its REPL as found) and free. NULL is allowed. */
void romfs_board_watch_free(romfs_board_watch_t *w);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_BOARD_DEPLOY_H */
