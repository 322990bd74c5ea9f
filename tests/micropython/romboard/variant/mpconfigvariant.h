/* SPDX-License-Identifier: MIT */
/* The unix port's standard variant with vfs.rom_ioctl and the boot mount of
 * ROM partition 0 at /rom (tests/micropython/romboard). */
#define MICROPY_CONFIG_ROM_LEVEL (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)
#include "variants/mpconfigvariant_common.h"
#undef MICROPY_VFS_ROM_IOCTL
#define MICROPY_VFS_ROM_IOCTL (1)
