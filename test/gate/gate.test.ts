/**
 * `bindery gate` on the bundled example: every stage passes on a clean release (the published
 * stage after the release is proven on the loopback emulators), and each kind of broken input
 * shuts the gate with the right row, code and file. The JUnit file parses back into one test case
 * per row; the step summary has a table row per check; the annotations name the files.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { bindery, type CliResult } from "../support/cli.js";
import { PLATFORM_LIMITS, runGate, startEmulators, writeChecksums, type Emulators } from "../support/lib.js";
import { proveRelease, releaseProject } from "../support/release.js";
import { tempDir } from "../support/tmp.js";

interface Row {
  id: string;
  status: string;
  ok: boolean;
  code: string | null;
  message: string;
  files: string[];
}

const gate = (project: string, stage: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) => bindery(["gate", "--stage", stage, "--json", ...extra], { cwd: project, env });
const rowsOf = (r: CliResult) => r.json<{ rows: Row[] }>().rows;
const failing = (r: CliResult) => rowsOf(r).filter((row) => row.status === "failed").map((row) => [row.id, row.code, row.files]);

describe("bindery gate on a clean release", () => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators();
  });
  afterAll(() => emulators.close());

  it("passes pr and release, then published once the release is proven", { timeout: 180_000 }, async () => {
    const project = releaseProject();
    for (const stage of ["pr", "release"]) {
      const r = await gate(project, stage);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(rowsOf(r).filter((row) => row.status !== "passed").map((row) => `${row.id} ${row.status}`)).toEqual(stage === "pr" ? ["pack skipped", "suite skipped"] : ["pack skipped", "suite skipped", "golden skipped"]);
    }
    const refused = await gate(project, "published");
    expect(refused.code).toBe(1);
    expect(failing(refused)).toEqual([["evidence", "MISSING_EVIDENCE", ["evidence/hub_release_plan.json", "evidence/hub_publish_report.json", "evidence/release_candidate_report.json", "replay/clean_machine_demo_report.json", "evidence/publication_evidence_report.json"]]]);

    await proveRelease(project, emulators.env, { publication: true });
    mkdirSync(join(project, "evidence"));
    for (const [from, to] of [["plan.json", "hub_release_plan.json"], ["publish.json", "hub_publish_report.json"], ["candidate.json", "release_candidate_report.json"], ["publication.json", "publication_evidence_report.json"]] as const) {
      cpSync(join(project, from), join(project, "evidence", to));
    }
    const published = await gate(project, "published");
    expect(published.code, published.stdout).toBe(0);
    expect(rowsOf(published).slice(-3).map((row) => `${row.id} ${row.status}`)).toEqual(["evidence passed", "publication passed", "signatures skipped"]);

    // A report changed after the publication bound it: the publication row says so.
    const candidate = join(project, "evidence/release_candidate_report.json");
    writeFileSync(candidate, readFileSync(candidate, "utf8").replace('"ready": true', '"ready": true ').replace(/\n$/, "\n\n"));
    const stale = await gate(project, "published");
    expect(stale.code).toBe(1);
    expect(failing(stale).map(([id, code]) => `${id} ${code}`)).toEqual(["publication REPORT_NOT_OK"]);
  });
});

describe("bindery gate refuses broken input, naming the row, code and file", () => {
  it("a stale model card (re-sealed): package:model STALE_RENDER, and the plan waits", async () => {
    const project = releaseProject();
    const card = join(project, "release/model/model_card.md");
    writeFileSync(card, `${readFileSync(card, "utf8")}\nA line the renderer never wrote.\n`);
    await writeChecksums({ dir: join(project, "release/model"), concurrency: 1 });
    const r = await gate(project, "pr");
    expect(r.code).toBe(1);
    const model = rowsOf(r).find((row) => row.id === "package:model")!;
    // The card's line, and the card and checksums the paper cites by identity (the forger re-sealed only the model).
    expect(model).toMatchObject({ status: "failed", code: "STALE_RENDER", files: ["release/model/model_card.md:78", "release/model/model_card.md", "release/model/SHA256SUMS"] });
    expect(failing(r).map(([id]) => id)).toEqual(["package:model", "plan"]);
    expect(rowsOf(r).find((row) => row.id === "plan")).toMatchObject({ status: "failed", code: "VERIFICATION_FAILED" });
  });

  it("a changelog without the release's section: changelog CHANGELOG_INVALID at the release stage (pr does not ask for it)", async () => {
    const project = releaseProject();
    const file = join(project, "CHANGELOG.md");
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.slice(0, text.indexOf("## [0.1.0]")));
    expect((await gate(project, "pr")).code).toBe(0);
    const r = await gate(project, "release");
    expect(r.code).toBe(1);
    expect(failing(r)).toEqual([["changelog", "CHANGELOG_INVALID", ["CHANGELOG.md:1"]]]);
  });

  it("a file missing from the npm package: pack PACK_INCOMPLETE, naming it", async () => {
    const project = releaseProject();
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "sensors-example", version: "0.1.0", files: ["scripts/", "dist/", "CHANGELOG.md"] }));
    const r = await gate(project, "pr");
    expect(r.code).toBe(1);
    expect(failing(r)).toEqual([["pack", "PACK_INCOMPLETE", ["dist"]]]);
  });

  it("a failing suite step: suite MISSING_FILE, naming the report and the output never written", async () => {
    const project = releaseProject();
    writeFileSync(join(project, "suite.yaml"), ["kind: bindery/suite", "steps:", "  - id: score", "    argv: [node, -e, \"0\"]", "    outputs: [results/score.json]", ""].join("\n"));
    const ran = await bindery(["suite", "--manifest", "suite.yaml", "--execute", "--output", "suite_report.json"], { cwd: project });
    expect(ran.code, ran.stderr).toBe(1);
    const r = await gate(project, "pr", ["--suite-report", "suite_report.json"]);
    expect(r.code).toBe(1);
    expect(failing(r)).toEqual([["suite", "MISSING_FILE", ["suite_report.json", "results/score.json"]]]);
  });

  it("a plan over a platform limit: plan PLAN_LIMIT", async () => {
    const project = releaseProject();
    const report = await runGate({ stage: "pr", cwd: project, env: {}, limits: { ...PLATFORM_LIMITS, hubFilesPerRepo: 10 } });
    expect(report.ok).toBe(false);
    expect(report.rows.filter((row) => row.status === "failed").map((row) => [row.id, row.code])).toEqual([["plan", "PLAN_LIMIT"]]);
    expect(report.rows.find((row) => row.id === "plan")!.message).toMatch(/files \(limit 10 files per repository\)/);
  });

  it("a target the metrics miss: target:NAME TARGET_NOT_MET, naming the metrics file", async () => {
    const project = releaseProject();
    const config = join(project, "bindery.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace('"accuracy:test": { min: 0.8 }', '"accuracy:test": { min: 0.9 }'));
    const r = await gate(project, "release");
    expect(r.code).toBe(1);
    expect(failing(r)).toEqual([["target:first-release", "TARGET_NOT_MET", ["release/model/eval_metrics.json"]]]);
    expect(rowsOf(r).find((row) => row.id === "target:first-release")!.message).toMatch(/accuracy:test is 0\.85\d+, below its minimum 0\.9/);
  });

  it("shows a missed target re-scoped by a decision as rescoped (never passed), and refuses a decision that no longer matches its report", async () => {
    const project = releaseProject();
    const config = join(project, "bindery.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace('"accuracy:test": { min: 0.8 }', '"accuracy:test": { min: 0.9 }').replace("targets:\n", 'targets:\n  first-release-relaxed:\n    metrics:\n      "accuracy:test": { min: 0.8 }\n'));
    const accept = (extra: string[]) => bindery(["scope", "accept", "--report", "release/model/eval_metrics.json", "--target", "first-release", "--decision-url", "https://github.com/example/sensors/issues/12", "--rationale", "0.9 assumed the larger dataset", "--json", ...extra], { cwd: project });
    const undeclared = await accept(["--replacement", "nope"]);
    expect(undeclared.code).toBe(2);
    expect(undeclared.stderr).toMatch(/USAGE: --replacement nope is not a target of bindery\.yaml/);
    const accepted = await accept(["--replacement", "first-release-relaxed", "--issue-ref", "example/sensors#12"]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.json()).toMatchObject({ target: "first-release", replacement: "first-release-relaxed", missed: expect.stringMatching(/^accuracy:test is 0\.85\d+, below its minimum 0\.9$/) });

    const rescoped = await gate(project, "release", ["--scope", "scope_decision.json"]);
    expect(rescoped.code, rescoped.stdout).toBe(0);
    const row = rowsOf(rescoped).find((r) => r.id === "target:first-release")!;
    expect(row).toMatchObject({ status: "rescoped", ok: true, code: null, issue_refs: ["example/sensors#12"] });
    expect(row.message).toMatch(/^target first-release is not met \(accuracy:test is 0\.85\d+, below its minimum 0\.9\); re-scoped to first-release-relaxed by https:\/\/github\.com\/example\/sensors\/issues\/12: 0\.9 assumed the larger dataset$/);
    expect(rowsOf(rescoped).find((r) => r.id === "target:first-release-relaxed")).toMatchObject({ status: "passed" });

    // The candidate shows the same row as rescoped: it does not block, and it does not pass.
    expect((await bindery(["hub", "plan", "--offline", "--output", "plan.json"], { cwd: project })).code).toBe(0);
    const candidate = await bindery(["release", "candidate", "--plan", "plan.json", "--output", "candidate.json", "--skip-public-checks", "--allow-fixture", "--scope", "scope_decision.json"], { cwd: project });
    expect(candidate.stdout).toMatch(/^RESC {2}target:first-release: rescoped, not passed: target first-release is not met/m);
    const report = JSON.parse(readFileSync(join(project, "candidate.json"), "utf8"));
    expect(report.rescoped).toEqual(["target:first-release"]);
    expect(report.checks.find((c: { id: string }) => c.id === "target:first-release")).toMatchObject({ ok: true, detail: expect.stringMatching(/^rescoped, not passed: /) });
    expect(report.checks.filter((c: { ok: boolean }) => !c.ok).map((c: { id: string }) => c.id)).toEqual(["public-checks"]);

    // The metrics change: the decision was made for other numbers.
    const metrics = join(project, "release/model/eval_metrics.json");
    writeFileSync(metrics, `${readFileSync(metrics, "utf8")}\n`);
    const stale = await gate(project, "release", ["--scope", "scope_decision.json"]);
    expect(stale.code).toBe(1);
    expect(rowsOf(stale).find((r) => r.id === "target:first-release")).toMatchObject({ status: "failed", code: "DISAGREEMENT", message: expect.stringMatching(/The scope decision scope_decision\.json no longer matches: it was made for eval_metrics\.json sha256 [0-9a-f]{64}, and release\/model\/eval_metrics\.json is now [0-9a-f]{64}; decide again\.$/) });
  });

  it("holds a PATCH release to the previous release's demo outputs (golden): required, compared byte for byte on the same inputs", async () => {
    const project = releaseProject();
    const config = join(project, "bindery.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace("version: 0.1.0 }", "version: 0.1.1 }"));
    const golden = async (extra: string[]) => rowsOf(await gate(project, "release", extra)).find((r) => r.id === "golden")!;
    expect(await golden([])).toMatchObject({ status: "failed", code: "MISSING_EVIDENCE", message: expect.stringMatching(/^0\.1\.1 is a PATCH release, which must not change outputs on a fixed input: pass --golden-index \(the release index\) or --golden-demo/) });
    cpSync(join(project, "release/demo"), join(project, "previous-demo"), { recursive: true });
    expect(await golden(["--golden-demo", "previous-demo"])).toMatchObject({ status: "passed", message: "the demo's 1 outputs equal the previous release's (previous-demo), byte for byte, on the same inputs." });

    // The same from the release index: the previous 0.1.x release's published demo manifest.
    const server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(readFileSync(join(project, "previous-demo/terminal_demo_manifest.json"))));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/terminal_demo_manifest.json`;
    const entry = (version: string, n: number, demo: string | null) => ({ model_version: version, release_id: `sensors-v${version}-r1`, model_id: String(n).repeat(64), manifest_url: "https://hub.example/m/manifest.json", artifact_base_url: null, tag: `v${version}`, demo_manifest_url: demo, added_at: "2026-01-01", yanked: false, yanked_reason: null, yanked_at: null, upgrade_to: null });
    writeFileSync(join(project, "index.json"), JSON.stringify({ schema_version: "1.0.0", generated_by: "bindery index", name: "sensors", releases: [entry("0.0.9", 1, "https://hub.example/never"), entry("0.1.0", 2, url)] }));
    expect(await golden(["--golden-index", "index.json"])).toMatchObject({ status: "passed", message: `the demo's 1 outputs equal the previous release's (sensors-v0.1.0-r1 (${url})), byte for byte, on the same inputs.` });
    const manifest = join(project, "previous-demo/terminal_demo_manifest.json");
    const doc = JSON.parse(readFileSync(manifest, "utf8"));
    doc.output_files[0].file.sha256 = "0".repeat(64);
    writeFileSync(manifest, JSON.stringify(doc));
    expect(await golden(["--golden-demo", "previous-demo"])).toMatchObject({ status: "failed", code: "DISAGREEMENT", files: ["release/demo/outputs/predictions.jsonl"] });
    expect(await golden(["--golden-index", "index.json"])).toMatchObject({ status: "failed", code: "DISAGREEMENT", files: ["release/demo/outputs/predictions.jsonl"] });
    doc.input_files[0].file.sha256 = "0".repeat(64);
    writeFileSync(manifest, JSON.stringify(doc));
    expect(await golden(["--golden-demo", "previous-demo"])).toMatchObject({ status: "failed", code: "DISAGREEMENT", message: expect.stringMatching(/the demo's inputs differ from the previous release's \(requests\)/) });
  });

  it("writes JUnit that parses back (a failure exactly for the failing rows), a step summary row per check, and annotations naming the files", async () => {
    const project = releaseProject();
    const file = join(project, "CHANGELOG.md");
    writeFileSync(file, readFileSync(file, "utf8").replace("## [Unreleased]", "## Unreleased"));
    const summary = join(tempDir(), "summary.md");
    const r = await bindery(["gate", "--stage", "pr", "--junit", "gate.xml"], { cwd: project, env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary } });
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(join(project, "release_gate_report.json"), "utf8")) as { rows: Row[] };
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(readFileSync(join(project, "gate.xml"), "utf8"));
    const cases = [parsed.testsuites.testsuite.testcase].flat() as { name: string; failure?: { type: string } }[];
    expect(cases.map((c) => c.name)).toEqual(report.rows.map((row) => row.id));
    expect(cases.filter((c) => c.failure).map((c) => [c.name, c.failure!.type])).toEqual(report.rows.filter((row) => row.status === "failed").map((row) => [row.id, row.code]));
    expect(cases.filter((c) => c.failure).map((c) => c.name)).toEqual(["changelog"]);
    const tableRows = readFileSync(summary, "utf8").split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| Check") && !l.startsWith("| ---"));
    expect(tableRows).toHaveLength(report.rows.length);
    const errors = r.stdout.split("\n").filter((l) => l.startsWith("::error "));
    expect(errors.length).toBeGreaterThan(0);
    for (const line of errors) expect(line).toMatch(/^::error file=CHANGELOG\.md,line=\d+,title=bindery gate%3A changelog \(CHANGELOG_INVALID\)::/);
  });

  it("refuses a bad stage and a missing config with their codes", async () => {
    const dir = tempDir();
    const bad = await bindery(["gate", "--stage", "nightly"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/USAGE: --stage must be one of pr, release, published, not "nightly"\./);
    const none = await gate(dir, "pr");
    expect(none.code).toBe(1);
    expect(failing(none)).toEqual([["config", "INPUT_NOT_FOUND", ["bindery.yaml"]]]);
  });
});
