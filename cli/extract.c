/* romfs extract: unpack an image into a host directory.
 *
 * The image is untrusted: every name is checked before anything is written,
 * files are created relative to directory descriptors (openat) so no host
 * path is ever built from image names, existing symbolic links are never
 * followed, and each file appears under its name only by a rename. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
            "  -h, --help     this help\n"
            "\n"
            "Exit status: 0 extracted, 1 refused or failed (the message names the\n"
            "path and its offset in the image), 2 bad usage.\n");
}

struct dir_id {
    dev_t dev;
    ino_t ino;
};

struct ex {
    iw_image_t *img;
    const char *dest;
    int force, verbose;
    int fd;                 /* the directory at depth `depth` */
    size_t depth;
    struct dir_id *ids;     /* ids[k]: the directory at depth k, for ".." checks */
    size_t ids_cap;
    unsigned long tmp_seq;
};

/* "DEST/a/b" for messages, with the image path escaped by iw_print_name. */
static void fail(struct ex *e, const iw_walk_t *w, const char *what, int err)
{
    fflush(stdout);
    fprintf(stderr, "romfs: %s: ", e->img->path);
    iw_print_name(stderr, w->path, w->path_len);
    fprintf(stderr, " (offset 0x%zx): %s/", w->info.record_offset, e->dest);
    iw_print_name(stderr, w->path + 1, w->path_len - 1);
    fprintf(stderr, ": %s%s%s\n", what, err ? ": " : "", err ? strerror(err) : "");
}

static int remember(struct ex *e, size_t depth, int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
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
    e->ids[depth] = (struct dir_id){st.st_dev, st.st_ino};
    return 0;
}

/* Back to the parent through "..", which must still be the directory we
 * came from (someone may have moved things while we were writing). */
static int go_up(struct ex *e)
{
    int fd = openat(e->fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || st.st_dev != e->ids[e->depth - 1].dev || st.st_ino != e->ids[e->depth - 1].ino) {
        close(fd);
        errno = ESTALE;
        return -1;
    }
    close(e->fd);
    e->fd = fd;
    e->depth--;
    return 0;
}

