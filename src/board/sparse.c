/* SPDX-License-Identifier: MIT */
/* A sparse image and the pass that fetches what a command reads; see sparse.h. */
#include "sparse.h"

#include <stdlib.h>
#include <string.h>

#include "romfs/romfs.h"
#include "grow.h"

int sparse_init(sparse_t *s, size_t len, sparse_fetch_fn fetch, void *ctx)
{
    return sparse_init_paged(s, len, SPARSE_PAGE, fetch, ctx);
}

int sparse_init_paged(sparse_t *s, size_t len, size_t page, sparse_fetch_fn fetch, void *ctx)
{
    memset(s, 0, sizeof *s);
    if (len == 0 || page == 0)
        return ROMFS_ERR_INVAL;
    s->page = page;
    s->data = calloc(len, 1);
    s->have = calloc(len / page + 1, 1);
    if (!s->data || !s->have) {
        sparse_free(s, 0);
        return ROMFS_ERR_NOMEM;
    }
    s->len = len;
    s->fetch = fetch;
    s->ctx = ctx;
    return 0;
}

void sparse_free(sparse_t *s, int keep_data)
{
    if (!keep_data)
        free(s->data);
    free(s->have);
    s->data = s->have = NULL;
}

int sparse_fetch(sparse_t *s, size_t off, size_t n)
{
    if (off >= s->len || n == 0)
        return 0;
    if (n > s->len - off)
        n = s->len - off;
    size_t first = off / s->page, last = (off + n - 1) / s->page;
    for (size_t pg = first; pg <= last;) {
        if (s->have[pg]) {
            pg++;
            continue;
        }
        /* One call for each run of missing pages. */
        size_t end = pg;
        while (end <= last && !s->have[end])
            end++;
        size_t at = pg * s->page, k = (end - pg) * s->page;
        if (k > s->len - at)
            k = s->len - at;
        int r = s->fetch(s->ctx, at, k, s->data + at);
        if (r < 0)
            return r;
        memset(s->have + pg, 1, end - pg);
        s->fetched += k;
        s->calls++;
        pg = end;
    }
    return 0;
}

int sparse_has(const sparse_t *s, size_t off, size_t n)
{
    if (n == 0)
        return 1;
    if (off >= s->len || n > s->len - off)
        return 0;
    for (size_t pg = off / s->page; pg <= (off + n - 1) / s->page; pg++)
        if (!s->have[pg])
            return 0;
    return 1;
}

/// The pass: the reader's lookups, fetching before each read ///

/* The bytes of the varuint at off (up to its last byte, or up to end when
 * it runs there) present. 0, or a fetch error. */
static int need_uint(sparse_t *s, size_t off, size_t end)
{
    for (size_t i = off; i < end; i++) {
        if (i == off || i % s->page == 0) {
            int r = sparse_fetch(s, i, 1);
            if (r < 0)
                return r;
        }
        if (s->data[i] < 0x80)
            break;
    }
    return 0;
}

/* The varuint at *off (before end), decoded by the reader: 0 with *off past
 * it, 1 when the reader would refuse it, or a fetch error. */
static int take_uint(sparse_t *s, size_t *off, size_t end, size_t *v)
{
    int r = need_uint(s, *off, end);
    if (r < 0)
        return r;
    const uint8_t *p = s->data + *off;
    if (romfs_decode_uint(&p, s->data + end, v) != 0)
        return 1;
    *off = (size_t)(p - s->data);
    return 0;
}

/* The record at off inside [off, end), as romfs_record_decode reads it:
 * its kind, payload offset and next offset. 0, 1 (corrupt), or an error. */
static int take_rec(sparse_t *s, size_t off, size_t end, size_t *kind, size_t *payload, size_t *next)
{
    size_t q = off, len;
    int r = take_uint(s, &q, end, kind);
    if (r == 0)
        r = take_uint(s, &q, end, &len);
    if (r != 0)
        return r;
    romfs_record_t rec;
    if (romfs_record_decode(s->data + off, s->data + end, &rec) != 0)
        return 1;
    *payload = (size_t)(rec.payload - s->data);
    *next = (size_t)(rec.next - s->data);
    return 0;
}

typedef struct entry {
    int dir;
    size_t name, name_len;   /* offset and length of the name */
    size_t data, size;       /* dir: its payload after the name; file: its data */
} entry_t;

/* A file's data (data_find): the first verbatim or pointer record after
 * its name. 0 with e->data/size set, 1 (corrupt), or an error. */
static int need_data(sparse_t *s, entry_t *e, size_t next, size_t fs, size_t fs_len)
{
    size_t p = e->data, kind, q, after;
    for (;;) {
        int r = take_rec(s, p, next, &kind, &q, &after);
        if (r != 0 || kind == ROMFS_KIND_UNUSED)
            return r ? r : 1;
        p = after;
        if (kind == ROMFS_KIND_DATA_POINTER) {
            size_t len, off;
            if ((r = take_uint(s, &q, after, &len)) != 0 || (r = take_uint(s, &q, after, &off)) != 0)
                return r;
            if (off > fs_len || len > fs_len - off)
                return 1;
            e->data = fs + off;
            e->size = len;
            return 0;
        }
        if (kind == ROMFS_KIND_DATA_VERBATIM) {
            e->data = q;
            e->size = after - q;
            return 0;
        }
    }
}

