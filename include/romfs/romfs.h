/* SPDX-License-Identifier: MIT */
/*
 * libromfs reader: mount a MicroPython ROMFS image held in memory and read it
 * in place.
 *
 * The reader never allocates, prints, or keeps global state; the caller owns
 * every struct. It depends only on <stdint.h>, <stddef.h> and <string.h>, so
 * it builds freestanding for firmware. Every length read from the image is
 * checked against the bytes that remain in its parent record: a corrupt image
 * yields ROMFS_ERR_CORRUPT, never a byte from outside the image.
 *
 * The format is described in FORMAT.md (share/doc/romfs/ once installed).
 */
#ifndef ROMFS_ROMFS_H
#define ROMFS_ROMFS_H

#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/// Version info ///

#define ROMFS_VERSION_MAJOR 0
#define ROMFS_VERSION_MINOR 1
#define ROMFS_VERSION_PATCH 0
#define ROMFS_VERSION_STRING "0.1.0"
/* One number for #if: MAJOR * 10000 + MINOR * 100 + PATCH (0.1.0 is 100).
 * CMake reads the three parts above and checks the string against them. */
#define ROMFS_VERSION (ROMFS_VERSION_MAJOR * 10000 + ROMFS_VERSION_MINOR * 100 + ROMFS_VERSION_PATCH)

/* The version of the linked library (romfs_reader), e.g. "0.1.0". */
const char *romfs_version(void);

/// Definitions ///

/* Errors are negative errno values (Linux numbering), so callers can map
 * them without a table; one space for every library (reader, device, host,
 * board), and romfs_strerror() names each. Corruption has its own code, apart from I/O errors
 * (as littlefs keeps LFS_ERR_CORRUPT apart from LFS_ERR_IO): the reader
 * returns ROMFS_ERR_CORRUPT for a corrupt image and never ROMFS_ERR_IO, so
 * a failing flash or disk is never reported as a bad image. Its value is
 * Linux's EUCLEAN, which Linux filesystems (ext4, XFS, erofs) return as
 * EFSCORRUPTED for corrupt metadata. The mount table (romfs_vfs.h) maps it
 * to ROMFS_ERR_IO, the number MicroPython raises. */
enum romfs_error {
    ROMFS_ERR_OK = 0,
    ROMFS_ERR_PERM = -1,        /* operation not permitted (mkfs) */
    ROMFS_ERR_NOENT = -2,       /* no such file or directory */
    ROMFS_ERR_IO = -5,          /* I/O error (flash, disk, device) */
    ROMFS_ERR_BADF = -9,        /* handle not open */
    ROMFS_ERR_NOMEM = -12,      /* caller-provided storage exhausted */
    ROMFS_ERR_BUSY = -16,       /* mount point in use */
    ROMFS_ERR_EXIST = -17,      /* already exists / already mounted */
    ROMFS_ERR_NODEV = -19,      /* not a ROMFS image */
    ROMFS_ERR_NOTDIR = -20,     /* a path component is a file */
    ROMFS_ERR_ISDIR = -21,      /* is a directory */
    ROMFS_ERR_INVAL = -22,      /* invalid argument */
    ROMFS_ERR_NOSPC = -28,      /* no space left (partition too small) */
    ROMFS_ERR_ROFS = -30,       /* read-only filesystem */
    ROMFS_ERR_NAMETOOLONG = -36,
    ROMFS_ERR_OVERFLOW = -75,   /* value does not fit */
    ROMFS_ERR_OPNOTSUPP = -95,  /* operation not supported */
    ROMFS_ERR_CORRUPT = -117,   /* corrupt image: a record out of bounds etc. (EUCLEAN) */
    /* Boards (romfs_board.h), each with the errno whose meaning is nearest: */
    ROMFS_ERR_NOBOARD = -6,     /* no board found, or the device cannot be opened (ENXIO) */
    ROMFS_ERR_CLOSED = -32,     /* the connection to the board was lost (EPIPE) */
    ROMFS_ERR_NOROMFS = -38,    /* the board has no ROMFS support: no vfs.rom_ioctl (ENOSYS) */
    ROMFS_ERR_PROTOCOL = -71,   /* the board answered something unexpected (EPROTO) */
    ROMFS_ERR_TIMEOUT = -110,   /* the board stopped answering (ETIMEDOUT) */
    ROMFS_ERR_RAISED = -121,    /* code raised an exception on the board (EREMOTEIO) */
    ROMFS_ERR_NOPART = -123,    /* no such ROM partition on the board (ENOMEDIUM) */
    ROMFS_ERR_CANCELED = -125,  /* romfs_board_cancel ended the call (ECANCELED) */
};

