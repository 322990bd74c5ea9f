/* SPDX-License-Identifier: MIT */
/* The integrity checker behind `romfs check`; see romfs_check.h. Every
 * length is checked against its parent before it is used, and the walk keeps
 * its stack on the heap. */
#include "romfs/romfs_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

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
    romfs_check_fn report;
    void *ctx;
    romfs_check_stats_t *stats;
    struct ck_frame *frames;
    size_t depth, cap;
    struct ck_name *names;
    size_t n_names, names_cap;
    char *path;             /* raw bytes, "" for the root */
    size_t path_len, path_cap;
};

size_t romfs_name_unit(const void *name, size_t len, size_t i, int *ctrl)
{
    const uint8_t *s = (const uint8_t *)name + i;
    size_t left = len - i, n = 0;
    uint32_t cp = 0;
    if (s[0] < 0x80) {
        *ctrl = s[0] < 0x20 || s[0] == 0x7f;
        return 1;
    }
    /* A well-formed UTF-8 sequence (shortest form, no surrogates). */
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, cp = s[0] & 0x07;
    for (size_t k = 1; n && k < n; k++) {
        if (k >= left || (s[k] & 0xc0) != 0x80)
            n = 0;
        else
            cp = cp << 6 | (s[k] & 0x3f);
    }
    if (n && ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))))
        n = 0;
    if (n) {
        *ctrl = cp >= 0x80 && cp <= 0x9f;
        return n;
    }
    *ctrl = s[0] <= 0x9f;
    return 1;
}

char *romfs_check_name(char *buf, size_t cap, const void *name, size_t n)
{
    const uint8_t *s = name;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 20 < cap;) {
        if (o > 200) {
            snprintf(buf + o, cap - o, "...");
            return buf;
        }
        int ctrl;
        size_t u = romfs_name_unit(s, n, i, &ctrl);
        for (size_t k = 0; k < u; k++, i++) {
            if (ctrl || s[i] == '\\' || s[i] == '\'')
                o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", s[i]);
            else
                buf[o++] = (char)s[i];
        }
    }
    buf[o] = '\0';
    return buf;
}

int romfs_text_escape(const void *str, size_t len, unsigned flags, int (*write)(void *ctx, const void *data, size_t len),
                      void *ctx)
{
    const uint8_t *b = str;
    int name = (flags & ROMFS_ESCAPE_NAME) != 0, r = 0;
    if (!name && !(flags & ROMFS_ESCAPE_TTY))
        return len ? write(ctx, b, len) : 0;
    for (size_t i = 0; i < len && r == 0;) {
        int ctrl;
        size_t u = romfs_name_unit(b, len, i, &ctrl);
        if (!name && (b[i] == '\n' || b[i] == '\t' || (b[i] == '\r' && i + 1 < len && b[i + 1] == '\n')))
            ctrl = 0;
        for (size_t k = 0; k < u && r == 0; k++, i++) {
            char esc[8];
            if (ctrl || (name && b[i] == '\\'))
                r = write(ctx, esc, (size_t)snprintf(esc, sizeof esc, "\\x%02x", b[i]));
            else
                r = write(ctx, b + i, 1);
        }
    }
    return r;
}

/* A directory path for messages: the root is "/". */
static char *shown_dir(char *buf, size_t cap, const char *path, size_t n)
{
    return n ? romfs_check_name(buf, cap, path, n) : romfs_check_name(buf, cap, "/", 1);
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
    struct ck_frame *f = romfs_grow(c->frames, &c->cap, c->depth + 1, sizeof *f, 16);
    if (!f)
        return -1;
    c->frames = f;
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
    char dir[ROMFS_CHECK_NAME_CAP], name[ROMFS_CHECK_NAME_CAP];
    c->n_names = f->names_start;
    c->path_len = f->path_len;
    if (count < 2)
        return;
    struct ck_name *n = c->names + f->names_start;
    qsort(n, count, sizeof *n, name_cmp);
    for (size_t i = 1; i < count; i++) {
        size_t first = i - 1;
        while (i < count && n[i].len == n[first].len && memcmp(n[i].name, n[first].name, n[i].len) == 0) {
            shown_dir(dir, sizeof dir, c->path, f->path_len);
            romfs_check_name(name, sizeof name, n[i].name, n[i].len);
            ck_report(c, ROMFS_CHECK_WARN, c->image + n[i].offset,
                      "duplicate name '%s' in directory '%s': only the first (offset 0x%zx) can be reached",
                      name, dir, n[first].offset);
            i++;
        }
    }
}

