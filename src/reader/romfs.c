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

/* The varuint at p, which must end before end: returns the byte after it and
 * sets *value, or NULL when it runs to end or exceeds SIZE_MAX. Almost every
 * varuint in an image (kinds, short lengths, names) is one byte, so that case
 * is decided here, where it can be inlined into a scan loop. */
static inline const uint8_t *uint_get(const uint8_t *p, const uint8_t *end, size_t *value)
{
    if (p < end && *p < 0x80) {
        *value = *p;
        return p + 1;
    }
    return romfs_decode_uint(&p, end, value) ? NULL : p;
}

int romfs_decode_uint(const uint8_t **p, const uint8_t *end, size_t *value)
{
    const uint8_t *q = *p;
    size_t v = 0;
    uint8_t byte;
    do {
        if (q >= end)
            return ROMFS_ERR_CORRUPT;
        byte = *q++;
        /* Leading 0x80 bytes add nothing; real overflow is refused. */
        if (v > (SIZE_MAX >> 7))
            return ROMFS_ERR_OVERFLOW;
        v = (v << 7) | (byte & 0x7f);
    } while (byte & 0x80);
    *p = q;
    *value = v;
    return 0;
}

/* The record at p, which must fit in [p, end): returns its payload and sets
 * *kind and *next (one past the payload), or NULL. */
static const uint8_t *record_get(const uint8_t *p, const uint8_t *end, size_t *kind,
                                 const uint8_t **next)
{
    size_t len;
    p = uint_get(p, end, kind);
    if (p != NULL)
        p = uint_get(p, end, &len);
    if (p == NULL || len > (size_t)(end - p))
        return NULL;
    *next = p + len;
    return p;
}

int romfs_record_decode(const uint8_t *p, const uint8_t *end, romfs_record_t *rec)
{
    const uint8_t *q = record_get(p, end, &rec->kind, &rec->next);
    if (q == NULL)
        return ROMFS_ERR_CORRUPT;
    rec->start = p;
    rec->payload = q;
    return 0;
}

int romfs_file_data_find(const romfs_t *fs, const uint8_t *p, const uint8_t *end,
                         const uint8_t **data, size_t *size)
{
    size_t kind, len, off, fs_len = (size_t)(fs->fs_end - fs->fs);
    const uint8_t *q, *next;
    while (p < end) {
        q = record_get(p, end, &kind, &next);
        if (q == NULL || kind == ROMFS_KIND_UNUSED)
            break;
        if (kind == ROMFS_KIND_DATA_VERBATIM) {
            *data = q;
            *size = (size_t)(next - q);
            return 0;
        }
        if (kind == ROMFS_KIND_DATA_POINTER) {
            q = uint_get(q, next, &len);
            if (q != NULL)
                q = uint_get(q, next, &off);
            /* The pointed-to range must lie inside the filesystem payload. */
            if (q == NULL || off > fs_len || len > fs_len - off)
                break;
            *data = fs->fs + off;
            *size = len;
            return 0;
        }
        p = next;
    }
    return ROMFS_ERR_CORRUPT;
}

