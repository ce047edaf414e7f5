/**
 * The model fixture builder, continuing the training one: trained weights → model manifest → a
 * real evaluation script → eval aggregate → efficiency report, ready for `bindery model package`.
 * Shared by the model, demo and paper tests.
 */
import { spawnSync } from "node:child_process";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { suiteTempDir, tempDir, writeTree } from "./tmp.js";
import { ok, preflightArgs, readJson, trainArgs, trainingProject } from "./training.js";

export const EVALUATE = fileURLToPath(new URL("../fixtures/training/evaluate.mjs", import.meta.url));
export const RELEASE = "lines-v0.1.0-r1";

/** A trained, packaged run, and a model directory with its manifest, evaluation and efficiency evidence. */
export async function modelReady(): Promise<{ root: string; model: string }> {
  const root = await trainingProject();
  await ok(root, preflightArgs());
  await ok(root, trainArgs());
  await ok(root, ["training", "package", "--run-dir", "runs/r1", "--metadata", "run.yaml"]);
  const model = join(root, "release/model");
  cpSync(join(root, "runs/r1/weights"), model, { recursive: true });
  await ok(root, ["model", "manifest", "--model-dir", "release/model"]);
  const preflight = readJson(root, "runs/r1/training_preflight_report.json");
  const record = readJson(root, "runs/r1/training_run.json");
  const scored = spawnSync(process.execPath, [EVALUATE, "--model", "release/model", "--data", "dataset", "--out", "release/model/eval/test.json", "--release", RELEASE, "--snapshot", preflight.dataset.snapshot_id, "--commit", record.commit.sha], { cwd: root, encoding: "utf8" });
  expect(scored.status, scored.stderr).toBe(0);
  await ok(root, ["eval", "aggregate", "--model-dir", "release/model", "--metrics-json", "release/model/eval/test.json", "--output-metrics", "release/model/eval_metrics.json", "--output-report", "release/model/eval_report.md", "--require", "mse:test", "r2:test"]);
  const modelId = readJson(root, "release/model/eval_metrics.json").model_id;
  writeTree(root, {
    "bench.json": JSON.stringify({
      kind: "bindery/efficiency-measurements",
      model_id: modelId,
      release_id: RELEASE,
      latency: { unit: "us", samples: [3, 4, 3, 5, 4, 3, 6, 4, 3, 4] },
      throughput: { batch_size: 1024, items: 1024000, seconds: 0.8 },
      peak_memory: { value: 48, unit: "MiB" },
      command: ["node", "bench/infer.mjs"],
      hardware: "2-core AMD EPYC",
      runtime: "Node.js 20",
      warmup_iterations: 10,
      limitations: ["Measured on the CPU only."],
    }),
    "model.yaml": [
      "kind: bindery/model-metadata",
      `release_id: ${RELEASE}`,
      "version: 0.1.0",
      "pretty_name: Lines (SGD)",
      "description: A line fitted by SGD to points near y = 3x + 1.",
      "license: apache-2.0",
      "datasets: [example/lines]",
      "task: { type: tabular-regression, name: Line fitting }",
      "tags: [regression]",
      "",
    ].join("\n"),
  });
  await ok(root, ["efficiency", "report", "--model-dir", "release/model", "--measurements", "bench.json", "--output", "release/model/efficiency_report.json"]);
  return { root, model };
}

export const packageArgs = (run = "runs/r1") => ["model", "package", "--model-dir", "release/model", "--run-dir", run, "--metadata", "model.yaml", "--json"];


let built: string | undefined;

/**
 * A copy of a project whose model is packaged (release/model), built once per test file; each call
 * returns a fresh copy, so a test may change anything in it.
 */
export async function packagedProject(): Promise<string> {
  if (!built) {
    const { root } = await modelReady();
    await ok(root, packageArgs());
    built = join(suiteTempDir(), "project");
    cpSync(root, built, { recursive: true });
  }
  const copy = tempDir("bindery-project-");
  cpSync(built, copy, { recursive: true });
  return copy;
}