/* The file's path, for messages. */
#define PATH_SHOWN(c, buf) shown_dir(buf, sizeof buf, (c)->path, (c)->path_len)

/* An indirect data record of a file: its range must lie in the filesystem
 * payload. Returns 0 with *size, or -1 after reporting. */
static int ck_indirect(struct ck *c, const uint8_t *at, const romfs_record_t *r, size_t *size)
{
    char path[ROMFS_CHECK_NAME_CAP];
    size_t fs_len = (size_t)(c->fs.fs_end - c->fs.fs), off;
    const uint8_t *q = r->payload;
    int e = romfs_decode_uint(&q, r->next, size);
    if (!e)
        e = romfs_decode_uint(&q, r->next, &off);
    if (e) {
        ck_report(c, ROMFS_CHECK_FAIL, at, "file '%s': indirect data record %s", PATH_SHOWN(c, path),
                  e == ROMFS_ERR_OVERFLOW ? "holds a value too large for this host" : "is truncated");
        return -1;
    }
    if (off <= fs_len && *size <= fs_len - off)
        return 0;
    if (*size <= SIZE_MAX - off)
        ck_report(c, ROMFS_CHECK_FAIL, at, "file '%s': indirect data [%zu, %zu) outside the filesystem payload (length %zu)",
                  PATH_SHOWN(c, path), off, off + *size, fs_len);
    else
        ck_report(c, ROMFS_CHECK_FAIL, at, "file '%s': indirect data at %zu of size %zu outside the filesystem payload (length %zu)",
                  PATH_SHOWN(c, path), off, *size, fs_len);
    return -1;
}

/* Check the records of a file after its name: [p, end). Every record is
 * checked, also after the data record the reader uses: an image is corrupt
 * when any of them is. */
static void ck_file(struct ck *c, const uint8_t *rec_start, const uint8_t *p, const uint8_t *end)
{
    char path[ROMFS_CHECK_NAME_CAP];
    int found = 0;
    while (p < end) {
        romfs_record_t r;
        if (romfs_record_decode(p, end, &r) != 0) {
            ck_report(c, ROMFS_CHECK_FAIL, p, "file '%s': record header or payload runs past the end of the file record (at 0x%zx)",
                      PATH_SHOWN(c, path), (size_t)(end - c->image));
            return;
        }
        if (r.kind == ROMFS_KIND_UNUSED) {
            ck_report(c, ROMFS_CHECK_FAIL, p, "file '%s': record of kind 0 (unused): corruption", PATH_SHOWN(c, path));
            return;
        }
        if (r.kind == ROMFS_KIND_DATA_VERBATIM || r.kind == ROMFS_KIND_DATA_POINTER) {
            size_t size = (size_t)(r.next - r.payload);
            if (found)
                ck_report(c, ROMFS_CHECK_INFO, p, "file '%s': extra data record (kind %zu) ignored: the first one wins",
                          PATH_SHOWN(c, path), r.kind);
            else if (r.kind == ROMFS_KIND_DATA_POINTER && ck_indirect(c, p, &r, &size) != 0)
                return;
            else {
                found = 1;
                c->stats->bytes += size;
            }
        } else if (r.kind != ROMFS_KIND_PADDING) {
            ck_report(c, ROMFS_CHECK_INFO, p, "file '%s': unknown record kind %zu skipped", PATH_SHOWN(c, path), r.kind);
        }
        p = r.next;
    }
    if (!found)
        ck_report(c, ROMFS_CHECK_FAIL, rec_start, "file '%s' has no data record", PATH_SHOWN(c, path));
}

/* A record of the directory on top of the stack that does not decode: say
 * which part is broken. The rest of the directory cannot be read. */
