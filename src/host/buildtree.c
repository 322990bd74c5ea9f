/*
 * Directory scan: a host directory becomes builder calls, the way
 * `mpremote romfs build` walks it (sorted listing, os.stat following links,
 * hidden files included), and the tree lines mpremote prints.
 *
 * Stricter than mpremote where it would silently do something surprising:
 * symlink loops, special files, unreadable files and an output file inside
 * the source tree are errors that name the path.
 */
#include "romfs/romfs_build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A growable NUL-terminated string. */
struct str {
    char *s;
    size_t len, cap;
};

static int str_reserve(struct str *s, size_t extra)
{
    if (s->len + extra + 1 <= s->cap)
        return 0;
    size_t ncap = s->cap ? s->cap : 256;
    while (ncap < s->len + extra + 1)
        ncap *= 2;
    char *n = realloc(s->s, ncap);
    if (!n)
        return ROMFS_ERR_NOMEM;
    s->s = n;
    s->cap = ncap;
    return 0;
}

static int str_add(struct str *s, const char *p, size_t n)
{
    if (str_reserve(s, n) != 0)
        return ROMFS_ERR_NOMEM;
    memcpy(s->s + s->len, p, n);
    s->len += n;
    s->s[s->len] = '\0';
    return 0;
}

static void str_cut(struct str *s, size_t len)
{
    s->len = len;
    if (s->s)
        s->s[len] = '\0';
}

/* (dev, ino) of each directory on the current path, to catch link loops. */
struct dirid {
    dev_t dev;
    ino_t ino;
};

struct scan {
    romfs_builder_t *b;
    const romfs_dirscan_opts_t *o;
    struct str path;    /* host directory being scanned, with a final '/' */
    struct str prefix;  /* tree-line indentation */
    struct str line;
    struct dirid *stack;
    size_t depth, stack_cap;
};

static int fail(struct scan *sc, const char *path, int err, const char *msg)
{
    if (sc->o && sc->o->on_error)
        sc->o->on_error(sc->o->ctx, path, msg);
    return err;
}

