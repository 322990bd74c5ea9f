/* Image walking shared by the reading subcommands; see imgwalk.h. */
#include "imgwalk.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/// Walking a tree ///

static int path_reserve(iw_walk_t *w, size_t extra)
{
    if (extra > SIZE_MAX / 2 - w->path_len)
        return -1;
    size_t need = w->path_len + extra + 1;
    if (need <= w->path_cap)
        return 0;
    size_t cap = w->path_cap ? w->path_cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(w->path, cap);
    if (!p)
        return -1;
    w->path = p;
    w->path_cap = cap;
    return 0;
}

/* Fill the frame's lookahead. Records that are not entries are stepped over
 * first so that a corrupt entry is reported at its own offset. */
static void frame_fetch(const romfs_t *fs, iw_frame_t *f)
{
    romfs_record_t rec;
    while (f->dir.pos < f->dir.end && romfs_record_decode(f->dir.pos, f->dir.end, &rec) == 0 &&
           rec.kind != ROMFS_KIND_UNUSED && rec.kind != ROMFS_KIND_DIRECTORY && rec.kind != ROMFS_KIND_FILE)
        f->dir.pos = rec.next;
    const uint8_t *at = f->dir.pos;
    int r = romfs_dir_read(&f->dir, &f->next);
    if (r == 1) {
        f->next_kind = IW_ENTRY;
    } else if (r == 0) {
        f->next_kind = IW_END;
    } else {
        f->next_kind = IW_ERROR;
        f->next_err = r;
        f->next_offset = (size_t)(at - fs->image);
    }
}

static int push(iw_walk_t *w, const romfs_info_t *dir, int last)
{
    if (w->depth == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        iw_frame_t *f = realloc(w->frames, cap * sizeof *f);
        if (!f)
            return -1;
        w->frames = f;
        w->cap = cap;
    }
    iw_frame_t *f = &w->frames[w->depth++];
    memset(f, 0, sizeof *f);
    romfs_dir_open_info(w->fs, &f->dir, dir);
    f->path_len = w->path_len;
    f->last = last;
    frame_fetch(w->fs, f);
    return 0;
}

int iw_begin(iw_walk_t *w, const romfs_t *fs, const romfs_info_t *start, const char *path, size_t len)
{
    memset(w, 0, sizeof *w);
    w->fs = fs;
    if (path_reserve(w, len) != 0)
        goto nomem;
    memcpy(w->path, path, len);
    w->path_len = len;
    if (push(w, start, 1) != 0)
        goto nomem;
    return 0;
nomem:
    iw_end(w);
    return -1;
}

int iw_next(iw_walk_t *w)
{
    if (w->descend) {
        w->descend = 0;
        if (push(w, &w->info, w->entry_last) != 0)
            return IW_NOMEM;
    }
    while (w->depth > 0) {
        iw_frame_t *f = &w->frames[w->depth - 1];
        w->path_len = f->path_len;
        if (f->next_kind == IW_END) {
            w->depth--;
            continue;
        }
        if (f->next_kind == IW_ERROR) {
            w->err = f->next_err;
            w->err_offset = f->next_offset;
            frame_fetch(w->fs, f);
            w->path[w->path_len] = '\0';
            return IW_ERROR;
        }
        w->info = f->next;
        w->entry_depth = w->depth;
        frame_fetch(w->fs, f);
        w->entry_last = f->next_kind == IW_END;
        if (path_reserve(w, w->info.name_len + 1) != 0)
            return IW_NOMEM;
        w->path[w->path_len++] = '/';
        memcpy(w->path + w->path_len, w->info.name, w->info.name_len);
        w->path_len += w->info.name_len;
        w->path[w->path_len] = '\0';
        w->descend = w->info.type == ROMFS_TYPE_DIR;
        return IW_ENTRY;
    }
    return IW_END;
}

void iw_skip_children(iw_walk_t *w)
{
    w->descend = 0;
}

int iw_ancestor_last(const iw_walk_t *w, size_t level)
{
    return level < w->depth ? w->frames[level].last : 1;
}

