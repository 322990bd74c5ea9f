# SPDX-License-Identifier: MIT
"""ctypes bindings to the shared libraries shipped in this package
(romfs/_native/lib: libromfs_reader, libromfs_device, libromfs_host and,
when present, libromfs_board). Loaded on first use, so `import romfs`
costs no library loading. The structures mirror include/romfs/*.h."""
import ctypes
import os
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_int64, c_long, c_size_t, c_uint,
                    c_uint32, c_uint64, c_void_p)

HERE = os.path.dirname(os.path.abspath(__file__))
NATIVE = os.environ.get("ROMFS_NATIVE_DIR") or os.path.join(HERE, "_native")
LIBDIR = os.path.join(NATIVE, "lib")
BINARY = os.path.join(NATIVE, "bin", "romfs")
EMULATOR = os.path.join(NATIVE, "share", "romfs", "board", "emulator.mjs")

# Error codes of romfs.h (negative errno values).
ERR_NOENT = -2
ERR_NOMEM = -12
ERR_NODEV = -19
ERR_NOTDIR = -20
ERR_ISDIR = -21
ERR_INVAL = -22
ERR_CORRUPT = -117

TYPE_FILE = 1
TYPE_DIR = 2
INFO_UNSAFE_NAME = 0x1


class romfs_t(Structure):
    _fields_ = [("image", c_void_p), ("image_len", c_size_t), ("fs", c_void_p), ("fs_end", c_void_p)]


class romfs_info_t(Structure):
    _fields_ = [("type", c_int), ("flags", c_uint), ("size", c_size_t), ("data", c_void_p),
                ("name", c_void_p), ("name_len", c_size_t), ("record_offset", c_size_t)]


class romfs_dir_t(Structure):
    _fields_ = [("fs", c_void_p), ("pos", c_void_p), ("end", c_void_p)]


class romfs_build_opts_t(Structure):
    _fields_ = [("align", c_uint32), ("keep_order", c_int)]


class romfs_dirscan_file_t(Structure):
    _fields_ = [("host_path", c_char_p), ("dir_path", c_char_p), ("name", c_void_p), ("name_len", c_size_t),
                ("note", c_void_p), ("root", c_int), ("rel_path", c_char_p), ("later", POINTER(c_void_p))]


ON_LINE = CFUNCTYPE(None, c_void_p, c_char_p)
ON_FILE = CFUNCTYPE(c_int, c_void_p, POINTER(romfs_dirscan_file_t))
ON_ERROR = CFUNCTYPE(None, c_void_p, c_char_p, c_char_p)
WRITE_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t)
CHECK_FN = CFUNCTYPE(None, c_void_p, c_int, c_size_t, c_char_p)


class romfs_dirscan_opts_t(Structure):
    _fields_ = [("on_line", ON_LINE), ("on_file", ON_FILE), ("on_error", ON_ERROR),
                ("output_path", c_char_p), ("ctx", c_void_p)]


class romfs_mpy_opts_t(Structure):
    _fields_ = [("compiler", c_char_p), ("args", POINTER(c_char_p)), ("nargs", c_size_t), ("jobs", c_uint),
                ("no_cache", c_int), ("cache_dir", c_char_p), ("cache_max", c_uint64), ("cancel", c_void_p)]


class romfs_check_stats_t(Structure):
    _fields_ = [("dirs", c_size_t), ("files", c_size_t), ("bytes", c_size_t), ("problems", c_size_t * 3),
                ("fs_size", c_size_t)]


_lock = threading.Lock()
_libs = {}


def _sig(lib, name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)


def _load(name):
    path = os.path.join(LIBDIR, name)
    matches = sorted(f for f in os.listdir(LIBDIR) if f.startswith(name + ".so."))
    if not matches:
        raise OSError(f"romfs: {path}.so.* not found (a broken install of the romfs package)")
    # RTLD_GLOBAL: the libraries above the reader find it by SONAME.
    return ctypes.CDLL(os.path.join(LIBDIR, matches[0]), mode=ctypes.RTLD_GLOBAL)


def reader():
    """libromfs_reader, with its calls' signatures set."""
    with _lock:
        if "reader" not in _libs:
            lib = _load("libromfs_reader")
            _sig(lib, "romfs_mount", c_int, POINTER(romfs_t), c_void_p, c_size_t)
            _sig(lib, "romfs_image_size", c_size_t, POINTER(romfs_t))
            _sig(lib, "romfs_stat", c_int, POINTER(romfs_t), c_char_p, POINTER(romfs_info_t))
            _sig(lib, "romfs_stat_n", c_int, POINTER(romfs_t), c_char_p, c_size_t, POINTER(romfs_info_t))
            _sig(lib, "romfs_dir_open_info", c_int, POINTER(romfs_t), POINTER(romfs_dir_t), POINTER(romfs_info_t))
            _sig(lib, "romfs_dir_read", c_int, POINTER(romfs_dir_t), POINTER(romfs_info_t))
            _sig(lib, "romfs_strerror", c_char_p, c_int)
            _sig(lib, "romfs_version", c_char_p)
            _libs["reader"] = lib
        return _libs["reader"]


def host():
    """libromfs_host (builder, checker, mpy-cross sessions)."""
    reader()
    with _lock:
        if "host" not in _libs:
            _load("libromfs_device")
            lib = _load("libromfs_host")
            _sig(lib, "romfs_builder_new", c_void_p, POINTER(romfs_build_opts_t))
            _sig(lib, "romfs_builder_free", None, c_void_p)
            _sig(lib, "romfs_builder_errmsg", c_char_p, c_void_p)
            _sig(lib, "romfs_builder_write", c_int, c_void_p, WRITE_FN, c_void_p)
            _sig(lib, "romfs_builder_set_file_mem", c_int, c_void_p, c_void_p, c_void_p, c_size_t)
            _sig(lib, "romfs_build_from_dir", c_int, c_void_p, c_char_p, POINTER(romfs_dirscan_opts_t))
            _sig(lib, "romfs_check", c_int, c_void_p, c_size_t, CHECK_FN, c_void_p, POINTER(romfs_check_stats_t))
            _sig(lib, "romfs_mpy_new", c_void_p, POINTER(romfs_mpy_opts_t))
            _sig(lib, "romfs_mpy_start", c_int, c_void_p)
            _sig(lib, "romfs_mpy_add", c_int, c_void_p, c_char_p, c_char_p, c_char_p)
            _sig(lib, "romfs_mpy_run", c_int, c_void_p)
            _sig(lib, "romfs_mpy_result", c_int, c_void_p, c_size_t, POINTER(c_void_p), POINTER(c_size_t))
            _sig(lib, "romfs_mpy_errmsg", c_char_p, c_void_p)
            _sig(lib, "romfs_mpy_output", c_char_p, c_void_p)
            _sig(lib, "romfs_mpy_free", None, c_void_p)
            _libs["host"] = lib
        return _libs["host"]


def strerror(code):
    return reader().romfs_strerror(code).decode()


__all__ = ["c_int64", "c_long"]  # re-exported for the board bindings
