/* SPDX-License-Identifier: MIT */
/*
 * A source directory into an image, with the build's rules (host library):
 * what `romfs build`, `romfs deploy DIR`, `romfs watch`, `romfs diff DIR`
 * and the Python package do, so a front end brings only its options and
 * its printing.
 *
 * The rules:
 *  - what is left out: the default excludes (romfs_ignore_defaults) unless
 *    no_default_excludes, then SRC/.romfsignore, then each exclude pattern;
 *  - with mpy set, name.py is compiled by mpy-cross (romfs_mpy.h: in
 *    parallel, cached) under its path inside the tree (lib/pkg/core.py)
 *    and stored as name.mpy, unless a name.mpy that is not left out sits
 *    beside it: then both are stored as they are, with a warning (the
 *    board imports the .py and never the .mpy);
 *  - without a compiler, sources are stored as they are, with mpremote's
 *    "Warning: `mpy_cross` module not found" line and a warning;
 *  - boot.py or main.py at the top draws a warning (firmware does not run
 *    them from /rom);
 *  - compiling for a board (opts.board): its -march is added unless the
 *    arguments hold one (a different one draws a warning), and the output
 *    is refused when the board could not load it (romfs_mpy_board_check).
 *
 * Nothing is printed: lines for people go to on_line (mpremote's header
 * and tree lines, as `mpremote romfs build` prints them), warnings to
 * on_warning, and a failure leaves one line in romfs_dirbuild_errmsg.
 */
#ifndef ROMFS_DIRBUILD_H
#define ROMFS_DIRBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs_build.h"
#include "romfs/romfs_export.h"
#include "romfs/romfs_ignore.h"
#include "romfs/romfs_json.h"
#include "romfs/romfs_mpy.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

typedef struct romfs_dirbuild romfs_dirbuild_t;

typedef struct romfs_dirbuild_opts {
    int mpy;                       /* 1: compile .py files (see above) */
    /* The compiler's options: compiler, args, jobs, cache, cancel (which
     * also stops the scan), where to look for mpy-cross. */
    romfs_mpy_opts_t compile;
    /* Why there is no cache directory (compile.cache_dir NULL) or why the
     * front end turned the cache off, in its own words; warned with
     * "; compiling without the cache" once a compiler is found. NULL:
     * only the compiler session's own reason (romfs_mpy_warning). */
    const char *no_cache_reason;
    const char *const *excludes;   /* exclude patterns (gitignore syntax), in order */
    size_t nexcludes;
    int no_default_excludes;
    /* Refused when it lies inside the source (may be NULL). */
    const char *output_path;
    /* Compile for this board (NULL: for none; see above). */
    const romfs_mpy_board_t *board;
    /* mpremote's lines (header, tree, the missing-compiler line), without
     * a newline. May be NULL. */
    void (*on_line)(void *ctx, const char *line);
    /* One warning, without a prefix or newline. May be NULL. */
    void (*on_warning)(void *ctx, const char *msg);
    /* Each path left out and the rule that did (romfs_dirscan_opts_t). */
    void (*on_excluded)(void *ctx, const char *rel_path, const char *rule, const char *origin);
    void *ctx;
} romfs_dirbuild_opts_t;

typedef struct romfs_dirbuild_result {
    unsigned compiled;      /* sources compiled or served from the cache */
    unsigned missed;        /* .py files stored as source for lack of a compiler */
    unsigned mpy_version;   /* what the compiler emits; 0 when none started or it does not say */
    unsigned mpy_sub;
    int interrupted;        /* stopped by compile.cancel */
} romfs_dirbuild_result_t;

/* A build with opts (copied; its strings and arrays must outlive the
 * build). NULL when out of memory. One run per build. */
romfs_dirbuild_t *romfs_dirbuild_new(const romfs_dirbuild_opts_t *opts);

/* Add directory src to b's current directory with the rules above (use a
 * builder with keep_order set: entries come in source order, as mpremote
 * stores them). 0; -EINTR when cancelled (no message); another negative
 * error with romfs_dirbuild_errmsg naming the path. */
