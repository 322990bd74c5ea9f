/* SPDX-License-Identifier: MIT */
/*
 * The platform layer on POSIX.1-2008 (see platform.h): Linux, macOS and the
 * BSDs. Builds with only _POSIX_C_SOURCE=200809L; what one OS does better
 * (renameat2, syncfs, inotify, the executable's path) comes from the
 * OS-specific file beside it (platform_os.h).
 */
/* XSI (realpath, sync, fchown): in POSIX.1-2008, on macOS and every BSD. */
#if !defined(_GNU_SOURCE) && !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700
#endif
#include "platform.h"
#include "platform_os.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

extern char **environ;

static int dirfd_of(int dirfd)
{
    return dirfd == RP_AT_CWD ? AT_FDCWD : dirfd;
}

static int oflags(int flags)
{
    int o = (flags & 3) == RP_WRONLY ? O_WRONLY : (flags & 3) == RP_RDWR ? O_RDWR : O_RDONLY;
    if (flags & RP_CREAT)
        o |= O_CREAT;
    if (flags & RP_EXCL)
        o |= O_EXCL;
    if (flags & RP_TRUNC)
        o |= O_TRUNC;
    if (flags & RP_APPEND)
        o |= O_APPEND;
    if (flags & RP_NOFOLLOW)
        o |= O_NOFOLLOW;
    if (flags & RP_NONBLOCK)
        o |= O_NONBLOCK;
    return o | O_CLOEXEC | O_NOCTTY;
}

int rp_open(const char *path, int flags, unsigned mode)
{
    int fd;
    while ((fd = open(path, oflags(flags), (mode_t)mode)) < 0 && errno == EINTR)
        ;
    return fd;
}

int rp_openat(int dirfd, const char *name, int flags, unsigned mode)
{
    int fd;
    while ((fd = openat(dirfd_of(dirfd), name, oflags(flags), (mode_t)mode)) < 0 && errno == EINTR)
        ;
    return fd;
}

int rp_close(int fd)
{
    return close(fd);
}

long rp_read(int fd, void *buf, size_t n)
{
    ssize_t r;
    while ((r = read(fd, buf, n)) < 0 && errno == EINTR)
        ;
    return (long)r;
}

long rp_write(int fd, const void *buf, size_t n)
{
    ssize_t r;
    while ((r = write(fd, buf, n)) < 0 && errno == EINTR)
        ;
    return (long)r;
}

