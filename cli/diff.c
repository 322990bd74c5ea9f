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
#include "boardimg.h"
#include "build_dir.h"
#include "deploy_seam.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "romfs/romfs.h"
#include "romfs/romfs_deploy.h"
#include "romfs/romfs_layout.h"

#include <zlib.h>

#define MAX_DEPTH 4096

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

typedef struct entry {
    char *path;             /* "/a/b" (raw name bytes joined with '/') */
    int type;
    size_t size;
    const uint8_t *data;    /* file bytes (zero-copy into the image) */
} entry_t;

typedef struct entries {
    entry_t *e;
    size_t n, cap;
} entries_t;

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
        if (boardimg_fetch(s->arg, part, &im) < 0)
            return -1;
        s->img = im.data;
        s->len = im.len;
        snprintf(s->name, sizeof s->name, "%s", im.name);
    } else {
        struct stat st;
        snprintf(s->name, sizeof s->name, "%s", s->arg);
        if (stat(s->arg, &st) != 0) {
            cli_error("%s: %s", s->arg, strerror(errno));
            return -1;
        }
        if ((s->dir = S_ISDIR(st.st_mode))) {
            cli_mpy_cfg_t cfg;
            cli_mpy_cfg_init(&cfg);
            cfg.want_mpy = mpy;
            if (cli_deploy_build(s->arg, &cfg, &s->img, &s->len, NULL, NULL) < 0)
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

/// Listing a side ///

static int add_entry(entries_t *l, const char *dir, const romfs_info_t *in)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        entry_t *e = realloc(l->e, cap * sizeof *e);
        if (!e)
            return -1;
        l->e = e;
        l->cap = cap;
    }
    size_t dl = strlen(dir), n = dl + in->name_len + 2;
    char *p = malloc(n);
    if (!p)
        return -1;
    memcpy(p, dir, dl);
    p[dl] = '/';
    memcpy(p + dl + 1, in->name, in->name_len);
    p[dl + 1 + in->name_len] = '\0';
    l->e[l->n++] = (entry_t){.path = p, .type = in->type, .size = in->size, .data = in->data};
    return 0;
}

/* Every entry, depth first, with an explicit stack (no recursion on input).
 * Entries with unsafe names are compared by their bytes like any other. */
static int list_side(const side_t *s, entries_t *l)
{
    romfs_dir_t *stack = malloc(MAX_DEPTH * sizeof *stack);
    size_t *parent = malloc(MAX_DEPTH * sizeof *parent);   /* entry index of each open dir, or -1 */
    int depth = 0, rc = -1;
    if (!stack || !parent)
        goto out;
    if ((rc = romfs_dir_open(&s->fs, &stack[0], "/")) < 0) {
        cli_error("%s: corrupt root directory: %s", s->name, romfs_strerror(rc));
        rc = -1;
        goto out;
    }
    rc = -1;
    parent[0] = (size_t)-1;
    while (depth >= 0) {
        romfs_info_t in;
        int r = romfs_dir_read(&stack[depth], &in);
        if (r < 0) {
            cli_error("%s: corrupt directory record: %s", s->name, romfs_strerror(r));
            goto out;
        }
        if (r == 0) {
            depth--;
            continue;
        }
        const char *dir = parent[depth] == (size_t)-1 ? "" : l->e[parent[depth]].path;
        if (add_entry(l, dir, &in) < 0) {
            cli_error("out of memory");
            goto out;
        }
        if (in.type == ROMFS_TYPE_DIR) {
            if (depth + 1 == MAX_DEPTH) {
                cli_error("%s: directories nested deeper than %d", s->name, MAX_DEPTH);
                goto out;
            }
            if (romfs_dir_open_info(&s->fs, &stack[depth + 1], &in) < 0) {
                cli_error("%s: %s: corrupt directory", s->name, l->e[l->n - 1].path);
                goto out;
            }
            parent[++depth] = l->n - 1;
        }
    }
    rc = 0;
out:
    if (rc < 0 && (!stack || !parent))
        cli_error("out of memory");
    free(stack);
    free(parent);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const entry_t *)a)->path, ((const entry_t *)b)->path);
}

static void free_entries(entries_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->e[i].path);
    free(l->e);
}

/// Comparing ///

/* A path for people: control bytes and backslashes escaped. */
static void put_path(const char *p, int dir)
{
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f || c == '\\')
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    fputs(dir ? "/" : "", stdout);
}

static void line(char sign, const entry_t *e, const entry_t *other)
{
    printf("%c %-4s ", sign, e->type == ROMFS_TYPE_DIR ? "dir" : "file");
    put_path(e->path, e->type == ROMFS_TYPE_DIR);
    if (other)
        printf("  %zu -> %zu bytes\n", other->size, e->size);
    else if (e->type == ROMFS_TYPE_FILE)
        printf("  %zu bytes\n", e->size);
    else
        putchar('\n');
}

static int same(const entry_t *a, const entry_t *b)
{
    if (a->type != b->type)
        return 0;
    return a->type == ROMFS_TYPE_DIR || (a->size == b->size && memcmp(a->data, b->data, a->size) == 0);
}

struct counts {
    size_t added, removed, changed, same;
};

static void compare(entries_t *a, entries_t *b, struct counts *c)
{
    qsort(a->e, a->n, sizeof *a->e, by_path);
    qsort(b->e, b->n, sizeof *b->e, by_path);
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        int k = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->e[i].path, b->e[j].path);
        if (k < 0) {
            line('-', &a->e[i++], NULL);
            c->removed++;
        } else if (k > 0) {
            line('+', &b->e[j++], NULL);
            c->added++;
        } else if (same(&a->e[i], &b->e[j])) {
            c->same++;
            i++, j++;
        } else if (a->e[i].type != b->e[j].type) {
            line('-', &a->e[i++], NULL);
            line('+', &b->e[j++], NULL);
            c->removed++, c->added++;
        } else {
            line('~', &b->e[j++], &a->e[i++]);
            c->changed++;
        }
    }
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
    entries_t a = {0}, b = {0};
    if (load_side(&s[0], part, mpy) == 0 && load_side(&s[1], part, mpy) == 0 && list_side(&s[0], &a) == 0 &&
        list_side(&s[1], &b) == 0) {
        struct counts c = {0};
        printf("A: %s (%zu bytes)\nB: %s (%zu bytes)\n", s[0].name, s[0].len, s[1].name, s[1].len);
        compare(&a, &b, &c);
        printf("%zu added, %zu removed, %zu changed, %zu unchanged\n", c.added, c.removed, c.changed, c.same);
        rc = deploy_blocks(&s[0], &s[1], bs) == 0 ? CLI_OK : CLI_FAIL;
    }
    free_entries(&a);
    free_entries(&b);
    for (int i = 0; i < 2; i++) {
        free(s[i].img);
        if (s[i].file.data)
            cli_file_free(&s[i].file);
    }
    return rc;
}
