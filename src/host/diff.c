/* SPDX-License-Identifier: MIT */
/* What differs between two images; see romfs_diff.h. */
#include "romfs/romfs_diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "romfs/romfs_deploy.h"
#include "romfs/romfs_layout.h"

/* One directory on both sides (either may be absent: a subtree only one
 * side has), its entries sorted by name bytes, merged with two cursors. */
typedef struct frame {
    romfs_info_t *ka, *kb;
    size_t na, nb, i, j;
    size_t path_len;        /* this directory's path in the path buffer */
} frame_t;

typedef struct walk {
    const romfs_t *fs[2];
    frame_t *f;
    size_t depth, cap;
    char *path;
    size_t path_len, path_cap;
    romfs_diff_counts_t c;
    romfs_diff_fn fn;
    void *ctx;
    int *side;
    char *msg;
    size_t msg_cap;
} walk_t;

static int fail(walk_t *w, int side, int r, const char *what)
{
    *w->side = side;
    snprintf(w->msg, w->msg_cap, "%s%s%s", what, side >= 0 ? ": " : "", side >= 0 ? romfs_strerror(r) : "");
    return r;
}

static int name_cmp(const romfs_info_t *x, const romfs_info_t *y)
{
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int r = n ? memcmp(x->name, y->name, n) : 0;
    return r ? r : x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

static int by_name(const void *a, const void *b)
{
    const romfs_info_t *x = a, *y = b;
    int r = name_cmp(x, y);
    return r ? r : x->record_offset < y->record_offset ? -1 : x->record_offset > y->record_offset;
}

/* The entries of directory d of side s (NULL d: the root), sorted. */
static int read_kids(walk_t *w, int s, const romfs_info_t *d, romfs_info_t **out, size_t *n)
{
    romfs_dir_t dir;
    size_t cap = 0;
    int r = d ? romfs_dir_open_info(w->fs[s], &dir, d) : romfs_dir_open(w->fs[s], &dir, "/");
    if (r < 0)
        return fail(w, s, r, "corrupt directory");
    for (;;) {
        romfs_info_t in;
        if ((r = romfs_dir_read(&dir, &in)) == 0)
            break;
        if (r < 0)
            return fail(w, s, r, "corrupt directory record");
        romfs_info_t *k = romfs_grow(*out, &cap, *n + 1, sizeof *k, 16);
        if (!k)
            return fail(w, -1, ROMFS_ERR_NOMEM, "out of memory");
        *out = k;
        (*out)[(*n)++] = in;
    }
    if (*n > 1)
        qsort(*out, *n, sizeof **out, by_name);
    return 0;
}

/* A frame for directories a and b (NULL: that side has none; root: both
 * roots). */
static int push(walk_t *w, const romfs_info_t *a, const romfs_info_t *b, int root)
{
    frame_t *f = romfs_grow(w->f, &w->cap, w->depth + 1, sizeof *f, 64);
    if (!f)
        return fail(w, -1, ROMFS_ERR_NOMEM, "out of memory");
    w->f = f;
    f = &w->f[w->depth++];
    memset(f, 0, sizeof *f);
    f->path_len = w->path_len;
    int r = a ? read_kids(w, 0, root ? NULL : a, &f->ka, &f->na) : 0;
    return r == 0 && b ? read_kids(w, 1, root ? NULL : b, &f->kb, &f->nb) : r;
}

/* The path buffer becomes the path of entry e of the top frame. */
static int set_path(walk_t *w, const romfs_info_t *e)
{
    size_t base = w->f[w->depth - 1].path_len;
    char *p = romfs_grow(w->path, &w->path_cap, base + 1 + e->name_len + 1, 1, 256);
    if (!p)
        return fail(w, -1, ROMFS_ERR_NOMEM, "out of memory");
    w->path = p;
    w->path_len = base;
    w->path[w->path_len++] = '/';
    memcpy(w->path + w->path_len, e->name, e->name_len);
    w->path_len += e->name_len;
    return 0;
}

static int say(walk_t *w, romfs_diff_kind_t kind, const romfs_info_t *e, const romfs_info_t *before, size_t *count)
{
    (*count)++;
    return w->fn ? w->fn(w->ctx, kind, w->path, w->path_len, e, before) : 0;
}

/* One entry of the top frame: k < 0 only in A, k > 0 only in B, else both. */
static int step(walk_t *w, int k)
{
    frame_t *f = &w->f[w->depth - 1];
    const romfs_info_t *x = k <= 0 ? &f->ka[f->i++] : NULL, *y = k >= 0 ? &f->kb[f->j++] : NULL;
    int r = set_path(w, x ? x : y);
    if (r < 0)
        return r;
    int xd = x && x->type == ROMFS_TYPE_DIR, yd = y && y->type == ROMFS_TYPE_DIR;
    if (x && y && x->type == y->type) {
        if (xd || (x->size == y->size && (x->size == 0 || memcmp(x->data, y->data, x->size) == 0)))
            w->c.same++;
        else if ((r = say(w, ROMFS_DIFF_CHANGED, y, x, &w->c.changed)) < 0)
            return r;
        return xd ? push(w, x, y, 0) : 0;
    }
    if (x && (r = say(w, ROMFS_DIFF_REMOVED, x, NULL, &w->c.removed)) < 0)
        return r;
    if (y && (r = say(w, ROMFS_DIFF_ADDED, y, NULL, &w->c.added)) < 0)
        return r;
    return xd || yd ? push(w, xd ? x : NULL, yd ? y : NULL, 0) : 0;
}

int romfs_diff(const romfs_t *a, const romfs_t *b, romfs_diff_fn fn, void *ctx, romfs_diff_counts_t *counts,
               int *side, char *msg, size_t cap)
{
    int bad = -1;
    walk_t w = {.fs = {a, b}, .fn = fn, .ctx = ctx, .side = side ? side : &bad, .msg = msg, .msg_cap = msg ? cap : 0};
    romfs_info_t root;
    memset(&root, 0, sizeof root);
    int rc = push(&w, &root, &root, 1);
    while (rc == 0 && w.depth > 0) {
        frame_t *f = &w.f[w.depth - 1];
        if (f->i == f->na && f->j == f->nb) {
            free(f->ka);
            free(f->kb);
            w.depth--;
            continue;
        }
        int k = f->i == f->na ? 1 : f->j == f->nb ? -1 : name_cmp(&f->ka[f->i], &f->kb[f->j]);
        rc = step(&w, k);
    }
    for (size_t i = 0; i < w.depth; i++) {
        free(w.f[i].ka);
        free(w.f[i].kb);
    }
    free(w.f);
    free(w.path);
    if (counts)
        *counts = w.c;
    return rc;
}

/// The deploy estimate ///

/* The bytes a deploy leaves on the partition for one side laid over base
 * (NULL: a fresh layout). */
static int deployed_form(const uint8_t *img, size_t len, romfs_diff_form_t form, const uint8_t *base, size_t blen,
                         uint32_t bs, uint8_t **out, size_t *out_len, int *used_base)
{
    romfs_layout_opts_t lo = {.block_size = bs, .fresh = !base};
    romfs_layout_stats_t st = {0};
    int r = 0;
    if (form == ROMFS_DIFF_IMAGE || (form == ROMFS_DIFF_BOARD && !base)) {
        *out = malloc(len ? len : 1);
        if (*out)
            memcpy(*out, img, len);
        *out_len = len;
        r = *out ? 0 : ROMFS_ERR_NOMEM;
    } else {
        r = romfs_layout_stable(img, len, base, blen, &lo, out, out_len, &st);
    }
    *used_base = st.used_base;
    return r;
}

int romfs_diff_deploy(const uint8_t *a, size_t alen, romfs_diff_form_t aform, const uint8_t *b, size_t blen,
                      romfs_diff_form_t bform, uint32_t bs, romfs_diff_deploy_t *out, int *side, char *msg,
                      size_t cap)
{
    uint8_t *olda = NULL, *lay = NULL;
    size_t olen = 0, len = 0;
    uint32_t *crcs = NULL;
    romfs_deploy_plan_t plan;
    memset(&plan, 0, sizeof plan);
    memset(out, 0, sizeof *out);
    int r = deployed_form(a, alen, aform, NULL, 0, bs, &olda, &olen, &out->used_base);
    *side = 0;
    if (r == 0) {
        *side = 1;
        r = deployed_form(b, blen, bform, olda, olen, bs, &lay, &len, &out->used_base);
    }
    if (r < 0) {
        snprintf(msg, cap, "cannot lay the image out: %s", romfs_strerror(r));
        goto done;
    }
    /* What a partition holding olda holds at each block of lay: a block
     * that differs or reaches past olda cannot match. */
    uint32_t nb = (uint32_t)((len + bs - 1) / bs);
    romfs_deploy_geom_t g = {.part_size = (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len), .block_size = bs};
    r = len <= UINT32_MAX && (crcs = malloc((nb + 1) * sizeof *crcs)) ? 0 : ROMFS_ERR_NOMEM;
    if (r == 0) {
        romfs_deploy_block_crcs(lay, len, bs, crcs);
        for (size_t off = 0, i = 0; off < len; off += bs, i++) {
            size_t n = len - off < bs ? len - off : bs;
            if (off + n > olen || memcmp(olda + off, lay + off, n) != 0)
                crcs[i] = ~crcs[i];
        }
        r = romfs_deploy_plan(lay, len, &g, crcs, &plan);
    }
    if (r < 0) {
        *side = -1;
        snprintf(msg, cap, "cannot plan a deploy");
        goto done;
    }
    out->nwrite = plan.nwrite;
    out->nblocks = plan.nblocks;
    out->write_bytes = plan.write_bytes;
done:
    romfs_deploy_plan_free(&plan);
    free(crcs);
    free(olda);
    free(lay);
    return r;
}
