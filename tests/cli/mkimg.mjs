// SPDX-License-Identifier: MIT
// Writes a ROMFS image the builder would refuse to make (names of any bytes
// and any length), for tests of what readers do with them:
//
//     node mkimg.mjs OUT 'SPEC'
//
// SPEC is JSON: a list of entries, each {"name": N, "data": "text"} (a file)
// or {"name": N, "dir": [entries]} (a directory); N is a string (UTF-8),
// {"repeat": "a", "n": 40000} (a string repeated) or {"hex": "9b41"}
// (raw bytes). The layout is the reference one (records in order, no
// alignment), as tests/unit/imgmk.h writes it.
import fs from "node:fs";

const vlen = (v) => { let n = 1; while (v >= 128) { v = Math.floor(v / 128); n++; } return n; };
function varuint(v) {
  const out = [];
  for (let i = vlen(v); i-- > 0;) out.push((Math.floor(v / 2 ** (7 * i)) & 0x7f) | (i ? 0x80 : 0));
  return Buffer.from(out);
}
function nameBytes(n) {
  if (typeof n === "string") return Buffer.from(n, "utf8");
  if (n.hex !== undefined) return Buffer.from(n.hex, "hex");
  return Buffer.from(n.repeat.repeat(n.n), "utf8");
}
function record(kind, payload) {
  return Buffer.concat([Buffer.from([kind]), varuint(payload.length), payload]);
}
function entries(list) {
  return Buffer.concat(list.map((e) => {
    const name = nameBytes(e.name);
    const head = Buffer.concat([varuint(name.length), name]);
    if (e.dir) return record(4, Buffer.concat([head, entries(e.dir)]));
    const data = Buffer.from(e.data || "", "utf8");
    return record(5, Buffer.concat([head, record(2, data)]));
  }));
}

const [out, spec] = process.argv.slice(2);
if (!out || !spec) {
  process.stderr.write("usage: node mkimg.mjs OUT SPEC\n");
  process.exit(2);
}
const body = entries(JSON.parse(spec));
let img = Buffer.concat([Buffer.from([0xd2, 0xcd, 0x31]), varuint(body.length), body]);
if (img.length % 2) img = Buffer.concat([Buffer.from([0xd2, 0xcd, 0x31, 0x80]), varuint(body.length), body]);
fs.writeFileSync(out, img);
