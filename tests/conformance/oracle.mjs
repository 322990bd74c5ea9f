// SPDX-License-Identifier: MIT
// The oracle: real MicroPython 1.29 (WebAssembly, pinned in package.json)
// walking a ROMFS image. Its JSON has exactly the shape walk.c prints, so the
// driver compares data, never formatting.
//
// With CONF_MICROPYTHON=PATH the oracle is instead the unix port at PATH
// built with port/micropython's bounds-safe VfsRom and tests/micropython's
// romboard (tests/micropython/conformance_safe.sh): the image is written to
// its flash file ($ROMFS_UNIX_FLASH, padded with 0xFF to whole 4 KiB blocks,
// as an erased partition is) and mounted at /rom by MicroPython's own boot.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

// Mirrors seq_ops[] in walk.c: [0] tell, [1, n] read(n) (n < 0: read()),
// [2, off, whence] seek. Failed seeks rewind on both sides.
export const SEQ_OPS = [
  [0], [1, 5], [0], [2, 3, 0], [1, 5],
  [0], [2, -2, 1], [1, 3], [0], [2, 0, 2],
  [0], [2, -1, 2], [1, 1], [0], [2, -100, 1],
  [0], [2, 100000, 0], [0], [1, 1], [2, 5, 2],
  [0], [2, -3, 2], [1, 10], [0], [2, -1000000, 2],
  [0], [2, 7, 0], [2, 2, 1], [1, 0], [1, -1],
  [0],
];

// Python helpers defined once per MicroPython instance. Paths are bytes so
// names that are not UTF-8 survive; the walk keeps its own stack (no
// recursion on depth).
const PY_HELPERS = `
import os, vfs, json, hashlib, binascii, uctypes, errno
_EXTRA = {30: 'EROFS', 5: 'EIO', 20: 'ENOTDIR', 75: 'EOVERFLOW'}
def _en(e):
    if isinstance(e, OSError):
        n = e.args[0]
        # MicroPython's errno table lacks some names (EROFS).
        return errno.errorcode.get(n, _EXTRA.get(n, 'E%d' % n)) if isinstance(n, int) else 'OSError'
    return type(e).__name__
def _hx(b): return binascii.hexlify(b).decode()
def _sha(b): return _hx(hashlib.sha256(b).digest())
def _rd(b): return _hx(b) if len(b) <= 64 else '%d:%s' % (len(b), _sha(b))
_SEQ = ${JSON.stringify(SEQ_OPS)}
def _seq(f):
    r = []
    for op in _SEQ:
        if op[0] == 0:
            r.append(f.tell())
        elif op[0] == 2:
            try:
                r.append(f.seek(op[1], op[2]))
            except Exception as ex:
                r.append(_en(ex))
                f.seek(0)
        else:
            r.append(_rd(f.read(op[1]) if op[1] >= 0 else f.read()))
    return r
def _entry(base, p, kids, lo):
    e = {'path': _hx(p)}
    full = base + p
    try:
        st = os.stat(full)
    except Exception as ex:
        e['stat'] = _en(ex)
        return e
    e['stat'] = list(st)
    if st[0] & 0x4000:
        lst = []
        err = None
        try:
            for t in os.ilistdir(full):
                lst.append([_hx(t[0]), t[1], t[2], t[3]])
                if kids is not None:
                    kids.append(p + b'/' + t[0])
        except Exception as ex:
            err = _en(ex)
        e['list'] = lst
        e['list_err'] = err
        try:
            open(full, 'rb')
            e['open_err'] = None
        except Exception as ex:
            e['open_err'] = _en(ex)
        return e
    try:
        f = open(full, 'rb')
    except Exception as ex:
        e['read'] = _en(ex)
    else:
        d = f.read()
        e['read'] = [len(d), _sha(d)]
        m = memoryview(f)
        e['mv'] = [len(m), _sha(m), uctypes.addressof(m) - lo if len(m) else None]
        f = open(full, 'rb')
        e['seq'] = _seq(f)
    try:
        list(os.ilistdir(full))
        e['list_err'] = None
    except Exception as ex:
        e['list_err'] = _en(ex)
    try:
        os.stat(full + b'/x')
        e['sub_err'] = None
    except Exception as ex:
        e['sub_err'] = _en(ex)
    return e
def _walk(base, lo, maxn, probes):
    print(json.dumps({'statvfs': list(os.statvfs(base))}))
    stack = [b'']
    n = 0
    trunc = False
    while stack:
        p = stack.pop()
        if n == maxn:
            trunc = True
            continue
        kids = []
        print(json.dumps(_entry(base, p, kids, lo)))
        n += 1
        stack.extend(kids[::-1])
    print(json.dumps({'truncated': trunc}))
    for p in probes:
        print(json.dumps({'probe': _entry(base, p, None, lo)}))
`;

export class WasmOracle {
  static async load(romfs) {
    const o = new WasmOracle();
    o.lines = [];
    const opts = {
      stdout: (l) => o.lines.push(l),
      stderr: (l) => o.lines.push(l),
      linebuffer: true,
      heapsize: 32 * 1024 * 1024,
    };
    if (romfs) opts.romfs = romfs;
    o.mp = await loadMicroPython(opts);
    return o;
  }

