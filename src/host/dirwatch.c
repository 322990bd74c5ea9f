/* SPDX-License-Identifier: MIT */
/*
 * A source directory watched for the changes its build would see
 * (romfs_dirwatch.h): the platform watcher (rp_watch) filtered by the
 * build's rules, the rules reloaded when .romfsignore changes, and the
 * debounce that makes an editor's several saves one change.
 */
#include "romfs/romfs_dirwatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "romfs/romfs.h"

#define DEBOUNCE_CAP_MS 2000   /* a tree that never goes quiet still changes */

struct romfs_dirwatch {
    romfs_dirwatch_opts_t o;
    romfs_dirbuild_opts_t build;
    rp_watch_t *rw;
    romfs_ignore_t *ignore;   /* what the build leaves out: changes there are not changes */
};

static int stopped(const romfs_dirwatch_t *w)
{
    return w->o.stop && *w->o.stop;
}

/* The rules of a build of the source (romfs_dirbuild_rules). */
static int rules(const romfs_dirwatch_t *w, romfs_ignore_t **ig, char *msg, size_t cap)
{
    return romfs_dirbuild_rules(ig, w->o.src, w->build.excludes, w->build.nexcludes, w->build.no_default_excludes,
                                msg, cap);
}

/* The watcher's filter: 1 when rel (relative to the source) is left out
 * of the build (editor swap files, .git/ and the like), so its changes are
 * no changes. .romfsignore itself always counts: it changes the rules. */
static int leave_out(void *ctx, const char *rel, int is_dir)
{
    const romfs_dirwatch_t *w = ctx;
    if (!w->ignore || strcmp(rel, ".romfsignore") == 0)
        return 0;
    return romfs_ignore_path(w->ignore, rel, strlen(rel), is_dir > 0);
}

/* After a wait that saw changes: new rules when .romfsignore changed (or
 * the watcher lost names). */
static void note_changes(romfs_dirwatch_t *w)
{
    size_t n;
    int overflow;
    const char *const *names = rp_watch_changes(w->rw, &n, &overflow);
    int reload = overflow;
    for (size_t i = 0; i < n && !reload; i++)
        reload = strcmp(names[i], ".romfsignore") == 0;
    if (!reload)
        return;
    romfs_ignore_t *ig;
    char msg[512];
    if (rules(w, &ig, msg, sizeof msg) < 0) {
        if (w->o.on_error)
            w->o.on_error(w->o.ctx, msg);
        return;
    }
    romfs_ignore_free(w->ignore);
    w->ignore = ig;
}

/* 1 when path is a directory; else 0 with errno set (the native watchers
 * take a missing root for an empty tree, so it is checked first). */
static int a_directory(const char *path)
{
    rp_stat_t st;
    if (rp_stat(path, &st) != 0)
        return 0;
    if (st.type != RP_DIR)
        errno = ENOTDIR;
    return st.type == RP_DIR;
}

int romfs_dirwatch_open(romfs_dirwatch_t **out, const romfs_dirwatch_opts_t *opts, char *msg, size_t cap)
{
    romfs_dirwatch_t *w = calloc(1, sizeof *w);
    *out = NULL;
    if (!w) {
        snprintf(msg, cap, "out of memory");
        return ROMFS_ERR_NOMEM;
    }
    w->o = *opts;
    if (opts->build)
        w->build = *opts->build;
    int r = rules(w, &w->ignore, msg, cap);
    if (r == 0 && a_directory(w->o.src))
        w->rw = rp_watch_open_filtered(w->o.src, w->o.force_poll, leave_out, w);
    if (r == 0 && !w->rw) {
        int e = errno;
        snprintf(msg, cap, "%s: cannot watch: %s", w->o.src, strerror(e));
        r = e == ENOMEM ? ROMFS_ERR_NOMEM : e == ENOENT ? ROMFS_ERR_NOENT : ROMFS_ERR_IO;
    }
    if (r < 0) {
        romfs_dirwatch_close(w);
        return r;
    }
    *out = w;
    return 0;
}

int romfs_dirwatch_wait(romfs_dirwatch_t *w, int timeout_ms)
{
    int r = rp_watch_wait(w->rw, timeout_ms);
    if (stopped(w))
        return -1;
    if (r < 0 && errno != EINTR)
        return -1;
    if (r <= 0)
        return 0;
    note_changes(w);
    int64_t cap = rp_monotonic_ms() + DEBOUNCE_CAP_MS;
    while (!stopped(w) && rp_monotonic_ms() < cap && (r = rp_watch_wait(w->rw, w->o.debounce_ms)) > 0)
        note_changes(w);
    if (r < 0 && errno != EINTR)
        return -1;
    return stopped(w) ? -1 : 1;
}

const char *romfs_dirwatch_backend(const romfs_dirwatch_t *w)
{
    return rp_watch_backend(w->rw);
}

void romfs_dirwatch_close(romfs_dirwatch_t *w)
{
    if (!w)
        return;
    rp_watch_close(w->rw);
    romfs_ignore_free(w->ignore);
    free(w);
}