void iw_end(iw_walk_t *w)
{
    free(w->frames);
    free(w->path);
    memset(w, 0, sizeof *w);
}

/// Loading ///

int iw_image_open(iw_image_t *img, const char *path)
{
    memset(img, 0, sizeof *img);
    cli_file_t f;
    if (cli_file_load(path, &f) != 0 || cli_flash_unwrap(path, &f) != 0)
        return -1;
    img->path = strcmp(path, "-") == 0 ? "<stdin>" : path;
    img->data = f.data;
    img->len = f.len;
    img->mapped = f.mapped;
    int err = romfs_mount(&img->fs, img->data, img->len);
    if (err) {
        cli_error("%s: %s (%zu bytes; see 'romfs check')", img->path, romfs_strerror(err), img->len);
        iw_image_close(img);
        return -1;
    }
    return 0;
}

void iw_image_close(iw_image_t *img)
{
    cli_file_t f = {img->data, img->len, img->mapped};
    if (f.data || f.len)
        cli_file_free(&f);
    memset(img, 0, sizeof *img);
}

char *iw_path_normalise(const char *path)
{
    size_t n = strlen(path);
    char *out = malloc(n + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && path[i] == '/')
            i++;
        if (i == n)
            break;
        out[o++] = '/';
        while (i < n && path[i] != '/')
            out[o++] = path[i++];
    }
    out[o] = '\0';
    return out;
}

/// Output helpers ///

void iw_print_name(FILE *fp, const void *name, size_t len)
{
    const uint8_t *s = name;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\')
            fprintf(fp, "\\x%02x", s[i]);
        else
            fputc(s[i], fp);
    }
}

void iw_walk_error(const iw_walk_t *w, const char *image)
{
    fflush(stdout);
    fprintf(stderr, "romfs: %s: offset 0x%zx: directory '", image, w->err_offset);
    iw_print_name(stderr, w->path_len ? w->path : "/", w->path_len ? w->path_len : 1);
    fprintf(stderr, "': %s\n", romfs_strerror(w->err));
}

size_t iw_align(size_t offset)
{
    size_t a = 1;
    while (a < 4096 && (offset & a) == 0)
        a <<= 1;
    return a;
}

/// Integrity check ///

/* A name seen in the directory being checked, for duplicate detection. */
struct ck_name {
    const uint8_t *name;
    size_t len;
    size_t offset;
};

struct ck_frame {
    const uint8_t *pos, *end;
    size_t path_len;        /* this directory's path in ck.path */
    size_t names_start;     /* its names in ck.names[names_start..] */
};

struct ck {
    const uint8_t *image;
    romfs_t fs;
    iw_report_fn report;
    void *ctx;
    iw_check_stats_t *stats;
    struct ck_frame *frames;
    size_t depth, cap;
    struct ck_name *names;
    size_t n_names, names_cap;
    char *path;             /* raw bytes, "" for the root */
    size_t path_len, path_cap;
};

/* Names and paths in messages: escaped like iw_print_name, at most ~200
 * bytes so a hostile name cannot flood the report. */
static void shown(char *buf, size_t cap, const uint8_t *s, size_t n, int root_slash)
{
    size_t o = 0;
    if (n == 0 && root_slash) {
        snprintf(buf, cap, "/");
        return;
    }
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        if (o > 200) {
            snprintf(buf + o, cap - o, "...");
            return;
        }
        if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\' || s[i] == '\'')
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", s[i]);
        else
            buf[o++] = (char)s[i];
    }
    buf[o] = '\0';
}

__attribute__((format(printf, 4, 5)))
static void ck_report(struct ck *c, int severity, const uint8_t *at, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->stats->problems[severity]++;
    if (c->report)
        c->report(c->ctx, severity, (size_t)(at - c->image), msg);
}

