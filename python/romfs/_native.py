# SPDX-License-Identifier: MIT
"""ctypes bindings to the shared libraries shipped in this package
(romfs/_native/lib: libromfs_reader, libromfs_device, libromfs_host and,
when present, libromfs_board). Loaded on first use, so `import romfs`
costs no library loading. The structures mirror include/romfs/*.h."""
import ctypes
import os
import threading
from ctypes import CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_size_t, c_uint, c_uint32, c_uint64, c_void_p

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
    # ignore (a romfs_ignore_t *) and on_excluded stay NULL: the Python build
    # packs every file, as mpremote does.
    _fields_ = [("on_line", ON_LINE), ("on_file", ON_FILE), ("on_error", ON_ERROR),
                ("output_path", c_char_p), ("ctx", c_void_p), ("ignore", c_void_p), ("on_excluded", c_void_p)]


class romfs_mpy_opts_t(Structure):
    # mpy_cross, path and tmpdir: where the compiler is looked for and where
    # it works (the library reads no environment; the caller passes it).
    _fields_ = [("compiler", c_char_p), ("args", POINTER(c_char_p)), ("nargs", c_size_t), ("jobs", c_uint),
                ("no_cache", c_int), ("cache_dir", c_char_p), ("cache_max", c_uint64), ("cancel", c_void_p),
                ("mpy_cross", c_char_p), ("path", c_char_p), ("tmpdir", c_char_p)]


ON_WARNING = CFUNCTYPE(None, c_void_p, c_char_p)


class romfs_dirbuild_opts_t(Structure):
    # romfs_dirbuild.h: the build's rules live in the host library.
    _fields_ = [("mpy", c_int), ("compile", romfs_mpy_opts_t), ("no_cache_reason", c_char_p),
                ("excludes", POINTER(c_char_p)), ("nexcludes", c_size_t), ("no_default_excludes", c_int),
                ("output_path", c_char_p), ("board", c_void_p), ("on_line", ON_LINE), ("on_warning", ON_WARNING),
                ("on_excluded", c_void_p), ("ctx", c_void_p)]


class romfs_dirbuild_result_t(Structure):
    _fields_ = [("compiled", c_uint), ("missed", c_uint), ("mpy_version", c_uint), ("mpy_sub", c_uint),
                ("interrupted", c_int)]


def cache_home():
    """The user's cache directory, as the command finds it ($XDG_CACHE_HOME
    when absolute, else ~/.cache)."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return xdg
    home = os.environ.get("HOME")
    return os.path.join(home, ".cache") if home else None


class romfs_dirbuild_env_t(Structure):
    # What a front end read from its environment for a build (romfs_dirbuild.h).
    _fields_ = [("cache_home", c_char_p), ("cache_max", c_char_p), ("mpy_cross", c_char_p), ("path", c_char_p),
                ("tmpdir", c_char_p)]


def build_env():
    """romfs_dirbuild_env_t of this process's environment, as `romfs build` reads it."""
    env = os.environ.get
    vals = (cache_home(), env("ROMFS_MPY_CACHE_MAX"), env("MPY_CROSS"), env("PATH"), env("TMPDIR"))
    return romfs_dirbuild_env_t(*(os.fsencode(v) if v else None for v in vals))


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
            _sig(lib, "romfs_dirbuild_new", c_void_p, POINTER(romfs_dirbuild_opts_t))
            _sig(lib, "romfs_dirbuild_image", c_int, c_void_p, c_char_p, POINTER(romfs_build_opts_t),
                 POINTER(c_void_p), POINTER(c_size_t))
            _sig(lib, "romfs_dirbuild_errmsg", c_char_p, c_void_p)
            _sig(lib, "romfs_dirbuild_compiler", c_void_p, c_void_p)
            _sig(lib, "romfs_dirbuild_free", None, c_void_p)
            _sig(lib, "romfs_dirbuild_opts_env", None, POINTER(romfs_dirbuild_opts_t), POINTER(romfs_dirbuild_env_t),
                 c_void_p, c_size_t, c_void_p, c_size_t)
            _sig(lib, "romfs_image_load", c_int, c_char_p, POINTER(c_void_p), POINTER(c_size_t), c_char_p, c_size_t)
            _sig(lib, "romfs_image_mount", c_int, POINTER(romfs_t), c_void_p, c_size_t, c_char_p, c_char_p, c_size_t)
            _libs["host"] = lib
        return _libs["host"]


