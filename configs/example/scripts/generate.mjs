// Generates the upstream file of the sensors dataset, staged/readings.csv: 4000 hourly readings
// of a machine's temperature (°C), vibration (mm/s RMS) and load (% of rated), each labelled
// with whether the machine reported a fault in the following hour.
//
// The readings are synthetic. The fault label is drawn from a logistic model of the three
// features plus Gaussian noise, so a logistic regression can learn most of it, but not all.
// A fixed seed makes the output byte-identical on every run and every platform.
//
//   node scripts/generate.mjs [--out staged/readings.csv]
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { mulberry32 } from "./lib/random.mjs";

const { values } = parseArgs({ options: { out: { type: "string", default: "staged/readings.csv" } } });

const ROWS = 4000;
const SEED = 20240611;


const random = mulberry32(SEED);
// Standard normal by Box-Muller (one value per call; 1 - u keeps log away from 0).
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
const sigmoid = (z) => 1 / (1 + Math.exp(-z));

const lines = ["id,temperature,vibration,load,fault"];
let faults = 0;
for (let id = 1; id <= ROWS; id += 1) {
  const load = clamp(62 + 16 * normal(), 5, 100);
  const temperature = clamp(45 + 0.35 * load + 6 * normal(), 20, 110);
  const vibration = clamp(Math.exp(Math.log(3.2) + 0.3 * normal()) + 0.025 * load, 0.5, 25);
  // The fault model: hotter, shakier and more loaded machines fail more often.
  const z = -2.1 + 1.8 * ((temperature - 67) / 7.5) + 2.2 * ((vibration - 4.9) / 1.1) + 0.8 * ((load - 62) / 16) + 0.6 * normal();
  const fault = random() < sigmoid(z) ? 1 : 0;
  faults += fault;
  lines.push(`${id},${temperature.toFixed(2)},${vibration.toFixed(3)},${load.toFixed(2)},${fault}`);
}

mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${lines.join("\n")}\n`);
console.log(`wrote ${values.out}: ${ROWS} readings, ${faults} faults (${((100 * faults) / ROWS).toFixed(1)}%)`);
