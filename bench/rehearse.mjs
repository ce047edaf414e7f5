// `bindery rehearse` end to end (the bundled example, from dataset spec to a passing audit against
// the loopback emulators), median of N runs, with the slowest steps. Usage: node bench/rehearse.mjs [--rounds N]
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { BIN, fmt, machine, median } from "./lib.mjs";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
const runs = [];
for (let i = 0; i < Number(values.rounds); i += 1) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [BIN, "rehearse", "--json"], { encoding: "utf8", maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`bindery rehearse failed: ${result.stderr.slice(-800)}`);
  runs.push({ seconds, report: JSON.parse(result.stdout) });
}
const byStep = new Map();
for (const run of runs) for (const s of run.report.steps) byStep.set(s.name, [...(byStep.get(s.name) ?? []), s.duration_ms]);
const steps = [...byStep].map(([name, ms]) => [name, median(ms)]).sort((a, b) => b[1] - a[1]);
console.log(`# bench/rehearse (median of ${runs.length}; the whole chain, offline)`);
console.log(JSON.stringify(machine()));
console.log(`bindery rehearse: ${fmt(median(runs.map((r) => r.seconds)), 2)} s wall, ${runs[0].report.steps.length} steps`);
for (const [name, ms] of steps.slice(0, 6)) console.log(`  ${fmt(ms / 1000, 2)} s  ${name}`);
