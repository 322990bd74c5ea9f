#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Real MicroPython firmware under QEMU (Cortex-M3, MPS2_AN385), side by side.

    mp_firmware_bench.py heap  ROMFS MPY_CROSS FIRMWARE.elf [N]
    mp_firmware_bench.py vfsrom ROMFS MPY_CROSS UPSTREAM.elf SAFE.elf [N]

heap: the heap used after importing N generated modules (default 100) as
  .mpy from /rom, as the same .mpy through a RAM filesystem (a user VFS
  whose files are bytes in RAM, as on a board without ROMFS), and as .py
  source from /rom (compiled at import); a MemoryError ends a column and
  says after how many modules.
vfsrom: code and constants the link keeps of upstream's VfsRom
  (extmod/vfs_rom*.o) and of romfs's (port/micropython, with the reader),
  from the firmware's link maps (beside the .elf files), and the time to import an N-module app (default 300)
  from /rom on each, in QEMU -icount virtual time (instructions, not host
  speed: the ratio is exact and repeatable).
Prints a Markdown table and the ratios.
"""
import os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RAW = os.path.join(HERE, "..", "tests", "micropython", "raw_exec.py")
PART = 0x21000000

def module_source(i, small=False):
    if small:  # 300 of these fit the firmware's heap
        return "N = %d\ndef f(x):\n    return x + N\n" % i
    lines = ["# generated module %d" % i,
             "NAME = 'module %03d: a constant string kept with the code'" % i,
             "TABLE = (%s)" % ", ".join(str(i * 7 + k) for k in range(16))]
    for k in range(8):
        lines += ["def f%d(x, y=%d):" % (k, k),
                  "    s = x * %d + y" % (k + 1),
                  "    for t in TABLE[:%d]:" % (k + 2),
                  "        s += t",
                  "    return s"]
    lines += ["class C%d:" % i,
              "    def __init__(self):",
              "        self.v = f0(%d)" % i,
              "    def total(self):",
              "        return self.v + f7(1)"]
    return "\n".join(lines) + "\n"

def make_app(tmp, romfs, mpy_cross, n, small=False):
    src = os.path.join(tmp, "app")
    for sub in ("mpy", "py"):
        os.makedirs(os.path.join(src, sub), exist_ok=True)
    for i in range(n):
        text = module_source(i, small)
        with open(os.path.join(src, "py", "m%03d.py" % i), "w") as f:
            f.write(text)
        with open(os.path.join(tmp, "m%03d.py" % i), "w") as f:
            f.write(text)
        subprocess.run([mpy_cross, "-o", os.path.join(src, "mpy", "m%03d.mpy" % i), "-s", "m%03d.py" % i,
                        os.path.join(tmp, "m%03d.py" % i)], check=True)
    img = os.path.join(tmp, "app.romfs")
    subprocess.run([romfs, "build", "-q", "--no-mpy", "-o", img, src], check=True)
    return img

def run(fw, img, code, icount=False):
    cmd = ("qemu-system-arm -machine mps2-an385 %s-nographic -monitor none -semihosting -serial stdio "
           "-kernel %s -device loader,file=%s,addr=0x%x,force-raw=on" % ("-icount shift=0 " if icount else "",
                                                                         fw, img, PART))
    p = subprocess.run([sys.executable, RAW, "-t", "300", cmd], input=code, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("bench: the firmware failed: %s%s" % (p.stdout[-500:], p.stderr[-500:]))
    return p.stdout

IMPORT = """
import gc, sys
def go(n, where):
    gc.collect()
    base = gc.mem_alloc()
    done = 0
    try:
        for i in range(n):
            __import__("m%03d" % i)
            done += 1
    except MemoryError:
        pass
    gc.collect()
    print("RESULT", done, gc.mem_alloc() - base)
