/* SPDX-License-Identifier: MIT */
/*
 * The platform layer on Windows (see platform.h). Paths are UTF-8 outside
 * and UTF-16 here (the W functions); descriptors are C runtime descriptors,
 * binary and not inherited; a directory descriptor is a slot holding the
 * directory's path. Files are replaced with MoveFileExW (same directory,
 * so atomic on NTFS); processes start with CreateProcessW and talk through
 * anonymous pipes, which rp_wait_readable polls with PeekNamedPipe.
 *
 * Differences from POSIX, by design: no modes beyond read-only (a replaced
 * file gets the directory's default ACL), no symbolic links followed by
 * hand (the OS follows reparse points), no signals (the command handles
 * console control events), identity (dev, ino) from the volume serial and
 * file index.
 */
#include "platform.h"
#include "platform_os.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <windows.h>

/// Text and errors ///

/* UTF-8 to a malloc'd UTF-16 string, or NULL with errno (EILSEQ). */
static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0) {
        errno = EILSEQ;
        return NULL;
    }
    wchar_t *w = malloc((size_t)n * sizeof *w);
    if (!w) {
        errno = ENOMEM;
        return NULL;
    }
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
    return w;
}

/* UTF-16 to a malloc'd UTF-8 string, or NULL. */
static char *narrow(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return NULL;
    char *s = malloc((size_t)n);
    if (s)
        WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}

static int errno_of(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_PATHNAME:
        return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_WRITE_PROTECT:
        return EACCES;
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
        return EEXIST;
    case ERROR_DIRECTORY:
        return ENOTDIR;
    case ERROR_DIR_NOT_EMPTY:
        return ENOTEMPTY;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return ENOMEM;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        return ENOSPC;
    case ERROR_INVALID_NAME:
    case ERROR_FILENAME_EXCED_RANGE:
        return ENAMETOOLONG;
    case ERROR_BROKEN_PIPE:
    case ERROR_NO_DATA:
        return EPIPE;
    case ERROR_NOT_SAME_DEVICE:
        return EXDEV;
    default:
        return EIO;
    }
}

static int fail_win(void)
{
    errno = errno_of(GetLastError());
    return -1;
}

/// Directory descriptors: slots holding paths ///

#define DIRFD_BASE 0x100000

static char **dir_slots;
static int n_dir_slots;
static SRWLOCK slots_lock = SRWLOCK_INIT; /* threads open and close directories too */

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    char *p = malloc(dl + nl + 2);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(p, dir, dl);
    size_t k = dl;
    if (dl && !rp_is_sep(dir[dl - 1]))
        p[k++] = '\\';
    memcpy(p + k, name, nl + 1);
    return p;
}

static const char *dir_path(int dirfd)
{
    int i = dirfd - DIRFD_BASE;
    if (dirfd == RP_AT_CWD)
        return NULL;
    AcquireSRWLockShared(&slots_lock);
    const char *p = i >= 0 && i < n_dir_slots ? dir_slots[i] : NULL;
    ReleaseSRWLockShared(&slots_lock);
    if (!p)
        errno = EBADF;
    return p;
}

/* name inside dirfd as a malloc'd path, or NULL with errno. */
static char *at_path(int dirfd, const char *name)
{
    if (dirfd == RP_AT_CWD || rp_path_absolute(name))
        return strdup(name);
    const char *d = dir_path(dirfd);
    return d ? join(d, name) : NULL;
}

static int new_slot_locked(char *path)
{
    for (int i = 0; i < n_dir_slots; i++)
        if (!dir_slots[i]) {
            dir_slots[i] = path;
            return DIRFD_BASE + i;
        }
    char **n = realloc(dir_slots, (size_t)(n_dir_slots + 16) * sizeof *n);
    if (!n) {
        free(path);
        errno = ENOMEM;
        return -1;
    }
    memset(n + n_dir_slots, 0, 16 * sizeof *n);
    dir_slots = n;
    n[n_dir_slots] = path;
    n_dir_slots += 16;
    return DIRFD_BASE + n_dir_slots - 16;
}

static int new_slot(char *path)
{
    AcquireSRWLockExclusive(&slots_lock);
    int r = new_slot_locked(path);
    ReleaseSRWLockExclusive(&slots_lock);
    return r;
}

/// Files ///

static int crt_flags(int flags)
{
    int o = (flags & 3) == RP_WRONLY ? _O_WRONLY : (flags & 3) == RP_RDWR ? _O_RDWR : _O_RDONLY;
    if (flags & RP_CREAT)
        o |= _O_CREAT;
    if (flags & RP_EXCL)
        o |= _O_EXCL;
    if (flags & RP_TRUNC)
        o |= _O_TRUNC;
    if (flags & RP_APPEND)
        o |= _O_APPEND;
    return o | _O_BINARY | _O_NOINHERIT;
}

int rp_open(const char *path, int flags, unsigned mode)
{
    wchar_t *w = wide(path);
    if (!w)
        return -1;
    int fd = _wopen(w, crt_flags(flags), (mode & 0200) ? (_S_IREAD | _S_IWRITE) : _S_IREAD);
    int e = errno;
    free(w);
    errno = e;
    return fd;
}

