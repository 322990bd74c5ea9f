// NOR flash kept in a file: erase sets whole blocks to 0xFF, programming can
// only clear bits, writes have a minimum size and alignment. Every change is
// written through to the file at once (writeSync) so a board that dies
// leaves exactly what it had done, as a real board's flash would.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";

export const EINVAL = 22;
export const EIO = 5;

export class Flash {
  // opts: { file, size (or null to use the file's), blockSize, minWrite }
  constructor(opts) {
    this.file = path.resolve(opts.file);
    this.blockSize = opts.blockSize;
    this.minWrite = opts.minWrite;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    let size = opts.size;
    if (fs.existsSync(this.file)) {
      const st = fs.statSync(this.file);
      if (size !== null && st.size !== size)
        throw new Error(`${this.file}: partition file is ${st.size} bytes, --size says ${size}`);
      size = st.size;
      this.fd = fs.openSync(this.file, "r+");
      this.bytes = Buffer.alloc(size);
      if (size > 0) fs.readSync(this.fd, this.bytes, 0, size, 0);
    } else {
      if (size === null) size = 256 * 1024;
      this.bytes = Buffer.alloc(size, 0xff);
      this.fd = fs.openSync(this.file, "w+");
      fs.writeSync(this.fd, this.bytes, 0, size, 0);
    }
    if (size === 0 || size % this.blockSize !== 0)
      throw new Error(`${this.file}: size ${size} is not a non-zero multiple of the block size ${this.blockSize}`);
    this.size = size;
    // Counted erase/program operations that touched flash (for --die-after).
    this.ops = 0;
    this.onOp = null; // called after each op with the running count
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

  // Erase blocks covering [off, off+len). fromZero: the (3, id, length) form,
  // which erases enough whole blocks for len starting at 0. Returns the end
  // offset of the erased range or -EINVAL.
  erase(off, len, fromZero) {
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
      this.bytes.fill(0xff, off, end);
      fs.writeSync(this.fd, this.bytes, off, end - off, off);
      this.counted();
    }
    return end;
  }

  // Program data at off. Returns 0, -EINVAL (bad alignment/size/range) or
  // -EIO (some bit would have to go from 0 to 1: nothing is written).
  // half: program only the first half (a write cut short by power loss).
  program(off, data, half = false) {
    const len = data.length;
    if (!Number.isInteger(off) || off < 0 || off % this.minWrite !== 0 || len % this.minWrite !== 0)
      return -EINVAL;
    if (off + len > this.size) return -EINVAL;
    for (let i = 0; i < len; i++)
      if ((data[i] & ~this.bytes[off + i]) & 0xff) return -EIO;
    if (len === 0) return 0;
    const n = half ? Math.floor(len / 2 / this.minWrite) * this.minWrite : len;
    for (let i = 0; i < n; i++) this.bytes[off + i] &= data[i];
    if (n > 0) fs.writeSync(this.fd, this.bytes, off, n, off);
    this.counted();
    return 0;
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
