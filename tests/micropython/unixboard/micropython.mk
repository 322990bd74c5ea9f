# SPDX-License-Identifier: MIT
# The unix port as a romfs test board: vfs.rom_ioctl from unixboard.c
# (romfs's device layer over emulated NOR flash in $ROMFS_UNIX_FLASH).
# Build with VARIANT_DIR=<this>/variant (turns MICROPY_VFS_ROM_IOCTL on) and
# USER_C_MODULES="<romfs>/port/micropython <this>".
ROMFS_UNIXBOARD_DIR := $(USERMOD_DIR)
SRC_USERMOD_C += $(ROMFS_UNIXBOARD_DIR)/unixboard.c
CFLAGS_USERMOD += -I$(ROMFS_UNIXBOARD_DIR)/../../../include -I$(ROMFS_UNIXBOARD_DIR)/../../support
# The port's own mp_vfs_rom_ioctl (main.c, a fixed empty image) gives way
# to this one: renamed, unreferenced, dropped by --gc-sections.
$(BUILD)/main.o: CFLAGS += -Dmp_vfs_rom_ioctl=mp_vfs_rom_ioctl_unix_unused
