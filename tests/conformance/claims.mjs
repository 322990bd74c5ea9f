// SPDX-License-Identifier: MIT
// Every MicroPython behaviour that docs/COMPATIBILITY.md states, checked
// against the pinned oracle by conformance.claims, so the table cannot drift
// from what MicroPython really does. `id` is the claim's name in the doc.
// Code runs after oracle.mjs's helpers (_en: exception -> errno name).

// Print the errno name (or exception type) of each call, space-separated.
const errs = (calls) => `
_r = []
for _c in (${calls.map((c) => `lambda: ${c}`).join(", ")},):
    try:
        _c()
        _r.append('ok')
    except Exception as ex:
        _r.append(_en(ex))
print(' '.join(_r))`;

const DOC = "golden/doc_example.romfs"; // /lib/helper.py (11 B), /main.py (34 B), /utils.py (41 B)

export const CLAIMS = [
  { id: "boot-sys-path", image: DOC, code: "import sys, os\nprint(sys.path, os.getcwd())", expect: "['', '.frozen', '/rom', '/rom/lib', '/lib'] /rom" },
  { id: "statvfs", image: DOC, code: "print(os.statvfs('/rom'), os.statvfs('/rom/lib'))", expect: "(1, 0, 131, 0, 0, 0, 0, 0, 0, 32767) (1, 0, 131, 0, 0, 0, 0, 0, 0, 32767)" },
  { id: "statvfs-partition-tail", image: "hostile/interrupted_deploy_ff_tail.romfs", code: "import vfs\nprint(os.statvfs('/rom')[2], len(vfs.rom_ioctl(2, 0)))", expect: /^\d+ \d+$/ },
  { id: "stat-dir-size", image: DOC, code: "print(os.stat('/rom')[6], os.stat('/rom/lib')[6], os.stat('/rom/lib')[0], os.stat('/rom/main.py')[0])", expect: "131 25 16384 32768" },
  { id: "stat-tuple", image: DOC, code: "print(tuple(os.stat('/rom/main.py')))", expect: "(32768, 0, 0, 0, 0, 0, 34, 0, 0, 0)" },
  { id: "ilistdir-tuple", image: DOC, code: "print(list(os.ilistdir('/rom')))", expect: "[('lib', 16384, 0, 25), ('main.py', 32768, 0, 34), ('utils.py', 32768, 0, 41)]" },
  { id: "open-write-modes", image: DOC, code: errs(["open('/rom/main.py', 'w')", "open('/rom/main.py', 'wb')", "open('/rom/main.py', 'a')", "open('/rom/main.py', 'r+b')", "open('/rom/new', 'w')"]), expect: "EROFS EROFS EROFS EROFS EROFS" },
  { id: "open-errors", image: DOC, code: errs(["open('/rom/lib', 'rb')", "open('/rom', 'rb')", "open('/rom/nope', 'rb')", "open('/rom/main.py/x', 'rb')"]), expect: "EISDIR EISDIR ENOENT ENOENT" },
  { id: "ilistdir-errors", image: DOC, code: errs(["list(os.ilistdir('/rom/main.py'))", "list(os.ilistdir('/rom/nope'))"]), expect: "ENOENT ENOENT" },
  { id: "path-forms", image: DOC, code: errs(["os.stat('/rom/lib/')", "os.stat('/rom//lib')", "os.stat('/rom/./main.py')", "os.stat('/rom/lib/../main.py')", "os.stat('/rom/main.py/x')"]), expect: "ok ENOENT ENOENT ENOENT ENOENT" },
  { id: "not-an-image", image: DOC, code: `import vfs\n${errs(["vfs.VfsRom(b'')", "vfs.VfsRom(b'\\xd2\\xcd\\x31')", "vfs.VfsRom(b'\\xd2\\xcd\\x32\\x00')", "vfs.VfsRom(b'\\xd2\\xcd\\x31\\x05ab')"])}`, expect: "ENODEV ENODEV ENODEV ENODEV" },
  { id: "mkfs-chdir", image: DOC, code: `import vfs\n${errs(["vfs.mount(vfs.VfsRom(vfs.rom_ioctl(2, 0)), '/q', mkfs=True)", "os.chdir('/rom/lib')", "os.chdir('/rom')"])}`, expect: "EPERM EOPNOTSUPP ok" },
  { id: "rom-ioctl", image: DOC, code: "import vfs\nprint(vfs.rom_ioctl(1), len(vfs.rom_ioctl(2, 0)), vfs.rom_ioctl(6, 0), vfs.rom_ioctl(3, 0, 0))", expect: "1 136 -22 -22" },
  { id: "seek-failed-position", image: DOC, code: `
f = open('/rom/main.py', 'rb')
_r = []
for off, wh in ((-100, 1), (-1, 0), (-40, 2)):
    f.seek(10)
    try:
        f.seek(off, wh)
    except OSError as ex:
        _r.append('%s:%d' % (_en(ex), f.tell()))
print(' '.join(_r))`, expect: "EINVAL:34 EINVAL:10 EINVAL:34" },
  { id: "seek-whence-3", image: DOC, code: "f = open('/rom/main.py', 'rb')\nf.seek(3)\nprint(f.seek(0, 3), f.seek(-5, 3), f.seek(2, 7))", expect: "34 29 34" },
  { id: "seek-clamp", image: DOC, code: "f = open('/rom/main.py', 'rb')\nprint(f.seek(1000), f.seek(5, 2), f.seek(3), f.seek(1000, 1))", expect: "34 34 3 34" },
  { id: "seek-overflow", image: DOC, code: `f = open('/rom/main.py', 'rb')\n${errs(["f.seek(2**40)", "f.seek(2**31)", "f.seek(2**31 - 1)"])}`, expect: "OverflowError OverflowError ok" },
  { id: "read-after-close", image: DOC, code: "f = open('/rom/main.py', 'rb')\nf.close()\nprint(f.read(6))", expect: "b'import'" },
  { id: "text-mode", image: DOC, code: `f = open('/rom/main.py')\nprint(type(f).__name__, f.read(6))\n${errs(["memoryview(f)"])}`, expect: "TextIOWrapper import\nTypeError" },
  { id: "memoryview-zero-copy", image: DOC, code: "import uctypes, vfs\nf = open('/rom/main.py', 'rb')\nprint(uctypes.addressof(memoryview(f)) - uctypes.addressof(vfs.rom_ioctl(2, 0)), len(memoryview(f)))", expect: "48 34" },
  { id: "bytes-paths", image: DOC, code: "print(os.listdir(b'/rom'), os.listdir('/rom/lib'))", expect: "[b'lib', b'main.py', b'utils.py'] ['helper.py']" },

  { id: "no-write-methods", image: DOC, code: errs(["os.mkdir('/rom/x')", "os.remove('/rom/main.py')", "os.rmdir('/rom/lib')", "os.rename('/rom/main.py', '/rom/m')"]), expect: "AttributeError AttributeError AttributeError AttributeError" },
  { id: "mount-table", image: DOC, code: `import vfs\n${errs(["vfs.umount('/nope')", "vfs.mount(vfs.VfsRom(vfs.rom_ioctl(2, 0)), '/rom')", "vfs.mount(vfs.VfsRom(vfs.rom_ioctl(2, 0)), '/rom/sub')", "open('/', 'rb')"])}`, expect: "EINVAL EPERM EPERM EPERM" },
  { id: "file-trailing-slash", image: DOC, code: errs(["os.stat('/rom/lib/helper.py/')", "open('/rom/main.py/', 'rb')"]), expect: "ENOENT ENOENT" },

  // Hostile vectors: what MicroPython does with them.
  ...[
    ["pointer_offset_out_of_image", "4096 100004 26"],
    ["pointer_size_out_of_image", "100000 5 26"],
    ["record_longer_than_parent", "5000 23 26"],
  ].map(([name, want]) => ({
    id: `exposes-${name}`, image: `hostile/${name}.romfs`,
    // size, data offset from the image start, image length: the data runs
    // past the image, so MicroPython hands out memory that is not the image.
    code: "import uctypes, vfs\nf = open('/rom/x', 'rb')\nprint(len(memoryview(f)), uctypes.addressof(memoryview(f)) - uctypes.addressof(vfs.rom_ioctl(2, 0)), len(vfs.rom_ioctl(2, 0)))",
    expect: want,
  })),
  { id: "names-with-slash-and-dots", image: "hostile/names_with_slash_and_dots.romfs", code: "print(os.listdir('/rom'))\nprint(open('/rom/a/b').read(), open('/rom/../../evil').read(), open('/rom/..').read(), os.stat('/rom/')[0])", expect: /^\['\.\.\/\.\.\/evil', 'a\/b', '\.\.', '', 'ok'\]\n.+ .+ .+ 16384$/ },
  ...["varuint_overflow", "unused_record_kind", "truncated_pointer", "file_without_data", "name_longer_than_record", "interrupted_deploy_ff_tail"].map((name) => ({
    id: `listing-stops-${name}`, image: `hostile/${name}.romfs`,
    // The listing ends silently at the corrupt record; the entry is absent.
    code: `print(os.listdir('/rom'))\n${errs(["os.stat('/rom/x')"])}`,
    expect: "['ok']\nENOENT",
  })),
  { id: "duplicate-names", image: "hostile/duplicate_names.romfs", code: "print(os.listdir('/rom'), open('/rom/x').read())", expect: "['x', 'x'] first" },
  { id: "padded-varuints", image: "hostile/padded_varuints.romfs", code: "print(open('/rom/p').read())", expect: "padded" },
  { id: "unknown-records-skipped", image: "hostile/unknown_records_skipped.romfs", code: "print(os.listdir('/rom'), open('/rom/dir/in').read())", expect: "['test', 'dir'] side" },
  { id: "deep-nesting", image: "hostile/deep_nesting_20000.romfs", code: `print(os.listdir('/rom'))\n${errs(["os.stat('/rom/d/d/d/x')", "os.stat('/rom' + '/d' * 500)"])}`, expect: "['d']\nENOENT ok" },
];
