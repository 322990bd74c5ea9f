/* SPDX-License-Identifier: MIT */
/*
 * libromfs mount table.
 *
 * Every call first turns its path into a clean absolute path in the table's
 * scratch buffer (cwd joined, ".", ".." and repeated '/' resolved), then
 * finds the mount whose path is its longest whole-component prefix and hands
 * the rest to the reader. Paths that only lead to mounts are virtual
 * directories. Nothing here allocates or keeps state outside the table.
 */
#include "romfs/romfs_vfs.h"

#include <string.h>

static const uint8_t empty_name[1] = {0};

/* MicroPython raises EIO for a corrupt image: the table speaks its numbers. */
static int mp_error(int err)
{
    return err == ROMFS_ERR_CORRUPT ? ROMFS_ERR_IO : err;
}

void romfs_vfs_init(romfs_vfs_t *vfs)
{
    memset(vfs, 0, sizeof *vfs);
    vfs->cwd[0] = '/';
}

/* Append the components of path to out[0..*len), resolving "." and "..".
 * Returns 0 or ROMFS_ERR_NAMETOOLONG. */
static int path_append(char *out, size_t *len, const char *path)
{
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *c = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - c);
        if (n == 0 || (n == 1 && c[0] == '.'))
            continue;
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            while (*len > 0 && out[*len - 1] != '/')
                (*len)--;
            if (*len > 0)
                (*len)--;
            continue;
        }
        /* Room for '/', the component and the final NUL. */
        if (*len + n + 2 > ROMFS_VFS_PATH_MAX)
            return ROMFS_ERR_NAMETOOLONG;
        out[(*len)++] = '/';
        memcpy(out + *len, c, n);
        *len += n;
    }
    return 0;
}

/* Resolve path against the cwd into vfs->scratch: "/" or "/a/b" with no
 * trailing '/'. Returns its length or a negative error. */
static int path_resolve(romfs_vfs_t *vfs, const char *path)
{
    size_t len = 0;
    int err;
    if (path == NULL)
        return ROMFS_ERR_INVAL;
    if (path[0] != '/') {
        /* The cwd is already resolved; "/" contributes no component. */
        len = strlen(vfs->cwd);
        memcpy(vfs->scratch, vfs->cwd, len);
        if (len == 1)
            len = 0;
    }
    if ((err = path_append(vfs->scratch, &len, path)) != 0)
        return err;
    if (len == 0)
        vfs->scratch[len++] = '/';
    vfs->scratch[len] = '\0';
    return (int)len;
}

/* 1 when mount path m (length mlen) is p itself or a whole-component
 * prefix of p. A mount at "/" is a prefix of everything. */
static int is_prefix(const char *m, size_t mlen, const char *p, size_t plen)
{
    if (mlen == 1)
        return 1;
    return mlen <= plen && memcmp(m, p, mlen) == 0 && (plen == mlen || p[mlen] == '/');
}

/* The mount holding absolute path p (longest prefix), with *rel set to the
 * path inside it ("" for its root). NULL when no mount holds p. */
static const romfs_vfs_mount_t *find_mount(const romfs_vfs_t *vfs, const char *p, size_t plen,
                                           const char **rel)
{
    const romfs_vfs_mount_t *best = NULL;
    for (size_t i = 0; i < ROMFS_VFS_MAX_MOUNTS; i++) {
        const romfs_vfs_mount_t *m = &vfs->mounts[i];
        if (m->path_len == 0 || !is_prefix(m->path, m->path_len, p, plen))
            continue;
        if (best == NULL || m->path_len > best->path_len)
            best = m;
    }
    if (best != NULL)
        *rel = best->path_len == 1 ? p : p + best->path_len;
    return best;
}

/* 1 when some mount lies strictly below p, so p is a (virtual) directory. */
static int leads_to_mount(const romfs_vfs_t *vfs, const char *p, size_t plen)
{
    if (plen == 1)
        return 1;
    for (size_t i = 0; i < ROMFS_VFS_MAX_MOUNTS; i++) {
        const romfs_vfs_mount_t *m = &vfs->mounts[i];
        if (m->path_len > plen && memcmp(m->path, p, plen) == 0 && m->path[plen] == '/')
            return 1;
    }
    return 0;
}

