/* SPDX-License-Identifier: MIT */
/*
 * libromfs mount table: paths -> mounted ROMFS images, as MicroPython's vfs
 * module arranges them (vfs.mount(vfs.VfsRom(buf), "/rom")).
 *
 * Errors are MicroPython's: a corrupt image, which the reader reports as
 * ROMFS_ERR_CORRUPT, is ROMFS_ERR_IO here (MicroPython's EIO).
 *
 * The caller owns the table (romfs_vfs_t, a few hundred bytes, sized at
 * compile time) and every handle. No heap, no stdio, no global state; the
 * images themselves stay in the caller's memory (flash) and are read in place.
 * One table is not safe for concurrent use: calls share a scratch buffer.
 *
 * Paths. Relative paths are joined to the table's current directory; then
 * ".", ".." and repeated '/' are resolved lexically here (".." at "/" stays
 * at "/"), so an image never sees them. A path belongs to the mount whose
 * path is its longest prefix (whole components). A path that is not inside
 * any mount but leads to one ("/" always, "/a" when "/a/b" is mounted) is a
 * virtual directory: it stats as a directory of size 0 and lists the next
 * component of each mount below it. Anything else is ROMFS_ERR_NODEV, as in
 * MicroPython ("no mount point").
 *
 * Differences from MicroPython 1.29, all documented in EMBEDDED.md (share/doc/romfs/):
 * nested mounts ("/rom/sub" inside "/rom") are allowed (MicroPython: EPERM);
 * the root lists the first component of each mount path (MicroPython: the
 * whole path minus the leading '/'); ".." is resolved instead of being
 * passed to the image (where it never matches: ENOENT); opening "/" gives
 * ROMFS_ERR_ISDIR (MicroPython: EPERM); getcwd inside a mount returns the
 * mount path (VfsRom has no getcwd).
 */
#ifndef ROMFS_ROMFS_VFS_H
#define ROMFS_ROMFS_VFS_H

#include "romfs/romfs.h"

#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/// Definitions ///

/* ROMFS_VFS_MAX_MOUNTS (mount slots in one table), ROMFS_VFS_MOUNT_PATH_MAX
 * (longest mount path, NUL included) and ROMFS_VFS_PATH_MAX (longest
 * resolved path, NUL included): romfs_config.h. An installed library fixes
 * them; compiling against it with other values is an #error. */
#include "romfs/romfs_config.h"

/* Flags for romfs_vfs_mount(); MicroPython's mount(readonly=, mkfs=). */
#define ROMFS_VFS_MOUNT_READONLY 0x1 /* accepted, always true */
#define ROMFS_VFS_MOUNT_MKFS 0x2     /* refused with ROMFS_ERR_PERM */

/* Flags in romfs_vfs_file_t.flags. */
#define ROMFS_VFS_O_BINARY 0x1 /* mode held 'b' (last of 'b'/'t' wins) */

/* One mount slot; path_len == 0 marks it free. */
typedef struct romfs_vfs_mount {
    romfs_t fs;
    size_t path_len;
    char path[ROMFS_VFS_MOUNT_PATH_MAX];
} romfs_vfs_mount_t;

/* A mount table. Initialise with romfs_vfs_init(). */
typedef struct romfs_vfs {
    romfs_vfs_mount_t mounts[ROMFS_VFS_MAX_MOUNTS];
    char cwd[ROMFS_VFS_PATH_MAX];     /* "/", a virtual directory or a mount root */
    char scratch[ROMFS_VFS_PATH_MAX]; /* the path being resolved */
} romfs_vfs_t;

/* An open file: use the reader's romfs_file_* calls on .file. */
typedef struct romfs_vfs_file {
    romfs_file_t file;
    unsigned flags; /* ROMFS_VFS_O_* */
} romfs_vfs_file_t;

/* An open directory listing. Mount points below the listed path come
 * first (table slot order), then the image's entries, minus entries whose
 * name is unsafe or is shadowed by a mount point. */
typedef struct romfs_vfs_dir {
    const romfs_vfs_t *vfs;
    const romfs_vfs_mount_t *mount; /* image being listed, or NULL */
    romfs_dir_t dir;
    size_t next_slot;               /* mount-point phase position */
    size_t prefix_len;              /* 0: no mount can lie below the path */
    char prefix[ROMFS_VFS_MOUNT_PATH_MAX];
} romfs_vfs_dir_t;

/// Table ///

/* Empty the table and set the current directory to "/". */
void romfs_vfs_init(romfs_vfs_t *vfs);

