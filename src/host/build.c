/* SPDX-License-Identifier: MIT */
/*
 * The builder: a tree of names and data sources kept in memory as metadata
 * only, laid out and streamed as a ROMFS image (docs/FORMAT.md).
 *
 * Reference layout (align 0/1): what mpremote writes. Each file record holds
 * its data verbatim; directories nest; children sorted by name bytes; the
 * filesystem length varuint gets one leading 0x80 when the image is odd.
 *
 * Aligned layout (align N): the tree comes first with every non-empty file
 * pointing through an indirect record into a data area after it, at the
 * root level. Each blob is wrapped in a verbatim data record (as mpremote's
 * mkdata does) whose payload starts at an image offset that is a multiple of
 * N; gaps before it are padding records, or one 0x80 widening its length
 * varuint when the gap is a single byte. Indirect offsets are varuints padded
 * to one common width, found by iterating to a fixed point (widths only grow).
 */
#include "romfs/romfs_build.h"

#include "varuint.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "grow.h"

enum src_kind { SRC_NONE, SRC_MEM, SRC_CB, SRC_HOST };

struct romfs_build_file {
    struct romfs_build_file *parent;
    uint8_t *name;
    size_t name_len;
    int is_dir;
    /* Directory: children, sorted lazily before layout. */
    struct romfs_build_file **kids;
    size_t nkids, cap;
    int sorted;
    /* File: where its bytes come from. */
    int src;
    uint64_t size;
    uint8_t *mem;
    romfs_read_fn fn;
    void *ctx;
    char *host_path;
    int64_t mtime_ns;
    /* Layout results. */
    uint64_t rec_len;   /* whole record: kind, length, payload */
    uint64_t payload;   /* the record's payload length */
    uint64_t data_off;  /* aligned: offset of the data in the fs payload */
    uint64_t gap;       /* aligned: bytes between the previous blob and this header */
};

struct romfs_builder {
    uint32_t align;
    int keep_order;
    struct romfs_build_file root;
    struct romfs_build_file *cur;
    /* Open-addressing set of all nodes keyed by (parent, name): duplicate
     * checks stay O(1) however wide a directory gets. */
    struct romfs_build_file **set;
    size_t set_cap, set_used;
    /* Layout results. */
    int laid_out;
    unsigned off_width;  /* aligned: width of every indirect offset varuint */
    unsigned len_width;  /* width of the filesystem length varuint */
    uint64_t fs_len;     /* filesystem payload length */
    uint64_t tree_len;   /* aligned: root children records before the data area */
    int tail_pad;        /* aligned: a 3-byte padding record makes the image even */
    uint64_t image_size;
    size_t pending;      /* files added "later" still without contents */
    char errmsg[4352];
};

/// Varuints ///

/* romfs_varuint_len / romfs_varuint_put (varuint.h), the host's one encoder. */

/// Errors ///

static void seterr(romfs_builder_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void seterr(romfs_builder_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->errmsg, sizeof b->errmsg, fmt, ap);
    va_end(ap);
}

/* The image path of node n ("/lib/a.py") into buf, truncated to fit. */
static const char *node_path(const struct romfs_build_file *n, char *buf, size_t cap)
{
    size_t len = 0;
    for (const struct romfs_build_file *p = n; p && p->parent; p = p->parent)
        len += p->name_len + 1;
    if (len == 0 || len >= cap) {
        snprintf(buf, cap, "%s", len == 0 ? "/" : "(long path)");
        return buf;
    }
    buf[len] = '\0';
    for (const struct romfs_build_file *p = n; p && p->parent; p = p->parent) {
        len -= p->name_len;
        memcpy(buf + len, p->name, p->name_len);
        buf[--len] = '/';
    }
    return buf;
}

const char *romfs_builder_errmsg(const romfs_builder_t *b)
{
    return b ? b->errmsg : "";
}

/// The name set ///

