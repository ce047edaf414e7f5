/** `bindery eval aggregate` and `eval report`: every rule, and the report as a pure render. */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { bindery } from "../support/cli.js";
import { tempDir, writeTree } from "../support/tmp.js";

interface Finding {
  code: string;
  message: string;
  field?: string;
}

const KEYS = createHash("sha256").update("q1\nq2\nq3").digest("hex");

/** A model directory with a manifest, and one bindery/metrics file in it. */
async function model(): Promise<{ dir: string; modelId: string; metrics: Record<string, any> }> {
  const dir = join(tempDir(), "model");
  writeTree(dir, { "model.bin": Buffer.from(new Float64Array([3, 1]).buffer), "config.json": '{"model_type": "linear"}\n' });
  const manifest = await bindery(["model", "manifest", "--model-dir", dir, "--json"]);
  expect(manifest.code, manifest.stderr).toBe(0);
  const modelId = manifest.json<{ model_id: string }>().model_id;
  const metrics = {
    kind: "bindery/metrics",
    model_id: modelId,
    release_id: "lines-v0.1.0-r1",
    dataset_snapshot: "d".repeat(64),
    commit: "c".repeat(40),
    rows: [
      { name: "mse", split: "test", value: 0.0123, ci_low: 0.01, ci_high: 0.015, n: 10, evaluated_keys_sha256: KEYS, baseline: "mean predictor", baseline_value: 4.5, baseline_evaluated_keys_sha256: KEYS, delta_vs_baseline: 0.0123 - 4.5 },
      { name: "r2", split: "test", value: 0.99712 },
    ],
    conclusions: ["The fitted line reaches mse 0.0123 on test, far below the mean predictor.", "r2 on test is 0.9971."],
    negative_findings: ["Only 10 test points: the interval is wide."],
  };
  return { dir, modelId, metrics };
}

function writeMetrics(dir: string, metrics: unknown, name = "eval/test.json"): string {
  writeTree(dir, { [name]: JSON.stringify(metrics, null, 2) });
  return join(dir, name);
}

async function aggregate(dir: string, files: string[], ...extra: string[]) {
  const result = await bindery([
    "eval", "aggregate", "--model-dir", dir, "--metrics-json", ...files,
    "--output-metrics", join(dir, "eval_metrics.json"), "--output-report", join(dir, "eval_report.md"), "--json", ...extra,
  ]);
  const json = result.json<{ ok: boolean; findings: Finding[] }>();
  return { result, json, codes: [...new Set(json.findings?.map((f) => f.code) ?? [])].sort() };
}

