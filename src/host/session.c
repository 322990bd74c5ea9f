/* SPDX-License-Identifier: MIT */
/*
 * Deploy sessions (include/romfs/romfs_session.h): what the board holds,
 * which base to trust, layout, plan, run, cache. Every byte from the board
 * is untrusted: its unique id only reaches the cache through a hash, its
 * image is parsed by the reader, and the CRCs it reports decide what is
 * rewritten, so a wrong base costs blocks, never correctness.
 */
#include "romfs/romfs_session.h"
#include "romfs/romfs_io.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "platform.h"

#include "sha256.h"

#define CHUNK 4096u
#define ERASE_MAX 32768u
#define HEAD_READ 16u           /* magic and the fs-length varuint */
#define TREE_READ_MAX (64u << 10) /* board bytes read for its tree, at most */
#define GUESS_READ_MAX 16u      /* data blocks read back when guessing fails */
#define MAX_DEPTH 128

struct romfs_session {
    romfs_deploy_ops_t ops;
    romfs_session_opts_t o;
    int part;
    uint64_t part_size;
    uint32_t bs, nboard;
    int slow_crcs;
    char *cpath, *ppath;       /* cache: last verified image, interrupted one */
    uint8_t *last;             /* what this session deployed and verified last */
    size_t last_len;
    uint8_t *tried;            /* what this session deployed (or tried) last */
    size_t tried_len;
};

/* One deploy's view of the board. */
typedef struct view {
    romfs_session_t *s;
    romfs_session_result_t *res;
    uint32_t *crcs;            /* nboard + 1: whole-block CRCs, then the partial last */
    uint8_t *known;
    size_t old_len;            /* the board's image length from its header, 0: none */
    uint8_t *base, *pend;
    size_t blen, plen;
} view_t;