int rp_openat(int dirfd, const char *name, int flags, unsigned mode)
{
    char *p = at_path(dirfd, name);
    if (!p)
        return -1;
    int fd = rp_open(p, flags, mode);
    int e = errno;
    free(p);
    errno = e;
    return fd;
}

int rp_close(int fd)
{
    return _close(fd);
}

long rp_read(int fd, void *buf, size_t n)
{
    return _read(fd, buf, n > INT_MAX ? INT_MAX : (unsigned)n);
}

long rp_write(int fd, const void *buf, size_t n)
{
    return _write(fd, buf, n > INT_MAX ? INT_MAX : (unsigned)n);
}

int rp_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        long k = rp_write(fd, p, n);
        if (k < 0)
            return -1;
        if (k == 0) {
            errno = EIO;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int rp_fsync(int fd)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    if (GetFileType(h) != FILE_TYPE_DISK)
        return 0;
    return FlushFileBuffers(h) ? 0 : fail_win();
}

int rp_isatty(int fd)
{
    return _isatty(fd);
}

int rp_dup(int fd)
{
    return _dup(fd);
}

/* 100 ns ticks since 1601 to ns since 1970. */
static int64_t ft_ns(FILETIME ft)
{
    int64_t t = (int64_t)((uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime);
    return (t - 116444736000000000LL) * 100;
}

static void from_info(const BY_HANDLE_FILE_INFORMATION *i, rp_stat_t *st)
{
    memset(st, 0, sizeof *st);
    int dir = (i->dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    st->type = dir ? RP_DIR : RP_REG;
    st->mode = (i->dwFileAttributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0666;
    if (dir)
        st->mode |= 0111;
    st->size = dir ? 0 : ((uint64_t)i->nFileSizeHigh << 32 | i->nFileSizeLow);
    st->mtime_ns = ft_ns(i->ftLastWriteTime);
    st->dev = i->dwVolumeSerialNumber;
    st->ino = (uint64_t)i->nFileIndexHigh << 32 | i->nFileIndexLow;
    st->uid = st->gid = -1;
}

static int stat_handle(HANDLE h, rp_stat_t *st)
{
    DWORD t = GetFileType(h);
    if (t == FILE_TYPE_PIPE || t == FILE_TYPE_CHAR) {
        memset(st, 0, sizeof *st);
        st->type = t == FILE_TYPE_PIPE ? RP_FIFO : RP_CHR;
        st->mode = 0666;
        st->uid = st->gid = -1;
        return 0;
    }
    BY_HANDLE_FILE_INFORMATION i;
    if (!GetFileInformationByHandle(h, &i))
        return fail_win();
    from_info(&i, st);
    return 0;
}

static int stat_path(const char *path, rp_stat_t *st)
{
    wchar_t *w = wide(path);
    if (!w)
        return -1;
    HANDLE h = CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        /* A file we may not open: what its directory entry says. */
        WIN32_FILE_ATTRIBUTE_DATA a;
        DWORD e = GetLastError();
        if (e != ERROR_FILE_NOT_FOUND && e != ERROR_PATH_NOT_FOUND &&
            GetFileAttributesExW(w, GetFileExInfoStandard, &a)) {
            BY_HANDLE_FILE_INFORMATION i = {0};
            i.dwFileAttributes = a.dwFileAttributes;
            i.ftLastWriteTime = a.ftLastWriteTime;
            i.nFileSizeHigh = a.nFileSizeHigh;
            i.nFileSizeLow = a.nFileSizeLow;
            from_info(&i, st);
            free(w);
            return 0;
        }
        free(w);
        errno = errno_of(e);
        return -1;
    }
    free(w);
    int r = stat_handle(h, st);
    CloseHandle(h);
    return r;
}

int rp_stat(const char *path, rp_stat_t *st)
{
    return stat_path(path, st);
}

int rp_lstat(const char *path, rp_stat_t *st)
{
    return stat_path(path, st); /* reparse points are followed by the OS */
}

int rp_fstat(int fd, rp_stat_t *st)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    return stat_handle(h, st);
}

int rp_statat(int dirfd, const char *name, rp_stat_t *st, int follow)
{
    (void)follow;
    char *p = at_path(dirfd, name);
    if (!p)
        return -1;
    int r = stat_path(p, st);
    int e = errno;
    free(p);
    errno = e;
    return r;
}

long rp_readlink(const char *path, char *buf, size_t cap)
{
    (void)path;
    (void)buf;
    (void)cap;
    errno = EINVAL; /* rp_lstat never reports a link */
    return -1;
}

char *rp_realpath(const char *path)
{
    wchar_t *w = wide(path);
    if (!w)
        return NULL;
    rp_stat_t st;
    if (rp_stat(path, &st) != 0) {
        free(w);
        return NULL;
    }
    wchar_t buf[32768];
    DWORD n = GetFullPathNameW(w, sizeof buf / sizeof buf[0], buf, NULL);
    free(w);
    if (n == 0 || n >= sizeof buf / sizeof buf[0]) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    /* No trailing separator but on a drive's root. */
    while (n > 3 && (buf[n - 1] == L'\\' || buf[n - 1] == L'/'))
        buf[--n] = 0;
    return narrow(buf);
}

int rp_path_absolute(const char *p)
{
    if (p[0] == '/' || p[0] == '\\')
        return 1;
    return ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':' &&
           (p[2] == '/' || p[2] == '\\');
}

int rp_is_sep(char c)
{
    return c == '/' || c == '\\';
}

const char *rp_last_sep(const char *path)
{
    const char *a = strrchr(path, '/'), *b = strrchr(path, '\\');
    return a > b ? a : b;
}

int rp_mkdir(const char *path, unsigned mode)
{
    (void)mode;
    wchar_t *w = wide(path);
    if (!w)
        return -1;
    int r = CreateDirectoryW(w, NULL) ? 0 : fail_win();
    int e = errno;
    free(w);
    errno = e;
    return r;
}

int rp_rmdir(const char *path)
{
    wchar_t *w = wide(path);
    if (!w)
        return -1;
    int r = RemoveDirectoryW(w) ? 0 : fail_win();
    int e = errno;
    free(w);
    errno = e;
    return r;
}

int rp_unlink(const char *path)
{
    wchar_t *w = wide(path);
    if (!w)
        return -1;
    int r = DeleteFileW(w) ? 0 : fail_win();
    int e = errno;
    free(w);
    errno = e;
    return r;
}

int rp_unlinkat(int dirfd, const char *name, int is_dir)
{
    char *p = at_path(dirfd, name);
    if (!p)
        return -1;
    int r = is_dir ? rp_rmdir(p) : rp_unlink(p);
    int e = errno;
    free(p);
    errno = e;
    return r;
}

int rp_renameat(int dirfd, const char *from, const char *to, int noreplace)
{
    char *a = at_path(dirfd, from), *b = at_path(dirfd, to);
    wchar_t *wa = a ? wide(a) : NULL, *wb = b ? wide(b) : NULL;
    int r = -1;
    if (wa && wb) {
        /* Same directory, same volume: MoveFileExW renames in one step.
         * Without MOVEFILE_REPLACE_EXISTING it fails on an existing target. */
        DWORD fl = MOVEFILE_WRITE_THROUGH | (noreplace ? 0 : MOVEFILE_REPLACE_EXISTING);
        r = MoveFileExW(wa, wb, fl) ? 0 : fail_win();
    } else if (!errno) {
        errno = ENOMEM;
    }
    int e = errno;
    free(a);
    free(b);
    free(wa);
    free(wb);
    errno = e;
    return r;
}

int rp_copy_mode(int fd, const rp_stat_t *old)
{
    (void)fd;
    (void)old; /* the directory's ACL applies; read-only is not carried over */
    return 0;
}

int rp_touch(const char *path)
{
    wchar_t *w = wide(path);
    if (!w)
        return -1;
    HANDLE h = CreateFileW(w, FILE_WRITE_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return fail_win();
    FILETIME now;
    GetSystemTimeAsFileTime(&now);
    int r = SetFileTime(h, NULL, NULL, &now) ? 0 : fail_win();
    CloseHandle(h);
    return r;
}

int rp_executable(const char *path)
{
    rp_stat_t st;
    return rp_stat(path, &st) == 0 && st.type == RP_REG;
}

int rp_writable_dir(const char *path)
{
    rp_stat_t st;
    if (rp_stat(path, &st) != 0)
        return 0;
    if (st.type != RP_DIR) {
        errno = ENOTDIR;
        return 0;
    }
    return 1;
}

/// Directories ///

int rp_dir_open(const char *path)
{
    rp_stat_t st;
    if (rp_stat(path, &st) != 0)
        return -1;
    if (st.type != RP_DIR) {
        errno = ENOTDIR;
        return -1;
    }
    char *p = strdup(path);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    return new_slot(p);
}

int rp_dir_openat(int dirfd, const char *name, int nofollow)
{
    (void)nofollow; /* reparse points are the OS's to follow */
    char *p = at_path(dirfd, name);
    if (!p)
        return -1;
    int r = rp_dir_open(p);
    int e = errno;
    free(p);
    errno = e;
    return r;
}

int rp_dir_stat(int dirfd, rp_stat_t *st)
{
    const char *d = dirfd == RP_AT_CWD ? "." : dir_path(dirfd);
    return d ? rp_stat(d, st) : -1;
}

int rp_mkdirat(int dirfd, const char *name, unsigned mode)
{
    char *p = at_path(dirfd, name);
    if (!p)
        return -1;
    int r = rp_mkdir(p, mode);
    int e = errno;
    free(p);
    errno = e;
    return r;
}

const char *rp_name_refused(const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || strchr("\\:*?\"<>|/", *p))
            return "has a character Windows does not allow in names (\\ : * ? \" < > | or a control character)";
    size_t n = strlen(name);
    if (n && (name[n - 1] == '.' || name[n - 1] == ' '))
        return "ends with a dot or a space, which Windows drops";
    /* CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension */
    size_t base = strcspn(name, ".");
    char up[5] = {0};
    for (size_t i = 0; i < base && i < 4; i++)
        up[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    if ((base == 3 && (!strcmp(up, "CON") || !strcmp(up, "PRN") || !strcmp(up, "AUX") || !strcmp(up, "NUL"))) ||
        (base == 4 && (!strncmp(up, "COM", 3) || !strncmp(up, "LPT", 3)) && up[3] >= '1' && up[3] <= '9'))
        return "is a device name Windows reserves";
    return NULL;
}

char *rp_name_key(const char *name)
{
    wchar_t *w = wide(name);
    if (!w)
        return NULL;
    CharUpperBuffW(w, (DWORD)wcslen(w));
    char *k = narrow(w);
    free(w);
    return k;
}

int rp_names_restricted(void)
{
    return 1;
}

int rp_dir_dup(int dirfd)
{
    if (dirfd == RP_AT_CWD)
        return rp_dir_open(".");
    const char *d = dir_path(dirfd);
    char *p = d ? strdup(d) : NULL;
    if (!p) {
        if (d)
            errno = ENOMEM;
        return -1;
    }
    return new_slot(p);
}

void rp_dir_close(int dirfd)
{
    int i = dirfd - DIRFD_BASE;
    AcquireSRWLockExclusive(&slots_lock);
    if (i >= 0 && i < n_dir_slots) {
        free(dir_slots[i]);
        dir_slots[i] = NULL;
    }
    ReleaseSRWLockExclusive(&slots_lock);
}

int rp_dir_sync(int dirfd)
{
    (void)dirfd; /* NTFS journals the rename itself */
    return 0;
}

int rp_fs_sync(int dirfd)
{
    (void)dirfd; /* every file was flushed (FlushFileBuffers) before its rename */
    return 0;
}

struct rp_dirstream {
    HANDLE h;
    WIN32_FIND_DATAW fd;
    int first, dirfd;
    char *name;
};

rp_dirstream_t *rp_opendir(const char *path)
{
    char *pat = join(path, "*");
    wchar_t *w = pat ? wide(pat) : NULL;
    free(pat);
    if (!w)
        return NULL;
    rp_dirstream_t *d = calloc(1, sizeof *d);
    if (!d) {
        free(w);
        errno = ENOMEM;
        return NULL;
    }
    d->h = FindFirstFileW(w, &d->fd);
    free(w);
    if (d->h == INVALID_HANDLE_VALUE) {
        fail_win();
        free(d);
        return NULL;
    }
    d->first = 1;
    d->dirfd = rp_dir_open(path);
    if (d->dirfd < 0) {
        FindClose(d->h);
        free(d);
        return NULL;
    }
    return d;
}

const char *rp_readdir(rp_dirstream_t *d)
{
    for (;;) {
        if (!d->first && !FindNextFileW(d->h, &d->fd)) {
            DWORD e = GetLastError();
            errno = e == ERROR_NO_MORE_FILES ? 0 : errno_of(e);
            return NULL;
        }
        d->first = 0;
        const wchar_t *n = d->fd.cFileName;
        if (n[0] == L'.' && (n[1] == 0 || (n[1] == L'.' && n[2] == 0)))
            continue;
        free(d->name);
        d->name = narrow(n);
        if (!d->name) {
            errno = ENOMEM;
            return NULL;
        }
        errno = 0;
        return d->name;
    }
}

int rp_dirstream_dirfd(rp_dirstream_t *d)
{
    return d->dirfd;
}

int rp_dirstream_stat(rp_dirstream_t *d, rp_stat_t *st, int follow)
{
    DWORD a = d->fd.dwFileAttributes;
    if (!d->name || (a & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DEVICE)))
        return rp_statat(d->dirfd, d->name ? d->name : "", st, follow); /* identity for loop checks */
    BY_HANDLE_FILE_INFORMATION i;
    memset(&i, 0, sizeof i);
    i.dwFileAttributes = a;
    i.ftLastWriteTime = d->fd.ftLastWriteTime;
    i.nFileSizeHigh = d->fd.nFileSizeHigh;
    i.nFileSizeLow = d->fd.nFileSizeLow;
    from_info(&i, st);
    return 0;
}

void rp_closedir(rp_dirstream_t *d)
{
    if (!d)
        return;
    FindClose(d->h);
    rp_dir_close(d->dirfd);
    free(d->name);
    free(d);
}

/// Processes ///

/* argv as one command line that the C runtime's parser splits back into
 * the same arguments (quotes and the backslashes before them). */
static wchar_t *command_line(char *const argv[])
{
    size_t cap = 1;
    for (size_t i = 0; argv[i]; i++)
        cap += 2 * strlen(argv[i]) + 3;
    char *s = malloc(cap), *w = s;
    if (!s)
        return NULL;
    for (size_t i = 0; argv[i]; i++) {
        const char *a = argv[i];
        if (i)
            *w++ = ' ';
        if (*a && !strpbrk(a, " \t\n\v\"")) {
            size_t n = strlen(a);
            memcpy(w, a, n);
            w += n;
            continue;
        }
        *w++ = '"';
        for (size_t bs = 0;; a++) {
            if (*a == '\\') {
                bs++;
                continue;
            }
            /* backslashes before a quote or the closing quote are doubled */
            size_t k = (*a == '"' || !*a) ? 2 * bs : bs;
            while (k--)
                *w++ = '\\';
            bs = 0;
            if (!*a)
                break;
            if (*a == '"')
                *w++ = '\\';
            *w++ = *a;
        }
        *w++ = '"';
    }
    *w = '\0';
    wchar_t *r = wide(s);
    free(s);
    return r;
}

/* Held from a child's pipes to its start: every handle a child may inherit
 * is its own, though other threads start children too. */
static SRWLOCK spawn_lock = SRWLOCK_INIT;

/* A pipe whose child end is inheritable and ours is not. */
static int child_pipe(HANDLE *ours, HANDLE *child, int child_reads)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE r, w;
    if (!CreatePipe(&r, &w, &sa, 0))
        return errno_of(GetLastError());
    *ours = child_reads ? w : r;
    *child = child_reads ? r : w;
    SetHandleInformation(*ours, HANDLE_FLAG_INHERIT, 0);
    return 0;
}

