/* SPDX-License-Identifier: MIT */
/*
 * The directory watcher of platform.h: the OS's native one when there is
 * one (platform_os.h), else the polling watcher below: every interval the tree
 * is walked (links not followed) and a digest of each entry's relative
 * path, type, size and modification time compared with the last one. Used
 * where the OS has no native watcher (the portable-POSIX build, macOS for
 * now) and whenever asked for (the tests run it on Linux too).
 */
#include "platform_os.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define POLL_INTERVAL_MS 100
#define MAX_DEPTH 64

struct rp_poll_watch {
    char *dir;
    uint64_t digest;
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL; /* FNV-1a */
    return h;
}

static uint64_t walk(const char *path, size_t root_len, uint64_t h, int depth)
{
    rp_dirstream_t *d = depth < MAX_DEPTH ? rp_opendir(path) : NULL;
    if (!d)
        return mix(h, "!", 1);
    size_t pl = strlen(path);
    for (const char *name; (name = rp_readdir(d)) != NULL;) {
        size_t nl = strlen(name);
        char *sub = malloc(pl + nl + 2);
        if (!sub)
            break;
        memcpy(sub, path, pl);
        sub[pl] = '/';
        memcpy(sub + pl + 1, name, nl + 1);
        rp_stat_t st;
        h = mix(h, sub + root_len, strlen(sub + root_len) + 1);
        if (rp_lstat(sub, &st) == 0) {
            int64_t mt = st.mtime_ns;
            uint64_t sz = st.type == RP_DIR ? 0 : st.size;
            h = mix(h, &st.type, sizeof st.type);
            h = mix(h, &sz, sizeof sz);
            h = mix(h, &mt, sizeof mt);
            if (st.type == RP_DIR)
                h = walk(sub, root_len, h, depth + 1);
        }
        free(sub);
    }
    rp_closedir(d);
    return h;
}

static uint64_t digest(const struct rp_poll_watch *w)
{
    return walk(w->dir, strlen(w->dir), 0xcbf29ce484222325ULL, 0);
}

struct rp_poll_watch *rp_poll_watch_open(const char *dir)
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
    w->digest = digest(w);
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
        uint64_t d = digest(w);
        if (d != w->digest) {
            w->digest = d;
            return 1;
        }
        if (end != INT64_MAX && rp_monotonic_ns() >= end)
            return 0;
    }
}

void rp_poll_watch_close(struct rp_poll_watch *w)
{
    if (w) {
        free(w->dir);
        free(w);
    }
}

/// The front: the native watcher, else the poller ///

struct rp_watch {
    struct rp_watch_native *native;
    struct rp_poll_watch *poll;
};

rp_watch_t *rp_watch_open(const char *dir, int force_poll)
{
    rp_watch_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    if (!force_poll)
        w->native = rp_os_watch_open(dir);
    if (!w->native && !(w->poll = rp_poll_watch_open(dir))) {
        int e = errno;
        free(w);
        errno = e;
        return NULL;
    }
    return w;
}

int rp_watch_wait(rp_watch_t *w, int timeout_ms)
{
    return w->native ? rp_os_watch_wait(w->native, timeout_ms) : rp_poll_watch_wait(w->poll, timeout_ms);
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
    free(w);
}