static void ck_bad_record(struct ck *c, const struct ck_frame *f)
{
    char dir[ROMFS_CHECK_NAME_CAP];
    const uint8_t *at = f->pos, *q = at;
    size_t kind, len;
    shown_dir(dir, sizeof dir, c->path, f->path_len);
    int e = romfs_decode_uint(&q, f->end, &kind);
    if (e)
        ck_report(c, ROMFS_CHECK_FAIL, at, "directory '%s': record kind %s; the rest of the directory cannot be read", dir,
                  e == ROMFS_ERR_OVERFLOW ? "is too large" : "runs past the end of the directory");
    else if ((e = romfs_decode_uint(&q, f->end, &len)) != 0)
        ck_report(c, ROMFS_CHECK_FAIL, at, "directory '%s': record length %s; the rest of the directory cannot be read", dir,
                  e == ROMFS_ERR_OVERFLOW ? "is too large" : "runs past the end of the directory");
    else
        ck_report(c, ROMFS_CHECK_FAIL, at,
                  "directory '%s': record of kind %zu claims %zu bytes but only %zu remain in the directory; "
                  "the rest of the directory cannot be read",
                  dir, kind, len, (size_t)(f->end - q));
}

/* The longest name (NAME_MAX) Linux, macOS and Windows file systems take. */
#define CK_HOST_NAME_MAX 255

/* Remember a safe name of the current directory, for ck_pop's duplicates. */
static int ck_add_name(struct ck *c, const uint8_t *name, size_t len, size_t offset)
{
    struct ck_name *n = romfs_grow(c->names, &c->names_cap, c->n_names + 1, sizeof *n, 64);
    if (!n)
        return -1;
    c->names = n;
    c->names[c->n_names++] = (struct ck_name){name, len, offset};
    return 0;
}

/* c->path becomes the path of the entry `name` of the directory f. */
static int ck_set_path(struct ck *c, const struct ck_frame *f, const uint8_t *name, size_t len)
{
    char *p = romfs_grow(c->path, &c->path_cap, f->path_len + 1 + len + 1, 1, 256);
    if (!p)
        return -1;
    c->path = p;
    c->path_len = f->path_len;
    c->path[c->path_len++] = '/';
    memcpy(c->path + c->path_len, name, len);
    c->path_len += len;
    return 0;
}

/* A directory or file record at `at` whose name starts at q: check the
 * name, then the entry. Returns 0, or -1 when out of memory. */
static int ck_entry(struct ck *c, const struct ck_frame *f, const uint8_t *at, const romfs_record_t *r)
{
    char dir[ROMFS_CHECK_NAME_CAP], name[ROMFS_CHECK_NAME_CAP];
    const char *what = r->kind == ROMFS_KIND_DIRECTORY ? "directory" : "file";
    const uint8_t *q = r->payload;
    size_t name_len;
    int e = romfs_decode_uint(&q, r->next, &name_len);
    if (e || name_len > (size_t)(r->next - q)) {
        shown_dir(dir, sizeof dir, c->path, f->path_len);
        if (e)
            ck_report(c, ROMFS_CHECK_FAIL, at, "%s record in '%s': name length %s", what, dir,
                      e == ROMFS_ERR_OVERFLOW ? "is too large" : "runs past the end of the record");
        else
            ck_report(c, ROMFS_CHECK_FAIL, at, "%s record in '%s': name length %zu exceeds the %zu bytes left in the record",
                      what, dir, name_len, (size_t)(r->next - q));
        return 0;
    }
    if (!romfs_name_is_safe(q, name_len)) {
        ck_report(c, ROMFS_CHECK_FAIL, at,
                  "%s in '%s' has an unsafe name '%s' (empty, '.', '..', or holding '/' or NUL): "
                  "no path reaches it and extract refuses it",
                  what, shown_dir(dir, sizeof dir, c->path, f->path_len), romfs_check_name(name, sizeof name, q, name_len));
    } else if (ck_add_name(c, q, name_len, (size_t)(at - c->image)) != 0) {
        return -1;
    } else if (name_len > CK_HOST_NAME_MAX) {
        ck_report(c, ROMFS_CHECK_WARN, at,
                  "%s '%s' in '%s': a name of %zu bytes, longer than the %d a host file system takes: extract "
                  "cannot write it", what, romfs_check_name(name, sizeof name, q, name_len),
                  shown_dir(dir, sizeof dir, c->path, f->path_len), name_len, CK_HOST_NAME_MAX);
    }
    if (ck_set_path(c, f, q, name_len) != 0)
        return -1;
    if (r->kind == ROMFS_KIND_DIRECTORY) {
        c->stats->dirs++;
        return ck_push(c, q + name_len, r->next);
    }
    c->stats->files++;
    ck_file(c, at, q + name_len, r->next);
    return 0;
}

