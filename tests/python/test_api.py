# SPDX-License-Identifier: MIT
"""The romfs Python API, installed from the wheel (run.sh), against the
golden and hostile vectors and the `romfs` command of the same wheel."""
import ctypes
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import threading

import pytest

import romfs

SRC = os.environ["ROMFS_TEST_SRC"]
VECTORS = os.environ.get("ROMFS_VECTORS") or os.path.join(SRC, "..", "shared", "vectors")
GOLDEN = os.path.join(VECTORS, "golden")
HOSTILE = os.path.join(VECTORS, "hostile")
MANIFEST = json.load(open(os.path.join(GOLDEN, "manifest.json")))


class Py_buffer(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.c_void_p), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p), ("shape", ctypes.c_void_p), ("strides", ctypes.c_void_p),
                ("suboffsets", ctypes.c_void_p), ("internal", ctypes.c_void_p)]


def address(obj):
    """The address of obj's buffer, through the buffer protocol (works for
    read-only buffers, where ctypes.from_buffer does not)."""
    b = Py_buffer()
    get = ctypes.pythonapi.PyObject_GetBuffer
    get.argtypes = [ctypes.py_object, ctypes.POINTER(Py_buffer), ctypes.c_int]
    release = ctypes.pythonapi.PyBuffer_Release
    release.argtypes = [ctypes.POINTER(Py_buffer)]
    assert get(obj, ctypes.byref(b), 0) == 0
    try:
        return b.buf, b.len
    finally:
        release(ctypes.byref(b))


def extract(name, dest):
    os.makedirs(dest, exist_ok=True)
    with tarfile.open(os.path.join(GOLDEN, name + ".tar")) as t:
        t.extractall(dest)
    return dest


def test_version_is_the_headers():
    with open(os.path.join(SRC, "include", "romfs", "romfs.h")) as f:
        v = re.search(r'#define ROMFS_VERSION_STRING "([^"]+)"', f.read()).group(1)
    assert romfs.__version__ == v
    out = subprocess.run(["romfs", "-V"], capture_output=True, text=True, check=True).stdout
    assert out.startswith(f"romfs {v}")


def test_package_lives_in_the_venv_not_the_tree():
    assert os.path.realpath(romfs.__file__).startswith(os.path.realpath(os.environ["ROMFS_TEST_WORK"]))
    assert os.path.isfile(romfs.command_path())
    assert shutil.which("romfs") == os.path.join(os.path.dirname(shutil.which("python")), "romfs")


@pytest.mark.parametrize("vec", MANIFEST, ids=[v["name"] for v in MANIFEST])
def test_golden_image_reads_as_its_manifest(vec):
    img = romfs.Image(os.path.join(GOLDEN, vec["image"]))
    assert len(img) == vec["image_size"] == img.size
    entries = {e.path: e for e in img.entries()}
    assert sorted(entries) == sorted(e["path"] for e in vec["entries"])
    for want in vec["entries"]:
        got = entries[want["path"]]
        assert got.is_dir == (want["type"] == "dir")
        assert img.stat(want["path"]) == got
        if want["type"] == "file":
            data = img.read(want["path"])
            assert got.size == want["size"] == len(data)
            assert hashlib.sha256(data).hexdigest() == want["sha256"]
    walked = [(d + "/" + n).replace("//", "/") for d, dirs, files in img.walk() for n in dirs + files]
    assert sorted(walked) == sorted(entries)
    assert img.check() == []


@pytest.mark.parametrize("vec", MANIFEST, ids=[v["name"] for v in MANIFEST])
def test_golden_build_is_byte_identical(vec, tmp_path):
    src = extract(vec["name"], tmp_path / "src")
    assert romfs.build(src, mpy=False) == open(os.path.join(GOLDEN, vec["image"]), "rb").read()


