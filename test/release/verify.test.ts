/**
 * `bindery verify`, the release-set verifier: one mutation at a time on the project the tutorial
 * built, re-sealed by a forger (test/support/release.ts) so that only the targeted check can fire;
 * each case asserts the exact codes per package and the file named.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { editJsonAt, readJsonAt, releaseProject, reseal } from "../support/release.js";

interface Found {
  code: string;
  path: string;
  message: string;
  severity: string;
}
interface VerifyJson {
  ok: boolean;
  packages: { package: string; ok: boolean; findings: Found[] }[];
}

async function verify(project: string, ...extra: string[]) {
  const result = await bindery(["verify", "--json", ...extra], { cwd: project });
  const json = result.json<VerifyJson>();
  const codes: Record<string, string[]> = {};
  for (const p of json.packages) {
    const errors = p.findings.filter((f) => f.severity === "error");
    if (errors.length > 0) codes[p.package] = [...new Set(errors.map((f) => f.code))].sort();
  }
  return { result, json, codes, findings: json.packages.flatMap((p) => p.findings) };
}

const demo = (project: string) => join(project, "release/demo");
const edit = (file: string, change: (text: string) => string) => writeFileSync(file, change(readFileSync(file, "utf8")));

describe("bindery verify", () => {
  it("passes the tutorial's release, by config and by flags, and writes a report", async () => {
    const project = releaseProject();
    const { result, codes } = await verify(project, "--release", "--report", "verify_report.json");
    expect(result.code, result.stdout).toBe(0);
    expect(codes).toEqual({});
    const report = readJsonAt(project, "verify_report.json");
    expect(report).toMatchObject({ generated_by: "bindery verify", ok: true, release: true, blockers: [] });
    expect(report.checks.map((c: { id: string }) => c.id)).toEqual(["dataset", "training", "model", "demo", "paper", "release"]);
    expect(report.inputs.map((i: { root: string; path: string }) => `${i.root}/${i.path}`)).toEqual(expect.arrayContaining(["model/manifest.json", "dataset/dataset_snapshot_report.json", "demo/terminal_demo_manifest.json"]));
    const missing = await bindery(["verify", "--config", "missing.yaml", "--json"], { cwd: project });
    expect(missing.code).toBe(3);
    expect(missing.json<{ error: { code: string } }>().error.code).toBe("INPUT_NOT_FOUND");
    // Without a bindery.yaml, the directories come from flags (the paper is then skipped).
    const explicit = await bindery(["verify", "--model-dir", "model", "--dataset-dir", "dataset", "--demo-dir", "demo", "--json"], { cwd: join(project, "release") });
    expect(explicit.json<VerifyJson>().packages.map((p) => p.package)).toEqual(["dataset", "training", "model", "demo", "release"]);
    expect(explicit.code, explicit.stdout).toBe(0);
  });

  // [what, mutate, expected codes by package, file named, message]
  const cases: [string, (project: string) => Promise<void>, Record<string, string[]>, string, RegExp][] = [
    [
      "one number in eval_report.md",
      async (p) => {
        edit(join(p, "release/model/eval_report.md"), (t) => t.replace("| accuracy | test | 0.853 |", "| accuracy | test | 0.863 |"));
        await reseal(p);
      },
      { model: ["STALE_RENDER"] },
      "model/eval_report.md",
      /eval_report\.md is not the render of eval_metrics\.json/,
    ],
    [
      "one line of paper.md",
      async (p) => {
        edit(join(p, "release/paper/paper.md"), (t) => t.replace(/^- Title: .*$/m, "- Title: A better title"));
        await reseal(p, { paper: false });
      },
      { paper: ["STALE_RENDER"] },
      "paper/paper.md",
      /paper\.md differs from its render/,
    ],
    [
      "one byte of the weights",
      async (p) => {
        const file = join(p, "release/model/model.safetensors");
        const bytes = readFileSync(file);
        bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
        writeFileSync(file, bytes);
        await reseal(p);
      },
      { model: ["IDENTITY_MISMATCH"] },
      "model/model.safetensors",
      /model\.safetensors/,
    ],
    [
      "one row of the demo input",
      async (p) => {
        edit(join(demo(p), "inputs/requests.jsonl"), (t) => t.replace(/"temperature":\s*[\d.]+/, '"temperature":99.9'));
        await reseal(p, { demo: false });
      },
      { demo: ["IDENTITY_MISMATCH"] },
      "demo/inputs/requests.jsonl",
      /^demo\/inputs\/requests\.jsonl .*terminal_demo_manifest\.json/,
    ],
    [
      "one field of terminal_demo_manifest.json",
      async (p) => {
        editJsonAt(demo(p), "terminal_demo_manifest.json", (m) => (m.model.model_id = "0".repeat(64)));
        await reseal(p);
      },
      { demo: ["DISAGREEMENT"] },
      "demo/terminal_demo_manifest.json",
      /the demo ran model 0{64}, but the model package is model [0-9a-f]{64}: the demo did not run the packaged model\./,
    ],
    [
      "a foreign generated_by in the demo manifest",
      async (p) => {
        editJsonAt(demo(p), "terminal_demo_manifest.json", (m) => (m.generated_by = "hand-made"));
        await reseal(p);
      },
      { demo: ["FOREIGN_GENERATOR"] },
      "demo/terminal_demo_manifest.json",
      /generated_by/,
    ],
    [
      "a failed demo run",
      async (p) => {
        editJsonAt(demo(p), "terminal_demo_manifest.json", (m) => {
          m.status = "failed";
          m.problems = ["The command exited with code 2."];
        });
        await reseal(p);
      },
      { demo: ["RUN_FAILED"] },
      "demo/terminal_demo_manifest.json",
      /the recorded demo run failed: The command exited with code 2\./,
    ],
    [
      "a file added to the demo package",
      async (p) => {
        writeFileSync(join(demo(p), "extra.txt"), "not recorded\n");
        await reseal(p);
      },
      { demo: ["EXTRA_FILE"] },
      "demo/extra.txt",
      /extra\.txt is present but not listed in demo\/terminal_demo_manifest\.json/,
    ],
    [
      "a private path in the paper metadata",
      async (p) => {
        editJsonAt(join(p, "release/paper"), "paper_package.json", (m) => (m.metadata.abstract = "Data in /home/alice/sensors."));
        await reseal(p);
      },
      { paper: ["PRIVATE_PATH"] },
      "paper/paper_package.json",
      /holds the private path "\/home\/alice\/sensors\."/,
    ],
    [
      "placeholder wording in the paper title",
      async (p) => {
        editJsonAt(join(p, "release/paper"), "paper_package.json", (m) => (m.metadata.title = "TBD"));
        await reseal(p);
      },
      { paper: ["PLACEHOLDER_TEXT"] },
      "paper/paper_package.json",
      /placeholder wording "TBD"/,
    ],
    [
      "a draft without its Citation Metadata section",
      async (p) => {
        edit(join(p, "release/paper/paper.md"), (t) => t.replace("## Citation Metadata\n", "## Citing\n"));
        await reseal(p, { paper: false });
      },
      { paper: ["MISSING_SECTION", "STALE_RENDER"] },
      "paper/paper.md",
      /paper\/paper\.md has no "## Citation Metadata" section\./,
    ],
    [
      "training evidence that disagrees with the run directory",
      async (p) => {
        edit(join(p, "runs/r1/training_run_card.md"), (t) => `${t}Edited.\n`);
      },
      { training: ["CHECKSUM_MISMATCH", "DISAGREEMENT"] },
      "model/training/training_run_card.md",
      /differs from training_run_card\.md in the training run directory/,
    ],
  ];

  it.each(cases)("catches %s", async (_what, mutate, expected, path, message) => {
    const project = releaseProject();
    await mutate(project);
    const { result, codes, findings } = await verify(project);
    expect(result.code, result.stdout).toBe(1);
    expect(codes).toEqual(expected);
    const named = findings.filter((f) => f.path === path);
    expect(named.length, JSON.stringify(findings, null, 2)).toBeGreaterThan(0);
    expect(named.some((f) => message.test(f.message)), JSON.stringify(named, null, 2)).toBe(true);
  });

  it("refuses fixture evidence, in any package, only with --release", async () => {
    const project = releaseProject();
    editJsonAt(demo(project), "terminal_demo_manifest.json", (m) => (m.fixture = true));
    editJsonAt(join(project, "release/dataset"), "dataset_package.json", (m) => (m.fixture = true));
    await reseal(project);
    expect((await verify(project)).codes).toEqual({});
    const { result, codes } = await verify(project, "--release");
    expect(result.code).toBe(1);
    expect(codes).toEqual({ dataset: ["FIXTURE_EVIDENCE"], demo: ["FIXTURE_EVIDENCE"] });
  });

  it("reports placeholder wording as a warning with --allow-placeholders", async () => {
    const project = releaseProject();
    editJsonAt(join(project, "release/paper"), "paper_package.json", (m) => (m.metadata.title = "TBD"));
    await reseal(project);
    const { result, codes, findings } = await verify(project, "--allow-placeholders");
    expect(result.code, result.stdout).toBe(0);
    expect(codes).toEqual({});
    expect(findings.map((f) => [f.code, f.severity, f.path])).toEqual([["PLACEHOLDER_TEXT", "warning", "paper/paper_package.json"]]);
  });

  it("holds the model package to the release id and version bindery.yaml names", async () => {
    const project = releaseProject();
    writeFileSync(join(project, "bindery.yaml"), readFileSync(join(project, "bindery.yaml"), "utf8").replace("version: 0.1.0", "version: 0.2.0"));
    const { result, codes, findings } = await verify(project);
    expect(result.code).toBe(1);
    expect(codes).toEqual({ model: ["DISAGREEMENT"] });
    expect(findings.map((f) => f.message)).toEqual(["the model package is version 0.1.0, but the config names version 0.2.0."]);
  });

  it("prints findings grouped by package", async () => {
    const project = releaseProject();
    edit(join(project, "release/paper/paper.md"), (t) => `${t}Edited.\n`);
    const result = await bindery(["verify"], { cwd: project });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^OK {4}dataset\nOK {4}training\nOK {4}model\nOK {4}demo\nFAIL {2}paper: 2 problems\n {2}.*CHECKSUM_MISMATCH.*\n {2}.*STALE_RENDER.*\nOK {4}release\nFAIL {2}2 problems in the release set\n$/);
    expect(result.stderr).toContain("bindery verify: VERIFICATION_FAILED: the release set: 2 problems found (CHECKSUM_MISMATCH, STALE_RENDER).");
  });

  it("bindery demo verify checks one demo package, and the model it ran", async () => {
    const project = releaseProject();
    const args = ["demo", "verify", "--demo-dir", "release/demo", "--model-dir", "release/model", "--json"];
    const fresh = await bindery(args, { cwd: project });
    expect(fresh.code, fresh.stdout).toBe(0);
    // Another model in the model directory: the demo's pinned manifest.json no longer matches.
    editJsonAt(join(project, "release/model"), "manifest.json", (m) => (m.model_kind = "other"));
    const result = await bindery(args, { cwd: project });
    expect(result.code).toBe(1);
    const findings = result.json<{ findings: Found[] }>().findings;
    expect(findings.map((f) => [f.code, f.path])).toEqual([["IDENTITY_MISMATCH", "model/manifest.json"]]);
    expect(findings[0]!.message).toContain("demo/terminal_demo_manifest.json");
  });
});