/* Check one record of the directory on top of the stack and step past it. */
static int ck_record(struct ck *c)
{
    struct ck_frame *f = &c->frames[c->depth - 1];
    const uint8_t *at = f->pos;
    char dir[ROMFS_CHECK_NAME_CAP];
    romfs_record_t r;
    if (romfs_record_decode(at, f->end, &r) != 0) {
        ck_bad_record(c, f);
        f->pos = f->end;
        return 0;
    }
    if (r.kind == ROMFS_KIND_UNUSED) {
        ck_report(c, ROMFS_CHECK_FAIL, at, "directory '%s': record of kind 0 (unused): corruption; the rest of the directory is not read",
                  shown_dir(dir, sizeof dir, c->path, f->path_len));
        f->pos = f->end;
        return 0;
    }
    f->pos = r.next;
    if (r.kind == ROMFS_KIND_PADDING)
        return 0;
    if (r.kind != ROMFS_KIND_DIRECTORY && r.kind != ROMFS_KIND_FILE) {
        ck_report(c, ROMFS_CHECK_INFO, at, "directory '%s': %s record (kind %zu) skipped", shown_dir(dir, sizeof dir, c->path, f->path_len),
                  r.kind == ROMFS_KIND_DATA_VERBATIM || r.kind == ROMFS_KIND_DATA_POINTER ? "data" : "unknown", r.kind);
        return 0;
    }
    /* ck_entry may grow the frame stack: f is not used after it. */
    return ck_entry(c, f, at, &r);
}

/* The filesystem record itself: magic, length, size, trailing bytes. */
static int ck_header(struct ck *c, const uint8_t *image, size_t len)
{
    if (len < ROMFS_SIZE_MIN) {
        ck_report(c, ROMFS_CHECK_FAIL, image, "image too short: %zu bytes, the smallest image is %d", len, ROMFS_SIZE_MIN);
        return -1;
    }
    if (image[0] != ROMFS_MAGIC0 || image[1] != ROMFS_MAGIC1 || image[2] != ROMFS_MAGIC2) {
        ck_report(c, ROMFS_CHECK_FAIL, image, "not a ROMFS image: starts with %02x %02x %02x, not d2 cd 31", image[0], image[1],
                  image[2]);
        return -1;
    }
    const uint8_t *q = image + 3;
    size_t plen;
    int e = romfs_decode_uint(&q, image + len, &plen);
    if (e) {
        ck_report(c, ROMFS_CHECK_FAIL, image + 3, "filesystem record: length %s",
                  e == ROMFS_ERR_OVERFLOW ? "is too large" : "runs past the end of the image");
        return -1;
    }
    if (plen > (size_t)(image + len - q)) {
        ck_report(c, ROMFS_CHECK_FAIL, image + 3, "filesystem record: %zu payload bytes claimed but only %zu remain in the image",
                  plen, (size_t)(image + len - q));
        return -1;
    }
    if (romfs_mount(&c->fs, image, len) != 0) {
        ck_report(c, ROMFS_CHECK_FAIL, image, "the reader refuses to mount the image");
        return -1;
    }
    size_t fs_size = romfs_image_size(&c->fs);
    c->stats->fs_size = fs_size;
    /* Readers do not care (the hostile vectors count an odd image as
     * valid), so this is information, not a warning. */
    if (fs_size % 2)
        ck_report(c, ROMFS_CHECK_INFO, image, "the filesystem record is %zu bytes, an odd size (writers pad images to an even size)",
                  fs_size);
    if (fs_size < len) {
        size_t i = fs_size;
        while (i < len && image[i] == 0xff)
            i++;
        ck_report(c, ROMFS_CHECK_INFO, image + fs_size, "%zu bytes after the filesystem record are ignored%s", len - fs_size,
                  i == len ? " (all 0xff: erased flash)" : "");
    }
    return 0;
}

int romfs_check(const uint8_t *image, size_t len, romfs_check_fn report, void *ctx, romfs_check_stats_t *stats)
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
    rc = ROMFS_ERR_NOMEM;
out:
    free(c.frames);
    free(c.names);
    free(c.path);
    return rc;
}

struct first {
    size_t offset;
    char *msg;
    size_t cap;
    int found;
};

