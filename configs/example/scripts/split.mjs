// The dataset build: reads the staged readings.csv and writes the train and test splits as JSON
// Lines. bindery runs it as the spec's build.command, with {inputs} (the staged files) and
// {output} (the empty directory the snapshot is built in) expanded to directories.
//
//   node scripts/split.mjs INPUTS_DIR OUTPUT_DIR
//
// Each reading goes to test when the first 32 bits of sha256(id) fall in the lowest 20% of
// their range, and to train otherwise: deterministic, independent of row order, and an id can
// never land in both splits.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [inputs, output] = process.argv.slice(2);
if (!inputs || !output) {
  console.error("usage: node scripts/split.mjs INPUTS_DIR OUTPUT_DIR");
  process.exit(2);
}

const HEADER = ["id", "temperature", "vibration", "load", "fault"];
const TEST_FRACTION = 0.2;

const text = readFileSync(join(inputs, "readings.csv"), "utf8");
const [head, ...rows] = text.split(/\r?\n/).filter((line) => line !== "");
if (head !== HEADER.join(",")) {
  console.error(`readings.csv: expected the header ${HEADER.join(",")}, found ${head}`);
  process.exit(1);
}

const isTest = (id) => createHash("sha256").update(String(id)).digest().readUInt32BE(0) < TEST_FRACTION * 2 ** 32;

const splits = { train: [], test: [] };
const seen = new Set();
rows.forEach((line, i) => {
  const fields = line.split(",");
  const [id, temperature, vibration, load, fault] = fields.map(Number);
  const where = `readings.csv line ${i + 2}`;
  if (fields.length !== HEADER.length || ![id, temperature, vibration, load].every(Number.isFinite)) {
    throw new Error(`${where}: expected ${HEADER.length} numeric fields, found ${JSON.stringify(line)}`);
  }
  if (!Number.isInteger(id) || seen.has(id)) throw new Error(`${where}: id ${fields[0]} is not a new integer`);
  if (fault !== 0 && fault !== 1) throw new Error(`${where}: fault must be 0 or 1, found ${fields[4]}`);
  seen.add(id);
  splits[isTest(id) ? "test" : "train"].push(JSON.stringify({ id, temperature, vibration, load, fault }));
});

mkdirSync(join(output, "data"), { recursive: true });
for (const [name, records] of Object.entries(splits)) {
  writeFileSync(join(output, "data", `${name}.jsonl`), `${records.join("\n")}\n`);
}
console.log(`split ${rows.length} readings: ${splits.train.length} train, ${splits.test.length} test`);
