// SPDX-License-Identifier: MIT
// A board that answers with whatever a test tells it, for the answer
// parsers' error paths: `node fake-answer.mjs`. It speaks the plain raw REPL
// (no raw-paste); the output of each command is the value of the first
// FAKE_<KEY> environment variable whose key the code contains, with the
// keys tried in the order of FAKE_KEYS (comma-separated), "\n" standing for
// a line break; code matching no key prints nothing. FAKE_FRAME=raw sends
// FAKE_RAW instead of the whole "OK...\x04\x04>" frame (\xNN for a byte),
// FAKE_BANNER replaces the raw REPL banner (framing tests).
const keys = (process.env.FAKE_KEYS || "").split(",").filter(Boolean);
const BANNER = (process.env.FAKE_BANNER || "raw REPL; CTRL-B to exit\r\n>").replace(/\\r\\n/g, "\r\n");
let code = null;   // collecting a command after the raw prompt
let held = "";
const out = (s) => process.stdout.write(Buffer.from(s, "latin1"));
function answer(text) {
  for (const k of keys) {
    if (text.includes(k)) {
      const v = (process.env["FAKE_" + k.replace(/[^A-Za-z0-9]/g, "_")] || "").replace(/\\n/g, "\r\n");
      if (process.env.FAKE_FRAME === "raw") return out((process.env.FAKE_RAW || "").replace(/\\x([0-9a-f]{2})/g,
        (_, h) => String.fromCharCode(parseInt(h, 16))));
      return out("OK" + v + "\x04\x04>");
    }
  }
  out("OK\x04\x04>");
}
process.stdin.on("data", (data) => {
  for (const b of data) {
    const c = String.fromCharCode(b);
    if (b === 1) { out(BANNER); code = ""; held = ""; continue; }
    if (code === null) continue;               // friendly REPL: ignore
    if (b === 2) { code = null; out("\r\nMicroPython fake\r\n>>> "); continue; }
    if (b === 5 && code === "") { held = "\x05"; continue; }
    if (held) { held += c; if (held === "\x05A\x01") { out("R\x00"); held = ""; } continue; }
    if (b === 4) { answer(code); code = ""; continue; }
    code += c;
  }
});
process.stdin.on("end", () => process.exit(0));
