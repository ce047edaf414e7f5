// `bindery hub publish` against the loopback Hub emulator (in this process): 1 GiB in 8 files
// (LFS, multipart) and 2,000 small files (regular, one commit), each published from scratch and
// then again (nothing to send). Figures: seconds, MB/s, HTTP requests per file.
// Usage: node bench/publish.mjs [--dir DIR]
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildReport, hubReleasePlan, identitiesOf, startEmulators } from "../dist/index.js";
import { BIN, fmt, machine } from "./lib.mjs";

const { values } = parseArgs({ options: { dir: { type: "string" } } });
const root = values.dir ?? join(tmpdir(), "bindery-bench-publish");
rmSync(root, { recursive: true, force: true });
mkdirSync(root, { recursive: true });
const MiB = 1024 * 1024;

/** A plan for one Hub model repository holding every file of `dir` (no GitHub release). */
async function planFor(name, dir, paths, endpoint) {
  const sources = (await identitiesOf(dir, paths)).map((i) => ({ ...i, root: "model" }));
  const plan = buildReport(hubReleasePlan, {
    inputs: [],
    body: {
      release: { id: `${name}-v0.1.0-r1`, version: "0.1.0", commit: null, tag: "v0.1.0", evidence_tag: "v0.1.0-evidence" },
      endpoints: { hub: endpoint, github_api: "http://127.0.0.1:9", github_web: "http://127.0.0.1:9" },
      roots: { model: name },
      repos: [{ platform: "hub", repo_type: "model", repo: `bench/${name}`, url: `${endpoint}/bench/${name}`, tag: "v0.1.0", remote: { read: false, exists: null }, files: paths, deletions: [], batches: 1 }],
      releases: [],
      entries: sources.map((source) => ({
        source,
        target: { platform: "hub", repo_type: "model", repo: `bench/${name}`, path: source.path, lfs: source.size >= 10 * MiB, batch: 0 },
        url: `${endpoint}/bench/${name}/resolve/v0.1.0/${source.path}`,
      })),
      preflight: { ok: true, checks: [], blockers: [], forecast: { files: paths.length, bytes: sources.reduce((s, f) => s + f.size, 0), lfs_files: 0, commits: 1, api_calls: 0 } },
      commands: [],
    },
  });
  writeFileSync(join(root, `${name}.plan.json`), JSON.stringify(plan, null, 2));
  return plan;
}

/** Runs the CLI (a child process, talking HTTP to this process's emulator); returns seconds and the report. */
function publish(name, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [BIN, "hub", "publish", "--plan", `${name}.plan.json`, "--output", `${name}.report.json`, "--quiet"], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    child.on("exit", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`publish ${name} failed (${code}): ${stderr.slice(-600)}`));
      resolve({ seconds, report: JSON.parse(readFileSync(join(root, `${name}.report.json`), "utf8")) });
    });
  });
}

const emulators = await startEmulators();
const env = { ...emulators.env, HF_TOKEN: "hf_bench_token_not_secret", GITHUB_TOKEN: "ghp_bench_token_not_secret" };
try {
  // 1 GiB in 8 files of 128 MiB.
  const large = join(root, "large");
  mkdirSync(large);
  const block = randomBytes(16 * MiB);
  const largePaths = [];
  for (let i = 0; i < 8; i += 1) {
    const path = `model-${String(i + 1).padStart(5, "0")}-of-00008.safetensors`;
    const fd = openSync(join(large, path), "w");
    for (let written = 0; written < 128 * MiB; written += block.length) {
      block[0] = i; // each shard distinct
      writeSync(fd, block);
    }
    closeSync(fd);
    largePaths.push(path);
  }
  await planFor("large", large, largePaths, emulators.hub.origin);
  const l1 = await publish("large", env);
  const l2 = await publish("large", env);

  // 2,000 files of 4 KiB.
  const small = join(root, "small");
  const smallPaths = [];
  for (let i = 0; i < 2000; i += 1) {
    const path = `shards/${String(Math.floor(i / 500))}/part-${String(i).padStart(5, "0")}.json`;
    mkdirSync(join(small, path, ".."), { recursive: true });
    writeFileSync(join(small, path), randomBytes(2048).toString("hex"));
    smallPaths.push(path);
  }
  await planFor("small", small, smallPaths, emulators.hub.origin);
  const s1 = await publish("small", env);
  const s2 = await publish("small", env);

  const line = (label, run, files, bytes) =>
    `${label}${fmt(run.seconds, 2)} s, ${fmt(bytes / MiB / run.seconds, 0)} MiB/s, ${fmt(run.report.transfer.requests / files, 2)} requests per file, ${run.report.transfer.bytes_sent} bytes sent`;
  console.log("# bench/publish (bindery hub publish against the loopback Hub emulator; start-up and source hashing included)");
  console.log(JSON.stringify(machine()));
  console.log(line("1 GiB in 8 files, first publish:      ", l1, 8, 1024 * MiB));
  console.log(line("1 GiB in 8 files, again (no change):  ", l2, 8, 1024 * MiB));
  console.log(line("2,000 x 4 KiB files, first publish:   ", s1, 2000, 2000 * 4096));
  console.log(line("2,000 x 4 KiB files, again:           ", s2, 2000, 2000 * 4096));
} finally {
  await emulators.close();
  rmSync(root, { recursive: true, force: true });
}
