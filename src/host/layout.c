/* SPDX-License-Identifier: MIT */
/*
 * The stable ("deploy") layout writer: see include/romfs/romfs_layout.h for
 * the image shape and docs/DEPLOY.md for why it looks like this.
 *
 * Steps: read the source tree (and the base's, when it is a stable image)
 * through the reader; place file data (unchanged files where they were,
 * changed files in their old slot when they fit, the rest first-fit into
 * holes or appended); fall back to a fresh packed layout when the tree
 * outgrows its area or the holes pass the waste threshold; then emit.
 */
#include "romfs/romfs_layout.h"

#include "varuint.h"

#include <stdlib.h>
#include <string.h>
#include "grow.h"

#define HDR_LEN 7                       /* magic + 4-byte fs length */
#define PAD_HDR_LEN (1 + 4 + ROMFS_LAYOUT_MARKER_LEN + 4)
#define FILE_DATA_REC_LEN (1 + 1 + 4 + 4)   /* kind 3, len 8, size, offset */
#define MAX_DEPTH 128
#define NO_OFF SIZE_MAX

typedef struct node {
    int type;
    const uint8_t *name;
    size_t name_len;
    const uint8_t *data;    /* file bytes (in the image being read) */
    size_t size;
    size_t parent;          /* index, or NO_OFF for children of the root */
    size_t pay;             /* record payload length */
    size_t rec_len;         /* whole record length */
    char *path;
    size_t off;             /* image offset of the data once placed */
    int claimed;            /* base only: matched by a new file */
} node_t;

typedef struct tree {
    node_t *n;
    size_t count, cap;
} tree_t;

typedef struct extent {
    size_t off, len;
} extent_t;

/* p advanced past v written in width bytes (0: the shortest). */
static uint8_t *put_uint(uint8_t *p, size_t v, unsigned width)
{
    return p + romfs_varuint_put(p, v, width);
}

static size_t align_up(size_t v, size_t a)
{
    return a > 1 ? (v + a - 1) / a * a : v;
}

static void tree_free(tree_t *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->n[i].path);
    free(t->n);
    memset(t, 0, sizeof *t);
}

static int tree_push(tree_t *t, const romfs_info_t *info, size_t parent)
{
    node_t *nn = romfs_grow(t->n, &t->cap, t->count + 1, sizeof *nn, 64);
    if (!nn)
        return ROMFS_ERR_NOMEM;
    t->n = nn;
    const char *ppath = parent == NO_OFF ? NULL : t->n[parent].path;
    size_t plen = ppath ? strlen(ppath) + 1 : 0;
    char *path = malloc(plen + info->name_len + 1);
    if (!path)
        return ROMFS_ERR_NOMEM;
    if (ppath) {
        memcpy(path, ppath, plen - 1);
        path[plen - 1] = '/';
    }
    memcpy(path + plen, info->name, info->name_len);
    path[plen + info->name_len] = '\0';
    node_t *n = &t->n[t->count++];
    memset(n, 0, sizeof *n);
    n->type = info->type;
    n->name = info->name;
    n->name_len = info->name_len;
    n->data = info->data;
    n->size = info->type == ROMFS_TYPE_FILE ? info->size : 0;
    n->parent = parent;
    n->path = path;
    n->off = NO_OFF;
    return 0;
}

/* Pre-order walk: a directory's node comes right before its descendants,
 * which is the order records are emitted in. */
static int collect(const romfs_t *fs, const romfs_info_t *dirinfo, size_t parent, int depth, tree_t *t)
{
    if (depth > MAX_DEPTH)
        return ROMFS_ERR_NAMETOOLONG;
    romfs_dir_t dir;
    int r = romfs_dir_open_info(fs, &dir, dirinfo);
    if (r < 0)
        return r;
    romfs_info_t info;
    while ((r = romfs_dir_read(&dir, &info)) == 1) {
        size_t idx = t->count;
        if ((r = tree_push(t, &info, parent)) < 0)
            return r;
        if (info.type == ROMFS_TYPE_DIR && (r = collect(fs, &info, idx, depth + 1, t)) < 0)
            return r;
    }
    return r < 0 ? ROMFS_ERR_CORRUPT : 0;
}

