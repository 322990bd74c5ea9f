# SPDX-License-Identifier: MIT
"""romfs.Board: a MicroPython board over its raw REPL, through
libromfs_board (romfs::board). See Board's docstring."""
from __future__ import annotations

import os

from . import BoardError, BoardTimeout, Error, Image, _build, _record

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Optional, Union

Partition = _record("Partition", "id size block_size block_count image_size payload_size mountable sha256 head",
                    """One ROM
partition as Board.query() reports it, in the names of `romfs query --json`
(docs/JSON.md): id (its index), size (bytes, -1 when the board reports it
missing), block_size and block_count (the erase unit: a block device's
block, else vfs.rom_ioctl(6)'s erase block; 0 when the board has none),
image_size (bytes of the ROMFS image it holds with its header, -1: no
image), payload_size (what that header counts, -1: no image), mountable
(the board's VfsRom accepts it: True/False, None when not checked),
sha256 (computed on the board, "" when it cannot) and head (its first
bytes).""")
Partition.__module__ = "romfs"

DeployResult = _record("DeployResult", "blocks_written blocks_total bytes_programmed image_size verified layout base",
                       """What Board.deploy() did: blocks_written of blocks_total erase blocks rewritten,
bytes_programmed, image_size (bytes of the image deployed; the names of
`romfs deploy --json`), verified (every written block read back and
matched), layout ("stable", "packed" or "as-is") and base (the image it was
laid out against: "session", "cache", "board" or "none").""")
DeployResult.__module__ = "romfs"


def _raise(lib, handle, code: int, what: Optional[str] = None):
    from . import _native
    msg = lib.romfs_board_errmsg(handle).decode("utf-8", "replace") if handle else _native.strerror(code)
    if what:
        msg = f"{what}: {msg}"
    cls = BoardTimeout if code == _native.board_err("TIMEOUT") else BoardError
    raise cls(msg, code)