static size_t name_hash(const struct romfs_build_file *parent, const uint8_t *name, size_t len)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)parent;
    for (size_t i = 0; i < len; i++)
        h = (h ^ name[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29));
}

static struct romfs_build_file **set_slot(romfs_builder_t *b, const struct romfs_build_file *parent, const uint8_t *name,
                              size_t len)
{
    size_t mask = b->set_cap - 1;
    for (size_t i = name_hash(parent, name, len) & mask;; i = (i + 1) & mask) {
        struct romfs_build_file *n = b->set[i];
        if (!n || (n->parent == parent && n->name_len == len && memcmp(n->name, name, len) == 0))
            return &b->set[i];
    }
}

static int set_grow(romfs_builder_t *b)
{
    size_t ncap = b->set_cap ? b->set_cap * 2 : 256;
    struct romfs_build_file **old = b->set;
    size_t ocap = b->set_cap;
    b->set = calloc(ncap, sizeof *b->set);
    if (!b->set) {
        b->set = old;
        return ROMFS_ERR_NOMEM;
    }
    b->set_cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i])
            *set_slot(b, old[i]->parent, old[i]->name, old[i]->name_len) = old[i];
    free(old);
    return 0;
}

/// Building from calls ///

romfs_builder_t *romfs_builder_new(const romfs_build_opts_t *opts)
{
    uint32_t align = opts ? opts->align : 0;
    if (align & (align - 1))
        return NULL;
    romfs_builder_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->align = align > 1 ? align : 0;
    b->keep_order = opts ? opts->keep_order != 0 : 0;
    b->root.is_dir = 1;
    b->root.sorted = b->keep_order;
    b->cur = &b->root;
    if (set_grow(b) != 0) {
        free(b);
        return NULL;
    }
    return b;
}

/* Create a child of the current directory; on failure sets errmsg. */
static int add_node(romfs_builder_t *b, const char *name, size_t len, int is_dir, struct romfs_build_file **out)
{
    char path[1024];
    b->laid_out = 0;
    if (!name || !romfs_name_is_safe((const uint8_t *)name, len)) {
        seterr(b, "%s: unsafe name \"%.*s\" (empty, \".\", \"..\", or holding '/' or NUL)",
               node_path(b->cur, path, sizeof path), (int)(len < 200 ? len : 200), name ? name : "");
        return ROMFS_ERR_INVAL;
    }
    if (len > ROMFS_NAME_MAX) {
        seterr(b, "%s: name longer than %d bytes", node_path(b->cur, path, sizeof path), ROMFS_NAME_MAX);
        return ROMFS_ERR_NAMETOOLONG;
    }
    if ((b->set_used + 1) * 2 > b->set_cap && set_grow(b) != 0)
        goto nomem;
    struct romfs_build_file **slot = set_slot(b, b->cur, (const uint8_t *)name, len);
    if (*slot) {
        seterr(b, "%s: duplicate name", node_path(*slot, path, sizeof path));
        return ROMFS_ERR_EXIST;
    }
    struct romfs_build_file *d = b->cur;
    struct romfs_build_file **nk = romfs_grow(d->kids, &d->cap, d->nkids + 1, sizeof *nk, 8);
    if (!nk)
        goto nomem;
    d->kids = nk;
    struct romfs_build_file *n = calloc(1, sizeof *n);
    if (!n)
        goto nomem;
    n->name = malloc(len ? len : 1);
    if (!n->name) {
        free(n);
        goto nomem;
    }
    memcpy(n->name, name, len);
    n->name_len = len;
    n->parent = d;
    n->is_dir = is_dir;
    d->kids[d->nkids++] = n;
    d->sorted = b->keep_order;
    n->sorted = b->keep_order;
    *slot = n;
    b->set_used++;
    *out = n;
    return 0;
nomem:
    seterr(b, "%s: out of memory", node_path(b->cur, path, sizeof path));
    return ROMFS_ERR_NOMEM;
}