static int read_tree(const uint8_t *img, size_t len, romfs_t *fs, tree_t *t)
{
    memset(t, 0, sizeof *t);
    if (romfs_mount(fs, img, len) < 0)
        return ROMFS_ERR_NODEV;
    romfs_info_t root;
    int r = romfs_stat(fs, "", &root);
    if (r == 0)
        r = collect(fs, &root, NO_OFF, 0, t);
    if (r < 0)
        tree_free(t);
    return r;
}

/* Record sizes bottom-up: children follow their parent, so a reverse pass
 * sees every child before its directory. Returns the tree's total length. */
static size_t size_tree(tree_t *t)
{
    size_t total = 0;
    for (size_t i = 0; i < t->count; i++) {
        node_t *n = &t->n[i];
        n->pay = romfs_varuint_len(n->name_len) + n->name_len + (n->type == ROMFS_TYPE_FILE ? FILE_DATA_REC_LEN : 0);
    }
    for (size_t i = t->count; i-- > 0;) {
        node_t *n = &t->n[i];
        n->rec_len = 1 + romfs_varuint_len(n->pay) + n->pay;
        if (n->parent == NO_OFF)
            total += n->rec_len;
        else
            t->n[n->parent].pay += n->rec_len;
    }
    return total;
}

size_t romfs_layout_data_start(const uint8_t *img, size_t len)
{
    romfs_t fs;
    if (!img || romfs_mount(&fs, img, len) < 0 || fs.fs != img + HDR_LEN)
        return 0;
    size_t size = romfs_image_size(&fs);
    romfs_record_t rec;
    for (const uint8_t *p = fs.fs; p < fs.fs_end; p = rec.next) {
        if (romfs_record_decode(p, fs.fs_end, &rec) < 0)
            return 0;
        if (rec.kind != ROMFS_KIND_PADDING || (size_t)(rec.next - rec.payload) < ROMFS_LAYOUT_MARKER_LEN + 4 ||
            memcmp(rec.payload, ROMFS_LAYOUT_MARKER, ROMFS_LAYOUT_MARKER_LEN) != 0)
            continue;
        const uint8_t *d = rec.payload + ROMFS_LAYOUT_MARKER_LEN;
        size_t start = (size_t)d[0] | (size_t)d[1] << 8 | (size_t)d[2] << 16 | (size_t)d[3] << 24;
        if (start < (size_t)(d + 4 - img) || start > size || rec.next != fs.fs_end)
            return 0;
        return start;
    }
    return 0;
}

static int cmp_path(const void *a, const void *b)
{
    const node_t *const *x = a, *const *y = b;
    return strcmp((*x)->path, (*y)->path);
}

