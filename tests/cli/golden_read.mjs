// SPDX-License-Identifier: MIT
// Reads every golden image through the command and compares with
// manifest.json: `ls -R --json` gives exactly the manifest's entries (path,
// type, size) and `cat` of all files at once, split by size, hashes to the
// manifest's sha256 of each file. Usage: node golden_read.mjs ROMFS GOLDEN_DIR
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

const [romfs, dir] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, "utf8"));
const sha = (buf) => createHash("sha256").update(buf).digest("hex");
const run = (args) => execFileSync(romfs, args, { maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "inherit"] });
let failures = 0, files = 0;
const fail = (msg) => { console.log(`FAIL: ${msg}`); failures++; };

for (const item of manifest) {
    const img = `${dir}/${item.image}`;
    const bytes = readFileSync(img);
    if (bytes.length !== item.image_size || sha(bytes) !== item.image_sha256) {
        fail(`${item.image}: not the image the manifest describes`);
        continue;
    }
    const listed = JSON.parse(run(["ls", "-R", "--json", img]).toString("utf8"));
    const key = (e) => `${e.path}\t${e.type}\t${e.type === "file" ? e.size : "-"}`;
    const got = listed.map(key).sort(), want = item.entries.map(key).sort();
    if (got.join("\n") !== want.join("\n"))
        fail(`${item.name}: ls -R --json\n  got  ${got.join(" | ")}\n  want ${want.join(" | ")}`);
    const wanted = item.entries.filter((e) => e.type === "file");
    if (wanted.length === 0)
        continue;
    const all = run(["cat", img, ...wanted.map((e) => e.path)]);
    let at = 0;
    for (const e of wanted) {
        if (sha(all.subarray(at, at + e.size)) !== e.sha256)
            fail(`${item.name}: cat ${e.path}: sha256 differs`);
        at += e.size;
        files++;
    }
    if (at !== all.length)
        fail(`${item.name}: cat wrote ${all.length} bytes, expected ${at}`);
}
console.log(`${manifest.length} images, ${files} files compared`);
process.exit(failures ? 1 : 0);
