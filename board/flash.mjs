// SPDX-License-Identifier: MIT
// NOR flash kept in a file: erase sets whole blocks to 0xFF, programming can
// only clear bits, writes have a minimum size and alignment. Every change is
// written through to the file at once (writeSync) so a board that dies
// leaves exactly what it had done, as a real board's flash would.
//
// Fault models (the same as tests/support/flash_nor.c), for the operation a
// power cut interrupts (`cut` = the bytes of it that complete):
//   prefix  the rest of the operation is not done;
//   random  seeded: each remaining byte of a cut erase is 0xFF or its old
//           value at random, each new zero bit of a cut program is cleared
//           or not at random (out of order).
// ECC (ecc = unit bytes): a unit is programmed once per erase (a second
// program is -EIO, whatever its bits); a unit a cut left half done is torn
// (its ECC is wrong; only an erase clears it). Unit states live beside the
// partition in FILE.ecc, one byte per unit (0 erased, 1 programmed, 2 torn).
// A flaky program (flakyAt = K) silently writes one wrong bit on the K-th
// program.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";

export const EINVAL = 22;
export const EIO = 5;
const ERASED = 0, PROGRAMMED = 1, TORN = 2;

// xorshift32 over a scrambled seed, as the C emulation's (nearby seeds
// give unrelated sequences).
export function makeRng(seed) {
  let x = (Math.imul(seed >>> 0, 0x9e3779b9) + 0x6d2b79f5) >>> 0 || 1;
  const next = () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
  for (let i = 0; i < 8; i++) next();
  return next;
}

function allErased(bytes, off, len) {
  for (let i = off; i < off + len; i++) if (bytes[i] !== 0xff) return false;
  return true;
}

export class Flash {
  // opts: { file, size (or null to use the file's), blockSize, minWrite,
  //         model ("prefix" | "random"), seed, ecc (unit or 0), flakyAt,
  //         initial (Buffer: contents for a partition file being created),
  //         noopEraseAt (the erase that reports success and does nothing) }
  constructor(opts) {
    this.file = path.resolve(opts.file);
    this.blockSize = opts.blockSize;
    this.ecc = opts.ecc || 0;
    this.minWrite = this.ecc ? Math.max(opts.minWrite, this.ecc) : opts.minWrite;
    this.model = opts.model || "prefix";
    this.rng = makeRng(opts.seed || 1);
    this.flakyAt = opts.flakyAt || 0;
    this.noopEraseAt = opts.noopEraseAt || 0;
    this.erases = 0;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    let size = opts.size;
    // An empty file is a partition still to be made (the emulator creates
    // it empty to lock it).
    if (fs.existsSync(this.file) && fs.statSync(this.file).size > 0 && !opts.initial) {
      const st = fs.statSync(this.file);
      if (size !== null && st.size !== size)
        throw new Error(`${this.file}: partition file is ${st.size} bytes, --size says ${size}`);
      size = st.size;
      this.fd = fs.openSync(this.file, "r+");
      this.bytes = Buffer.alloc(size);
      if (size > 0) fs.readSync(this.fd, this.bytes, 0, size, 0);
    } else {
      if (size === null)
        size = opts.initial ? Math.max(1, Math.ceil(opts.initial.length / this.blockSize)) * this.blockSize : 256 * 1024;
      if (opts.initial && opts.initial.length > size)
        throw new Error(`${this.file}: the image (${opts.initial.length} bytes) does not fit in ${size} bytes`);
      this.bytes = Buffer.alloc(size, 0xff);
      if (opts.initial) opts.initial.copy(this.bytes);
      this.fd = fs.openSync(this.file, "w+");
      fs.writeSync(this.fd, this.bytes, 0, size, 0);
      fs.rmSync(this.file + ".ecc", { force: true }); // states of an older file
    }
    if (size === 0 || size % this.blockSize !== 0)
      throw new Error(`${this.file}: size ${size} is not a non-zero multiple of the block size ${this.blockSize}`);
    if (this.ecc && (this.ecc % opts.minWrite !== 0 || this.blockSize % this.ecc !== 0))
      throw new Error(`--ecc ${this.ecc} must be a multiple of the write size ${opts.minWrite} dividing the block size ${this.blockSize}`);
    this.size = size;
    if (this.ecc) this.loadEcc();
    // Counted erase/program operations that touched flash (for --die-after).
    this.ops = 0;
    this.programs = 0;
    this.onOp = null;     // called after each op with the running count
    this.onChange = null; // (off, len) after bytes changed
  }