static int cmp_extent(const void *a, const void *b)
{
    const extent_t *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct placer {
    extent_t *ext;
    size_t count;
    size_t data_start, data_end;
    size_t align, block;
} placer_t;

static void place_at(placer_t *pl, node_t *n, size_t off)
{
    n->off = off;
    if (n->size == 0)
        return;
    pl->ext[pl->count].off = off;
    pl->ext[pl->count].len = n->size;
    pl->count++;
    if (off + n->size > pl->data_end)
        pl->data_end = off + n->size;
}

/* Record an extent placed by place_free, keeping pl->ext sorted (the
 * caller sorted it once before the first call). */
static void place_sorted(placer_t *pl, node_t *n, size_t off, size_t at)
{
    memmove(&pl->ext[at + 1], &pl->ext[at], (pl->count - at) * sizeof *pl->ext);
    pl->ext[at] = (extent_t){off, n->size};
    pl->count++;
    n->off = off;
    if (off + n->size > pl->data_end)
        pl->data_end = off + n->size;
}

/* First fit into a hole of the data area, else append; a file of a block or
 * more starts on a block boundary when that makes it span fewer blocks. */
static void place_free(placer_t *pl, node_t *n)
{
    size_t pos = pl->data_start;
    for (size_t i = 0; i < pl->count; i++) {
        size_t cand = align_up(pos, pl->align);
        if (pl->ext[i].off > pos && cand + n->size <= pl->ext[i].off) {
            place_sorted(pl, n, cand, i);
            return;
        }
        if (pl->ext[i].off + pl->ext[i].len > pos)
            pos = pl->ext[i].off + pl->ext[i].len;
    }
    size_t cand = align_up(pl->data_end, pl->align);
    size_t bs = pl->block;
    if (n->size >= bs) {
        size_t spans = (cand + n->size - 1) / bs - cand / bs + 1;
        size_t aligned = align_up(align_up(cand, bs), pl->align);
        if ((n->size + bs - 1) / bs < spans)
            cand = aligned;
    }
    place_sorted(pl, n, cand, pl->count);
}

static int overlapping(node_t *const *files, size_t n)
{
    extent_t *e = malloc((n + 1) * sizeof *e);
    if (!e)
        return 1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (files[i]->size)
            e[k++] = (extent_t){files[i]->off, files[i]->size};
    qsort(e, k, sizeof *e, cmp_extent);
    int bad = 0;
    for (size_t i = 1; i < k && !bad; i++)
        bad = e[i - 1].off + e[i - 1].len > e[i].off;
    free(e);
    return bad;
}

static size_t live_bytes(const tree_t *t)
{
    size_t s = 0;
    for (size_t i = 0; i < t->count; i++)
        s += t->n[i].size;
    return s;
}

static void place_fresh(tree_t *t, placer_t *pl)
{
    pl->count = 0;
    pl->data_end = pl->data_start;
    for (size_t i = 0; i < t->count; i++) {
        node_t *n = &t->n[i];
        if (n->type != ROMFS_TYPE_FILE)
            continue;
        place_at(pl, n, n->size ? align_up(pl->data_end, pl->align) : pl->data_start);
    }
}

/* The base's files in its data area, sorted by path; n in *nb.
 * ROMFS_ERR_INVAL when they share bytes. */
static int base_files(tree_t *bt, const uint8_t *base, size_t base_size, const placer_t *pl, node_t **bf,
                      size_t *nb)
{
    *nb = 0;
    for (size_t i = 0; i < bt->count; i++) {
        node_t *b = &bt->n[i];
        if (b->type != ROMFS_TYPE_FILE)
            continue;
        size_t off = (size_t)(b->data - base);
        if (b->size && (off < pl->data_start || off + b->size > base_size))
            continue;   /* not in the data area: the base is not ours to follow */
        b->off = off;
        bf[(*nb)++] = b;
    }
    /* Files of the base must not share bytes (ours never do; a tampered
     * cache might): rewriting one in place would change the other. */
    if (overlapping(bf, *nb))
        return ROMFS_ERR_INVAL;
    qsort(bf, *nb, sizeof *bf, cmp_path);
    return 0;
}

/* match[i]: the base file of t's node i's path; starts: the sorted offsets
 * of the matched base files (what bounds an old slot's growth). */
static size_t match_files(tree_t *t, node_t **bf, size_t nb, node_t **match, size_t *starts)
{
    size_t ns = 0;
    for (size_t i = 0; i < t->count; i++) {
        node_t *n = &t->n[i], key, *kp = &key, **hit;
        if (n->type != ROMFS_TYPE_FILE)
            continue;
        key.path = n->path;
        hit = bsearch(&kp, bf, nb, sizeof *bf, cmp_path);
        if (hit && !(*hit)->claimed) {
            (*hit)->claimed = 1;
            match[i] = *hit;
            if ((*hit)->size)
                starts[ns++] = (*hit)->off;
        }
    }
    qsort(starts, ns, sizeof *starts, cmp_size);
    return ns;
}

/* Unchanged files at their offsets, then changed ones in their old slot,
 * which may grow up to the next file the new tree still has (holes of
 * deleted files are fair game). A slot that breaks the alignment is given up. */
static void place_matched(tree_t *t, node_t **match, const size_t *starts, size_t ns, placer_t *pl,
                          romfs_layout_stats_t *st)
{
    for (size_t i = 0; i < t->count; i++) {
        node_t *n = &t->n[i], *b = match[i];
        if (b && b->size && b->off % pl->align)
            continue;
        if (b && b->size == n->size && memcmp(b->data, n->data, n->size) == 0) {
            place_at(pl, n, n->size ? b->off : pl->data_start);
            st->kept++;
        }
    }
    for (size_t i = 0; i < t->count; i++) {
        node_t *n = &t->n[i], *b = match[i];
        if (!b || n->off != NO_OFF || !b->size || !n->size || b->off % pl->align)
            continue;
        size_t lo = 0, hi = ns;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (starts[mid] <= b->off)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t bound = lo < ns ? starts[lo] : SIZE_MAX;
        if (n->size <= b->size || b->off + n->size <= bound) {
            place_at(pl, n, b->off);
            st->in_place++;
        }
    }
}

/* Place t's files relative to the base's. Returns 1 when the result wastes
 * more than compact_percent (lay out afresh instead), 0 otherwise,
 * ROMFS_ERR_INVAL when the base's files overlap, or ROMFS_ERR_NOMEM. */
static int place_incremental(tree_t *t, tree_t *bt, const uint8_t *base, size_t base_size, placer_t *pl,
                             const romfs_layout_opts_t *o, romfs_layout_stats_t *st)
{
    size_t nb = 0;
    node_t **bf = malloc((bt->count + 1) * sizeof *bf);
    node_t **match = calloc(t->count + 1, sizeof *match);
    size_t *starts = malloc((bt->count + 1) * sizeof *starts);
    int r = ROMFS_ERR_NOMEM;
    if (!bf || !match || !starts || (r = base_files(bt, base, base_size, pl, bf, &nb)) < 0)
        goto out;
    size_t ns = match_files(t, bf, nb, match, starts);
    pl->count = 0;
    pl->data_end = pl->data_start;
    place_matched(t, match, starts, ns, pl, st);
    qsort(pl->ext, pl->count, sizeof *pl->ext, cmp_extent);
    for (size_t i = 0; i < t->count; i++) {
        node_t *n = &t->n[i];
        if (n->type != ROMFS_TYPE_FILE || n->off != NO_OFF)
            continue;
        if (!n->size)
            place_at(pl, n, pl->data_start);
        else
            place_free(pl, n);
        if (match[i])
            st->moved++;
        else
            st->added++;
    }
    size_t area = pl->data_end - pl->data_start, waste = area - live_bytes(t);
    size_t pct = o->compact_percent ? o->compact_percent : 25;
    r = pct < 100 && waste > pl->block && waste * 100 > pct * area;
out:
    free(bf);
    free(match);
    free(starts);
    return r;
}

static void emit(const tree_t *t, uint8_t *img, size_t len, size_t data_start)
{
    uint8_t *p = img;
    *p++ = ROMFS_MAGIC0;
    *p++ = ROMFS_MAGIC1;
    *p++ = ROMFS_MAGIC2;
    p = put_uint(p, len - HDR_LEN, 4);
    for (size_t i = 0; i < t->count; i++) {
        const node_t *n = &t->n[i];
        *p++ = n->type == ROMFS_TYPE_DIR ? ROMFS_KIND_DIRECTORY : ROMFS_KIND_FILE;
        p = put_uint(p, n->pay, 0);
        p = put_uint(p, n->name_len, 0);
        memcpy(p, n->name, n->name_len);
        p += n->name_len;
        if (n->type == ROMFS_TYPE_FILE) {
            size_t rel = n->size ? n->off - HDR_LEN : 0;
            *p++ = ROMFS_KIND_DATA_POINTER;
            *p++ = 8;
            p = put_uint(p, n->size, 4);
            p = put_uint(p, rel, 4);
        }
    }
    *p++ = ROMFS_KIND_PADDING;
    p = put_uint(p, len - (size_t)(p + 4 - img), 4);
    memcpy(p, ROMFS_LAYOUT_MARKER, ROMFS_LAYOUT_MARKER_LEN);
    p += ROMFS_LAYOUT_MARKER_LEN;
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(data_start >> (8 * i));
    for (size_t i = 0; i < t->count; i++) {
        const node_t *n = &t->n[i];
        if (n->type == ROMFS_TYPE_FILE && n->size)
            memcpy(img + n->off, n->data, n->size);
    }
}

/* The image just written must read back through the reader as exactly the
 * source tree: a cheap guard against a placement bug ever reaching flash. */
static int same_as(const tree_t *t, const uint8_t *img, size_t len)
{
    romfs_t fs;
    tree_t u;
    if (read_tree(img, len, &fs, &u) < 0)
        return ROMFS_ERR_IO;
    int ok = u.count == t->count;
    for (size_t i = 0; ok && i < t->count; i++) {
        const node_t *a = &t->n[i], *b = &u.n[i];
        ok = a->type == b->type && a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0 &&
             a->size == b->size && (!a->size || memcmp(a->data, b->data, a->size) == 0);
    }
    tree_free(&u);
    return ok ? 0 : ROMFS_ERR_IO;
}

/* Place every file: relative to the base when it is a stable image whose
 * data area still fits the tree and whose placement does not waste too
 * much, else afresh. Returns 0 or ROMFS_ERR_NOMEM. */
static int place_all(tree_t *t, size_t tree_len, const uint8_t *base, size_t base_len, const romfs_layout_opts_t *o,
                     placer_t *pl, romfs_layout_stats_t *st)
{
    romfs_t bfs;
    tree_t bt;
    memset(&bt, 0, sizeof bt);
    size_t tree_end = HDR_LEN + tree_len + PAD_HDR_LEN;
    size_t bstart = o->fresh ? 0 : romfs_layout_data_start(base, base_len);
    int fresh = 1;
    if (bstart && tree_end <= bstart && read_tree(base, base_len, &bfs, &bt) == 0) {
        pl->data_start = bstart;
        int w = place_incremental(t, &bt, base, romfs_image_size(&bfs), pl, o, st);
        tree_free(&bt);
        if (w < 0 && w != ROMFS_ERR_INVAL)
            return w;
        /* INVAL: the base's files overlap, so it is not ours to follow. */
        fresh = w != 0;
        st->compacted = w == 1;
    } else if (bstart) {
        st->compacted = 1;   /* the tree outgrew its area */
    }
    if (fresh) {
        size_t slack = o->slack ? o->slack : (tree_len / 4 > 512 ? tree_len / 4 : 512);
        pl->data_start = align_up(tree_end + slack, o->block_size);
        st->kept = st->in_place = st->moved = st->added = 0;
        place_fresh(t, pl);
    }
    st->used_base = !fresh;
    return 0;
}

int romfs_layout_stable(const uint8_t *src, size_t src_len, const uint8_t *base, size_t base_len,
                        const romfs_layout_opts_t *opts, uint8_t **out, size_t *out_len,
                        romfs_layout_stats_t *stats)
{
    romfs_layout_opts_t o = opts ? *opts : (romfs_layout_opts_t){0};
    romfs_layout_stats_t st;
    memset(&st, 0, sizeof st);
    if (!o.block_size)
        o.block_size = 4096;
    if (!o.align)
        o.align = 1;
    if ((o.align & (o.align - 1)) || !out || !out_len)
        return ROMFS_ERR_INVAL;

    romfs_t fs;
    tree_t t;
    int r = read_tree(src, src_len, &fs, &t);
    if (r < 0)
        return r;
    size_t tree_len = size_tree(&t);
    for (size_t i = 0; i < t.count; i++)
        st.files += t.n[i].type == ROMFS_TYPE_FILE;

    placer_t pl;
    memset(&pl, 0, sizeof pl);
    pl.align = o.align;
    pl.block = o.block_size;
    pl.ext = malloc((t.count + 1) * sizeof *pl.ext);
    if (!pl.ext) {
        r = ROMFS_ERR_NOMEM;
        goto out;
    }

    if ((r = place_all(&t, tree_len, base, base_len, &o, &pl, &st)) < 0)
        goto out;

    size_t len = align_up(pl.data_end, 2);
    if (len - HDR_LEN > ROMFS_LAYOUT_MAX_PAYLOAD) {
        r = ROMFS_ERR_NOSPC;
        goto out;
    }
    uint8_t *img = malloc(len);
    if (!img) {
        r = ROMFS_ERR_NOMEM;
        goto out;
    }
    /* Bytes no record describes keep the base's value: an untouched hole
     * leaves its erase block unchanged. */
    size_t keep = base && base_len < len ? base_len : (base ? len : 0);
    if (keep)
        memcpy(img, base, keep);
    memset(img + keep, 0xff, len - keep);
    emit(&t, img, len, pl.data_start);
    if ((r = same_as(&t, img, len)) < 0) {
        free(img);
        goto out;
    }
    st.data_start = pl.data_start;
    st.data_bytes = live_bytes(&t);
    st.waste = pl.data_end - pl.data_start - st.data_bytes;
    *out = img;
    *out_len = len;
    if (stats)
        *stats = st;
    r = 0;
out:
    free(pl.ext);
    tree_free(&t);
    return r;
}