int romfs_builder_open_dir(romfs_builder_t *b, const char *name, size_t name_len)
{
    struct romfs_build_file *n;
    int r = add_node(b, name, name_len, 1, &n);
    if (r == 0)
        b->cur = n;
    return r;
}

int romfs_builder_close_dir(romfs_builder_t *b)
{
    if (b->cur == &b->root) {
        seterr(b, "close_dir at the root");
        return ROMFS_ERR_INVAL;
    }
    b->cur = b->cur->parent;
    return 0;
}

/* A file node of kind src and size; owned (the node's copy of its data or
 * path, may be NULL) is freed when the node cannot be added. */
static int add_leaf(romfs_builder_t *b, const char *name, size_t name_len, int src, uint64_t size, void *owned,
                    struct romfs_build_file **out)
{
    int r = add_node(b, name, name_len, 0, out);
    if (r != 0) {
        free(owned);
        return r;
    }
    (*out)->src = src;
    (*out)->size = size;
    return 0;
}

int romfs_builder_add_file_mem(romfs_builder_t *b, const char *name, size_t name_len,
                               const void *data, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        seterr(b, "%.*s: out of memory", (int)(name_len < 200 ? name_len : 200), name ? name : "");
        return ROMFS_ERR_NOMEM;
    }
    if (len)
        memcpy(copy, data, len);
    struct romfs_build_file *n;
    int r = add_leaf(b, name, name_len, SRC_MEM, len, copy, &n);
    if (r == 0)
        n->mem = copy;
    return r;
}

int romfs_builder_add_file_cb(romfs_builder_t *b, const char *name, size_t name_len,
                              uint64_t size, romfs_read_fn fn, void *ctx)
{
    struct romfs_build_file *n;
    if (!fn) {
        seterr(b, "add_file_cb without a read function");
        return ROMFS_ERR_INVAL;
    }
    int r = add_leaf(b, name, name_len, SRC_CB, size, NULL, &n);
    if (r == 0) {
        n->fn = fn;
        n->ctx = ctx;
    }
    return r;
}

int romfs_builder_add_file_host(romfs_builder_t *b, const char *name, size_t name_len,
                                const char *host_path, uint64_t size, int64_t mtime_ns)
{
    char *copy = host_path ? strdup(host_path) : NULL;
    if (!copy) {
        seterr(b, "%s: %s", host_path ? host_path : "(null)", host_path ? "out of memory" : "no path");
        return host_path ? ROMFS_ERR_NOMEM : ROMFS_ERR_INVAL;
    }
    struct romfs_build_file *n;
    int r = add_leaf(b, name, name_len, SRC_HOST, size, copy, &n);
    if (r == 0) {
        n->host_path = copy;
        n->mtime_ns = mtime_ns;
    }
    return r;
}

int romfs_builder_add_file_later(romfs_builder_t *b, const char *name, size_t name_len,
                                 romfs_build_file_t **handle)
{
    struct romfs_build_file *n;
    int r = add_node(b, name, name_len, 0, &n);
    if (r != 0)
        return r;
    b->pending++;
    *handle = n;
    return 0;
}

int romfs_builder_set_file_mem(romfs_builder_t *b, romfs_build_file_t *f, const void *data,
                               size_t len)
{
    char path[1024];
    if (!f || f->is_dir || f->src != SRC_NONE) {
        seterr(b, "%s: not a file waiting for its contents", f ? node_path(f, path, sizeof path) : "(null)");
        return ROMFS_ERR_INVAL;
    }
    if (!(f->mem = malloc(len ? len : 1))) {
        seterr(b, "%s: out of memory", node_path(f, path, sizeof path));
        return ROMFS_ERR_NOMEM;
    }
    if (len)
        memcpy(f->mem, data, len);
    f->src = SRC_MEM;
    f->size = len;
    b->pending--;
    b->laid_out = 0;
    return 0;
}

