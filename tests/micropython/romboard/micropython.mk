# SPDX-License-Identifier: MIT
# A writable ROM partition for real MicroPython from romfs's device layer
# (romboard.c). Build with USER_C_MODULES="<romfs>/port/micropython <this>";
# for the unix port also VARIANT_DIR=<this>/variant (turns vfs.rom_ioctl on).
ROMFS_ROMBOARD_DIR := $(USERMOD_DIR)
SRC_USERMOD_C += $(ROMFS_ROMBOARD_DIR)/romboard.c
CFLAGS_USERMOD += -I$(ROMFS_ROMBOARD_DIR)/../../../include -I$(ROMFS_ROMBOARD_DIR)/../../support
# The port's own mp_vfs_rom_ioctl (unix: main.c, a fixed empty image; qemu:
# vfs_rom_ioctl.c, read-only) gives way to this one: renamed, unreferenced,
# dropped by --gc-sections.
$(BUILD)/main.o: CFLAGS += -Dmp_vfs_rom_ioctl=mp_vfs_rom_ioctl_port_unused
$(BUILD)/vfs_rom_ioctl.o: CFLAGS += -Dmp_vfs_rom_ioctl=mp_vfs_rom_ioctl_port_unused
