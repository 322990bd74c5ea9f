/* SPDX-License-Identifier: MIT */
/* Unpacking an image into a host directory, safely; see romfs_extract.h. */
#include "romfs/romfs_extract.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "platform.h"
#include "romfs/romfs_check.h"
#include "romfs/romfs_io.h"

struct dir_id {
    uint64_t dev, ino;
};

struct ex {
    const romfs_extract_opts_t *o;
    romfs_t fs;
    const uint8_t *data;
    size_t len;
    const char *path;       /* the image as messages name it */
    const char *dest;
    int fd;                 /* the directory at depth `depth` */
    size_t depth;
    struct dir_id *ids;     /* ids[k]: the directory at depth k, for ".." checks */
    size_t ids_cap;
};

static void say(const struct ex *e, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(const struct ex *e, int error, const char *fmt, ...)
{
    char line[ROMFS_CHECK_NAME_CAP + 2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (e->o->on_message)
        e->o->on_message(e->o->ctx, error, line);
}

/* "IMAGE: offset 0x..: DEST/a/b: what: error", the image path escaped and
 * cut (a name may be 40 000 bytes long). */
static void fail(struct ex *e, const romfs_walk_t *w, const char *what, int err)
{
    char path[ROMFS_CHECK_NAME_CAP];
    romfs_check_name(path, sizeof path, w->path + 1, w->path_len - 1);
    say(e, 1, "%s: offset 0x%zx: %s/%s: %s%s%s", e->path, w->info.record_offset, e->dest, path, what,
        err ? ": " : "", err ? strerror(err) : "");
}

static int remember(struct ex *e, size_t depth, int fd)
{
    rp_stat_t st;
    if (rp_dir_stat(fd, &st) != 0)
        return -1;
    struct dir_id *ids = romfs_grow(e->ids, &e->ids_cap, depth + 1, sizeof *ids, 64);
    if (!ids) {
        errno = ENOMEM;
        return -1;
    }
    e->ids = ids;
    e->ids[depth] = (struct dir_id){st.dev, st.ino};
    return 0;
}

/* Back to the parent through "..", which must still be the directory we
 * came from (someone may have moved things while we were writing). */
static int go_up(struct ex *e)
{
    int fd = rp_dir_openat(e->fd, "..", 0);
    rp_stat_t st;
    if (fd < 0)
        return -1;
    if (rp_dir_stat(fd, &st) != 0 || st.dev != e->ids[e->depth - 1].dev || st.ino != e->ids[e->depth - 1].ino) {
        rp_dir_close(fd);
        errno = ESTALE;
        return -1;
    }
    rp_dir_close(e->fd);
    e->fd = fd;
    e->depth--;
    return 0;
}

static int enter_dir(struct ex *e, const romfs_walk_t *w, const char *name)
{
    if (rp_mkdirat(e->fd, name, 0777) != 0 && errno != EEXIST) {
        fail(e, w, "cannot create directory", errno);
        return -1;
    }
    /* O_NOFOLLOW: an existing symbolic link is refused, not followed. */
    int fd = rp_dir_openat(e->fd, name, 1);
    if (fd < 0) {
        rp_stat_t st;
        int err = errno;
        if (rp_statat(e->fd, name, &st, 0) == 0 && st.type == RP_LNK)
            fail(e, w, "exists as a symbolic link; refusing to follow it", 0);
        else if (err == ENOTDIR)
            fail(e, w, "exists and is not a directory", 0);
        else
            fail(e, w, "cannot open directory", err);
        return -1;
    }
    if (remember(e, e->depth + 1, fd) != 0) {
        fail(e, w, "cannot open directory", errno);
        rp_dir_close(fd);
        return -1;
    }
    rp_dir_close(e->fd);
    e->fd = fd;
    e->depth++;
    return 0;
}

/* The file's bytes go to a temporary file renamed over name: a symbolic
 * link there is replaced, never followed; without -f an existing name is
 * kept (the rename refuses to replace it). One syncfs at the end makes the
 * tree durable: an fsync per file made 600 files take 3 s instead of 0.1. */
static int write_file(struct ex *e, const romfs_walk_t *w, const char *name)
{
    romfs_out_t out;
    unsigned flags = ROMFS_OUT_LITERAL | ROMFS_OUT_NOSYNC | (e->o->force ? 0 : ROMFS_OUT_NOREPLACE);
    int r = romfs_out_openat(&out, e->fd, name, flags);
    if (r < 0) {
        fail(e, w, "cannot create a temporary file", -r);
        return -1;
    }
    r = romfs_out_write(&out, w->info.data, w->info.size);
    if (r < 0) {
        romfs_out_abort(&out);
        fail(e, w, "write failed", -r);
        return -1;
    }
    r = romfs_out_commit(&out);
    if (r == -EEXIST)
        fail(e, w, "already exists (--force replaces it)", 0);
    else if (r < 0)
        fail(e, w, "write failed", -r);
    return r < 0 ? -1 : 0;
}

/* What the checker says before anything is written: failures are printed
 * (as `romfs check` prints them) and refuse the image; the offsets of
 * entries shadowed by an earlier one of the same name are kept. */
struct vet {
    const struct ex *e;
    size_t *dups;
    size_t n, cap;
    size_t fails;
    size_t long_names;      /* names no host file system takes; the first: */
    size_t long_offset;
    char long_msg[1024];
    int nomem;
};

/* Enough failures to see what is wrong; `romfs check` lists them all. */
#define VET_SHOWN 20

static void on_problem(void *ctx, int severity, size_t offset, const char *msg)
{
    struct vet *v = ctx;
    if (severity == ROMFS_CHECK_FAIL && v->fails++ < VET_SHOWN)
        say(v->e, 1, "%s: offset 0x%zx: %s", v->e->path, offset, msg);
    /* A name no host file system takes: refused before anything is
     * written, not found half-way through. */
    if (severity == ROMFS_CHECK_WARN && strstr(msg, "extract cannot write it")) {
        if (v->long_names++ == 0) {
            v->long_offset = offset;
            snprintf(v->long_msg, sizeof v->long_msg, "%s", msg);
        }
        return;
    }
    if (severity != ROMFS_CHECK_WARN || v->nomem)
        return;
    size_t *d = romfs_grow(v->dups, &v->cap, v->n + 1, sizeof *d, 16);
    if (!d) {
        v->nomem = 1;
        return;
    }
    v->dups = d;
    v->dups[v->n++] = offset;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Refuse an image the checker calls corrupt. Returns 0 with v->dups
 * sorted, or -1 after printing why. */
static int vet(const struct ex *e, struct vet *v)
{
    romfs_check_stats_t st;
    memset(v, 0, sizeof *v);
    v->e = e;
    if (romfs_check(e->data, e->len, on_problem, v, &st) != 0 || v->nomem) {
        say(e, 1, "%s: out of memory", e->path);
        return ROMFS_ERR_NOMEM;
    }
    if (v->fails > VET_SHOWN)
        say(e, 1, "%s: %zu more problems ('romfs check' lists them)", e->path, v->fails - VET_SHOWN);
    if (v->fails) {
        say(e, 1, "%s: corrupt image: nothing extracted", e->path);
        return ROMFS_ERR_CORRUPT;
    }
    if (v->long_names) {
        say(e, 1, "%s: offset 0x%zx: %s; nothing extracted%s", e->path, v->long_offset, v->long_msg,
            v->long_names > 1 ? " ('romfs check' lists the others)" : "");
        return ROMFS_ERR_NAMETOOLONG;
    }
    if (v->n > 1)
        qsort(v->dups, v->n, sizeof *v->dups, cmp_size);
    return 0;
}

static int is_dup(const struct vet *v, size_t offset)
{
    return v->n > 0 && bsearch(&offset, v->dups, v->n, sizeof *v->dups, cmp_size) != NULL;
}

/* Move e->fd up to the parent of the entry the walk returned. */
static int climb(struct ex *e, const romfs_walk_t *w)
{
    while (e->depth + 1 > w->entry_depth) {
        if (go_up(e) != 0) {
            fail(e, w, "cannot return to the parent directory", errno);
            return -1;
        }
    }
    return 0;
}

static void warn_dup(const struct ex *e, const romfs_walk_t *w)
{
    char path[ROMFS_CHECK_NAME_CAP];
    romfs_check_name(path, sizeof path, w->path, w->path_len);
    say(e, 0, "%s: offset 0x%zx: %s: an earlier entry has the same name; skipped", e->path, w->info.record_offset,
        path);
}

/* Create one entry under e->fd; names were vetted, but the walk checks
 * again: an unsafe name never reaches mkdirat or openat. */
static int make_entry(struct ex *e, const romfs_walk_t *w)
{
    if ((w->info.flags & ROMFS_INFO_UNSAFE_NAME) || memchr(w->info.name, '\0', w->info.name_len)) {
        fail(e, w, "unsafe name; refusing to extract it", 0);
        return -1;
    }
    char *name = rp_strndup((const char *)w->info.name, w->info.name_len);
    if (!name) {
        say(e, 1, "out of memory");
        return -1;
    }
    int ok = w->info.type == ROMFS_TYPE_DIR ? enter_dir(e, w, name) : write_file(e, w, name);
    free(name);
    if (ok == 0 && e->o->on_written)
        e->o->on_written(e->o->ctx, w->path, w->path_len, w->info.type == ROMFS_TYPE_DIR);
    return ok;
}

/* Names this system cannot hold as one entry (on Windows "a:b", "con",
 * "x\\y") or cannot tell apart ("a" and "A" on Windows): refused like
 * unsafe names, before anything is written. */
struct key {
    char *key;      /* the path as the filesystem compares it */
    char *path;
    size_t offset;  /* the entry's record */
};

static int by_key(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int vet_names(struct ex *e, const romfs_info_t *root, const struct vet *v)
{
    romfs_walk_t w;
    int r;
    size_t refused = 0, n = 0, cap = 0;
    struct key *keys = NULL;
    if (!rp_names_restricted())
        return 0;
    if (romfs_walk_begin(&w, &e->fs, root, "", 0) != 0) {
        say(e, 1, "out of memory");
        return -1;
    }
    while ((r = romfs_walk_next(&w)) == ROMFS_WALK_ENTRY) {
        if ((w.info.flags & ROMFS_INFO_UNSAFE_NAME) || is_dup(v, w.info.record_offset)) {
            romfs_walk_skip_children(&w); /* refused, or skipped, later */
            continue;
        }
        char *name = rp_strndup((const char *)w.info.name, w.info.name_len);
        const char *why = name ? rp_name_refused(name) : NULL;
        if (why && refused++ < VET_SHOWN)
            fail(e, &w, why, 0);
        free(name);
        char *path = rp_strndup(w.path, w.path_len);
        struct key *nk = romfs_grow(keys, &cap, n + 1, sizeof *nk, 64);
        if (!nk) {
            free(path);
            break;
        }
        keys = nk;
        keys[n].key = path ? rp_name_key(path) : NULL;
        keys[n].path = path;
        keys[n].offset = w.info.record_offset;
        if (keys[n].key)
            n++;
        else
            free(path);
    }
    romfs_walk_end(&w);
    if (n > 1)
        qsort(keys, n, sizeof *keys, by_key);
    for (size_t i = 1; i < n; i++)
        if (strcmp(keys[i].key, keys[i - 1].key) == 0 && refused++ < VET_SHOWN)
            say(e, 1, "%s: offset 0x%zx: %s/%s: differs only in letter case from the entry at offset 0x%zx, and "
                      "this system cannot tell them apart", e->path, keys[i].offset, e->dest,
                keys[i].path + (keys[i].path[0] == '/'), keys[i - 1].offset);
    for (size_t i = 0; i < n; i++) {
        free(keys[i].key);
        free(keys[i].path);
    }
    free(keys);
    if (refused)
        say(e, 1, "%s: %zu name%s this system cannot create: nothing extracted", e->path, refused,
            refused == 1 ? "" : "s");
    return refused ? -1 : 0;
}

static int extract(struct ex *e, const romfs_info_t *root, const struct vet *v)
{
    romfs_walk_t w;
    int r, rc = 0;
    if (romfs_walk_begin(&w, &e->fs, root, "", 0) != 0) {
        say(e, 1, "out of memory");
        return -1;
    }
    while ((r = romfs_walk_next(&w)) == ROMFS_WALK_ENTRY) {
        if (climb(e, &w) != 0) {
            rc = -1;
            break;
        }
        /* Path lookup finds only the first of equal names: so does extract. */
        if (is_dup(v, w.info.record_offset)) {
            warn_dup(e, &w);
            romfs_walk_skip_children(&w);
            continue;
        }
        if (make_entry(e, &w) != 0) {
            rc = -1;
            break;
        }
    }
    if (r == ROMFS_ERR_NOMEM) {
        say(e, 1, "out of memory");
        rc = -1;
    } else if (r == ROMFS_WALK_ERROR) {   /* vet() passed it: cannot happen */
        char dir[ROMFS_CHECK_NAME_CAP];
        romfs_check_name(dir, sizeof dir, w.path_len ? w.path : "/", w.path_len ? w.path_len : 1);
        say(e, 1, "%s: offset 0x%zx: directory '%s': %s", e->path, w.err_offset, dir, romfs_strerror(w.err));
        rc = -1;
    }
    romfs_walk_end(&w);
    return rc;
}

/* DIR itself: created with its parents, opened, remembered for "..". */
static int open_dest(struct ex *e)
{
    /* A path the user gave: it may go through links, unlike image names. */
    int r = romfs_mkdir_p(e->dest, 0777);
    if (r < 0) {
        say(e, 1, "%s: cannot create directory: %s", e->dest, strerror(-r));
        return -1;
    }
    e->fd = rp_dir_open(e->dest);
    if (e->fd < 0 || remember(e, 0, e->fd) != 0) {
        say(e, 1, "%s: cannot open directory: %s", e->dest, strerror(errno));
        return -1;
    }
    return 0;
}

int romfs_extract(const uint8_t *img, size_t len, const char *dest, const romfs_extract_opts_t *opts)
{
    struct ex e = {.o = opts, .data = img, .len = len, .path = opts->name ? opts->name : "image", .dest = dest,
                   .fd = -1};
    romfs_info_t root;
    struct vet v = {0};
    int r = romfs_mount(&e.fs, img, len);
    if (r < 0)
        say(&e, 1, "%s: Invalid ROMFS image", e.path);
    else if ((r = romfs_stat(&e.fs, "/", &root)) < 0)
        say(&e, 1, "%s: %s", e.path, romfs_strerror(r));
    else if ((r = vet(&e, &v)) == 0 && (vet_names(&e, &root, &v) != 0 || open_dest(&e) != 0 ||
                                         extract(&e, &root, &v) != 0))
        r = ROMFS_ERR_IO;
    if (r == 0 && rp_fs_sync(e.fd) != 0) {
        say(&e, 1, "%s: %s", e.dest, strerror(errno));
        r = ROMFS_ERR_IO;
    }
    free(v.dups);
    if (e.fd >= 0)
        rp_dir_close(e.fd);
    free(e.ids);
    return r;
}
