# SPDX-License-Identifier: MIT
# Stand-ins installed in sys.modules at every (soft) boot of the emulated board.
#
# The npm build's own vfs.rom_ioctl cannot write, so `vfs` is replaced by an
# object that forwards every attribute to the real module except rom_ioctl,
# which works on the partition file through the JS module `_board` (NOR-flash
# rules are enforced there). `machine` provides the few calls a board has.
# _ROMFS, _BLOCKDEV, _RO (--read-only), _BS, _MINW and _HEAP (--heap, else
# 0) are defined by the emulator before this runs.
import sys
import vfs as _real_vfs
import _board

_EINVAL = 22


def _attach():
    # The partition as MicroPython's own ROM memory (outside the heap, as
    # flash is on a board; the emulator keeps it current after each erase
    # and program), else a copy in the heap (an emulator without attach).
    try:
        import uctypes

        m = _real_vfs.rom_ioctl(2, 0)
        if hasattr(_board, "attach") and isinstance(m, memoryview):
            _board.attach(uctypes.addressof(m))
            return m, True
    except Exception:
        pass
    return bytearray(_board.read()), False


_part, _LIVE = _attach() if _ROMFS else (None, False)

import uctypes as _uctypes


def _buf(b):
    # A buffer for _board as (address, length): an object passed to JS would
    # stay referenced until V8 finalizes its proxy (see the emulator).
    return _uctypes.addressof(b), len(b)


class _Vfs:
    def __getattr__(self, name):
        if name == "rom_ioctl":
            # Reached only when the board has no ROMFS (see below).
            raise AttributeError(name)
        return getattr(_real_vfs, name)


class _BlockDev:
    # The partition as a block device, as ports without memory-mapped ROM
    # partitions return it from rom_ioctl(2, id): erase with ioctl(6, block),
    # write with writeblocks (NOR rules still apply underneath).
    def ioctl(self, op, arg):
        if op == 4:
            return len(_part) // _BS
        if op == 5:
            return _BS
        if op == 6:
            end = _board.erase(arg * _BS, _BS, False)
            if end < 0:
                return end
            if not _LIVE:
                _part[arg * _BS : end] = b"\xff" * (end - arg * _BS)
            return 0
        if op in (1, 2, 3):
            return 0
        return -_EINVAL

    def readblocks(self, block, buf, off=0):
        a = block * _BS + off
        buf[:] = _part[a : a + len(buf)]

    def writeblocks(self, block, buf, off=0):
        a = block * _BS + off
        r = _board.program(a, *_buf(buf))
        if r < 0:
            raise OSError(-r)
        if not _LIVE:
            _part[a : a + len(buf)] = buf


def _rom_ioctl(op, *args):
    if op == 1:
        return 1
    if not args or args[0] != 0:
        return -_EINVAL
    n = len(args)
    if _RO and 3 <= op <= 6:
        return -_EINVAL  # as the QEMU firmware: no write support at all
    if _BLOCKDEV and op == 2 and n == 1:
        return _BlockDev()
    if _BLOCKDEV and op in (3, 4):
        return -_EINVAL
    if op == 2 and n == 1:
        # Tracks every write, like a memoryview of memory-mapped flash.
        return memoryview(_part)
    if op == 3 and n in (2, 3):
        off, length = (0, args[1]) if n == 2 else (args[1], args[2])
        end = _board.erase(off, length, n == 2)
        if end < 0:
            return end
        start = off
        if end > start and not _LIVE:
            _part[start:end] = b"\xff" * (end - start)
        return _MINW
    if op == 4 and n == 3:
        off, buf = args[1], args[2]
        r = _board.program(off, *_buf(buf))
        if r < 0:
            raise OSError(-r)
        if not _LIVE:
            _part[off : off + len(buf)] = buf
        return 0
    if op == 5 and n == 1:
        return 0
    if op == 6 and n == 1:
        return _BS
    return -_EINVAL


# Boot mounted /rom from a copy of the partition; remount it over _part so
# the board reads its flash live, as memory-mapped flash on a port does.
if _ROMFS:
    try:
        _real_vfs.umount("/rom")
        _real_vfs.mount(_real_vfs.VfsRom(memoryview(_part)), "/rom")
    except OSError:
        pass  # nothing valid was mounted at boot

_vfs = _Vfs()
if _ROMFS:
    _vfs.rom_ioctl = _rom_ioctl
sys.modules["vfs"] = _vfs


class _Machine:
    def soft_reset(self):
        _board.reset(0)
        raise SystemExit

    def reset(self):
        _board.reset(1)
        raise SystemExit

    def unique_id(self):
        return bytes(_board.uid())


sys.modules["machine"] = _Machine()
del _Vfs, _Machine

# --heap: this build's gc.mem_free() counts the heap it could still add
# (mem_info's "max new split", 128 MiB); a board with --heap bytes reports
# no more than that minus what is in use, so code that sizes its work by
# the free heap sizes it as it would on that board.
if _HEAP:
    import gc as _real_gc

    class _Gc:
        def __getattr__(self, name):
            return getattr(_real_gc, name)

        def mem_free(self):
            return max(0, min(_real_gc.mem_free(), _HEAP - _real_gc.mem_alloc()))

    sys.modules["gc"] = _Gc()
    del _Gc

    # This build's base64 functions allocate many times their output
    # (measured: b2a_base64 of 1500 bytes 5.4 MB, a2b_base64 of 2000
    # characters 58 KB); a board's allocate the output. These go through
    # JS and allocate two to three times it, which is what a board with
    # --heap bytes sees.
    import binascii as _real_binascii

    class _Binascii:
        def __getattr__(self, name):
            return getattr(_real_binascii, name)

        def a2b_base64(self, data):
            h = _board.b64d(*_buf(data))
            if h is None:
                raise ValueError("incorrect padding")
            return bytes.fromhex(h)

        def b2a_base64(self, data, newline=True):
            return _board.b64e(*_buf(data), newline).encode()

    sys.modules["binascii"] = _Binascii()
    del _Binascii
