/* SPDX-License-Identifier: MIT */
/*
 * romfs diff A B: what differs between two images, each given as an image
 * file, a directory (built in memory as `romfs deploy` builds it) or -d DEV
 * (the image in a board's partition, cli/boardimg.c). Prints the entries
 * added, removed and changed with their sizes, then how many erase blocks
 * a deploy of B over A would write (B laid out in the stable layout
 * relative to A, as `romfs deploy` lays it out).
 */
#include "cli.h"
#include "imgwalk.h"
#include "build_dir.h"
#include "imgwalk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#include "romfs/romfs.h"
#include "romfs/romfs_deploy.h"
#include "romfs/romfs_layout.h"

#include <zlib.h>

typedef struct side {
    const char *arg;        /* as given: a path, or the device after -d */
    int board;
    int dir;                /* built from a directory */
    char name[160];         /* for messages */
    uint8_t *img;           /* malloc'd (board, directory) or file.data */
    size_t len;
    cli_file_t file;        /* an image file, loaded (mapped) as it is */
    const uint8_t *bytes;   /* the image: img or file.data */
    romfs_t fs;
} side_t;

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: romfs diff [-p N] [--mpy | --no-mpy] [--block-size N] A B\n"
            "Compare two images. A and B are each an image file, a directory (built as\n"
            "'romfs deploy' builds it) or '-d DEV' (the image in the board's partition N).\n"
            "Prints '+' for entries only in B, '-' for entries only in A, '~' for files\n"
            "whose bytes differ (with both sizes), then the erase blocks a deploy of B\n"
            "over A would write.\n"
            "  -d, --device DEV    one side is the image on this board\n"
            "  -p, --partition N   the board's ROM partition (default 0)\n"
            "      --mpy           compile .py files of directory sides (default)\n"
            "      --no-mpy        store .py files of directory sides as they are\n"
            "      --block-size N  erase block size for the deploy estimate (default 4096)\n"
            "  -h, --help          this help\n"
            "Exit status: 0 compared (whether or not they differ), 1 a side could not be\n"
            "read, 2 bad usage.\n");
}

/// Loading a side ///

static int load_side(side_t *s, int part, int mpy)
{
    if (s->board) {
        romfs_board_image_t im;
        if (iw_board_fetch(s->arg, part, &im) < 0)
            return -1;
        s->img = im.data;
        s->len = im.len;
        snprintf(s->name, sizeof s->name, "%s", im.name);
    } else {
        rp_stat_t st;
        snprintf(s->name, sizeof s->name, "%s", s->arg);
        if (rp_stat(s->arg, &st) != 0) {
            cli_error("%s: %s", s->arg, strerror(errno));
            return -1;
        }
        if ((s->dir = st.type == RP_DIR)) {
            cli_mpy_cfg_t cfg;
            cli_mpy_cfg_init(&cfg);
            cfg.want_mpy = mpy;
            if (cli_deploy_build(s->arg, &cfg, &s->img, &s->len) < 0)
                return -1;
        } else {
            if (cli_file_load(s->arg, &s->file) < 0)
                return -1;
            s->len = s->file.len;
        }
    }
    s->bytes = s->img ? s->img : s->file.data;
    if (romfs_mount(&s->fs, s->bytes, s->len) < 0) {
        cli_error("%s: Invalid ROMFS image", s->name);
        return -1;
    }
    return 0;
}

/// Comparing ///

/* One directory on both sides (either may be absent: a subtree only one
 * side has), its entries sorted by name bytes, merged with two cursors. The
 * walk keeps these frames on the heap, so any depth the reader takes is
 * compared; children come right after their directory. */
typedef struct frame {
    romfs_info_t *ka, *kb;
    size_t na, nb, i, j;
    size_t path_len;        /* this directory's path in the path buffer */
} frame_t;

struct counts {
    size_t added, removed, changed, same;
};

typedef struct walk {
    const side_t *s[2];
    frame_t *f;
    size_t depth, cap;
    char *path;
    size_t path_len, path_cap;
    struct counts c;
} walk_t;

