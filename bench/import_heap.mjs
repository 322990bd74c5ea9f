// SPDX-License-Identifier: MIT
// Heap cost of importing .mpy modules from a ROMFS mounted at /rom versus the
// same files on a RAM filesystem, in real MicroPython 1.29 (npm oracle).
// This is ROMFS's reason to exist: code and constants imported from /rom are
// used in place instead of being copied into the heap.
//
// usage: node bench/import_heap.mjs ROMFS_BINARY MPY_DIR
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [romfsBin, mpyDir] = process.argv.slice(2);
if (!romfsBin || !mpyDir) {
  console.error("usage: node bench/import_heap.mjs ROMFS_BINARY MPY_DIR");
  process.exit(2);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "romfs-heap-"));
try {
  const img = path.join(tmp, "mods.romfs");
  execFileSync(romfsBin, ["build", "-q", "--no-mpy", "-o", img, mpyDir]);
  const files = fs.readdirSync(mpyDir).filter((f) => f.endsWith(".mpy"));
  const mods = files.map((f) => f.slice(0, -4));
  const heap = {};
  for (const where of ["/rom", "/ramlib"]) {
    let out = "";
    const mp = await loadMicroPython({
      romfs: new Uint8Array(fs.readFileSync(img)),
      stdout: (s) => { out += s + "\n"; },
    });
    if (where === "/ramlib") {
      mp.FS.mkdir("/ramlib");
      for (const f of files) mp.FS.writeFile("/ramlib/" + f, fs.readFileSync(path.join(mpyDir, f)));
    }
    mp.runPython(`
import gc, sys
sys.path.insert(0, '${where}')
gc.collect(); a = gc.mem_alloc()
${mods.map((m) => `import ${m}`).join("\n")}
gc.collect(); print(gc.mem_alloc() - a)
`);
    heap[where] = parseInt(out.trim(), 10);
  }
  const rom = heap["/rom"], ram = heap["/ramlib"];
  console.log(`import of ${mods.length} .mpy modules (${mods.join(", ")}): heap ${rom} B from /rom, ${ram} B from a RAM filesystem`);
  console.log(`heap ratio rom/ram: ${(rom / ram).toFixed(2)} (${Math.round(100 * (1 - rom / ram))}% less heap from ROMFS)`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
