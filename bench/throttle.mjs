// SPDX-License-Identifier: MIT
// stdin -> stdout at most BYTES_PER_SECOND (a serial link's host-to-board
// direction, for benchmarks of link-bound deploys): node throttle.mjs BPS
const bps = Number(process.argv[2]);
if (!(bps > 0)) {
  console.error("usage: node throttle.mjs BYTES_PER_SECOND");
  process.exit(2);
}
const queue = [];
let ended = false;
const perTick = Math.max(1, Math.floor(bps / 100));
process.stdin.on("data", (d) => queue.push(d));
process.stdin.on("end", () => { ended = true; });
setInterval(() => {
  let budget = perTick;
  while (budget > 0 && queue.length) {
    const head = queue[0];
    const n = Math.min(budget, head.length);
    process.stdout.write(head.subarray(0, n));
    if (n === head.length) queue.shift();
    else queue[0] = head.subarray(n);
    budget -= n;
  }
  if (ended && !queue.length) process.exit(0);
}, 10);