static int by_name(const void *a, const void *b)
{
    const romfs_info_t *x = a, *y = b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int r = n ? memcmp(x->name, y->name, n) : 0;
    if (r || x->name_len != y->name_len)
        return r ? r : x->name_len < y->name_len ? -1 : 1;
    return x->record_offset < y->record_offset ? -1 : x->record_offset > y->record_offset;
}

/* The entries of directory d of side s (NULL d: the root), sorted. */
static int read_kids(const side_t *s, const romfs_info_t *d, romfs_info_t **out, size_t *n)
{
    romfs_dir_t dir;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    int r = d ? romfs_dir_open_info(&s->fs, &dir, d) : romfs_dir_open(&s->fs, &dir, "/");
    if (r < 0) {
        cli_error("%s: corrupt directory: %s", s->name, romfs_strerror(r));
        return -1;
    }
    for (;;) {
        romfs_info_t in;
        if ((r = romfs_dir_read(&dir, &in)) == 0)
            break;
        if (r < 0) {
            cli_error("%s: corrupt directory record: %s", s->name, romfs_strerror(r));
            return -1;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            romfs_info_t *k = realloc(*out, cap * sizeof *k);
            if (!k) {
                cli_error("out of memory");
                return -1;
            }
            *out = k;
        }
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
    if (w->depth == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        frame_t *f = realloc(w->f, cap * sizeof *f);
        if (!f) {
            cli_error("out of memory");
            return -1;
        }
        w->f = f;
        w->cap = cap;
    }
    frame_t *f = &w->f[w->depth++];
    memset(f, 0, sizeof *f);
    f->path_len = w->path_len;
    if ((a && read_kids(w->s[0], root ? NULL : a, &f->ka, &f->na) < 0) ||
        (b && read_kids(w->s[1], root ? NULL : b, &f->kb, &f->nb) < 0))
        return -1;
    return 0;
}

/* The path buffer becomes the path of entry e of the top frame. */
static int set_path(walk_t *w, const romfs_info_t *e)
{
    size_t need = w->f[w->depth - 1].path_len + 1 + e->name_len + 1;
    if (need > w->path_cap) {
        size_t cap = w->path_cap ? w->path_cap : 256;
        while (cap < need)
            cap *= 2;
        char *p = realloc(w->path, cap);
        if (!p) {
            cli_error("out of memory");
            return -1;
        }
        w->path = p;
        w->path_cap = cap;
    }
    w->path_len = w->f[w->depth - 1].path_len;
    w->path[w->path_len++] = '/';
    memcpy(w->path + w->path_len, e->name, e->name_len);
    w->path_len += e->name_len;
    return 0;
}

/* A path for people: control bytes and backslashes escaped. */
static void put_path(const char *p, size_t n, int dir)
{
    iw_print_name(stdout, p, n);
    fputs(dir ? "/" : "", stdout);
}

static void line(const walk_t *w, char sign, const romfs_info_t *e, const romfs_info_t *other)
{
    printf("%c %-4s ", sign, e->type == ROMFS_TYPE_DIR ? "dir" : "file");
    put_path(w->path, w->path_len, e->type == ROMFS_TYPE_DIR);
    if (other)
        printf("  %zu -> %zu bytes\n", other->size, e->size);
    else if (e->type == ROMFS_TYPE_FILE)
        printf("  %zu bytes\n", e->size);
    else
        putchar('\n');
}

/* One entry of the top frame: k < 0 only in A, k > 0 only in B, else both. */
static int step(walk_t *w, int k)
{
    frame_t *f = &w->f[w->depth - 1];
    const romfs_info_t *x = k <= 0 ? &f->ka[f->i++] : NULL, *y = k >= 0 ? &f->kb[f->j++] : NULL;
    if (set_path(w, x ? x : y) < 0)
        return -1;
    int xd = x && x->type == ROMFS_TYPE_DIR, yd = y && y->type == ROMFS_TYPE_DIR;
    if (x && y && x->type == y->type) {
        if (xd || (x->size == y->size && (x->size == 0 || memcmp(x->data, y->data, x->size) == 0))) {
            w->c.same++;
        } else {
            line(w, '~', y, x);
            w->c.changed++;
        }
        return xd ? push(w, x, y, 0) : 0;
    }
    if (x) {
        line(w, '-', x, NULL);
        w->c.removed++;
    }
    if (y) {
        line(w, '+', y, NULL);
        w->c.added++;
    }
    return xd || yd ? push(w, xd ? x : NULL, yd ? y : NULL, 0) : 0;
}

static int compare(const side_t *a, const side_t *b, struct counts *c)
{
    walk_t w = {.s = {a, b}};
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
        int k = f->i == f->na ? 1 : f->j == f->nb ? -1 : 0;
        if (k == 0) {
            const romfs_info_t *x = &f->ka[f->i], *y = &f->kb[f->j];
            size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
            k = n ? memcmp(x->name, y->name, n) : 0;
            if (k == 0)
                k = x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
        }
        rc = step(&w, k);
    }
    for (size_t i = 0; i < w.depth; i++) {
        free(w.f[i].ka);
        free(w.f[i].kb);
    }
    free(w.f);
    free(w.path);
    *c = w.c;
    return rc;
}