def test_build_matches_the_command_with_align(tmp_path):
    src = extract("many_and_deep", tmp_path / "src")
    out = tmp_path / "cmd.romfs"
    subprocess.run(["romfs", "build", "-q", "--no-mpy", "--align", "64", "-o", str(out), str(src)], check=True)
    data = romfs.build(src, mpy=False, align=64)
    assert data == out.read_bytes()
    img = romfs.Image(data)
    assert all(e.offset % 64 == 0 for e in img.entries() if not e.is_dir and e.size)


def test_build_without_mpy_cross_warns_and_stores_sources(tmp_path, monkeypatch):
    src = extract("doc_example", tmp_path / "src")
    monkeypatch.delenv("MPY_CROSS", raising=False)
    monkeypatch.setenv("PATH", os.path.dirname(shutil.which("python")))
    with pytest.warns(romfs.RomfsWarning, match="mpy-cross"):
        data = romfs.build(src)
    assert "main.py" in romfs.Image(data).listdir("/")


def test_build_with_a_missing_mpy_cross_names_it(tmp_path, monkeypatch):
    # $MPY_CROSS is the user's choice: naming nothing is an error, never a
    # silent build of sources (issue 20 item 15).
    src = extract("doc_example", tmp_path / "src")
    monkeypatch.setenv("MPY_CROSS", str(tmp_path / "no-such-mpy-cross"))
    with pytest.raises(romfs.BuildError, match=r"\$MPY_CROSS"):
        romfs.build(src)


def test_build_maps_the_environment_as_the_command_does(tmp_path, monkeypatch):
    # The cache and its bound come from the library's mapping of the
    # environment (romfs_dirbuild_opts_env), so a bad $ROMFS_MPY_CACHE_MAX
    # is said, and the build goes on without the cache, as `romfs build` does.
    src = extract("doc_example", tmp_path / "src")
    fake = tmp_path / "mpy-cross"
    fake.write_text(f'#!/bin/sh\nexec bash "{SRC}/tests/cli/fake-mpy-cross.sh" "$@"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("MPY_CROSS", str(fake))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("ROMFS_MPY_CACHE_MAX", "lots")
    with pytest.warns(romfs.RomfsWarning, match="ROMFS_MPY_CACHE_MAX: not a byte count: 'lots'"):
        data = romfs.build(src)
    assert "main.mpy" in romfs.Image(data).listdir("/")
    assert not (tmp_path / "cache" / "romfs" / "mpy").exists()
    monkeypatch.setenv("ROMFS_MPY_CACHE_MAX", "1M")   # a bound: the cache is used
    assert romfs.build(src) == data
    assert any((tmp_path / "cache" / "romfs" / "mpy").iterdir())


def test_image_files_are_read_as_the_command_reads_them(tmp_path):
    # UF2 and Intel HEX files of an image open as the image itself.
    src = extract("doc_example", tmp_path / "src")
    raw = romfs.build(src, mpy=False)
    for fmt, extra in (("uf2", ["--address", "0x10000000", "--family", "RP2040"]), ("ihex", [])):
        out = tmp_path / f"app.{fmt}"
        subprocess.run(["romfs", "build", "-q", "--no-mpy", "--format", fmt, *extra, "-o", str(out), str(src)],
                       check=True)
        img = romfs.Image(out)
        assert bytes(img.buffer[:len(raw)]) == raw
        assert img.listdir("/") == romfs.Image(raw).listdir("/")
    # Refusals are the command's lines: a missing file, a damaged UF2 (its
    # offset), an image the reader refuses (the offset of the first problem).
    with pytest.raises(romfs.NotFound, match="missing.uf2: No such file") as e:
        romfs.Image(tmp_path / "missing.uf2")
    assert isinstance(e.value, FileNotFoundError)
    bad = tmp_path / "bad.uf2"
    good = (tmp_path / "app.uf2").read_bytes()
    bad.write_bytes(good + good[:512])   # one block more than the blocks say
    with pytest.raises(romfs.Error, match="bad.uf2: offset [0-9]+: UF2 block"):
        romfs.Image(bad)
    with pytest.raises(romfs.CorruptImage, match=r"bad_magic.romfs: not a ROMFS image: offset 0x0: "):
        romfs.Image(os.path.join(HOSTILE, "bad_magic.romfs"))


def test_build_errors_name_the_path(tmp_path):
    with pytest.raises(romfs.BuildError, match="not a directory"):
        romfs.build(tmp_path / "missing", mpy=False)
    src = tmp_path / "src"
    src.mkdir()
    os.mkfifo(src / "fifo")
    with pytest.raises(romfs.BuildError) as e:
        romfs.build(src, mpy=False)
    assert "fifo" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(romfs.BuildError, match="power of two"):
        romfs.build(src, mpy=False, align=3)


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "path"])
def test_read_is_zero_copy(kind, tmp_path):
    raw = open(os.path.join(GOLDEN, "large_file.romfs"), "rb").read()
    if kind == "bytes":
        img = romfs.Image(raw)
    elif kind == "bytearray":
        img = romfs.Image(bytearray(raw))
    else:
        p = tmp_path / "x.romfs"
        p.write_bytes(raw)
        img = romfs.Image(p)
    base, size = address(img.buffer)
    assert size == len(raw)
    path = max((e for e in img.entries() if not e.is_dir), key=lambda e: e.size).path
    view = img.read(path)
    addr, n = address(view)
    assert view.readonly and n == img.stat(path).size > 0
    assert base <= addr and addr + n <= base + size, "the view is not inside the image buffer"
    assert addr - base == img.stat(path).offset
    if kind == "bytes":
        assert address(raw)[0] == base, "bytes given were copied"


