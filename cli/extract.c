/* SPDX-License-Identifier: MIT */
/* romfs extract: unpack an image into a host directory.
 *
 * The image is untrusted: every name is checked before anything is written,
 * files are created relative to directory descriptors (openat) so no host
 * path is ever built from image names, existing symbolic links are never
 * followed, and each file appears under its name only by a rename. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#include "imgwalk.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: romfs extract [-f] [-v] IMAGE DIR\n"
            "\n"
            "Unpack IMAGE into DIR (created with its parents if missing; existing\n"
            "directories are merged).\n"
            "IMAGE '-' reads standard input.\n"
            "\n"
            "Nothing is written when the image holds an unsafe name ('', '.', '..', or a\n"
            "name with '/' or NUL) or a corrupt entry. Existing symbolic links in DIR\n"
            "are never followed. Each file is written to a temporary name and renamed.\n"
            "Of entries with the same name in one directory only the first is written,\n"
            "as only the first is reachable by path.\n"
            "When writing fails part-way, the files already written stay in DIR.\n"
            "\n"
            "  -f, --force    replace existing files (never through a symbolic link)\n"
            "  -v, --verbose  print each path as it is written\n"
            "  -d, --device DEV\n"
            "                 the image in a board's ROM partition, read over the\n"
            "                 raw REPL (only the bytes needed), not an image file\n"
            "  -p, --partition N\n"
            "                 with -d: the partition index (default 0)\n"
            "  -h, --help     this help\n"
            "\n"
            "Exit status: 0 extracted, 1 refused or failed (the message names the\n"
            "path and its offset in the image), 2 bad usage.\n");
}

struct dir_id {
    uint64_t dev, ino;
};

struct ex {
    iw_image_t *img;
    iw_source_t src;        /* -d/-p: the board whose image is extracted */
    const char *image;      /* the IMAGE operand, NULL with -d */
    const char *dest;
    int force, verbose;
    int fd;                 /* the directory at depth `depth` */
    size_t depth;
    struct dir_id *ids;     /* ids[k]: the directory at depth k, for ".." checks */
    size_t ids_cap;
};

/* "romfs: IMAGE: offset 0x..: DEST/a/b: what: error", the image path
 * escaped and cut (a name may be 40 000 bytes long). */
static void fail(struct ex *e, const romfs_walk_t *w, const char *what, int err)
{
    char path[ROMFS_CHECK_NAME_CAP];
    romfs_check_name(path, sizeof path, w->path + 1, w->path_len - 1);
    fflush(stdout);
    cli_error("%s: offset 0x%zx: %s/%s: %s%s%s", e->img->path, w->info.record_offset, e->dest, path, what,
              err ? ": " : "", err ? strerror(err) : "");
}

static int remember(struct ex *e, size_t depth, int fd)
{
    rp_stat_t st;
    if (rp_dir_stat(fd, &st) != 0)
        return -1;
    if (depth >= e->ids_cap) {
        size_t cap = e->ids_cap ? e->ids_cap * 2 : 64;
        struct dir_id *ids = realloc(e->ids, cap * sizeof *ids);
        if (!ids) {
            errno = ENOMEM;
            return -1;
        }
        e->ids = ids;
        e->ids_cap = cap;
    }
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
    cli_out_t out;
    unsigned flags = ROMFS_OUT_LITERAL | ROMFS_OUT_NOSYNC | (e->force ? 0 : ROMFS_OUT_NOREPLACE);
    int r = cli_out_openat(&out, e->fd, name, flags, name);
    if (r < 0) {
        fail(e, w, "cannot create a temporary file", -r);
        return -1;
    }
    r = romfs_out_write(&out.o, w->info.data, w->info.size);
    if (r < 0) {
        cli_out_abort(&out);
        fail(e, w, "write failed", -r);
        return -1;
    }
    r = cli_out_finish(&out);
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
    const char *image;
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
        cli_error("%s: offset 0x%zx: %s", v->image, offset, msg);
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
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        size_t *d = realloc(v->dups, cap * sizeof *d);
        if (!d) {
            v->nomem = 1;
            return;
        }
        v->dups = d;
        v->cap = cap;
    }
    v->dups[v->n++] = offset;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Refuse an image the checker calls corrupt. Returns 0 with v->dups
 * sorted, or -1 after printing why. */
