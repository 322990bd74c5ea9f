# SPDX-License-Identifier: MIT
# Test only: upstream's VfsRom as upstream_vfsrom.VfsRom, beside
# port/micropython's vfs.VfsRom (see upstream_vfsrom.c).
SRC_USERMOD_C += $(USERMOD_DIR)/upstream_vfsrom.c
