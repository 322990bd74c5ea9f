#!/bin/bash
# SPDX-License-Identifier: MIT
# romfs images on MicroPython's RISC-V firmware (QEMU VIRT_RV32): see
# lib-firmware.sh.
BOARD=rv32 PART=0x80610000 MARCH=rv32imc FW=firmware-rv32.elf
. "$(dirname "$0")/lib-firmware.sh"