static int spawn_locked(char *const argv[], rp_proc_t *p, int *in_fd, int *out_fd, int err_to_out)
{
    HANDLE in_ours = NULL, in_child = NULL, out_ours = NULL, out_child = NULL, nul = NULL;
    int e = 0;
    if (in_fd)
        e = child_pipe(&in_ours, &in_child, 1);
    else {
        SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
        nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
        in_child = nul;
    }
    if (!e && out_fd)
        e = child_pipe(&out_ours, &out_child, 0);
    wchar_t *cmd = e ? NULL : command_line(argv);
    if (!e && !cmd)
        e = errno ? errno : ENOMEM;
    if (!e) {
        STARTUPINFOW si;
        memset(&si, 0, sizeof si);
        si.cb = sizeof si;
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdInput = in_child;
        si.hStdOutput = out_fd ? out_child : GetStdHandle(STD_OUTPUT_HANDLE);
        si.hStdError = err_to_out ? si.hStdOutput : GetStdHandle(STD_ERROR_HANDLE);
        PROCESS_INFORMATION pi;
        /* Our ends are not inheritable and spawn_lock is held, so the
         * child inherits its own ends and nothing else of ours. */
        if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
            e = errno_of(GetLastError());
        } else {
            CloseHandle(pi.hThread);
            p->pid = (intptr_t)pi.dwProcessId;
            p->handle = pi.hProcess;
            p->job = NULL;
        }
    }
    free(cmd);
    if (in_child)
        CloseHandle(in_child);
    if (out_child)
        CloseHandle(out_child);
    if (e) {
        if (in_ours)
            CloseHandle(in_ours);
        if (out_ours)
            CloseHandle(out_ours);
        return e;
    }
    if (in_fd)
        *in_fd = _open_osfhandle((intptr_t)in_ours, _O_WRONLY | _O_BINARY);
    if (out_fd)
        *out_fd = _open_osfhandle((intptr_t)out_ours, _O_RDONLY | _O_BINARY);
    return 0;
}

