/* SPDX-License-Identifier: MIT */
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
#include "io_links.h"
#include "romfs/romfs_ignore.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "grow.h"

/* A growable NUL-terminated string. */
struct str {
    char *s;
    size_t len, cap;
};

static int str_reserve(struct str *s, size_t extra)
{
    char *n = extra < SIZE_MAX - s->len - 1 ? romfs_grow(s->s, &s->cap, s->len + extra + 1, 1, 256) : NULL;
    if (!n)
        return ROMFS_ERR_NOMEM;
    s->s = n;
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
    uint64_t dev, ino;
};

struct scan {
    romfs_builder_t *b;
    const romfs_dirscan_opts_t *o;
    struct str path;    /* host directory being scanned, with a final '/' */
    struct str prefix;  /* tree-line indentation */
    struct str line;
    struct dirid *stack;
    size_t depth, stack_cap;
    size_t root_len;    /* length of the scanned directory's prefix in path */
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

/* One directory entry: its name and what fstatat said of it. */
struct entry {
    char *name;
    rp_stat_t st;
    int err;       /* errno of the fstatat that failed, -1 for a broken link, else 0 */
};

static int by_bytes(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
    size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (!len || len > n)
        return 0;
    uint32_t cp = len == 1 ? s[0] : s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static int utf8_valid(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0, k; i < n; i += k)
        if (!(k = utf8_seq((const uint8_t *)s + i, n - i)))
            return 0;
    return 1;
}

/* s with every byte that is not part of valid UTF-8 (and every control
 * character) written as \xNN, truncated to fit out. */
static const char *escape_name(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s), w = 0;
    for (size_t i = 0, k; i < n && w + 5 < cap; i += k) {
        const uint8_t *p = (const uint8_t *)s + i;
        k = utf8_seq(p, n - i);
        if (k && (k > 1 || (*p >= 0x20 && *p != 0x7f))) {
            if (w + k + 1 > cap)
                break;
            memcpy(out + w, p, k);
            w += k;
        } else {
            w += (size_t)snprintf(out + w, cap - w, "\\x%02x", *p);
            k = 1;
        }
    }
    out[w] = '\0';
    return out;
}

