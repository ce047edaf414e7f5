/**
 * docs/tutorial.md, run exactly as written from a fresh copy of configs/example: it must end with
 * `bindery verify --release` passing and `sha256sum -c` passing in every package. Then the paper
 * draft's own promises, on the project the tutorial built.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { assertNoCanaryInTree, bindery, sha256sum } from "../support/cli.js";
import { citationCffSchema } from "../support/lib.js";
import { readJsonAt, releaseProject, runTutorial, tutorialScript } from "../support/release.js";

const PACKAGES = ["release/dataset", "release/model", "release/demo", "release/paper"];

describe("the tutorial", () => {
  it("runs from a fresh copy of configs/example and ends with bindery verify exit 0 and sha256sum -c in every package", async () => {
    const script = tutorialScript();
    expect(script).toContain("bindery verify --release\n");
    const run = runTutorial();
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain("OK  the release set verifies as a release\n");

    const verify = await bindery(["verify", "--release", "--json"], { cwd: run.project });
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.json<{ packages: { package: string; ok: boolean }[] }>().packages.map((p) => [p.package, p.ok])).toEqual([
      ["dataset", true],
      ["training", true],
      ["model", true],
      ["demo", true],
      ["paper", true],
      ["release", true],
    ]);
    for (const dir of PACKAGES) {
      const gnu = sha256sum(["-c", "--strict", "SHA256SUMS"], join(run.project, dir));
      expect(gnu.code, `${dir}: ${gnu.stderr}`).toBe(0);
    }
    const run1 = sha256sum(["-c", "--strict", "training_run_SHA256SUMS"], join(run.project, "runs/r1"));
    expect(run1.code, run1.stderr).toBe(0);
    assertNoCanaryInTree(join(run.project, "release"));
    assertNoCanaryInTree(join(run.project, "runs"));
  });
});

describe("bindery paper draft", () => {
  const draftArgs = ["paper", "draft", "--model-dir", "release/model", "--dataset-dir", "release/dataset", "--demo-dir", "release/demo", "--metadata", "paper.yaml", "--paper-dir", "release/paper", "--json"];

  it("writes a draft whose numbers are the eval report's, a valid CITATION.cff, and re-renders byte for byte", async () => {
    const project = releaseProject();
    const paper = join(project, "release/paper");
    const draft = readFileSync(join(paper, "paper.md"), "utf8");
    const evalReport = readFileSync(join(project, "release/model/eval_report.md"), "utf8");
    const table = evalReport.split("\n").filter((line) => line.startsWith("|"));
    expect(table.length).toBeGreaterThanOrEqual(3);
    for (const line of table) expect(draft).toContain(`${line}\n`);
    for (const line of evalReport.split("## Negative findings\n\n")[1]!.split("\n\n")[0]!.split("\n")) expect(draft).toContain(`${line}\n`);
    expect(draft).toMatch(/^# .+\n\nGenerated: \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\n/);
    for (const section of ["## Negative Findings", "## Citation Metadata", "## Artifact Availability"]) expect(draft).toContain(`\n${section}\n`);
    const pkg = readJsonAt(paper, "paper_package.json");
    for (const cited of pkg.cites) expect(draft).toContain(`- \`${cited.path}\`: ${cited.size} bytes, sha256 \`${cited.sha256}\``);
    expect(pkg.cites.map((c: { root: string; path: string }) => `${c.root}/${c.path}`)).toEqual(
      expect.arrayContaining(["model/eval_report.md", "model/manifest.json", "dataset/dataset_package.json", "demo/terminal_demo_manifest.json", "demo/transcript.md"]),
    );

    const cff = parseYaml(readFileSync(join(paper, "CITATION.cff"), "utf8"));
    expect(citationCffSchema.safeParse(cff).success).toBe(true);
    expect(cff).toMatchObject({ "cff-version": "1.2.0", title: expect.any(String), license: "CC-BY-4.0", version: "0.1.0", "date-released": pkg.generated_at.slice(0, 10) });
    expect(typeof cff.message).toBe("string");
    expect(cff.authors.length).toBeGreaterThan(0);

    // Nothing changed: the recorded Generated time is kept, and every byte is the same.
    const before = ["paper.md", "CITATION.cff", "paper_package.json", "SHA256SUMS"].map((n) => readFileSync(join(paper, n)));
    const again = await bindery(draftArgs, { cwd: project });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json<{ reused_generated_time: boolean }>().reused_generated_time).toBe(true);
    expect(["paper.md", "CITATION.cff", "paper_package.json", "SHA256SUMS"].map((n) => readFileSync(join(paper, n)))).toEqual(before);
  });

  it("refuses a stale eval report and a demo whose input changed, writing nothing", async () => {
    const project = releaseProject();
    rmSync(join(project, "release/paper"), { recursive: true });
    const report = join(project, "release/model/eval_report.md");
    const original = readFileSync(report, "utf8");
    writeFileSync(report, original.replace("| accuracy | test | 0.853 |", "| accuracy | test | 0.953 |"));
    const stale = await bindery(draftArgs, { cwd: project });
    expect(stale.code).toBe(1);
    expect(stale.json<{ findings: { code: string; path: string; message: string }[] }>().findings).toEqual([
      expect.objectContaining({ code: "STALE_RENDER", path: "model/eval_report.md", message: "model/eval_report.md is not the render of eval_metrics.json; re-run `bindery eval report`." }),
    ]);
    writeFileSync(report, original);

    const input = join(project, "release/demo/inputs/requests.jsonl");
    writeFileSync(input, readFileSync(input, "utf8").split("\n").slice(1).join("\n"));
    const changed = await bindery(draftArgs, { cwd: project });
    expect(changed.code).toBe(1);
    const findings = changed.json<{ findings: { code: string; path: string; message: string }[] }>().findings;
    expect(findings.map((f) => [f.code, f.path])).toEqual([
      ["IDENTITY_MISMATCH", "demo/inputs/requests.jsonl"],
      ["DISAGREEMENT", "demo/terminal_demo_manifest.json"],
    ]);
    expect(findings[1]!.message).toBe(
      "the input summary of requests (8 rows, fields id, load, temperature, vibration) no longer matches inputs/requests.jsonl (7 rows, fields id, load, temperature, vibration).",
    );
    expect(existsSync(join(project, "release/paper"))).toBe(false);
  });

  it("refuses a demo whose recorded run failed", async () => {
    const project = releaseProject();
    const rerun = await bindery(
      ["demo", "run", "--model-dir", "release/model", "--output-dir", "release/demo", "--program", "scripts/demo.mjs", "--program", "scripts/lib", "--input", "requests=demo/requests.jsonl", "--output", "predictions=outputs/missing.jsonl", "--quiet",
        "--", "node", "scripts/demo.mjs", "--model", "{model_dir}", "--input", "{input:requests}", "--output", "outputs/elsewhere.jsonl"],
      { cwd: project },
    );
    expect(rerun.code).toBe(1);
    const result = await bindery(draftArgs, { cwd: project });
    expect(result.code).toBe(1);
    expect(result.json<{ findings: { code: string; message: string }[] }>().findings.map((f) => [f.code, f.message])).toEqual([
      [
        "RUN_FAILED",
        "the recorded demo run failed (The command did not write outputs/missing.jsonl (--output predictions). The command wrote outputs/elsewhere.jsonl, which is not a declared output; bindery deleted it. Declare it with --output NAME=outputs/elsewhere.jsonl.); a paper cites a demo that ran.",
      ],
    ]);
  });

  it("refuses a paper directory holding files it did not write", async () => {
    const project = releaseProject();
    writeFileSync(join(project, "release/paper/notes.md"), "mine\n");
    const result = await bindery(draftArgs, { cwd: project });
    expect(result.code).toBe(3);
    expect(result.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: "OUTPUT_EXISTS", message: expect.stringContaining("(notes.md)") });
  });
});

describe("bindery paper verify", () => {
  const verifyArgs = ["paper", "verify", "--model-dir", "release/model", "--dataset-dir", "release/dataset", "--demo-dir", "release/demo", "--paper-dir", "release/paper", "--json"];

  it("passes a fresh draft, and names a stale model card and a missing Negative Findings section", async () => {
    const project = releaseProject();
    const fresh = await bindery(verifyArgs, { cwd: project });
    expect(fresh.code, fresh.stdout).toBe(0);

    const paperMd = join(project, "release/paper/paper.md");
    writeFileSync(paperMd, readFileSync(paperMd, "utf8").replace("## Negative Findings\n", "## Caveats\n"));
    const card = join(project, "release/model/model_card.md");
    writeFileSync(card, `${readFileSync(card, "utf8")}Edited.\n`);
    const result = await bindery(verifyArgs, { cwd: project });
    expect(result.code).toBe(1);
    const findings = result.json<{ findings: { code: string; path: string; message: string }[] }>().findings;
    expect(findings.filter((f) => f.code === "MISSING_SECTION")).toEqual([
      expect.objectContaining({ path: "paper/paper.md", message: 'paper/paper.md has no "## Negative Findings" section.' }),
    ]);
    expect(findings.find((f) => f.path === "model/model_card.md")).toMatchObject({ code: "STALE_RENDER" });
    // The draft cites the card by identity, and its own SHA256SUMS no longer matches the draft.
    expect([...new Set(findings.map((f) => f.code))].sort()).toEqual(["CHECKSUM_MISMATCH", "IDENTITY_MISMATCH", "MISSING_SECTION", "STALE_RENDER"]);
  });
});