def image_load(path):
    """(code, bytes, message) of an image file read as the command reads it
    (romfs_image_load: "-" is standard input, a UF2 or Intel HEX file is
    replaced by the bytes it flashes, bounded); bytes None on failure."""
    lib = host()
    p, n, msg = c_void_p(), c_size_t(), ctypes.create_string_buffer(1300)
    r = lib.romfs_image_load(os.fsencode(path), ctypes.byref(p), ctypes.byref(n), msg, len(msg))
    if r != 0:
        return r, None, msg.value.decode("utf-8", "surrogateescape")
    try:
        return 0, ctypes.string_at(p, n.value), ""
    finally:
        libc_free(p.value)


def mount_error(addr, size, name):
    """The line romfs_image_mount says for an image the reader refuses:
    the name, the error, and the checker's first problem with its offset."""
    fs, msg = romfs_t(), ctypes.create_string_buffer(1300)
    host().romfs_image_mount(ctypes.byref(fs), addr, size, os.fsencode(name), msg, len(msg))
    return msg.value.decode("utf-8", "surrogateescape")


def strerror(code):
    return reader().romfs_strerror(code).decode()


# Board error codes of romfs.h (one error space for every library).
_BOARD_ERRS = {"NOBOARD": -6, "CLOSED": -32, "NOROMFS": -38, "PROTOCOL": -71, "TIMEOUT": -110,
               "RAISED": -121, "NOPART": -123, "CANCELED": -125}


def board_err(name):
    return _BOARD_ERRS[name]


# Sessions (romfs_session.h) and boards (romfs_board.h).
class romfs_session_opts_t(Structure):
    _fields_ = [("cache_dir", c_void_p), ("full", c_int), ("nor", c_int), ("allow_unverified", c_int),
                ("align", c_uint32), ("compact", c_uint32),
                ("sized", c_void_p), ("sized_ctx", c_void_p)]   # NULL: no callback


class romfs_layout_stats_t(Structure):
    _fields_ = [("used_base", c_int), ("compacted", c_int), ("files", c_size_t), ("kept", c_size_t),
                ("in_place", c_size_t), ("moved", c_size_t), ("added", c_size_t), ("data_start", c_size_t),
                ("data_bytes", c_size_t), ("waste", c_size_t)]


class romfs_session_result_t(Structure):
    _fields_ = [("image_len", c_size_t), ("layout", c_int), ("base", c_int), ("lst", romfs_layout_stats_t),
                ("blocks_total", c_uint32), ("blocks_written", c_uint32), ("blocks_skipped", c_uint32),
                ("bytes_programmed", c_uint64), ("erase_ops", c_uint32), ("write_ops", c_uint32),
                ("bytes_read", c_uint64), ("crcs_asked", c_uint32), ("seconds", ctypes.c_double),
                ("verified", c_int), ("state", c_int), ("bad_block", ctypes.c_int32),
                ("note", ctypes.c_char * 320), ("error", ctypes.c_char * 400)]


class romfs_mpy_board_t(Structure):
    _fields_ = [("version", c_uint), ("sub_version", c_uint), ("arch", c_uint), ("march", c_char_p)]


class romfs_board_opts_t(Structure):
    _fields_ = [("timeout_ms", c_int), ("encoding", c_char_p), ("emulator_cmd", c_char_p), ("emulator", c_char_p),
                ("emulator_partition", c_char_p), ("progress", c_void_p), ("progress_ctx", c_void_p)]


class romfs_board_info_t(Structure):
    _fields_ = [("part", c_int), ("part_size", c_uint64), ("block_size", ctypes.c_longlong),
                ("uid", ctypes.c_char * 80), ("has_crc", c_int), ("has_deflate", c_int), ("has_b64", c_int),
                ("has_view", c_int), ("has_hex", c_int), ("block_device", c_int), ("read_only", c_int)]


class romfs_board_image_t(Structure):
    _fields_ = [("data", c_void_p), ("len", c_size_t), ("part_size", c_uint64), ("addr", c_uint64),
                ("name", ctypes.c_char * 128), ("warning", ctypes.c_char * 200)]


