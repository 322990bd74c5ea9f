// SPDX-License-Identifier: MIT
// Edit -> output benchmark (issue 9, benchmark 2): a 300-module app
// (bench/gen-app.mjs) on the emulated board; the time from saving a
// one-line edit of the module being run to the first line of its new
// output, with `romfs watch --run` (one board session) and with separate
// `romfs deploy` + `romfs run` commands, on the fast link and at 115200
// baud. Prints medians measured side by side in one run.
// usage: node bench/watch_bench.mjs [path/to/romfs] [EDITS=7]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const SRC = resolve(HERE, "..");
const ROMFS = resolve(process.argv[2] || join(SRC, "build/romfs"));
const EDITS = Number(process.argv[3] || 7);
const TMP = mkdtempSync(join(tmpdir(), "romfs-watch-bench-"));
const APP = join(TMP, "app");
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));
const env = { ...process.env, XDG_CACHE_HOME: join(TMP, "cache") };

spawnSync("node", [join(HERE, "gen-app.mjs"), APP, "300"], { stdio: "inherit" });
const loopFile = join(APP, "bench_loop.py");
const writeLoop = (n) => writeFileSync(loopFile, `import drivers\nprint("tick", ${n})\n`);
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function device(part, baud) {
  return `exec:node ${join(SRC, "board/emulator.mjs")} --partition ${part} --size 1048576` +
    (baud ? ` --baud ${baud}` : "");
}

// Lines of a child's stdout, each awaited by a predicate.
function lineWaiter(child) {
  let buf = "", waiters = [];
  child.stdout.on("data", (d) => {
    buf += d.toString("latin1");
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      waiters = waiters.filter((w) => !(w.test(line) && (w.resolve(line), true)));
    }
  });
  return (test, ms = 60000) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("timed out waiting for output")), ms);
    waiters.push({ test, resolve: (l) => { clearTimeout(t); resolve(l); } });
  });
}

async function viaWatch(baud, tag) {
  let n = 1000 * tag;
  writeLoop(n);
  const w = spawn(ROMFS, ["watch", "--no-mpy", "-v", "--debounce", "20", "-d", device(join(TMP, `w${tag}.bin`), baud),
    "--run", "bench_loop", APP], { env, stdio: ["ignore", "pipe", "pipe"] });
  const wait = lineWaiter(w);
  const phases = [];
  w.stderr.on("data", (d) => {
    for (const m of d.toString().matchAll(/build ([0-9.]+)s, deploy ([0-9.]+)s, soft reset ([0-9.]+)s/g))
      phases.push(m.slice(1, 4).map(Number));
  });
  await wait((l) => l === `tick ${n}`, 300000);
  const times = [];
  for (let i = 0; i < EDITS; i++) {
    await sleep(300);
    n++;
    const t0 = performance.now();
    writeLoop(n);
    await wait((l) => l === `tick ${n}`);
    times.push((performance.now() - t0) / 1000);
  }
  w.kill("SIGINT");
  await new Promise((r) => w.on("exit", r));
  const p = phases.slice(1);   // the edits, not the initial deploy
  times.phases = [0, 1, 2].map((k) => median(p.map((x) => x[k])));
  return times;
}

async function viaCommands(baud, tag) {
  let n = 1000 * tag;
  const dev = device(join(TMP, `c${tag}.bin`), baud);
  const deploy = () => spawnSync(ROMFS, ["deploy", "--no-mpy", "-q", "-d", dev, APP], { env, stdio: "inherit" });
  writeLoop(n);
  deploy();
  const times = [];
  for (let i = 0; i < EDITS; i++) {
    n++;
    const t0 = performance.now();
    writeLoop(n);
    if (deploy().status !== 0) throw new Error("deploy failed");
    const r = spawn(ROMFS, ["run", "-d", dev, "bench_loop"], { env, stdio: ["ignore", "pipe", "inherit"] });
    await lineWaiter(r)((l) => l === `tick ${n}`);
    times.push((performance.now() - t0) / 1000);
    await new Promise((res) => r.on("exit", res));
  }
  return times;
}

const rows = [];
for (const [baud, name] of [[0, "fast link"], [115200, "115200 baud"]]) {
  const w = await viaWatch(baud, rows.length + 1);
  const c = await viaCommands(baud, rows.length + 1);
  rows.push({ name, watch: median(w), cmds: median(c), wmin: Math.min(...w), wmax: Math.max(...w), ph: w.phases });
}
console.log(`edit -> first line of new output, 300-module app (--no-mpy), median of ${EDITS} edits`);
console.log(`${"link".padEnd(12)} ${"watch".padStart(8)} ${"(min-max)".padStart(13)} ${"deploy+run".padStart(11)} ${"ratio".padStart(6)}`);
for (const r of rows)
  console.log(`${r.name.padEnd(12)} ${r.watch.toFixed(3).padStart(7)}s ${(r.wmin.toFixed(2) + "-" + r.wmax.toFixed(2)).padStart(13)} ` +
    `${r.cmds.toFixed(3).padStart(10)}s ${(r.cmds / r.watch).toFixed(1).padStart(5)}x` +
    `   watch steps: build ${r.ph[0].toFixed(3)}s, deploy ${r.ph[1].toFixed(3)}s, soft reset ${r.ph[2].toFixed(3)}s`);
