/* SPDX-License-Identifier: MIT */
/*
 * Test only: MicroPython's own VfsRom (extmod/vfs_rom.c), which
 * port/micropython/vfsrom/micropython.mk renames to mp_type_vfs_rom_upstream when
 * its module takes vfs.VfsRom's place, exposed as upstream_vfsrom.VfsRom. One
 * unix build then holds both, and the mutant corpus (mutants.py) runs
 * against each side by side.
 */
#include "py/runtime.h"

#if MICROPY_VFS_ROM

extern const mp_obj_type_t mp_type_vfs_rom_upstream;

static const mp_rom_map_elem_t upstream_vfsrom_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_upstream_vfsrom) },
    { MP_ROM_QSTR(MP_QSTR_VfsRom), MP_ROM_PTR(&mp_type_vfs_rom_upstream) },
};
static MP_DEFINE_CONST_DICT(upstream_vfsrom_globals, upstream_vfsrom_globals_table);

const mp_obj_module_t upstream_vfsrom_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&upstream_vfsrom_globals,
};

MP_REGISTER_MODULE(MP_QSTR_upstream_vfsrom, upstream_vfsrom_module);

#endif
