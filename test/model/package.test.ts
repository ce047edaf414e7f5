/**
 * The model package, continuing the training end-to-end test: trained weights → model manifest →
 * a real evaluation script → eval aggregate → efficiency report → model package → sha256sum -c.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { bindery, sha256sum } from "../support/cli.js";
import { hubModelCardMetadataSchema, identityOfBytes, prettyJson, renderModelCard, writeChecksums } from "../support/lib.js";
import { suiteTempDir, tempDir } from "../support/tmp.js";
import { modelReady, packageArgs, RELEASE } from "../support/model.js";
import { ok, readJson, trainArgs, type Finding } from "../support/training.js";

describe("bindery model package", () => {
  it("binds weights, run, evaluation and efficiency; sha256sum -c passes; the card's metadata follows the Hub's", async () => {
    const { root, model } = await modelReady();
    const result = await ok(root, packageArgs());
    const pkg = readJson(root, "release/model/model_package.json");
    const metrics = readJson(root, "release/model/eval_metrics.json");
    expect(pkg).toMatchObject({
      generated_by: "bindery model package",
      release_id: RELEASE,
      model_id: metrics.model_id,
      dataset_snapshot: metrics.dataset_snapshot,
      commit: metrics.commit,
      training: { run_id: readJson(root, "runs/r1/training_run.json").run_id },
    });
    expect(pkg.training.files.map((f: { path: string }) => f.path)).toEqual([
      "training/training_run_manifest.json",
      "training/training_run_card.md",
      "training/training_preflight_report.json",
      "training/training_run_SHA256SUMS",
    ]);
    expect(result.json<{ files: unknown[] }>().files.length).toBeGreaterThan(10);
    const gnu = sha256sum(["-c", "--strict", "SHA256SUMS"], model);
    expect(gnu.code, gnu.stderr).toBe(0);

    const card = readFileSync(join(model, "model_card.md"), "utf8");
    const front = parseYaml(card.split("---\n")[1]!);
    expect(hubModelCardMetadataSchema.safeParse(front).success).toBe(true);
    expect(front["model-index"][0].results[0]).toMatchObject({
      task: { type: "tabular-regression", name: "Line fitting" },
      dataset: { type: "example/lines", name: "example/lines", split: "test" },
      metrics: [
        { type: "mse", value: metrics.rows[0].value, name: "mse" },
        { type: "r2", value: metrics.rows[1].value, name: "r2" },
      ],
    });
    expect(front).toMatchObject({ license: "apache-2.0", datasets: ["example/lines"], tags: ["regression"] });
    // The package's own files are not model files: the model id and its verification stand.
    const verify = await bindery(["model", "manifest", "--model-dir", "release/model", "--verify", "--json"], { cwd: root });
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.json<{ model_id: string }>().model_id).toBe(metrics.model_id);
  });

  it("refuses training evidence from another run", async () => {
    const { root } = await modelReady();
    // A second run from the same dataset and commit, with another seed: other weights.
    writeFileSync(join(root, "r2.json"), JSON.stringify({ seed: 99, lr: 0.05, epochs: 2 }));
    await ok(root, ["training", "preflight", "--dataset-dir", "dataset", "--config", "r2.json", "--run-dir", "runs/r2"]);
    const r2 = trainArgs().map((a) => a.replace("runs/r1", "runs/r2"));
    await ok(root, r2);
    await ok(root, ["training", "package", "--run-dir", "runs/r2", "--metadata", "run.yaml"]);
    const result = await bindery(packageArgs("runs/r2"), { cwd: root });
    expect(result.code).toBe(1);
    const findings = result.json<{ findings: Finding[] }>().findings;
    expect(findings.map((f) => f.code)).toEqual(["DISAGREEMENT"]);
    expect(findings[0]!.message).toMatch(/^model\.bin \(sha256 [0-9a-f]{64}\) is not among the outputs of training run run-\S+: the training evidence is from another run\.$/);
  });

  it("refuses a stale eval report and evidence of another model, writing nothing", async () => {
    const { root, model } = await modelReady();
    writeFileSync(join(model, "eval_report.md"), `${readFileSync(join(model, "eval_report.md"), "utf8")}\nEdited.\n`);
    const stale = await bindery(packageArgs(), { cwd: root });
    expect(stale.code).toBe(1);
    expect(stale.json<{ findings: Finding[] }>().findings.map((f) => [f.code, f.message])).toEqual([
      ["STALE_RENDER", "eval_report.md is not the render of eval_metrics.json; re-run `bindery eval report`."],
    ]);
    await ok(root, ["eval", "report", "--metrics", "release/model/eval_metrics.json", "--output", "release/model/eval_report.md"]);
    // Another model: the manifest changes, the evaluation and efficiency evidence do not.
    writeFileSync(join(model, "config.json"), '{"model_type": "linear", "inputs": 2}\n');
    await ok(root, ["model", "manifest", "--model-dir", "release/model"]);
    const other = await bindery(packageArgs(), { cwd: root });
    expect(other.code).toBe(1);
    const messages = other.json<{ findings: Finding[] }>().findings.map((f) => f.message);
    expect(messages).toEqual([
      expect.stringMatching(/^eval_metrics\.json evaluated model [0-9a-f]{64}, but manifest\.json is model [0-9a-f]{64}\.$/),
      expect.stringMatching(/^efficiency_report\.json measured model [0-9a-f]{64}, but manifest\.json is model [0-9a-f]{64}\.$/),
    ]);
    expect(() => readFileSync(join(model, "model_package.json"))).toThrow();
  });
});

describe("bindery model verify", () => {
  let built: string | undefined;
  /** A copy of one model package, built once for this block. */
  async function packaged(): Promise<string> {
    if (!built) {
      const { root, model } = await modelReady();
      await ok(root, packageArgs());
      built = join(suiteTempDir(), "model");
      cpSync(model, built, { recursive: true });
    }
    const copy = join(tempDir("bindery-model-copy-"), "model");
    cpSync(built, copy, { recursive: true });
    return copy;
  }

  const edit = (dir: string, name: string, change: (doc: Record<string, any>) => void) => {
    const doc = JSON.parse(readFileSync(join(dir, name), "utf8"));
    change(doc);
    writeFileSync(join(dir, name), prettyJson(doc));
  };

  /** Re-binds what a forger would: the package's identities, the card, and SHA256SUMS. */
  async function rebind(dir: string, options: { card?: boolean } = {}): Promise<void> {
    edit(dir, "model_package.json", (p) => {
      for (const key of ["manifest", "eval_metrics", "eval_report", "efficiency_report"]) p[key] = identityOfBytes(p[key].path, readFileSync(join(dir, p[key].path)));
    });
    if (options.card ?? true) {
      const read = (name: string) => JSON.parse(readFileSync(join(dir, name), "utf8"));
      writeFileSync(join(dir, "model_card.md"), renderModelCard(read("model_package.json"), read("manifest.json"), read("eval_metrics.json"), read("efficiency_report.json")));
    }
    await writeChecksums({ dir, concurrency: 1 });
  }

  async function verify(dir: string, ...extra: string[]) {
    const result = await bindery(["model", "verify", "--model-dir", dir, "--json", ...extra]);
    const json = result.json<{ ok: boolean; findings: (Finding & { severity: string; path: string })[] }>();
    return { result, json, codes: [...new Set(json.findings.filter((f) => f.severity === "error").map((f) => f.code))].sort() };
  }

  it("passes a fresh package, also as a release", async () => {
    const dir = await packaged();
    const { result, codes } = await verify(dir, "--release");
    expect(result.code, result.stdout).toBe(0);
    expect(codes).toEqual([]);
  });

  const mutations: [string, (dir: string) => Promise<void> | void, string[], RegExp, string[]?][] = [
    ["a bad checksum", (dir) => writeFileSync(join(dir, "SHA256SUMS"), readFileSync(join(dir, "SHA256SUMS"), "utf8").replace(/^[0-9a-f]{64}/, "0".repeat(64))), ["CHECKSUM_MISMATCH"], /but SHA256SUMS says 0{64}/],
    ["a stale model card", async (dir) => { writeFileSync(join(dir, "model_card.md"), `${readFileSync(join(dir, "model_card.md"), "utf8")}Edited.\n`); await rebind(dir, { card: false }); }, ["STALE_RENDER"], /model_card\.md differs from its render/],
    ["a stale eval report", async (dir) => { writeFileSync(join(dir, "eval_report.md"), `${readFileSync(join(dir, "eval_report.md"), "utf8")}Edited.\n`); await rebind(dir); }, ["STALE_RENDER"], /eval_report\.md is not the render of eval_metrics\.json/],
    ["evidence that disagrees on the release", async (dir) => { edit(dir, "efficiency_report.json", (e) => (e.release_id = "lines-v0.1.0-r2")); await rebind(dir); }, ["DISAGREEMENT"], /efficiency_report\.json is for release lines-v0\.1\.0-r2, but the package is lines-v0\.1\.0-r1/],
    ["an eval rule broken after aggregation", async (dir) => { edit(dir, "eval_metrics.json", (m) => (m.rows[0].ci_high = m.rows[0].value / 2)); await bindery(["eval", "report", "--metrics", join(dir, "eval_metrics.json"), "--output", join(dir, "eval_report.md")]); await rebind(dir); }, ["CI_INVALID"], /mse on test: the value .* is not within its interval/],
    ["a private path in the metadata", async (dir) => { edit(dir, "model_package.json", (p) => (p.metadata.description = "Trained in /home/alice/lines.")); await rebind(dir); }, ["PRIVATE_PATH"], /holds the private path "\/home\/alice\/lines\."/],
    ["placeholder wording", async (dir) => { edit(dir, "model_package.json", (p) => (p.metadata.description = "TBD")); await rebind(dir); }, ["PLACEHOLDER_TEXT"], /placeholder wording "TBD"/],
    ["a changed weight", async (dir) => { const w = readFileSync(join(dir, "model.bin")); w[0] = w[0]! ^ 1; writeFileSync(join(dir, "model.bin"), w); await writeChecksums({ dir, concurrency: 1 }); }, ["IDENTITY_MISMATCH"], /model\.bin has sha256 [0-9a-f]{64}, but manifest\.json says/],
  ];
  for (const [name, mutate, expected, message] of mutations) {
    it(`rejects ${name}`, async () => {
      const dir = await packaged();
      await mutate(dir);
      const { result, json, codes } = await verify(dir);
      expect(result.code).toBe(1);
      expect(codes).toEqual(expected);
      expect(json.findings.map((f) => f.message).join("\n")).toMatch(message);
    });
  }

  it("with --release, rejects fixture evidence", async () => {
    const dir = await packaged();
    edit(dir, "efficiency_report.json", (e) => (e.fixture = true));
    await rebind(dir);
    expect((await verify(dir)).codes).toEqual([]);
    const { json, codes } = await verify(dir, "--release");
    expect(codes).toEqual(["FIXTURE_EVIDENCE"]);
    expect(json.findings[0]!.message).toBe("efficiency_report.json is fixture evidence (fixture: true), which a release does not accept.");
  });

  it("refuses a model directory that does not exist (exit 3)", async () => {
    const result = await bindery(["model", "verify", "--model-dir", join(tempDir(), "missing")]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/INPUT_NOT_FOUND: directory .*missing does not exist\./);
  });

  it("with --allow-placeholders, keeps placeholder wording as a warning", async () => {
    const dir = await packaged();
    edit(dir, "model_package.json", (p) => (p.metadata.description = "TODO: describe."));
    await rebind(dir);
    const { result, json } = await verify(dir, "--allow-placeholders");
    expect(result.code).toBe(0);
    expect(json.findings).toMatchObject([{ code: "PLACEHOLDER_TEXT", severity: "warning" }]);
  });
});
