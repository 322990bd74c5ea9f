/* SPDX-License-Identifier: MIT */
/*
 * The directory watcher of platform.h: the OS's native one when there is
 * one (platform_os.h), else the polling watcher below: every interval the
 * tree is walked (links not followed, what the filter leaves out skipped)
 * into a snapshot of each entry's relative path, type, size and
 * modification time, and compared with the last one; the paths that
 * differ are the changes. Used where the OS has no native watcher (the
 * portable-POSIX build without kqueue), where the native one cannot watch
 * the tree, and whenever asked for (the tests run it on Linux too).
 */
#include "platform_os.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define POLL_INTERVAL_MS 100
#define MAX_DEPTH 64

/// Change names and the filter, shared by every backend ///

int rp_watch_excluded(const rp_watch_names_t *c, const char *rel, int is_dir)
{
    return c->filter && *rel && c->filter(c->ctx, rel, is_dir);
}

int rp_watch_names_add(rp_watch_names_t *c, const char *rel, int is_dir)
{
    if (rp_watch_excluded(c, rel, is_dir))
        return 0;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i], rel) == 0)
            return 1;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        char **v = cap <= 4096 ? realloc(c->v, cap * sizeof *v) : NULL;
        if (!v) {
            c->overflow = 1; /* counted, unnamed */
            return 1;
        }
        c->v = v;
        c->cap = cap;
    }
    if (!(c->v[c->n] = strdup(rel)))
        c->overflow = 1;
    else
        c->n++;
    return 1;
}

void rp_watch_names_clear(rp_watch_names_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i]);
    c->n = 0;
    c->overflow = 0;
}

/// The polling watcher ///

typedef struct entry {
    char *rel;
    int type;
    uint64_t size;
    int64_t mtime;
} entry_t;

typedef struct snap {
    entry_t *e;
    size_t n, cap;
    int failed;
} snap_t;

struct rp_poll_watch {
    char *dir;
    rp_watch_names_t *names;
    snap_t last;
};

static void snap_free(snap_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->e[i].rel);
    free(s->e);
    memset(s, 0, sizeof *s);
}

static void walk(const struct rp_poll_watch *w, const char *rel, snap_t *s, int depth)
{
    size_t dl = strlen(w->dir), rl = strlen(rel);
    char *path = malloc(dl + rl + 2);
    if (!path) {
        s->failed = 1;
        return;
    }
    memcpy(path, w->dir, dl);
    path[dl] = '/';
    memcpy(path + dl + 1, rel, rl + 1);
    rp_dirstream_t *d = depth < MAX_DEPTH ? rp_opendir(*rel ? path : w->dir) : NULL;
    free(path);
    for (const char *name; d && (name = rp_readdir(d)) != NULL;) {
        size_t nl = strlen(name);
        char *sub = malloc(rl + nl + 2);
        if (!sub) {
            s->failed = 1;
            break;
        }
        if (rl) {
            memcpy(sub, rel, rl);
            sub[rl] = '/';
            memcpy(sub + rl + 1, name, nl + 1);
        } else {
            memcpy(sub, name, nl + 1);
        }
        rp_stat_t st;
        int known = rp_dirstream_stat(d, &st, 0) == 0;
        if (rp_watch_excluded(w->names, sub, known ? st.type == RP_DIR : -1)) {
            free(sub);
            continue;
        }
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 64;
            entry_t *e = realloc(s->e, cap * sizeof *e);
            if (!e) {
                free(sub);
                s->failed = 1;
                break;
            }
            s->e = e;
            s->cap = cap;
        }
        entry_t *e = &s->e[s->n++];
        e->rel = sub;
        e->type = known ? st.type : 0;
        e->size = known && st.type != RP_DIR ? st.size : 0;
        /* A directory's own time changes with its entries, which are in
         * the snapshot themselves or left out on purpose. */
        e->mtime = known && st.type != RP_DIR ? st.mtime_ns : 0;
        if (known && st.type == RP_DIR)
            walk(w, sub, s, depth + 1); /* may move s->e: e is not used after */
    }
    rp_closedir(d);
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const entry_t *)a)->rel, ((const entry_t *)b)->rel);
}

static void take(const struct rp_poll_watch *w, snap_t *s)
{
    memset(s, 0, sizeof *s);
    walk(w, "", s, 0);
    if (s->n > 1)
        qsort(s->e, s->n, sizeof *s->e, cmp_entry);
}