static void virtual_info(romfs_info_t *info)
{
    memset(info, 0, sizeof *info);
    info->type = ROMFS_TYPE_DIR;
    info->name = empty_name;
}

int romfs_vfs_mount(romfs_vfs_t *vfs, const char *path, const void *image, size_t len,
                    unsigned flags)
{
    romfs_t fs;
    if (vfs == NULL || image == NULL ||
        (flags & ~(unsigned)(ROMFS_VFS_MOUNT_READONLY | ROMFS_VFS_MOUNT_MKFS)))
        return ROMFS_ERR_INVAL;
    /* Same order as MicroPython: VfsRom(buf), then mount(mkfs=), then the path. */
    if (romfs_mount(&fs, image, len) != 0)
        return ROMFS_ERR_NODEV;
    if (flags & ROMFS_VFS_MOUNT_MKFS)
        return ROMFS_ERR_PERM;
    int plen = path_resolve(vfs, path);
    if (plen < 0)
        return plen;
    if ((size_t)plen >= ROMFS_VFS_MOUNT_PATH_MAX)
        return ROMFS_ERR_NAMETOOLONG;
    romfs_vfs_mount_t *slot = NULL;
    for (size_t i = 0; i < ROMFS_VFS_MAX_MOUNTS; i++) {
        romfs_vfs_mount_t *m = &vfs->mounts[i];
        if (m->path_len == 0) {
            if (slot == NULL)
                slot = m;
        } else if (m->path_len == (size_t)plen && memcmp(m->path, vfs->scratch, m->path_len) == 0) {
            return ROMFS_ERR_PERM;
        }
    }
    if (slot == NULL)
        return ROMFS_ERR_NOMEM;
    slot->fs = fs;
    memcpy(slot->path, vfs->scratch, (size_t)plen + 1);
    slot->path_len = (size_t)plen;
    return 0;
}

int romfs_vfs_mount_file(romfs_vfs_t *vfs, const char *file_path, const char *path,
                         unsigned flags)
{
    romfs_vfs_file_t f;
    int err = romfs_vfs_open(vfs, &f, file_path, "rb");
    if (err)
        return err;
    /* The nested image is the file's bytes where they lie: no copy. */
    return romfs_vfs_mount(vfs, path, f.file.data, f.file.size, flags);
}

/* 1 when p names "/", a virtual directory or a mount root: the places a
 * current directory may be. */
static int is_dir_root(const romfs_vfs_t *vfs, const char *p, size_t plen)
{
    const char *rel;
    const romfs_vfs_mount_t *m = find_mount(vfs, p, plen, &rel);
    return leads_to_mount(vfs, p, plen) || (m != NULL && (*rel == '\0' || (rel[0] == '/' && rel[1] == '\0')));
}

int romfs_vfs_umount(romfs_vfs_t *vfs, const char *path)
{
    int plen = path_resolve(vfs, path);
    if (plen < 0)
        return plen;
    for (size_t i = 0; i < ROMFS_VFS_MAX_MOUNTS; i++) {
        romfs_vfs_mount_t *m = &vfs->mounts[i];
        if (m->path_len != (size_t)plen || memcmp(m->path, vfs->scratch, m->path_len) != 0)
            continue;
        memset(m, 0, sizeof *m);
        if (!is_dir_root(vfs, vfs->cwd, strlen(vfs->cwd))) {
            vfs->cwd[0] = '/';
            vfs->cwd[1] = '\0';
        }
        return 0;
    }
    return ROMFS_ERR_INVAL;
}

const romfs_t *romfs_vfs_mounted(romfs_vfs_t *vfs, const char *path)
{
    int plen = path_resolve(vfs, path);
    if (plen < 0)
        return NULL;
    for (size_t i = 0; i < ROMFS_VFS_MAX_MOUNTS; i++) {
        const romfs_vfs_mount_t *m = &vfs->mounts[i];
        if (m->path_len == (size_t)plen && memcmp(m->path, vfs->scratch, m->path_len) == 0)
            return &m->fs;
    }
    return NULL;
}

