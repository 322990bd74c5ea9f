// SPDX-License-Identifier: MIT
// Seeded random directory trees for the conformance corpus: names with UTF-8,
// sizes across the varuint boundaries, deep and wide directories, empty files
// and empty directories. The same seed always makes the same tree.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";

// mulberry32: tiny, good enough, and identical on every platform.
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (arr) => arr[int(arr.length)];
  return { next, int, pick };
}

const ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.=+~,";
const UNICODE = ["é", "ü", "ß", "ø", "Ж", "λ", "日", "本", "語", "🙂", "🐍", "€", "ñ", " "];
// Sizes where a varuint changes width (127/128, 16383/16384) and small ones.
const SIZES = [0, 1, 2, 3, 5, 16, 63, 64, 65, 126, 127, 128, 129, 255, 256, 1000, 4095, 4096, 4097,
  16383, 16384, 16385];

// short: at most 12 bytes, for the directories of deep chains (host paths
// must stay under PATH_MAX).
function makeName(r, taken, short = false) {
  for (;;) {
    let name = "";
    const style = short ? 3 + r.int(7) : r.int(10);
    // Name lengths across the one-byte varuint limit too (127/128 bytes).
    const len = style === 0 ? r.pick([126, 127, 128, 129]) : 1 + r.int(style < 3 ? 40 : 12);
    while (Buffer.byteLength(name) < len) {
      name += style >= 7 ? r.pick(UNICODE) : ASCII[r.int(ASCII.length)];
    }
    while (Buffer.byteLength(name) > Math.min(len, 250)) name = [...name].slice(0, -1).join("");
    if (name === "" || name === "." || name === ".." || taken.has(name)) continue;
    taken.add(name);
    return name;
  }
}

function fileBytes(r, size) {
  const b = Buffer.alloc(size);
  const kind = r.int(3);
  for (let i = 0; i < size; i++) b[i] = kind === 0 ? r.int(256) : kind === 1 ? 32 + ((i * 7) % 95) : i & 0xff;
  return b;
}

// Write the tree for `seed` into `dir` (which must not exist yet).
export function genTree(seed, dir) {
  const r = rng(seed);
  const shape = seed % 4; // 0 mixed, 1 wide, 2 deep, 3 tiny/edge
  let budget = 300 * 1024; // keeps every image and the suite small
  let entries = 0;
  const maxEntries = shape === 1 ? 400 : 150;
  fs.mkdirSync(dir, { recursive: true });

  const addFiles = (d, count, taken) => {
    for (let i = 0; i < count && entries < maxEntries; i++) {
      let size = r.next() < 0.7 ? r.pick(SIZES) : r.int(3000);
      if (r.next() < 0.03) size = r.pick([65535, 65536, 70000]);
      if (size > budget) size = r.int(64);
      budget -= size;
      entries++;
      fs.writeFileSync(path.join(d, makeName(r, taken)), fileBytes(r, size));
    }
  };
  const fill = (d, depth) => {
    const taken = new Set();
    if (shape === 2 && depth < 40) {
      // Deep: a chain of directories with a file or two at each level.
      addFiles(d, r.int(3), taken);
      const sub = path.join(d, makeName(r, taken, true));
      fs.mkdirSync(sub);
      entries++;
      fill(sub, depth + 1);
      return;
    }
    const nfiles = shape === 1 && depth === 0 ? 300 : shape === 3 ? r.int(3) : r.int(8);
    addFiles(d, nfiles, taken);
    const ndirs = depth >= 5 ? 0 : shape === 3 ? r.int(2) : r.int(4);
    for (let i = 0; i < ndirs && entries < maxEntries; i++) {
      const sub = path.join(d, makeName(r, taken));
      fs.mkdirSync(sub);
      entries++;
      if (r.next() < 0.2) continue; // an empty directory
      fill(sub, depth + 1);
    }
  };
  fill(dir, 0);
}

// The tree as it is on disk: path (hex of its bytes, "" for the root) ->
// {type, size, sha, names (bytes order, hex)}: the ground truth that both
// MicroPython's and our reader's walk must agree with.
export function diskTree(dir) {
  const out = new Map();
  const stack = [[dir, Buffer.alloc(0)]];
  while (stack.length) {
    const [real, rel] = stack.pop();
    const st = fs.statSync(real);
    if (st.isDirectory()) {
      const names = fs.readdirSync(real, { encoding: "buffer" }).sort(Buffer.compare);
      out.set(rel.toString("hex"), { type: "dir", names: names.map((n) => n.toString("hex")) });
      for (const n of names) {
        stack.push([path.join(real, n.toString()), Buffer.concat([rel, Buffer.from("/"), n])]);
      }
    } else {
      const data = fs.readFileSync(real);
      out.set(rel.toString("hex"), {
        type: "file", size: data.length, sha: crypto.createHash("sha256").update(data).digest("hex"),
      });
    }
  }
  return out;
}

// A later version of a tree, as a deploy would see it: some files rewritten
// (same size, smaller, larger), one removed, one added.
export function editTree(seed, from, to) {
  const r = rng(seed ^ 0x5eed);
  fs.cpSync(from, to, { recursive: true });
  const files = fs.readdirSync(to, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(to, f))
    .filter((f) => fs.statSync(f).isFile())
    .sort();
  for (let i = 0; i < Math.min(6, files.length); i++) {
    const f = files[r.int(files.length)];
    if (!fs.existsSync(f)) continue;
    const old = fs.statSync(f).size;
    const size = [old, old >> 1, old + 1 + r.int(5000), 0][r.int(4)];
    fs.writeFileSync(f, fileBytes(r, size));
  }
  if (files.length > 1) fs.rmSync(files[r.int(files.length)], { force: true });
  fs.writeFileSync(path.join(to, "added-" + seed), fileBytes(r, r.int(9000)));
}
