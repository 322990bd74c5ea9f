/* SPDX-License-Identifier: MIT */
/*
 * The platform layer: everything the host library and the command need
 * from the operating system, behind one small interface, so that the rest
 * of the code is plain C11 plus this header.
 *
 *   platform_posix.c   POSIX.1-2008 (Linux, macOS, the BSDs)
 *   platform_linux.c   the Linux-only parts (renameat2, inotify, syncfs,
 *                      /proc/self/exe), on Linux unless ROMFS_PORTABLE_POSIX
 *   platform_win32.c   Windows (UTF-8 paths converted to UTF-16, W APIs)
 *
 * Paths are UTF-8 on every platform. Errors: -1 (or NULL) with errno set,
 * unless said otherwise. Descriptors are C runtime descriptors (int) on
 * every platform; a "directory descriptor" (rp_dir_open) is an open
 * directory on POSIX and a remembered path on Windows, used only with the
 * *at functions here.
 */
#ifndef ROMFS_PLATFORM_H
#define ROMFS_PLATFORM_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Internal: every binary that uses the layer links its objects (see
 * CMakeLists.txt); shared libraries keep them hidden. */
#define RP_API

#ifndef ESTALE /* not in MSVCRT's errno.h */
#define ESTALE 116
#endif

/* The current directory as a directory descriptor. */
#define RP_AT_CWD (-100)

/// Files ///

enum rp_type { RP_REG = 1, RP_DIR, RP_LNK, RP_FIFO, RP_CHR, RP_BLK, RP_SOCK, RP_OTHER };

typedef struct rp_stat {
    int type;           /* enum rp_type */
    unsigned mode;      /* permission bits (07777) */
    uint64_t size;
    int64_t mtime_ns;   /* nanoseconds since 1970 where the OS keeps them */
    int64_t ctime_ns;   /* status change time (POSIX); 0 where there is none */
    uint64_t dev, ino;  /* identity, for loop detection (0 when unknown) */
    long uid, gid;      /* -1 when the OS has none */
} rp_stat_t;

/* Open flags (combine): */
#define RP_RDONLY 0x0
#define RP_WRONLY 0x1
#define RP_RDWR 0x2
#define RP_CREAT 0x10
#define RP_EXCL 0x20     /* with RP_CREAT: never follows a link */
#define RP_TRUNC 0x40
#define RP_APPEND 0x80
#define RP_NOFOLLOW 0x100 /* fail on a symbolic link (POSIX) */
#define RP_NONBLOCK 0x200 /* do not block opening a FIFO (POSIX) */

/* Every descriptor is binary, close-on-exec and never a controlling tty. */
RP_API int rp_open(const char *path, int flags, unsigned mode);
RP_API int rp_openat(int dirfd, const char *name, int flags, unsigned mode);
RP_API int rp_close(int fd);
/* read/write with EINTR retried; counts as ssize_t-like long. */
RP_API long rp_read(int fd, void *buf, size_t n);
RP_API long rp_write(int fd, const void *buf, size_t n);
/* Write all n bytes: 0, or -1 with errno. */
RP_API int rp_write_all(int fd, const void *buf, size_t n);
RP_API int rp_fsync(int fd);
RP_API int rp_isatty(int fd);
/* A duplicate of fd that is not inherited by children. */
RP_API int rp_dup(int fd);

RP_API int rp_stat(const char *path, rp_stat_t *st);  /* follows links */
RP_API int rp_lstat(const char *path, rp_stat_t *st); /* does not */
RP_API int rp_fstat(int fd, rp_stat_t *st);
RP_API int rp_statat(int dirfd, const char *name, rp_stat_t *st, int follow);
/* The same state of a file: type, size, mtime and ctime all equal. A file
 * rewritten between two stats (even in place, same size) differs. */