  // Unit states from FILE.ecc, or from the contents (all 0xFF: erased).
  loadEcc() {
    const n = this.size / this.ecc;
    this.eccFile = this.file + ".ecc";
    let st = null;
    if (fs.existsSync(this.eccFile)) {
      st = fs.readFileSync(this.eccFile);
      if (st.length !== n) st = null;
    }
    if (!st) {
      st = Buffer.alloc(n);
      for (let u = 0; u < n; u++) st[u] = allErased(this.bytes, u * this.ecc, this.ecc) ? ERASED : PROGRAMMED;
      fs.writeFileSync(this.eccFile, st);
    }
    this.eccState = st;
    this.eccFd = fs.openSync(this.eccFile, "r+");
  }

  // Torn ECC units in [off, off+len).
  torn(off, len) {
    if (!this.ecc) return 0;
    let n = 0;
    for (let a = off - (off % this.ecc); a < off + len && a < this.size; a += this.ecc)
      n += this.eccState[a / this.ecc] === TORN;
    return n;
  }

  // Pick up changes made to the file from outside (someone "flashing" it
  // with dd while the board runs): done at every boot, as a board would
  // read its flash afresh.
  reload() {
    this.bytes.fill(0xff);
    fs.readSync(this.fd, this.bytes, 0, this.size, 0);
  }

  // A stable 8-byte id per partition file, as machine.unique_id() would give.
  uniqueId() {
    return crypto.createHash("sha256").update(this.file).digest().subarray(0, 8);
  }

  // Bytes of a cut operation of len bytes that may have changed.
  reach(len, cut) {
    if (cut === null) return len;
    return this.model === "random" ? len : Math.min(cut, len);
  }

  // ECC states after an operation on [off, off+len) with `cut` bytes done.
  eccAfter(off, len, cut, full) {
    if (!this.ecc || len === 0) return;
    const done = cut === null ? len : Math.min(cut, len);
    const reach = this.reach(len, cut);
    const u0 = off / this.ecc;
    for (let a = off; a < off + len; a += this.ecc) {
      const u = a / this.ecc;
      if (a + this.ecc <= off + done) this.eccState[u] = full;
      else if (a < off + reach)
        this.eccState[u] = full === ERASED && allErased(this.bytes, a, this.ecc) ? ERASED : TORN;
    }
    fs.writeSync(this.eccFd, this.eccState, u0, len / this.ecc, u0);
  }

  changed(off, len) {
    if (len <= 0) return;
    fs.writeSync(this.fd, this.bytes, off, len, off);
    if (this.onChange) this.onChange(off, len);
  }

  // Erase blocks covering [off, off+len). fromZero: the (3, id, length) form,
  // which erases enough whole blocks for len starting at 0. cut: bytes that
  // complete before power goes (null: all). Returns the end offset of the
  // erased range or -EINVAL.
  erase(off, len, fromZero, cut = null) {
    if (!Number.isInteger(off) || !Number.isInteger(len) || off < 0 || len < 0) return -EINVAL;
    let end;
    if (fromZero) {
      end = Math.ceil(len / this.blockSize) * this.blockSize;
    } else {
      if (off % this.blockSize !== 0 || len % this.blockSize !== 0) return -EINVAL;
      end = off + len;
    }
    if (end > this.size) return -EINVAL;
    if (end > off) {
      // A silently failed erase: success reported, nothing changed.
      if (++this.erases === this.noopEraseAt) return end;
      const n = end - off;
      const done = cut === null ? n : Math.min(cut, n);
      this.bytes.fill(0xff, off, off + done);
      const reach = this.reach(n, cut);
      for (let i = done; i < reach; i++) if (this.rng() & 1) this.bytes[off + i] = 0xff;
      this.eccAfter(off, n, cut, ERASED);
      this.changed(off, reach);
      this.counted();
    }
    return end;
  }