static void node_free(struct romfs_build_file *n)
{
    /* Iterative over siblings, recursive only in depth. */
    for (size_t i = 0; i < n->nkids; i++) {
        node_free(n->kids[i]);
        free(n->kids[i]);
    }
    free(n->kids);
    free(n->name);
    free(n->mem);
    free(n->host_path);
}

void romfs_builder_free(romfs_builder_t *b)
{
    if (!b)
        return;
    node_free(&b->root);
    free(b->set);
    free(b);
}

/// Layout ///

static int name_cmp(const void *pa, const void *pb)
{
    const struct romfs_build_file *a = *(const struct romfs_build_file *const *)pa, *c = *(const struct romfs_build_file *const *)pb;
    size_t n = a->name_len < c->name_len ? a->name_len : c->name_len;
    int r = memcmp(a->name, c->name, n);
    if (r)
        return r;
    return a->name_len < c->name_len ? -1 : a->name_len > c->name_len;
}

/* Size every record below d (off_width: 0 for the reference layout). */
static void layout_tree(struct romfs_build_file *d, unsigned off_width)
{
    if (!d->sorted) {
        if (d->nkids > 1)
            qsort(d->kids, d->nkids, sizeof *d->kids, name_cmp);
        d->sorted = 1;
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < d->nkids; i++) {
        struct romfs_build_file *n = d->kids[i];
        uint64_t p;
        if (n->is_dir) {
            layout_tree(n, off_width);
            p = n->payload;
        } else if (off_width && n->size) {
            uint64_t sub = romfs_varuint_len(n->size) + off_width;
            p = romfs_varuint_len(n->name_len) + n->name_len + 1 + romfs_varuint_len(sub) + sub;
        } else {
            p = romfs_varuint_len(n->name_len) + n->name_len + 1 + romfs_varuint_len(n->size) + n->size;
        }
        n->payload = p;
        n->rec_len = 1 + romfs_varuint_len(p) + p;
        sum += n->rec_len;
    }
    /* A directory's payload is its name plus its children; the root has no name. */
    if (d->parent)
        d->payload = romfs_varuint_len(d->name_len) + d->name_len + sum;
    else
        d->payload = sum;
}

typedef void (*visit_fn)(void *ctx, struct romfs_build_file *file);

/* Visit files in image order (the order their records are written). */
static void visit_files(struct romfs_build_file *d, visit_fn fn, void *ctx)
{
    for (size_t i = 0; i < d->nkids; i++) {
        if (d->kids[i]->is_dir)
            visit_files(d->kids[i], fn, ctx);
        else
            fn(ctx, d->kids[i]);
    }
}

struct place {
    uint64_t align, pos, fs_start, max_off;
};

static void place_blob(void *ctx, struct romfs_build_file *f)
{
    struct place *pl = ctx;
    if (f->size == 0)
        return;
    uint64_t hmin = 1 + romfs_varuint_len(f->size);
    uint64_t a = (pl->pos + hmin + pl->align - 1) & ~(pl->align - 1);
    f->gap = a - pl->pos - hmin;
    f->data_off = a - pl->fs_start;
    if (f->data_off > pl->max_off)
        pl->max_off = f->data_off;
    pl->pos = a + f->size;
}