static inline int rp_stat_same(const rp_stat_t *a, const rp_stat_t *b)
{
    return a->type == b->type && a->size == b->size && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* The target of the symbolic link path, NUL-terminated: its length or -1. */
RP_API long rp_readlink(const char *path, char *buf, size_t cap);
/* The canonical absolute path (malloc'd), or NULL. */
RP_API char *rp_realpath(const char *path);
/* 1 when path is absolute ("/x"; "C:\x", "\\server\x" on Windows). */
RP_API int rp_path_absolute(const char *path);
/* 1 when c separates path components ('/', and '\\' on Windows). */
RP_API int rp_is_sep(char c);
/* The last separator in path, or NULL. */
RP_API const char *rp_last_sep(const char *path);

RP_API int rp_mkdir(const char *path, unsigned mode);
RP_API int rp_rmdir(const char *path);
RP_API int rp_unlink(const char *path);
RP_API int rp_unlinkat(int dirfd, const char *name, int is_dir);
/* Rename from to to inside dirfd; noreplace: fail with EEXIST when to exists. */
RP_API int rp_renameat(int dirfd, const char *from, const char *to, int noreplace);
/* Give the file fd the mode (and owner, where allowed) of *old. */
RP_API int rp_copy_mode(int fd, const rp_stat_t *old);
/* Set the modification time of path to now (a cache's "recently used"). */
RP_API int rp_touch(const char *path);
/* 1 when path is a regular file we may execute. */
RP_API int rp_executable(const char *path);
/* 1 when path is a directory we may write to. */
RP_API int rp_writable_dir(const char *path);

/// Directories ///

/* A directory descriptor for the *at functions (path "." is the current
 * directory), closed by rp_dir_close. */
RP_API int rp_dir_open(const char *path);
/* The subdirectory name of dirfd (".." is the parent); nofollow: refuse a
 * symbolic link (ELOOP or ENOTDIR). */
RP_API int rp_dir_openat(int dirfd, const char *name, int nofollow);
RP_API int rp_dir_stat(int dirfd, rp_stat_t *st);
RP_API int rp_mkdirat(int dirfd, const char *name, unsigned mode);
/* 0 when a name taken from an image (no '/', not "", "." or "..") can be
 * created as one entry on this system; else a reason ("a name Windows
 * reserves", ...). Every name is fine on POSIX. */
RP_API const char *rp_name_refused(const char *name);
/* The name as this system's filesystems compare names (malloc'd): itself
 * on POSIX, upper-cased on Windows, where "a" and "A" are one file. */
RP_API char *rp_name_key(const char *name);
/* 1 when rp_name_refused may refuse anything here (Windows). */
RP_API int rp_names_restricted(void);
RP_API int rp_dir_dup(int dirfd);
RP_API void rp_dir_close(int dirfd);
/* Make the entries of a directory durable (fsync of it; best effort). */
RP_API int rp_dir_sync(int dirfd);
/* Make everything written to the filesystem holding dirfd durable (syncfs
 * on Linux, a full sync elsewhere): 0 or -1. */
RP_API int rp_fs_sync(int dirfd);

typedef struct rp_dirstream rp_dirstream_t;
/* Entries of a directory, without "." and "..". */
RP_API rp_dirstream_t *rp_opendir(const char *path);
/* The next name, or NULL at the end (errno 0) or on error (errno set). */
RP_API const char *rp_readdir(rp_dirstream_t *d);
/* A directory descriptor of the stream's directory for the *at functions
 * (owned by the stream). */
RP_API int rp_dirstream_dirfd(rp_dirstream_t *d);
/* rp_statat of the entry rp_readdir returned last, cheaper where the
 * listing already says (Windows: a regular file's size and time). */
RP_API int rp_dirstream_stat(rp_dirstream_t *d, rp_stat_t *st, int follow);
RP_API void rp_closedir(rp_dirstream_t *d);

/// Processes ///

typedef struct rp_proc {
    intptr_t pid;
    void *handle;       /* Windows: the process handle */
    void *job;          /* Windows: the job holding an rp_spawn_shell child */
} rp_proc_t;

/* Start argv (argv[0] looked up in PATH when it has no separator). Each of
 * in_fd/out_fd, when not NULL, receives our end of a pipe to the child's
 * standard input / output; a NULL in_fd gives it the null device, a NULL
 * out_fd our own standard output. err_to_out sends its standard error to
 * the output pipe too. Our ends are not inherited by later children.
 * Returns 0 or a positive errno. */
RP_API int rp_spawn(char *const argv[], rp_proc_t *p, int *in_fd, int *out_fd, int err_to_out);
/* Run the shell command cmd (/bin/sh -c on POSIX, %ComSpec% /d /s /c on
 * Windows) in a process group of its own (a job object on Windows), with
 * *in_fd / *out_fd our ends of pipes to its standard input / output and
 * its standard error ours; SIGPIPE is at its default in the child.
 * Returns 0 or a positive errno. */
RP_API int rp_spawn_shell(const char *cmd, rp_proc_t *p, int *in_fd, int *out_fd);
/* End the whole group of an rp_spawn_shell child: SIGTERM, or SIGKILL when
 * hard (POSIX); the job's processes on Windows. */
RP_API void rp_terminate_group(rp_proc_t *p, int hard);
/* Let go of what rp_spawn_shell kept beside the pid (Windows: the job,
 * whose processes end with it); after the wait. */
RP_API void rp_proc_release(rp_proc_t *p);
/* Wait up to timeout_ms until a write to fd would not block: 1, 0 on
 * timeout, -1 with errno. Windows pipes cannot tell: always 1. */
RP_API int rp_wait_writable(int fd, int timeout_ms);
/* One write(2) that never raises SIGPIPE: a reader that went away gives
 * -1 with EPIPE, whatever the program's disposition of the signal. */
RP_API long rp_write_nosigpipe(int fd, const void *buf, size_t n);
/* A pipe whose ends are not inherited by children (pipe2 on Linux, pipe
 * and fcntl elsewhere, _pipe on Windows): 0, or -1 with errno. */
RP_API int rp_pipe(int p[2]);
/* Wait for the child to end. Returns its exit status (0..255), or
 * 256 + N when signal N ended it (POSIX), or -1 with errno. */
RP_API int rp_wait(rp_proc_t *p);
/* Like rp_wait without waiting: -2 when still running. */
RP_API int rp_wait_nohang(rp_proc_t *p);
/* Ask the child to end (SIGTERM; TerminateProcess on Windows). */
RP_API void rp_terminate(rp_proc_t *p);
/* Wait until one of fds[0..n) (pipes or files) has data or is at end, at
 * most timeout_ms (-1: no limit). ready[i] is set to 1 for those. Returns
 * how many are ready (0 on timeout) or -1 with errno (EINTR when
 * interrupted by a signal). */
RP_API int rp_wait_readable(const int *fds, size_t n, int timeout_ms, unsigned char *ready);
/* The path of an executable named name in the search path list path (':'
 * separated; ';' on Windows; NULL: the environment's PATH), malloc'd, or
 * NULL. */
RP_API char *rp_find_program(const char *path, const char *name);
RP_API long rp_getpid(void);
/* Processors online (at least 1). */
RP_API unsigned rp_ncpus(void);

/* At the start of main: on Windows, argv becomes the command line in UTF-8
 * (not the ANSI code page) and standard input, output and error binary, as
 * on POSIX; nothing elsewhere. */
RP_API void rp_main_init(int *argc, char ***argv);

/// Threads ///

/* A thread running fn(arg), with a stack of at least 8 MiB (what the
 * board code expects on every OS) and SIGINT, SIGTERM and SIGHUP blocked
 * (POSIX), so they reach the thread that started it. pthreads on POSIX,
 * CreateThread on Windows. */
typedef struct rp_thread rp_thread_t;
/* Start it: 0 with *t set, or a positive errno. */
RP_API int rp_thread_start(rp_thread_t **t, int (*fn)(void *arg), void *arg);
/* Wait for it to end and free it: fn's return value. */
RP_API int rp_thread_join(rp_thread_t *t);

/// Time, temporary files, the executable ///

/* A monotonic clock in nanoseconds. */
RP_API int64_t rp_monotonic_ns(void);
/* The same clock in milliseconds and in seconds. */
static inline int64_t rp_monotonic_ms(void)
{
    return rp_monotonic_ns() / 1000000;
}
static inline double rp_monotonic_s(void)
{
    return (double)rp_monotonic_ns() / 1e9;
}
/* Sleep; 0, or -1 with EINTR when a signal cut it short (POSIX). */
RP_API int rp_sleep_ms(unsigned ms);
/* The directory for temporary files: $TMPDIR, else the OS's (no final
 * separator). Never NULL. */
RP_API const char *rp_tmpdir(void);
/* Create a new directory PREFIXxxxxxx in dir (NULL or "": rp_tmpdir()),
 * mode 0700 where modes exist. Returns its malloc'd path, or NULL with
 * errno. */
RP_API char *rp_mkdtemp(const char *dir, const char *prefix);
/* A temporary file open for reading and writing, binary, that is gone once
 * closed and leaves nothing behind when the process dies (unlinked on
 * POSIX, delete-on-close on Windows), in rp_tmpdir(). NULL with errno. */
RP_API FILE *rp_tmpfile(void);
/* The running executable's absolute path (malloc'd), or NULL. */
RP_API char *rp_exe_path(void);
/* The per-user cache directory's base: $XDG_CACHE_HOME, $HOME/.cache, or
 * %LOCALAPPDATA% on Windows (malloc'd), or NULL. */
RP_API char *rp_cache_home(void);

/// Interruption: signals on POSIX, console control events on Windows ///

/* The numbers handlers see; the same on every POSIX system. On Windows
 * Ctrl-C and Ctrl-Break arrive as RP_SIGINT, closing the console, logoff
 * and shutdown as RP_SIGHUP. */
#define RP_SIGHUP 1
#define RP_SIGINT 2
#define RP_SIGTERM 15

/* What rp_interrupt_block saved. */
typedef union rp_sigmask {
    unsigned char bytes[128];
    long long align;
} rp_sigmask_t;

/* Call handler(sig) when the command is asked to stop (SIGINT, SIGTERM,
 * SIGHUP on POSIX, every signal blocked while it runs, no SA_RESTART so
 * waits end with EINTR; console control events on Windows, where the
 * handler runs on the event's own thread once no rp_interrupt_block is
 * held, and the process goes on when it returns). keep_ignored: a signal
 * ignored by whoever started us (nohup) stays ignored. */
RP_API void rp_interrupt_install(void (*handler)(int sig), int keep_ignored);
/* Hold interruptions off (nests), and let them in again. */
RP_API void rp_interrupt_block(rp_sigmask_t *old);
RP_API void rp_interrupt_restore(const rp_sigmask_t *old);
/* From a handler: end the process as sig would (status 128 + sig). */
RP_API void rp_interrupt_exit(int sig);
/* "SIGINT", "SIGTERM", "SIGHUP" or "a signal". */
RP_API const char *rp_signal_name(int sig);
/* Kill process group pgid outright (SIGKILL; async-signal-safe); nothing
 * on Windows. */
RP_API void rp_kill_group(long pgid);
/* Stop this process (SIGSTOP) for a test to signal it; nothing on Windows. */
RP_API void rp_stop_self(void);
/* Remove the tree name of dirfd (bounded depth; what cannot go stays),
 * safe to call from a signal handler on POSIX. */
RP_API void rp_remove_tree_at(int dirfd, const char *name);

/* strndup, which not every C library has (MSVCRT). */
static inline char *rp_strndup(const char *s, size_t n)
{
    size_t l = 0;
    while (l < n && s[l])
        l++;
    char *d = (char *)malloc(l + 1);
    if (d) {
        memcpy(d, s, l);
        d[l] = '\0';
    }
    return d;
}

/* a, b and c concatenated (malloc'd), or NULL. */
static inline char *rp_concat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = (char *)malloc(la + lb + lc + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb);
        memcpy(s + la + lb, c, lc + 1);
    }
    return s;
}

