/** `bindery efficiency report`: normalization, the model id bound, and refusals. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { percentile } from "../support/lib.js";
import { tempDir, writeTree } from "../support/tmp.js";

async function model(): Promise<{ dir: string; modelId: string }> {
  const dir = join(tempDir(), "model");
  writeTree(dir, { "model.bin": Buffer.from(new Float64Array([3, 1]).buffer) });
  const manifest = await bindery(["model", "manifest", "--model-dir", dir, "--json"]);
  expect(manifest.code, manifest.stderr).toBe(0);
  return { dir, modelId: manifest.json<{ model_id: string }>().model_id };
}

function measurements(modelId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: "bindery/efficiency-measurements",
    model_id: modelId,
    release_id: "lines-v0.1.0-r1",
    // 20 samples in microseconds: p50 is the 10th smallest (nearest rank), p95 the 19th.
    latency: { unit: "us", samples: [12, 11, 15, 13, 14, 10, 19, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27, 90, 28] },
    throughput: { batch_size: 64, items: 64000, seconds: 3.2 },
    peak_memory: { value: 1.5, unit: "MiB" },
    command: ["node", "bench/infer.mjs", "--model", "model.bin"],
    hardware: "2-core AMD EPYC, no accelerator",
    runtime: "Node.js 20",
    warmup_iterations: 100,
    limitations: ["Single-threaded; no batching above 64 measured."],
    ...extra,
  };
}

async function report(dir: string, input: Record<string, unknown>) {
  writeTree(dir, { "../bench.json": JSON.stringify(input) });
  return bindery(["efficiency", "report", "--model-dir", dir, "--measurements", join(dir, "../bench.json"), "--output", join(dir, "efficiency_report.json"), "--json"]);
}

describe("bindery efficiency report", () => {
  it("normalizes latency (nearest-rank p50/p95, ms), throughput, memory, and binds the model id", async () => {
    const { dir, modelId } = await model();
    const result = await report(dir, measurements(modelId));
    expect(result.code, result.stderr).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, "efficiency_report.json"), "utf8"));
    expect(written).toMatchObject({
      generated_by: "bindery efficiency report",
      model_id: modelId,
      release_id: "lines-v0.1.0-r1",
      latency_ms: { p50: 0.019, p95: 0.028, samples: 20 },
      throughput: { batch_size: 64, items_per_second: 20000 },
      peak_memory_bytes: 1572864,
      command: ["node", "bench/infer.mjs", "--model", "model.bin"],
      warmup_iterations: 100,
      limitations: ["Single-threaded; no batching above 64 measured."],
    });
    expect(written.inputs).toEqual([{ path: "manifest.json", sha256: modelId, size: readFileSync(join(dir, "manifest.json")).length }]);
  });

  it("computes the nearest-rank percentile", () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 95)).toBe(5);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });

  it("accepts given p50/p95 and items per second", async () => {
    const { dir, modelId } = await model();
    const result = await report(dir, measurements(modelId, { latency: { unit: "s", p50: 0.25, p95: 0.5 }, throughput: { batch_size: 8, items_per_second: 31.5 } }));
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "efficiency_report.json"), "utf8"))).toMatchObject({ latency_ms: { p50: 250, p95: 500, samples: null }, throughput: { items_per_second: 31.5 } });
  });

  const refusals: [string, (id: string) => Record<string, unknown>, number, RegExp][] = [
    ["measurements of another model", () => measurements("a".repeat(64)), 1, /DISAGREEMENT[\s\S]*the measurements are of model a{64}, but manifest\.json in .* is model [0-9a-f]{64}\./],
    ["a private path in the command", (id) => measurements(id, { command: ["python", "/home/alice/bench.py"] }), 3, /PRIVATE_PATH: command\[1\] holds the private path "\/home\/alice\/bench\.py"/],
    ["no limitations", (id) => measurements(id, { limitations: [] }), 3, /INPUT_INVALID: .*limitations: Too small/],
    ["p95 below p50", (id) => measurements(id, { latency: { unit: "ms", p50: 5, p95: 4 } }), 3, /INPUT_INVALID: .*latency p95 \(4\) is below p50 \(5\)/],
    ["latency without samples or percentiles", (id) => measurements(id, { latency: { unit: "ms", p50: 5 } }), 3, /latency: give samples, or both p50 and p95/],
  ];
  for (const [name, input, code, message] of refusals) {
    it(`refuses ${name}, writing nothing`, async () => {
      const { dir, modelId } = await model();
      const result = await report(dir, input(modelId));
      expect(result.code, result.stderr).toBe(code);
      expect(`${result.stdout}\n${result.stderr}`).toMatch(message);
      expect(existsSync(join(dir, "efficiency_report.json"))).toBe(false);
    });
  }
});