static void layout(romfs_builder_t *b)
{
    if (b->laid_out)
        return;
    if (!b->align) {
        layout_tree(&b->root, 0);
        b->fs_len = b->root.payload;
        b->len_width = romfs_varuint_len(b->fs_len);
        if ((3 + b->len_width + b->fs_len) % 2)
            b->len_width++;
        b->image_size = 3 + b->len_width + b->fs_len;
        b->laid_out = 1;
        return;
    }
    unsigned ow = 1, lw = 1;
    for (;;) {
        layout_tree(&b->root, ow);
        b->tree_len = b->root.payload;
        struct place pl = {b->align, 0, 3 + lw, 0};
        pl.pos = pl.fs_start + b->tree_len;
        visit_files(&b->root, place_blob, &pl);
        uint64_t fs_len = pl.pos - pl.fs_start;
        b->tail_pad = (pl.pos % 2) != 0;
        if (b->tail_pad)
            fs_len += 3;
        unsigned now = romfs_varuint_len(pl.max_off), nlw = romfs_varuint_len(fs_len);
        if (now <= ow && nlw <= lw) {
            b->off_width = ow;
            b->len_width = lw;
            b->fs_len = fs_len;
            b->image_size = 3 + lw + fs_len;
            break;
        }
        if (now > ow)
            ow = now;
        if (nlw > lw)
            lw = nlw;
    }
    b->laid_out = 1;
}

uint64_t romfs_builder_image_size(romfs_builder_t *b)
{
    layout(b);
    return b->image_size;
}

/// Emitting ///

#define OUT_BUF 65536

struct out {
    romfs_builder_t *b;
    romfs_write_fn fn;
    void *ctx;
    uint8_t *buf;
    size_t len;
    uint64_t total;
    int err;
};

static int out_flush(struct out *o)
{
    if (o->err == 0 && o->len) {
        int r = o->fn(o->ctx, o->buf, o->len);
        if (r < 0) {
            o->err = r;
            seterr(o->b, "writing the image failed at offset %llu: %s",
                   (unsigned long long)o->total, romfs_strerror(r));
        }
        o->total += o->len;
        o->len = 0;
    }
    return o->err;
}

static int out_bytes(struct out *o, const void *data, uint64_t n)
{
    const uint8_t *p = data;
    while (n && o->err == 0) {
        size_t k = OUT_BUF - o->len;
        if (k > n)
            k = (size_t)n;
        memcpy(o->buf + o->len, p, k);
        o->len += k;
        p += k;
        n -= k;
        if (o->len == OUT_BUF)
            out_flush(o);
    }
    return o->err;
}

static int out_zeros(struct out *o, uint64_t n)
{
    static const uint8_t zeros[256];
    while (n && o->err == 0) {
        size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
        out_bytes(o, zeros, k);
        n -= k;
    }
    return o->err;
}

static int out_uint(struct out *o, uint64_t v, unsigned width)
{
    uint8_t tmp[16];
    return out_bytes(o, tmp, romfs_varuint_put(tmp, v, width));
}

/* Room left in the output buffer, flushing first when it is full. */
static size_t out_room(struct out *o, uint8_t **dst)
{
    if (o->len == OUT_BUF)
        out_flush(o);
    *dst = o->buf + o->len;
    return OUT_BUF - o->len;
}

static int data_from_cb(struct out *o, struct romfs_build_file *f)
{
    char path[1024];
    uint64_t done = 0;
    while (done < f->size && o->err == 0) {
        uint8_t *dst;
        size_t room = out_room(o, &dst);
        if (o->err)
            break;
        if (room > f->size - done)
            room = (size_t)(f->size - done);
        long r = f->fn(f->ctx, done, dst, room);
        if (r < 0 || (size_t)r > room) {
            seterr(o->b, "%s: read failed at offset %llu: %s", node_path(f, path, sizeof path),
                   (unsigned long long)done, romfs_strerror(r < 0 ? (int)r : ROMFS_ERR_IO));
            return o->err = r < 0 ? (int)r : ROMFS_ERR_IO;
        }
        if (r == 0) {
            seterr(o->b, "%s: file ended after %llu of %llu bytes (changed while building?)",
                   node_path(f, path, sizeof path), (unsigned long long)done,
                   (unsigned long long)f->size);
            return o->err = ROMFS_ERR_IO;
        }
        o->len += (size_t)r;
        done += (uint64_t)r;
    }
    if (o->err)
        return o->err;
    uint8_t extra;
    long r = f->fn(f->ctx, f->size, &extra, 1);
    if (r != 0) {
        seterr(o->b, "%s: %s", node_path(f, path, sizeof path),
               r > 0 ? "file is longer than its declared size (changed while building?)"
                     : romfs_strerror((int)r));
        return o->err = r > 0 ? ROMFS_ERR_IO : (int)r;
    }
    return 0;
}

