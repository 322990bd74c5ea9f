/* SPDX-License-Identifier: MIT */
/*
 * A source directory watched for the changes a build would see (host
 * library): what `romfs watch` waits on between deploys, for any front end
 * (an IDE plugin, a test rig) that redeploys on an edit.
 *
 * The tree is watched through the platform's own watcher (inotify,
 * ReadDirectoryChangesW, kqueue) or a polling one; what the build leaves
 * out (romfs_dirbuild_rules: the default excludes, SRC/.romfsignore, the
 * exclude patterns) is no change, and a change to .romfsignore reloads
 * those rules. A change is debounced: a wait returns once the tree has
 * been quiet for debounce_ms (at most two seconds after the first event),
 * so an editor saving several files makes one change.
 *
 *     romfs_dirwatch_opts_t o = {.src = "app", .build = &build_opts, .debounce_ms = 50};
 *     romfs_dirwatch_t *w;
 *     char msg[512];
 *     if (romfs_dirwatch_open(&w, &o, msg, sizeof msg) < 0)
 *         fprintf(stderr, "%s\n", msg);
 *     while (romfs_dirwatch_wait(w, -1) >= 0)
 *         redeploy();
 *
 * Nothing here prints or reads the environment.
 */
#ifndef ROMFS_DIRWATCH_H
#define ROMFS_DIRWATCH_H

#include <signal.h>
#include <stddef.h>

#include "romfs/romfs_dirbuild.h"
#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

typedef struct romfs_dirwatch romfs_dirwatch_t;

typedef struct romfs_dirwatch_opts {
    const char *src;                    /* the source directory (must outlive the watch) */
    /* The build whose rules say what is left out: excludes, nexcludes,
     * no_default_excludes are read, the patterns kept (they must outlive
     * the watch; NULL: the default excludes only). */
    const romfs_dirbuild_opts_t *build;
    int debounce_ms;                    /* quiet time that ends a change */
    int force_poll;                     /* the polling watcher even where the OS has its own */
    /* Nonzero: waits return -1 (a signal handler's flag; no SA_RESTART,
     * so a wait is interrupted at once). May be NULL. */
    volatile sig_atomic_t *stop;
    /* .romfsignore changed but cannot be read: one line (no newline); the
     * old rules stay. May be NULL. */
    void (*on_error)(void *ctx, const char *line);
    void *ctx;
} romfs_dirwatch_opts_t;

/* Watch opts->src (opts copied). 0, or a negative ROMFS_ERR_* code with
 * one line in msg: the rules could not be read, or "SRC: cannot watch:
 * REASON". */
int romfs_dirwatch_open(romfs_dirwatch_t **out, const romfs_dirwatch_opts_t *opts, char *msg, size_t cap);

/* Wait up to timeout_ms (-1: for ever) for a change the build would see,
 * then until the tree is quiet. 1: changed; 0: timeout (or a signal that
 * did not stop the watch); -1: *stop was set, or the watcher failed. */
int romfs_dirwatch_wait(romfs_dirwatch_t *w, int timeout_ms);

/* The watcher in use: "inotify", "ReadDirectoryChangesW", "kqueue" or "poll". */
const char *romfs_dirwatch_backend(const romfs_dirwatch_t *w);

/* NULL is allowed. */
void romfs_dirwatch_close(romfs_dirwatch_t *w);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_DIRWATCH_H */