class Board:
    """A MicroPython board, opened from a device spec: a serial port
    ("/dev/ttyACM0"), "auto" (the first USB port that looks like a
    MicroPython board), "exec:COMMAND" (a process speaking the raw REPL on
    stdin/stdout) or "emulated" (the emulated board shipped in this
    package; needs Node.js >= 18).

        with romfs.Board("emulated") as board:
            print(board.query())
            print(board.deploy("app/"))
            print(board.run("hello"))

    partition: the ROM partition deploy() and image() use (default 0).
    timeout: seconds each step may take before BoardTimeout.
    emulator_partition: for "emulated", the file holding its partition
    (default: the emulator's, $ROMFS_BOARD_DIR/partition.bin or the cache).
    Calls on one Board are serialised by a lock, so a Board may be shared
    by threads; two Boards are independent."""

    def __init__(self, device: str = "auto", *, partition: int = 0, timeout: float = 10.0,
                 emulator_partition: Optional[Union[str, os.PathLike]] = None):
        import ctypes
        import threading
        from . import _native
        self.device = device
        self.partition = partition
        self._lock = threading.RLock()
        self._lib = lib = _native.board()
        self._handle = None
        if device == "emulated" and not os.path.exists(_native.EMULATOR):
            raise BoardError("emulated board: not installed (no share/romfs/board/emulator.mjs in this package)")
        if device == "emulated":
            import shutil
            if shutil.which("node") is None:
                raise BoardError("emulated board: needs Node.js >= 18, not found on PATH "
                                 "(Debian/Ubuntu: apt-get install nodejs; elsewhere: https://nodejs.org)")
        spec = device.encode()
        part = os.fsencode(emulator_partition) if emulator_partition is not None else None
        emulator = _native.EMULATOR.encode() if os.path.exists(_native.EMULATOR) else None
        self._opts = _native.romfs_board_opts_t(timeout_ms=max(1, int(timeout * 1000)), emulator=emulator,
                                                emulator_partition=part)
        handle = ctypes.c_void_p()
        r = lib.romfs_board_open(ctypes.byref(handle), spec, ctypes.byref(self._opts))
        if r < 0:
            try:
                _raise(lib, handle, r)
            finally:
                lib.romfs_board_close(handle)
        self._handle = handle

    # Context manager and lifetime.
    def __enter__(self) -> "Board":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Leave the board's REPL as found and close the link (idempotent)."""
        with self._lock:
            if self._handle is not None:
                self._lib.romfs_board_close(self._handle)
                self._handle = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _h(self):
        if self._handle is None:
            raise BoardError(f"{self.device}: the board is closed")
        return self._handle

    @property
    def description(self) -> str:
        """What was opened ("/dev/ttyACM0", "emulated board (partition: ...)")."""
        with self._lock:
            return self._lib.romfs_board_describe(self._h()).decode("utf-8", "replace")

    def query(self, verify: bool = False) -> List[Partition]:
        """Every ROM partition of the board (what `romfs query` shows). An
        empty list when the board has no ROMFS support."""
        import ctypes
        from . import _native
        q = _native.romfs_board_query_t()
        with self._lock:
            r = self._lib.romfs_board_query(self._h(), int(verify), ctypes.byref(q))
            if r < 0:
                _raise(self._lib, self._handle, r)
        out = []
        bsize, bcount = ctypes.c_longlong(), ctypes.c_longlong()
        for p in q.parts[:q.n]:
            mountable = None if p.mountable == 2 else bool(p.mountable)
            self._lib.romfs_board_part_unit(ctypes.byref(p), ctypes.byref(bsize), ctypes.byref(bcount))
            out.append(Partition(p.id, -1 if p.missing else p.size, bsize.value, bcount.value, p.image_len, p.isize,
                                 mountable, p.sha256.decode(), bytes(p.head[:p.head_len])))
        return out

    def exec(self, code: str, timeout: Optional[float] = None) -> str:
        """Run code in the raw REPL; its printed output. BoardError (with the
        traceback's last line) when it raised."""
        import ctypes
        src = code.encode()
        out, n = ctypes.c_void_p(), ctypes.c_size_t()
        with self._lock:
            r = self._lib.romfs_board_exec(self._h(), src, len(src), ctypes.byref(out), ctypes.byref(n),
                                           int((timeout or 0) * 1000))
            text = ctypes.string_at(out, n.value).decode("utf-8", "replace") if out.value else ""
            self._lib.romfs_board_free(out)
            if r < 0:
                _raise(self._lib, self._handle, r)
        return text

    def run(self, module: str = "main", *, reset: bool = True, timeout: Optional[float] = None) -> str:
        """Soft-reset (unless reset=False) and import module from /rom, as
        `romfs run` does; its output (boot output first). BoardError with
        the traceback's last line when it raised."""
        import ctypes
        from . import _native
        chunks: List[bytes] = []

        def on_output(data, n, _ctx):
            chunks.append(ctypes.string_at(data, n))

        cb = _native.BOARD_OUTPUT_FN(on_output)
        err = ctypes.c_void_p()
        with self._lock:
            r = self._lib.romfs_board_run(self._h(), module.encode(), int(reset), cb, None, ctypes.byref(err),
                                          int((timeout or 0) * 1000))
            self._lib.romfs_board_free(err)
            if r < 0:
                _raise(self._lib, self._handle, r, f"run {module}")
        return b"".join(chunks).decode("utf-8", "replace")

    def image(self) -> Image:
        """The image in the board's partition, read back (only its bytes),
        as an Image. CorruptImage when the partition holds none."""
        import ctypes
        from . import _native
        im = _native.romfs_board_image_t()
        with self._lock:
            r = self._lib.romfs_board_read_image(self._h(), self.partition, ctypes.byref(im))
            if r < 0:
                if r == _native.ERR_NODEV:
                    from . import CorruptImage
                    raise CorruptImage(self._lib.romfs_board_errmsg(self._handle).decode("utf-8", "replace"), r)
                _raise(self._lib, self._handle, r)
            try:
                data = ctypes.string_at(im.data, im.len)
            finally:
                self._lib.romfs_board_image_free(ctypes.byref(im))
        img = Image(data)
        img.name = f"ROMFS{self.partition} on {self.device}"
        return img

    def deploy(self, source: Union[str, os.PathLike, bytes, Image], *, mpy: bool = True, full: bool = False,
               align: Optional[int] = None, mpy_cross_args: List[str] = (), cache: bool = True) -> DeployResult:
        """Write source to the board's partition as `romfs deploy` does:
        power-safe (an interruption leaves the old image, the new one, or
        nothing that mounts), verified before the commit, and incremental
        (only changed erase blocks are written). source: a directory (built
        with build(source, mpy=mpy, ...), laid out stably against what the
        board holds), an image file, image bytes or an Image.
        full: rewrite every block. cache: use and update the base-image
        cache the command uses. Afterwards, as after the command, the new
        image is mounted at /rom (exec() and run(reset=False) import the
        new code without a reset) and the board's globals are as found.
        Returns a DeployResult."""
        import ctypes
        from . import _native
        tree = 0
        if isinstance(source, Image):
            data = bytes(source.buffer)
        elif isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
        elif os.path.isdir(source):
            tree = 1   # built for the board: its -march, the output checked against it
            with self._lock:
                data = _build(source, self._h(), mpy=mpy, mpy_cross_args=mpy_cross_args)
        else:
            with open(source, "rb") as f:
                data = f.read()
        host, lib = _native.host(), self._lib
        warned: List[str] = []
        on_message = _native.BOARD_MSG_FN(lambda _ctx, level, line: warned.append(line.decode("utf-8", "replace"))
                                          if level == _native.BOARD_MSG_WARN else None)
        home = _native.cache_home() if cache else None
        cdir = host.romfs_session_cache_dir(os.fsencode(home)) if home else None
        so = _native.romfs_session_opts_t(cache_dir=cdir, full=int(full), align=align or 0)
        opts = _native.romfs_board_deploy_opts_t(part=self.partition, fallback_key=self.device.encode(), session=so,
                                                 message=on_message)
        out = _native.romfs_board_deploy_result_t()
        buf = ctypes.create_string_buffer(data, len(data))
        try:
            with self._lock:   # the library's deploy: probe, checks, session, /rom again, globals restored
                h = ctypes.c_void_p(self._h().value)
                r = lib.romfs_board_deploy_image(ctypes.byref(h), buf, len(data), tree, ctypes.byref(opts),
                                                 ctypes.byref(out))
                if r < 0 and out.stage == _native.BOARD_STAGE_PROBE:
                    _raise(lib, h, r)
        finally:
            lib.romfs_board_deploy_result_free(ctypes.byref(out))
            if cdir:
                _native.libc_free(cdir)
        if r < 0:
            cls = BoardTimeout if r == _native.board_err("TIMEOUT") else BoardError
            raise cls(f"deploy to {self.device}: {out.error.decode('utf-8', 'replace')}", r)
        for w in warned:
            import warnings
            warnings.warn(f"{self.device}: {w}", RuntimeWarning, stacklevel=2)
        res = out.res
        return DeployResult(res.blocks_written, res.blocks_total, res.bytes_programmed, res.image_len,
                            bool(res.verified), host.romfs_session_layout_name(res.layout).decode(),
                            host.romfs_session_base_name(res.base).decode())

    def __repr__(self) -> str:
        return f"<romfs.Board {self.device} partition {self.partition}{' closed' if self._handle is None else ''}>"


def list_boards(all: bool = False) -> List[tuple]:
    """Serial ports that look like MicroPython boards (all=True: every
    serial port), as (port, description) pairs sorted by port."""
    from . import _native
    lib = _native.board()
    found: List[tuple] = []

    def on_port(port, desc, _ctx):
        found.append((port.decode("utf-8", "replace"), (desc or b"").decode("utf-8", "replace")))

    cb = _native.BOARD_PORT_FN(on_port)
    r = lib.romfs_board_list_ports(int(all), cb, None)
    if r < 0:
        raise Error(f"listing serial ports: {_native.strerror(r)}", r)
    return found
