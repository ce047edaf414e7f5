/**
 * `bindery release candidate --suite-report`: the metrics files the model's eval_metrics.json
 * cites must be outputs the suite recorded, with the same sha256. On the tutorial's project, the
 * suite re-runs the project's evaluation (deterministic, so the same bytes); public checks are
 * skipped (a fixture candidate), so only the `suite` row is looked at.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { releaseProject } from "../support/release.js";

interface Candidate {
  checks: { id: string; ok: boolean; detail: string }[];
  inputs: { path: string; sha256: string }[];
}

describe("bindery release candidate --suite-report", () => {
  it("binds the metrics the model package cites when the suite wrote them, and fails the suite row when it did not", { timeout: 120_000 }, async () => {
    const project = releaseProject();
    const json = (file: string) => JSON.parse(readFileSync(join(project, file), "utf8"));
    const evaluate = [
      "node", "scripts/evaluate.mjs", "--model", "release/model", "--data", "release/dataset", "--out", "release/model/eval/test.json",
      "--release", "sensors-v0.1.0-r1", "--snapshot", json("runs/r1/training_preflight_report.json").dataset.snapshot_id, "--commit", json("runs/r1/training_run.json").commit.sha,
    ];
    const manifest = (outputs: string[], argv: string[]) => JSON.stringify({ kind: "bindery/suite", steps: { evaluate: { argv, outputs } } });
    writeFileSync(join(project, "suite.yaml"), manifest(["release/model/eval/test.json"], evaluate));
    const suite = await bindery(["suite", "--manifest", "suite.yaml", "--execute", "--output", "suite_report.json"], { cwd: project });
    expect(suite.code, suite.stderr).toBe(0);
    const plan = await bindery(["hub", "plan", "--offline", "--output", "plan.json"], { cwd: project });
    expect(plan.code, plan.stderr).toBe(0);

    const candidate = async () => {
      const result = await bindery(["release", "candidate", "--plan", "plan.json", "--output", "candidate.json", "--skip-public-checks", "--allow-fixture", "--suite-report", "suite_report.json"], { cwd: project });
      expect(result.code).toBe(1); // a fixture candidate is never ready
      const report = json("candidate.json") as Candidate;
      return { report, row: report.checks.find((c) => c.id === "suite")! };
    };
    const bound = await candidate();
    expect(bound.row.ok, bound.row.detail).toBe(true);
    expect(bound.row.detail).toContain("the metrics file eval_metrics.json cites is an output of the suite suite_report.json, with the same sha256.");
    expect(bound.report.inputs).toContainEqual(expect.objectContaining({ path: "suite_report.json" }));
    expect(bound.report.checks.find((c) => c.id === "evidence")!.ok).toBe(true);

    // A suite that wrote something else: the cited metrics file is not among its outputs.
    writeFileSync(join(project, "suite.yaml"), manifest(["other.json"], ["node", "-e", "require('fs').writeFileSync('other.json', '{}')"]));
    expect((await bindery(["suite", "--manifest", "suite.yaml", "--execute", "--output", "suite_report.json"], { cwd: project })).code).toBe(0);
    const unbound = await candidate();
    expect(unbound.row.ok).toBe(false);
    expect(unbound.row.detail).toContain("MISSING_EVIDENCE eval/test.json is not an output of the suite");
  });
});