static int data_from_host(struct out *o, struct romfs_build_file *f)
{
    const char *p = f->host_path;
    int fd = rp_open(p, RP_RDONLY | RP_NONBLOCK, 0);
    if (fd < 0) {
        int e = errno;
        seterr(o->b, "%s: cannot read: %s", p, strerror(e));
        return o->err = -e;
    }
    rp_stat_t st;
    int err = 0;
    if (rp_fstat(fd, &st) != 0) {
        err = -errno;
        seterr(o->b, "%s: %s", p, strerror(errno));
    } else if (st.type != RP_REG) {
        err = ROMFS_ERR_IO;
        seterr(o->b, "%s: no longer a regular file (changed while building)", p);
    } else if (st.size != f->size || st.mtime_ns != f->mtime_ns) {
        err = ROMFS_ERR_IO;
        seterr(o->b, "%s: changed while building (size or modification time differs)", p);
    }
    uint64_t done = 0;
    while (!err && done < f->size && o->err == 0) {
        uint8_t *dst;
        size_t room = out_room(o, &dst);
        if (o->err)
            break;
        if (room > f->size - done)
            room = (size_t)(f->size - done);
        long r = rp_read(fd, dst, room);
        if (r < 0) {
            err = -errno;
            seterr(o->b, "%s: read error: %s", p, strerror(errno));
        } else if (r == 0) {
            /* No end-of-file probe after the data: the fstat size and
             * mtime check above covers a file changed since the scan. */
            err = ROMFS_ERR_IO;
            seterr(o->b, "%s: shrank while building (read %llu of %llu bytes)", p,
                   (unsigned long long)done, (unsigned long long)f->size);
        } else {
            o->len += (size_t)r;
            done += (uint64_t)r;
        }
    }
    /* Rewritten while it was read (in place, same size): the bytes taken
     * may be half old and half new. Checked again now it is read. */
    rp_stat_t after;
    if (!err && o->err == 0 && rp_fstat(fd, &after) == 0 && !rp_stat_same(&after, &st)) {
        err = ROMFS_ERR_IO;
        seterr(o->b, "%s: changed while building (rewritten while it was read)", p);
    }
    rp_close(fd);
    if (err)
        o->err = err;
    return o->err;
}

static int out_data(struct out *o, struct romfs_build_file *f)
{
    switch (f->src) {
    case SRC_MEM:
        return out_bytes(o, f->mem, f->size);
    case SRC_CB:
        return data_from_cb(o, f);
    case SRC_HOST:
        return data_from_host(o, f);
    default:
        return o->err = ROMFS_ERR_INVAL;
    }
}

static int emit_tree(struct out *o, struct romfs_build_file *d, int aligned, unsigned off_width)
{
    for (size_t i = 0; i < d->nkids && o->err == 0; i++) {
        struct romfs_build_file *n = d->kids[i];
        out_uint(o, n->is_dir ? ROMFS_KIND_DIRECTORY : ROMFS_KIND_FILE, 1);
        out_uint(o, n->payload, romfs_varuint_len(n->payload));
        out_uint(o, n->name_len, romfs_varuint_len(n->name_len));
        out_bytes(o, n->name, n->name_len);
        if (n->is_dir) {
            emit_tree(o, n, aligned, off_width);
        } else if (aligned && n->size) {
            uint64_t sub = romfs_varuint_len(n->size) + off_width;
            out_uint(o, ROMFS_KIND_DATA_POINTER, 1);
            out_uint(o, sub, romfs_varuint_len(sub));
            out_uint(o, n->size, romfs_varuint_len(n->size));
            out_uint(o, n->data_off, off_width);
        } else {
            out_uint(o, ROMFS_KIND_DATA_VERBATIM, 1);
            out_uint(o, n->size, romfs_varuint_len(n->size));
            out_data(o, n);
        }
    }
    return o->err;
}

