/* SPDX-License-Identifier: MIT */
/*
 * vfs.VfsRom for MicroPython on romfs's bounds-checked reader: a user C
 * module that takes the place of extmod/vfs_rom.c and vfs_rom_file.c with
 * the same Python type (constructor, mount, open, ilistdir, stat, statvfs,
 * chdir/getcwd, zero-copy files, the import hook, and through
 * mp_type_vfs_rom the boot mount of /rom). Every length read from the image
 * is checked against its parent record (src/reader/romfs.c), so a corrupt
 * image raises OSError or lists nothing, but never reads, or hands out a
 * memoryview of, memory outside the image.
 *
 * Add it with USER_C_MODULES=<romfs>/port/micropython (the module is its
 * folder vfsrom/; micropython.mk renames upstream's type so the linker
 * drops it); see ../README.md.
 */
#include <string.h>

#include "py/builtin.h"
#include "py/mperrno.h"
#include "py/runtime.h"
#include "py/stream.h"
#include "extmod/vfs.h"

#if MICROPY_VFS_ROM

/* The reader, compiled into this unit so the compiler sees every call. */
#include "../../../src/reader/romfs.c"

typedef struct {
    mp_obj_base_t base;
    mp_obj_t memory; /* keeps the image's buffer alive */
    romfs_t fs;
} vfs_rom_obj_t;

typedef struct {
    mp_obj_base_t base;
    romfs_file_t file;
} vfs_rom_file_obj_t;

extern const mp_obj_type_t mp_type_vfs_rom;
static const mp_obj_type_t vfs_rom_fileio_type;
static const mp_obj_type_t vfs_rom_textio_type;

static MP_NORETURN void raise_err(int err) {
    mp_raise_OSError(err == ROMFS_ERR_CORRUPT ? MP_EIO : MP_ENOENT);
}

/* Look path up; raises OSError when it does not exist or is corrupt. */
static void lookup(mp_obj_t self_in, mp_obj_t path_in, romfs_info_t *info) {
    vfs_rom_obj_t *self = MP_OBJ_TO_PTR(self_in);
    size_t len;
    const char *path = mp_obj_str_get_data(path_in, &len);
    int err = romfs_stat_n(&self->fs, path, len, info);
    if (err) {
        raise_err(err);
    }
}

