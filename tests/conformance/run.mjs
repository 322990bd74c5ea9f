// SPDX-License-Identifier: MIT
// Conformance driver: run one mode (vectors, generated, imports, nested, boot,
// hostile, claims) comparing our reader and builder with real MicroPython.
//
//   node tests/conformance/run.mjs MODE [--seed N]
//
// Environment (set by tests/conformance/CMakeLists.txt): ROMFS_BIN (the romfs
// command), WALK_BIN (walk.c), RELAYOUT_BIN (relayout.c), ROMFS_VECTORS,
// CONF_WORK (scratch directory, wiped at the start).
// CONF_SEED=N (or --seed N) reproduces one generated case; CONF_SEEDS=1,2,..
// runs those seeds only. CONF_MICROPYTHON=PATH: the unix port at PATH is the
// oracle instead of the WebAssembly build (oracle.mjs).
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

import { diffWalks, diffTruth, countEntries, showPath } from "./compare.mjs";
import { genTree, diskTree, editTree, rng } from "./gen_tree.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

function die(msg) {
  console.error(`conformance: ${msg}`);
  process.exit(1);
}

function need(name) {
  if (!process.env[name]) die(`${name} is not set: run this through ctest (tests/conformance/CMakeLists.txt)`);
  return process.env[name];
}

const argv = process.argv.slice(2);
const MODE = argv[0];
let SEED = process.env.CONF_SEED ? Number(process.env.CONF_SEED) : null;
const si = argv.indexOf("--seed");
if (si >= 0) SEED = Number(argv[si + 1]);
if (SEED !== null && !Number.isInteger(SEED)) die("--seed/CONF_SEED must be an integer");

const WALK = need("WALK_BIN");
const VEC = need("ROMFS_VECTORS");
const WORK = need("CONF_WORK");
const ROMFS = process.env.ROMFS_BIN;
const RELAYOUT = process.env.RELAYOUT_BIN;

// The oracle is a hard requirement: a missing npm package fails the suite.
let Oracle, WasmOracle, oracleWalk;
try {
  ({ Oracle, WasmOracle, oracleWalk } = await import("./oracle.mjs"));
} catch (e) {
  die(`cannot load MicroPython (@micropython/micropython-webassembly-pyscript): run \`npm ci\` in the repository root (${e.message})`);
}

// WORK is wiped first; refuse anything that looks like more than a scratch dir.
if (path.resolve(WORK).split(path.sep).filter(Boolean).length < 3) die(`CONF_WORK=${WORK} is too close to the root to wipe`);
fs.rmSync(WORK, { recursive: true, force: true });
fs.mkdirSync(WORK, { recursive: true });

let failures = 0;
let images = 0;
let compared = 0;
let vfsImages = 0;
const t0 = performance.now();

function failure(msg) {
  failures++;
  console.log(`FAIL ${msg}`);
}

const sha256 = (b) => crypto.createHash("sha256").update(b).digest("hex");

// Our reader's walk (walk.c under ASan). Exit 3 means it handed out a byte
// outside the image; any crash is a failure too.
function ourWalk(image, extra = []) {
  const r = spawnSync(WALK, [...extra, image], { maxBuffer: 1 << 28, encoding: "utf8" });
  if (r.error) die(`cannot run ${WALK}: ${r.error.message}`);
  if (r.status !== 0) {
    return { crashed: `walk exited ${r.status ?? r.signal}: ${(r.stderr || "").trim().slice(0, 2000)}` };
  }
  return JSON.parse(r.stdout);
}

// Every generated name is packed (--no-default-excludes): the trees hold
// names like "x~" that romfs leaves out by default, and the oracle compares
// the image with the whole tree.
function build(src, out, align) {
  if (!ROMFS) die("ROMFS_BIN is not set");
  const args = ["build", "--no-mpy", "--no-default-excludes", ...(align ? ["--align", String(align)] : []), "-o", out, src];
  const r = spawnSync(ROMFS, args, { encoding: "utf8" });
  if (r.error) throw new Error(`cannot run ${ROMFS}: ${r.error.message} (is the romfs command built?)`);
  if (r.status !== 0) {
    throw new Error(`romfs ${args.join(" ")} failed (${r.status}): ${(r.stderr || "").trim()}`);
  }
  return out;
}