int romfs_dirbuild_run(romfs_dirbuild_t *d, romfs_builder_t *b, const char *src);

/* romfs_dirbuild_run into a new builder with bopts (NULL: keep_order, the
 * reference layout), written into memory: *img is malloc'd. */
int romfs_dirbuild_image(romfs_dirbuild_t *d, const char *src, const romfs_build_opts_t *bopts, uint8_t **img,
                         size_t *len);

const romfs_dirbuild_result_t *romfs_dirbuild_result(const romfs_dirbuild_t *d);
/* The compile session (path, version, stats, the compiler's own message
 * after a failed compile), or NULL when not compiling or none was found. */
romfs_mpy_t *romfs_dirbuild_compiler(const romfs_dirbuild_t *d);
const char *romfs_dirbuild_errmsg(const romfs_dirbuild_t *d);
/* A finished build as `romfs build --json` prints it, one object and a
 * newline: the image's path and size, the compiler (path, version,
 * sources, compiled, cached, corrupt cache entries, jobs; null when none
 * ran) and the sources stored for lack of one, through write
 * (romfs_json.h). 0, or write's first error. */
int romfs_dirbuild_json(const romfs_dirbuild_t *d, const char *image, uint64_t image_size, romfs_json_write_fn write,
                        void *ctx);
/* The compiler's line `romfs build -v` prints after a build that compiled
 * ("mpy-cross: PATH (VERSION): N sources, C compiled, K cached, -jJ", no
 * newline) in buf[0..cap); its length (snprintf's), or 0 and "" when
 * nothing was compiled. */
int romfs_dirbuild_compiler_line(const romfs_dirbuild_t *d, char *buf, size_t cap);
void romfs_dirbuild_free(romfs_dirbuild_t *d);

/* What a front end read from its environment for a build (the library
 * reads none). Any may be NULL. */
typedef struct romfs_dirbuild_env {
    const char *cache_home;   /* the user's cache home ($XDG_CACHE_HOME, else $HOME/.cache) */
    const char *cache_max;    /* $ROMFS_MPY_CACHE_MAX: romfs_mpy_parse_bytes's form; NULL or "": the default */
    const char *mpy_cross;    /* $MPY_CROSS */
    const char *path;         /* $PATH */
    const char *tmpdir;       /* $TMPDIR */
} romfs_dirbuild_env_t;

/* Fill o->compile's cache and compiler lookup from env, as `romfs build`
 * does: the cache CACHE_HOME/romfs/mpy (its path written into
 * cache_dir[cap]) bounded by cache_max; unless o->compile.no_cache, a
 * cache_max that is no byte count or a missing cache home leaves the
 * cache off with o->no_cache_reason saying why (written into why[wcap]). */
void romfs_dirbuild_opts_env(romfs_dirbuild_opts_t *o, const romfs_dirbuild_env_t *env, char *cache_dir,
                             size_t cap, char *why, size_t wcap);

/* For a front end that gathers repeated options one at a time: append
 * arg to o->compile.args (ROMFS_DIRBUILD_ARG) or o->excludes
 * (ROMFS_DIRBUILD_EXCLUDE). The array is then malloc'd and owned by o
 * (never mix with an array of the caller's); the strings are not copied.
 * 0, or ROMFS_ERR_NOMEM. */
enum { ROMFS_DIRBUILD_ARG = 1, ROMFS_DIRBUILD_EXCLUDE };
int romfs_dirbuild_opts_add(romfs_dirbuild_opts_t *o, int which, const char *arg);
/* Release the arrays romfs_dirbuild_opts_add made (both emptied). */
void romfs_dirbuild_opts_release(romfs_dirbuild_opts_t *o);

/* What a build of src leaves out (the first rule above), into *out. 0,
 * or a negative error with one line in msg (an unreadable .romfsignore,
 * out of memory). */
int romfs_dirbuild_rules(romfs_ignore_t **out, const char *src, const char *const *excludes, size_t nexcludes,
                         int no_default_excludes, char *msg, size_t cap);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_DIRBUILD_H */
