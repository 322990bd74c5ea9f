#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// The emulated board: real MicroPython (the npm WebAssembly build) speaking
// on stdin/stdout like a board on a USB-serial link, with a ROM partition
// kept in a file that behaves like NOR flash. See --help.
//
// MicroPython's own event-driven REPL answers (friendly and raw REPL). What
// this build cannot do is emulated here: raw-paste (its reader would block
// forever on stdin, so the request is answered "R\x00" unless --raw-paste),
// writable rom_ioctl (a `vfs` stand-in, see standin.py), soft reset (a fresh
// MicroPython instance booted from the partition bytes, so MicroPython itself
// mounts /rom), and `machine`. Code that never returns cannot be interrupted
// with Ctrl-C: the WebAssembly VM runs synchronously.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import { Flash, defaultPartitionFile, loadImageFile, makeRng } from "./flash.mjs";

// The WebAssembly glue reports failed memory growth (what --heap causes on
// purpose) through console.error, bound when a module is created.
const consoleError = console.error;
console.error = (...a) => { if (!/grow|not enough memory/i.test(String(a[0]))) consoleError(...a); };
// Checked before anything newer is used: one line, not a stack trace.
if (Number(process.versions.node.split(".")[0]) < 18) {
  process.stderr.write(`emulated board: needs Node.js >= 18, this is ${process.version} (https://nodejs.org)\n`);
  process.exit(1);
}
let loadMicroPython;
try {
  ({ loadMicroPython } = await import("@micropython/micropython-webassembly-pyscript"));
} catch (e) {
  if (e?.code !== "ERR_MODULE_NOT_FOUND") throw e;
  process.stderr.write("emulated board: MicroPython for it is missing (npm package " +
    "@micropython/micropython-webassembly-pyscript): run `npm ci` in the romfs source tree\n");
  process.exit(1);
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RAW_BANNER = "raw REPL; CTRL-B to exit\r\n>";

const USAGE = `usage: node board/emulator.mjs [options]

An emulated MicroPython board on stdin/stdout with a ROM partition in a file.

  --partition FILE     partition file (default $ROMFS_BOARD_DIR/partition.bin,
                       else $XDG_CACHE_HOME/romfs/board/partition.bin,
                       else ~/.cache/romfs/board/partition.bin); created
                       erased (0xFF) when missing
  --size BYTES         partition size when creating it (default 262144)
  --block-size BYTES   erase block size (default 4096)
  --min-write BYTES    minimum write size and alignment (default 8)
  --no-romfs           a board without ROMFS (vfs has no rom_ioctl)
  --reset-exits        a soft reset ends the process, as on the unix port
                       (and boards behind exec: that work like it)
  --read-only          a read-only partition: rom_ioctl ops 3-6 return
                       -EINVAL, as on the QEMU firmware
  --block-device       rom_ioctl(2, 0) returns a block-device object (ioctl,
                       readblocks, writeblocks) as some ports do, and
                       rom_ioctl(3/4) refuse; tools must use the object
  --raw-paste WINDOW   support raw-paste mode with this window size
                       (default: answer "R\\x00", as this build does)
  --partition-from FILE  create the partition file (replacing it) from a
                       flash image: raw bytes, UF2 (payloads placed by their
                       target addresses, relative to --base or the lowest
                       address) or Intel HEX; the rest erased
  --base ADDR          flash address of the partition's first byte (UF2/HEX)
  --model prefix|random  what a cut operation leaves (--die-mid): its first
                       half done and the rest untouched (default), or all
                       of it at random (erase: each byte 0xFF or old;
                       program: a random subset of the new zero bits), seeded
  --seed S             seed of every random choice (default 1)
  --ecc UNIT           flash with ECC: write size UNIT, each unit programmed
                       once per erase (a second program raises EIO); cut
                       units are torn (states in FILE.ecc)
  --die-after K        exit abruptly after K flash erase/program operations
  --die-mid            ...with the K-th operation cut part-way (see --model)
  --flaky-program K    the K-th program silently writes one wrong bit
  --noop-erase K       the K-th erase reports success and changes nothing
  --lock-wait SECONDS  the partition file is locked (flock) while the board
                       runs: a second board on it waits this long (default
                       10) for the first to end, then exits saying who
                       holds it (two hosts never write one partition at once)
  --flip-rx N          flip one bit of the N-th byte received from the host
                       (a corrupting link; seeded bit)
  --heap BYTES         MicroPython heap size, as on a small board (default:
                       3 x the partition size + 1 MiB); this build grows it
                       when it must, and --stats counts each time it did
                       (it collects garbage only between statements, so a
                       count of 0 means no statement needed more)
  --fixed-heap         ...never: an allocation past --heap is MemoryError
  --hold-after K FILE  after K flash erase/program operations, create FILE
                       and stop answering until the host is gone (a board
                       hung mid-deploy: tests signal the host there)
  --stats FILE         at exit, write the flash operations done as JSON
                       {"erases": N, "programs": N, "heapGrowths": N,
                       "sent": bytes sent to the host} (for tests)
  --baud BPS           throttle both directions like a serial link (BPS/10
                       bytes/s each way)
  --help               this text
`;

function fail(msg) {
  process.stderr.write(`emulator: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    partition: null, size: null, blockSize: 4096, minWrite: 8, romfs: true, blockDevice: false,
    rawPaste: 0, dieAfter: 0, dieMid: false, bps: 0, from: null, base: null, model: "prefix",
    seed: 1, ecc: 0, flaky: 0, flipRx: 0, heap: 0, lockWait: 10,
  };
  const num = (name, v) => {
    if (v === undefined || !/^[0-9]+$/.test(v)) fail(`${name} needs a non-negative integer`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case "--partition": o.partition = argv[++i]; if (!o.partition) fail("--partition needs a file"); break;
      case "--size": o.size = num(a, argv[++i]); break;
      case "--block-size": o.blockSize = num(a, argv[++i]); break;
      case "--min-write": o.minWrite = num(a, argv[++i]); break;
      case "--no-romfs": o.romfs = false; break;
      case "--block-device": o.blockDevice = true; break;
      case "--read-only": o.readOnly = true; break;
      case "--reset-exits": o.resetExits = true; break;
      case "--raw-paste": o.rawPaste = num(a, argv[++i]); break;
      case "--die-after": o.dieAfter = num(a, argv[++i]); break;
      case "--die-mid": o.dieMid = true; break;
      case "--baud": o.bps = Math.max(1, Math.floor(num(a, argv[++i]) / 10)); break;
      case "--bytes-per-second": o.bps = num(a, argv[++i]); break;
      case "--partition-from": o.from = argv[++i]; if (!o.from) fail("--partition-from needs a file"); break;
      case "--base": {
        const v = argv[++i];
        if (v === undefined || !/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) fail("--base needs an address (decimal or 0x hex)");
        o.base = Number(v);
        break;
      }
      case "--model": o.model = argv[++i]; if (o.model !== "prefix" && o.model !== "random") fail("--model is prefix or random"); break;
      case "--seed": o.seed = num(a, argv[++i]); break;
      case "--ecc": o.ecc = num(a, argv[++i]); break;
      case "--flaky-program": o.flaky = num(a, argv[++i]); break;
      case "--noop-erase": o.noopErase = num(a, argv[++i]); break;
      case "--lock-wait": o.lockWait = num(a, argv[++i]); break;
      case "--flip-rx": o.flipRx = num(a, argv[++i]); break;
      case "--stats": o.stats = argv[++i]; if (!o.stats) fail("--stats needs a file"); break;
      case "--hold-after":
        o.holdAfter = num(a, argv[++i]); o.holdFile = argv[++i];
        if (!o.holdAfter || !o.holdFile) fail("--hold-after needs a count and a file");
        break;
      case "--heap": o.heap = num(a, argv[++i]); if (o.heap < 16384) fail("--heap must be at least 16384"); break;
      case "--fixed-heap": o.fixedHeap = true; break;
      case "--help": process.stdout.write(USAGE); process.exit(0);
      default: fail(`unknown option '${a}' (see --help)`);
    }
  }
  if (o.blockSize < 1 || o.minWrite < 1 || o.blockSize % o.minWrite !== 0)
    fail("--block-size must be a positive multiple of --min-write");
  if (o.rawPaste > 0xffff) fail("--raw-paste window must fit in 16 bits");
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const partitionFile = path.resolve(opts.partition || defaultPartitionFile(process.env, os.homedir()));

// The partition file is locked while this board runs, as one flash chip
// has one owner: node has no flock, so flock(1) holds it for us, its stdin
// a pipe from this process (when we end, however we end, it ends and the
// lock goes). A second board on the file waits --lock-wait seconds, then
// says who holds it.
async function lockPartition(file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.closeSync(fs.openSync(file, "a"));   // flock needs the file; Flash fills an empty one
  const holder = spawn("flock", ["-w", String(opts.lockWait), "-E", "75", file, "sh", "-c", "echo locked; exec cat >/dev/null"],
    { stdio: ["pipe", "pipe", "inherit"] });
  const got = await new Promise((resolve) => {
    let out = "";
    // Without flock(1) (not every system has it) the board runs unlocked.
    holder.on("error", (e) => resolve(e.code === "ENOENT" ? "unlocked" : `cannot run flock: ${e.message}`));
    holder.stdout.on("data", (d) => { out += d; if (out.includes("locked")) resolve(null); });
    holder.on("exit", (code) => resolve(code === 75 ? "busy" : `flock exited with status ${code}`));
  });
  if (got === "busy") {
    let who = "";
    try {
      const ino = fs.statSync(file).ino;
      for (const l of fs.readFileSync("/proc/locks", "latin1").split("\n")) {
        const f = l.trim().split(/\s+/);
        if (f[1] === "FLOCK" && f[5] && Number(f[5].split(":")[2]) === ino) {
          const stat = fs.readFileSync(`/proc/${f[4]}/stat`, "latin1");
          who = ` (pid ${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]})`;
        }
      }
    } catch { /* who holds it stays unsaid */ }
    process.stderr.write(`emulator: ${file}: the partition is in use by another emulated board${who}; ` +
      `waited ${opts.lockWait} s\n`);
    process.exit(1);
  }
  if (got === "unlocked") return;
  if (got) fail(got);
  holder.stdout.destroy();
}
await lockPartition(partitionFile);

let flash;
try {
  flash = new Flash({
    file: partitionFile,
    size: opts.size, blockSize: opts.blockSize, minWrite: opts.minWrite,
    model: opts.model, seed: opts.seed, ecc: opts.ecc, flakyAt: opts.flaky, noopEraseAt: opts.noopErase,
    initial: opts.from ? loadImageFile(opts.from, opts.base) : null,
  });
} catch (e) {
  fail(e.code === "ENOENT" ? `${e.path}: no such file` : e.message);
}
const rng = makeRng(opts.seed * 2654435761 + 12345);
if (opts.stats) {
  process.on("exit", () => {
    fs.writeFileSync(opts.stats, JSON.stringify({ erases: flash.ops - flash.programs, programs: flash.programs,
      heapGrowths, sent: bytesSent }) + "\n");
  });
}
const standinSource = fs.readFileSync(path.join(HERE, "standin.py"), "utf8");

// A serial link's pace (--baud): bytes pushed reach sink no faster than bps
// bytes a second, in 10 ms slices; the timer runs only while bytes wait.
class Link {
  constructor(bps, sink) {
    this.perTick = Math.max(1, Math.floor(bps / 100));
    this.sink = sink;
    this.queue = [];
    this.queued = 0;
    this.timer = null;
  }

  push(bytes) {
    this.queue.push(bytes);
    this.queued += bytes.length;
    if (!this.timer) this.timer = setInterval(() => this.tick(), 10);
  }

  tick() {
    let budget = this.perTick;
    while (budget > 0 && this.queue.length) {
      const head = this.queue[0];
      const n = Math.min(budget, head.length);
      this.queued -= n;
      budget -= n;
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
      this.sink(head.subarray(0, n));
    }
    if (!this.queue.length) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

// ---- output: straight to fd 1, optionally throttled to a serial rate ----
let silenced = false;
let bytesSent = 0; // --stats: every byte the board sent the host

function writeOut(bytes) {
  let off = 0;
  while (off < bytes.length) {
    try {
      const n = fs.writeSync(1, bytes, off, bytes.length - off);
      off += n;
      bytesSent += n;
    } catch (e) {
      if (e.code === "EAGAIN") continue;
      process.exit(0); // the host went away
    }
  }
}

const outLink = opts.bps ? new Link(opts.bps, writeOut) : null;

function emit(bytes) {
  if (silenced) return;
  if (outLink) outLink.push(Buffer.from(bytes));
  else writeOut(bytes);
}

// Output of one replProcessChar call, gathered so the REPL state can be
// tracked from what MicroPython printed. While a command runs (which is
// synchronous: the event loop waits) it is passed on as it comes, line by
// line and "OK" at once, so the host sees a long-running command start.
let chunk = [];
let live = false;   // a raw-REPL command is running
let dropOk = false; // raw-paste: swallow the "OK" the plain raw REPL prints
const onStdout = (u8) => {
  chunk.push(u8[0]);
  const ok = chunk.length === 2 && chunk[0] === 0x4f && chunk[1] === 0x4b;
  if (dropOk && chunk.length === 2) {
    dropOk = false;
    if (ok) chunk = [];
    return;
  }
  if (live && (u8[0] === 10 || ok || chunk.length >= 512)) flushChunk();
};

function flushChunk() {
  if (chunk.length === 0) return "";
  const bytes = Buffer.from(chunk);
  chunk = [];
  emit(bytes);
  return bytes.toString("latin1");
}

// ---- the MicroPython instance and board state ----
let mp = null;
let rawMode = false;      // in the raw REPL (tracked from the banner / Ctrl-B)
let rawLineEmpty = false; // nothing typed since the raw prompt
let resetKind = null;     // set by machine.soft_reset()/reset()

function onFlashOp(count) {
  if (opts.dieAfter && count >= opts.dieAfter) {
    // A board losing power: no more output, no cleanup.
    process.exit(3);
  }
  if (opts.holdAfter && count === opts.holdAfter) hold();
}

// --hold-after: the flash keeps what the first K operations did; the board
// answers nothing more. The VM runs synchronously, so this blocks right
// here (as a hung board does), polling for its host's end (the parent, or
// its parent when a shell started us): then it exits.
function hold() {
  const parentOf = (pid) => {
    try {
      const st = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
      const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
      return f[0] === "Z" ? 0 : Number(f[1]);
    } catch {
      return 0;
    }
  };
  const hosts = [process.ppid, parentOf(process.ppid)].filter((p) => p > 1);
  const alive = (pid) => parentOf(pid) !== 0;
  fs.writeFileSync(opts.holdFile, `${flash.ops}\n`);
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited < 120000 && hosts.every(alive); waited += 50) Atomics.wait(cell, 0, 0, 50);
  process.exit(4);
}
flash.onOp = onFlashOp;

// With --die-mid, how much of the operation that loses power completes in
// order: half of it (programs: whole write units) under the prefix model,
// none under the random one (every byte of it is then left to chance);
// null for every other operation.
function cutBytes(len, unit) {
  if (!(opts.dieMid && opts.dieAfter && flash.ops + 1 >= opts.dieAfter)) return null;
  return opts.model === "random" ? 0 : Math.floor(len / 2 / unit) * unit;
}

// The len bytes at addr in MicroPython's memory, copied.
function bytesAt(addr, len) {
  return mp._module.HEAPU8.slice(addr, addr + len);
}

function boardModule() {
  return {
    read: () => new Uint8Array(flash.bytes),
    // standin.py names the partition's address in MicroPython's memory
    // (uctypes.addressof of rom_ioctl(2, 0)); it is where loadMicroPython
    // copied the partition, which loadBoard also found.
    attach: (addr) => { romAddr = addr; },
    erase: (off, len, fromZero) => {
      const n = fromZero ? Math.ceil(len / flash.blockSize) * flash.blockSize : len;
      return flash.erase(off, len, !!fromZero, cutBytes(n, 1));
    },
    // Buffers arrive as an address in MicroPython's memory and a length
    // (standin.py's _buf): a buffer passed as an object gets a proxy that
    // keeps it alive until V8 finalizes the proxy, rarely in a small process,
    // and written data would pile up in the heap as it never does on a board.
    program: (off, addr, len) => flash.program(off, bytesAt(addr, len), cutBytes(len, flash.minWrite)),
    uid: () => new Uint8Array(flash.uniqueId()),
    // --heap: base64 for standin.py's binascii (see there). Decoding
    // answers hex (bytes.fromhex makes exact bytes of it), or null for
    // input a board's a2b_base64 refuses.
    b64d: (addr, len) => {
      const t = Buffer.from(bytesAt(addr, len)).toString("latin1").replace(/[\r\n]/g, "");
      if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t)) return null;
      return Buffer.from(t, "base64").toString("hex");
    },
    b64e: (addr, len, newline) => Buffer.from(bytesAt(addr, len)).toString("base64") + (newline ? "\n" : ""),
    reset: (kind) => { resetKind = kind ? "hard" : "soft"; },
  };
}

// The partition lives in WebAssembly memory outside MicroPython's heap, as
// memory-mapped flash does on a board: loadMicroPython copies it there and
// registers it as the ROMFS partition; every change is mirrored into it.
// Its address is found by watching that copy.
let romAddr = -1;
let growBlocked = false;
let heapWatch = false;  // --heap: after boot, memory growth is MicroPython's heap growing
let heapGrowths = 0;

// A soft reset is a fresh MicroPython instance: compile the WebAssembly
// module once per process and instantiate it again each time.
const wasmInstantiate = WebAssembly.instantiate;
let wasmCompiled = null;
WebAssembly.instantiate = async function (source, imports) {
  if (source instanceof WebAssembly.Module) return wasmInstantiate.call(this, source, imports);
  if (!wasmCompiled) wasmCompiled = await WebAssembly.compile(source);
  return { module: wasmCompiled, instance: await wasmInstantiate.call(this, wasmCompiled, imports) };
};
const memoryGrow = WebAssembly.Memory.prototype.grow;
WebAssembly.Memory.prototype.grow = function (pages) {
  if (growBlocked) throw new RangeError("--heap: memory is fixed");
  if (heapWatch) heapGrowths++;
  return memoryGrow.call(this, pages);
};

async function loadBoard() {
  const romfs = opts.romfs ? new Uint8Array(flash.bytes) : undefined;
  const set = Uint8Array.prototype.set;
  romAddr = -1;
  Uint8Array.prototype.set = function (src, off) {
    if (src === romfs) romAddr = off;
    return set.call(this, src, off);
  };
  try {
    growBlocked = heapWatch = false;
    mp = await loadMicroPython({
      romfs, stdout: onStdout, stderr: onStdout, linebuffer: false,
      heapsize: opts.heap || Math.max(1 << 20, 3 * flash.size + (1 << 20)),
    });
  } finally {
    Uint8Array.prototype.set = set;
  }
  if (opts.romfs && romAddr < 0) throw new Error("could not find the partition in MicroPython's memory");
}

// --heap: MicroPython's WebAssembly heap grows on demand (split heaps from
// malloc); a board's does not. Take every free byte of the module's memory
// but a little for the glue, so a new heap area must grow the memory: with
// --fixed-heap that is refused (the heap stays at --heap bytes, as on a
// board with that much RAM), else it is counted (--stats).
function fixMemory() {
  const M = mp._module;
  growBlocked = true;
  let slack = Math.min(16384, opts.heap >> 2);
  const held = [];
  for (let sz = 1 << 26; sz >= 256; sz >>= 1) {
    for (;;) {
      const p = M._malloc(sz);
      if (!p) break;
      held.push([p, sz]);
    }
  }
  // Give back small blocks until the glue has its slack.
  held.sort((x, y) => x[1] - y[1]);
  for (const [p, sz] of held) {
    if (slack <= 0) break;
    M._free(p);
    slack -= sz;
  }
  growBlocked = opts.fixedHeap;
  heapWatch = true;
}

function mirror(off, len) {
  if (romAddr >= 0 && mp) mp._module.HEAPU8.set(flash.bytes.subarray(off, off + len), romAddr + off);
}
flash.onChange = mirror;

async function boot() {
  flash.reload();
  await loadBoard();
  mp.registerJsModule("_board", boardModule());
  const prelude = `_ROMFS = ${opts.romfs ? "True" : "False"}\n_BLOCKDEV = ${opts.blockDevice ? "True" : "False"}\n` +
    `_RO = ${opts.readOnly ? "True" : "False"}\n` +
    `_BS = ${flash.blockSize}\n_MINW = ${flash.minWrite}\n` +
    `_HEAP = ${opts.heap || 0}\n`;
  mp.globals.set("_standin_src", prelude + standinSource);
  mp.runPython("exec(_standin_src, {'__name__': '_standin'})\ndel _standin_src\nimport gc\ngc.collect()");
  if (opts.heap) fixMemory();
  chunk = [];
}

// A reboot as the port's main loop does it: new VM, same REPL mode.
async function reboot(kind) {
  if (kind === "soft" && opts.resetExits) process.exit(0);
  if (kind === "soft") emit(Buffer.from("MPY: soft reboot\r\n", "latin1"));
  if (kind === "hard") rawMode = false;
  await boot();
  silenced = rawMode;
  mp.replInit();
  if (rawMode) {
    mp.replProcessChar(1);
    chunk = [];
    silenced = false;
    emit(Buffer.from(RAW_BANNER, "latin1"));
    rawLineEmpty = true;
  } else {
    flushChunk();
  }
}

// ---- raw-paste, emulated on top of the plain raw REPL ----
let held = [];            // \x05 'A' held back while deciding
let paste = null;         // { data: [], sinceGrant } while in raw-paste mode

// Each handler returns the kind of reboot the byte caused ("soft"/"hard"),
// or null; the byte loop awaits reboots only, so plain input stays fast.
function pasteByte(c) {
  if (c === 4) {
    emit(Buffer.from([4]));
    const code = paste.data;
    paste = null;
    // Run it as a normal raw command, minus the "OK" raw-paste does not send.
    for (const b of code) mp.replProcessChar(b);
    chunk = [];
    return feed(4, true);
  }
  paste.data.push(c);
  if (++paste.sinceGrant === opts.rawPaste) {
    paste.sinceGrant = 0;
    emit(Buffer.from([1]));
  }
  return null;
}

// Feed one byte to MicroPython and track the REPL state from its output.
function feed(c, stripOk = false) {
  live = rawMode && c === 4;
  dropOk = stripOk;
  const ret = mp.replProcessChar(c);
  // --heap: this build collects garbage only between calls from JS (never
  // inside a statement, where a board collects when an allocation needs
  // it), and only when a collection was asked for. Ask for one after each
  // raw-REPL command (it runs as the next byte is fed), so the next command
  // starts with the live data alone, as on a board that had to collect:
  // "the heap never grew" then means the live data and everything one
  // command allocates fit in --heap.
  if (opts.heap && live) mp.runPython("import gc\ngc.collect()");
  live = dropOk = false;
  const text = flushChunk();
  if (text.includes(RAW_BANNER)) { rawMode = true; rawLineEmpty = true; }
  else if (rawMode && c === 2) rawMode = false;
  else if (rawMode && (c === 4 || c === 3)) rawLineEmpty = true;
  else if (rawMode) rawLineEmpty = false;
  if (ret !== 0 || resetKind) {
    const kind = resetKind || "soft";
    resetKind = null;
    return kind;
  }
  return null;
}

// Raw-paste requests ("\x05A\x01" at the start of a raw line) never reach
// MicroPython: this build's reader would block on stdin forever.
function handleByte(c) {
  if (paste) return pasteByte(c);
  if (held.length === 0 && rawMode && rawLineEmpty && c === 5) { held.push(c); return null; }
  if (held.length === 1 && c === 0x41) { held.push(c); return null; }
  if (held.length === 2 && c === 1) {
    held = [];
    if (opts.rawPaste) {
      const w = opts.rawPaste;
      emit(Buffer.from([0x52, 0x01, w & 0xff, w >> 8]));
      paste = { data: [], sinceGrant: 0 };
    } else {
      emit(Buffer.from("R\x00", "latin1"));
    }
    return null;
  }
  if (held.length) {
    const h = held;
    held = [];
    for (const b of h) {
      const kind = feed(b);
      if (kind) return kind; /* the rest of the line is lost, as on a board */
    }
  }
  return feed(c);
}

async function processData(data) {
  for (const c of data) {
    const kind = handleByte(c);
    if (kind) await reboot(kind);
  }
}

// --flip-rx N: the N-th byte from the host arrives with one bit flipped.
let received = 0;
function corrupt(data) {
  if (!opts.flipRx || received >= opts.flipRx || received + data.length < opts.flipRx) {
    received += data.length;
    return data;
  }
  const copy = Buffer.from(data);
  copy[opts.flipRx - received - 1] ^= 1 << (rng() % 8);
  received += data.length;
  return copy;
}

// --baud: what the host sends arrives no faster than the link carries it.
const inLink = opts.bps ? new Link(opts.bps, deliver) : null;

function onData(data) {
  data = corrupt(data);
  if (inLink) inLink.push(data);
  else deliver(data);
}

// Bytes are processed strictly in order, one chunk after another, even while
// a reboot is awaited.
let pending = Promise.resolve();
function deliver(data) {
  pending = pending.then(() => processData(data)).catch((e) => {
    // The board crashed: say why (one line; never the wasm glue's source).
    process.stderr.write(`emulator: ${String(e && e.message || e).split("\n")[0].slice(0, 300)}\n`);
    process.exit(1);
  });
}

await boot();
mp.replInit();
flushChunk();
if (process.stdin.isTTY) process.stdin.setRawMode(true);
process.stdin.on("data", onData);
process.stdin.on("end", async () => {
  while (inLink && inLink.queued) await new Promise((r) => setTimeout(r, 10));
  pending.then(() => {
    if (outLink) {
      const wait = setInterval(() => { if (outLink.queued === 0) process.exit(0); }, 10);
      void wait;
    } else {
      process.exit(0);
    }
  });
});