/* Stat the already resolved path in vfs->scratch. A virtual directory wins
 * over what the image says about the same path: the mount below shadows it. */
static int stat_resolved(romfs_vfs_t *vfs, size_t plen, romfs_info_t *info,
                         const romfs_vfs_mount_t **mount)
{
    const char *rel;
    const romfs_vfs_mount_t *m = find_mount(vfs, vfs->scratch, plen, &rel);
    int virt = leads_to_mount(vfs, vfs->scratch, plen);
    *mount = NULL;
    if (m != NULL) {
        int err = romfs_stat(&m->fs, rel, info);
        if (err == 0 && (info->type == ROMFS_TYPE_DIR || !virt)) {
            *mount = m;
            return 0;
        }
        if (!virt)
            return mp_error(err);
    } else if (!virt) {
        return ROMFS_ERR_NODEV;
    }
    virtual_info(info);
    return 0;
}

/* path resolved into vfs->scratch, then looked up (what stat, open and
 * opendir share): the resolved length, or a negative error. */
static int stat_path(romfs_vfs_t *vfs, const char *path, romfs_info_t *info, const romfs_vfs_mount_t **mount)
{
    int plen = path_resolve(vfs, path);
    if (plen < 0)
        return plen;
    int err = stat_resolved(vfs, (size_t)plen, info, mount);
    return err < 0 ? err : plen;
}

int romfs_vfs_stat(romfs_vfs_t *vfs, const char *path, romfs_info_t *info)
{
    const romfs_vfs_mount_t *m;
    int r = stat_path(vfs, path, info, &m);
    return r < 0 ? r : 0;
}

int romfs_vfs_open(romfs_vfs_t *vfs, romfs_vfs_file_t *file, const char *path, const char *mode)
{
    unsigned flags = 0;
    /* MicroPython checks the mode before the path; unknown letters pass. */
    for (const char *c = mode ? mode : "r"; *c; c++) {
        if (*c == 'w' || *c == 'a' || *c == '+' || *c == 'x')
            return ROMFS_ERR_ROFS;
        if (*c == 'b')
            flags |= ROMFS_VFS_O_BINARY;
        else if (*c == 't')
            flags &= ~(unsigned)ROMFS_VFS_O_BINARY;
    }
    romfs_info_t info;
    const romfs_vfs_mount_t *m;
    int err = stat_path(vfs, path, &info, &m);
    if (err < 0)
        return err;
    if ((err = romfs_file_open_info(&file->file, &info)) != 0)
        return err;
    file->flags = flags;
    return 0;
}

int romfs_vfs_statvfs(romfs_vfs_t *vfs, const char *path, romfs_statvfs_t *st)
{
    const char *rel;
    int plen = path_resolve(vfs, path);
    if (plen < 0)
        return plen;
    const romfs_vfs_mount_t *m = find_mount(vfs, vfs->scratch, (size_t)plen, &rel);
    if (m != NULL) {
        romfs_statvfs(&m->fs, st);
        return 0;
    }
    if (!leads_to_mount(vfs, vfs->scratch, (size_t)plen))
        return ROMFS_ERR_NODEV;
    memset(st, 0, sizeof *st);
    return 0;
}

int romfs_vfs_dir_open(romfs_vfs_t *vfs, romfs_vfs_dir_t *dir, const char *path)
{
    romfs_info_t info;
    const romfs_vfs_mount_t *m;
    int plen = stat_path(vfs, path, &info, &m);
    if (plen < 0)
        return plen;
    int err;
    if (info.type != ROMFS_TYPE_DIR)
        return ROMFS_ERR_NOENT;
    memset(dir, 0, sizeof *dir);
    dir->vfs = vfs;
    dir->mount = m;
    if (m != NULL && (err = romfs_dir_open_info(&m->fs, &dir->dir, &info)) != 0)
        return err;
    /* Mount paths are shorter than ROMFS_VFS_MOUNT_PATH_MAX, so a longer
     * listed path cannot have mounts below it: no need to keep it. */
    if ((size_t)plen < ROMFS_VFS_MOUNT_PATH_MAX) {
        memcpy(dir->prefix, vfs->scratch, (size_t)plen + 1);
        dir->prefix_len = (size_t)plen;
    }
    return 0;
}

