#!/usr/bin/env node
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
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";
import { Flash, defaultPartitionFile } from "./flash.mjs";

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
  --block-device       rom_ioctl(2, 0) returns a block-device object (ioctl,
                       readblocks, writeblocks) as some ports do, and
                       rom_ioctl(3/4) refuse; tools must use the object
  --raw-paste WINDOW   support raw-paste mode with this window size
                       (default: answer "R\\x00", as this build does)
  --die-after K        exit abruptly after K flash erase/program operations
  --die-mid            ...with the K-th program operation only half done
  --baud BPS           throttle output like a serial link (BPS/10 bytes/s)
  --heap BYTES         MicroPython heap size, as on a small board (default:
                       3 x the partition size + 1 MiB)
  --help               this text
`;

function fail(msg) {
  process.stderr.write(`emulator: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    partition: null, size: null, blockSize: 4096, minWrite: 8, romfs: true, blockDevice: false,
    rawPaste: 0, dieAfter: 0, dieMid: false, bps: 0, heap: 0,
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
      case "--raw-paste": o.rawPaste = num(a, argv[++i]); break;
      case "--die-after": o.dieAfter = num(a, argv[++i]); break;
      case "--die-mid": o.dieMid = true; break;
      case "--heap": o.heap = num(a, argv[++i]); break;
      case "--baud": o.bps = Math.max(1, Math.floor(num(a, argv[++i]) / 10)); break;
      case "--bytes-per-second": o.bps = num(a, argv[++i]); break;
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
let flash;
try {
  flash = new Flash({
    file: opts.partition || defaultPartitionFile(process.env, os.homedir()),
    size: opts.size, blockSize: opts.blockSize, minWrite: opts.minWrite,
  });
} catch (e) {
  fail(e.message);
}
const standinSource = fs.readFileSync(path.join(HERE, "standin.py"), "utf8");

// ---- output: straight to fd 1, optionally throttled to a serial rate ----
let outQueue = []; // Buffers waiting for the throttled link
let outQueued = 0;
let silenced = false;

function writeOut(bytes) {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += fs.writeSync(1, bytes, off, bytes.length - off);
    } catch (e) {
      if (e.code === "EAGAIN") continue;
      process.exit(0); // the host went away
    }
  }
}

function emit(bytes) {
  if (silenced) return;
  if (opts.bps) { outQueue.push(Buffer.from(bytes)); outQueued += bytes.length; }
  else writeOut(bytes);
}

if (opts.bps) {
  // Every 10 ms, what the link could have carried in 10 ms.
  const tick = 10;
  const perTick = Math.max(1, Math.floor((opts.bps * tick) / 1000));
  setInterval(() => {
    let budget = perTick;
    while (budget > 0 && outQueue.length) {
      const head = outQueue[0];
      const n = Math.min(budget, head.length);
      writeOut(head.subarray(0, n));
      if (n === head.length) outQueue.shift();
      else outQueue[0] = head.subarray(n);
      outQueued -= n;
      budget -= n;
    }
  }, tick);
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
}
flash.onOp = onFlashOp;

// Where MicroPython's own ROM partition memory lies (outside its heap, as
// flash does on a board), once standin.py attaches to it; -1 before.
let romAddr = -1;
function mirror(off, end) {
  if (romAddr >= 0 && end > off) mp._module.HEAPU8.set(flash.bytes.subarray(off, end), romAddr + off);
}

function boardModule() {
  return {
    read: () => new Uint8Array(flash.bytes),
    attach: (addr) => { romAddr = addr; },
    erase: (off, len, fromZero) => {
      const end = flash.erase(off, len, !!fromZero);
      mirror(fromZero ? 0 : off, end);
      return end;
    },
    program: (off, buf) => {
      const data = mp.PyProxy.toJs(buf);
      if (!(data instanceof Uint8Array)) return -22;
      const half = opts.dieMid && opts.dieAfter && flash.ops + 1 >= opts.dieAfter;
      const r = flash.program(off, data, half);
      mirror(off, off + data.length);
      return r;
    },
    uid: () => new Uint8Array(flash.uniqueId()),
    reset: (kind) => { resetKind = kind ? "hard" : "soft"; },
  };
}

async function boot() {
  flash.reload();
  const size = flash.size;
  const heapsize = opts.heap || Math.max(1 << 20, 3 * size + (1 << 20));
  romAddr = -1;
  mp = await loadMicroPython({
    romfs: opts.romfs ? new Uint8Array(flash.bytes) : undefined,
    stdout: onStdout, stderr: onStdout, linebuffer: false, heapsize,
  });
  mp.registerJsModule("_board", boardModule());
  const prelude = `_ROMFS = ${opts.romfs ? "True" : "False"}\n_BLOCKDEV = ${opts.blockDevice ? "True" : "False"}\n` +
    `_BS = ${flash.blockSize}\n_MINW = ${flash.minWrite}\n`;
  mp.globals.set("_standin_src", prelude + standinSource);
  mp.runPython("exec(_standin_src, {'__name__': '_standin'})\ndel _standin_src");
  chunk = [];
}

// A reboot as the port's main loop does it: new VM, same REPL mode.
async function reboot(kind) {
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

// Bytes are processed strictly in order, one chunk after another, even while
// a reboot is awaited.
let pending = Promise.resolve();
function onData(data) {
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
process.stdin.on("end", () => {
  pending.then(() => {
    if (opts.bps) {
      const wait = setInterval(() => { if (outQueued === 0) process.exit(0); }, 10);
      void wait;
    } else {
      process.exit(0);
    }
  });
});
