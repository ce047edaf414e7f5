// Dataset packaging and verification on a 1 GiB, 100,000-row JSON Lines dataset (train 90,000
// rows, test 10,000), against two references measured in the same run:
//   hash   `bindery checksums write` over the payload (bindery's own streaming hasher)
//   parse  a plain Node pass that splits the files into lines and JSON.parses each one
// Targets: package <= 1.5 x (hash + parse); verify about one hashing pass (--deep, which parses
// every record again, is reported beside it). Usage:
//   node bench/dataset.mjs [--dir DIR] [--rounds N]
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BIN, compare, fmt, machine, run } from "./lib.mjs";

const { values } = parseArgs({ options: { dir: { type: "string" }, rounds: { type: "string", default: "3" } } });
const root = values.dir ?? join(tmpdir(), "bindery-bench-dataset");
const rounds = Number(values.rounds);
const ROWS = 100_000;
const TARGET_BYTES = 1024 ** 3;
const SPLITS = [
  ["train", 90_000],
  ["test", 10_000],
];

function ensureDataset() {
  const dir = join(root, "dataset");
  const data = join(dir, "data");
  mkdirSync(data, { recursive: true });
  const rowBytes = Math.floor(TARGET_BYTES / ROWS);
  let id = 0;
  for (const [split, rows] of SPLITS) {
    const file = join(data, `${split}.jsonl`);
    if (existsSync(file) && statSync(file).size === rows * rowBytes) {
      id += rows;
      continue;
    }
    const fd = openSync(file, "w");
    const batch = [];
    for (let i = 0; i < rows; i += 1, id += 1) {
      const head = `{"id":${id},"label":"c${id % 5}","text":"`;
      const tail = '"}\n';
      const text = randomBytes(rowBytes).toString("base64").slice(0, rowBytes - head.length - tail.length);
      batch.push(head + text + tail);
      if (batch.length === 1000) writeSync(fd, batch.splice(0).join(""));
    }
    if (batch.length) writeSync(fd, batch.join(""));
    closeSync(fd);
  }
  const metadata = join(root, "metadata.yaml");
  writeFileSync(
    metadata,
    [
      "kind: bindery/dataset-metadata",
      "name: bench-1gib",
      "version: 1.0.0",
      "description: A 1 GiB synthetic JSON Lines dataset for benchmarks.",
      "license: cc0-1.0",
      "key_fields: [text]",
      "label_field: label",
      "splits:",
      ...SPLITS.map(([split]) => `  - { name: ${split}, files: [data/${split}.jsonl] }`),
      "",
    ].join("\n"),
  );
  return { dir, data, metadata };
}

// The parse reference: read each file once, split lines, JSON.parse every line.
const PARSE = `
const { createReadStream } = require("node:fs");
(async () => {
  let records = 0;
  for (const file of process.argv.slice(1)) {
    let carry = Buffer.alloc(0);
    for await (const chunk of createReadStream(file, { highWaterMark: 2 * 1024 * 1024 })) {
      const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
        if (nl > start) { JSON.parse(buf.toString("utf8", start, nl)); records += 1; }
        start = nl + 1;
      }
      carry = buf.subarray(start);
    }
  }
  console.log(records);
})();
`;

const { dir, data, metadata } = ensureDataset();
const files = SPLITS.map(([split]) => join(data, `${split}.jsonl`));
const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
const sums = join(root, "payload.SHA256SUMS");

// Package once so verify has a package to check, and warm the page cache.
run([process.execPath, BIN, "dataset", "package", "--dataset-dir", dir, "--metadata", metadata, "--quiet"]);
const [hash, parse, pkg, verify, deep] = compare(
  [
    { argv: [process.execPath, BIN, "checksums", "write", data, "--output", sums, "--quiet"] },
    { argv: [process.execPath, "-e", PARSE, ...files] },
    { argv: [process.execPath, BIN, "dataset", "package", "--dataset-dir", dir, "--metadata", metadata, "--quiet"], options: { measureRss: true } },
    { argv: [process.execPath, BIN, "dataset", "verify", "--dataset-dir", dir, "--quiet"], options: { measureRss: true } },
    { argv: [process.execPath, BIN, "dataset", "verify", "--dataset-dir", dir, "--deep", "--quiet"], options: { measureRss: true } },
  ],
  rounds,
);
const sha = compare([{ argv: ["sha256sum", ...files] }], 1)[0];

const budget = 1.5 * (hash.seconds + parse.seconds);
console.log(`# bench/dataset (median of ${rounds}, page cache hot, start-up included)`);
console.log(JSON.stringify(machine()));
console.log(`payload: ${ROWS.toLocaleString("en-US")} rows in ${files.length} files, ${(bytes / 1024 ** 3).toFixed(3)} GiB`);
console.log(`reference hash   (bindery checksums write): ${fmt(hash.seconds, 3)} s   (sha256sum: ${fmt(sha.seconds, 3)} s)`);
console.log(`reference parse  (split + JSON.parse):      ${fmt(parse.seconds, 3)} s`);
console.log(
  `dataset package: ${fmt(pkg.seconds, 3)} s, peak RSS ${fmt(pkg.rssMiB, 0)} MiB; ` +
    `${fmt(pkg.seconds / (hash.seconds + parse.seconds))}x (hash + parse); target <= 1.5x (${fmt(budget, 3)} s): ${pkg.seconds <= budget ? "met" : "MISSED"}`,
);
console.log(`dataset verify:  ${fmt(verify.seconds, 3)} s, peak RSS ${fmt(verify.rssMiB, 0)} MiB; ${fmt(verify.seconds / hash.seconds)}x one hashing pass`);
console.log(`dataset verify --deep: ${fmt(deep.seconds, 3)} s, peak RSS ${fmt(deep.rssMiB, 0)} MiB; ${fmt(deep.seconds / (hash.seconds + parse.seconds))}x (hash + parse)`);
