// SPDX-License-Identifier: MIT
// Compare two walks (ours from walk.c, MicroPython's from oracle.mjs) as data
// and describe the first difference by path and field.

// Where the two APIs report the same condition with a different errno, on
// purpose (docs/COMPATIBILITY.md): [field, ours, MicroPython].
export const EQUIVALENT = [
  // ilistdir of a file: our reader says ENOTDIR, VfsRom says ENOENT.
  ["list_err", "ENOTDIR", "ENOENT"],
];

export function showPath(hex) {
  if (hex === "") return "/";
  return JSON.stringify(Buffer.from(hex, "hex").toString("utf8"));
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function equivalent(equiv, field, ours, mp) {
  return equiv.some(([f, o, m]) => f === field && o === ours && m === mp);
}

// First difference between two entry objects, or null.
function entryDiff(ours, mp, equiv) {
  const fields = new Set([...Object.keys(ours), ...Object.keys(mp)]);
  for (const f of fields) {
    if (same(ours[f], mp[f]) || equivalent(equiv, f, ours[f], mp[f])) continue;
    if (f === "list" && Array.isArray(ours.list) && Array.isArray(mp.list)) {
      const n = Math.max(ours.list.length, mp.list.length);
      for (let i = 0; i < n; i++) {
        if (!same(ours.list[i], mp.list[i])) {
          return { field: `list[${i}]`, ours: ours.list[i], mp: mp.list[i] };
        }
      }
    }
    if (f === "seq" && Array.isArray(ours.seq) && Array.isArray(mp.seq)) {
      for (let i = 0; i < Math.max(ours.seq.length, mp.seq.length); i++) {
        if (!same(ours.seq[i], mp.seq[i])) return { field: `seq[${i}]`, ours: ours.seq[i], mp: mp.seq[i] };
      }
    }
    return { field: f, ours: ours[f], mp: mp[f] };
  }
  return null;
}

// Returns null when the walks agree, else a one-paragraph description of the
// smallest difference (first differing path and field). equiv lists the
// accepted errno pairs (none for the mount table, which matches exactly).
export function diffWalks(ours, mp, equiv = EQUIVALENT) {
  for (const f of ["mount", "statvfs", "truncated"]) {
    if (!same(ours[f], mp[f])) return `${f}: ours ${JSON.stringify(ours[f])}, MicroPython ${JSON.stringify(mp[f])}`;
  }
  for (const list of ["entries", "probes"]) {
    const a = ours[list] || [], b = mp[list] || [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (!a[i] || !b[i]) {
        const e = a[i] || b[i];
        return `${list}[${i}] ${showPath(e.path)}: only in ${a[i] ? "ours" : "MicroPython"}`;
      }
      const d = entryDiff(a[i], b[i], equiv);
      if (d) {
        return `${list}[${i}] ${showPath(a[i].path)} field ${d.field}: ours ${JSON.stringify(d.ours)}, MicroPython ${JSON.stringify(d.mp)}`;
      }
    }
  }
  return null;
}

// Check a walk against the ground truth (diskTree()): every entry present
// with the right type, listing, size and contents. Returns null or a message.
export function diffTruth(walk, truth) {
  if (walk.mount !== "ok") return `mount: ${walk.mount}`;
  const seen = new Set();
  for (const e of walk.entries) {
    const t = truth.get(e.path);
    const where = showPath(e.path);
    if (!t) return `${where}: not in the source tree`;
    seen.add(e.path);
    if (!Array.isArray(e.stat)) return `${where}: stat ${e.stat}`;
    if (t.type === "dir") {
      if (!e.list) return `${where}: expected a directory`;
      const names = e.list.map((x) => x[0]);
      if (!same(names, t.names)) return `${where}: listing ${JSON.stringify(names.map(showPath))}, source ${JSON.stringify(t.names.map(showPath))}`;
    } else {
      if (!Array.isArray(e.read)) return `${where}: read ${JSON.stringify(e.read)}, expected a file`;
      if (e.read[0] !== t.size || e.read[1] !== t.sha) return `${where}: contents differ from the source (size ${e.read[0]} vs ${t.size})`;
    }
  }
  for (const p of truth.keys()) if (!seen.has(p)) return `${showPath(p)}: in the source tree, missing from the walk`;
  return null;
}

export function countEntries(walk) {
  return (walk.entries || []).length + (walk.probes || []).length;
}