int romfs_name_is_safe(const uint8_t *name, size_t len)
{
    if (len == 0 || (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'))))
        return 0;
    return memchr(name, '/', len) == NULL && memchr(name, '\0', len) == NULL;
}

int romfs_mount(romfs_t *fs, const void *image, size_t len)
{
    const uint8_t *img = image, *next;
    size_t kind;
    if (img == NULL || len < ROMFS_SIZE_MIN || img[0] != ROMFS_MAGIC0 || img[1] != ROMFS_MAGIC1 ||
        img[2] != ROMFS_MAGIC2)
        return ROMFS_ERR_NODEV;
    /* The magic is the kind's encoding, so only the length is left to read. */
    const uint8_t *q = record_get(img, img + len, &kind, &next);
    if (q == NULL)
        return ROMFS_ERR_NODEV;
    fs->image = img;
    fs->image_len = len;
    fs->fs = q;
    fs->fs_end = next;
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

/* Step *pos over the record there (before end). For a directory or file
 * record, fill info's name, type, offset, flags (0) and, provisionally, data
 * and size with what follows the name; return 1. Return 0 for other kinds
 * (skipped), ROMFS_ERR_CORRUPT for a corrupt record: *pos stays put when the
 * record's own bounds are unsound (or it is of kind 0), so the caller knows
 * there is no next sibling. */
static int entry_head(const romfs_t *fs, const uint8_t **pos, const uint8_t *end,
                      romfs_info_t *info)
{
    size_t kind, len;
    const uint8_t *next, *q = record_get(*pos, end, &kind, &next);
    if (q == NULL || kind == ROMFS_KIND_UNUSED)
        return ROMFS_ERR_CORRUPT;
    info->record_offset = (size_t)(*pos - fs->image);
    *pos = next;
    if (kind != ROMFS_KIND_DIRECTORY && kind != ROMFS_KIND_FILE)
        return 0;
    q = uint_get(q, next, &len);
    if (q == NULL || len > (size_t)(next - q))
        return ROMFS_ERR_CORRUPT;
    info->type = kind == ROMFS_KIND_DIRECTORY ? ROMFS_TYPE_DIR : ROMFS_TYPE_FILE;
    info->flags = 0;
    info->name = q;
    info->name_len = len;
    info->data = q + len;
    info->size = (size_t)(next - info->data);
    return 1;
}

/* A file's data replaces what entry_head put in data and size. */
static int entry_data(const romfs_t *fs, romfs_info_t *info)
{
    if (info->type == ROMFS_TYPE_DIR)
        return 0;
    return romfs_file_data_find(fs, info->data, info->data + info->size, &info->data, &info->size);
}

static void root_info(const romfs_t *fs, romfs_info_t *info)
{
    info->type = ROMFS_TYPE_DIR;
    info->flags = 0;
    info->data = fs->fs;
    info->size = (size_t)(fs->fs_end - fs->fs);
    info->name = fs->fs;
    info->name_len = 0;
    info->record_offset = 0;
}

int romfs_stat_n(const romfs_t *fs, const char *path, size_t path_len, romfs_info_t *info)
{
    const uint8_t *p = (const uint8_t *)path;
    size_t n = path_len;
    if (n > 0 && p[0] == '/') {
        p++;
        n--;
    }
    root_info(fs, info);
    while (n > 0) {
        size_t comp = 0;
        while (comp < n && p[comp] != '/')
            comp++;
        if (info->type != ROMFS_TYPE_DIR || comp == 0)
            return ROMFS_ERR_NOENT;
        /* Unsafe names never match; a name equal to the component is safe
         * exactly when the component is, so that is checked once here. */
        int safe = romfs_name_is_safe(p, comp), r;
        const uint8_t *pos = info->data, *end = pos + info->size;
        for (;;) {
            if (pos >= end)
                return ROMFS_ERR_NOENT;
            r = entry_head(fs, &pos, end, info);
            if (r < 0)
                return r;
            /* Length and first byte before the call: most entries differ there. */
            if (r > 0 && info->name_len == comp && info->name[0] == p[0] && safe &&
                memcmp(info->name, p, comp) == 0)
                break;
        }
        if ((r = entry_data(fs, info)) != 0)
            return r;
        p += comp;
        n -= comp;
        /* One separator; a trailing one names the directory itself. */
        if (n > 0) {
            p++;
            n--;
            if (n == 0 && info->type != ROMFS_TYPE_DIR)
                return ROMFS_ERR_NOENT;
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
    int err = romfs_stat_n(fs, path, path ? strlen(path) : 0, &info);
    if (err)
        return err;
    return romfs_dir_open_info(fs, dir, &info);
}

int romfs_dir_read(romfs_dir_t *dir, romfs_info_t *info)
{
    while (dir->pos < dir->end) {
        const uint8_t *at = dir->pos;
        int r = entry_head(dir->fs, &dir->pos, dir->end, info);
        if (r == 0)
            continue;
        if (r < 0) {
            /* Without sound bounds there is no next sibling to go to. */
            if (dir->pos == at)
                dir->pos = dir->end;
            return r;
        }
        if (!romfs_name_is_safe(info->name, info->name_len))
            info->flags = ROMFS_INFO_UNSAFE_NAME;
        return entry_data(dir->fs, info) ? ROMFS_ERR_CORRUPT : 1;
    }
    return 0;
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
    int err = romfs_stat_n(fs, path, path ? strlen(path) : 0, &info);
    if (err)
        return err;
    return romfs_file_open_info(file, &info);
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
    size_t base, room;
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
        room = file->size - base;
        base = (uint64_t)offset > room ? file->size : base + (size_t)offset;
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
    default: return "unknown error";
    }
}
