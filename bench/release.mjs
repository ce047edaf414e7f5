// The release set of the bundled example (docs/tutorial.md, run once): `bindery verify --release`
// against `sha256sum -c` over the same packages (the checksum pass alone), and `bindery demo run`
// against running the demo command directly. Usage: node bench/release.mjs [--rounds N]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BIN, compare, fmt, machine } from "./lib.mjs";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" } } });
const rounds = Number(values.rounds);
const repo = fileURLToPath(new URL("..", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "bindery-bench-release-"));
const script = [...readFileSync(join(repo, "docs/tutorial.md"), "utf8").matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]).join("\n");
const started = process.hrtime.bigint();
const built = spawnSync("bash", ["-euo", "pipefail", "-c", script], {
  cwd: tmp,
  encoding: "utf8",
  env: { ...process.env, TMPDIR: tmp, BINDERY_HOME: repo, GIT_AUTHOR_NAME: "bench", GIT_AUTHOR_EMAIL: "bench@example.org", GIT_COMMITTER_NAME: "bench", GIT_COMMITTER_EMAIL: "bench@example.org" },
});
const tutorialSeconds = Number(process.hrtime.bigint() - started) / 1e9;
if (built.status !== 0) throw new Error(`the tutorial failed: ${built.stderr.slice(-800)}`);
const project = join(tmp, readdirSync(tmp).find((n) => n.startsWith("tmp.")), "sensors-release");

const sums = ["release/dataset", "release/model", "release/demo", "release/paper"].map((d) => `(cd ${d} && sha256sum -c --quiet --strict SHA256SUMS)`).join(" && ");
const [gnu, verify] = compare(
  [
    { argv: ["bash", "-c", `${sums} && (cd runs/r1 && sha256sum -c --quiet --strict training_run_SHA256SUMS)`], options: { cwd: project } },
    { argv: [process.execPath, BIN, "verify", "--release", "--quiet"], options: { cwd: project, measureRss: true } },
  ],
  rounds,
);
const demoCommand = ["node", "scripts/demo.mjs", "--model", join(project, "release/model"), "--input", "demo/requests.jsonl", "--output", join(tmp, "direct.jsonl")];
const [direct, demo] = compare(
  [
    { argv: demoCommand, options: { cwd: project } },
    {
      argv: [process.execPath, BIN, "demo", "run", "--model-dir", "release/model", "--output-dir", "release/demo", "--program", "scripts/demo.mjs", "--program", "scripts/lib", "--input", "requests=demo/requests.jsonl", "--output", "predictions=outputs/predictions.jsonl", "--quiet", "--", "node", "scripts/demo.mjs", "--model", "{model_dir}", "--input", "{input:requests}", "--output", "{output:predictions}"],
      options: { cwd: project },
    },
  ],
  rounds,
);
rmSync(tmp, { recursive: true, force: true });

console.log(`# bench/release (the bundled example; median of ${rounds}, start-up included)`);
console.log(JSON.stringify(machine()));
console.log(`the tutorial, end to end (once):          ${fmt(tutorialSeconds, 2)} s`);
console.log(`sha256sum -c over the five packages:      ${fmt(gnu.seconds, 3)} s`);
console.log(`bindery verify --release:                 ${fmt(verify.seconds, 3)} s, peak RSS ${fmt(verify.rssMiB, 0)} MiB (${fmt(verify.seconds / gnu.seconds, 1)}x the checksum pass alone)`);
console.log(`the demo command, run directly:           ${fmt(direct.seconds, 3)} s`);
console.log(`bindery demo run (same command, recorded): ${fmt(demo.seconds, 3)} s (+${fmt(demo.seconds - direct.seconds, 3)} s)`);