int rp_spawn(char *const argv[], rp_proc_t *p, int *in_fd, int *out_fd, int err_to_out)
{
    AcquireSRWLockExclusive(&spawn_lock);
    int e = spawn_locked(argv, p, in_fd, out_fd, err_to_out);
    ReleaseSRWLockExclusive(&spawn_lock);
    return e;
}

static int spawn_shell_locked(const char *cmd, rp_proc_t *p, int *in_fd, int *out_fd)
{
    HANDLE in_ours = NULL, in_child = NULL, out_ours = NULL, out_child = NULL;
    int e = child_pipe(&in_ours, &in_child, 1);
    if (!e && (e = child_pipe(&out_ours, &out_child, 0)) != 0) {
        CloseHandle(in_ours);
        CloseHandle(in_child);
        return e;
    }
    if (e)
        return e;
    /* cmd.exe /s /c "CMD": the outer quotes go, CMD stays as written. */
    const wchar_t *shell = _wgetenv(L"ComSpec");
    if (!shell || !*shell)
        shell = L"cmd.exe";
    wchar_t *wcmd = wide(cmd);
    size_t cap = wcmd ? wcslen(shell) + wcslen(wcmd) + 32 : 0;
    wchar_t *line = wcmd ? malloc(cap * sizeof *line) : NULL;
    if (!line) {
        e = ENOMEM;
    } else {
        swprintf(line, cap, L"\"%ls\" /d /s /c \"%ls\"", shell, wcmd);
        /* A job that ends every process of the board with its last handle
         * (ours: closed when the command ends, whatever way). */
        HANDLE job = CreateJobObjectW(NULL, NULL);
        if (job) {
            JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
            memset(&li, 0, sizeof li);
            li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
            SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof li);
        }
        STARTUPINFOW si;
        memset(&si, 0, sizeof si);
        si.cb = sizeof si;
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdInput = in_child;
        si.hStdOutput = out_child;
        si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
        PROCESS_INFORMATION pi;
        if (!CreateProcessW(NULL, line, NULL, NULL, TRUE, CREATE_SUSPENDED | CREATE_NEW_PROCESS_GROUP, NULL, NULL,
                            &si, &pi)) {
            e = errno_of(GetLastError());
            if (job)
                CloseHandle(job);
        } else {
            if (job && !AssignProcessToJobObject(job, pi.hProcess)) {
                CloseHandle(job); /* inside a job that allows none (old Windows): TerminateProcess only */
                job = NULL;
            }
            ResumeThread(pi.hThread);
            CloseHandle(pi.hThread);
            p->pid = (intptr_t)pi.dwProcessId;
            p->handle = pi.hProcess;
            p->job = job;
        }
    }
    free(wcmd);
    free(line);
    CloseHandle(in_child);
    CloseHandle(out_child);
    if (e) {
        CloseHandle(in_ours);
        CloseHandle(out_ours);
        return e;
    }
    *in_fd = _open_osfhandle((intptr_t)in_ours, _O_WRONLY | _O_BINARY);
    *out_fd = _open_osfhandle((intptr_t)out_ours, _O_RDONLY | _O_BINARY);
    return 0;
}