// Walk one image on both sides, compare, and check the ground truth.
// With vfs, the walk is repeated through our mount table (romfs_vfs.h) at
// /rom, which must match MicroPython exactly (no errno equivalences).
async function compareImage(label, file, { truth = null, align = 0, extra = [], oracleOpts = {}, load = null, vfs = true } = {}) {
  images++;
  const ours = ourWalk(file, extra);
  if (ours.crashed) return failure(`${label}: ${ours.crashed}`);
  const mp = load ? await load() : await oracleWalk(fs.readFileSync(file), oracleOpts);
  delete mp.booted;
  compared += countEntries(mp);
  const d = diffWalks(ours, mp);
  if (d) return failure(`${label}: ${d}`);
  if (vfs && (mp.entries || []).every((e) => fitsVfs(e.path))) {
    // Path probes are left out: the mount table resolves "//", "." and
    // ".." before the image sees them, on purpose (romfs_vfs.h).
    const noProbes = extra.filter((a, i) => a !== "--probe" && extra[i - 1] !== "--probe");
    const viaVfs = ourWalk(file, ["--vfs", ...noProbes]);
    if (viaVfs.crashed) return failure(`${label} (mount table): ${viaVfs.crashed}`);
    const dv = diffWalks(viaVfs, { ...mp, probes: [] }, []);
    if (dv) return failure(`${label} (mount table): ${dv}`);
    vfsImages++;
  }
  if (truth) {
    const t = diffTruth(mp, truth);
    if (t) return failure(`${label}: image differs from its source: ${t}`);
  }
  if (align > 1) {
    for (const e of ours.entries) {
      if (e.mv && e.mv[2] !== null && e.mv[2] % align !== 0) {
        return failure(`${label}: ${showPath(e.path)} data at image offset ${e.mv[2]}, not a multiple of ${align}`);
      }
    }
  }
}

// ---- modes ----

// Path spellings probed on every golden image (both sides must agree).
const PATH_FORMS = ["/lib/", "//lib", "/./main.py", "/lib/../main.py", "/lib/helper.py/", "/lib/helper.py/x",
  "/main.py/", "/nope", "/a.txt/", "/lib/helper.py"];

// Every golden vector and the upstream partition, checked against each
// other and against the golden manifest.
async function modeVectors() {
  const manifest = JSON.parse(fs.readFileSync(path.join(VEC, "golden/manifest.json"), "utf8"));
  for (const m of manifest) {
    const truth = new Map([["", { type: "dir", names: null }]]);
    const kids = new Map([["", []]]);
    for (const e of m.entries) {
      const hex = Buffer.from(e.path).toString("hex");
      const parent = Buffer.from(e.path.slice(0, e.path.lastIndexOf("/"))).toString("hex");
      const name = Buffer.from(e.path.slice(e.path.lastIndexOf("/") + 1)).toString("hex");
      kids.get(parent).push(Buffer.from(name, "hex"));
      if (e.type === "dir") {
        truth.set(hex, { type: "dir" });
        kids.set(hex, []);
      } else {
        truth.set(hex, { type: "file", size: e.size, sha: e.sha256 });
      }
    }
    for (const [p, k] of kids) truth.get(p).names = k.sort(Buffer.compare).map((n) => n.toString("hex"));
    const probes = PATH_FORMS;
    await compareImage(`golden/${m.image}`, path.join(VEC, "golden", m.image), {
      truth, extra: probes.flatMap((p) => ["--probe", p]), oracleOpts: { probes },
    });
  }
  await compareImage("upstream/random_romfs.bin", path.join(VEC, "upstream/random_romfs.bin"));
}