/* The paths in which a and b differ, into the names: how many counted. */
static int diff(rp_watch_names_t *names, const snap_t *a, const snap_t *b)
{
    size_t i = 0, j = 0;
    int count = 0;
    while (i < a->n || j < b->n) {
        int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->e[i].rel, b->e[j].rel);
        if (c < 0) {
            count += rp_watch_names_add(names, a->e[i].rel, a->e[i].type == RP_DIR);
            i++;
        } else if (c > 0) {
            count += rp_watch_names_add(names, b->e[j].rel, b->e[j].type == RP_DIR);
            j++;
        } else {
            const entry_t *x = &a->e[i], *y = &b->e[j];
            if (x->type != y->type || x->size != y->size || x->mtime != y->mtime)
                count += rp_watch_names_add(names, y->rel, y->type == RP_DIR);
            i++;
            j++;
        }
    }
    return count;
}

struct rp_poll_watch *rp_poll_watch_open(const char *dir, rp_watch_names_t *names)
{
    rp_stat_t st;
    if (rp_stat(dir, &st) != 0)
        return NULL;
    struct rp_poll_watch *w = calloc(1, sizeof *w);
    if (!w || !(w->dir = strdup(dir))) {
        free(w);
        errno = ENOMEM;
        return NULL;
    }
    w->names = names;
    take(w, &w->last);
    return w;
}

int rp_poll_watch_wait(struct rp_poll_watch *w, int timeout_ms)
{
    int64_t end = timeout_ms < 0 ? INT64_MAX : rp_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int64_t left = end == INT64_MAX ? POLL_INTERVAL_MS : (end - rp_monotonic_ns()) / 1000000;
        unsigned slice = left < POLL_INTERVAL_MS ? (left > 0 ? (unsigned)left : 0) : POLL_INTERVAL_MS;
        if (slice && rp_sleep_ms(slice) != 0)
            return -1;  /* a signal: the caller decides */
        snap_t now;
        take(w, &now);
        int count = diff(w->names, &w->last, &now);
        if (now.failed)
            w->names->overflow = 1;
        snap_free(&w->last);
        w->last = now;
        if (count > 0)
            return 1;
        if (end != INT64_MAX && rp_monotonic_ns() >= end)
            return 0;
    }
}

void rp_poll_watch_close(struct rp_poll_watch *w)
{
    if (w) {
        snap_free(&w->last);
        free(w->dir);
        free(w);
    }
}

/// The front: the native watcher, else the poller ///

struct rp_watch {
    struct rp_watch_native *native;
    struct rp_poll_watch *poll;
    rp_watch_names_t names;
};

rp_watch_t *rp_watch_open_filtered(const char *dir, int force_poll, rp_watch_filter_t filter, void *ctx)
{
    rp_watch_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->names.filter = filter;
    w->names.ctx = ctx;
    if (!force_poll)
        w->native = rp_os_watch_open(dir, &w->names);
    if (!w->native && !(w->poll = rp_poll_watch_open(dir, &w->names))) {
        int e = errno;
        free(w);
        errno = e;
        return NULL;
    }
    return w;
}

rp_watch_t *rp_watch_open(const char *dir, int force_poll)
{
    return rp_watch_open_filtered(dir, force_poll, NULL, NULL);
}

int rp_watch_wait(rp_watch_t *w, int timeout_ms)
{
    rp_watch_names_clear(&w->names);
    return w->native ? rp_os_watch_wait(w->native, timeout_ms) : rp_poll_watch_wait(w->poll, timeout_ms);
}

const char *const *rp_watch_changes(const rp_watch_t *w, size_t *n, int *overflow)
{
    *n = w->names.n;
    *overflow = w->names.overflow;
    return (const char *const *)w->names.v;
}

const char *rp_watch_backend(const rp_watch_t *w)
{
    return w->native ? rp_os_watch_name() : "poll";
}

void rp_watch_close(rp_watch_t *w)
{
    if (!w)
        return;
    if (w->native)
        rp_os_watch_close(w->native);
    if (w->poll)
        rp_poll_watch_close(w->poll);
    rp_watch_names_clear(&w->names);
    free(w->names.v);
    free(w);
}