int rp_spawn_shell(const char *cmd, rp_proc_t *p, int *in_fd, int *out_fd)
{
    AcquireSRWLockExclusive(&spawn_lock);
    int e = spawn_shell_locked(cmd, p, in_fd, out_fd);
    ReleaseSRWLockExclusive(&spawn_lock);
    return e;
}

void rp_terminate_group(rp_proc_t *p, int hard)
{
    (void)hard;
    if (p->job)
        TerminateJobObject(p->job, 1);
    else if (p->handle)
        TerminateProcess(p->handle, 1);
}

void rp_proc_release(rp_proc_t *p)
{
    if (p->job)
        CloseHandle(p->job);
    p->job = NULL;
    if (p->handle)
        CloseHandle(p->handle);
    p->handle = NULL;
}

int rp_wait_writable(int fd, int timeout_ms)
{
    (void)fd;
    (void)timeout_ms;
    return 1;
}

long rp_write_nosigpipe(int fd, const void *buf, size_t n)
{
    return rp_write(fd, buf, n);
}

int rp_pipe(int p[2])
{
    return _pipe(p, 65536, _O_BINARY | _O_NOINHERIT);
}

static int exit_code(rp_proc_t *p)
{
    DWORD code = 255;
    GetExitCodeProcess(p->handle, &code);
    CloseHandle(p->handle);
    p->handle = NULL;
    return code <= 255 ? (int)code : 255;
}