// The mount table resolves paths in a fixed buffer (ROMFS_VFS_PATH_MAX: 256
// bytes with "/rom" and the walk's "/x" probe); images with longer paths
// are compared through the reader API only.
function fitsVfs(hexPath) {
  return hexPath.length / 2 + 8 < 256;
}

const DEFAULT_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8]; // two of each shape (seed % 4)
const ALIGNS = [0, 4, 64, 4096];

// Trees from the seeded generator, built by our builder in every layout.
async function modeGenerated() {
  let seeds;
  if (SEED !== null) {
    seeds = [SEED];
  } else if (process.env.CONF_SEEDS) {
    // A fixed subset (CONF_SEEDS=1,2,3,4: one tree of each shape).
    seeds = process.env.CONF_SEEDS.split(",").map(Number);
    if (!seeds.every(Number.isInteger)) die("CONF_SEEDS must be integers separated by commas");
  } else {
    const fresh = [crypto.randomInt(1, 2 ** 31), crypto.randomInt(1, 2 ** 31)];
    seeds = [...DEFAULT_SEEDS, ...fresh];
    console.log(`fresh seeds this run: ${fresh.join(", ")} (reproduce one with CONF_SEED=N)`);
  }
  for (const seed of seeds) {
    const dir = path.join(WORK, `seed-${seed}`);
    genTree(seed, path.join(dir, "tree"));
    const truth = diskTree(path.join(dir, "tree"));
    for (const align of ALIGNS) {
      const label = `seed ${seed} align ${align}`;
      const before = failures;
      try {
        const img = build(path.join(dir, "tree"), path.join(dir, `a${align}.romfs`), align);
        await compareImage(label, img, { truth, align });
      } catch (e) {
        failure(`${label}: ${e.message}`);
      }
      if (failures > before) console.log(`  reproduce: CONF_SEED=${seed} ctest -R conformance.generated --output-on-failure`);
    }
    if (RELAYOUT) await stableLayouts(seed, dir, truth);
  }
}