  // Program data at off. Returns 0, -EINVAL (bad alignment/size/range) or
  // -EIO (some bit would have to go from 0 to 1, or with ECC a unit that is
  // not erased: nothing is written). cut: bytes that complete (null: all).
  program(off, data, cut = null) {
    const len = data.length;
    if (!Number.isInteger(off) || off < 0 || off % this.minWrite !== 0 || len % this.minWrite !== 0)
      return -EINVAL;
    if (off + len > this.size) return -EINVAL;
    for (let i = 0; i < len; i++)
      if ((data[i] & ~this.bytes[off + i]) & 0xff) return -EIO;
    for (let a = off; this.ecc && a < off + len; a += this.ecc)
      if (this.eccState[a / this.ecc] !== ERASED) return -EIO;
    if (len === 0) return 0;
    const done = cut === null ? len : Math.min(cut, len);
    for (let i = 0; i < done; i++) this.bytes[off + i] &= data[i];
    const reach = this.reach(len, cut);
    for (let i = done; i < reach; i++) this.bytes[off + i] &= (data[i] | this.rng()) & 0xff;
    if (++this.programs === this.flakyAt) this.flaky(off, data);
    this.eccAfter(off, len, cut, PROGRAMMED);
    this.changed(off, reach);
    this.counted();
    return 0;
  }

  // A silently wrong program: one bit of the range ends up other than
  // asked (an extra 0 where the data has a 1, else a 0 left at 1).
  flaky(off, data) {
    const start = this.rng() % data.length;
    for (let k = 0; k < data.length; k++) {
      const i = (start + k) % data.length;
      const b = this.bytes[off + i];
      if (b !== 0) {
        const ones = [];
        for (let bit = 0; bit < 8; bit++) if (b & (1 << bit)) ones.push(bit);
        this.bytes[off + i] = b & ~(1 << ones[this.rng() % ones.length]);
        return;
      }
    }
    this.bytes[off + start] = 1 << (this.rng() % 8);
  }

  counted() {
    this.ops++;
    if (this.onOp) this.onOp(this.ops);
  }
}

// Where the partition lives unless --partition says otherwise.
export function defaultPartitionFile(env, home) {
  let dir = env.ROMFS_BOARD_DIR;
  if (!dir) {
    const cache = env.XDG_CACHE_HOME || path.join(home, ".cache");
    dir = path.join(cache, "romfs", "board");
  }
  return path.join(dir, "partition.bin");
}

// ---- flash images: raw, UF2, Intel HEX ----

const UF2_MAGIC0 = 0x0a324655, UF2_MAGIC1 = 0x9e5d5157, UF2_END = 0x0ab16f30;
const UF2_NOT_MAIN_FLASH = 0x1, UF2_FAMILY = 0x2000;