/* The entries of the directory payload [pos, end), as dir_next and
 * romfs_walk read them; with want, only until the entry named so
 * (want_len SIZE_MAX: none matches). Each entry's name is fetched when
 * names (or its length matches want), a file's data records always.
 * Calls each(ctx, e) for every entry (with want: the match only). 0, or
 * an error. */
typedef int (*each_fn)(void *ctx, const entry_t *e);
static int need_dir(sparse_t *s, size_t pos, size_t end, const uint8_t *want, size_t want_len, int names,
                    size_t fs, size_t fs_len, each_fn each, void *ctx)
{
    while (pos < end) {
        size_t kind, q, next, len;
        int r = take_rec(s, pos, end, &kind, &q, &next);
        if (r != 0 || kind == ROMFS_KIND_UNUSED)
            return r < 0 ? r : 0;   /* the reader stops here too */
        pos = next;
        if (kind != ROMFS_KIND_DIRECTORY && kind != ROMFS_KIND_FILE)
            continue;
        if ((r = take_uint(s, &q, next, &len)) < 0)
            return r;
        if (r > 0 || len > next - q)
            continue;   /* a corrupt entry: the reader goes on after it */
        entry_t e = {kind == ROMFS_KIND_DIRECTORY, q, len, q + len, next - (q + len)};
        int named = names || len == want_len;
        if (named && (r = sparse_fetch(s, q, len)) < 0)
            return r;
        if (want && !(len == want_len && memcmp(s->data + q, want, len) == 0))
            continue;
        if (!e.dir && (r = need_data(s, &e, next, fs, fs_len)) != 0) {
            if (r < 0)
                return r;
            if (!want)
                continue;   /* corrupt data: reported by the reader, then on */
            return 0;
        }
        if ((r = each(ctx, &e)) != 0 || want)
            return r;
    }
    return 0;
}

static int found(void *ctx, const entry_t *e)
{
    *(entry_t *)ctx = *e;
    return 0;
}

/* romfs_stat_n's lookup: *e the entry at path; 0 with *hit 1 when found. */
static int need_stat(sparse_t *s, const uint8_t *p, size_t n, size_t fs, size_t fs_len, entry_t *e, int *hit)
{
    *hit = 0;
    if (n > 0 && p[0] == '/') {
        p++;
        n--;
    }
    *e = (entry_t){1, fs, 0, fs, fs_len};
    while (n > 0) {
        size_t comp = 0;
        while (comp < n && p[comp] != '/')
            comp++;
        if (comp == 0)
            return 0;
        entry_t got = {0};
        got.name_len = SIZE_MAX;
        int r = need_dir(s, e->data, e->data + e->size, p, romfs_name_is_safe(p, comp) ? comp : SIZE_MAX, 0, fs,
                         fs_len, found, &got);
        if (r < 0 || got.name_len == SIZE_MAX)
            return r;
        *e = got;
        p += comp;
        n -= comp;
        if (n > 0) {
            if (!e->dir)
                return 0;
            p++;
            n--;
        }
    }
    *hit = 1;
    return 0;
}

/* A work list of directories still to visit (SPARSE_TREE). */
typedef struct todo {
    entry_t *v;
    size_t n, cap;
} todo_t;

static int push_dir(void *ctx, const entry_t *e)
{
    todo_t *t = ctx;
    if (!e->dir)
        return 0;
    entry_t *v = romfs_grow(t->v, &t->cap, t->n + 1, sizeof *v, 16);
    if (!v)
        return ROMFS_ERR_NOMEM;
    t->v = v;
    t->v[t->n++] = *e;
    return 0;
}

static int ignore(void *ctx, const entry_t *e)
{
    (void)ctx;
    (void)e;
    return 0;
}

int sparse_need(sparse_t *s, const char *path, size_t path_len, int what)
{
    if (what == SPARSE_ALL)
        return sparse_fetch(s, 0, s->len);
    /* The header: the filesystem record's kind and length (romfs_mount). */
    size_t kind, fs, fs_end;
    int r = take_rec(s, 0, s->len, &kind, &fs, &fs_end);
    if (r != 0)
        return r < 0 ? r : 0;
    size_t fs_len = fs_end - fs;
    entry_t e;
    int hit;
    if ((r = need_stat(s, (const uint8_t *)path, path_len, fs, fs_len, &e, &hit)) != 0 || !hit)
        return r;
    if (what == SPARSE_DATA && !e.dir)
        return sparse_fetch(s, e.data, e.size);
    if (!e.dir || (what != SPARSE_LIST && what != SPARSE_TREE))
        return 0;
    if (what == SPARSE_LIST)
        return need_dir(s, e.data, e.data + e.size, NULL, 0, 1, fs, fs_len, ignore, NULL);
    todo_t t = {0};
    r = push_dir(&t, &e);
    while (r == 0 && t.n > 0) {
        entry_t d = t.v[--t.n];
        r = need_dir(s, d.data, d.data + d.size, NULL, 0, 1, fs, fs_len, push_dir, &t);
    }
    free(t.v);
    return r;
}