def test_errors_carry_the_librarys_messages():
    img = romfs.Image(os.path.join(GOLDEN, "doc_example.romfs"))
    with pytest.raises(romfs.NotFound) as e:
        img.stat("/nope")
    assert str(e.value).endswith("/nope: no such file or directory") and isinstance(e.value, FileNotFoundError)
    assert isinstance(e.value, romfs.Error) and e.value.code == -2
    with pytest.raises(romfs.CorruptImage, match="not a ROMFS image"):
        romfs.Image(b"\x00" * 16)
    with pytest.raises(romfs.Error, match="is a directory"):
        img.read("/lib")
    with pytest.raises(romfs.Error, match="not a directory"):
        img.listdir("/main.py")


HOSTILE_CASES = json.load(open(os.path.join(HOSTILE, "expected.json")))


@pytest.mark.parametrize("case", HOSTILE_CASES, ids=[c["name"] for c in HOSTILE_CASES])
def test_hostile_images(case):
    path = os.path.join(HOSTILE, case["image"])
    if case["mount"] == "ENODEV":
        with pytest.raises(romfs.CorruptImage):
            romfs.Image(path)
        return
    img = romfs.Image(path)
    for p, want in case["paths"].items():
        if want.startswith("data:"):
            assert bytes(img.read(p)) == want[5:].encode()
        else:
            allowed = {"ENOENT": romfs.NotFound, "EIO": romfs.CorruptImage}
            with pytest.raises(tuple(allowed[w] for w in want.split("|"))):
                img.read(p)
    problems = img.check()
    severities = {p.severity for p in problems}
    assert ("error" in severities) == (case["check"] == "fail")
    if case["check"] == "warn":
        assert "warning" in severities
    # The same findings, offsets included, as the command prints.
    out = subprocess.run(["romfs", "check", path], capture_output=True, text=True)
    for p in problems:
        if p.severity == "error":
            assert p.message in out.stdout + out.stderr
            assert f"0x{p.offset:x}" in out.stdout + out.stderr


def test_an_image_is_shared_by_threads():
    img = romfs.Image(os.path.join(GOLDEN, "many_and_deep.romfs"))
    want = [(e, hashlib.sha256(img.read(e.path)).digest()) for e in img.entries() if not e.is_dir]
    bad = []

    def worker():
        for _ in range(20):
            for e, h in want:
                if hashlib.sha256(img.read(e.path)).digest() != h or img.stat(e.path) != e:
                    bad.append(e.path)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad
