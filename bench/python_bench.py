#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Python package's costs, measured side by side in one run (a
benchmark, not a test):

1. `import romfs` cold start: a fresh interpreter importing romfs, minus one
   that imports nothing (target: under 50 ms).
2. Listing a 10 000-entry image: romfs.Image(path).listdir("/") against the
   C command `romfs ls IMAGE /` that the same wheel ships (target: within
   1.5x), both as whole processes, and the Python listing in-process too.

usage: bench/python_bench.py [VENV_PYTHON]   (default: the running Python,
which must import the romfs package installed from the wheel:
scripts/package.sh wheel && python3 -m venv v && v/bin/pip install
--no-index dist/romfs-*.whl && v/bin/python bench/python_bench.py)"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

PY = sys.argv[1] if len(sys.argv) > 1 else sys.executable
RUNS = int(os.environ.get("RUNS", "15"))
ENTRIES = int(os.environ.get("ENTRIES", "10000"))


def best(cmd, runs=RUNS, **kw):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main():
    romfs_cmd = subprocess.run([PY, "-c", "import romfs; print(romfs.command_path())"], check=True,
                               capture_output=True, text=True).stdout.strip()
    print(f"python: {PY}\nromfs command: {romfs_cmd}\n")

    plain = best([PY, "-c", "pass"])
    imp = best([PY, "-c", "import romfs"])
    # What importing romfs itself costs, as the interpreter counts it
    # (-X importtime: cumulative microseconds of the top-level romfs line),
    # free of the noise of starting two interpreters.
    costs = []
    for _ in range(RUNS):
        err = subprocess.run([PY, "-X", "importtime", "-c", "import romfs"], check=True, capture_output=True,
                             text=True).stderr
        line = [ln for ln in err.splitlines() if ln.rstrip().endswith("| romfs")][-1]
        costs.append(int(line.split("|")[1]) / 1000)
    cost = min(costs)
    print(f"import romfs cold start: {cost:.1f} ms (-X importtime, best of {RUNS}; median "
          f"{statistics.median(costs):.1f} ms); whole interpreter: python -c pass {plain[0] * 1000:.1f} ms, "
          f"python -c 'import romfs' {imp[0] * 1000:.1f} ms.  target < 50 ms: {'met' if cost < 50 else 'NOT met'}")

    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        os.mkdir(src)
        for i in range(ENTRIES):
            with open(os.path.join(src, f"f{i:05d}.txt"), "w") as f:
                f.write("x")
        image = os.path.join(tmp, "big.romfs")
        subprocess.run([romfs_cmd, "build", "-q", "--no-mpy", "-o", image, src], check=True)
        size = os.path.getsize(image)
        c = best([romfs_cmd, "ls", image, "/"])
        p = best([PY, "-c", "import romfs, sys; sys.stdout.write('\\n'.join(romfs.Image(sys.argv[1]).listdir('/')))",
                  image])
        inproc = subprocess.run([PY, "-c", f"""
import romfs, time
img = romfs.Image({image!r})
names = img.listdir('/')
assert len(names) == {ENTRIES}
ts = []
for _ in range({RUNS}):
    t = time.perf_counter(); img = romfs.Image({image!r}); img.listdir('/'); ts.append(time.perf_counter() - t)
print(min(ts))
"""], check=True, capture_output=True, text=True).stdout
        inproc = float(inproc)
        print(f"\nlisting {ENTRIES} entries ({size} byte image), best of {RUNS}:")
        print(f"  romfs ls IMAGE /                         {c[0] * 1000:7.1f} ms  (whole process)")
        print(f"  python -c 'Image(IMAGE).listdir(\"/\")'    {p[0] * 1000:7.1f} ms  (whole process)  "
              f"ratio {p[0] / c[0]:.2f}x")
        print(f"  Image(IMAGE).listdir('/') in-process     {inproc * 1000:7.1f} ms  ratio {inproc / c[0]:.2f}x "
              f"of the command")
        print(f"  target: within 1.5x of the command: {'met' if inproc <= 1.5 * c[0] else 'NOT met'} in-process, "
              f"{'met' if p[0] <= 1.5 * c[0] else 'NOT met'} as a process")


if __name__ == "__main__":
    main()
