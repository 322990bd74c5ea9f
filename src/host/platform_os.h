/* SPDX-License-Identifier: MIT */
/*
 * Inside the platform layer: what platform_posix.c asks of the OS-specific
 * part beside it (platform_linux.c on Linux, platform_posix_other.c on
 * macOS, the BSDs and the portable-POSIX build), and the polling watcher
 * that every platform has (platform_watch_poll.c).
 */
#ifndef ROMFS_PLATFORM_OS_H
#define ROMFS_PLATFORM_OS_H

#include "platform.h"

/* rename without replacing, atomically: 0, -1 with errno, or -2 when the
 * OS or filesystem cannot (the caller checks, then renames). */
int rp_os_rename_noreplace(int dirfd, const char *from, const char *to);
/* A close-on-exec pipe: 0 or -1. */
int rp_os_pipe(int p[2]);
/* What an rp_thread_t runs, on every OS: the OS's struct rp_thread begins
 * with it. rp_thread_job_new: one of size bytes for fn(arg), or NULL. */
typedef struct rp_thread_job {
    int (*fn)(void *arg);
    void *arg;
    int rc;
} rp_thread_job_t;
static inline void *rp_thread_job_new(size_t size, int (*fn)(void *arg), void *arg)
{
    rp_thread_job_t *j = (rp_thread_job_t *)calloc(1, size);
    if (j)
        *j = (rp_thread_job_t){fn, arg, 0};
    return j;
}

/* Around making a descriptor close-on-exec in two steps (pipe, fcntl), so
 * that no other thread starts a child in between (it would inherit it). */
void rp_cloexec_begin(void);
void rp_cloexec_end(void);
/* syncfs or a whole sync: 0 or -1. */
int rp_os_fs_sync(int dirfd);
/* The executable's path, malloc'd, or NULL. */
char *rp_os_exe_path(void);

/* Remove the tree name of dirfd, async-signal-safe where the OS allows. */
void rp_os_remove_tree_at(int dirfd, const char *name, int depth);

/* Processors online, 0 when unknown. */
long rp_os_ncpus(void);

/* What a watcher reports: the names of one wait's changes, through the
 * filter. */
typedef struct rp_watch_names {
    char **v;
    size_t n, cap;
    int overflow;
    rp_watch_filter_t filter;
    void *ctx;
} rp_watch_names_t;
/* 1 when rel is left out by the filter. */
int rp_watch_excluded(const rp_watch_names_t *c, const char *rel, int is_dir);
/* Count a change of rel unless the filter leaves it out: 1 counted, 0 not. */
int rp_watch_names_add(rp_watch_names_t *c, const char *rel, int is_dir);
void rp_watch_names_clear(rp_watch_names_t *c);

/* The native watcher: NULL when there is none (the poller is used). It
 * reports into names (kept by the caller for its life). */
struct rp_watch_native;
struct rp_watch_native *rp_os_watch_open(const char *dir, rp_watch_names_t *names);
int rp_os_watch_wait(struct rp_watch_native *w, int timeout_ms);
const char *rp_os_watch_name(void);
void rp_os_watch_close(struct rp_watch_native *w);

/* The polling watcher. */
struct rp_poll_watch;
struct rp_poll_watch *rp_poll_watch_open(const char *dir, rp_watch_names_t *names);
int rp_poll_watch_wait(struct rp_poll_watch *w, int timeout_ms);
void rp_poll_watch_close(struct rp_poll_watch *w);

#endif