/* Record kinds (FORMAT.md). */
enum romfs_kind {
    ROMFS_KIND_UNUSED = 0,
    ROMFS_KIND_PADDING = 1,
    ROMFS_KIND_DATA_VERBATIM = 2,
    ROMFS_KIND_DATA_POINTER = 3,
    ROMFS_KIND_DIRECTORY = 4,
    ROMFS_KIND_FILE = 5,
    ROMFS_KIND_FILESYSTEM = 0x14a6b1,
};

/* The encoded filesystem kind: "RM1" with the high bit set on R and M. */
#define ROMFS_MAGIC0 0xd2
#define ROMFS_MAGIC1 0xcd
#define ROMFS_MAGIC2 0x31
/* The smallest image: magic plus a one-byte zero length. */
#define ROMFS_SIZE_MIN 4
/* What statvfs reports as the longest name, as MicroPython does. */
#define ROMFS_NAME_MAX 32767

enum romfs_type {
    ROMFS_TYPE_FILE = 1,
    ROMFS_TYPE_DIR = 2,
};

/* st_mode values as MicroPython reports them in stat() and ilistdir(). */
#define ROMFS_S_IFDIR 0x4000
#define ROMFS_S_IFREG 0x8000

/* Flags in romfs_info.flags. */
/* The entry's name is empty, ".", "..", or holds '/' or NUL: path lookup
 * never matches it and tools must not turn it into a host path. */
#define ROMFS_INFO_UNSAFE_NAME 0x1

/* A mounted image. Fill with romfs_mount(); treat as read-only. */
typedef struct romfs {
    const uint8_t *image;   /* first byte of the image (the magic) */
    size_t image_len;       /* bytes the caller handed to romfs_mount */
    const uint8_t *fs;      /* first byte of the filesystem payload */
    const uint8_t *fs_end;  /* one past the last byte of the payload */
} romfs_t;

/* What stat() and directory iteration report about one entry. */
typedef struct romfs_info {
    int type;                 /* ROMFS_TYPE_FILE or ROMFS_TYPE_DIR */
    unsigned flags;           /* ROMFS_INFO_* */
    size_t size;              /* file: data length; dir: payload after the name */
    const uint8_t *data;      /* file: its bytes (zero-copy); dir: first child record */
    const uint8_t *name;      /* entry name bytes (not NUL-terminated); root: "" */
    size_t name_len;
    size_t record_offset;     /* image offset of the entry's record (0 for root) */
} romfs_info_t;

/* An open directory; the caller owns it, it holds no resources. */
typedef struct romfs_dir {
    const romfs_t *fs;
    const uint8_t *pos;   /* next record to read */
    const uint8_t *end;   /* end of the directory payload */
} romfs_dir_t;

/* An open file; the caller owns it, it holds no resources. */
typedef struct romfs_file {
    const uint8_t *data;
    size_t size;
    size_t pos;
} romfs_file_t;

/* What statvfs() reports, with MicroPython's values. */
typedef struct romfs_statvfs {
    uint32_t bsize;     /* 1 */
    uint32_t frsize;    /* 0 */
    size_t blocks;      /* length of the filesystem payload in bytes */
    uint32_t namemax;   /* ROMFS_NAME_MAX */
} romfs_statvfs_t;

enum romfs_whence {
    ROMFS_SEEK_SET = 0,
    ROMFS_SEEK_CUR = 1,
    ROMFS_SEEK_END = 2,
};

/// Low-level decoding ///

/* Decode one varuint at *p, never reading at or past end. Leading 0x80
 * bytes are padding. Returns 0 and advances *p, ROMFS_ERR_CORRUPT when the
 * varuint runs past end, ROMFS_ERR_OVERFLOW when its value exceeds SIZE_MAX
 * (*p and *value are unchanged on an error). */
int romfs_decode_uint(const uint8_t **p, const uint8_t *end, size_t *value);

