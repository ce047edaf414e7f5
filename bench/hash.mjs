// Hashing throughput: bindery against GNU sha256sum on the same files, in one run.
//   (a) two 1 GiB files   (b) 10,000 files of 4 KiB
// Both sides are whole commands, start-up included, page cache hot. Usage:
//   node bench/hash.mjs [--dir DIR] [--rounds N]
import { mkdirSync, openSync, readdirSync, statSync, writeSync, closeSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BIN, compare, fmt, machine, run } from "./lib.mjs";

const { values } = parseArgs({ options: { dir: { type: "string" }, rounds: { type: "string", default: "3" } } });
const root = values.dir ?? join(tmpdir(), "bindery-bench-hash");
const rounds = Number(values.rounds);
const GiB = 1024 ** 3;

function ensureLargeFiles() {
  const dir = join(root, "large");
  mkdirSync(dir, { recursive: true });
  const block = randomBytes(16 * 1024 * 1024);
  for (const name of ["a.bin", "b.bin"]) {
    const file = join(dir, name);
    if (existsSync(file) && statSync(file).size === GiB) continue;
    const fd = openSync(file, "w");
    for (let written = 0; written < GiB; written += block.length) writeSync(fd, block);
    closeSync(fd);
  }
  return dir;
}

function ensureSmallFiles() {
  const dir = join(root, "small");
  if (existsSync(dir) && readdirSync(dir).length === 10_000) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 10_000; i += 1) writeFileSync(join(dir, `f${String(i).padStart(5, "0")}.bin`), randomBytes(4096));
  return dir;
}

function bench(label, dir, files) {
  const bytes = files.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  const out = join(root, `${label}.SHA256SUMS`);
  // Warm the page cache so both sides read from memory.
  run(["sha256sum", ...files], { cwd: dir });
  const [gnu, bindery] = compare(
    [
      { argv: ["sha256sum", ...files], options: { cwd: dir } },
      { argv: [process.execPath, BIN, "checksums", "write", dir, "--output", out, "--quiet"], options: { measureRss: true } },
    ],
    rounds,
  );
  const mbps = (seconds) => bytes / seconds / 1e6;
  return {
    case: label,
    files: files.length,
    bytes,
    sha256sum: { seconds: gnu.seconds, mbps: mbps(gnu.seconds) },
    bindery: { seconds: bindery.seconds, mbps: mbps(bindery.seconds), peakRssMiB: bindery.rssMiB },
    speedup: gnu.seconds / bindery.seconds,
  };
}

const large = ensureLargeFiles();
const small = ensureSmallFiles();
const results = [
  bench("two 1 GiB files", large, ["a.bin", "b.bin"]),
  bench("10,000 files of 4 KiB", small, readdirSync(small).sort()),
];

console.log(`# bench/hash (median of ${rounds}, page cache hot, start-up included)`);
console.log(JSON.stringify(machine()));
console.log("case                   | sha256sum s  MB/s | bindery s  MB/s  peak RSS MiB | bindery speed-up");
for (const r of results) {
  console.log(
    `${r.case.padEnd(22)} | ${fmt(r.sha256sum.seconds, 3).padStart(10)} ${fmt(r.sha256sum.mbps, 0).padStart(5)} | ` +
      `${fmt(r.bindery.seconds, 3).padStart(9)} ${fmt(r.bindery.mbps, 0).padStart(5)} ${fmt(r.bindery.peakRssMiB, 0).padStart(13)} | ` +
      `${fmt(r.speedup)}x (wall-time ratio sha256sum/bindery)`,
  );
}