static int ck_push(struct ck *c, const uint8_t *pos, const uint8_t *end)
{
    if (c->depth == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct ck_frame *f = realloc(c->frames, cap * sizeof *f);
        if (!f)
            return -1;
        c->frames = f;
        c->cap = cap;
    }
    c->frames[c->depth++] = (struct ck_frame){pos, end, c->path_len, c->n_names};
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    const struct ck_name *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    int r = memcmp(x->name, y->name, x->len);
    if (r)
        return r;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* A directory is done: warn about names that shadow an earlier one. */
static void ck_pop(struct ck *c)
{
    struct ck_frame *f = &c->frames[--c->depth];
    size_t count = c->n_names - f->names_start;
    char dir[320], name[320];
    c->n_names = f->names_start;
    c->path_len = f->path_len;
    if (count < 2)
        return;
    struct ck_name *n = c->names + f->names_start;
    qsort(n, count, sizeof *n, name_cmp);
    for (size_t i = 1; i < count; i++) {
        size_t first = i - 1;
        while (i < count && n[i].len == n[first].len && memcmp(n[i].name, n[first].name, n[i].len) == 0) {
            shown(dir, sizeof dir, (const uint8_t *)c->path, f->path_len, 1);
            shown(name, sizeof name, n[i].name, n[i].len, 0);
            ck_report(c, IW_WARN, c->image + n[i].offset,
                      "duplicate name '%s' in directory '%s': only the first (offset 0x%zx) can be reached",
                      name, dir, n[first].offset);
            i++;
        }
    }
}

/* Check the records of a file after its name: [p, end). */
static void ck_file(struct ck *c, const uint8_t *rec_start, const uint8_t *p, const uint8_t *end)
{
    char path_buf[320];
    int found = 0;
#define PATH_SHOWN (shown(path_buf, sizeof path_buf, (const uint8_t *)c->path, c->path_len, 1), path_buf)
    size_t fs_len = (size_t)(c->fs.fs_end - c->fs.fs);
    while (p < end) {
        romfs_record_t r;
        if (romfs_record_decode(p, end, &r) != 0) {
            ck_report(c, IW_FAIL, p, "file '%s': record header or payload runs past the end of the file record (at 0x%zx)",
                      PATH_SHOWN, (size_t)(end - c->image));
            return;
        }
        if (r.kind == ROMFS_KIND_UNUSED) {
            ck_report(c, IW_FAIL, p, "file '%s': record of kind 0 (unused): corruption", PATH_SHOWN);
            return;
        }
        if (r.kind == ROMFS_KIND_DATA_VERBATIM || r.kind == ROMFS_KIND_DATA_POINTER) {
            if (found) {
                ck_report(c, IW_INFO, p, "file '%s': extra data record (kind %zu) ignored: the first one wins", PATH_SHOWN, r.kind);
            } else if (r.kind == ROMFS_KIND_DATA_VERBATIM) {
                found = 1;
                c->stats->bytes += (size_t)(r.next - r.payload);
            } else {
                const uint8_t *q = r.payload;
                size_t size, off;
                int e = romfs_decode_uint(&q, r.next, &size);
                if (!e)
                    e = romfs_decode_uint(&q, r.next, &off);
                if (e) {
                    ck_report(c, IW_FAIL, p, "file '%s': indirect data record %s", PATH_SHOWN,
                              e == ROMFS_ERR_OVERFLOW ? "holds a value too large for this host" : "is truncated");
                    return;
                }
                if (off > fs_len || size > fs_len - off) {
                    if (size <= SIZE_MAX - off)
                        ck_report(c, IW_FAIL, p, "file '%s': indirect data [%zu, %zu) outside the filesystem payload (length %zu)",
                                  PATH_SHOWN, off, off + size, fs_len);
                    else
                        ck_report(c, IW_FAIL, p, "file '%s': indirect data at %zu of size %zu outside the filesystem payload (length %zu)",
                                  PATH_SHOWN, off, size, fs_len);
                    return;
                }
                found = 1;
                c->stats->bytes += size;
            }
        } else if (r.kind != ROMFS_KIND_PADDING) {
            ck_report(c, IW_INFO, p, "file '%s': unknown record kind %zu skipped", PATH_SHOWN, r.kind);
        }
        p = r.next;
    }
    if (!found)
        ck_report(c, IW_FAIL, rec_start, "file '%s' has no data record", PATH_SHOWN);
#undef PATH_SHOWN
}

/* Check one record of the directory on top of the stack and step past it. */
static int ck_record(struct ck *c)
{
    struct ck_frame *f = &c->frames[c->depth - 1];
    const uint8_t *at = f->pos;
    char dir_buf[320], where[320];
    romfs_record_t r;
    /* Formatted only when reported: most records have nothing to report. */
#define DIR_SHOWN (shown(dir_buf, sizeof dir_buf, (const uint8_t *)c->path, f->path_len, 1), dir_buf)
    if (romfs_record_decode(at, f->end, &r) != 0) {
        const uint8_t *q = at;
        size_t kind, len;
        int e = romfs_decode_uint(&q, f->end, &kind);
        if (e)
            ck_report(c, IW_FAIL, at, "directory '%s': record kind %s; the rest of the directory cannot be read", DIR_SHOWN,
                      e == ROMFS_ERR_OVERFLOW ? "is too large" : "runs past the end of the directory");
        else if ((e = romfs_decode_uint(&q, f->end, &len)) != 0)
            ck_report(c, IW_FAIL, at, "directory '%s': record length %s; the rest of the directory cannot be read", DIR_SHOWN,
                      e == ROMFS_ERR_OVERFLOW ? "is too large" : "runs past the end of the directory");
        else
            ck_report(c, IW_FAIL, at,
                      "directory '%s': record of kind %zu claims %zu bytes but only %zu remain in the directory; "
                      "the rest of the directory cannot be read",
                      DIR_SHOWN, kind, len, (size_t)(f->end - q));
        f->pos = f->end;
        return 0;
    }
    if (r.kind == ROMFS_KIND_UNUSED) {
        ck_report(c, IW_FAIL, at, "directory '%s': record of kind 0 (unused): corruption; the rest of the directory is not read", DIR_SHOWN);
        f->pos = f->end;
        return 0;
    }
    f->pos = r.next;
    if (r.kind == ROMFS_KIND_PADDING)
        return 0;
    if (r.kind != ROMFS_KIND_DIRECTORY && r.kind != ROMFS_KIND_FILE) {
        ck_report(c, IW_INFO, at, "directory '%s': %s record (kind %zu) skipped", DIR_SHOWN,
                  r.kind == ROMFS_KIND_DATA_VERBATIM || r.kind == ROMFS_KIND_DATA_POINTER ? "data" : "unknown", r.kind);
        return 0;
    }
    const char *what = r.kind == ROMFS_KIND_DIRECTORY ? "directory" : "file";
    const uint8_t *q = r.payload;
    size_t name_len;
    int e = romfs_decode_uint(&q, r.next, &name_len);
    if (e || name_len > (size_t)(r.next - q)) {
        if (e)
            ck_report(c, IW_FAIL, at, "%s record in '%s': name length %s", what, DIR_SHOWN,
                      e == ROMFS_ERR_OVERFLOW ? "is too large" : "runs past the end of the record");
        else
            ck_report(c, IW_FAIL, at, "%s record in '%s': name length %zu exceeds the %zu bytes left in the record", what,
                      DIR_SHOWN, name_len, (size_t)(r.next - q));
        return 0;
    }
    if (!romfs_name_is_safe(q, name_len)) {
        shown(where, sizeof where, q, name_len, 0);
        ck_report(c, IW_FAIL, at,
                  "%s in '%s' has an unsafe name '%s' (empty, '.', '..', or holding '/' or NUL): "
                  "no path reaches it and extract refuses it",
                  what, DIR_SHOWN, where);
    } else {
        if (c->n_names == c->names_cap) {
            size_t cap = c->names_cap ? c->names_cap * 2 : 64;
            struct ck_name *n = realloc(c->names, cap * sizeof *n);
            if (!n)
                return -1;
            c->names = n;
            c->names_cap = cap;
        }
        c->names[c->n_names++] = (struct ck_name){q, name_len, (size_t)(at - c->image)};
    }
    /* The entry's own path, for messages and for its children. */
    size_t need = f->path_len + 1 + name_len + 1;
    if (need > c->path_cap) {
        size_t cap = c->path_cap ? c->path_cap : 256;
        while (cap < need)
            cap *= 2;
        char *p = realloc(c->path, cap);
        if (!p)
            return -1;
        c->path = p;
        c->path_cap = cap;
    }
    c->path_len = f->path_len;
    c->path[c->path_len++] = '/';
    memcpy(c->path + c->path_len, q, name_len);
    c->path_len += name_len;
    if (r.kind == ROMFS_KIND_DIRECTORY) {
        c->stats->dirs++;
        return ck_push(c, q + name_len, r.next);
    }
    c->stats->files++;
    ck_file(c, at, q + name_len, r.next);
    return 0;
#undef DIR_SHOWN
}

/* The filesystem record itself: magic, length, size, trailing bytes. */
static int ck_header(struct ck *c, const uint8_t *image, size_t len)
{
    if (len < ROMFS_SIZE_MIN) {
        ck_report(c, IW_FAIL, image, "image too short: %zu bytes, the smallest image is %d", len, ROMFS_SIZE_MIN);
        return -1;
    }
    if (image[0] != ROMFS_MAGIC0 || image[1] != ROMFS_MAGIC1 || image[2] != ROMFS_MAGIC2) {
        ck_report(c, IW_FAIL, image, "not a ROMFS image: starts with %02x %02x %02x, not d2 cd 31", image[0], image[1],
                  image[2]);
        return -1;
    }
    const uint8_t *q = image + 3;
    size_t plen;
    int e = romfs_decode_uint(&q, image + len, &plen);
    if (e) {
        ck_report(c, IW_FAIL, image + 3, "filesystem record: length %s",
                  e == ROMFS_ERR_OVERFLOW ? "is too large" : "runs past the end of the image");
        return -1;
    }
    if (plen > (size_t)(image + len - q)) {
        ck_report(c, IW_FAIL, image + 3, "filesystem record: %zu payload bytes claimed but only %zu remain in the image",
                  plen, (size_t)(image + len - q));
        return -1;
    }
    if (romfs_mount(&c->fs, image, len) != 0) {
        ck_report(c, IW_FAIL, image, "the reader refuses to mount the image");
        return -1;
    }
    size_t fs_size = romfs_image_size(&c->fs);
    c->stats->fs_size = fs_size;
    /* Readers do not care (the hostile vectors count an odd image as
     * valid), so this is information, not a warning. */
    if (fs_size % 2)
        ck_report(c, IW_INFO, image, "the filesystem record is %zu bytes, an odd size (writers pad images to an even size)",
                  fs_size);
    if (fs_size < len) {
        size_t i = fs_size;
        while (i < len && image[i] == 0xff)
            i++;
        ck_report(c, IW_INFO, image + fs_size, "%zu bytes after the filesystem record are ignored%s", len - fs_size,
                  i == len ? " (all 0xff: erased flash)" : "");
    }
    return 0;
}

int iw_check(const uint8_t *image, size_t len, iw_report_fn report, void *ctx, iw_check_stats_t *stats)
{
    struct ck c;
    memset(&c, 0, sizeof c);
    memset(stats, 0, sizeof *stats);
    c.image = image;
    c.report = report;
    c.ctx = ctx;
    c.stats = stats;
    int rc = 0;
    if (ck_header(&c, image, len) != 0)
        return 0;
    if (ck_push(&c, c.fs.fs, c.fs.fs_end) != 0)
        goto nomem;
    while (c.depth > 0) {
        struct ck_frame *f = &c.frames[c.depth - 1];
        if (f->pos >= f->end) {
            ck_pop(&c);
            continue;
        }
        if (ck_record(&c) != 0)
            goto nomem;
    }
    goto out;
nomem:
    rc = -1;
out:
    free(c.frames);
    free(c.names);
    free(c.path);
    return rc;
}