static void emit_blob(void *ctx, struct romfs_build_file *f)
{
    struct out *o = ctx;
    if (f->size == 0 || o->err)
        return;
    unsigned w = romfs_varuint_len(f->size);
    if (f->gap == 1) {
        w++;
    } else if (f->gap >= 2) {
        unsigned pw = romfs_varuint_len(f->gap);
        uint64_t p = f->gap - 1 - pw;
        out_uint(o, ROMFS_KIND_PADDING, 1);
        out_uint(o, p, pw);
        out_zeros(o, p);
    }
    out_uint(o, ROMFS_KIND_DATA_VERBATIM, 1);
    out_uint(o, f->size, w);
    out_data(o, f);
}

int romfs_builder_write(romfs_builder_t *b, romfs_write_fn fn, void *ctx)
{
    b->errmsg[0] = '\0';
    if (b->cur != &b->root) {
        char path[1024];
        seterr(b, "%s: directory still open", node_path(b->cur, path, sizeof path));
        return ROMFS_ERR_INVAL;
    }
    if (b->pending) {
        seterr(b, "%zu file%s added for later never got %s contents", b->pending,
               b->pending == 1 ? "" : "s", b->pending == 1 ? "its" : "their");
        return ROMFS_ERR_INVAL;
    }
    layout(b);
    struct out o = {b, fn, ctx, malloc(OUT_BUF), 0, 0, 0};
    if (!o.buf) {
        seterr(b, "out of memory");
        return ROMFS_ERR_NOMEM;
    }
    static const uint8_t magic[3] = {ROMFS_MAGIC0, ROMFS_MAGIC1, ROMFS_MAGIC2};
    out_bytes(&o, magic, 3);
    out_uint(&o, b->fs_len, b->len_width);
    emit_tree(&o, &b->root, b->align != 0, b->off_width);
    if (b->align) {
        visit_files(&b->root, emit_blob, &o);
        if (b->tail_pad) {
            static const uint8_t pad3[3] = {ROMFS_KIND_PADDING, 1, 0};
            out_bytes(&o, pad3, 3);
        }
    }
    out_flush(&o);
    free(o.buf);
    if (o.err == 0 && o.total != b->image_size) {
        seterr(b, "internal error: wrote %llu bytes, laid out %llu", (unsigned long long)o.total,
               (unsigned long long)b->image_size);
        return ROMFS_ERR_IO;
    }
    return o.err;
}

struct membuf {
    uint8_t *p;
    size_t len, cap;
};

static int mem_write(void *ctx, const void *data, size_t n)
{
    struct membuf *m = ctx;
    if (n > m->cap - m->len)
        return ROMFS_ERR_NOSPC;   /* cannot happen: the image's size was asked first */
    memcpy(m->p + m->len, data, n);
    m->len += n;
    return 0;
}

int romfs_builder_write_mem(romfs_builder_t *b, size_t size, uint8_t **out, size_t *len)
{
    uint64_t need = romfs_builder_image_size(b);
    if (need > SIZE_MAX - 1) {
        seterr(b, "the image does not fit in memory");
        return ROMFS_ERR_NOMEM;
    }
    struct membuf m = {NULL, 0, size > need ? size : (size_t)need};
    if (!(m.p = malloc(m.cap ? m.cap : 1))) {
        seterr(b, "out of memory");
        return ROMFS_ERR_NOMEM;
    }
    int r = romfs_builder_write(b, mem_write, &m);
    if (r < 0) {
        free(m.p);
        return r;
    }
    memset(m.p + m.len, 0xff, m.cap - m.len);
    *out = m.p;
    *len = m.len;
    return 0;
}