  // Run code; returns its output lines, or throws with MicroPython's
  // traceback in the message.
  run(code) {
    this.lines = [];
    try {
      this.mp.runPython(code);
    } catch (e) {
      const err = new Error(`MicroPython ${e.type || e.name}: ${e.message}\n${this.lines.join("\n")}`);
      err.pyType = e.type;
      throw err;
    }
    return this.lines;
  }

  helpers() {
    if (!this.hasHelpers) this.run(PY_HELPERS);
    this.hasHelpers = true;
  }

  // Whether MicroPython's own boot mounted the image at /rom.
  booted() {
    return this.run("import os\nprint('rom' in os.listdir('/'))")[0] === "True";
  }

  // Walk a mounted tree at `base` whose image starts at Python expression
  // `loExpr`; `mountCode` runs first and may raise (the mount error).
  walk({ base = "/rom", mountCode = "", loExpr = "uctypes.addressof(vfs.rom_ioctl(2, 0))", maxEntries = 100000, probes = [] }) {
    this.helpers();
    const pyProbes = "[" + probes.map((p) => `bytes.fromhex('${Buffer.from(p).toString("hex")}')`).join(",") + "]";
    if (mountCode) {
      const body = mountCode.split("\n").map((l) => "    " + l).join("\n");
      const r = this.run(`try:\n${body}\n    print('MOUNT ok')\nexcept Exception as ex:\n    print('MOUNT ' + _en(ex))`);
      const mount = r[r.length - 1].slice(6);
      if (mount !== "ok") return { mount };
    }
    const lines = this.run(`_walk(b'${base}', ${loExpr}, ${maxEntries}, ${pyProbes})`);
    const res = { mount: "ok", statvfs: null, entries: [], truncated: false, probes: [] };
    for (const l of lines) {
      const j = JSON.parse(l);
      if (j.statvfs) res.statvfs = j.statvfs;
      else if ("truncated" in j) res.truncated = j.truncated;
      else if (j.probe) res.probes.push(j.probe);
      else res.entries.push(j);
    }
    return res;
  }
}

// The unix port as the oracle: one process per run(), which first runs again
// the code every earlier successful run() ran (helpers, mounts), so state
// carries over as in one interpreter; output after a marker line is this
// run's. Boot mounts the flash file's image at /rom; /rom and /rom/lib then
// go first on sys.path, as a board's boot puts them (the unix port resets
// sys.path after its boot).
const UNIX_MARK = "--- romfs oracle run ---";

export class UnixOracle {
  static partition(bytes) {
    const n = Math.max(4096, Math.ceil(bytes.length / 4096) * 4096);
    const b = Buffer.alloc(n, 0xff);
    Buffer.from(bytes).copy(b);
    return b;
  }

  static async load(romfs) {
    const o = new UnixOracle();
    o.bin = process.env.CONF_MICROPYTHON;
    o.dir = fs.mkdtempSync(path.join(process.env.CONF_WORK || os.tmpdir(), "unix-"));
    o.flash = romfs ? path.join(o.dir, "flash.bin") : "";
    if (romfs) fs.writeFileSync(o.flash, UnixOracle.partition(romfs));
    o.prelude = "import sys, os\ntry:\n    os.stat('/rom')\n    sys.path[:0] = ['/rom', '/rom/lib']\nexcept OSError:\n    pass\n";
    return o;
  }

  run(code) {
    const script = path.join(this.dir, "run.py");
    fs.writeFileSync(script, `${this.prelude}print(${JSON.stringify(UNIX_MARK)})\n${code}\n`);
    const r = spawnSync(this.bin, ["-X", "heapsize=32M", script], {
      cwd: this.dir, encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, ROMFS_UNIX_FLASH: this.flash },
    });
    if (r.error) throw new Error(`cannot run ${this.bin}: ${r.error.message}`);
    const out = r.stdout.split("\n");
    if (out.at(-1) === "") out.pop();
    const lines = out.slice(out.indexOf(UNIX_MARK) + 1);
    if (r.status !== 0) {
      const last = r.stderr.trim().split("\n").at(-1) || `exit ${r.status ?? r.signal}`;
      const err = new Error(`MicroPython ${last}\n${r.stderr}`);
      err.pyType = r.signal ? `killed by ${r.signal}` : /^(\w+)/.exec(last)?.[1];
      throw err;
    }
    this.prelude += `${code}\n`;
    return lines;
  }

  helpers() {
    if (!this.hasHelpers) this.run(PY_HELPERS);
    this.hasHelpers = true;
  }

  // The unix port's root is the host's (VfsPosix): /rom is there when mounted.
  booted() {
    return this.run("import os\ntry:\n    os.stat('/rom')\n    print(True)\nexcept OSError:\n    print(False)")[0] === "True";
  }

  walk(opts) {
    return WasmOracle.prototype.walk.call(this, opts);
  }
}

// The oracle the suite compares with (see the top of this file).
export const Oracle = process.env.CONF_MICROPYTHON ? UnixOracle : WasmOracle;

// Walk an image the way a board sees it: booted at /rom when MicroPython's
// boot accepts it, else mounted by hand with VfsRom to record the error.
export async function oracleWalk(image, opts = {}) {
  const o = await Oracle.load(image);
  if (o.booted()) return { booted: true, ...o.walk(opts) };
  return {
    booted: false,
    ...o.walk({ ...opts, base: "/x", mountCode: "import vfs\nvfs.mount(vfs.VfsRom(vfs.rom_ioctl(2, 0)), '/x')" }),
  };
}