int rp_wait(rp_proc_t *p)
{
    if (!p->handle) {
        errno = ECHILD;
        return -1;
    }
    WaitForSingleObject(p->handle, INFINITE);
    return exit_code(p);
}

int rp_wait_nohang(rp_proc_t *p)
{
    if (!p->handle) {
        errno = ECHILD;
        return -1;
    }
    if (WaitForSingleObject(p->handle, 0) == WAIT_TIMEOUT)
        return -2;
    return exit_code(p);
}

void rp_terminate(rp_proc_t *p)
{
    if (p->handle)
        TerminateProcess(p->handle, 1);
}

static int fd_ready(int fd)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE)
        return 1; /* the read says what is wrong */
    switch (GetFileType(h)) {
    case FILE_TYPE_PIPE: {
        DWORD avail = 0;
        if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL))
            return 1; /* broken: the read sees the end */
        return avail > 0;
    }
    case FILE_TYPE_CHAR:
        return WaitForSingleObject(h, 0) == WAIT_OBJECT_0;
    default:
        return 1;
    }
}

int rp_wait_readable(const int *fds, size_t n, int timeout_ms, unsigned char *ready)
{
    int64_t end = timeout_ms < 0 ? INT64_MAX : rp_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int count = 0;
        for (size_t i = 0; i < n; i++)
            count += ready[i] = (unsigned char)fd_ready(fds[i]);
        if (count)
            return count;
        int64_t now = rp_monotonic_ns();
        if (now >= end)
            return 0;
        int64_t left = (end - now) / 1000000;
        Sleep(left < 5 ? (DWORD)(left > 0 ? left : 1) : 5);
    }
}

char *rp_find_program(const char *path, const char *name)
{
    wchar_t *w = wide(name), *wp = path ? wide(path) : NULL;
    if (!w || (path && !wp)) {
        free(w);
        return NULL;
    }
    wchar_t buf[32768];
    DWORD n = SearchPathW(wp, w, L".exe", sizeof buf / sizeof buf[0], buf, NULL);
    free(w);
    free(wp);
    if (n == 0 || n >= sizeof buf / sizeof buf[0])
        return NULL;
    return narrow(buf);
}

long rp_getpid(void)
{
    return (long)GetCurrentProcessId();
}

unsigned rp_ncpus(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors ? si.dwNumberOfProcessors : 1;
}

void rp_main_init(int *argc, char ***argv)
{
    _setmode(0, _O_BINARY);
    _setmode(1, _O_BINARY);
    _setmode(2, _O_BINARY);
    int n = 0;
    wchar_t **w = CommandLineToArgvW(GetCommandLineW(), &n);
    if (!w || n < 1)
        return;
    char **v = calloc((size_t)n + 1, sizeof *v);
    for (int i = 0; v && i < n; i++)
        if (!(v[i] = narrow(w[i])))
            return; /* keep the C runtime's argv (kept for the process's life) */
    LocalFree(w);
    if (v) {
        *argc = n;
        *argv = v;
    }
}

/// Time, temporary files, the executable ///

int64_t rp_monotonic_ns(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER c;
    if (!freq.QuadPart)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&c);
    return (int64_t)(c.QuadPart / freq.QuadPart) * 1000000000 +
           (int64_t)(c.QuadPart % freq.QuadPart) * 1000000000 / freq.QuadPart;
}

int rp_sleep_ms(unsigned ms)
{
    Sleep(ms);
    return 0;
}