static int vet(iw_image_t *img, struct vet *v)
{
    romfs_check_stats_t st;
    memset(v, 0, sizeof *v);
    v->image = img->path;
    if (romfs_check(img->data, img->len, on_problem, v, &st) != 0 || v->nomem) {
        cli_error("%s: out of memory", img->path);
        return -1;
    }
    if (v->fails > VET_SHOWN)
        cli_error("%s: %zu more problems ('romfs check' lists them)", img->path, v->fails - VET_SHOWN);
    if (v->fails) {
        cli_error("%s: corrupt image: nothing extracted", img->path);
        return -1;
    }
    if (v->long_names) {
        cli_error("%s: offset 0x%zx: %s; nothing extracted%s", img->path, v->long_offset, v->long_msg,
                  v->long_names > 1 ? " ('romfs check' lists the others)" : "");
        return -1;
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
    fflush(stdout);
    cli_warn("%s: offset 0x%zx: %s: an earlier entry has the same name; skipped", e->img->path, w->info.record_offset,
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
        cli_error("out of memory");
        return -1;
    }
    int ok = w->info.type == ROMFS_TYPE_DIR ? enter_dir(e, w, name) : write_file(e, w, name);
    free(name);
    if (ok == 0 && e->verbose) {
        printf("%s/", e->dest);
        iw_print_name(stdout, w->path + 1, w->path_len - 1);
        printf("%s\n", w->info.type == ROMFS_TYPE_DIR ? "/" : "");
    }
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
    if (romfs_walk_begin(&w, &e->img->fs, root, "", 0) != 0) {
        cli_error("out of memory");
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
        if (n == cap) {
            struct key *nk = realloc(keys, (cap = cap ? 2 * cap : 64) * sizeof *nk);
            if (!nk) {
                free(path);
                break;
            }
            keys = nk;
        }
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
            cli_error("%s: offset 0x%zx: %s/%s: differs only in letter case from the entry at offset 0x%zx, "
                      "and this system cannot tell them apart", e->img->path, keys[i].offset, e->dest,
                      keys[i].path + (keys[i].path[0] == '/'), keys[i - 1].offset);
    for (size_t i = 0; i < n; i++) {
        free(keys[i].key);
        free(keys[i].path);
    }
    free(keys);
    if (refused)
        cli_error("%s: %zu name%s this system cannot create: nothing extracted", e->img->path, refused,
                  refused == 1 ? "" : "s");
    return refused ? -1 : 0;
}

static int extract(struct ex *e, const romfs_info_t *root, const struct vet *v)
{
    romfs_walk_t w;
    int r, rc = 0;
    if (romfs_walk_begin(&w, &e->img->fs, root, "", 0) != 0) {
        cli_error("out of memory");
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
        cli_error("out of memory");
        rc = -1;
    } else if (r == ROMFS_WALK_ERROR) {
        iw_walk_error(&w, e->img->path);   /* vet() passed it: cannot happen */
        rc = -1;
    }
    romfs_walk_end(&w);
    return rc;
}

static int parse_args(struct ex *e, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"force", no_argument, NULL, 'f'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        IW_SOURCE_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "fvh" IW_SOURCE_SHORTOPTS, longopts, NULL)) != -1) {
        switch (c) {
        case 'f': e->force = 1; break;
        case 'v': e->verbose = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default:
            if (iw_source_opt(&e->src, c, optarg, "extract") > 0)
                break;
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (iw_source_image(&e->src, argc, argv, &optind, &e->image) < 0 || argc - optind != 1) {
        cli_error("extract: expected IMAGE DIR");
        usage(stderr);
        return CLI_USAGE;
    }
    e->dest = argv[optind];
    return -1;
}

/* DIR itself: created with its parents, opened, remembered for "..". */
static int open_dest(struct ex *e)
{
    /* A path the user gave: it may go through links, unlike image names. */
    int r = romfs_mkdir_p(e->dest, 0777);
    if (r < 0) {
        cli_error("%s: cannot create directory: %s", e->dest, strerror(-r));
        return -1;
    }
    e->fd = rp_dir_open(e->dest);
    if (e->fd < 0 || remember(e, 0, e->fd) != 0) {
        cli_error("%s: cannot open directory: %s", e->dest, strerror(errno));
        return -1;
    }
    return 0;
}

int cmd_extract(int argc, char **argv)
{
    struct ex e;
    memset(&e, 0, sizeof e);
    e.fd = -1;
    int rc = parse_args(&e, argc, argv);
    if (rc >= 0)
        return rc;
    iw_image_t img;
    if (iw_image_open(&img, e.image, &e.src) != 0)
        return CLI_FAIL;
    e.img = &img;
    rc = CLI_FAIL;
    romfs_info_t root;
    struct vet v;
    romfs_stat(&img.fs, "/", &root);
    if (vet(&img, &v) == 0 && vet_names(&e, &root, &v) == 0 && open_dest(&e) == 0 && extract(&e, &root, &v) == 0)
        rc = CLI_OK;
    if (rc == CLI_OK && rp_fs_sync(e.fd) != 0) {
        cli_error("%s: %s", e.dest, strerror(errno));
        rc = CLI_FAIL;
    }
    if (fflush(stdout) != 0) {
        cli_error("<stdout>: write error: %s", strerror(errno));
        rc = CLI_FAIL;
    }
    free(v.dups);
    if (e.fd >= 0)
        rp_dir_close(e.fd);
    free(e.ids);
    iw_image_close(&img);
    return rc;
}
