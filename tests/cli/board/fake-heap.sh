# SPDX-License-Identifier: MIT
# The emulated board, then its heap figures once the host hangs up, for
# heap.sh: `sh fake-heap.sh REPORT EMULATOR-ARGS...`. MicroPython's heap
# here grows when it must; "GC: total" in REPORT is how big it had to get.
report=$1
shift
{ cat; printf '\001import micropython\r\nmicropython.mem_info()\004'; } |
    node "$(dirname "$0")/../../../board/emulator.mjs" "$@" | tee "$report"