const char *rp_tmpdir(void)
{
    static char *dir;
    const char *t = getenv("TMPDIR");
    if (t && *t)
        return t;
    if (!dir) {
        wchar_t buf[MAX_PATH + 1];
        DWORD n = GetTempPathW(MAX_PATH + 1, buf);
        while (n > 3 && (buf[n - 1] == L'\\' || buf[n - 1] == L'/'))
            buf[--n] = 0;
        dir = n ? narrow(buf) : NULL;
    }
    return dir ? dir : ".";
}

char *rp_mkdtemp(const char *dir, const char *prefix)
{
    static volatile LONG seq;
    const char *t = dir && *dir ? dir : rp_tmpdir();
    size_t n = strlen(t) + strlen(prefix) + 16;
    char *s = malloc(n);
    if (!s) {
        errno = ENOMEM;
        return NULL;
    }
    for (int tries = 0; tries < 100; tries++) {
        unsigned v = (unsigned)GetTickCount() ^ (unsigned)GetCurrentProcessId() << 8 ^ ((unsigned)InterlockedIncrement(&seq) * 2654435761u);
        snprintf(s, n, "%s\\%s%06x", t, prefix, v & 0xffffff);
        if (rp_mkdir(s, 0700) == 0)
            return s;
        if (errno != EEXIST)
            break;
    }
    int e = errno;
    free(s);
    errno = e;
    return NULL;
}

FILE *rp_tmpfile(void)
{
    static volatile LONG seq;
    const char *t = rp_tmpdir();
    char name[64];
    snprintf(name, sizeof name, "romfs-tmp-%lx-%lx", (unsigned long)GetCurrentProcessId(),
             (unsigned long)InterlockedIncrement(&seq));
    char *path = join(t, name);
    wchar_t *w = path ? wide(path) : NULL;
    free(path);
    if (!w) {
        errno = ENOMEM;
        return NULL;
    }
    /* Deleted when its last handle closes, the process's end included. */
    HANDLE h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_DELETE, NULL, CREATE_NEW,
                           FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        fail_win();
        return NULL;
    }
    int fd = _open_osfhandle((intptr_t)h, _O_RDWR | _O_BINARY);
    if (fd < 0) {
        CloseHandle(h);
        errno = EMFILE;
        return NULL;
    }
    FILE *fp = _fdopen(fd, "w+b");
    if (!fp)
        _close(fd);
    return fp;
}

char *rp_exe_path(void)
{
    wchar_t buf[32768];
    DWORD n = GetModuleFileNameW(NULL, buf, sizeof buf / sizeof buf[0]);
    if (n == 0 || n >= sizeof buf / sizeof buf[0])
        return NULL;
    return narrow(buf);
}

char *rp_cache_home(void)
{
    const char *x = getenv("XDG_CACHE_HOME");
    if (x && rp_path_absolute(x))
        return strdup(x);
    const wchar_t *l = _wgetenv(L"LOCALAPPDATA");
    return l && *l ? narrow(l) : NULL;
}

/// Directory watcher: ReadDirectoryChangesW over the whole tree ///

struct rp_watch_native {
    HANDLE dir, ev;
    OVERLAPPED ov;
    DWORD buf[4096];
    char *root;
    rp_watch_names_t *names;
};

static int arm(struct rp_watch_native *w)
{
    memset(&w->ov, 0, sizeof w->ov);
    w->ov.hEvent = w->ev;
    return ReadDirectoryChangesW(w->dir, w->buf, sizeof w->buf, TRUE,
                                 FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_DIR_NAME |
                                     FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE,
                                 NULL, &w->ov, NULL)
               ? 0
               : -1;
}

struct rp_watch_native *rp_os_watch_open(const char *dir, rp_watch_names_t *names)
{
    wchar_t *w = wide(dir);
    if (!w)
        return NULL;
    struct rp_watch_native *n = calloc(1, sizeof *n);
    if (!n || !(n->root = strdup(dir))) {
        free(n);
        free(w);
        return NULL;
    }
    n->names = names;
    n->dir = CreateFileW(w, FILE_LIST_DIRECTORY, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                         OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED, NULL);
    free(w);
    n->ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (n->dir == INVALID_HANDLE_VALUE || !n->ev || arm(n) != 0) {
        fail_win();
        int e = errno;
        rp_os_watch_close(n);
        errno = e;
        return NULL;
    }
    return n;
}

/* The changes in the buffer, named relative to the root with '/': how
 * many the filter lets count. */
static int take_changes(struct rp_watch_native *w, DWORD got)
{
    if (got == 0) { /* the buffer overflowed: a change, names lost */
        w->names->overflow = 1;
        return 1;
    }
    int count = 0;
    for (const unsigned char *p = (const unsigned char *)w->buf;;) {
        const FILE_NOTIFY_INFORMATION *fi = (const FILE_NOTIFY_INFORMATION *)p;
        size_t len = fi->FileNameLength / sizeof(WCHAR);
        wchar_t *name = malloc((len + 1) * sizeof *name);
        char *rel = NULL;
        if (name) {
            memcpy(name, fi->FileName, len * sizeof *name);
            name[len] = 0;
            rel = narrow(name);
            free(name);
        }
        if (!rel) {
            w->names->overflow = 1;
            count++;
        } else {
            for (char *c = rel; *c; c++)
                if (*c == '\\')
                    *c = '/';
            char *full = join(w->root, rel);
            rp_stat_t st;
            int is_dir = full && rp_lstat(full, &st) == 0 ? st.type == RP_DIR : -1;
            free(full);
            count += rp_watch_names_add(w->names, rel, is_dir);
            free(rel);
        }
        if (!fi->NextEntryOffset)
            break;
        p += fi->NextEntryOffset;
    }
    return count;
}