// The stable (deploy) layout: a fresh re-layout, an aligned one, and an
// edited tree laid out against the first as its base.
function relayout(src, out, args = []) {
  const r = spawnSync(RELAYOUT, [...args, src, out], { encoding: "utf8" });
  if (r.error) throw new Error(`cannot run ${RELAYOUT}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`relayout ${[...args, src].join(" ")} failed (${r.status}): ${(r.stderr || "").trim()}`);
  relayout.stats = JSON.parse(r.stdout);
  return out;
}

async function stableLayouts(seed, dir, truth) {
  const before = failures;
  try {
    const a0 = path.join(dir, "a0.romfs");
    const fresh = relayout(a0, path.join(dir, "stable.romfs"));
    await compareImage(`seed ${seed} stable layout`, fresh, { truth });
    await compareImage(`seed ${seed} stable layout align 64`, relayout(a0, path.join(dir, "stable64.romfs"), ["--align", "64"]), { truth, align: 64 });
    editTree(seed, path.join(dir, "tree"), path.join(dir, "edited"));
    const edited = build(path.join(dir, "edited"), path.join(dir, "edited.romfs"), 0);
    const next = relayout(edited, path.join(dir, "stable-next.romfs"), ["--base", fresh]);
    // The point of this case is the base path (files kept, rewritten,
    // moved); the layout may legitimately start afresh when waste is high.
    if (!relayout.stats.used_base && !relayout.stats.compacted) failure(`seed ${seed} stable layout after an edit: the base was not used (${JSON.stringify(relayout.stats)})`);
    await compareImage(`seed ${seed} stable layout after an edit`, next, { truth: diskTree(path.join(dir, "edited")) });
  } catch (e) {
    failure(`seed ${seed} stable layout: ${e.message}`);
  }
  if (failures > before) console.log(`  reproduce: CONF_SEED=${seed} ctest -R conformance.generated --output-on-failure`);
}

// ---- imports: .py and .mpy from /rom and /rom/lib ----

const IMPORT_PROBE = `
import sys, os, json, binascii, uctypes, vfs
import greet, consts, pkg
from pkg import inner
_c = greet.Counter()
_rom = vfs.rom_ioctl(2, 0)
_lo = uctypes.addressof(_rom)
print(json.dumps({
  'greet': greet.greet('conformance'),
  'bump': [_c.bump(), _c.bump(5), _c.bump()],
  'TEXT': consts.TEXT, 'DATA': binascii.hexlify(consts.DATA).decode(),
  'BIG': str(consts.BIG), 'PI': repr(consts.PI), 'TUPLE': repr(consts.TUPLE),
  'answer': [pkg.answer(), inner.answer()],
  # Boot leaves the cwd at /rom, so '' (first on sys.path) finds /rom's
  # modules with relative __file__ names.
  'files': [m.__file__ if m.__file__[0] == '/' else os.getcwd() + '/' + m.__file__
            for m in (greet, consts, pkg, inner)],
  'data_in_rom': _lo <= uctypes.addressof(consts.DATA) < _lo + len(_rom),
}))
`;

function copyTree(src, dst) {
  fs.cpSync(src, dst, { recursive: true });
  // The vectors are read-only; the builder only reads, but keep copies writable.
  for (const f of fs.readdirSync(dst, { recursive: true })) fs.chmodSync(path.join(dst, f), 0o755);
}

async function modeImports() {
  const srcDir = path.join(VEC, "mpy/src");
  const mpyDir = path.join(VEC, "mpy/mpy");
  // The reference: the .py sources imported by MicroPython from its own
  // (non-ROMFS) filesystem (the WebAssembly build's, also when the unix
  // port is the oracle: its filesystem is the host's).
  const ref = await WasmOracle.load(null);
  const files = [];
  for (const f of fs.readdirSync(srcDir, { recursive: true })) {
    if (f.endsWith(".py")) files.push(f);
  }
  let setup = "import os, sys\nfor d in ('/tmp/ref', '/tmp/ref/pkg'):\n    try:\n        os.mkdir(d)\n    except OSError:\n        pass\n";
  for (const f of files) {
    setup += `with open('/tmp/ref/${f}', 'w') as _f:\n    _f.write(${JSON.stringify(fs.readFileSync(path.join(srcDir, f), "utf8"))})\n`;
  }
  setup += "sys.path.insert(0, '/tmp/ref')\n";
  ref.run(setup);
  const expected = JSON.parse(ref.run(IMPORT_PROBE.replace("_lo <= uctypes.addressof(consts.DATA) < _lo + len(_rom)", "False")).at(-1));
  // What the sources themselves say, so a broken reference cannot pass.
  const innerSrc = fs.readFileSync(path.join(srcDir, "pkg/inner.py"), "utf8");
  const ans = Number(/return (\d+)/.exec(innerSrc)[1]);
  if (expected.answer[0] !== ans || expected.answer[1] !== ans) failure(`reference: pkg.answer() gave ${expected.answer}, source says ${ans}`);
  if (!expected.greet.startsWith("hello, conformance")) failure(`reference: greet() gave ${expected.greet}`);
  if (JSON.stringify(expected.bump) !== "[1,6,7]") failure(`reference: Counter.bump gave ${expected.bump}`);

  const layouts = [
    ["py at /rom", srcDir, "", ".py"],
    ["mpy at /rom", mpyDir, "", ".mpy"],
    ["py at /rom/lib", srcDir, "lib", ".py"],
    ["mpy at /rom/lib", mpyDir, "lib", ".mpy"],
  ];
  for (const [label, from, sub, ext] of layouts) {
    for (const align of [0, 64]) {
      const dir = path.join(WORK, `${label.replace(/\W+/g, "_")}_${align}`);
      const tree = path.join(dir, "tree");
      fs.mkdirSync(tree, { recursive: true });
      copyTree(from, path.join(tree, sub));
      const what = `import (${label}, align ${align})`;
      images++;
      try {
        const img = build(tree, path.join(dir, "img.romfs"), align);
        const o = await Oracle.load(fs.readFileSync(img));
        const got = JSON.parse(o.run(IMPORT_PROBE).at(-1));
        const base = sub ? "/rom/lib/" : "/rom/";
        const wantFiles = [`${base}greet${ext}`, `${base}consts${ext}`, `${base}pkg/__init__${ext}`, `${base}pkg/inner${ext}`];
        compared++;
        for (const k of Object.keys(expected)) {
          if (k === "data_in_rom" || k === "files") continue;
          if (JSON.stringify(got[k]) !== JSON.stringify(expected[k])) {
            failure(`${what}: ${k} = ${JSON.stringify(got[k])}, the .py reference gives ${JSON.stringify(expected[k])}`);
          }
        }
        if (JSON.stringify(got.files) !== JSON.stringify(wantFiles)) {
          failure(`${what}: imported from ${JSON.stringify(got.files)}, expected ${JSON.stringify(wantFiles)}`);
        }
        // A .mpy imported from ROMFS keeps its bytes constants in the image.
        if (ext === ".mpy" && !got.data_in_rom) failure(`${what}: consts.DATA was copied out of the image`);
      } catch (e) {
        failure(`${what}: ${e.message}`);
      }
    }
  }
}

// ---- nested: an image stored as a file inside another image ----

async function modeNested() {
  const cases = [[101, 0, 0], [102, 0, 64], [103, 4096, 64], [104, 64, 0]];
  for (const [seed, innerAlign, outerAlign] of cases) {
    const label = `nested seed ${seed} inner align ${innerAlign} outer align ${outerAlign}`;
    try {
      const dir = path.join(WORK, `nested-${seed}`);
      genTree(seed, path.join(dir, "inner"));
      const truth = diskTree(path.join(dir, "inner"));
      fs.mkdirSync(path.join(dir, "outer/sub"), { recursive: true });
      fs.writeFileSync(path.join(dir, "outer/note.txt"), "outer image\n");
      build(path.join(dir, "inner"), path.join(dir, "outer/inner.romfs"), innerAlign);
      fs.copyFileSync(path.join(dir, "outer/inner.romfs"), path.join(dir, "outer/sub/again.romfs"));
      const outer = build(path.join(dir, "outer"), path.join(dir, "outer.romfs"), outerAlign);
      for (const inner of ["/inner.romfs", "/sub/again.romfs"]) {
        await compareImage(`${label} ${inner}`, outer, {
          truth,
          extra: ["--nested", inner],
          load: async () => {
            const o = await Oracle.load(fs.readFileSync(outer));
            return o.walk({
              base: "/n",
              mountCode: `import vfs\n_f = open('/rom${inner}', 'rb')\n_m = memoryview(_f)\nvfs.mount(vfs.VfsRom(_m), '/n')`,
              loExpr: "uctypes.addressof(_m)",
            });
          },
        });
      }
    } catch (e) {
      failure(`${label}: ${e.message}`);
    }
  }
}

// ---- boot: which partitions MicroPython's boot mounts at /rom ----

async function modeBoot() {
  const doc = fs.readFileSync(path.join(VEC, "golden/doc_example.romfs"));
  const r = rng(4242);
  const rand = (n) => Buffer.from(Array.from({ length: n }, () => r.int(256)));
  const cases = [
    ["erased 0xFF", Buffer.alloc(4096, 0xff)],
    ["zeros", Buffer.alloc(4096, 0)],
    ["random bytes", rand(4096)],
    ["empty partition", Buffer.alloc(0)],
    ["magic only", Buffer.from([0xd2, 0xcd, 0x31])],
    ["bad magic", Buffer.concat([Buffer.from([0xd2, 0xcd, 0x32]), doc.subarray(3)])],
    ["truncated by half", doc.subarray(0, doc.length >> 1)],
    ["truncated by one byte", doc.subarray(0, doc.length - 1)],
    ["valid + 0xFF tail", Buffer.concat([doc, Buffer.alloc(4096, 0xff)])],
    ["valid + random tail", Buffer.concat([doc, rand(1000)])],
  ];
  for (const dir of ["golden", "hostile"]) {
    for (const f of fs.readdirSync(path.join(VEC, dir)).sort()) {
      if (f.endsWith(".romfs")) cases.push([`${dir}/${f}`, fs.readFileSync(path.join(VEC, dir, f))]);
    }
  }
  cases.push(["upstream/random_romfs.bin", fs.readFileSync(path.join(VEC, "upstream/random_romfs.bin"))]);
  let via = "";
  console.log("partition                                   MicroPython  ours");
  for (const [label, given] of cases) {
    images++;
    compared++;
    // What the board's partition holds (the unix port's: whole 4 KiB blocks).
    const bytes = Oracle.partition ? Oracle.partition(given) : given;
    const file = path.join(WORK, `boot-${images}.bin`);
    fs.writeFileSync(file, bytes);
    const r2 = spawnSync(WALK, ["--boot", file], { encoding: "utf8" });
    if (r2.status !== 0) {
      failure(`boot ${label}: walk --boot exited ${r2.status ?? r2.signal}: ${r2.stderr}`);
      continue;
    }
    const ours = JSON.parse(r2.stdout);
    via = ours.via;
    const o = await Oracle.load(bytes);
    const mp = o.booted();
    console.log(`${label.padEnd(44)}${(mp ? "mounted" : "-").padEnd(13)}${ours.boot ? "mounted" : "-"}`);
    if (mp !== ours.boot) failure(`boot ${label}: MicroPython ${mp ? "mounts" : "does not mount"} it, our ${via} ${ours.boot ? "accepts" : "refuses"} it`);
    if ("boot_mount" in ours) {
      // romfs_boot_mount: the same decision, and the sys.path entries boot adds.
      const mpPaths = JSON.parse(o.run("import sys, json\nprint(json.dumps([p for p in sys.path if p.startswith('/rom')]))")[0]);
      if (ours.boot_mount !== mp) failure(`boot ${label}: romfs_boot_mount ${ours.boot_mount ? "mounts" : "skips"} it, MicroPython ${mp ? "mounts" : "does not"}`);
      else if (JSON.stringify(ours.paths) !== JSON.stringify(mpPaths)) failure(`boot ${label}: romfs_boot_mount adds ${JSON.stringify(ours.paths)} to sys.path, MicroPython ${JSON.stringify(mpPaths)}`);
    }
  }
  console.log(`our side decided by ${via}`);
}

// ---- hostile: side-by-side table; ours must match expected.json ----

function summarise(e, imageLen) {
  if (!e) return "(not reached)";
  if (typeof e.stat === "string") return e.stat;
  if (e.list) return `dir(${e.list.length}${e.list_err ? " " + e.list_err : ""})`;
  if (typeof e.read === "string") return e.read;
  let s = `${e.read[0]} bytes`;
  const [len, , off] = e.mv;
  if (off !== null && (off < 0 || off + len > imageLen)) s += " OUT-OF-IMAGE";
  return s;
}

async function modeHostile() {
  const expected = JSON.parse(fs.readFileSync(path.join(VEC, "hostile/expected.json"), "utf8"));
  const rows = [["vector", "path", "expected", "ours", "MicroPython"]];
  for (const x of expected) {
    images++;
    const file = path.join(VEC, "hostile", x.image);
    const bytes = fs.readFileSync(file);
    const probes = Object.keys(x.paths);
    const ours = ourWalk(file, ["--max-entries", "300", ...probes.flatMap((p) => ["--probe", p])]);
    let mp;
    try {
      mp = await oracleWalk(bytes, { maxEntries: 300, probes });
    } catch (e) {
      mp = { mount: `crashed: ${e.message.split("\n")[0]}` };
    }
    compared += countEntries(mp);
    if (ours.crashed) {
      failure(`hostile ${x.name}: ${ours.crashed}`);
      continue;
    }
    rows.push([x.name, "(mount)", x.mount, ours.mount, mp.mount]);
    const root = (w) => {
      const e = w.entries && w.entries[0];
      if (!e || !e.list) return "-";
      return `[${e.list.map((l) => showPath(l[0]).slice(1, -1)).join(" ")}]${e.list_err ? " then " + e.list_err : ""}`;
    };
    rows.push(["", "(ls /)", "", root(ours), root(mp)]);
    if (ours.mount !== x.mount) failure(`hostile ${x.name}: mount ${ours.mount}, expected ${x.mount}`);
    probes.forEach((p, i) => {
      const o = ours.probes ? ours.probes[i] : null;
      const m = mp.probes ? mp.probes[i] : null;
      rows.push(["", p, x.paths[p], summarise(o, bytes.length), summarise(m, bytes.length)]);
      const want = x.paths[p];
      if (want.startsWith("data:")) {
        const text = Buffer.from(want.slice(5));
        if (!o || !Array.isArray(o.read) || o.read[0] !== text.length || o.read[1] !== sha256(text)) {
          failure(`hostile ${x.name} ${p}: ours ${summarise(o, bytes.length)}, expected ${want}`);
        }
      } else {
        const got = o ? (typeof o.stat === "string" ? o.stat : typeof o.read === "string" ? o.read : "ok") : "none";
        if (!want.split("|").includes(got)) failure(`hostile ${x.name} ${p}: ours ${got}, expected ${want}`);
      }
    });
    // Entries MicroPython reached with bytes from outside the image.
    for (const e of mp.entries || []) {
      const s = summarise(e, bytes.length);
      if (s.includes("OUT-OF-IMAGE") && !probes.some((p) => Buffer.from(p).toString("hex") === e.path)) {
        rows.push(["", showPath(e.path), "", summarise(ours.entries?.find((q) => q.path === e.path), bytes.length), s]);
      }
    }
  }
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const r of rows) console.log(r.map((v, c) => String(v).padEnd(w[c])).join("  "));
}

// ---- claims: every MicroPython behaviour docs/COMPATIBILITY.md states ----

const CLAIMS = (await import("./claims.mjs")).CLAIMS;

async function modeClaims() {
  for (const c of CLAIMS) {
    images++;
    compared++;
    let got;
    try {
      const img = c.image ? fs.readFileSync(path.join(VEC, c.image)) : null;
      const o = await Oracle.load(img);
      o.helpers();
      got = o.run(c.code).join("\n").trim();
    } catch (e) {
      got = `error: ${e.message.split("\n")[0]}`;
    }
    const ok = c.expect instanceof RegExp ? c.expect.test(got) : got === c.expect;
    console.log(`${ok ? "ok  " : "FAIL"} ${c.id}: ${got.split("\n").join(" | ")}`);
    if (!ok) failure(`claim ${c.id}: MicroPython printed ${JSON.stringify(got)}, docs/COMPATIBILITY.md says ${c.expect}`);
  }
}

const MODES = {
  vectors: modeVectors, generated: modeGenerated, imports: modeImports, nested: modeNested,
  boot: modeBoot, hostile: modeHostile, claims: modeClaims,
};
if (!MODES[MODE]) {
  console.error(`usage: run.mjs {${Object.keys(MODES).join("|")}} [--seed N]`);
  process.exit(2);
}
await MODES[MODE]();
const secs = ((performance.now() - t0) / 1000).toFixed(1);
const viaVfs = vfsImages ? ` (${vfsImages} also through the mount table)` : "";
console.log(`conformance.${MODE}: ${images} images${viaVfs}, ${compared} entries compared, ${failures} failures, ${secs} s`);
process.exit(failures ? 1 : 0);