/* What a device holding exactly old (old_len bytes from offset 0) holds at
 * each block of img, as CRCs comparable with romfs_deploy_plan's: a block
 * reaching past old is unknown and gets a CRC that cannot match. */
static void known_crcs(const uint8_t *old, size_t old_len, const uint8_t *img, size_t len, uint32_t bs,
                       uint32_t *out)
{
    for (size_t off = 0, i = 0; off < len; off += bs, i++) {
        size_t n = len - off < bs ? len - off : bs;
        uint32_t mine = (uint32_t)crc32(0L, img + off, (uInt)n);
        out[i] = off + n <= old_len ? (uint32_t)crc32(0L, old + off, (uInt)n) : ~mine;
    }
}

/* The bytes a deploy leaves on the board for side s laid over base (NULL:
 * a fresh layout): an image file goes as it is, a directory or a board's
 * tree in the stable layout, as `romfs deploy` writes them. */
static int deployed_form(const side_t *s, const uint8_t *base, size_t blen, uint32_t bs, uint8_t **out,
                         size_t *len, int *used_base)
{
    romfs_layout_opts_t lo = {.block_size = bs, .fresh = !base};
    romfs_layout_stats_t st = {0};
    int r = 0;
    if ((!s->dir && !s->board) || (s->board && !base)) {
        *out = malloc(s->len ? s->len : 1);
        if (*out)
            memcpy(*out, s->bytes, s->len);
        *len = s->len;
        r = *out ? 0 : ROMFS_ERR_NOMEM;
    } else {
        r = romfs_layout_stable(s->bytes, s->len, base, blen, &lo, out, len, &st);
    }
    *used_base = st.used_base;
    if (r < 0)
        cli_error("%s: cannot lay the image out: %s", s->name, romfs_strerror(r));
    return r < 0 ? -1 : 0;
}

/* Blocks a deploy of B would write over a partition holding A (as a
 * deploy of A would have left it), compared block by block; blocks past
 * A's end count as written. */