static void emit_line(struct scan *sc, const char *entry, const char *name, const char *tail,
                      const char *note)
{
    if (!sc->o || !sc->o->on_line)
        return;
    str_cut(&sc->line, 0);
    if (str_add(&sc->line, sc->prefix.s ? sc->prefix.s : "", sc->prefix.len) ||
        str_add(&sc->line, entry, strlen(entry)) || str_add(&sc->line, " ", 1) ||
        str_add(&sc->line, name, strlen(name)) || str_add(&sc->line, tail, strlen(tail)) ||
        (note && str_add(&sc->line, note, strlen(note))))
        return;
    sc->o->on_line(sc->o->ctx, sc->line.s);
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in the directory at sc->path, minus "." and "..". */
static int list_dir(struct scan *sc, char ***names_out, size_t *n_out)
{
    DIR *d = opendir(sc->path.s);
    if (!d) {
        int e = errno;
        return fail(sc, sc->path.s, -e, strerror(e));
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int err = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            if (errno) {
                err = -errno;
                fail(sc, sc->path.s, err, strerror(errno));
            }
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nn = realloc(names, ncap * sizeof *nn);
            if (!nn) {
                err = fail(sc, sc->path.s, ROMFS_ERR_NOMEM, "out of memory");
                break;
            }
            names = nn;
            cap = ncap;
        }
        if (!(names[n] = strdup(de->d_name))) {
            err = fail(sc, sc->path.s, ROMFS_ERR_NOMEM, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (err) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return err;
    }
    if (n > 1)
        qsort(names, n, sizeof *names, by_bytes);
    *names_out = names;
    *n_out = n;
    return 0;
}

static const char *kind_name(mode_t m)
{
    if (S_ISFIFO(m))
        return "a fifo";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    return "a special file";
}

static int push_dir(struct scan *sc, const struct stat *st, const char *path)
{
    for (size_t i = 0; i < sc->depth; i++)
        if (sc->stack[i].dev == st->st_dev && sc->stack[i].ino == st->st_ino)
            return fail(sc, path, ROMFS_ERR_INVAL,
                        "symbolic link loop: this directory contains itself");
    if (sc->depth == sc->stack_cap) {
        size_t ncap = sc->stack_cap ? sc->stack_cap * 2 : 16;
        struct dirid *ns = realloc(sc->stack, ncap * sizeof *ns);
        if (!ns)
            return fail(sc, path, ROMFS_ERR_NOMEM, "out of memory");
        sc->stack = ns;
        sc->stack_cap = ncap;
    }
    sc->stack[sc->depth].dev = st->st_dev;
    sc->stack[sc->depth].ino = st->st_ino;
    sc->depth++;
    return 0;
}

static int builder_fail(struct scan *sc, const char *path, int err)
{
    const char *m = romfs_builder_errmsg(sc->b);
    return fail(sc, path, err, m && *m ? m : romfs_strerror(err));
}

static int add_file(struct scan *sc, const char *name, const struct stat *st, const char *entry)
{
    const char *full = sc->path.s;
    /* Opening now reports an unreadable file before any output is written;
     * O_NONBLOCK keeps a fifo swapped in since the stat from blocking. */
    int fd = open(full, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return fail(sc, full, -e, e == EACCES ? "cannot read: permission denied" : strerror(e));
    }
    close(fd);
    romfs_dirscan_file_t f = {full, NULL, name, strlen(name), NULL, sc->depth == 1};
    char *dir_path = strndup(full, strlen(full) - strlen(name));
    if (!dir_path)
        return fail(sc, full, ROMFS_ERR_NOMEM, "out of memory");
    f.dir_path = dir_path;
    int r = 0;
    if (sc->o && sc->o->on_file)
        r = sc->o->on_file(sc->o->ctx, &f);
    free(dir_path);
    if (r < 0)
        return r;
    emit_line(sc, entry, name, "", f.note);
    struct stat st2;
    const struct stat *use = st;
    if (f.host_path != full) {
        if (stat(f.host_path, &st2) != 0) {
            int e = errno;
            return fail(sc, f.host_path, -e, strerror(e));
        }
        use = &st2;
    }
    int64_t mt = (int64_t)use->st_mtim.tv_sec * 1000000000 + use->st_mtim.tv_nsec;
    r = romfs_builder_add_file_host(sc->b, f.name, f.name_len, f.host_path, (uint64_t)use->st_size, mt);
    if (r < 0)
        return builder_fail(sc, full, r);
    return 0;
}

static int scan_dir(struct scan *sc)
{
    char **names = NULL;
    size_t n = 0;
    int r = list_dir(sc, &names, &n);
    if (r < 0)
        return r;
    size_t path_len = sc->path.len, prefix_len = sc->prefix.len;
    for (size_t i = 0; i < n && r == 0; i++) {
        const char *name = names[i];
        int last = i + 1 == n;
        const char *entry = last ? "\\--" : "|--";
        if ((r = str_add(&sc->path, name, strlen(name))) != 0) {
            r = fail(sc, name, r, "out of memory");
            break;
        }
        struct stat st;
        if (stat(sc->path.s, &st) != 0) {
            int e = errno;
            struct stat lst;
            r = fail(sc, sc->path.s, -e,
                     e == ENOENT && lstat(sc->path.s, &lst) == 0 ? "broken symbolic link"
                     : e == ELOOP                                ? "symbolic link loop"
                                                                 : strerror(e));
        } else if (S_ISDIR(st.st_mode)) {
            emit_line(sc, entry, name, "/", NULL);
            if ((r = push_dir(sc, &st, sc->path.s)) == 0) {
                r = romfs_builder_open_dir(sc->b, name, strlen(name));
                if (r < 0) {
                    r = builder_fail(sc, sc->path.s, r);
                } else {
                    if (str_add(&sc->path, "/", 1) || str_add(&sc->prefix, last ? "    " : "|   ", 4))
                        r = fail(sc, sc->path.s, ROMFS_ERR_NOMEM, "out of memory");
                    else
                        r = scan_dir(sc);
                    str_cut(&sc->prefix, prefix_len);
                    if (r == 0 && (r = romfs_builder_close_dir(sc->b)) < 0)
                        r = builder_fail(sc, sc->path.s, r);
                }
                sc->depth--;
            }
        } else if (S_ISREG(st.st_mode)) {
            r = add_file(sc, name, &st, entry);
        } else {
            char msg[80];
            snprintf(msg, sizeof msg, "is %s, not a regular file or directory", kind_name(st.st_mode));
            r = fail(sc, sc->path.s, ROMFS_ERR_INVAL, msg);
        }
        str_cut(&sc->path, path_len);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return r;
}

/* 1 when out (which need not exist) resolves to a path inside dir_real. */
static int output_inside(const char *dir_real, const char *out)
{
    char *copy = strdup(out);
    if (!copy)
        return 0;
    char *slash = strrchr(copy, '/');
    const char *base = slash ? slash + 1 : copy;
    const char *parent = slash ? (slash == copy ? "/" : copy) : ".";
    if (slash)
        *slash = '\0';
    char *real_parent = realpath(parent, NULL);
    int inside = 0;
    if (real_parent) {
        size_t dl = strlen(dir_real);
        /* Resolving the parent and keeping the base covers an output that
         * does not exist yet; a dir of "/" contains everything. */
        if (strcmp(dir_real, "/") == 0)
            inside = 1;
        else if (strncmp(real_parent, dir_real, dl) == 0 &&
                 (real_parent[dl] == '\0' || real_parent[dl] == '/'))
            inside = 1;
        /* An output that is the directory itself (or its parent "..") is not inside. */
        if (inside && real_parent[dl] == '\0' && (strcmp(base, "..") == 0 || strcmp(base, ".") == 0 || !*base))
            inside = 0;
        free(real_parent);
    }
    free(copy);
    return inside;
}

int romfs_build_from_dir(romfs_builder_t *b, const char *dir, const romfs_dirscan_opts_t *opts)
{
    struct scan sc = {b, opts, {0}, {0}, {0}, NULL, 0, 0};
    struct stat st;
    int r;
    if (stat(dir, &st) != 0) {
        int e = errno;
        return fail(&sc, dir, -e, strerror(e));
    }
    if (!S_ISDIR(st.st_mode))
        return fail(&sc, dir, ROMFS_ERR_NOTDIR, "not a directory");
    if (opts && opts->output_path) {
        char *real = realpath(dir, NULL);
        if (!real) {
            int e = errno;
            return fail(&sc, dir, -e, strerror(e));
        }
        int inside = output_inside(real, opts->output_path);
        free(real);
        if (inside)
            return fail(&sc, opts->output_path, ROMFS_ERR_INVAL,
                        "output file is inside the source directory; choose another with -o");
    }
    size_t dl = strlen(dir);
    if ((r = str_add(&sc.path, dir, dl)) == 0 && (dl == 0 || dir[dl - 1] != '/'))
        r = str_add(&sc.path, "/", 1);
    if (r == 0)
        r = str_add(&sc.prefix, "", 0);
    if (r != 0)
        r = fail(&sc, dir, r, "out of memory");
    if (r == 0 && (r = push_dir(&sc, &st, dir)) == 0) {
        if (opts && opts->on_line)
            opts->on_line(opts->ctx, "/");
        r = scan_dir(&sc);
    }
    free(sc.path.s);
    free(sc.prefix.s);
    free(sc.line.s);
    free(sc.stack);
    return r;
}
