#!/bin/bash
# SPDX-License-Identifier: MIT
# The Cortex-M3 firmware built with port/micropython's bounds-safe VfsRom
# (USER_C_MODULES): boots a romfs image at /rom and imports from it, as
# lib-firmware.sh checks for upstream's, and refuses an image whose file
# data points outside it.
BOARD=m3-safe PART=0x21000000 MARCH=armv7em FW=firmware-m3-safe.elf
. "$(dirname "$0")/lib-firmware.sh"
