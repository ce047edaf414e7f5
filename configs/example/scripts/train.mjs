// Trains the sensors fault model: logistic regression by mini-batch gradient descent with L2
// regularization, on features standardized with the train split's mean and standard deviation.
//
//   node scripts/train.mjs --data DATASET_DIR --config CONFIG.json --out RUN_DIR [--resume CHECKPOINT]
//
// Config keys: seed, learning_rate, epochs, batch_size, l2 (see train.schema.json).
//
// After every epoch it prints "epoch N loss X" (mean log loss on train) and writes
// RUN_DIR/checkpoints/epoch-N.safetensors with its bindery sidecar epoch-N.safetensors.bindery.json.
// At the end it writes RUN_DIR/weights/model.safetensors and RUN_DIR/weights/config.json.
//
// Each epoch shuffles with a generator seeded from (seed, epoch), so a run resumed from a
// checkpoint ends with the same weights, byte for byte, as one that was never interrupted.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FEATURES, LABEL, readJsonl, readModel, sigmoid, standardize, writeModel } from "./lib/model.mjs";
import { mulberry32 } from "./lib/random.mjs";

const { values } = parseArgs({
  options: { data: { type: "string" }, config: { type: "string" }, out: { type: "string" }, resume: { type: "string" } },
});
for (const required of ["data", "config", "out"]) {
  if (!values[required]) {
    console.error(`usage: node scripts/train.mjs --data DATASET_DIR --config CONFIG.json --out RUN_DIR [--resume CHECKPOINT] (missing --${required})`);
    process.exit(2);
  }
}

const config = JSON.parse(readFileSync(values.config, "utf8"));
const { seed, learning_rate: learningRate, epochs, batch_size: batchSize, l2 } = config;
const rows = readJsonl(join(values.data, "data", "train.jsonl"));

// Standardization statistics from the train split only.
const mean = FEATURES.map((f) => rows.reduce((s, r) => s + r[f], 0) / rows.length);
const std = FEATURES.map((f, i) => Math.sqrt(rows.reduce((s, r) => s + (r[f] - mean[i]) ** 2, 0) / rows.length) || 1);
const stats = { mean, std };
const xs = rows.map((r) => standardize(stats, r));
const ys = rows.map((r) => r[LABEL]);

const epochRandom = (epoch) => mulberry32(Math.imul(seed >>> 0, 0x9e3779b1) ^ epoch);

let weight = FEATURES.map(() => 0);
let bias = 0;
let start = 0;
if (values.resume) {
  const checkpoint = readModel(values.resume);
  [weight, bias] = [checkpoint.weight, checkpoint.bias[0]];
  start = JSON.parse(readFileSync(`${values.resume}.bindery.json`, "utf8")).step;
  console.log(`resuming from ${values.resume} at epoch ${start}`);
}

const logLoss = () => {
  let sum = 0;
  for (let i = 0; i < xs.length; i += 1) {
    const p = sigmoid(bias + weight.reduce((z, w, j) => z + w * xs[i][j], 0));
    sum -= ys[i] === 1 ? Math.log(Math.max(p, 1e-15)) : Math.log(Math.max(1 - p, 1e-15));
  }
  return sum / xs.length;
};

// The sidecar bindery reads on resume; only a run started by `bindery training run` has the
// environment it names.
const env = process.env;
const sidecars = Boolean(env.BINDERY_RUN_ID && env.BINDERY_DATASET_SNAPSHOT_ID && env.BINDERY_CONFIG_SHA256);
if (!sidecars) console.log("not started by bindery training run: checkpoints are written without sidecars");

const checkpoints = join(values.out, "checkpoints");
mkdirSync(checkpoints, { recursive: true });
const started = process.hrtime.bigint();
for (let epoch = start + 1; epoch <= epochs; epoch += 1) {
  const random = epochRandom(epoch);
  const order = xs.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let b = 0; b < order.length; b += batchSize) {
    const batch = order.slice(b, b + batchSize);
    const gradW = weight.map(() => 0);
    let gradB = 0;
    for (const i of batch) {
      const error = sigmoid(bias + weight.reduce((z, w, j) => z + w * xs[i][j], 0)) - ys[i];
      xs[i].forEach((x, j) => (gradW[j] += error * x));
      gradB += error;
    }
    weight = weight.map((w, j) => w - learningRate * (gradW[j] / batch.length + l2 * w));
    bias -= learningRate * (gradB / batch.length);
  }
  console.log(`epoch ${epoch} loss ${logLoss().toFixed(6)}`);
  const file = join(checkpoints, `epoch-${epoch}.safetensors`);
  writeModel(file, { weight, bias: [bias], mean, std }, { epoch });
  if (sidecars) {
    const sidecar = {
      kind: "bindery/checkpoint",
      run_id: env.BINDERY_RUN_ID,
      dataset_snapshot_id: env.BINDERY_DATASET_SNAPSHOT_ID,
      seed,
      config_sha256: env.BINDERY_CONFIG_SHA256,
      step: epoch,
    };
    writeFileSync(`${file}.bindery.json`, `${JSON.stringify(sidecar, null, 2)}\n`);
  }
}

const weights = join(values.out, "weights");
mkdirSync(weights, { recursive: true });
writeModel(join(weights, "model.safetensors"), { weight, bias: [bias], mean, std }, { model_type: "logistic-regression" });
writeFileSync(join(weights, "config.json"), `${JSON.stringify({ model_type: "logistic-regression", features: FEATURES, label: LABEL }, null, 2)}\n`);
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const coefficients = FEATURES.map((f, j) => `${f} ${weight[j].toFixed(4)}`).join(", ");
console.log(`trained on ${rows.length} readings in ${ms.toFixed(0)} ms: bias ${bias.toFixed(4)}, ${coefficients} (per standard deviation)`);
