# SPDX-License-Identifier: MIT
# romfs's bounds-safe vfs.VfsRom as a MicroPython user C module, for the
# make-based ports: make USER_C_MODULES=<romfs>/port/micropython ...
# (see ../README.md, also for the CMake-based ports). The module is this
# folder, vfsrom/: its objects go to $(BUILD)/vfsrom/, clear of the unix
# port's program $(BUILD)/micropython.
ROMFS_VFSROM_DIR := $(USERMOD_DIR)
SRC_USERMOD_C += $(ROMFS_VFSROM_DIR)/vfs_rom_safe.c
CFLAGS_USERMOD += -I$(ROMFS_VFSROM_DIR)/../../../include

# Upstream's extmod/vfs_rom.c is still compiled (the port's Makefile lists
# it), but its type gets another name, so nothing refers to it and the
# linker's --gc-sections drops it; mp_type_vfs_rom is this module's. (The
# tests' unix build exports it as upstream_vfsrom.VfsRom, to compare.)
$(BUILD)/extmod/vfs_rom.o: CFLAGS += -Dmp_type_vfs_rom=mp_type_vfs_rom_upstream
