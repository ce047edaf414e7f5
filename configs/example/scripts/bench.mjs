// Measures what the sensors model costs to run and writes a bindery/efficiency-measurements file
// for `bindery efficiency report`.
//
//   node scripts/bench.mjs --model MODEL_DIR --out FILE --release ID
//
// - latency: 200 single requests, each timed with process.hrtime.bigint() from the JSON request
//   line to the JSON response line (parse, predict, serialize), in microseconds, after a warm-up;
// - throughput: batches of 1000 readings scored back to back for at least half a second;
// - peak memory: the largest resident set size of this process (process.memoryUsage().rss,
//   sampled during the run, and the kernel's maxRSS), the Node.js runtime included.
//
// The requests are generated from a fixed seed, within the ranges of the training data.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, arch, platform } from "node:os";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { loadModel, predict } from "./lib/model.mjs";
import { mulberry32 } from "./lib/random.mjs";

const { values } = parseArgs({ options: { model: { type: "string" }, out: { type: "string" }, release: { type: "string" } } });
for (const required of ["model", "out", "release"]) {
  if (!values[required]) {
    console.error(`usage: node scripts/bench.mjs --model MODEL_DIR --out FILE --release ID (missing --${required})`);
    process.exit(2);
  }
}

const WARMUP = 1000;
const SAMPLES = 200;
const BATCH = 1000;
const MIN_SECONDS = 0.5;

let peakRss = process.memoryUsage().rss;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

const model = loadModel(values.model);

// Deterministic requests in the ranges of the training data.
const random = mulberry32(12345);
const request = (id) => ({
  id,
  temperature: Number((50 + 35 * random()).toFixed(2)),
  vibration: Number((3 + 5 * random()).toFixed(3)),
  load: Number((20 + 80 * random()).toFixed(2)),
});
const lines = Array.from({ length: WARMUP + SAMPLES }, (_, i) => JSON.stringify(request(i + 1)));
const batch = Array.from({ length: BATCH }, (_, i) => request(i + 1));

const serve = (line) => {
  const r = JSON.parse(line);
  const p = predict(model, r);
  return JSON.stringify({ id: r.id, fault_probability: Number(p.toFixed(4)), fault: p >= 0.5 });
};

// Warm-up: let the JIT compile the path before anything is timed.
let sink = 0;
for (let i = 0; i < WARMUP; i += 1) sink += serve(lines[i]).length;
sampleRss();

// Single-item latency, in microseconds. A sample is never reported as 0 (the timer ticks in ns).
const samples = [];
for (let i = WARMUP; i < WARMUP + SAMPLES; i += 1) {
  const start = process.hrtime.bigint();
  sink += serve(lines[i]).length;
  const ns = Number(process.hrtime.bigint() - start);
  samples.push(Math.max(ns, 1) / 1000);
}
sampleRss();

// Throughput: whole batches scored back to back until MIN_SECONDS have passed.
let items = 0;
const started = process.hrtime.bigint();
let elapsed = 0;
while (elapsed < MIN_SECONDS) {
  for (const r of batch) sink += predict(model, r);
  items += BATCH;
  elapsed = Number(process.hrtime.bigint() - started) / 1e9;
}
sampleRss();
if (!Number.isFinite(sink)) throw new Error("benchmark produced a non-finite result");
peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);

const cpu = cpus();
const measurements = {
  kind: "bindery/efficiency-measurements",
  model_id: createHash("sha256").update(readFileSync(join(values.model, "manifest.json"))).digest("hex"),
  release_id: values.release,
  latency: { unit: "us", samples },
  throughput: { batch_size: BATCH, items, seconds: elapsed },
  peak_memory: { value: peakRss / 1024 ** 2, unit: "MiB" },
  // The command as it was run, with the script named relative to the working directory.
  command: ["node", relative(process.cwd(), process.argv[1]).split("\\").join("/"), ...process.argv.slice(2)],
  hardware: `${cpu.length} x ${cpu[0]?.model.trim() ?? "unknown CPU"} (${arch()}), no accelerator used`,
  runtime: `Node.js ${process.version} on ${platform()}, single thread`,
  warmup_iterations: WARMUP,
  limitations: [
    `Latency is ${SAMPLES} single requests in one process, timed in memory from JSON line to JSON line: no file or network I/O, no process start-up.`,
    "Throughput scores readings already parsed, on one thread; it is the model's cost, not a service's.",
    "Peak memory is the resident set of the whole Node.js process, dominated by the runtime rather than the 10 numbers of the model.",
    "One run on one machine that may be running other work; the figures are not averaged over repeated runs.",
  ],
};

mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(measurements, null, 2)}\n`);
const sorted = [...samples].sort((a, b) => a - b);
console.log(
  `wrote ${values.out}: p50 ${sorted[Math.ceil(0.5 * SAMPLES) - 1].toFixed(3)} us, ${Math.round(items / elapsed)} readings/s at batch ${BATCH}, peak ${(peakRss / 1024 ** 2).toFixed(1)} MiB`,
);