static int deploy_blocks(const side_t *a, const side_t *b, uint32_t bs)
{
    uint8_t *olda = NULL, *lay = NULL;
    size_t alen = 0, len = 0;
    int used = 0, rc = -1;
    uint32_t *old = NULL;
    romfs_deploy_plan_t plan;
    memset(&plan, 0, sizeof plan);
    if (deployed_form(a, NULL, 0, bs, &olda, &alen, &used) < 0 ||
        deployed_form(b, olda, alen, bs, &lay, &len, &used) < 0)
        goto out;
    uint32_t nb = (uint32_t)((len + bs - 1) / bs);
    romfs_deploy_geom_t g = {.part_size = (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len), .block_size = bs};
    if (len <= UINT32_MAX && (old = malloc((nb + 1) * sizeof *old)))
        known_crcs(olda, alen, lay, len, bs, old);
    if (!old || romfs_deploy_plan(lay, len, &g, old, &plan) < 0) {
        cli_error("cannot plan a deploy of %s", b->name);
        goto out;
    }
    printf("deploying B over A: %u of %u blocks of %u bytes written (%llu bytes; %s)\n", plan.nwrite,
           plan.nblocks, bs, (unsigned long long)plan.write_bytes,
           !b->dir && !b->board ? "the image as it is" : used ? "stable layout relative to A" : "fresh stable layout");
    rc = 0;
out:
    romfs_deploy_plan_free(&plan);
    free(old);
    free(olda);
    free(lay);
    return rc;
}

/// The command ///

static int parse(int argc, char **argv, side_t *sides, int *part, int *mpy, uint32_t *bs)
{
    int n = 0, opts = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long long v;
        if (opts && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            usage(stdout);
            return CLI_OK;
        } else if (opts && strcmp(a, "--") == 0) {
            opts = 0;
        } else if (opts && (strcmp(a, "-d") == 0 || strcmp(a, "--device") == 0) && i + 1 < argc && n < 2) {
            sides[n].arg = argv[++i];
            sides[n++].board = 1;
        } else if (opts && (strcmp(a, "-p") == 0 || strcmp(a, "--partition") == 0) && i + 1 < argc) {
            if ((v = cli_parse_size(argv[++i])) < 0 || v > 255) {
                cli_error("diff: bad partition index '%s'", argv[i]);
                return CLI_USAGE;
            }
            *part = (int)v;
        } else if (opts && strcmp(a, "--block-size") == 0 && i + 1 < argc) {
            if ((v = cli_parse_size(argv[++i])) < 512 || v > (1 << 24) || (v & (v - 1))) {
                cli_error("diff: --block-size wants a power of two from 512, not '%s'", argv[i]);
                return CLI_USAGE;
            }
            *bs = (uint32_t)v;
        } else if (opts && (strcmp(a, "--mpy") == 0 || strcmp(a, "--no-mpy") == 0)) {
            *mpy = a[2] == 'm';
        } else if (opts && a[0] == '-' && a[1]) {
            if (a[1] == '-')
                cli_error("diff: unrecognized option '%s'", a);
            else
                cli_error("diff: invalid option -- '%s'", a + 1);
            usage(stderr);
            return CLI_USAGE;
        } else if (n < 2) {
            sides[n++].arg = a;
        } else {
            n = 3;
        }
    }
    if (n != 2) {
        cli_error("diff: two sides expected (image files, directories or -d DEV)");
        usage(stderr);
        return CLI_USAGE;
    }
    return -1;
}

int cmd_diff(int argc, char **argv)
{
    side_t s[2];
    memset(s, 0, sizeof s);
    int part = 0, mpy = 1, rc = CLI_FAIL;
    uint32_t bs = 4096;
    int r = parse(argc, argv, s, &part, &mpy, &bs);
    if (r >= 0)
        return r;
    if (load_side(&s[0], part, mpy) == 0 && load_side(&s[1], part, mpy) == 0) {
        struct counts c = {0};
        printf("A: %s (%zu bytes)\nB: %s (%zu bytes)\n", s[0].name, s[0].len, s[1].name, s[1].len);
        if (compare(&s[0], &s[1], &c) == 0) {
            printf("%zu added, %zu removed, %zu changed, %zu unchanged\n", c.added, c.removed, c.changed, c.same);
            rc = deploy_blocks(&s[0], &s[1], bs) == 0 ? CLI_OK : CLI_FAIL;
        }
    }
    for (int i = 0; i < 2; i++) {
        free(s[i].img);
        if (s[i].file.data)
            cli_file_free(&s[i].file);
    }
    return rc;
}