static void free_entries(struct entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

/* Read the directory at sc->path: names (minus "." and ".."), each stated
 * relative to the directory's descriptor, sorted by name bytes. */
static int list_dir(struct scan *sc, struct entry **out, size_t *n_out)
{
    rp_dirstream_t *d = rp_opendir(sc->path.s);
    if (!d) {
        int e = errno;
        return fail(sc, sc->path.s, -e, strerror(e));
    }
    struct entry *v = NULL;
    size_t n = 0, cap = 0;
    int err = 0;
    for (;;) {
        const char *nm = rp_readdir(d);
        if (!nm) {
            if (errno)
                err = fail(sc, sc->path.s, -errno, strerror(errno));
            break;
        }
        struct entry *nv = romfs_grow(v, &cap, n + 1, sizeof *nv, 16);
        if (!nv) {
            err = fail(sc, sc->path.s, ROMFS_ERR_NOMEM, "out of memory");
            break;
        }
        v = nv;
        struct entry *e = &v[n];
        if (!(e->name = strdup(nm))) {
            err = fail(sc, sc->path.s, ROMFS_ERR_NOMEM, "out of memory");
            break;
        }
        n++;
        e->err = rp_dirstream_stat(d, &e->st, 1) == 0 ? 0 : errno;
        if (e->err == ENOENT && rp_dirstream_stat(d, &e->st, 0) == 0)
            e->err = -1; /* the name exists: a broken symbolic link */
    }
    rp_closedir(d);
    if (err) {
        free_entries(v, n);
        return err;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, by_bytes);
    *out = v;
    *n_out = n;
    return 0;
}

static const char *kind_name(int type)
{
    if (type == RP_FIFO)
        return "a fifo";
    if (type == RP_SOCK)
        return "a socket";
    if (type == RP_CHR)
        return "a character device";
    if (type == RP_BLK)
        return "a block device";
    return "a special file";
}

static int push_dir(struct scan *sc, const rp_stat_t *st, const char *path)
{
    /* (0, 0): an OS that cannot tell (links there are not followed anyway) */
    for (size_t i = 0; i < sc->depth && (st->dev || st->ino); i++)
        if (sc->stack[i].dev == st->dev && sc->stack[i].ino == st->ino)
            return fail(sc, path, ROMFS_ERR_INVAL,
                        "symbolic link loop: this directory contains itself");
    struct dirid *ns = romfs_grow(sc->stack, &sc->stack_cap, sc->depth + 1, sizeof *ns, 16);
    if (!ns)
        return fail(sc, path, ROMFS_ERR_NOMEM, "out of memory");
    sc->stack = ns;
    sc->stack[sc->depth].dev = st->dev;
    sc->stack[sc->depth].ino = st->ino;
    sc->depth++;
    return 0;
}

static int builder_fail(struct scan *sc, const char *path, int err)
{
    const char *m = romfs_builder_errmsg(sc->b);
    return fail(sc, path, err, m && *m ? m : romfs_strerror(err));
}

/* A regular file: the hook may rename it, compile it (contents later) or
 * point it at another host file; then it is added. It is not opened here:
 * an unreadable file fails the write, which goes to a temporary file. */
static int add_file(struct scan *sc, const struct entry *e, const char *entry_line,
                    const char *dir_path)
{
    const char *full = sc->path.s, *name = e->name;
    romfs_dirscan_file_t f = {full, NULL, name, strlen(name), NULL, sc->depth == 1,
                              full + sc->root_len, NULL};
    int r = 0;
    if (sc->o && sc->o->on_file) {
        f.dir_path = dir_path;
        r = sc->o->on_file(sc->o->ctx, &f);
    }
    if (r < 0)
        return r;
    emit_line(sc, entry_line, name, "", f.note);
    if (f.later) {
        r = romfs_builder_add_file_later(sc->b, f.name, f.name_len, f.later);
        return r < 0 ? builder_fail(sc, full, r) : 0;
    }
    rp_stat_t st2;
    const rp_stat_t *use = &e->st;
    if (f.host_path != full) {
        if (rp_stat(f.host_path, &st2) != 0) {
            int err = errno;
            return fail(sc, f.host_path, -err, strerror(err));
        }
        use = &st2;
    }
    r = romfs_builder_add_file_host(sc->b, f.name, f.name_len, f.host_path, use->size, use->mtime_ns);
    return r < 0 ? builder_fail(sc, full, r) : 0;
}

static int scan_dir(struct scan *sc);

static int add_dir(struct scan *sc, const struct entry *e, const char *entry_line, int last)
{
    size_t prefix_len = sc->prefix.len;
    emit_line(sc, entry_line, e->name, "/", NULL);
    int r = push_dir(sc, &e->st, sc->path.s);
    if (r != 0)
        return r;
    r = romfs_builder_open_dir(sc->b, e->name, strlen(e->name));
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
    return r;
}

static int scan_entry(struct scan *sc, const struct entry *e, int last, const char *dir_path)
{
    const char *entry_line = last ? "\\--" : "|--";
    if (!utf8_valid(e->name)) {
        char esc[1024];
        escape_name(sc->path.s, esc, sizeof esc);
        return fail(sc, esc, ROMFS_ERR_INVAL,
                    "name is not valid UTF-8 (MicroPython cannot list it); rename it");
    }
    if (e->err)
        return fail(sc, sc->path.s, e->err > 0 ? -e->err : ROMFS_ERR_NOENT,
                    e->err < 0       ? "broken symbolic link"
                    : e->err == ELOOP ? "symbolic link loop"
                                      : strerror(e->err));
    if (e->st.type == RP_DIR)
        return add_dir(sc, e, entry_line, last);
    if (e->st.type == RP_REG)
        return add_file(sc, e, entry_line, dir_path);
    char msg[80];
    snprintf(msg, sizeof msg, "is %s, not a regular file or directory", kind_name(e->st.type));
    return fail(sc, sc->path.s, ROMFS_ERR_INVAL, msg);
}

/* Drop the entries the ignore rules exclude, before the tree lines are
 * drawn (the last line of a directory must be its last kept entry). */
static int drop_excluded(struct scan *sc, struct entry *v, size_t *n)
{
    const romfs_ignore_t *ig = sc->o ? sc->o->ignore : NULL;
    if (!ig)
        return 0;
    size_t w = 0, i = 0, base = sc->path.len;
    int r = 0;
    for (; i < *n && r == 0; i++) {
        int is_dir = !v[i].err && v[i].st.type == RP_DIR;
        const char *rule = NULL, *origin = NULL;
        if (str_add(&sc->path, v[i].name, strlen(v[i].name)) != 0) {
            r = fail(sc, v[i].name, ROMFS_ERR_NOMEM, "out of memory");
        } else {
            const char *rel = sc->path.s + sc->root_len;
            size_t rl = sc->path.len - sc->root_len;
            if (romfs_ignore_match(ig, rel, rl, is_dir))
                rule = romfs_ignore_rule(ig, rel, rl, is_dir, &origin);
            if (rule && sc->o->on_excluded && (!is_dir || str_add(&sc->path, "/", 1) == 0))
                sc->o->on_excluded(sc->o->ctx, sc->path.s + sc->root_len, rule, origin);
        }
        str_cut(&sc->path, base);
        if (rule)
            free(v[i].name);
        else
            v[w++] = v[i];
    }
    for (; i < *n; i++)
        v[w++] = v[i];
    *n = w;
    return r;
}

static int scan_dir(struct scan *sc)
{
    struct entry *v = NULL;
    size_t n = 0;
    int r = list_dir(sc, &v, &n);
    if (r < 0)
        return r;
    if ((r = drop_excluded(sc, v, &n)) < 0) {
        free_entries(v, n);
        return r;
    }
    size_t path_len = sc->path.len;
    /* The directory's own path, once for all its files (for the hook). */
    char *dir_path = rp_strndup(sc->path.s, path_len);
    if (!dir_path)
        r = fail(sc, sc->path.s, ROMFS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n && r == 0; i++) {
        if ((r = str_add(&sc->path, v[i].name, strlen(v[i].name))) != 0)
            r = fail(sc, v[i].name, r, "out of memory");
        else
            r = scan_entry(sc, &v[i], i + 1 == n, dir_path);
        str_cut(&sc->path, path_len);
    }
    free(dir_path);
    free_entries(v, n);
    return r;
}

/* 1 when out (which need not exist) resolves to a path inside dir_real,
 * following symbolic links as the output itself does. */
static int output_inside(const char *dir_real, const char *out)
{
    char *copy = romfs_io_resolve_links(out);
    if (!copy)
        return 0;
    char *slash = (char *)rp_last_sep(copy);
    const char *base = slash ? slash + 1 : copy;
    const char *parent = slash ? (slash == copy ? "/" : copy) : ".";
    if (slash)
        *slash = '\0';
    char *real_parent = rp_realpath(parent);
    int inside = 0;
    if (real_parent) {
        size_t dl = strlen(dir_real);
        /* Resolving the parent and keeping the base covers an output that
         * does not exist yet; a dir of "/" contains everything. */
        if (strcmp(dir_real, "/") == 0)
            inside = 1;
        else if (strncmp(real_parent, dir_real, dl) == 0 &&
                 (real_parent[dl] == '\0' || rp_is_sep(real_parent[dl])))
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
    struct scan sc = {b, opts, {0}, {0}, {0}, NULL, 0, 0, 0};
    rp_stat_t st;
    int r;
    if (rp_stat(dir, &st) != 0) {
        int e = errno;
        return fail(&sc, dir, -e, strerror(e));
    }
    if (st.type != RP_DIR)
        return fail(&sc, dir, ROMFS_ERR_NOTDIR, "not a directory");
    if (opts && opts->output_path) {
        char *real = rp_realpath(dir);
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
    if ((r = str_add(&sc.path, dir, dl)) == 0 && (dl == 0 || !rp_is_sep(dir[dl - 1])))
        r = str_add(&sc.path, "/", 1);
    sc.root_len = sc.path.len;
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