static mp_obj_t vfs_rom_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    mp_buffer_info_t bufinfo;
    mp_get_buffer_raise(args[0], &bufinfo, MP_BUFFER_READ);
    vfs_rom_obj_t *self = mp_obj_malloc(vfs_rom_obj_t, type);
    self->memory = args[0];
    if (romfs_mount(&self->fs, bufinfo.buf, bufinfo.len) != 0) {
        mp_raise_OSError(MP_ENODEV);
    }
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t vfs_rom_mount(mp_obj_t self_in, mp_obj_t readonly, mp_obj_t mkfs) {
    (void)self_in;
    (void)readonly;
    if (mp_obj_is_true(mkfs)) {
        mp_raise_OSError(MP_EPERM);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(vfs_rom_mount_obj, vfs_rom_mount);

static mp_obj_t vfs_rom_open(mp_obj_t self_in, mp_obj_t path_in, mp_obj_t mode_in) {
    const char *mode = mp_obj_str_get_str(mode_in);
    const mp_obj_type_t *type = &vfs_rom_textio_type;
    for (; *mode; mode++) {
        if (*mode == 'w' || *mode == 'a' || *mode == '+') {
            mp_raise_OSError(MP_EROFS);
        } else if (*mode == 'b') {
            type = &vfs_rom_fileio_type;
        } else if (*mode == 't') {
            type = &vfs_rom_textio_type;
        }
    }
    romfs_info_t info;
    lookup(self_in, path_in, &info);
    if (info.type != ROMFS_TYPE_FILE) {
        mp_raise_OSError(MP_EISDIR);
    }
    /* As romfs_file_open_info, without the call (firmware size). */
    vfs_rom_file_obj_t *o = mp_obj_malloc(vfs_rom_file_obj_t, type);
    o->file.data = info.data;
    o->file.size = info.size;
    o->file.pos = 0;
    return MP_OBJ_FROM_PTR(o);
}
static MP_DEFINE_CONST_FUN_OBJ_3(vfs_rom_open_obj, vfs_rom_open);

static mp_obj_t vfs_rom_chdir(mp_obj_t self_in, mp_obj_t path_in) {
    (void)self_in;
    const char *path = mp_obj_str_get_str(path_in);
    if (!(path[0] == '/' && path[1] == '\0')) {
        /* Only the root, as upstream: subdirectories are not implemented. */
        mp_raise_OSError(MP_EOPNOTSUPP);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(vfs_rom_chdir_obj, vfs_rom_chdir);

static mp_obj_t vfs_rom_getcwd(mp_obj_t self_in) {
    (void)self_in;
    return MP_OBJ_NEW_QSTR(MP_QSTR_);
}
static MP_DEFINE_CONST_FUN_OBJ_1(vfs_rom_getcwd_obj, vfs_rom_getcwd);

typedef struct {
    mp_obj_base_t base;
    mp_fun_1_t iternext;
    romfs_dir_t dir;
    bool is_str;
} vfs_rom_ilistdir_it_t;

static mp_obj_t vfs_rom_ilistdir_it_iternext(mp_obj_t self_in) {
    vfs_rom_ilistdir_it_t *self = MP_OBJ_TO_PTR(self_in);
    romfs_info_t info;
    /* A corrupt record ends the listing, as upstream's does. */
    if (romfs_dir_read(&self->dir, &info) <= 0) {
        self->dir.pos = self->dir.end;
        return MP_OBJ_STOP_ITERATION;
    }
    mp_obj_t items[4] = {
        self->is_str ? mp_obj_new_str((const char *)info.name, info.name_len)
                     : mp_obj_new_bytes(info.name, info.name_len),
        MP_OBJ_NEW_SMALL_INT(info.type == ROMFS_TYPE_DIR ? MP_S_IFDIR : MP_S_IFREG),
        MP_OBJ_NEW_SMALL_INT(0),
        mp_obj_new_int_from_uint(info.size),
    };
    return mp_obj_new_tuple(4, items);
}

static mp_obj_t vfs_rom_ilistdir(mp_obj_t self_in, mp_obj_t path_in) {
    vfs_rom_obj_t *self = MP_OBJ_TO_PTR(self_in);
    romfs_info_t info;
    lookup(self_in, path_in, &info);
    vfs_rom_ilistdir_it_t *iter = mp_obj_malloc(vfs_rom_ilistdir_it_t, &mp_type_polymorph_iter);
    iter->iternext = vfs_rom_ilistdir_it_iternext;
    iter->is_str = mp_obj_get_type(path_in) == &mp_type_str;
    if (info.type != ROMFS_TYPE_DIR) {
        mp_raise_OSError(MP_ENOENT);
    }
    /* As romfs_dir_open_info, without the call (firmware size). */
    iter->dir.fs = &self->fs;
    iter->dir.pos = info.data;
    iter->dir.end = info.data + info.size;
    return MP_OBJ_FROM_PTR(iter);
}
static MP_DEFINE_CONST_FUN_OBJ_2(vfs_rom_ilistdir_obj, vfs_rom_ilistdir);

/* A 10-tuple of small ints, all 0 but items[0] and items[at]. */
static mp_obj_t tuple10(mp_int_t first, size_t at, mp_obj_t value) {
    mp_obj_tuple_t *t = MP_OBJ_TO_PTR(mp_obj_new_tuple(10, NULL));
    for (size_t i = 1; i < 10; i++) {
        t->items[i] = MP_OBJ_NEW_SMALL_INT(0);
    }
    t->items[0] = MP_OBJ_NEW_SMALL_INT(first);
    t->items[at] = value;
    return MP_OBJ_FROM_PTR(t);
}

static mp_obj_t vfs_rom_stat(mp_obj_t self_in, mp_obj_t path_in) {
    romfs_info_t info;
    lookup(self_in, path_in, &info);
    return tuple10(info.type == ROMFS_TYPE_DIR ? MP_S_IFDIR : MP_S_IFREG, 6, mp_obj_new_int_from_uint(info.size));
}
static MP_DEFINE_CONST_FUN_OBJ_2(vfs_rom_stat_obj, vfs_rom_stat);

static mp_obj_t vfs_rom_statvfs(mp_obj_t self_in, mp_obj_t path_in) {
    vfs_rom_obj_t *self = MP_OBJ_TO_PTR(self_in);
    (void)path_in;
    mp_obj_tuple_t *t = MP_OBJ_TO_PTR(tuple10(1, 2, mp_obj_new_int_from_uint(self->fs.fs_end - self->fs.fs)));
    t->items[9] = MP_OBJ_NEW_SMALL_INT(ROMFS_NAME_MAX);
    return MP_OBJ_FROM_PTR(t);
}
static MP_DEFINE_CONST_FUN_OBJ_2(vfs_rom_statvfs_obj, vfs_rom_statvfs);

static const mp_rom_map_elem_t vfs_rom_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_mount), MP_ROM_PTR(&vfs_rom_mount_obj) },
    { MP_ROM_QSTR(MP_QSTR_umount), MP_ROM_PTR(&mp_identity_obj) },
    { MP_ROM_QSTR(MP_QSTR_open), MP_ROM_PTR(&vfs_rom_open_obj) },
    { MP_ROM_QSTR(MP_QSTR_chdir), MP_ROM_PTR(&vfs_rom_chdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_getcwd), MP_ROM_PTR(&vfs_rom_getcwd_obj) },
    { MP_ROM_QSTR(MP_QSTR_ilistdir), MP_ROM_PTR(&vfs_rom_ilistdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_stat), MP_ROM_PTR(&vfs_rom_stat_obj) },
    { MP_ROM_QSTR(MP_QSTR_statvfs), MP_ROM_PTR(&vfs_rom_statvfs_obj) },
};
static MP_DEFINE_CONST_DICT(vfs_rom_locals_dict, vfs_rom_locals_dict_table);

static mp_import_stat_t vfs_rom_import_stat(void *self_in, const char *path) {
    vfs_rom_obj_t *self = self_in;
    romfs_info_t info;
    if (romfs_stat_n(&self->fs, path, strlen(path), &info) != 0) {
        return MP_IMPORT_STAT_NO_EXIST;
    }
    return info.type == ROMFS_TYPE_DIR ? MP_IMPORT_STAT_DIR : MP_IMPORT_STAT_FILE;
}

static const mp_vfs_proto_t vfs_rom_proto = {
    .import_stat = vfs_rom_import_stat,
};

MP_DEFINE_CONST_OBJ_TYPE(
    mp_type_vfs_rom,
    MP_QSTR_VfsRom,
    MP_TYPE_FLAG_NONE,
    make_new, vfs_rom_make_new,
    protocol, &vfs_rom_proto,
    locals_dict, &vfs_rom_locals_dict
    );

/// Files ///

static mp_int_t vfs_rom_file_get_buffer(mp_obj_t self_in, mp_buffer_info_t *bufinfo, mp_uint_t flags) {
    vfs_rom_file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (flags != MP_BUFFER_READ) {
        return 1; /* ROM cannot be written */
    }
    bufinfo->buf = (void *)self->file.data;
    bufinfo->len = self->file.size;
    bufinfo->typecode = 'B';
    return 0;
}

static mp_uint_t vfs_rom_file_read(mp_obj_t self_in, void *buf, mp_uint_t size, int *errcode) {
    vfs_rom_file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    (void)errcode;
    return romfs_file_read(&self->file, buf, size);
}

static mp_uint_t vfs_rom_file_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    vfs_rom_file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (request == MP_STREAM_SEEK) {
        struct mp_stream_seek_t *s = (struct mp_stream_seek_t *)arg;
        size_t pos;
        if (romfs_file_seek(&self->file, s->offset, s->whence, &pos) != 0) {
            *errcode = MP_EINVAL;
            return MP_STREAM_ERROR;
        }
        s->offset = pos;
        return 0;
    }
    if (request == MP_STREAM_CLOSE) {
        return 0;
    }
    *errcode = MP_EINVAL;
    return MP_STREAM_ERROR;
}

