// Scores sensor readings with the released model.
//
//   node scripts/demo.mjs --model MODEL_DIR --input REQUESTS.jsonl --output PREDICTIONS.jsonl
//
// Each input line is a request {id, temperature, vibration, load}; each output line, in input
// order, is {id, fault_probability (4 decimals), fault (true when the probability is 0.5 or
// more)}. A table and a one-line summary go to stdout.
//
// It reads only MODEL_DIR/model.safetensors, imports only ./lib/model.mjs (relative to this
// file), and takes every path from its arguments, so it runs from any working directory.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { FEATURES, loadModel, predict, readJsonl } from "./lib/model.mjs";

const { values } = parseArgs({ options: { model: { type: "string" }, input: { type: "string" }, output: { type: "string" } } });
for (const required of ["model", "input", "output"]) {
  if (!values[required]) {
    console.error(`usage: node scripts/demo.mjs --model MODEL_DIR --input REQUESTS.jsonl --output PREDICTIONS.jsonl (missing --${required})`);
    process.exit(2);
  }
}

const model = loadModel(values.model);
const requests = readJsonl(values.input);
const predictions = requests.map((request) => {
  const p = predict(model, request);
  return { id: request.id, fault_probability: Number(p.toFixed(4)), fault: p >= 0.5 };
});

mkdirSync(dirname(values.output), { recursive: true });
writeFileSync(values.output, predictions.map((p) => `${JSON.stringify(p)}\n`).join(""));

const columns = ["id", ...FEATURES, "p(fault)", "fault"];
const cells = requests.map((r, i) => [String(r.id), ...FEATURES.map((f) => String(r[f])), predictions[i].fault_probability.toFixed(4), predictions[i].fault ? "yes" : "no"]);
const widths = columns.map((c, j) => Math.max(c.length, ...cells.map((row) => row[j].length)));
const line = (row) => row.map((cell, j) => (j === 0 || j === row.length - 1 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join("  ").trimEnd();
console.log(line(columns));
for (const row of cells) console.log(line(row));
const faults = predictions.filter((p) => p.fault).length;
console.log(`scored ${predictions.length} readings, ${faults} predicted faults`);