static int enter_dir(struct ex *e, const iw_walk_t *w, const char *name)
{
    if (mkdirat(e->fd, name, 0777) != 0 && errno != EEXIST) {
        fail(e, w, "cannot create directory", errno);
        return -1;
    }
    /* O_NOFOLLOW: an existing symbolic link is refused, not followed. */
    int fd = openat(e->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        struct stat st;
        int err = errno;
        if (fstatat(e->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            fail(e, w, "exists as a symbolic link; refusing to follow it", 0);
        else if (err == ENOTDIR)
            fail(e, w, "exists and is not a directory", 0);
        else
            fail(e, w, "cannot open directory", err);
        return -1;
    }
    if (remember(e, e->depth + 1, fd) != 0) {
        fail(e, w, "cannot open directory", errno);
        close(fd);
        return -1;
    }
    close(e->fd);
    e->fd = fd;
    e->depth++;
    return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int write_file(struct ex *e, const iw_walk_t *w, const char *name)
{
    char tmp[64];
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        snprintf(tmp, sizeof tmp, ".romfs-extract-%ld-%lu", (long)getpid(), e->tmp_seq++);
        fd = openat(e->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        fail(e, w, "cannot create a temporary file", errno);
        return -1;
    }
    int err = 0;
    if (write_all(fd, w->info.data, w->info.size) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (err) {
        unlinkat(e->fd, tmp, 0);
        fail(e, w, "write failed", err);
        return -1;
    }
    /* rename() replaces a symbolic link itself, never what it points to. */
    int r = e->force ? renameat(e->fd, tmp, e->fd, name) : renameat2(e->fd, tmp, e->fd, name, RENAME_NOREPLACE);
    if (r != 0 && !e->force && (errno == EINVAL || errno == ENOSYS)) {
        /* The filesystem cannot rename without replacing: check, then rename. */
        struct stat st;
        if (fstatat(e->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            errno = EEXIST;
        else
            r = renameat(e->fd, tmp, e->fd, name);
    }
    if (r != 0) {
        err = errno;
        unlinkat(e->fd, tmp, 0);
        fail(e, w, err == EEXIST ? "already exists (--force replaces it)" : "cannot rename into place",
             err == EEXIST ? 0 : err);
        return -1;
    }
    return 0;
}

/* Record offsets of entries shadowed by an earlier one of the same name. */
struct dups {
    size_t *v;
    size_t n, cap;
    int nomem;
};

static void collect_dup(void *ctx, int severity, size_t offset, const char *msg)
{
    struct dups *d = ctx;
    (void)msg;
    if (severity != IW_WARN || d->nomem)
        return;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        size_t *v = realloc(d->v, cap * sizeof *v);
        if (!v) {
            d->nomem = 1;
            return;
        }
        d->v = v;
        d->cap = cap;
    }
    d->v[d->n++] = offset;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static int find_dups(iw_image_t *img, struct dups *d)
{
    iw_check_stats_t st;
    memset(d, 0, sizeof *d);
    if (iw_check(img->data, img->len, collect_dup, d, &st) != 0 || d->nomem) {
        cli_error("out of memory");
        return -1;
    }
    if (d->n > 1)
        qsort(d->v, d->n, sizeof *d->v, cmp_size);
    return 0;
}

static int is_dup(const struct dups *d, size_t offset)
{
    return d->n > 0 && bsearch(&offset, d->v, d->n, sizeof *d->v, cmp_size) != NULL;
}

/* Walk once without writing: refuse unsafe names and corrupt entries. */
/* mkdir -p for DIR itself, a path the user gave (so it may follow links). */
static int make_dirs(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    for (char *q = p + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *q = '/';
    }
    int r = mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return r;
}

static int vet(iw_image_t *img, const romfs_info_t *root)
{
    iw_walk_t w;
    int r, bad = 0;
    if (iw_begin(&w, &img->fs, root, "", 0) != 0) {
        cli_error("out of memory");
        return -1;
    }
    while ((r = iw_next(&w)) != IW_END) {
        if (r == IW_NOMEM) {
            cli_error("out of memory");
            bad++;
            break;
        }
        if (r == IW_ERROR) {
            iw_walk_error(&w, img->path);
            bad++;
        } else if (w.info.flags & ROMFS_INFO_UNSAFE_NAME) {
            size_t dir_len = w.path_len - w.info.name_len - 1;
            fprintf(stderr, "romfs: %s: offset 0x%zx: unsafe name '", img->path, w.info.record_offset);
            iw_print_name(stderr, w.info.name, w.info.name_len);
            fprintf(stderr, "' in directory '");
            iw_print_name(stderr, dir_len ? w.path : "/", dir_len ? dir_len : 1);
            fprintf(stderr, "': refusing to extract it\n");
            iw_skip_children(&w);
            bad++;
        }
    }
    iw_end(&w);
    return bad ? -1 : 0;
}

static int extract(struct ex *e, const romfs_info_t *root, const struct dups *dups)
{
    iw_walk_t w;
    int r, rc = 0;
    if (iw_begin(&w, &e->img->fs, root, "", 0) != 0) {
        cli_error("out of memory");
        return -1;
    }
    while ((r = iw_next(&w)) == IW_ENTRY) {
        while (e->depth + 1 > w.entry_depth) {
            if (go_up(e) != 0) {
                fail(e, &w, "cannot return to the parent directory", errno);
                rc = -1;
                goto out;
            }
        }
        /* Path lookup finds only the first of equal names: so does extract. */
        if (is_dup(dups, w.info.record_offset)) {
            fflush(stdout);
            fprintf(stderr, "romfs: warning: %s: offset 0x%zx: ", e->img->path, w.info.record_offset);
            iw_print_name(stderr, w.path, w.path_len);
            fprintf(stderr, ": an earlier entry has the same name; skipped\n");
            iw_skip_children(&w);
            continue;
        }
        /* vet() has refused NUL inside names, so the name is a C string. */
        char *name = strndup((const char *)w.info.name, w.info.name_len);
        if (!name) {
            cli_error("out of memory");
            rc = -1;
            break;
        }
        int ok = w.info.type == ROMFS_TYPE_DIR ? enter_dir(e, &w, name) : write_file(e, &w, name);
        free(name);
        if (ok != 0) {
            rc = -1;
            break;
        }
        if (e->verbose) {
            printf("%s/", e->dest);
            iw_print_name(stdout, w.path + 1, w.path_len - 1);
            printf("%s\n", w.info.type == ROMFS_TYPE_DIR ? "/" : "");
        }
    }
    if (r == IW_NOMEM || r == IW_ERROR) {
        cli_error("%s: the image changed while extracting", e->img->path);
        rc = -1;
    }
out:
    iw_end(&w);
    return rc;
}

int cmd_extract(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"force", no_argument, NULL, 'f'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ex e;
    memset(&e, 0, sizeof e);
    e.fd = -1;
    int c;
    while ((c = getopt_long(argc, argv, "fvh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': e.force = 1; break;
        case 'v': e.verbose = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (argc - optind != 2) {
        cli_error("extract: expected IMAGE DIR");
        usage(stderr);
        return CLI_USAGE;
    }
    iw_image_t img;
    if (iw_image_open(&img, argv[optind]) != 0)
        return CLI_FAIL;
    e.img = &img;
    e.dest = argv[optind + 1];
    int rc = CLI_FAIL;
    romfs_info_t root;
    romfs_stat(&img.fs, "/", &root);
    if (vet(&img, &root) != 0) {
        cli_error("%s: nothing extracted", img.path);
        goto out;
    }
    if (make_dirs(e.dest) != 0) {
        cli_error("%s: cannot create directory: %s", e.dest, strerror(errno));
        goto out;
    }
    e.fd = open(e.dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (e.fd < 0 || remember(&e, 0, e.fd) != 0) {
        cli_error("%s: cannot open directory: %s", e.dest, strerror(errno));
        goto out;
    }
    struct dups dups;
    if (find_dups(&img, &dups) != 0)
        goto out;
    if (extract(&e, &root, &dups) == 0)
        rc = CLI_OK;
    free(dups.v);
    if (fflush(stdout) != 0) {
        cli_error("<stdout>: write error");
        rc = CLI_FAIL;
    }
out:
    if (e.fd >= 0)
        close(e.fd);
    free(e.ids);
    iw_image_close(&img);
    return rc;
}