/* The component of mount m right below the listed path, or NULL when m
 * does not lie below it. */
static const char *child_component(const romfs_vfs_dir_t *dir, const romfs_vfs_mount_t *m,
                                   size_t *len)
{
    size_t plen = dir->prefix_len;
    if (plen == 0 || m->path_len <= plen || memcmp(m->path, dir->prefix, plen) != 0)
        return NULL;
    size_t start = plen;
    if (plen > 1) {
        if (m->path[plen] != '/')
            return NULL;
        start++;
    } else {
        start = 1;
    }
    size_t end = start;
    while (end < m->path_len && m->path[end] != '/')
        end++;
    *len = end - start;
    return m->path + start;
}

/* 1 when one of mounts[0..upto) lies below the listed path through the
 * component name: that name is listed (once) as a mount point. */
static int component_taken(const romfs_vfs_dir_t *dir, size_t upto, const uint8_t *name,
                           size_t len)
{
    for (size_t j = 0; j < upto; j++) {
        size_t clen;
        const char *c = child_component(dir, &dir->vfs->mounts[j], &clen);
        if (c != NULL && clen == len && memcmp(c, name, len) == 0)
            return 1;
    }
    return 0;
}

int romfs_vfs_dir_read(romfs_vfs_dir_t *dir, romfs_info_t *info)
{
    while (dir->next_slot < ROMFS_VFS_MAX_MOUNTS) {
        size_t i = dir->next_slot++, clen;
        const char *c = child_component(dir, &dir->vfs->mounts[i], &clen);
        if (c == NULL || component_taken(dir, i, (const uint8_t *)c, clen))
            continue;
        virtual_info(info);
        info->name = (const uint8_t *)c;
        info->name_len = clen;
        return 1;
    }
    if (dir->mount == NULL)
        return 0;
    for (;;) {
        int r = romfs_dir_read(&dir->dir, info);
        if (r <= 0)
            return mp_error(r);
        if (info->flags & ROMFS_INFO_UNSAFE_NAME)
            continue;
        if (component_taken(dir, ROMFS_VFS_MAX_MOUNTS, info->name, info->name_len))
            continue;
        return 1;
    }
}

int romfs_vfs_chdir(romfs_vfs_t *vfs, const char *path)
{
    const char *rel;
    int plen = path_resolve(vfs, path);
    if (plen < 0)
        return plen;
    if (!is_dir_root(vfs, vfs->scratch, (size_t)plen)) {
        /* Inside an image only its root is a valid cwd, as VfsRom.chdir. */
        if (find_mount(vfs, vfs->scratch, (size_t)plen, &rel) != NULL)
            return ROMFS_ERR_OPNOTSUPP;
        return ROMFS_ERR_NODEV;
    }
    memcpy(vfs->cwd, vfs->scratch, (size_t)plen + 1);
    return 0;
}

const char *romfs_vfs_getcwd(const romfs_vfs_t *vfs)
{
    return vfs->cwd;
}

int romfs_vfs_mkdir(romfs_vfs_t *vfs, const char *path)
{
    (void)vfs;
    (void)path;
    return ROMFS_ERR_OPNOTSUPP;
}

int romfs_vfs_remove(romfs_vfs_t *vfs, const char *path)
{
    (void)vfs;
    (void)path;
    return ROMFS_ERR_OPNOTSUPP;
}

int romfs_vfs_rmdir(romfs_vfs_t *vfs, const char *path)
{
    (void)vfs;
    (void)path;
    return ROMFS_ERR_OPNOTSUPP;
}

int romfs_vfs_rename(romfs_vfs_t *vfs, const char *from, const char *to)
{
    (void)vfs;
    (void)from;
    (void)to;
    return ROMFS_ERR_OPNOTSUPP;
}
