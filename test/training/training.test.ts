/**
 * Training runs end to end: dataset package → preflight → a tiny real training run (a Node script
 * that fits y = a*x + b) → training package → sha256sum -c; then the model manifest of the
 * weights. Then one test per rejection rule.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery, sha256sum, assertNoCanaryInTree } from "../support/cli.js";
import { writeTree } from "../support/tmp.js";
import { ok, preflightArgs, readJson, trainArgs, trainingProject, type Finding } from "../support/training.js";

describe("training: dataset package → preflight → run → package → model manifest", () => {
  it("binds a real run to its inputs, and sha256sum -c accepts the package", async () => {
    const root = await trainingProject();
    writeTree(join(root, "base"), { "model.bin": Buffer.from(new Float64Array([2.5, 0.5]).buffer), "config.json": '{"model_type": "linear"}\n' });
    const base = await ok(root, ["model", "manifest", "--model-dir", "base", "--json"]);
    await ok(root, preflightArgs("--base-model-dir", "base", "--config-schema", "train.schema.json", "--probe", "node", "--probe", "git"));
    const preflight = readJson(root, "runs/r1/training_preflight_report.json");
    expect(preflight.base_model.model_id).toBe(base.json<{ model_id: string }>().model_id);
    expect(preflight.base_model.files.map((f: { path: string }) => f.path)).toEqual(["config.json", "manifest.json", "model.bin"]);
    expect(preflight).toMatchObject({ ok: true, generated_by: "bindery training preflight", dataset: { name: "lines", version: "1.0.0" }, config: { seed: 7 } });
    expect(preflight.dataset.snapshot_id).toBe(preflight.dataset.snapshot_report.sha256);
    expect(preflight.probes.map((p: { argv: string[]; version: string }) => [p.argv, p.version])).toEqual([
      [["node"], process.version],
      [["git"], expect.stringMatching(/^git version /)],
    ]);

    const run = await ok(root, trainArgs());
    expect(run.stderr).toContain("epoch 3 loss");
    const record = readJson(root, "runs/r1/training_run.json");
    expect(record).toMatchObject({ exit_code: 0, seed: 7, commit: { dirty: false }, argv: ["node", "train.mjs", "--data", "dataset", "--config", "runs/r1/training_config.json", "--out", "runs/r1"] });
    expect(record.commit.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(readFileSync(join(root, "runs/r1/logs/training.log"), "utf8")).toMatch(/^epoch 1 loss [\d.]+\n/);
    const weights = readFileSync(join(root, "runs/r1/weights/model.bin"));
    expect(weights.readDoubleLE(0)).toBeCloseTo(3, 0);
    expect(weights.readDoubleLE(8)).toBeCloseTo(1, 0);

    await ok(root, ["training", "package", "--run-dir", "runs/r1", "--metadata", "run.yaml", "--dataset-dir", "dataset"]);
    const manifest = readJson(root, "runs/r1/training_run_manifest.json");
    expect(manifest.base_model.model_id).toBe(base.json<{ model_id: string }>().model_id);
    expect(manifest.dataset).toEqual({
      name: "lines",
      version: "1.0.0",
      package: { ...preflight.dataset.package, root: "dataset" },
      snapshot_report: { ...preflight.dataset.snapshot_report, root: "dataset" },
      snapshot_id: preflight.dataset.snapshot_report.sha256,
    });
    expect(manifest).toMatchObject({ generated_by: "bindery training package", run_id: record.run_id, seed: 7, exit_code: 0, resumed_from: null });
    expect(manifest.checkpoints.map((c: { path: string }) => c.path)).toEqual([
      "checkpoints/step-1.ckpt",
      "checkpoints/step-1.ckpt.bindery.json",
      "checkpoints/step-2.ckpt",
      "checkpoints/step-2.ckpt.bindery.json",
      "checkpoints/step-3.ckpt",
      "checkpoints/step-3.ckpt.bindery.json",
    ]);
    expect(manifest.logs.map((l: { path: string }) => l.path)).toEqual(["logs/training.log"]);
    expect(manifest.outputs.map((o: { path: string }) => o.path)).toEqual(["weights/config.json", "weights/model.bin"]);
    expect(readFileSync(join(root, "runs/r1/training_run_card.md"), "utf8")).toContain(`| Run id | \`${record.run_id}\` |`);
    const gnu = sha256sum(["-c", "--strict", "training_run_SHA256SUMS"], join(root, "runs/r1"));
    expect(gnu.code, gnu.stderr).toBe(0);
    assertNoCanaryInTree(join(root, "runs"));

    const first = await ok(root, ["model", "manifest", "--model-dir", "runs/r1/weights", "--json"]);
    const second = await ok(root, ["model", "manifest", "--model-dir", "runs/r1/weights", "--json"]);
    expect(second.json<{ model_id: string }>().model_id).toBe(first.json<{ model_id: string }>().model_id);
  });

  it("accepts a resume from its own checkpoint and shows the step; refuses one from another run, dataset, seed or config", async () => {
    const root = await trainingProject();
    await ok(root, preflightArgs());
    await ok(root, trainArgs());
    const checkpoint = "runs/r1/checkpoints/step-2.ckpt";
    const sidecar = join(root, `${checkpoint}.bindery.json`);
    const original = readFileSync(sidecar, "utf8");
    const mutations: [string, unknown, RegExp][] = [
      ["run_id", "run-20260101-000000-deadbeef", /the checkpoint was trained with run id "run-20260101-000000-deadbeef", but this run has "run-/],
      ["dataset_snapshot_id", "a".repeat(64), /the checkpoint was trained with dataset snapshot "a{64}", but this run has "[0-9a-f]{64}"/],
      ["seed", 8, /the checkpoint was trained with seed 8, but this run has 7\./],
      ["config_sha256", "b".repeat(64), /the checkpoint was trained with config "b{64}", but this run has "[0-9a-f]{64}"/],
    ];
    for (const [field, value, message] of mutations) {
      writeFileSync(sidecar, JSON.stringify({ ...JSON.parse(original), [field]: value }));
      const result = await bindery(["training", "check-resume", "--run-dir", "runs/r1", "--checkpoint", checkpoint, "--json"], { cwd: root });
      expect(result.code, field).toBe(1);
      const findings = result.json<{ findings: Finding[] }>().findings;
      expect(findings.map((f) => f.code)).toEqual(["DISAGREEMENT"]);
      expect(findings[0]!.message).toMatch(message);
      expect(existsSync(join(root, "runs/r1/training_resume.json"))).toBe(false);
    }
    writeFileSync(sidecar, original);
    const accepted = await ok(root, ["training", "check-resume", "--run-dir", "runs/r1", "--checkpoint", checkpoint]);
    expect(accepted.stdout).toContain("resumes this run at step 2");
    // Accepted but not yet run: the package does not claim a resume the run record does not show.
    await ok(root, ["training", "package", "--run-dir", "runs/r1", "--metadata", "run.yaml"]);
    expect(readJson(root, "runs/r1/training_run_manifest.json").resumed_from).toBeNull();
    await ok(root, trainArgs("--resume", checkpoint));
    await ok(root, ["training", "package", "--run-dir", "runs/r1", "--metadata", "run.yaml"]);
    expect(readJson(root, "runs/r1/training_run_manifest.json").resumed_from).toMatchObject({ step: 2, checkpoint: { path: "checkpoints/step-2.ckpt" } });
  });
});

describe("training: refusals", () => {
  it("refuses a dirty work tree unless --allow-dirty, which is recorded", async () => {
    const root = await trainingProject();
    await ok(root, preflightArgs());
    writeFileSync(join(root, "train.mjs"), `${readFileSync(join(root, "train.mjs"), "utf8")}\n// edited\n`);
    const dirty = await bindery(trainArgs(), { cwd: root });
    expect(dirty.code).toBe(3);
    expect(dirty.stderr).toMatch(/DIRTY_WORKTREE: the git work tree has uncommitted changes to tracked files \(HEAD [0-9a-f]{40}\)/);
    expect(existsSync(join(root, "runs/r1/training_run.json"))).toBe(false);
    await ok(root, trainArgs().slice(0, 4).concat(["--allow-dirty"], trainArgs().slice(4)));
    expect(readJson(root, "runs/r1/training_run.json").commit.dirty).toBe(true);
  });

  it("records a failed run (exit 1), and refuses to package it", async () => {
    const root = await trainingProject();
    await ok(root, preflightArgs());
    const failed = await bindery(trainArgs("--fail"), { cwd: root });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/RUN_FAILED: the training command exited with code 1/);
    expect(readJson(root, "runs/r1/training_run.json").exit_code).toBe(1);
    expect(readFileSync(join(root, "runs/r1/logs/training.log"), "utf8")).toBe("training diverged: loss is NaN\n");
    const pack = await bindery(["training", "package", "--run-dir", "runs/r1", "--metadata", "run.yaml"], { cwd: root });
    expect(pack.code).toBe(1);
    expect(pack.stderr).toMatch(/RUN_FAILED: the recorded run run-\S+ exited with code 1; only a successful run is packaged\./);
  });

  it("runs quietly with --quiet (still logging), and refuses to package a log that is not the recorded one", async () => {
    const root = await trainingProject();
    await ok(root, preflightArgs());
    const quiet = await ok(root, trainArgs().slice(0, 4).concat(["--quiet"], trainArgs().slice(4)));
    expect(quiet.stdout).toBe("");
    expect(quiet.stderr).toBe("");
    expect(readFileSync(join(root, "runs/r1/logs/training.log"), "utf8")).toMatch(/^epoch 1 loss /);
    writeFileSync(join(root, "runs/r1/logs/training.log"), "epoch 1 loss 0.000000\n");
    const pack = await bindery(["training", "package", "--run-dir", "runs/r1", "--metadata", "run.yaml"], { cwd: root });
    expect(pack.code).toBe(3);
    expect(pack.stderr).toMatch(/IDENTITY_MISMATCH: logs\/training\.log is not the log training_run\.json recorded/);
  });

  it("refuses to run without a preflight, and to package after the config changed", async () => {
    const root = await trainingProject();
    const none = await bindery(trainArgs(), { cwd: root });
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/MISSING_EVIDENCE: runs\/r1 has no training_preflight_report\.json/);
    await ok(root, preflightArgs());
    await ok(root, trainArgs());
    writeFileSync(join(root, "runs/r1/training_config.json"), `${JSON.stringify({ seed: 7, lr: 0.5, epochs: 3 })}\n`);
    const pack = await bindery(["training", "package", "--run-dir", "runs/r1", "--metadata", "run.yaml"], { cwd: root });
    expect(pack.code).toBe(3);
    expect(pack.stderr).toMatch(/IDENTITY_MISMATCH: the config training_config\.json is not the one the preflight pinned/);
  });

  it("fails the preflight on stale input-check evidence", async () => {
    const root = await trainingProject();
    const report = join(root, "dataset/dataset_input_check_report.json");
    writeFileSync(report, JSON.stringify({ ...JSON.parse(readFileSync(report, "utf8")), ok: false }));
    await bindery(["checksums", "write", "dataset"], { cwd: root });
    const result = await bindery(preflightArgs("--json"), { cwd: root });
    expect(result.code).toBe(1);
    const codes = result.json<{ findings: Finding[] }>().findings.map((f) => f.code);
    // Named by the package and the snapshot report, which no longer match it, and not ok itself.
    expect([...new Set(codes)].sort()).toEqual(["IDENTITY_MISMATCH", "REPORT_NOT_OK"]);
    expect(readJson(root, "runs/r1/training_preflight_report.json").ok).toBe(false);
    const run = await bindery(trainArgs(), { cwd: root });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/REPORT_NOT_OK: training_preflight_report\.json is not ok, so the run does not start: the dataset package does not verify/);
  });

  it("fails the preflight on a base model that no longer matches its manifest", async () => {
    const root = await trainingProject();
    writeTree(join(root, "base"), { "model.bin": Buffer.alloc(16, 1) });
    await ok(root, ["model", "manifest", "--model-dir", "base"]);
    writeTree(join(root, "base"), { "model.bin": Buffer.alloc(16, 2) });
    const result = await bindery(preflightArgs("--base-model-dir", "base", "--json"), { cwd: root });
    expect(result.code).toBe(1);
    const findings = result.json<{ findings: Finding[] }>().findings;
    expect(findings.map((f) => [f.code, f.path])).toEqual([
      ["IDENTITY_MISMATCH", "training_preflight_report.json"],
      ["IDENTITY_MISMATCH", "base_model/model.bin"],
    ]);
    expect(findings[0]!.message).toBe("training_preflight_report.json: the base model does not match its manifest.json (1 finding).");
  });

  it("fails the preflight on a config that violates its JSON Schema", async () => {
    const root = await trainingProject();
    writeFileSync(join(root, "train.json"), JSON.stringify({ seed: 7, lr: 0, epochs: 3, momentum: 0.9 }));
    const result = await bindery(preflightArgs("--config-schema", "train.schema.json", "--json"), { cwd: root });
    expect(result.code).toBe(1);
    const findings = result.json<{ findings: Finding[] }>().findings;
    expect(findings.map((f) => f.code)).toEqual(["INPUT_INVALID"]);
    expect(findings[0]!.message).toMatch(/the config does not match train\.schema\.json: lr: Too small: expected number to be >0; \(top level\): Unrecognized key: "momentum"\./);
  });

  it("redacts credentials the training command prints, in the log and on the terminal", async () => {
    const root = await trainingProject();
    await ok(root, preflightArgs());
    const args = ["training", "run", "--run-dir", "runs/r1", "--allow-dirty", "--", "node", "-e", "console.log('token', process.env.HF_TOKEN); console.error(process.env.GITHUB_TOKEN)"];
    const result = await ok(root, args);
    expect(result.stderr).toContain("token [redacted HF_TOKEN]");
    expect(readFileSync(join(root, "runs/r1/logs/training.log"), "utf8")).toBe("token [redacted HF_TOKEN]\n[redacted GITHUB_TOKEN]\n");
    assertNoCanaryInTree(join(root, "runs"));
  });

  it("refuses a training command naming a private path", async () => {
    const root = await trainingProject();
    await ok(root, preflightArgs());
    const result = await bindery(["training", "run", "--run-dir", "runs/r1", "--", "node", "/home/alice/train.mjs"], { cwd: root });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/PRIVATE_PATH: the training command\[1\] holds the private path "\/home\/alice\/train\.mjs"/);
  });

  it("requires an accelerator when asked: a missing nvidia-smi is a finding, a real one is probed", async () => {
    const root = await trainingProject();
    const missing = await bindery(preflightArgs("--require-accelerator", "cuda", "--json"), { cwd: root, env: { PATH: "/nonexistent" } });
    expect(missing.code).toBe(1);
    expect(missing.json<{ findings: Finding[] }>().findings).toMatchObject([
      { code: "ACCELERATOR_UNAVAILABLE", message: "training_preflight_report.json: no cuda accelerator: nvidia-smi is not installed or cannot start." },
    ]);
    // A stand-in nvidia-smi that answers the documented query, first on PATH.
    const bin = join(root, "bin");
    writeTree(bin, { "nvidia-smi": '#!/bin/sh\necho "NVIDIA A100-SXM4-40GB, 40960, 550.54.15"\n' });
    chmodSync(join(bin, "nvidia-smi"), 0o755);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const found = await bindery(preflightArgs("--require-accelerator", "cuda", "--min-device-memory-gib", "40"), { cwd: root, env });
    expect(found.code, found.stderr).toBe(0);
    expect(readJson(root, "runs/r1/training_preflight_report.json").accelerator.devices).toEqual([{ name: "NVIDIA A100-SXM4-40GB", memory_gib: 40, driver: "550.54.15" }]);
    const small = await bindery(preflightArgs("--require-accelerator", "cuda", "--min-device-memory-gib", "80", "--json"), { cwd: root, env });
    expect(small.code).toBe(1);
    expect(small.json<{ findings: Finding[] }>().findings[0]!.message).toBe(
      "training_preflight_report.json: no cuda device with at least 80 GiB: found NVIDIA A100-SXM4-40GB (40 GiB).",
    );
  });
});
