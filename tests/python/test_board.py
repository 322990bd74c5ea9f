# SPDX-License-Identifier: MIT
"""romfs.Board against the emulated board shipped in the wheel (real
MicroPython under Node.js), side by side with the `romfs` command."""
import json
import os
import shutil
import subprocess
import threading

import pytest

import romfs

pytestmark = pytest.mark.skipif(shutil.which("node") is None and not os.environ.get("CI"),
                                reason="the emulated board needs Node.js")


def make_app(root, modules=40):
    """An app of `modules` modules of about 1.5 KiB each, in lib/."""
    os.makedirs(root / "lib", exist_ok=True)
    for i in range(modules):
        body = "".join(f"def f{i}_{j}(x):\n    return x * {j} + {i}\n\n" for j in range(40))
        (root / "lib" / f"mod{i:02d}.py").write_text(f"# module {i}\n{body}")
    (root / "hello.py").write_text('import sys\nprint("hello from romfs.Board", sys.platform)\n')
    return root


def command_deploy(app, board_dir, cache):
    env = dict(os.environ, ROMFS_BOARD_DIR=str(board_dir), XDG_CACHE_HOME=str(cache))
    env.pop("ROMFS_DEVICE", None)
    out = subprocess.run(["romfs", "deploy", "-q", "--json", "--no-mpy", "-d", "emulated", str(app)], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_query_deploy_image_run(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    app = make_app(tmp_path / "app", modules=3)
    with romfs.Board("emulated", emulator_partition=tmp_path / "p.bin", timeout=60) as board:
        parts = board.query()
        assert parts and parts[0].id == 0 and parts[0].image_size == -1 and parts[0].payload_size == -1  # erased
        res = board.deploy(app, mpy=False)
        assert isinstance(res, romfs.DeployResult) and res.verified
        assert 0 < res.blocks_written <= res.blocks_total and res.bytes_programmed >= res.image_size
        parts = board.query()
        assert 0 < parts[0].payload_size < parts[0].image_size and parts[0].block_size > 0 and parts[0].mountable is not False
        img = board.image()
        assert bytes(img.read("/hello.py")) == (app / "hello.py").read_bytes()
        assert sorted(img.listdir("/lib")) == [f"mod{i:02d}.py" for i in range(3)]
        assert "hello from romfs.Board" in board.run("hello")
        with pytest.raises(romfs.BoardError, match="ImportError|no module"):
            board.run("no_such_module")
        again = board.deploy(app, mpy=False)
        assert again.blocks_written == 0, "an unchanged deploy wrote blocks"
    with pytest.raises(romfs.BoardError, match="closed"):
        board.query()


def test_deployed_code_imports_without_a_reset(tmp_path, monkeypatch):
    """As `romfs deploy` does: /rom mounted again after the deploy (its
    first erase unmounted it), so a board that stays alive imports the new
    code with no soft reset, and the deploy's helpers gone from __main__."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    app = tmp_path / "app"
    app.mkdir()
    with romfs.Board("emulated", emulator_partition=tmp_path / "p.bin", timeout=60) as board:
        names = board.exec("print(sorted(globals()))")
        for version in ("v1", "v2"):
            (app / "fresh.py").write_text(f'print("fresh {version}")\n')
            assert board.deploy(app, mpy=False).verified
            out = board.exec("import sys\nsys.modules.pop('fresh', None)\n"
                             "if '/rom' not in sys.path: sys.path.insert(0, '/rom')\n"
                             "import fresh\ndel fresh, sys\n")
            assert out.strip() == f"fresh {version}"
            assert board.exec("print(sorted(globals()))") == names, "the deploy left names in __main__"
        assert "fresh v2" in board.run("fresh", reset=False)


def test_one_line_edit_writes_the_same_blocks_as_the_command(tmp_path, monkeypatch):
    app = make_app(tmp_path / "app")
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-b"))
    with romfs.Board("emulated", emulator_partition=b / "partition.bin", timeout=60) as board:
        first_cmd = command_deploy(app, a, tmp_path / "cache-a")
        first_py = board.deploy(app, mpy=False)
        assert first_py.blocks_written == first_cmd["blocks_written"]
        mod = app / "lib" / "mod17.py"
        mod.write_text(mod.read_text().replace("return x * 3 + 17", "return x * 3 + 1700"))
        cmd = command_deploy(app, a, tmp_path / "cache-a")
        py = board.deploy(app, mpy=False)
    print(f"one-line edit: command wrote {cmd['blocks_written']}/{cmd['blocks_total']} blocks, "
          f"romfs.Board.deploy {py.blocks_written}/{py.blocks_total}")
    assert (py.blocks_written, py.blocks_total, py.image_size) == \
        (cmd["blocks_written"], cmd["blocks_total"], cmd["image_size"])
    assert 0 < py.blocks_written < py.blocks_total
    assert (a / "partition.bin").read_bytes() == (b / "partition.bin").read_bytes()


def test_a_board_is_shared_by_threads(tmp_path):
    with romfs.Board("emulated", emulator_partition=tmp_path / "p.bin", timeout=60) as board:
        results, errors = [], []

        def worker(n):
            try:
                for i in range(5):
                    results.append(board.exec(f"print({n} * 100 + {i})").strip() == str(n * 100 + i))
            except Exception as e:  # pragma: no cover
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and len(results) == 20 and all(results)


def test_board_errors_are_one_line():
    with pytest.raises(romfs.BoardError) as e:
        romfs.Board("/dev/no-such-tty")
    assert "/dev/no-such-tty" in str(e.value) and "\n" not in str(e.value)
    assert isinstance(romfs.list_boards(), list)


def test_emulated_without_node_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(romfs.BoardError) as e:
        romfs.Board("emulated")
    assert str(e.value) == ("emulated board: needs Node.js >= 18, not found on PATH "
                            "(Debian/Ubuntu: apt-get install nodejs; elsewhere: https://nodejs.org)")