static void note(romfs_session_result_t *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(romfs_session_result_t *res, const char *fmt, ...)
{
    size_t n = strlen(res->note);
    if (n && n < sizeof res->note - 2) {
        memcpy(res->note + n, "; ", 3);
        n += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->note + n, sizeof res->note - n, fmt, ap);
    va_end(ap);
}

static int fail(romfs_session_result_t *res, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(romfs_session_result_t *res, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->error, sizeof res->error, fmt, ap);
    va_end(ap);
    return code < 0 ? code : ROMFS_ERR_IO;
}

static const char *dev_err(const romfs_session_t *s, int code)
{
    const char *m = s->ops.errmsg ? s->ops.errmsg(s->ops.ctx) : NULL;
    return m && *m ? m : romfs_strerror(code);
}

/// Cache files ///

/* A cache entry, or NULL when it is missing, empty or unreadable (a cache
 * entry is only a hint: the board's CRCs decide whether it is used). */
static uint8_t *load_opt(const char *path, size_t *len)
{
    uint8_t *buf = NULL;
    *len = 0;
    if (!path || romfs_load_file(path, ROMFS_LOAD_MAX, &buf, len) < 0)
        return NULL;
    if (*len == 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Temporary file, fsync, rename (romfs_io.h): a cache entry is whole or
 * absent. */
static int save_file(const char *path, const uint8_t *data, size_t len)
{
    return path && romfs_write_file(path, data, len) == 0 ? 0 : -1;
}

const char *romfs_session_layout_name(romfs_session_layout_t layout)
{
    switch (layout) {
    case ROMFS_SESSION_LAYOUT_STABLE: return "stable";
    case ROMFS_SESSION_LAYOUT_PACKED: return "packed";
    case ROMFS_SESSION_LAYOUT_ASIS: return "as-is";
    }
    return "unknown";
}

const char *romfs_session_base_name(romfs_session_base_t base)
{
    switch (base) {
    case ROMFS_SESSION_BASE_NONE: return "none";
    case ROMFS_SESSION_BASE_SESSION: return "session";
    case ROMFS_SESSION_BASE_CACHE: return "cache";
    case ROMFS_SESSION_BASE_BOARD: return "board";
    }
    return "unknown";
}

char *romfs_session_cache_dir(const char *cache_home)
{
    char buf[4096];
    if (!cache_home || !*cache_home)
        return NULL;
    snprintf(buf, sizeof buf, "%s/romfs/deploy", cache_home);
    if (romfs_mkdir_p(buf, 0700) != 0)
        return NULL;
    return strdup(buf);
}

void romfs_session_cache_key(const romfs_session_board_t *b, char out[65])
{
    const char *uid = b->unique_id && *b->unique_id ? b->unique_id : NULL;
    const char *k = uid ? uid : b->fallback_key ? b->fallback_key : "auto";
    size_t n = strlen(k) + 32;
    char *msg = malloc(n);
    if (!msg) {
        romfs_sha256_hex((const uint8_t *)"", 0, out);
        return;
    }
    int m = snprintf(msg, n, "%s:%s:p%d", uid ? "uid" : "dev", k, b->part);
    romfs_sha256_hex((const uint8_t *)msg, (size_t)m, out);
    free(msg);
}

/// Sessions ///

int romfs_session_open(romfs_session_t **out, const romfs_deploy_ops_t *ops, const romfs_session_board_t *board,
                       const romfs_session_opts_t *opts)
{
    *out = NULL;
    uint32_t bs = board->block_size && board->block_size <= board->part_size ? board->block_size
                                                                             : (uint32_t)board->part_size;
    if (!ops || !ops->erase || !ops->write || board->part_size > UINT32_MAX || !bs)
        return ROMFS_ERR_INVAL;
    romfs_session_t *s = calloc(1, sizeof *s);
    if (!s)
        return ROMFS_ERR_NOMEM;
    s->ops = *ops;
    if (opts)
        s->o = *opts;
    s->part = board->part;
    s->part_size = board->part_size;
    s->bs = bs;
    s->nboard = (uint32_t)((board->part_size + bs - 1) / bs);
    s->slow_crcs = board->slow_crcs;
    if (s->o.cache_dir) {
        char key[65];
        romfs_session_cache_key(board, key);
        char name[96];
        snprintf(name, sizeof name, "%s.romfs", key);
        s->cpath = rp_concat3(s->o.cache_dir, "/", name);
        snprintf(name, sizeof name, "%s.pending.romfs", key);
        s->ppath = rp_concat3(s->o.cache_dir, "/", name);
    }
    s->o.cache_dir = NULL;   /* not kept: the caller owns the string */
    *out = s;
    return 0;
}

void romfs_session_close(romfs_session_t *s)
{
    if (!s)
        return;
    free(s->cpath);
    free(s->ppath);
    free(s->last);
    free(s->tried);
    free(s);
}

/// What the board holds ///

/* The image length in the board's header (0 when block 0 holds none). */
static size_t board_header_len(view_t *v)
{
    romfs_session_t *s = v->s;
    uint8_t h[HEAD_READ];
    uint32_t n = s->part_size < HEAD_READ ? (uint32_t)s->part_size : HEAD_READ;
    if (!s->ops.read || s->ops.read(s->ops.ctx, 0, n, h) < 0)
        return 0;
    v->res->bytes_read += n;
    if (n < ROMFS_SIZE_MIN || h[0] != ROMFS_MAGIC0 || h[1] != ROMFS_MAGIC1 || h[2] != ROMFS_MAGIC2)
        return 0;
    const uint8_t *p = h + 3;
    size_t fs_len;
    if (romfs_decode_uint(&p, h + n, &fs_len) < 0 || fs_len > s->part_size - (size_t)(p - h))
        return 0;
    return (size_t)(p - h) + fs_len;
}

/* Ask the board for the CRCs of whole blocks [first, end) not known yet. */
static int ask_crcs(view_t *v, uint32_t first, uint32_t end)
{
    romfs_session_t *s = v->s;
    while (first < end && v->known[first])
        first++;
    if (first >= end)
        return 0;
    uint64_t len = (uint64_t)(end - first) * s->bs;
    if ((uint64_t)first * s->bs + len > s->part_size)
        len = s->part_size - (uint64_t)first * s->bs;
    int r = s->ops.block_crcs(s->ops.ctx, first * s->bs, (uint32_t)len, s->bs, v->crcs + first);
    if (r < 0)
        return fail(v->res, r, "reading block checksums: %s", dev_err(s, r));
    memset(v->known + first, 1, end - first);
    v->res->crcs_asked += end - first;
    return 0;
}

static uint32_t blocks_of(const romfs_session_t *s, size_t len)
{
    uint64_t n = ((uint64_t)len + s->bs - 1) / s->bs;
    return n > s->nboard ? s->nboard : (uint32_t)n;
}

/* The board's image is the cached base when every whole block past block
 * 0 matches it, except blocks an interrupted deploy (the pending image)
 * was rewriting: those may hold anything. Block 0 may be anything. */
static int base_trusted(const view_t *v, const uint8_t *base, size_t blen)
{
    uint32_t bs = v->s->bs, nb = blocks_of(v->s, blen);
    uint32_t np = v->pend ? blocks_of(v->s, v->plen) : 0;
    uint32_t *bc = malloc((nb + np + 1) * sizeof *bc);
    if (!bc || nb > v->s->nboard) {
        free(bc);
        return 0;
    }
    romfs_deploy_block_crcs(base, blen, bs, bc);
    if (v->pend)
        romfs_deploy_block_crcs(v->pend, v->plen, bs, bc + nb);
    int ok = 1;
    for (uint32_t i = 1; i < nb && ok && (uint64_t)(i + 1) * bs <= blen; i++) {
        int pending_touched = i < np && ((uint64_t)(i + 1) * bs > v->plen || bc[nb + i] != bc[i]);
        ok = (v->known[i] && v->crcs[i] == bc[i]) || pending_touched;
    }
    free(bc);
    return ok;
}

/// A base read from the board ///

typedef struct bread {
    view_t *v;
    uint8_t *buf;              /* old_len bytes, 0xff where not read */
    size_t upto;               /* [0, upto) read from the board */
    const romfs_t *nfs;        /* the new tree, for guessing file data */
    uint32_t *guessed;         /* per block: bytes filled with a guess */
} bread_t;

/* Count the guessed bytes [off, off+n) in the blocks they fall in. */
static void mark_guessed(bread_t *b, size_t off, size_t n)
{
    size_t bs = b->v->s->bs;
    for (size_t end = off + n; off < end;) {
        size_t stop = (off / bs + 1) * bs < end ? (off / bs + 1) * bs : end;
        b->guessed[off / bs] += (uint32_t)(stop - off);
        off = stop;
    }
}

static int read_range(bread_t *b, size_t off, size_t end)
{
    romfs_session_t *s = b->v->s;
    int r = s->ops.read(s->ops.ctx, (uint32_t)off, (uint32_t)(end - off), b->buf + off);
    if (r < 0)
        return fail(b->v->res, r, "reading the board's image: %s", dev_err(s, r));
    b->v->res->bytes_read += end - off;
    return 0;
}

/* Read the board's image up to at least byte upto, in whole blocks. */
static int ensure_read(bread_t *b, size_t upto)
{
    size_t len = b->v->old_len, bs = b->v->s->bs;
    if (upto > len)
        upto = len;
    if (upto <= b->upto)
        return 0;
    if (upto > TREE_READ_MAX)
        return 1;
    size_t end = (upto + bs - 1) / bs * bs;
    int r = read_range(b, b->upto, end < len ? end : len);
    if (r == 0)
        b->upto = end < len ? end : len;
    return r;
}

/* Walk the board's top-level records to the stable layout's data-area
 * marker, reading the tree as it goes. Returns the data-area start, 0 when
 * the image is not a stable one (note says why), negative on a read error. */
static long find_data_start(bread_t *b)
{
    romfs_session_result_t *res = b->v->res;
    const uint8_t *end = b->buf + b->v->old_len;
    int r;
    if ((r = ensure_read(b, 7)) != 0)
        return r < 0 ? r : 0;
    if (!(b->buf[3] & 0x80 && b->buf[4] & 0x80 && b->buf[5] & 0x80 && !(b->buf[6] & 0x80))) {
        note(res, "the board's image is not in the stable layout (a 'romfs build' image?): laying out afresh");
        return 0;
    }
    romfs_record_t rec;
    for (const uint8_t *p = b->buf + 7; p < end; p = rec.next) {
        if ((r = ensure_read(b, (size_t)(p - b->buf) + HEAD_READ)) != 0)
            return r < 0 ? r : 0;
        if (romfs_record_decode(p, end, &rec) < 0)
            break;
        if (rec.kind != ROMFS_KIND_PADDING)
            continue;
        size_t at = (size_t)(rec.payload - b->buf);
        if ((r = ensure_read(b, at + ROMFS_LAYOUT_MARKER_LEN + 4)) != 0)
            return r < 0 ? r : 0;
        if ((size_t)(rec.next - rec.payload) < ROMFS_LAYOUT_MARKER_LEN + 4 ||
            memcmp(rec.payload, ROMFS_LAYOUT_MARKER, ROMFS_LAYOUT_MARKER_LEN) != 0)
            continue;
        const uint8_t *d = rec.payload + ROMFS_LAYOUT_MARKER_LEN;
        size_t start = (size_t)d[0] | (size_t)d[1] << 8 | (size_t)d[2] << 16 | (size_t)d[3] << 24;
        if (start < at || start > b->v->old_len || rec.next != end)
            break;
        return (long)start;
    }
    note(res, "the board's image is corrupt or not in the stable layout (no data area found): laying out afresh");
    return 0;
}

/* Fill each board file's data with the new tree's bytes of the same path
 * and size: where the board's block CRCs then match, the guess is what the
 * board holds. */
static void guess_files(bread_t *b, const romfs_t *fs, const romfs_info_t *dir, char *path, size_t plen, int depth)
{
    romfs_dir_t d;
    romfs_info_t info, ninfo;
    if (depth > MAX_DEPTH || romfs_dir_open_info(fs, &d, dir) < 0)
        return;
    while (romfs_dir_read(&d, &info) == 1) {
        if ((info.flags & ROMFS_INFO_UNSAFE_NAME) || plen + info.name_len + 2 > 4096)
            continue;
        size_t n = plen;
        if (n)
            path[n++] = '/';
        memcpy(path + n, info.name, info.name_len);
        path[n + info.name_len] = '\0';
        if (info.type == ROMFS_TYPE_DIR) {
            guess_files(b, fs, &info, path, n + info.name_len, depth + 1);
        } else if (info.size && romfs_stat(b->nfs, path, &ninfo) == 0 && ninfo.type == ROMFS_TYPE_FILE &&
                   ninfo.size == info.size && info.data >= b->buf + b->upto) {
            memcpy(b->buf + (info.data - b->buf), ninfo.data, info.size);
            mark_guessed(b, (size_t)(info.data - b->buf), info.size);
        }
        path[plen] = '\0';
    }
}

/* Data blocks whose guessed bytes do not match the board's CRC (or that
 * end the image part-way) are read back, a few at most. A block made only
 * of guesses is not: a mismatch there means a same-size file changed, and
 * the layout rewrites it in place whatever the old bytes were. */
static int read_unconfirmed(bread_t *b)
{
    view_t *v = b->v;
    uint32_t bs = v->s->bs, reads = 0;
    for (uint32_t i = (uint32_t)(b->upto / bs); i < blocks_of(v->s, v->old_len); i++) {
        size_t off = (size_t)i * bs, end = off + bs;
        if (end <= v->old_len && v->known[i] &&
            (b->guessed[i] == bs || (uint32_t)crc32(0L, b->buf + off, bs) == v->crcs[i]))
            continue;
        if (reads++ >= GUESS_READ_MAX)
            break;
        int r = read_range(b, off, end < v->old_len ? end : v->old_len);
        if (r < 0)
            return r;
    }
    return 0;
}

/* The base from the board itself: its tree read, file data trusted where
 * block CRCs confirm it. 0 with v->base set, 1 (note says why) to lay out
 * afresh, negative on a device error. */
static int board_base(view_t *v, const uint8_t *img, size_t len)
{
    romfs_session_result_t *res = v->res;
    if (!v->s->ops.read || !v->old_len)
        return 1;   /* no image on the board (or no way to read it): nothing to follow */
    romfs_t nfs, bfs;
    if (romfs_mount(&nfs, img, len) < 0)
        return 1;
    bread_t b = {.v = v, .nfs = &nfs, .buf = malloc(v->old_len), .guessed = calloc(v->s->nboard + 1, sizeof *b.guessed)};
    if (!b.buf || !b.guessed) {
        free(b.buf);
        free(b.guessed);
        return fail(res, ROMFS_ERR_NOMEM, "out of memory");
    }
    memset(b.buf, 0xff, v->old_len);
    long start = find_data_start(&b);
    int r = start > 0 ? ensure_read(&b, (size_t)start) : (int)start;
    if (r == 1)
        note(res, "the board's tree is too large to read back: laying out afresh");
    romfs_info_t root;
    if (start > 0 && r == 0 && (romfs_mount(&bfs, b.buf, v->old_len) < 0 || romfs_stat(&bfs, "", &root) < 0)) {
        note(res, "the board's image is corrupt (it does not mount): laying out afresh");
        start = 0;
    }
    if (start > 0 && r == 0) {
        char path[4096] = "";
        guess_files(&b, &bfs, &root, path, 0, 0);
        r = read_unconfirmed(&b);
    }
    free(b.guessed);
    if (start <= 0 || r != 0) {
        free(b.buf);
        return r < 0 ? r : 1;
    }
    v->base = b.buf;
    v->blen = v->old_len;
    return 0;
}

/// One deploy ///

/* Learn what the board holds over the span of every image it might hold
 * (its header's, the cached and pending images'), then pick the base:
 * this session's last image, the cache when the CRCs confirm it, else the
 * board's own layout. */
static int choose_base(view_t *v, const uint8_t *img, size_t len, int tree)
{
    romfs_session_t *s = v->s;
    romfs_session_result_t *res = v->res;
    res->base = ROMFS_SESSION_BASE_NONE;
    if (s->o.full || s->slow_crcs || !s->ops.block_crcs)
        return 0;
    if (s->last) {
        /* Written and verified by this session: its CRCs are the board's. */
        size_t whole = s->last_len / s->bs;
        romfs_deploy_block_crcs(s->last, whole * s->bs, s->bs, v->crcs);
        memset(v->known, 1, whole);
        v->base = malloc(s->last_len);
        if (!v->base)
            return fail(res, ROMFS_ERR_NOMEM, "out of memory");
        memcpy(v->base, s->last, s->last_len);
        v->blen = s->last_len;
        res->base = ROMFS_SESSION_BASE_SESSION;
        return 0;
    }
    v->old_len = board_header_len(v);
    v->base = load_opt(s->cpath, &v->blen);
    v->pend = load_opt(s->ppath, &v->plen);
    size_t span = v->old_len > v->blen ? v->old_len : v->blen;
    span = span > v->plen ? span : v->plen;
    int r = ask_crcs(v, 0, blocks_of(s, span));
    if (r < 0)
        return r;
    if (v->base && base_trusted(v, v->base, v->blen)) {
        res->base = ROMFS_SESSION_BASE_CACHE;
        return 0;
    }
    if (v->base)
        note(res, "the cached base is not what the board holds");
    free(v->base);
    v->base = NULL;
    v->blen = 0;
    if (!tree)
        return 0;
    if ((r = board_base(v, img, len)) == 0)
        res->base = ROMFS_SESSION_BASE_BOARD;
    return r < 0 ? r : 0;
}

/* The stable layout of tree img against the base; the packed image when
 * that fails or does not fit the partition (said in the note). */
static int lay_out(view_t *v, const uint8_t *img, size_t len, uint8_t **lay, size_t *lay_len)
{
    romfs_session_t *s = v->s;
    romfs_session_result_t *res = v->res;
    romfs_layout_opts_t lo = {.block_size = s->bs < s->part_size ? s->bs : 4096, .align = s->o.align,
                              .compact_percent = s->o.compact, .fresh = s->o.full || !v->base};
    int r = romfs_layout_stable(img, len, v->base, v->blen, &lo, lay, lay_len, &res->lst);
    if (r < 0) {
        note(res, "no stable layout (%s): deploying the packed image", romfs_strerror(r));
        res->layout = ROMFS_SESSION_LAYOUT_PACKED;
        return r == ROMFS_ERR_NOMEM ? fail(res, r, "out of memory") : 0;
    }
    if (*lay_len > s->part_size && len <= s->part_size) {
        note(res, "the stable layout (%zu bytes) does not fit the partition: deploying the packed image (%zu bytes)",
             *lay_len, len);
        free(*lay);
        *lay = NULL;
        res->layout = ROMFS_SESSION_LAYOUT_PACKED;
        return 0;
    }
    if (v->base && !res->lst.used_base)
        note(res, res->lst.compacted ? "compacted: laid out afresh" : "the base is not a usable stable image: laid out afresh");
    res->layout = ROMFS_SESSION_LAYOUT_STABLE;
    return 0;
}

/* The board's CRC of every block of the new image (the last one over the
 * image's bytes only), asking for those not known yet. */
static int plan_crcs(view_t *v, size_t len, uint32_t **out)
{
    romfs_session_t *s = v->s;
    uint32_t nb = blocks_of(s, len), whole = (uint32_t)(len / s->bs);
    int r = ask_crcs(v, 0, whole);
    if (r < 0)
        return r;
    uint32_t *c = malloc((nb + 1) * sizeof *c);
    if (!c)
        return fail(v->res, ROMFS_ERR_NOMEM, "out of memory");
    memcpy(c, v->crcs, whole * sizeof *c);
    if (whole < nb) {
        uint32_t off = whole * s->bs;
        if (s->last && s->last_len >= len) {
            c[whole] = (uint32_t)crc32(0L, s->last + off, (uInt)(len - off));
        } else if ((r = s->ops.block_crcs(s->ops.ctx, off, (uint32_t)(len - off), s->bs, c + whole)) < 0) {
            free(c);
            return fail(v->res, r, "reading block checksums: %s", dev_err(s, r));
        } else {
            v->res->crcs_asked++;
        }
    }
    *out = c;
    return 0;
}

static void keep_copy(uint8_t **dst, size_t *dlen, const uint8_t *img, size_t len)
{
    free(*dst);
    *dst = malloc(len);
    *dlen = *dst ? len : 0;
    if (*dst)
        memcpy(*dst, img, len);
}

static int run_plan(view_t *v, const uint8_t *img, size_t len)
{
    romfs_session_t *s = v->s;
    romfs_session_result_t *res = v->res;
    uint32_t *old = NULL;
    int incremental = !s->o.full && !s->slow_crcs && s->ops.block_crcs;
    int r = incremental ? plan_crcs(v, len, &old) : 0;
    if (r < 0)
        return r;
    romfs_deploy_geom_t g = {.part_size = (uint32_t)s->part_size, .block_size = s->bs, .chunk_size = CHUNK,
                             .erase_max = ERASE_MAX, .reprogram = s->o.nor, .zero_header = s->o.nor};
    romfs_deploy_plan_t plan;
    if ((r = romfs_deploy_plan(img, len, &g, old, &plan)) < 0) {
        free(old);
        return fail(res, r, "cannot plan the deploy: %s", romfs_strerror(r));
    }
    free(old);
    res->blocks_total = plan.nblocks;
    res->blocks_written = plan.nwrite;
    res->blocks_skipped = plan.nskip;
    keep_copy(&s->tried, &s->tried_len, img, len);
    if (plan.nwrite)
        save_file(s->ppath, img, len);
    romfs_deploy_result_t dr;
    r = romfs_deploy_run(img, len, &g, &plan, &s->ops, &dr);
    romfs_deploy_plan_free(&plan);
    if (r < 0 && dr.state != ROMFS_DEPLOY_UNTOUCHED) {
        free(s->last);   /* the board no longer holds it: ask next time */
        s->last = NULL;
        s->last_len = 0;
    }
    res->bytes_programmed = dr.bytes_programmed;
    res->erase_ops = dr.erase_ops;
    res->write_ops = dr.write_ops;
    res->state = dr.state;
    res->verified = dr.verified;
    res->bad_block = dr.bad_block;
    if (r < 0 && dr.state == ROMFS_DEPLOY_UNERASED)
        return fail(res, r, "verification failed: block 0 still holds data after an erase that reported success; %s",
                    romfs_deploy_state_str(dr.state));
    if (r < 0 && dr.bad_block >= 0)
        return fail(res, r, "verification failed: block %d (offset %llu) differs from the image after writing; %s",
                    dr.bad_block, (unsigned long long)dr.bad_block * s->bs, romfs_deploy_state_str(dr.state));
    if (r < 0)
        return fail(res, r, "deploy failed: %s; %s", r == ROMFS_ERR_INVAL ? romfs_strerror(r) : dev_err(s, r),
                    romfs_deploy_state_str(dr.state));
    if (s->cpath && save_file(s->cpath, img, len) == 0 && s->ppath)
        rp_unlink(s->ppath);
    keep_copy(&s->last, &s->last_len, img, len);
    return 0;
}

int romfs_session_deploy(romfs_session_t *s, const uint8_t *img, size_t len, int tree, romfs_session_result_t *res)
{
    double t0 = rp_monotonic_s();
    memset(res, 0, sizeof *res);
    res->bad_block = -1;
    res->layout = tree ? ROMFS_SESSION_LAYOUT_STABLE : ROMFS_SESSION_LAYOUT_ASIS;
    if (!s->ops.block_crcs && !s->o.allow_unverified)
        return fail(res, ROMFS_ERR_OPNOTSUPP, "the board cannot read its partition back: refusing an unverified "
                                              "deploy (allow it explicitly to deploy anyway)");
    view_t v = {.s = s, .res = res, .crcs = calloc(s->nboard + 1, sizeof *v.crcs), .known = calloc(s->nboard + 1, 1)};
    uint8_t *lay = NULL;
    size_t lay_len = 0;
    int r = v.crcs && v.known ? 0 : fail(res, ROMFS_ERR_NOMEM, "out of memory");
    if (r == 0)
        r = choose_base(&v, img, len, tree);
    if (r == 0 && tree)
        r = lay_out(&v, img, len, &lay, &lay_len);
    const uint8_t *out = lay ? lay : img;
    size_t out_len = lay ? lay_len : len;
    res->image_len = out_len;
    if (r == 0 && s->o.sized)
        s->o.sized(s->o.sized_ctx, out_len);
    if (r == 0 && out_len > s->part_size)
        r = fail(res, ROMFS_ERR_NOSPC, "ROMFS image is too big for the target partition");
    if (r == 0)
        r = run_plan(&v, out, out_len);
    free(lay);
    free(v.crcs);
    free(v.known);
    free(v.base);
    free(v.pend);
    res->seconds = rp_monotonic_s() - t0;
    return r;
}

const uint8_t *romfs_session_image(const romfs_session_t *s, size_t *len)
{
    *len = s->tried_len;
    return s->tried;
}

int romfs_session_holds(romfs_session_t *s, const uint8_t *img, size_t len)
{
    if (!s->ops.block_crcs || len > s->part_size)
        return ROMFS_ERR_OPNOTSUPP;
    uint32_t nb = blocks_of(s, len);
    uint32_t *c = malloc(2 * (size_t)nb * sizeof *c);
    if (!c)
        return ROMFS_ERR_NOMEM;
    int r = s->ops.finalise ? s->ops.finalise(s->ops.ctx) : 0;
    if (r >= 0)
        r = s->ops.block_crcs(s->ops.ctx, 0, (uint32_t)len, s->bs, c);
    if (r >= 0) {
        romfs_deploy_block_crcs(img, len, s->bs, c + nb);
        r = memcmp(c, c + nb, nb * sizeof *c) == 0;
    }
    free(c);
    return r;
}