class romfs_board_part_t(Structure):
    _fields_ = [("id", ctypes.c_longlong), ("missing", c_int), ("block_device", c_int), ("size", ctypes.c_longlong),
                ("block_count", ctypes.c_longlong), ("block_size", ctypes.c_longlong), ("erase", ctypes.c_longlong),
                ("head", ctypes.c_uint8 * 12), ("head_len", c_int), ("isize", ctypes.c_longlong),
                ("image_len", ctypes.c_longlong), ("fits", c_int), ("mountable", c_int),
                ("sha256", ctypes.c_char * 65), ("verified", c_int), ("check", romfs_check_stats_t),
                ("first_problem", ctypes.c_char * 160)]


class romfs_board_query_t(Structure):
    _fields_ = [("romfs", c_int), ("n", c_int), ("parts", romfs_board_part_t * 64)]


BOARD_OUTPUT_FN = CFUNCTYPE(None, c_void_p, c_size_t, c_void_p)
BOARD_MSG_FN = CFUNCTYPE(None, c_void_p, c_int, c_char_p)
BOARD_MSG_WARN = 1


# The deploy as one call (romfs_board_deploy.h).
class romfs_board_deploy_opts_t(Structure):
    _fields_ = [("part", c_int), ("fallback_key", c_char_p), ("session", romfs_session_opts_t),
                ("build", c_void_p), ("target", c_void_p), ("keep", c_void_p), ("reopen", c_void_p),
                ("writing", c_void_p), ("message", BOARD_MSG_FN), ("ctx", c_void_p)]


class romfs_board_deploy_result_t(Structure):
    _fields_ = [("stage", c_int), ("res", romfs_session_result_t), ("info", romfs_board_info_t),
                ("block_size", c_uint32), ("wire_bytes", c_uint64), ("board", ctypes.c_char * 256),
                ("reconnected", c_int), ("build", c_void_p), ("error", ctypes.c_char * 800)]


BOARD_STAGE_PROBE = 1
BOARD_PORT_FN = CFUNCTYPE(None, c_char_p, c_char_p, c_void_p)


def libc_free(p):
    ctypes.CDLL(None).free(ctypes.c_void_p(p))


def board():
    """libromfs_board (boards over serial links and the emulated board)."""
    host()
    with _lock:
        if "board" not in _libs:
            try:
                lib = _load("libromfs_board")
            except OSError as e:
                from . import BoardError
                raise BoardError(f"romfs: this package has no board library ({e})") from None
            vp = c_void_p
            _sig(lib, "romfs_board_open", c_int, POINTER(c_void_p), c_char_p, POINTER(romfs_board_opts_t))
            _sig(lib, "romfs_board_close", None, vp)
            _sig(lib, "romfs_board_errmsg", c_char_p, vp)
            _sig(lib, "romfs_board_describe", c_char_p, vp)
            _sig(lib, "romfs_board_list_ports", c_int, c_int, BOARD_PORT_FN, vp)
            _sig(lib, "romfs_board_free", None, vp)
            _sig(lib, "romfs_board_exec", c_int, vp, c_char_p, c_size_t, POINTER(c_void_p), POINTER(c_size_t), c_int)
            _sig(lib, "romfs_board_deploy_image", c_int, POINTER(c_void_p), c_void_p, c_size_t, c_int,
                 POINTER(romfs_board_deploy_opts_t), POINTER(romfs_board_deploy_result_t))
            _sig(lib, "romfs_board_deploy_result_free", None, POINTER(romfs_board_deploy_result_t))
            _sig(lib, "romfs_board_build", c_int, vp, c_char_p, POINTER(romfs_dirbuild_opts_t), vp, POINTER(vp),
                 POINTER(vp), POINTER(c_size_t))
            _sig(lib, "romfs_board_read_image", c_int, vp, c_int, POINTER(romfs_board_image_t))
            _sig(lib, "romfs_board_image_free", None, POINTER(romfs_board_image_t))
            _sig(lib, "romfs_board_query", c_int, vp, c_int, POINTER(romfs_board_query_t))
            _sig(lib, "romfs_board_part_unit", c_int, POINTER(romfs_board_part_t), POINTER(ctypes.c_longlong),
                 POINTER(ctypes.c_longlong))
            _sig(lib, "romfs_board_run", c_int, vp, c_char_p, c_int, BOARD_OUTPUT_FN, vp, POINTER(c_void_p), c_int)
            h = _libs["host"]
            _sig(h, "romfs_session_cache_dir", c_void_p, c_char_p)
            _sig(h, "romfs_session_layout_name", c_char_p, c_int)
            _sig(h, "romfs_session_base_name", c_char_p, c_int)
            _libs["board"] = lib
        return _libs["board"]
