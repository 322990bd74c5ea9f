/* SPDX-License-Identifier: MIT */
/*
 * libromfs reader.
 *
 * An image is one record (kind 0x14a6b1) whose payload holds the root
 * directory's records; see docs/FORMAT.md. Every helper here takes the end
 * of the enclosing record and never reads at or past it, so a hostile image
 * can make a lookup fail but never make it touch memory outside the image.
 * Lookups walk one directory level at a time with a loop: depth costs no
 * stack.
 */
#include "romfs/romfs.h"

#include <string.h>

/* Inlined where a lookup spends its time (the directory scan) unless the
 * build optimises for size, where one copy of each helper is smaller. */
#if defined(__GNUC__) && !defined(__OPTIMIZE_SIZE__)
#define HOT __attribute__((always_inline)) inline
#else
#define HOT inline
#endif

/* The varuint at p, which must end before end: returns the byte after it
 * and sets *value; NULL when it runs to end (*value 0) or exceeds SIZE_MAX
 * (*value 1). Leading 0x80 bytes add nothing. Written so that the one-byte
 * case most varuints are is a load, an or and a test: v starts at 0, so the
 * first "v |=" is a move, and the shift waits until another byte follows
 * (measured: 54 instructions per directory entry against 66 for a loop that
 * shifts first). */
static HOT const uint8_t *uint_get(const uint8_t *p, const uint8_t *end, size_t *value)
{
    size_t v = 0;
    uint8_t byte;
    if (p >= end)
        goto past_end;
    for (;;) {
        byte = *p++;
        v |= byte & 0x7f;
        if (byte < 0x80) {
            *value = v;
            return p;
        }
        if (p >= end)
            goto past_end;
        /* Seven more bits must fit: otherwise the value exceeds SIZE_MAX. */
        if ((v >> (sizeof v * 8 - 7)) != 0) {
            *value = 1;
            return NULL;
        }
        v <<= 7;
    }
past_end:
    *value = 0;
    return NULL;
}

/* A length varuint at p and the *len bytes it counts, all before end:
 * returns the first of those bytes, or NULL when either does not fit. */
static HOT const uint8_t *span(const uint8_t *p, const uint8_t *end, size_t *len)
{
    p = uint_get(p, end, len);
    return p != NULL && *len <= (size_t)(end - p) ? p : NULL;
}

/* The record at p inside [p, end): its kind, and its payload's first byte
 * (returned) and length; NULL when its header or payload does not fit. The
 * one record walker: the directory scan, the file-data search and
 * romfs_record_decode all decode through it. */
static HOT const uint8_t *rec_get(const uint8_t *p, const uint8_t *end, size_t *kind, size_t *len)
{
    p = uint_get(p, end, kind);
    return p != NULL ? span(p, end, len) : NULL;
}

int romfs_decode_uint(const uint8_t **p, const uint8_t *end, size_t *value)
{
    size_t v;
    const uint8_t *q = uint_get(*p, end, &v);
    if (q == NULL)
        return v ? ROMFS_ERR_OVERFLOW : ROMFS_ERR_CORRUPT;
    *p = q;
    *value = v;
    return 0;
}

int romfs_record_decode(const uint8_t *p, const uint8_t *end, romfs_record_t *rec)
{
    size_t len;
    const uint8_t *q = rec_get(p, end, &rec->kind, &len);
    if (q == NULL)
        return ROMFS_ERR_CORRUPT;
    rec->start = p;
    rec->payload = q;
    rec->next = q + len;
    return 0;
}

/* A file's data: info's data and size hold what follows its name (a run of
 * records), replaced by the first verbatim or pointer data record's bytes;
 * other kinds are skipped. Returns 1, or ROMFS_ERR_CORRUPT. Called after
 * the scan has returned (entry_data), so its frames never stack on the
 * scan's. */
static int data_find(const romfs_t *fs, romfs_info_t *info)
{
    const uint8_t *p = info->data, *end = p + info->size, *q;
    size_t kind, len, off, fs_len = (size_t)(fs->fs_end - fs->fs);
    while ((q = rec_get(p, end, &kind, &len)) != NULL && kind != ROMFS_KIND_UNUSED) {
        p = q + len;
        if (kind == ROMFS_KIND_DATA_POINTER) {
            q = uint_get(q, p, &len);
            if (q != NULL)
                q = uint_get(q, p, &off);
            /* The pointed-to range must lie inside the filesystem payload. */
            if (q == NULL || off > fs_len || len > fs_len - off)
                break;
            q = fs->fs + off;
        } else if (kind != ROMFS_KIND_DATA_VERBATIM) {
            continue;
        }
        info->data = q;
        info->size = len;
        return 1;
    }
    return ROMFS_ERR_CORRUPT;
}

int romfs_name_is_safe(const uint8_t *name, size_t len)
{
    /* "", "." and ".." are at most two bytes, all dots. */
    int safe = len > 2;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '/' || name[i] == '\0')
            return 0;
        safe |= name[i] != '.';
    }
    return safe;
}