"""

RAMFS = """
import io, os, vfs
class RamFile(io.IOBase):
    def __init__(self, data):
        self.data = data
        self.pos = 0
    def readinto(self, buf):
        n = min(len(buf), len(self.data) - self.pos)
        buf[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n
    def ioctl(self, req, arg):
        return 0
class RamFS:
    def __init__(self, files):
        self.files = files
    def mount(self, readonly, mkfs):
        pass
    def umount(self):
        pass
    def chdir(self, path):
        pass
    def stat(self, path):
        p = path.lstrip("/")
        if p == "":
            return (0x4000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        if p in self.files:
            return (0x8000, 0, 0, 0, 0, 0, len(self.files[p]), 0, 0, 0)
        raise OSError(2)
    def open(self, path, mode):
        p = path.lstrip("/")
        if p not in self.files:
            raise OSError(2)
        return RamFile(self.files[p])
files = {}
for name in os.listdir("/rom/mpy"):
    with open("/rom/mpy/" + name, "rb") as f:
        files[name] = bytes(f.read())
vfs.mount(RamFS(files), "/ram")
"""

def heap(romfs, mpy_cross, fw, n):
    with tempfile.TemporaryDirectory() as tmp:
        img = make_app(tmp, romfs, mpy_cross, n)
        res = {}
        for label, where, setup in ((".mpy from /rom", "/rom/mpy", ""),
                                    (".mpy from a RAM filesystem", "/ram", RAMFS),
                                    (".py from /rom", "/rom/py", "")):
            code = IMPORT + setup + "\nsys.path[:0] = ['%s']\ngo(%d, '%s')\n" % (where, n, where)
            out = run(fw, img, code)
            line = [l for l in out.splitlines() if l.startswith("RESULT")]
            done, used = map(int, line[-1].split()[1:])
            res[label] = (done, used)
        total = run(fw, img, "import gc\nprint(gc.mem_free() + gc.mem_alloc())\n").strip()
    print("Heap after importing %d generated modules on MicroPython's Cortex-M3 firmware "
          "(QEMU MPS2_AN385, %s-byte heap):\n" % (n, total))
    print("| imported as | modules imported | heap used | per module |")
    print("|---|---|---|---|")
    for label, (done, used) in res.items():
        note = "" if done == n else " (MemoryError at module %d)" % (done + 1)
        print("| %s | %d of %d%s | %d B | %d B |" % (label, done, n, note, used, used // max(done, 1)))
    rom = res[".mpy from /rom"]
    for label in (".mpy from a RAM filesystem", ".py from /rom"):
        d, u = res[label]
        print("\nheap per module, %s / .mpy from /rom: %.1fx" % (label, (u / max(d, 1)) / (rom[1] / max(rom[0], 1))))

def object_bytes(mapfile, objects):
    """Bytes of code and constants (.text*, .rodata*) the link kept from the
    object files whose path ends with one of `objects` (GNU ld map)."""
    total = 0
    with open(mapfile) as f:
        lines = f.read().split("Linker script and memory map", 1)[-1].splitlines()
    pending = None
    for line in lines:
        f = line.split()
        if len(f) == 1 and f[0].startswith((".text", ".rodata")):
            pending = f[0]
            continue
        if pending and len(f) == 3 and f[0].startswith("0x"):
            name, addr, size, obj = pending, f[0], f[1], f[2]
        elif len(f) == 4 and f[0].startswith((".text", ".rodata")) and f[1].startswith("0x"):
            name, addr, size, obj = f
        else:
            pending = None
            continue
        pending = None
        if int(addr, 16) and any(obj.endswith(o) for o in objects):
            total += int(size, 16)
    return total

def text_size(elf):
    out = subprocess.run(["arm-none-eabi-size", "-A", elf], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == ".text":
            return int(f[1])
    sys.exit("bench: no .text in " + elf)

def vfsrom(romfs, mpy_cross, up, safe, n):
    with tempfile.TemporaryDirectory() as tmp:
        img = make_app(tmp, romfs, mpy_cross, n, small=True)
        code = ("import sys, time\nsys.path[:0] = ['/rom/mpy']\nt = time.ticks_us()\n"
                "for i in range(%d):\n    __import__('m%%03d' %% i)\n"
                "print('TIME', time.ticks_diff(time.ticks_us(), t))\n" % n)
        times = {}
        for label, fw in (("upstream", up), ("romfs", safe)):
            out = run(fw, img, code, icount=True)
            times[label] = int([l for l in out.splitlines() if l.startswith("TIME")][-1].split()[1])
    upstream_objs = ("extmod/vfs_rom.o", "extmod/vfs_rom_file.o")
    mu, ms = up[:-4] + ".map", safe[:-4] + ".map"
    cu = object_bytes(mu, upstream_objs)
    cs = object_bytes(ms, ("/vfs_rom_safe.o",) + upstream_objs)
    if cu == 0 or cs == 0:
        sys.exit("bench: no VfsRom code found in %s or %s" % (mu, ms))
    print("VfsRom on MicroPython's Cortex-M3 firmware (QEMU MPS2_AN385, -Os), upstream's vs romfs's:\n")
    print("| VfsRom | code + constants linked | import of %d .mpy modules from /rom (-icount, virtual us) |" % n)
    print("|---|---|---|")
    print("| upstream extmod/vfs_rom.c + vfs_rom_file.c | %d B | %d |" % (cu, times["upstream"]))
    print("| romfs port/micropython (with the reader) | %d B | %d |" % (cs, times["romfs"]))
    print("\n.text growth: %+d B (target: at most +400)" % (cs - cu))
    print("import time ratio romfs/upstream: %.3f (target: at most 1.1)" % (times["romfs"] / times["upstream"]))
    print("(whole firmware .text: %d B upstream, %d B with romfs's VfsRom and the test board's "
          "writable partition, tests/micropython/romboard)" % (text_size(up), text_size(safe)))
    return cs - cu <= 400 and times["romfs"] <= 1.1 * times["upstream"]

def main():
    a = sys.argv[1:]
    if len(a) >= 4 and a[0] == "heap":
        heap(a[1], a[2], a[3], int(a[4]) if len(a) > 4 else 100)
    elif len(a) >= 5 and a[0] == "vfsrom":
        sys.exit(0 if vfsrom(a[1], a[2], a[3], a[4], int(a[5]) if len(a) > 5 else 300) else 1)
    else:
        sys.exit(__doc__)

if __name__ == "__main__":
    main()
