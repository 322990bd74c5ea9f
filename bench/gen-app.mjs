// SPDX-License-Identifier: MIT
// Generate a deterministic MicroPython app for the deploy and compile
// benchmarks: node gen-app.mjs DIR [MODULES=300]: MODULES .py files of 2-3 KB
// of valid Python (real mpy-cross compiles every one; CPython's compile()
// accepts them too) spread over a few packages, plus main_app.py importing
// one module per package.
import { mkdirSync, writeFileSync } from "fs";
import { join } from "path";

const dir = process.argv[2];
const count = Number(process.argv[3] || 300);
if (!dir || !(count > 0)) {
  console.error("usage: node gen-app.mjs DIR [MODULES]");
  process.exit(2);
}
let seed = 12345;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const words = ["sensor", "value", "buffer", "count", "index", "total", "state", "limit", "delay", "retry",
  "packet", "offset", "reading", "sample", "window", "result", "config", "channel", "scale", "level"];
const w = () => words[rnd(words.length)];

function module(pkg, i) {
  const lines = [`# ${pkg}/m${i}.py: generated for the deploy benchmark`, "", "import micropython", ""];
  const target = 2048 + rnd(600);
  let f = 0;
  while (lines.join("\n").length < target) {
    // Two different parameter names: `def f(x, x=1)` is a SyntaxError
    // ("argument name reused" in mpy-cross, "duplicate argument" in CPython).
    const a = w();
    let b = w();
    while (b === a) b = w();
    lines.push(`def ${a}_${b}_${f}(${a}, ${b}=${rnd(100)}):`);
    lines.push(`    """Return the ${a} scaled by the ${b} (${pkg}.m${i})."""`);
    lines.push(`    if ${a} > ${rnd(1000)}:`);
    lines.push(`        ${a} = ${a} - ${b} * ${rnd(9) + 1}`);
    lines.push(`    return (${a} * ${rnd(50) + 1}) // (${b} + 1)`);
    lines.push("");
    f++;
  }
  lines.push(`VERSION = ${i}`, "");
  return lines.join("\n");
}

const pkgs = ["drivers", "net", "ui", "storage", "util", "app"];
mkdirSync(dir, { recursive: true });
for (const p of pkgs) {
  mkdirSync(join(dir, p), { recursive: true });
  writeFileSync(join(dir, p, "__init__.py"), `# package ${p}\n`);
}
for (let i = 0; i < count; i++) {
  const p = pkgs[i % pkgs.length];
  writeFileSync(join(dir, p, `m${i}.py`), module(p, i));
}
writeFileSync(join(dir, "main_app.py"),
  pkgs.map((p, k) => `from ${p} import m${k} as _${p}`).join("\n") +
  `\nprint("app ok", ${pkgs.map((p) => `_${p}.VERSION`).join(" + ")})\n`);