static void keep_first(void *ctx, int severity, size_t offset, const char *msg)
{
    struct first *f = ctx;
    if (severity != ROMFS_CHECK_FAIL || (f->found && offset >= f->offset))
        return;
    f->found = 1;
    f->offset = offset;
    if (f->cap)
        snprintf(f->msg, f->cap, "%s", msg);
}

int romfs_check_first(const uint8_t *image, size_t len, size_t *offset, char *msg, size_t cap)
{
    struct first f = {0, msg, cap, 0};
    romfs_check_stats_t st;
    int r = romfs_check(image, len, keep_first, &f, &st);
    if (r < 0)
        return r;
    if (!f.found)
        return 0;
    *offset = f.offset;
    return 1;
}

/// Findings collected ///

struct collect {
    romfs_check_report_t *r;
    int nomem;
};

static void collect(void *ctx, int severity, size_t offset, const char *msg)
{
    struct collect *c = ctx;
    romfs_check_report_t *r = c->r;
    if (c->nomem)
        return;
    romfs_check_finding_t *v = romfs_grow(r->v, &r->cap, r->n + 1, sizeof *v, 16);
    char *m = v ? strdup(msg) : NULL;
    if (v)
        r->v = v;
    if (!m) {
        c->nomem = 1;
        return;
    }
    r->v[r->n] = (romfs_check_finding_t){severity, offset, r->n, m};
    r->n++;
}

/* Image order; findings at one offset keep the walk's order. */
static int by_offset(const void *a, const void *b)
{
    const romfs_check_finding_t *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int romfs_check_collect(const uint8_t *image, size_t len, romfs_check_report_t *r)
{
    struct collect c = {r, 0};
    memset(r, 0, sizeof *r);
    if (romfs_check(image, len, collect, &c, &r->stats) != 0 || c.nomem)
        return ROMFS_ERR_NOMEM;
    if (r->n > 1)
        qsort(r->v, r->n, sizeof *r->v, by_offset);
    return 0;
}

void romfs_check_report_free(romfs_check_report_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].msg);
    free(r->v);
    memset(r, 0, sizeof *r);
}

const char *romfs_check_severity_name(int s)
{
    return s == ROMFS_CHECK_FAIL ? "fail" : s == ROMFS_CHECK_WARN ? "warn" : "info";
}

int romfs_check_json(const romfs_check_report_t *r, const char *image, size_t image_size, romfs_json_write_fn write,
                     void *ctx)
{
    const romfs_check_stats_t *st = &r->stats;
    romfs_json_out_t o = {write, ctx, 0};
    romfs_json_printf(&o, "{\"image\": ");
    romfs_json_str(&o, image);
    romfs_json_printf(&o, ", \"ok\": %s, \"image_size\": %zu, \"payload_size\": %zu, \"dirs\": %zu, \"files\": %zu, "
                      "\"bytes\": %zu, \"problems\": [",
                      st->problems[ROMFS_CHECK_FAIL] ? "false" : "true", image_size, st->fs_size, st->dirs, st->files,
                      st->bytes);
    for (size_t i = 0; i < r->n; i++) {
        romfs_json_printf(&o, "%s\n  {\"severity\": \"%s\", \"offset\": %zu, \"message\": ", i ? "," : "",
                          romfs_check_severity_name(r->v[i].severity), r->v[i].offset);
        romfs_json_str(&o, r->v[i].msg);
        romfs_json_printf(&o, "}");
    }
    romfs_json_printf(&o, "%s]}\n", r->n ? "\n" : "");
    return o.err;
}

int romfs_check_summary_text(const romfs_check_report_t *r, const char *image, romfs_json_write_fn write, void *ctx)
{
    const romfs_check_stats_t *st = &r->stats;
    size_t fails = st->problems[ROMFS_CHECK_FAIL], warns = st->problems[ROMFS_CHECK_WARN];
    romfs_json_out_t o = {write, ctx, 0};
    romfs_json_raw(&o, image, strlen(image));   /* a path may pass printf's bound */
    if (fails)
        romfs_json_printf(&o, ": %zu problem%s", fails, fails == 1 ? "" : "s");
    else
        romfs_json_printf(&o, ": ok (%zu dirs, %zu files, %zu bytes)", st->dirs, st->files, st->bytes);
    if (warns)
        romfs_json_printf(&o, ", %zu warning%s", warns, warns == 1 ? "" : "s");
    romfs_json_printf(&o, "\n");
    return o.err;
}
