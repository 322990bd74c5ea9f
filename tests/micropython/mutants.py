#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A deterministic corpus of mutated ROMFS images, walked by MicroPython.

    mutants.py gen DIR VECTOR... [-n N]   write N mutants (default 3000) to DIR
    mutants.py run MICROPYTHON DIR [TYPE] walk each mutant with TYPE (default
                                          vfs.VfsRom; e.g. upstream_vfsrom.VfsRom)

`gen` derives mutant k from vector k % len(vectors) with random.Random(k):
1 to 4 edits (a byte set to a random value or to 0x00/0x7f/0x80/0xff, a byte
inserted or deleted, the tail cut off), so the corpus is the same on every
machine. `run` mounts each mutant in the given MicroPython (one process for
many images, restarted after a crash) and walks it: ilistdir of every
directory, stat of every entry, open of every file, and the address of each
file's memoryview checked against the image's buffer before any byte is
read. It prints one line per problem and a summary line
    mutants N crashed C out_of_image O errors E
C: the process died on a mutant (a signal, e.g. a segfault); O: mutants
where a file's memoryview reaches outside the image; E: an unexpected exception (not
OSError/MemoryError/UnicodeError). Exit status 0 always: the caller judges.
"""
import os, random, signal, subprocess, sys

WALKER = r'''
import vfs, uctypes, sys
VfsRom = __import__(TYPE_MODULE).VfsRom
def walk(fs, path, lo, hi, depth, bad):
    if depth > 40:
        return
    try:
        ents = list(fs.ilistdir(path))
    except (OSError, MemoryError, UnicodeError):
        return
    for e in ents[:200]:
        name, kind = e[0], e[1]
        p = path + "/" + name if path else name
        try:
            fs.stat(p)
        except (OSError, MemoryError, UnicodeError):
            pass
        if kind == 0x4000:
            walk(fs, p, lo, hi, depth + 1, bad)
            continue
        try:
            f = fs.open(p, "rb")
        except (OSError, MemoryError, UnicodeError):
            continue
        m = memoryview(f)
        n = len(m)
        a = uctypes.addressof(m) if n else lo
        if a < lo or a + n > hi:
            bad.append(1)
            print("OOB", p.encode() if isinstance(p, str) else p, hex(a - lo), n)
            continue
        f.read(64)
        f.seek(0, 2)
        f.close()
for line in sys.stdin:
    name = line.strip()
    if not name:
        continue
    print("START", name)
    img = open(name, "rb").read()
    lo = uctypes.addressof(img)
    hi = lo + len(img)
    bad = []
    try:
        fs = VfsRom(img)
        fs.statvfs("")
        walk(fs, "", lo, hi, 0, bad)
    except (OSError, MemoryError, UnicodeError):
        pass
    except Exception as ex:
        print("ERROR", repr(ex))
    print("DONE", name)
'''

def gen(out, vectors, n):
    bases = []
    for v in vectors:
        with open(v, "rb") as f:
            d = f.read()
        if 0 < len(d) <= 20000:
            bases.append(d)
    os.makedirs(out, exist_ok=True)
    for k in range(n):
        r = random.Random(k)
        d = bytearray(bases[k % len(bases)])
        for _ in range(r.randint(1, 4)):
            op = r.randrange(6)
            i = r.randrange(len(d)) if d else 0
            if not d:
                d.append(r.randrange(256))
            elif op <= 1:
                d[i] = r.randrange(256)
            elif op == 2:
                d[i] = r.choice((0x00, 0x7f, 0x80, 0xff))
            elif op == 3:
                d.insert(i, r.randrange(256))
            elif op == 4 and len(d) > 1:
                del d[i]
            else:
                del d[max(i, 1):]
        with open(os.path.join(out, "m%05d.romfs" % k), "wb") as f:
            f.write(d)

def run(mp, folder, kind="vfs.VfsRom"):
    module = kind.rsplit(".", 1)[0]
    walker = "TYPE_MODULE = %r\n" % module + WALKER
    names = sorted(os.path.join(folder, x) for x in os.listdir(folder) if x.endswith(".romfs"))
    crashed = errors = 0
    oob = set()
    todo = list(names)
    while todo:
        p = subprocess.run([mp, "-c", walker], input="\n".join(todo) + "\n", capture_output=True,
                           text=True, errors="replace", timeout=600)
        done, current = set(), None
        for line in p.stdout.splitlines():
            if line.startswith("START "):
                current = line[6:]
            elif line.startswith("DONE "):
                done.add(line[5:])
                current = None
            elif line.startswith("OOB "):
                oob.add(current)
                print("out of image:", os.path.basename(current or "?"), line[4:])
            elif line.startswith("ERROR "):
                errors += 1
                print("error:", os.path.basename(current or "?"), line[6:])
        if p.returncode == 0 and current is None:
            break
        if current is None:
            print("the walker failed (status %d): %s" % (p.returncode, p.stderr[-300:]))
            errors += 1
            break
        crashed += 1
        why = ("signal %d" % -p.returncode) if p.returncode < 0 else ("status %d" % p.returncode)
        print("crashed:", os.path.basename(current), why)
        todo = todo[todo.index(current) + 1:]
    print("mutants %d crashed %d out_of_image %d errors %d (%s)" % (len(names), crashed, len(oob), errors, kind))

def main():
    a = sys.argv[1:]
    if a[:1] == ["gen"]:
        n = 3000
        if "-n" in a:
            i = a.index("-n")
            n = int(a[i + 1])
            del a[i:i + 2]
        gen(a[1], a[2:], n)
    elif a[:1] == ["run"]:
        run(a[1], a[2], *a[3:4])
    else:
        sys.exit(__doc__)

if __name__ == "__main__":
    main()