/* One record header: kind, payload bounds. */
typedef struct romfs_record {
    size_t kind;
    const uint8_t *start;     /* first byte of the record (its kind varuint) */
    const uint8_t *payload;   /* first byte of the payload */
    const uint8_t *next;      /* one past the payload: the next sibling */
} romfs_record_t;

/* Decode the record at p, which must end at or before end (its parent's end).
 * Returns 0, or ROMFS_ERR_CORRUPT when its header or payload does not fit in
 * [p, end) or a varuint of its header exceeds SIZE_MAX (a record that large
 * cannot fit in memory either). */
int romfs_record_decode(const uint8_t *p, const uint8_t *end, romfs_record_t *rec);

/* 1 when a name is safe as one path component (non-empty, not "." or "..",
 * no '/' and no NUL), else 0. */
int romfs_name_is_safe(const uint8_t *name, size_t len);

/// Mounting ///

/* Mount the image in [image, image+len). The memory must stay valid and
 * unchanged while the romfs_t is used. Returns 0, or ROMFS_ERR_NODEV when it
 * is too short, has the wrong magic, or its filesystem record overruns len. */
int romfs_mount(romfs_t *fs, const void *image, size_t len);

/* Bytes used by the filesystem record itself (magic, length, payload); may be
 * less than the length handed to romfs_mount (a partition's unused tail). */
size_t romfs_image_size(const romfs_t *fs);

/* Fill st with MicroPython's statvfs values for this image. */
void romfs_statvfs(const romfs_t *fs, romfs_statvfs_t *st);

/// Lookup ///

/* Look up path ("" and "/" are the root; an optional leading '/'; components
 * separated by '/'). Returns 0 with *info filled, ROMFS_ERR_NOENT when it does
 * not exist, ROMFS_ERR_CORRUPT when a record on the way is corrupt. On an
 * error *info holds nothing useful. */
int romfs_stat(const romfs_t *fs, const char *path, romfs_info_t *info);

/* As romfs_stat, with an explicit length (path need not be NUL-terminated). */
int romfs_stat_n(const romfs_t *fs, const char *path, size_t path_len, romfs_info_t *info);

/// Directories ///

/* Open the directory at path. Returns 0, ROMFS_ERR_NOENT, ROMFS_ERR_NOTDIR
 * when it is a file, or ROMFS_ERR_CORRUPT. */
int romfs_dir_open(const romfs_t *fs, romfs_dir_t *dir, const char *path);

/* Open the directory described by info (from romfs_stat or romfs_dir_read). */
int romfs_dir_open_info(const romfs_t *fs, romfs_dir_t *dir, const romfs_info_t *info);

/* Read the next entry. Returns 1 with *info filled, 0 at the end, or
 * ROMFS_ERR_CORRUPT at a corrupt record. When the record's own bounds were sound
 * (only its data is bad) the next call goes on after it; otherwise the
 * directory reads as ended. Entries flagged ROMFS_INFO_UNSAFE_NAME are
 * returned: callers that build host paths must skip or refuse them. */
int romfs_dir_read(romfs_dir_t *dir, romfs_info_t *info);

/// Files ///

/* Open the file at path for reading. Returns 0, ROMFS_ERR_NOENT,
 * ROMFS_ERR_ISDIR, or ROMFS_ERR_CORRUPT. */
int romfs_file_open(const romfs_t *fs, romfs_file_t *file, const char *path);

/* Open the file described by info. Returns 0 or ROMFS_ERR_ISDIR. */
int romfs_file_open_info(romfs_file_t *file, const romfs_info_t *info);

/* Copy up to n bytes from the current position; returns the count copied
 * (0 at the end of the file). */
size_t romfs_file_read(romfs_file_t *file, void *buf, size_t n);

/* Move the position as MicroPython does: past the end clamps to the size, a
 * position before the start is ROMFS_ERR_INVAL (the position is unchanged).
 * On success returns 0 and stores the new position in *newpos (may be NULL). */
int romfs_file_seek(romfs_file_t *file, int64_t offset, int whence, size_t *newpos);

/* The current position. */
size_t romfs_file_tell(const romfs_file_t *file);

/* Zero-copy access: the file's bytes and their count. */
const uint8_t *romfs_file_data(const romfs_file_t *file, size_t *size);

/// Errors ///

/* A short constant string for an error code ("no such file or directory"). */
const char *romfs_strerror(int err);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_ROMFS_H */
