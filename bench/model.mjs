// Model manifest on a 1 GiB weights file: plain, with 64 MiB shards and 4+2 Reed-Solomon parity,
// and --verify of the sharded manifest, against `bindery checksums write` over the same file
// (one hashing pass). Usage: node bench/model.mjs [--dir DIR] [--rounds N]
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BIN, compare, fmt, machine } from "./lib.mjs";

const { values } = parseArgs({ options: { dir: { type: "string" }, rounds: { type: "string", default: "3" } } });
const root = values.dir ?? join(tmpdir(), "bindery-bench-model");
const rounds = Number(values.rounds);
const GiB = 1024 ** 3;
const dir = join(root, "model");
const weights = join(dir, "model.safetensors");
mkdirSync(dir, { recursive: true });
if (!existsSync(weights) || statSync(weights).size !== GiB) {
  const block = randomBytes(16 * 1024 * 1024);
  const fd = openSync(weights, "w");
  for (let written = 0; written < GiB; written += block.length) writeSync(fd, block);
  closeSync(fd);
}
rmSync(join(dir, "shards"), { recursive: true, force: true });
const manifest = (...extra) => [process.execPath, BIN, "model", "manifest", "--model-dir", dir, "--quiet", ...extra];
const [hash, plain] = compare(
  [
    { argv: [process.execPath, BIN, "checksums", "write", dir, "--output", join(root, "SUMS"), "--exclude", "manifest.json", "--quiet"] },
    { argv: manifest(), options: { measureRss: true } },
  ],
  rounds,
);
const [sharded] = compare([{ argv: manifest("--shard-size", "64MiB", "--erasure", "4+2"), options: { measureRss: true } }], rounds);
const [verify] = compare([{ argv: manifest("--verify"), options: { measureRss: true } }], rounds);
rmSync(join(dir, "shards"), { recursive: true, force: true });
rmSync(join(dir, "manifest.json"), { force: true });

console.log(`# bench/model (median of ${rounds}, page cache hot, start-up included)`);
console.log(JSON.stringify(machine()));
console.log(`reference hash (bindery checksums write): ${fmt(hash.seconds, 3)} s`);
console.log(`model manifest:                          ${fmt(plain.seconds, 3)} s, peak RSS ${fmt(plain.rssMiB, 0)} MiB (${fmt(plain.seconds / hash.seconds)}x)`);
console.log(`  --shard-size 64MiB --erasure 4+2:      ${fmt(sharded.seconds, 3)} s, peak RSS ${fmt(sharded.rssMiB, 0)} MiB (16 data + 8 parity shards)`);
console.log(`  --verify (sharded):                    ${fmt(verify.seconds, 3)} s, peak RSS ${fmt(verify.rssMiB, 0)} MiB`);
