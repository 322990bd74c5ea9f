/* SPDX-License-Identifier: MIT */
/*
 * libromfs deploy sessions: everything `romfs deploy` does between "a board
 * is connected" and "here is what happened", as a library, so that another
 * front end (`romfs watch`, a multi-board rig, an IDE plugin) deploys the
 * same way without the CLI.
 *
 * A session wraps one connected board, given as the engine's device ops
 * (romfs_deploy_ops_t) plus what the caller's probe learnt about the
 * partition. Each deploy:
 *  1. finds what the board holds: its header (read op), then the CRCs of
 *     only the blocks the old and new images span;
 *  2. chooses a base to lay a tree out against, trusting nothing unchecked:
 *     the image this session deployed last; else the host cache, used only
 *     when the board's CRCs confirm it; else the layout read from the board
 *     itself (its tree blocks, and file data where block CRCs match);
 *  3. lays the image out (stable layout; the packed one when that does not
 *     fit, said in res->note), plans against the board's CRCs, runs the
 *     verify-then-commit engine (romfs_deploy.h), updates the cache.
 * The board's bytes are the truth: the base only decides how much is
 * rewritten, never what ends up on the board.
 *
 *     romfs_session_t *s;
 *     romfs_session_open(&s, &ops, &board, &opts);
 *     romfs_session_result_t res;
 *     if (romfs_session_deploy(s, img, len, 1, &res) < 0)
 *         fprintf(stderr, "%s\n", res.error);
 *     romfs_session_close(s);
 */
#ifndef ROMFS_SESSION_H
#define ROMFS_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs_deploy.h"
#include "romfs/romfs_layout.h"
#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/// Definitions ///

/* What the caller's probe learnt about the board. Strings are the board's
 * answers, untrusted: they are only ever hashed, never used as paths. */
typedef struct romfs_session_board {
    int part;                 /* ROM partition index */
    uint64_t part_size;       /* bytes (at most 4 GiB - 1) */
    uint32_t block_size;      /* erase block (0: the whole partition is one) */
    const char *unique_id;    /* machine.unique_id() as answered; NULL/"": none */
    const char *fallback_key; /* cache key without a unique id (the device spec) */
    int slow_crcs;            /* block_crcs reads every byte back (no crc32 on the
                                 board): rewrite everything rather than compare */
} romfs_session_board_t;

typedef struct romfs_session_opts {
    const char *cache_dir;    /* base-image cache (romfs_session_cache_dir()); NULL: none */
    int full;                 /* rewrite every block, lay a tree out afresh */
    int nor;                  /* NOR flash: commit by programming the magic alone */
    int allow_unverified;     /* deploy even when the device cannot read back */
    uint32_t align;           /* romfs_layout_opts_t.align */
    uint32_t compact;         /* romfs_layout_opts_t.compact_percent */
    /* Called once the image to deploy is known (laid out), before anything
     * is written and before it is checked against the partition: what
     * mpremote prints first ("Image size is ..."). May be NULL. */
    void (*sized)(void *ctx, size_t image_len);
    void *sized_ctx;
} romfs_session_opts_t;

/* How the deployed image was laid out. */
typedef enum romfs_session_layout {
    ROMFS_SESSION_LAYOUT_STABLE = 0,  /* the stable layout against the base */
    ROMFS_SESSION_LAYOUT_PACKED,      /* a tree whose stable layout failed or did not fit */
    ROMFS_SESSION_LAYOUT_ASIS,        /* an image, deployed as it is */
} romfs_session_layout_t;

/* What the layout was planned against. */
typedef enum romfs_session_base {
    ROMFS_SESSION_BASE_NONE = 0,
    ROMFS_SESSION_BASE_SESSION,       /* the image this session deployed last */
    ROMFS_SESSION_BASE_CACHE,         /* the host cache, confirmed by the board's CRCs */
    ROMFS_SESSION_BASE_BOARD,         /* the layout read from the board itself */
} romfs_session_base_t;

typedef struct romfs_session_result {
    size_t image_len;         /* bytes deployed */
    romfs_session_layout_t layout;
    romfs_session_base_t base;
    romfs_layout_stats_t lst; /* layout statistics (layout "stable") */
    uint32_t blocks_total, blocks_written, blocks_skipped;
    uint64_t bytes_programmed;
    uint32_t erase_ops, write_ops;
    uint64_t bytes_read;      /* board bytes read to learn its layout */
    uint32_t crcs_asked;      /* block CRCs asked of the board before the deploy */
    double seconds;
    int verified;             /* every written block was read back and matched */
    romfs_deploy_state_t state;
    int32_t bad_block;        /* first block that read back wrong, or -1 */
    char note[320];           /* why the base or layout is what it is ("" none) */
    char error[400];          /* one line when the deploy failed */
} romfs_session_result_t;

typedef struct romfs_session romfs_session_t;

/// Sessions ///

/* Open a session over ops (copied; ops->ctx must outlive the session) for
 * the board described. Returns 0, ROMFS_ERR_INVAL for an unusable geometry
 * (res-less: the caller names the board), ROMFS_ERR_NOMEM. */
int romfs_session_open(romfs_session_t **out, const romfs_deploy_ops_t *ops, const romfs_session_board_t *board,
                       const romfs_session_opts_t *opts);

/* Deploy img (len bytes). tree: img is a built tree (reference layout) to
 * lay out in the stable layout; 0: deploy img as it is. Returns 0 with res
 * filled, or a negative code with res->error one line and res->state what
 * the partition holds. ROMFS_ERR_NOSPC: too big, nothing written. */
int romfs_session_deploy(romfs_session_t *s, const uint8_t *img, size_t len, int tree, romfs_session_result_t *res);

/* The image this session deployed, or tried to, last (the laid-out bytes);
 * NULL before the first deploy. Owned by the session. */
const uint8_t *romfs_session_image(const romfs_session_t *s, size_t *len);

/* Whether the board holds exactly img now: after a deploy failed with
 * res->state ROMFS_DEPLOY_COMMITTED, open a session over the reconnected
 * board and ask it about romfs_session_image() of the failed one.
 * 1 yes, 0 no, negative: device error. */
int romfs_session_holds(romfs_session_t *s, const uint8_t *img, size_t len);

void romfs_session_close(romfs_session_t *s);

/* "stable", "packed", "as-is"; "none", "session", "cache", "board" (the
 * names the command prints). */
const char *romfs_session_layout_name(romfs_session_layout_t layout);
const char *romfs_session_base_name(romfs_session_base_t base);

/// Cache ///

/* CACHE_HOME/romfs/deploy, created (cache_home: the user's cache
 * directory, $XDG_CACHE_HOME or ~/.cache, as the caller finds it);
 * malloc'd, or NULL when cache_home is NULL or "" or it cannot be made. */
char *romfs_session_cache_dir(const char *cache_home);

/* The cache key of a board: hex SHA-256 of its unique id (else of the
 * fallback key) and partition, so no board answer reaches a file name. */
void romfs_session_cache_key(const romfs_session_board_t *board, char out[65]);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_SESSION_H */