int rp_os_watch_wait(struct rp_watch_native *w, int timeout_ms)
{
    int64_t end = rp_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int64_t left = timeout_ms < 0 ? 0 : (end - rp_monotonic_ns()) / 1000000;
        DWORD r = WaitForSingleObject(w->ev, timeout_ms < 0 ? INFINITE : (DWORD)(left > 0 ? left : 0));
        if (r == WAIT_TIMEOUT)
            return 0;
        DWORD got = 0;
        if (r != WAIT_OBJECT_0 || !GetOverlappedResult(w->dir, &w->ov, &got, FALSE))
            return fail_win();
        ResetEvent(w->ev);
        int count = take_changes(w, got);
        if (arm(w) != 0)
            return fail_win();
        if (count > 0)
            return 1;
        /* only what the filter leaves out changed: wait on */
    }
}

const char *rp_os_watch_name(void)
{
    return "ReadDirectoryChangesW";
}

void rp_os_watch_close(struct rp_watch_native *w)
{
    if (!w)
        return;
    if (w->dir && w->dir != INVALID_HANDLE_VALUE) {
        CancelIo(w->dir);
        CloseHandle(w->dir);
    }
    if (w->ev)
        CloseHandle(w->ev);
    free(w->root);
    free(w);
}

/// Interruption: console control events ///

static void (*ctrl_handler)(int sig);
static CRITICAL_SECTION ctrl_lock;
static INIT_ONCE ctrl_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK init_lock(PINIT_ONCE once, PVOID arg, PVOID *ctx)
{
    (void)once;
    (void)arg;
    (void)ctx;
    InitializeCriticalSection(&ctrl_lock);
    return TRUE;
}

static void lock_init(void)
{
    InitOnceExecuteOnce(&ctrl_once, init_lock, NULL, NULL);
}

/* Runs on a thread of its own: waits for the main thread's block to end. */
static BOOL WINAPI on_ctrl(DWORD type)
{
    void (*h)(int) = ctrl_handler;
    if (!h)
        return FALSE;
    int sig = type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT ? RP_SIGINT : RP_SIGHUP;
    EnterCriticalSection(&ctrl_lock);
    h(sig);
    LeaveCriticalSection(&ctrl_lock);
    return TRUE;
}

void rp_interrupt_install(void (*handler)(int sig), int keep_ignored)
{
    (void)keep_ignored;
    lock_init();
    if (!ctrl_handler)
        SetConsoleCtrlHandler(on_ctrl, TRUE);
    ctrl_handler = handler;
}

void rp_interrupt_block(rp_sigmask_t *old)
{
    (void)old;
    lock_init();
    EnterCriticalSection(&ctrl_lock);
}

void rp_interrupt_restore(const rp_sigmask_t *old)
{
    (void)old;
    LeaveCriticalSection(&ctrl_lock);
}

void rp_interrupt_exit(int sig)
{
    fflush(NULL);
    ExitProcess((UINT)(128 + sig));
}

const char *rp_signal_name(int sig)
{
    return sig == RP_SIGINT ? "SIGINT" : sig == RP_SIGTERM ? "SIGTERM" : sig == RP_SIGHUP ? "SIGHUP" : "a signal";
}

void rp_kill_group(long pgid)
{
    (void)pgid; /* no process groups: the board side is not on Windows yet */
}

void rp_stop_self(void)
{
}

static void remove_tree(const char *path, int depth)
{
    rp_dirstream_t *d = depth < 16 ? rp_opendir(path) : NULL;
    for (const char *n; d && (n = rp_readdir(d)) != NULL;) {
        char *sub = join(path, n);
        if (sub && rp_unlink(sub) != 0)
            remove_tree(sub, depth + 1);
        free(sub);
    }
    rp_closedir(d);
    rp_rmdir(path);
}

void rp_remove_tree_at(int dirfd, const char *name)
{
    char *p = at_path(dirfd, name);
    if (p)
        remove_tree(p, 0);
    free(p);
}

/// Threads ///

struct rp_thread {
    rp_thread_job_t job;
    HANDLE h;
};

static DWORD WINAPI thread_main(LPVOID p)
{
    rp_thread_job_t *j = p;
    j->rc = j->fn(j->arg);
    return 0;
}

int rp_thread_start(rp_thread_t **out, int (*fn)(void *arg), void *arg)
{
    rp_thread_t *t = rp_thread_job_new(sizeof *t, fn, arg);
    if (!t)
        return ENOMEM;
    t->h = CreateThread(NULL, (SIZE_T)8 << 20, thread_main, t, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (!t->h) {
        int e = errno_of(GetLastError());
        free(t);
        return e ? e : EAGAIN;
    }
    *out = t;
    return 0;
}

int rp_thread_join(rp_thread_t *t)
{
    WaitForSingleObject(t->h, INFINITE);
    CloseHandle(t->h);
    int rc = t->job.rc;
    free(t);
    return rc;
}