/* Mount the image in [image, image+len) at path (absolute, or relative to
 * the current directory). Returns 0; ROMFS_ERR_NODEV when it is not an image;
 * ROMFS_ERR_PERM for ROMFS_VFS_MOUNT_MKFS or when path is already a mount
 * point; ROMFS_ERR_NAMETOOLONG; ROMFS_ERR_NOMEM when every slot is used;
 * ROMFS_ERR_INVAL for a NULL table, path or image, or unknown flags. */
int romfs_vfs_mount(romfs_vfs_t *vfs, const char *path, const void *image, size_t len,
                    unsigned flags);

/* Mount a file of an already mounted image that is itself a ROMFS image,
 * zero-copy: the new image is the file's bytes. Returns 0, ROMFS_ERR_NOENT,
 * ROMFS_ERR_ISDIR, ROMFS_ERR_IO, or romfs_vfs_mount's errors. */
int romfs_vfs_mount_file(romfs_vfs_t *vfs, const char *file_path, const char *path,
                         unsigned flags);

/* Unmount the image at exactly path. Returns 0, or ROMFS_ERR_INVAL when
 * nothing is mounted there (as MicroPython). Handles opened on it must not
 * be used afterwards; a current directory that no longer exists becomes "/". */
int romfs_vfs_umount(romfs_vfs_t *vfs, const char *path);

/* The image mounted at exactly path, or NULL. */
const romfs_t *romfs_vfs_mounted(romfs_vfs_t *vfs, const char *path);

/// Paths ///

/* Stat path. Returns 0 with *info filled (virtual directories: type DIR,
 * size 0, empty name), ROMFS_ERR_NOENT, ROMFS_ERR_IO for a corrupt entry,
 * ROMFS_ERR_NODEV outside every mount, ROMFS_ERR_NAMETOOLONG. */
int romfs_vfs_stat(romfs_vfs_t *vfs, const char *path, romfs_info_t *info);

/* Open path for reading with a Python mode string (NULL means "r"). Returns
 * 0; ROMFS_ERR_ROFS when mode holds 'w', 'a', '+' or 'x' (checked first, as
 * MicroPython); ROMFS_ERR_ISDIR; ROMFS_ERR_NOENT; ROMFS_ERR_IO; ROMFS_ERR_NODEV. */
int romfs_vfs_open(romfs_vfs_t *vfs, romfs_vfs_file_t *file, const char *path,
                   const char *mode);

/* Statvfs of the image holding path (MicroPython's values); a virtual
 * directory reports all zeros. Returns 0 or ROMFS_ERR_NODEV. */
int romfs_vfs_statvfs(romfs_vfs_t *vfs, const char *path, romfs_statvfs_t *st);

/// Directories ///

/* Open a listing of path. Returns 0, ROMFS_ERR_NOENT (also for a file, as
 * MicroPython's VfsRom.ilistdir), ROMFS_ERR_IO, ROMFS_ERR_NODEV. */
int romfs_vfs_dir_open(romfs_vfs_t *vfs, romfs_vfs_dir_t *dir, const char *path);

/* Next entry: returns 1 with *info filled (a mount point: type DIR, size 0,
 * name pointing into the table), 0 at the end, or ROMFS_ERR_IO at a corrupt
 * record (see romfs_dir_read for whether the listing can go on). */
int romfs_vfs_dir_read(romfs_vfs_dir_t *dir, romfs_info_t *info);

/// Current directory ///

/* Change the current directory. Only "/", virtual directories and mount
 * roots are valid (VfsRom semantics): a path inside an image is
 * ROMFS_ERR_OPNOTSUPP, a path outside every mount ROMFS_ERR_NODEV. */
int romfs_vfs_chdir(romfs_vfs_t *vfs, const char *path);

/* The current directory, absolute, NUL-terminated, owned by the table. */
const char *romfs_vfs_getcwd(const romfs_vfs_t *vfs);

/// Writing (refused) ///

/* ROMFS is read-only: these check nothing and return ROMFS_ERR_OPNOTSUPP. */
int romfs_vfs_mkdir(romfs_vfs_t *vfs, const char *path);
int romfs_vfs_remove(romfs_vfs_t *vfs, const char *path);
int romfs_vfs_rmdir(romfs_vfs_t *vfs, const char *path);
int romfs_vfs_rename(romfs_vfs_t *vfs, const char *from, const char *to);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_ROMFS_VFS_H */
