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

/* Inlined into the record decoder so the deepest lookup chain (stat ->
 * entry -> data -> record -> varuint) carries one frame fewer: the reader
 * must fit a 256-byte stack on a Cortex-M0+. */
#if defined(__GNUC__)
#define ROMFS_INLINE static inline __attribute__((always_inline))
#else
#define ROMFS_INLINE static inline
#endif

ROMFS_INLINE int decode_uint(const uint8_t **p, const uint8_t *end, size_t *value)
{
    const uint8_t *q = *p;
    size_t v = 0;
    uint8_t byte;
    do {
        if (q >= end)
            return ROMFS_ERR_IO;
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

int romfs_decode_uint(const uint8_t **p, const uint8_t *end, size_t *value)
{
    return decode_uint(p, end, value);
}

int romfs_record_decode(const uint8_t *p, const uint8_t *end, romfs_record_t *rec)
{
    size_t kind, len;
    const uint8_t *q = p;
    if (decode_uint(&q, end, &kind) || decode_uint(&q, end, &len))
        return ROMFS_ERR_IO;
    if (len > (size_t)(end - q))
        return ROMFS_ERR_IO;
    rec->kind = kind;
    rec->start = p;
    rec->payload = q;
    rec->next = q + len;
    return 0;
}

int romfs_file_data_find(const romfs_t *fs, const uint8_t *p, const uint8_t *end,
                         const uint8_t **data, size_t *size)
{
    while (p < end) {
        romfs_record_t rec;
        if (romfs_record_decode(p, end, &rec) || rec.kind == ROMFS_KIND_UNUSED)
            return ROMFS_ERR_IO;
        if (rec.kind == ROMFS_KIND_DATA_VERBATIM) {
            *data = rec.payload;
            *size = (size_t)(rec.next - rec.payload);
            return 0;
        }
        if (rec.kind == ROMFS_KIND_DATA_POINTER) {
            const uint8_t *q = rec.payload;
            size_t len, off, fs_len = (size_t)(fs->fs_end - fs->fs);
            if (romfs_decode_uint(&q, rec.next, &len) || romfs_decode_uint(&q, rec.next, &off))
                return ROMFS_ERR_IO;
            /* The pointed-to range must lie inside the filesystem payload. */
            if (off > fs_len || len > fs_len - off)
                return ROMFS_ERR_IO;
            *data = fs->fs + off;
            *size = len;
            return 0;
        }
        p = rec.next;
    }
    return ROMFS_ERR_IO;
}

int romfs_name_is_safe(const uint8_t *name, size_t len)
{
    if (len == 0 || (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return 0;
    return memchr(name, '/', len) == NULL && memchr(name, '\0', len) == NULL;
}

int romfs_mount(romfs_t *fs, const void *image, size_t len)
{
    const uint8_t *img = image;
    romfs_record_t rec;
    if (img == NULL || len < ROMFS_SIZE_MIN || img[0] != ROMFS_MAGIC0 || img[1] != ROMFS_MAGIC1 ||
        img[2] != ROMFS_MAGIC2)
        return ROMFS_ERR_NODEV;
    if (romfs_record_decode(img, img + len, &rec) || rec.kind != ROMFS_KIND_FILESYSTEM)
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

/* Decode a directory or file record's name and fill *info from it; the data
 * of a file is looked up too. Returns 0 or ROMFS_ERR_IO. */
static int entry_decode(const romfs_t *fs, const romfs_record_t *rec, romfs_info_t *info)
{
    const uint8_t *q = rec->payload;
    size_t name_len;
    if (romfs_decode_uint(&q, rec->next, &name_len) || name_len > (size_t)(rec->next - q))
        return ROMFS_ERR_IO;
    info->name = q;
    info->name_len = name_len;
    info->flags = romfs_name_is_safe(q, name_len) ? 0 : ROMFS_INFO_UNSAFE_NAME;
    info->record_offset = (size_t)(rec->start - fs->image);
    q += name_len;
    if (rec->kind == ROMFS_KIND_DIRECTORY) {
        info->type = ROMFS_TYPE_DIR;
        info->data = q;
        info->size = (size_t)(rec->next - q);
        return 0;
    }
    info->type = ROMFS_TYPE_FILE;
    return romfs_file_data_find(fs, q, rec->next, &info->data, &info->size);
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
    const char *p = path;
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
        /* Scan the current directory for the component. */
        const uint8_t *pos = info->data, *end = info->data + info->size;
        int found = 0;
        while (pos < end) {
            romfs_record_t rec;
            if (romfs_record_decode(pos, end, &rec) || rec.kind == ROMFS_KIND_UNUSED)
                return ROMFS_ERR_IO;
            pos = rec.next;
            if (rec.kind != ROMFS_KIND_DIRECTORY && rec.kind != ROMFS_KIND_FILE)
                continue;
            const uint8_t *q = rec.payload;
            size_t name_len;
            if (romfs_decode_uint(&q, rec.next, &name_len) || name_len > (size_t)(rec.next - q))
                return ROMFS_ERR_IO;
            if (name_len != comp || memcmp(q, p, comp) != 0 || !romfs_name_is_safe(q, name_len))
                continue;
            int err = entry_decode(fs, &rec, info);
            if (err)
                return err;
            found = 1;
            break;
        }
        if (!found)
            return ROMFS_ERR_NOENT;
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
        romfs_record_t rec;
        if (romfs_record_decode(dir->pos, dir->end, &rec) || rec.kind == ROMFS_KIND_UNUSED) {
            /* Without sound bounds there is no next sibling to go to. */
            dir->pos = dir->end;
            return ROMFS_ERR_IO;
        }
        dir->pos = rec.next;
        if (rec.kind != ROMFS_KIND_DIRECTORY && rec.kind != ROMFS_KIND_FILE)
            continue;
        return entry_decode(dir->fs, &rec, info) ? ROMFS_ERR_IO : 1;
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
    uint64_t base, pos;
    if (whence == ROMFS_SEEK_SET)
        base = 0;
    else if (whence == ROMFS_SEEK_CUR)
        base = file->pos;
    else if (whence == ROMFS_SEEK_END)
        base = file->size;
    else
        return ROMFS_ERR_INVAL;
    if (offset < 0) {
        /* Magnitude without overflowing on INT64_MIN. */
        uint64_t back = (uint64_t)(-(offset + 1)) + 1;
        if (back > base)
            return ROMFS_ERR_INVAL;
        pos = base - back;
    } else {
        pos = base + (uint64_t)offset;
        if (pos < base || pos > file->size)
            pos = file->size;
    }
    file->pos = (size_t)pos;
    if (newpos)
        *newpos = file->pos;
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
    case ROMFS_ERR_IO: return "corrupt image";
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
    default: return "unknown error";
    }
}