static const mp_rom_map_elem_t vfs_rom_file_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&mp_stream_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&mp_stream_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_readline), MP_ROM_PTR(&mp_stream_unbuffered_readline_obj) },
    { MP_ROM_QSTR(MP_QSTR_readlines), MP_ROM_PTR(&mp_stream_unbuffered_readlines_obj) },
    { MP_ROM_QSTR(MP_QSTR_seek), MP_ROM_PTR(&mp_stream_seek_obj) },
    { MP_ROM_QSTR(MP_QSTR_tell), MP_ROM_PTR(&mp_stream_tell_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&mp_identity_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&mp_stream___exit___obj) },
};
static MP_DEFINE_CONST_DICT(vfs_rom_file_locals_dict, vfs_rom_file_locals_dict_table);

static const mp_stream_p_t vfs_rom_fileio_stream_p = {
    .read = vfs_rom_file_read,
    .ioctl = vfs_rom_file_ioctl,
};

static MP_DEFINE_CONST_OBJ_TYPE(
    vfs_rom_fileio_type,
    MP_QSTR_FileIO,
    MP_TYPE_FLAG_ITER_IS_STREAM,
    buffer, vfs_rom_file_get_buffer,
    protocol, &vfs_rom_fileio_stream_p,
    locals_dict, &vfs_rom_file_locals_dict
    );

static const mp_stream_p_t vfs_rom_textio_stream_p = {
    .read = vfs_rom_file_read,
    .ioctl = vfs_rom_file_ioctl,
    .is_text = true,
};

static MP_DEFINE_CONST_OBJ_TYPE(
    vfs_rom_textio_type,
    MP_QSTR_TextIOWrapper,
    MP_TYPE_FLAG_ITER_IS_STREAM,
    protocol, &vfs_rom_textio_stream_p,
    locals_dict, &vfs_rom_file_locals_dict
    );

#endif /* MICROPY_VFS_ROM */