int romfs_mount(romfs_t *fs, const void *image, size_t len)
{
    const uint8_t *img = image;
    romfs_record_t rec;
    /* Each magic byte but the last has the varuint's continuation bit, so
     * a record that decoded holds the byte compared next. */
    if (img == NULL || romfs_record_decode(img, img + len, &rec) != 0 || img[0] != ROMFS_MAGIC0 ||
        img[1] != ROMFS_MAGIC1 || img[2] != ROMFS_MAGIC2)
        return ROMFS_ERR_NODEV;
    fs->image = img;
    fs->image_len = len;
    fs->fs = rec.payload;
    fs->fs_end = rec.next;
    return 0;
}

size_t romfs_image_size(const romfs_t *fs)
{
    return (size_t)(fs->fs_end - fs->image);
}

void romfs_statvfs(const romfs_t *fs, romfs_statvfs_t *st)
{
    st->bsize = 1;
    st->frsize = 0;
    st->blocks = (size_t)(fs->fs_end - fs->fs);
    st->namemax = ROMFS_NAME_MAX;
}

/* The next directory or file record of dir, or with want the next one
 * named [want, want + want_len): fill *info (a file's data and size
 * provisionally with what follows its name: entry_data finds the data) and
 * return 1; 0 at the end; ROMFS_ERR_CORRUPT at a corrupt record. Other kinds
 * are skipped. A record whose own bounds are unsound (or of kind 0) has no
 * next sibling: the directory then reads as ended. This is the loop every
 * lookup spends its time in: lengths and the first byte are compared before
 * memcmp, and nothing is stored for an entry that does not match. */
static int dir_next(romfs_dir_t *dir, romfs_info_t *info, const uint8_t *want, size_t want_len)
{
    const uint8_t *p = dir->pos, *end = dir->end, *q, *next;
    size_t kind, len;
    while (p < end) {
        q = rec_get(p, end, &kind, &len);
        if (q == NULL || kind == ROMFS_KIND_UNUSED) {
            dir->pos = end;
            return ROMFS_ERR_CORRUPT;
        }
        next = q + len;
        /* Kinds 4 (directory) and 5 (file). */
        if (kind - ROMFS_KIND_DIRECTORY < 2) {
            if ((q = span(q, next, &len)) == NULL) {
                dir->pos = next;
                return ROMFS_ERR_CORRUPT;
            }
            if (want == NULL || (len == want_len && q[0] == want[0] && memcmp(q, want, len) == 0)) {
                dir->pos = next;
                /* Kind 4 is type 2 (directory), kind 5 type 1 (file). */
                info->type = (int)(ROMFS_KIND_DIRECTORY + ROMFS_TYPE_DIR - kind);
                info->flags = 0;
                info->name = q;
                info->name_len = len;
                info->data = q + len;
                info->size = (size_t)(next - info->data);
                info->record_offset = (size_t)(p - dir->fs->image);
                return 1;
            }
        }
        p = next;
    }
    dir->pos = p;
    return 0;
}

/* A file's data replaces what dir_next put in data and size: 1, or
 * ROMFS_ERR_CORRUPT. Called once per entry returned, never per entry
 * scanned. */
static int entry_data(const romfs_t *fs, romfs_info_t *info)
{
    return info->type == ROMFS_TYPE_DIR ? 1 : data_find(fs, info);
}

int romfs_stat_n(const romfs_t *fs, const char *path, size_t path_len, romfs_info_t *info)
{
    const uint8_t *p = (const uint8_t *)path;
    size_t n = path_len;
    if (n > 0 && p[0] == '/') {
        p++;
        n--;
    }
    /* The root. */
    info->type = ROMFS_TYPE_DIR;
    info->flags = 0;
    info->data = info->name = fs->fs;
    info->size = (size_t)(fs->fs_end - fs->fs);
    info->name_len = 0;
    info->record_offset = 0;
    while (n > 0) {
        size_t comp = 0;
        while (comp < n && p[comp] != '/')
            comp++;
        /* Here info is a directory: the separator check below saw to it. */
        if (comp == 0)
            return ROMFS_ERR_NOENT;
        /* Unsafe names never match; a name equal to the component is safe
         * exactly when the component is, so that is checked once here. An
         * unsafe one is looked for with a length no name can have: the
         * directory is still scanned, so corruption in it is still found. */
        romfs_dir_t dir = {fs, info->data, info->data + info->size};
        int r = dir_next(&dir, info, p, romfs_name_is_safe(p, comp) ? comp : SIZE_MAX);
        if (r > 0)
            r = entry_data(fs, info);
        if (r <= 0)
            return r ? r : ROMFS_ERR_NOENT;
        p += comp;
        n -= comp;
        /* One separator, only after a directory ("f/" and "f/x" do not
         * exist); a trailing one names the directory itself. */
        if (n > 0) {
            if (info->type != ROMFS_TYPE_DIR)
                return ROMFS_ERR_NOENT;
            p++;
            n--;
        }
    }
    return 0;
}