int rp_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        long k = rp_write(fd, p, n);
        if (k < 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int rp_fsync(int fd)
{
    return fsync(fd);
}

int rp_isatty(int fd)
{
    return isatty(fd);
}

int rp_dup(int fd)
{
    return fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

static void from_stat(const struct stat *s, rp_stat_t *st)
{
    st->type = S_ISREG(s->st_mode)    ? RP_REG
               : S_ISDIR(s->st_mode)  ? RP_DIR
               : S_ISLNK(s->st_mode)  ? RP_LNK
               : S_ISFIFO(s->st_mode) ? RP_FIFO
               : S_ISCHR(s->st_mode)  ? RP_CHR
               : S_ISBLK(s->st_mode)  ? RP_BLK
               : S_ISSOCK(s->st_mode) ? RP_SOCK
                                      : RP_OTHER;
    st->mode = (unsigned)(s->st_mode & 07777);
    st->size = (uint64_t)s->st_size;
    /* POSIX.1-2008 names the nanosecond time st_mtim; macOS keeps it as
     * st_mtimespec, which its headers alias to st_mtim for POSIX builds. */
    st->mtime_ns = (int64_t)s->st_mtim.tv_sec * 1000000000 + s->st_mtim.tv_nsec;
    st->ctime_ns = (int64_t)s->st_ctim.tv_sec * 1000000000 + s->st_ctim.tv_nsec;
    st->dev = (uint64_t)s->st_dev;
    st->ino = (uint64_t)s->st_ino;
    st->uid = (long)s->st_uid;
    st->gid = (long)s->st_gid;
}

int rp_stat(const char *path, rp_stat_t *st)
{
    struct stat s;
    if (stat(path, &s) != 0)
        return -1;
    from_stat(&s, st);
    return 0;
}

int rp_lstat(const char *path, rp_stat_t *st)
{
    struct stat s;
    if (lstat(path, &s) != 0)
        return -1;
    from_stat(&s, st);
    return 0;
}

int rp_fstat(int fd, rp_stat_t *st)
{
    struct stat s;
    if (fstat(fd, &s) != 0)
        return -1;
    from_stat(&s, st);
    return 0;
}

int rp_statat(int dirfd, const char *name, rp_stat_t *st, int follow)
{
    struct stat s;
    if (fstatat(dirfd_of(dirfd), name, &s, follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    from_stat(&s, st);
    return 0;
}

long rp_readlink(const char *path, char *buf, size_t cap)
{
    if (cap == 0) {
        errno = ERANGE;
        return -1;
    }
    ssize_t n = readlink(path, buf, cap - 1);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return (long)n;
}

char *rp_realpath(const char *path)
{
    return realpath(path, NULL);
}

int rp_path_absolute(const char *path)
{
    return path[0] == '/';
}

int rp_is_sep(char c)
{
    return c == '/';
}

const char *rp_last_sep(const char *path)
{
    return strrchr(path, '/');
}

int rp_mkdir(const char *path, unsigned mode)
{
    return mkdir(path, (mode_t)mode);
}

int rp_rmdir(const char *path)
{
    return rmdir(path);
}

int rp_unlink(const char *path)
{
    return unlink(path);
}

int rp_unlinkat(int dirfd, const char *name, int is_dir)
{
    return unlinkat(dirfd_of(dirfd), name, is_dir ? AT_REMOVEDIR : 0);
}

int rp_renameat(int dirfd, const char *from, const char *to, int noreplace)
{
    int d = dirfd_of(dirfd);
    if (!noreplace)
        return renameat(d, from, d, to);
    int r = rp_os_rename_noreplace(dirfd, from, to);
    if (r != -2)
        return r;
    /* The filesystem cannot rename without replacing: check, then rename. */
    struct stat st;
    if (fstatat(d, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        errno = EEXIST;
        return -1;
    }
    return renameat(d, from, d, to);
}

int rp_copy_mode(int fd, const rp_stat_t *old)
{
    /* Best effort: only root may give a file away; the mode is kept after
     * the owner, since chown clears set-id bits. */
    if (fchown(fd, (uid_t)old->uid, (gid_t)old->gid) != 0) {
        /* not ours to give away: the file stays the caller's */
    }
    return fchmod(fd, (mode_t)(old->mode & 07777));
}

int rp_touch(const char *path)
{
    return utimensat(AT_FDCWD, path, NULL, 0);
}

int rp_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int rp_writable_dir(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return 0;
    }
    return access(path, W_OK) == 0;
}

/// Directories ///

int rp_dir_open(const char *path)
{
    int fd;
    while ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 && errno == EINTR)
        ;
    return fd;
}

int rp_dir_openat(int dirfd, const char *name, int nofollow)
{
    int fd;
    while ((fd = openat(dirfd_of(dirfd), name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0))) < 0 &&
           errno == EINTR)
        ;
    return fd;
}

int rp_dir_stat(int dirfd, rp_stat_t *st)
{
    if (dirfd == RP_AT_CWD)
        return rp_stat(".", st);
    return rp_fstat(dirfd, st);
}

int rp_mkdirat(int dirfd, const char *name, unsigned mode)
{
    return mkdirat(dirfd_of(dirfd), name, (mode_t)mode);
}

const char *rp_name_refused(const char *name)
{
    (void)name;
    return NULL;
}

char *rp_name_key(const char *name)
{
    return strdup(name);
}

int rp_names_restricted(void)
{
    return 0;
}

int rp_dir_dup(int dirfd)
{
    if (dirfd == RP_AT_CWD)
        return rp_dir_open(".");
    return fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
}

void rp_dir_close(int dirfd)
{
    if (dirfd >= 0)
        close(dirfd);
}

int rp_dir_sync(int dirfd)
{
    return fsync(dirfd);
}

int rp_fs_sync(int dirfd)
{
    return rp_os_fs_sync(dirfd);
}

struct rp_dirstream {
    DIR *d;
    const char *last;   /* the name rp_readdir returned last */
};

rp_dirstream_t *rp_opendir(const char *path)
{
    int fd = rp_dir_open(path);
    if (fd < 0)
        return NULL;
    rp_dirstream_t *s = malloc(sizeof *s);
    if (!s || !(s->d = fdopendir(fd))) {
        int e = s ? errno : ENOMEM;
        free(s);
        close(fd);
        errno = e;
        return NULL;
    }
    return s;
}

const char *rp_readdir(rp_dirstream_t *s)
{
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(s->d);
        if (!de)
            return NULL;
        const char *n = de->d_name;
        if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
            continue;
        return s->last = n;
    }
}

int rp_dirstream_dirfd(rp_dirstream_t *s)
{
    return dirfd(s->d);
}

int rp_dirstream_stat(rp_dirstream_t *s, rp_stat_t *st, int follow)
{
    return rp_statat(dirfd(s->d), s->last, st, follow);
}

void rp_closedir(rp_dirstream_t *s)
{
    if (s) {
        closedir(s->d);
        free(s);
    }
}

/// Processes ///

/* A pipe whose both ends are close-on-exec. */
static int cloexec_pipe(int p[2])
{
    return rp_os_pipe(p);
}

int rp_pipe(int p[2])
{
    return rp_os_pipe(p);
}

static const int int_sigs[] = {SIGINT, SIGTERM, SIGHUP};

/* Shared by the two-step close-on-exec makers, exclusive for a spawn. */
static pthread_rwlock_t cloexec_lock = PTHREAD_RWLOCK_INITIALIZER;

void rp_cloexec_begin(void)
{
    pthread_rwlock_rdlock(&cloexec_lock);
}

void rp_cloexec_end(void)
{
    pthread_rwlock_unlock(&cloexec_lock);
}

/* A child starts with the interruptions open, whatever this thread holds
 * off (rp_thread_start's threads block them for good). */
static void open_interrupts(posix_spawnattr_t *at)
{
    sigset_t m;
    pthread_sigmask(SIG_BLOCK, NULL, &m);
    for (size_t i = 0; i < sizeof int_sigs / sizeof *int_sigs; i++)
        sigdelset(&m, int_sigs[i]);
    posix_spawnattr_setsigmask(at, &m);
}

int rp_spawn(char *const argv[], rp_proc_t *p, int *in_fd, int *out_fd, int err_to_out)
{
    int ip[2] = {-1, -1}, op[2] = {-1, -1};
    if (in_fd && cloexec_pipe(ip) != 0)
        return errno;
    if (out_fd && cloexec_pipe(op) != 0) {
        int e = errno;
        if (in_fd) {
            close(ip[0]);
            close(ip[1]);
        }
        return e;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (in_fd)
        posix_spawn_file_actions_adddup2(&fa, ip[0], 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (out_fd) {
        posix_spawn_file_actions_adddup2(&fa, op[1], 1);
        if (err_to_out)
            posix_spawn_file_actions_adddup2(&fa, op[1], 2);
    } else if (err_to_out) {
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
    }
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    open_interrupts(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    pthread_rwlock_wrlock(&cloexec_lock);
    int r = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
    pthread_rwlock_unlock(&cloexec_lock);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (in_fd) {
        close(ip[0]);
        if (r != 0)
            close(ip[1]);
        else
            *in_fd = ip[1];
    }
    if (out_fd) {
        close(op[1]);
        if (r != 0)
            close(op[0]);
        else
            *out_fd = op[0];
    }
    if (r == 0) {
        p->pid = pid;
        p->handle = p->job = NULL;
    }
    return r;
}

int rp_spawn_shell(const char *cmd, rp_proc_t *p, int *in_fd, int *out_fd)
{
    int ip[2], op[2];
    if (cloexec_pipe(ip) != 0)
        return errno;
    if (cloexec_pipe(op) != 0) {
        int e = errno;
        close(ip[0]);
        close(ip[1]);
        return e;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_adddup2(&fa, ip[0], 0);
    posix_spawn_file_actions_adddup2(&fa, op[1], 1);
    /* Own process group, so ending the board ends all of it (sh and what
     * it ran); SIGPIPE back at its default whatever we do with it. */
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setsigdefault(&at, &def);
    open_interrupts(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    pid_t pid;
    pthread_rwlock_wrlock(&cloexec_lock);
    int r = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
    pthread_rwlock_unlock(&cloexec_lock);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(ip[0]);
    close(op[1]);
    if (r != 0) {
        close(ip[1]);
        close(op[0]);
        return r;
    }
    *in_fd = ip[1];
    *out_fd = op[0];
    p->pid = pid;
    p->handle = p->job = NULL;
    return 0;
}

void rp_terminate_group(rp_proc_t *p, int hard)
{
    if (p->pid > 0)
        kill(-(pid_t)p->pid, hard ? SIGKILL : SIGTERM);
}

void rp_proc_release(rp_proc_t *p)
{
    (void)p;
}

int rp_wait_writable(int fd, int timeout_ms)
{
    struct pollfd pf = {.fd = fd, .events = POLLOUT};
    int r = poll(&pf, 1, timeout_ms);
    return r < 0 ? -1 : r > 0; /* writable, or hung up: the write tells which */
}

long rp_write_nosigpipe(int fd, const void *buf, size_t n)
{
    /* SIGPIPE blocked in this thread for the call, and one the call raised
     * taken back (a library leaves the program's disposition alone). */
    sigset_t pipe, old, pending;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &old);
    ssize_t r = write(fd, buf, n);
    int e = errno;
    if (r < 0 && e == EPIPE && !was_pending) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return (long)r;
}

static int decode(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 256 + WTERMSIG(status);
    return 255;
}

int rp_wait(rp_proc_t *p)
{
    int status = 0;
    pid_t r;
    while ((r = waitpid((pid_t)p->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    return r < 0 ? -1 : decode(status);
}

int rp_wait_nohang(rp_proc_t *p)
{
    int status = 0;
    pid_t r = waitpid((pid_t)p->pid, &status, WNOHANG);
    if (r == 0)
        return -2;
    return r < 0 ? -1 : decode(status);
}

void rp_terminate(rp_proc_t *p)
{
    if (p->pid > 0)
        kill((pid_t)p->pid, SIGTERM);
}

int rp_wait_readable(const int *fds, size_t n, int timeout_ms, unsigned char *ready)
{
    struct pollfd small[16], *pf = n <= 16 ? small : calloc(n, sizeof *pf);
    if (!pf) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        pf[i].fd = fds[i];
        pf[i].events = POLLIN;
        pf[i].revents = 0;
    }
    int r = poll(pf, (nfds_t)n, timeout_ms);
    int e = errno;
    for (size_t i = 0; i < n; i++)
        ready[i] = r > 0 && (pf[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) != 0;
    if (pf != small)
        free(pf);
    errno = e;
    return r;
}

char *rp_find_program(const char *path, const char *name)
{
    if (!path)
        path = getenv("PATH");
    if (!path)
        return NULL;
    size_t nl = strlen(name);
    for (const char *d = path;;) {
        const char *end = strchr(d, ':');
        size_t dl = end ? (size_t)(end - d) : strlen(d);
        char *cand = malloc((dl ? dl : 1) + nl + 2);
        if (!cand)
            return NULL;
        if (dl)
            memcpy(cand, d, dl);
        else
            cand[dl++] = '.';
        cand[dl] = '/';
        memcpy(cand + dl + 1, name, nl + 1);
        if (rp_executable(cand))
            return cand;
        free(cand);
        if (!end)
            return NULL;
        d = end + 1;
    }
}

long rp_getpid(void)
{
    return (long)getpid();
}

unsigned rp_ncpus(void)
{
    long n = rp_os_ncpus();
    return n > 0 ? (unsigned)n : 1;
}

void rp_main_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

/// Time, temporary files, the executable ///

int64_t rp_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int rp_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    return nanosleep(&ts, NULL);
}

const char *rp_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

char *rp_mkdtemp(const char *dir, const char *prefix)
{
    const char *t = dir && *dir ? dir : rp_tmpdir();
    size_t n = strlen(t) + strlen(prefix) + 9;
    char *s = malloc(n);
    if (!s) {
        errno = ENOMEM;
        return NULL;
    }
    snprintf(s, n, "%s/%sXXXXXX", t, prefix);
    if (!mkdtemp(s)) {
        int e = errno;
        free(s);
        errno = e;
        return NULL;
    }
    return s;
}

FILE *rp_tmpfile(void)
{
    const char *t = rp_tmpdir();
    size_t n = strlen(t) + 20;
    char *s = malloc(n);
    if (!s) {
        errno = ENOMEM;
        return NULL;
    }
    snprintf(s, n, "%s/romfs-tmp-XXXXXX", t);
    rp_sigmask_t old;
    rp_interrupt_block(&old);   /* no signal between its creation and its unlink */
    rp_cloexec_begin();
    int fd = mkstemp(s);
    if (fd >= 0) {
        unlink(s);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    rp_cloexec_end();
    rp_interrupt_restore(&old);
    free(s);
    if (fd < 0)
        return NULL;
    FILE *fp = fdopen(fd, "w+b");
    if (!fp) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return fp;
}

char *rp_exe_path(void)
{
    return rp_os_exe_path();
}

char *rp_cache_home(void)
{
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    const char *base = x && *x == '/' ? x : home && *home ? home : NULL;
    if (!base)
        return NULL;
    size_t n = strlen(base) + 8;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s", base, base == x ? "" : "/.cache");
    return s;
}

/// Interruption ///

_Static_assert(sizeof(sigset_t) <= sizeof(rp_sigmask_t), "rp_sigmask_t holds a sigset_t");

void rp_interrupt_install(void (*handler)(int sig), int keep_ignored)
{
    for (size_t i = 0; i < sizeof int_sigs / sizeof *int_sigs; i++) {
        struct sigaction sa, old;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = handler;
        sigfillset(&sa.sa_mask);
        if (keep_ignored && sigaction(int_sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(int_sigs[i], &sa, NULL);
    }
}

void rp_interrupt_block(rp_sigmask_t *old)
{
    sigset_t set, prev;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof int_sigs / sizeof *int_sigs; i++)
        sigaddset(&set, int_sigs[i]);
    pthread_sigmask(SIG_BLOCK, &set, &prev);
    memcpy(old->bytes, &prev, sizeof prev);
}

void rp_interrupt_restore(const rp_sigmask_t *old)
{
    sigset_t prev;
    memcpy(&prev, old->bytes, sizeof prev);
    pthread_sigmask(SIG_SETMASK, &prev, NULL);
}

void rp_interrupt_exit(int sig)
{
    /* Die of the signal itself, so the parent sees it (status 128+sig). */
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig);
}

const char *rp_signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal";
}

void rp_kill_group(long pgid)
{
    if (pgid > 0)
        kill(-(pid_t)pgid, SIGKILL);
}

void rp_stop_self(void)
{
    raise(SIGSTOP);
}

void rp_remove_tree_at(int dirfd, const char *name)
{
    rp_os_remove_tree_at(dirfd_of(dirfd), name, 0);
}

/// Threads ///

struct rp_thread {
    rp_thread_job_t job;
    pthread_t id;
};

static void *thread_main(void *p)
{
    rp_thread_job_t *j = p;
    j->rc = j->fn(j->arg);
    return NULL;
}

int rp_thread_start(rp_thread_t **out, int (*fn)(void *arg), void *arg)
{
    rp_thread_t *t = rp_thread_job_new(sizeof *t, fn, arg);
    if (!t)
        return ENOMEM;
    pthread_attr_t at;
    int e = pthread_attr_init(&at);
    if (e) {
        free(t);
        return e;
    }
    pthread_attr_setstacksize(&at, (size_t)8 << 20);
    /* The new thread inherits our mask: interruptions blocked there. */
    rp_sigmask_t old;
    rp_interrupt_block(&old);
    e = pthread_create(&t->id, &at, thread_main, t);
    rp_interrupt_restore(&old);
    pthread_attr_destroy(&at);
    if (e) {
        free(t);
        return e;
    }
    *out = t;
    return 0;
}

int rp_thread_join(rp_thread_t *t)
{
    pthread_join(t->id, NULL);
    int rc = t->job.rc;
    free(t);
    return rc;
}