// Decode a UF2 file (512-byte blocks) into { base, bytes }: the payloads
// placed at their target addresses relative to the lowest one (or to
// `base` if given), gaps 0xFF. Blocks flagged not-main-flash are skipped.
export function decodeUf2(buf, name, base = null) {
  if (buf.length === 0 || buf.length % 512 !== 0)
    throw new Error(`${name}: not a UF2 file (${buf.length} bytes is not a multiple of 512)`);
  const blocks = [];
  let family = null, total = null;
  for (let off = 0; off < buf.length; off += 512) {
    const w = (i) => buf.readUInt32LE(off + i);
    if (w(0) !== UF2_MAGIC0 || w(4) !== UF2_MAGIC1 || w(508) !== UF2_END)
      throw new Error(`${name}: bad UF2 magic in block at offset ${off}`);
    const flags = w(8), addr = w(12), size = w(16), no = w(20), count = w(24), fam = w(28);
    if (size > 476) throw new Error(`${name}: UF2 block at offset ${off} has a payload of ${size} bytes (at most 476)`);
    if (flags & UF2_NOT_MAIN_FLASH) continue;
    if (total === null) total = count;
    if (count !== total || no >= count)
      throw new Error(`${name}: UF2 block at offset ${off} is numbered ${no} of ${count}, expected of ${total}`);
    if (flags & UF2_FAMILY) {
      if (family === null) family = fam;
      else if (fam !== family) throw new Error(`${name}: UF2 block at offset ${off} has family 0x${fam.toString(16)}, expected 0x${family.toString(16)}`);
    }
    blocks.push({ addr, data: buf.subarray(off + 32, off + 32 + size), no });
  }
  if (blocks.length === 0) throw new Error(`${name}: no main-flash blocks in the UF2 file`);
  const seen = new Set(blocks.map((b) => b.no));
  if (seen.size !== total) throw new Error(`${name}: UF2 file has ${seen.size} of its ${total} blocks`);
  return place(blocks, name, base);
}

function place(blocks, name, base) {
  const lo = Math.min(...blocks.map((b) => b.addr));
  if (base === null) base = lo;
  if (lo < base) throw new Error(`${name}: data at 0x${lo.toString(16)} is below the base address 0x${base.toString(16)}`);
  const end = Math.max(...blocks.map((b) => b.addr + b.data.length));
  if (end - base > 1 << 30) throw new Error(`${name}: data spans more than 1 GiB`);
  const bytes = Buffer.alloc(end - base, 0xff);
  for (const b of blocks) b.data.copy ? b.data.copy(bytes, b.addr - base) : bytes.set(b.data, b.addr - base);
  return { base, bytes };
}

// Decode Intel HEX (record types 00, 01, 02, 04, 05) into { base, bytes }.
export function decodeHex(text, name, base = null) {
  const blocks = [];
  let upper = 0, ended = false;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length && !ended; n++) {
    const line = lines[n].trim();
    if (line === "") continue;
    const where = `${name}: line ${n + 1}`;
    if (!/^:([0-9A-Fa-f]{2})+$/.test(line)) throw new Error(`${where}: not an Intel HEX record`);
    const rec = Buffer.from(line.slice(1), "hex");
    if (rec.length < 5 || rec.length !== rec[0] + 5) throw new Error(`${where}: record length mismatch`);
    let sum = 0;
    for (const b of rec) sum = (sum + b) & 0xff;
    if (sum !== 0) throw new Error(`${where}: bad checksum`);
    const type = rec[3], addr = rec.readUInt16BE(1), data = rec.subarray(4, 4 + rec[0]);
    if (type === 0) blocks.push({ addr: upper + addr, data });
    else if (type === 1) ended = true;
    else if (type === 2) upper = data.readUInt16BE(0) * 16;
    else if (type === 4) upper = data.readUInt16BE(0) * 65536;
    else if (type !== 3 && type !== 5) throw new Error(`${where}: unknown record type ${type}`);
  }
  if (!ended) throw new Error(`${name}: no end-of-file record`);
  if (blocks.length === 0) throw new Error(`${name}: no data records`);
  return place(blocks, name, base);
}

// The partition contents a flash image file gives: UF2 by its magic, HEX
// by its first character, anything else raw.
export function loadImageFile(file, base = null) {
  const buf = fs.readFileSync(file);
  if (buf.length >= 8 && buf.readUInt32LE(0) === UF2_MAGIC0 && buf.readUInt32LE(4) === UF2_MAGIC1)
    return decodeUf2(buf, file, base).bytes;
  if (buf.length > 0 && buf[0] === 0x3a && /^[:0-9A-Fa-f\r\n]+$/.test(buf.toString("latin1")))
    return decodeHex(buf.toString("latin1"), file, base).bytes;
  return buf;
}