int romfs_stat(const romfs_t *fs, const char *path, romfs_info_t *info)
{
    return romfs_stat_n(fs, path, path ? strlen(path) : 0, info);
}

int romfs_dir_open_info(const romfs_t *fs, romfs_dir_t *dir, const romfs_info_t *info)
{
    if (info->type != ROMFS_TYPE_DIR)
        return ROMFS_ERR_NOTDIR;
    dir->fs = fs;
    dir->pos = info->data;
    dir->end = info->data + info->size;
    return 0;
}

int romfs_dir_open(const romfs_t *fs, romfs_dir_t *dir, const char *path)
{
    romfs_info_t info;
    /* romfs_stat_n, not romfs_stat: one frame less on the deepest chain. */
    int err = romfs_stat_n(fs, path, path ? strlen(path) : 0, &info);
    return err ? err : romfs_dir_open_info(fs, dir, &info);
}

int romfs_dir_read(romfs_dir_t *dir, romfs_info_t *info)
{
    int r = dir_next(dir, info, NULL, 0);
    if (r <= 0)
        return r;
    if (!romfs_name_is_safe(info->name, info->name_len))
        info->flags = ROMFS_INFO_UNSAFE_NAME;
    return entry_data(dir->fs, info);
}

int romfs_file_open_info(romfs_file_t *file, const romfs_info_t *info)
{
    if (info->type != ROMFS_TYPE_FILE)
        return ROMFS_ERR_ISDIR;
    file->data = info->data;
    file->size = info->size;
    file->pos = 0;
    return 0;
}

int romfs_file_open(const romfs_t *fs, romfs_file_t *file, const char *path)
{
    romfs_info_t info;
    int err = romfs_stat(fs, path, &info);
    return err ? err : romfs_file_open_info(file, &info);
}

size_t romfs_file_read(romfs_file_t *file, void *buf, size_t n)
{
    size_t remain = file->size - file->pos;
    if (n > remain)
        n = remain;
    if (n > 0)
        memcpy(buf, file->data + file->pos, n);
    file->pos += n;
    return n;
}

int romfs_file_seek(romfs_file_t *file, int64_t offset, int whence, size_t *newpos)
{
    size_t base;
    if (whence == ROMFS_SEEK_SET)
        base = 0;
    else if (whence == ROMFS_SEEK_CUR)
        base = file->pos;
    else if (whence == ROMFS_SEEK_END)
        base = file->size;
    else
        return ROMFS_ERR_INVAL;
    if (offset < 0) {
        /* The magnitude, also of INT64_MIN, in unsigned arithmetic. */
        uint64_t back = 0 - (uint64_t)offset;
        if (back > base)
            return ROMFS_ERR_INVAL;
        base -= (size_t)back;
    } else {
        /* base <= size: clamp at the end without overflowing. */
        base = (uint64_t)offset > file->size - base ? file->size : base + (size_t)offset;
    }
    file->pos = base;
    if (newpos)
        *newpos = base;
    return 0;
}

size_t romfs_file_tell(const romfs_file_t *file)
{
    return file->pos;
}

const uint8_t *romfs_file_data(const romfs_file_t *file, size_t *size)
{
    if (size)
        *size = file->size;
    return file->data;
}

const char *romfs_strerror(int err)
{
    switch (err) {
    case ROMFS_ERR_OK: return "success";
    case ROMFS_ERR_PERM: return "operation not permitted";
    case ROMFS_ERR_NOENT: return "no such file or directory";
    case ROMFS_ERR_IO: return "I/O error";
    case ROMFS_ERR_BADF: return "not open";
    case ROMFS_ERR_NOMEM: return "out of storage";
    case ROMFS_ERR_BUSY: return "busy";
    case ROMFS_ERR_EXIST: return "already exists";
    case ROMFS_ERR_NODEV: return "not a ROMFS image";
    case ROMFS_ERR_NOTDIR: return "not a directory";
    case ROMFS_ERR_ISDIR: return "is a directory";
    case ROMFS_ERR_INVAL: return "invalid argument";
    case ROMFS_ERR_NOSPC: return "no space left";
    case ROMFS_ERR_ROFS: return "read-only filesystem";
    case ROMFS_ERR_NAMETOOLONG: return "name too long";
    case ROMFS_ERR_OVERFLOW: return "value too large";
    case ROMFS_ERR_OPNOTSUPP: return "operation not supported";
    case ROMFS_ERR_CORRUPT: return "corrupt image";
    case ROMFS_ERR_NOBOARD: return "no board found";
    case ROMFS_ERR_CLOSED: return "connection to the board was lost";
    case ROMFS_ERR_NOROMFS: return "ROMFS is not enabled on this device";
    case ROMFS_ERR_PROTOCOL: return "unexpected reply from the board";
    case ROMFS_ERR_TIMEOUT: return "board stopped answering";
    case ROMFS_ERR_RAISED: return "board raised an exception";
    case ROMFS_ERR_NOPART: return "ROMFS partition not found on device";
    case ROMFS_ERR_CANCELED: return "canceled";
    default: return "unknown error";
    }
}