describe("bindery eval aggregate", () => {
  it("writes eval_metrics.json, the effective config and the report; eval report re-renders it byte for byte", async () => {
    const { dir, modelId, metrics } = await model();
    const file = writeMetrics(dir, metrics);
    writeTree(dir, { "../eval.yaml": "batch_size: 32\nmetrics: [mse, r2]\n" });
    const { result } = await aggregate(dir, [file], "--require", "mse:test", "r2:test", "--config", join(dir, "../eval.yaml"), "--set", "batch_size=8", "--set", "device.kind=cpu");
    expect(result.code, result.stderr).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, "eval_metrics.json"), "utf8"));
    expect(written).toMatchObject({ generated_by: "bindery eval aggregate", model_id: modelId, release_id: "lines-v0.1.0-r1", required: [{ name: "mse", split: "test" }, { name: "r2", split: "test" }] });
    expect(written.sources).toEqual([{ path: "eval/test.json", sha256: createHash("sha256").update(readFileSync(file)).digest("hex"), size: readFileSync(file).length }]);
    expect(parseYaml(readFileSync(join(dir, "eval_config.effective.yaml"), "utf8"))).toEqual({ batch_size: 8, device: { kind: "cpu" }, metrics: ["mse", "r2"] });
    const report = readFileSync(join(dir, "eval_report.md"), "utf8");
    expect(report).toContain("| mse | test | 0.0123 | [0.01, 0.015] | 10 | mean predictor | 4.5 | -4.488 |");
    expect(report).toContain("| r2 | test | 0.9971 |");
    expect(report).toContain("- Only 10 test points: the interval is wide.");
    const again = await bindery(["eval", "report", "--metrics", join(dir, "eval_metrics.json"), "--output", join(dir, "again.md")]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(dir, "again.md"), "utf8")).toBe(report);
  });

  const rules: [string, (m: Record<string, any>) => void, string[], string, RegExp][] = [
    ["a required metric is missing", () => undefined, ["--require", "accuracy:test"], "MISSING_METRIC", /the required metric accuracy on test is not reported/],
    ["there is no negative finding", (m) => (m.negative_findings = []), [], "MISSING_NEGATIVE_FINDINGS", /no negative finding is reported/],
    ["a baseline row is incomplete", (m) => delete m.rows[0].delta_vs_baseline, [], "BASELINE_INVALID", /mse on test: baseline, baseline_value and delta_vs_baseline go together; only 2 of them are given/],
    ["a baseline delta is not value minus baseline", (m) => (m.rows[0].delta_vs_baseline = -4.4), [], "BASELINE_INVALID", /mse on test: delta_vs_baseline is -4\.4, but value - baseline_value is -4\.4877/],
    ["the baseline was evaluated on other items", (m) => (m.rows[0].baseline_evaluated_keys_sha256 = "e".repeat(64)), [], "BASELINE_INVALID", /mse on test: the baseline was evaluated on other items/],
    ["a value lies outside its interval", (m) => (m.rows[0].ci_high = 0.012), [], "CI_INVALID", /mse on test: the value 0\.0123 is not within its interval \[0\.01, 0\.012\]/],
    ["an interval is half given", (m) => delete m.rows[0].ci_low, [], "CI_INVALID", /mse on test: give both ci_low and ci_high, or neither/],
    ["the model id is not the manifest's", (m) => (m.model_id = "a".repeat(64)), [], "DISAGREEMENT", /eval\/test\.json evaluated model a{64}, but manifest\.json in .* is model [0-9a-f]{64}/],
    ["a conclusion does not cite a metric's value as formatted", (m) => (m.conclusions[1] = "r2 on test is 0.99712."), [], "UNCITED_METRIC", /no conclusion cites r2 on test with its value 0\.9971/],
  ];
  for (const [name, mutate, extra, code, message] of rules) {
    it(`refuses, writing nothing, when ${name}`, async () => {
      const { dir, metrics } = await model();
      mutate(metrics);
      const file = writeMetrics(dir, metrics);
      const before = readdirSync(dir).sort();
      const { result, json, codes } = await aggregate(dir, [file], ...extra);
      expect(result.code, result.stderr).toBe(1);
      expect(codes).toEqual([code]);
      expect(json.findings.map((f) => f.message).join("\n")).toMatch(message);
      expect(readdirSync(dir).sort()).toEqual(before);
      expect(existsSync(join(dir, "eval_metrics.json"))).toBe(false);
    });
  }

  it("refuses two metrics files that disagree on the release, and metrics outside the model directory", async () => {
    const { dir, metrics } = await model();
    const a = writeMetrics(dir, metrics, "eval/a.json");
    const b = writeMetrics(dir, { ...metrics, release_id: "lines-v0.1.0-r2", rows: [{ name: "mae", split: "test", value: 0.1 }], conclusions: ["mae on test is 0.1."] }, "eval/b.json");
    const { codes, json } = await aggregate(dir, [a, b]);
    expect(codes).toEqual(["DISAGREEMENT"]);
    expect(json.findings[0]!.message).toBe("eval/b.json says release_id is lines-v0.1.0-r2, but eval/a.json says lines-v0.1.0-r1.");
    const outside = join(dir, "..", "outside.json");
    writeFileSync(outside, JSON.stringify(metrics));
    const result = await bindery(["eval", "aggregate", "--model-dir", dir, "--metrics-json", outside, "--output-metrics", join(dir, "m.json"), "--output-report", join(dir, "r.md")]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/PRIVATE_PATH: .*outside\.json is outside/);
  });

  it("eval report refuses a metrics file bindery did not write", async () => {
    const { dir, metrics } = await model();
    await aggregate(dir, [writeMetrics(dir, metrics)]);
    const file = join(dir, "eval_metrics.json");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), generated_by: "notebook" }));
    const result = await bindery(["eval", "report", "--metrics", file, "--output", join(dir, "r.md")]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/FOREIGN_GENERATOR: .*eval_metrics\.json: its generated_by is "notebook", not "bindery eval aggregate"\./);
    expect(existsSync(join(dir, "r.md"))).toBe(false);
  });
});