/* memmem, which POSIX does not have. */
static inline const void *rp_memmem(const void *hay, size_t n, const void *needle, size_t k)
{
    const unsigned char *h = (const unsigned char *)hay;
    if (k == 0)
        return hay;
    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (h[i] == *(const unsigned char *)needle && memcmp(h + i, needle, k) == 0)
            return h + i;
    return NULL;
}

/// Directory watcher ///

/* Watches a tree for changes. The native backend (inotify on Linux,
 * ReadDirectoryChangesW on Windows, kqueue on macOS and the BSDs) or, with
 * force_poll or where there is none (or it cannot watch the tree: kqueue
 * out of descriptors), a polling watcher comparing (name, type, size,
 * mtime) snapshots. */
typedef struct rp_watch rp_watch_t;
/* 1 when the path rel (relative to the watched directory, '/'-separated;
 * is_dir 1, 0, or -1 when unknown: it is gone) is left out: its changes
 * are no changes, and an excluded directory is not looked into. */
typedef int (*rp_watch_filter_t)(void *ctx, const char *rel, int is_dir);
RP_API rp_watch_t *rp_watch_open(const char *dir, int force_poll);
/* rp_watch_open with a filter (NULL: nothing left out), called from
 * rp_watch_open and rp_watch_wait only. */
RP_API rp_watch_t *rp_watch_open_filtered(const char *dir, int force_poll, rp_watch_filter_t filter, void *ctx);
/* Wait up to timeout_ms for a change: 1 when something changed (events
 * consumed), 0 on timeout, -1 with errno (EINTR on a signal). */
RP_API int rp_watch_wait(rp_watch_t *w, int timeout_ms);
/* What the last rp_watch_wait that returned 1 saw: the relative paths
 * that changed ('/'-separated, *n of them, valid until the next wait);
 * *overflow 1 when the backend lost some names (the list is incomplete:
 * assume anything changed). */
RP_API const char *const *rp_watch_changes(const rp_watch_t *w, size_t *n, int *overflow);
/* "inotify", "ReadDirectoryChangesW", "kqueue" or "poll". */
RP_API const char *rp_watch_backend(const rp_watch_t *w);
RP_API void rp_watch_close(rp_watch_t *w);

#ifdef __cplusplus
}
#endif

#endif
