#!/bin/bash
# SPDX-License-Identifier: MIT
# romfs images on MicroPython's Cortex-M3 firmware (QEMU MPS2_AN385):
# see lib-firmware.sh.
BOARD=m3 PART=0x21000000 MARCH=armv7em FW=firmware-m3.elf
. "$(dirname "$0")/lib-firmware.sh"
