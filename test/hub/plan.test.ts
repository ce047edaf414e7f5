/**
 * `bindery hub plan` on the tutorial's release: deterministic, every identity re-hashes to the
 * bytes on disk, every platform limit refuses a release over it (named), and a release that does
 * not verify is not planned.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { PLATFORM_LIMITS, planRelease, resolveSettings } from "../support/lib.js";
import { releaseProject } from "../support/release.js";

const EPOCH = { SOURCE_DATE_EPOCH: "1767225600" };

describe("bindery hub plan", () => {
  it("plans the example release deterministically, and every planned identity re-hashes to the bytes on disk", async () => {
    const project = releaseProject();
    const first = await bindery(["hub", "plan", "--offline", "--output", "plan-1.json"], { cwd: project, env: EPOCH });
    expect(first.code, first.stderr).toBe(0);
    const second = await bindery(["hub", "plan", "--offline", "--output", "plan-2.json", "--json"], { cwd: project, env: EPOCH });
    expect(second.code, second.stderr).toBe(0);
    expect(readFileSync(join(project, "plan-2.json"))).toEqual(readFileSync(join(project, "plan-1.json")));

    const plan = JSON.parse(readFileSync(join(project, "plan-1.json"), "utf8"));
    expect(plan).toMatchObject({
      generated_by: "bindery hub plan",
      schema_version: "1.0.0",
      generated_at: "2026-01-01T00:00:00Z",
      release: { id: "sensors-v0.1.0-r1", version: "0.1.0", tag: "v0.1.0", evidence_tag: "v0.1.0-evidence", commit: expect.stringMatching(/^[0-9a-f]{40}$/) },
      roots: { model: "release/model", run: "runs/r1", dataset: "release/dataset", demo: "release/demo", paper: "release/paper" },
      preflight: { ok: true, blockers: [] },
    });
    for (const entry of plan.entries) {
      const bytes = readFileSync(join(project, plan.roots[entry.source.root], entry.source.path));
      expect({ path: entry.source.path, sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length }).toEqual({
        path: entry.source.path,
        sha256: entry.source.sha256,
        size: entry.source.size,
      });
    }
    const model = plan.repos.find((r: { repo_type: string }) => r.repo_type === "model");
    expect(model.files).toEqual(expect.arrayContaining(["README.md", "SHA256SUMS", "model.safetensors", "manifest.json", "training/training_run_SHA256SUMS", "training/checkpoints/epoch-1.safetensors"]));
    expect(model.remote).toEqual({ read: false, exists: null });
    const readme = plan.entries.find((e: { target: { path?: string; repo_type?: string } }) => e.target.repo_type === "model" && e.target.path === "README.md");
    expect(readme.source).toMatchObject({ root: "model", path: "model_card.md" });
    const assets = plan.releases[0].assets;
    expect(assets).toEqual(expect.arrayContaining(["demo.SHA256SUMS", "paper.SHA256SUMS", "paper.paper.md", "demo.scripts.lib.model.mjs"]));
    expect(new Set(assets).size).toBe(assets.length);
    expect(plan.entries.find((e: { target: { asset?: string } }) => e.target.asset === "paper.paper.md").url).toBe("https://github.com/example/sensors/releases/download/v0.1.0/paper.paper.md");
    expect(plan.commands[0]).toEqual(["hf", "upload", "example/sensors-fault-lr", "release/model/model_card.md", "README.md", "--repo-type", "model"]);
    expect(plan.commands).toHaveLength(plan.entries.length);
  });

  it("takes every setting from a flag too, and refuses bad ones", async () => {
    const project = releaseProject();
    const result = await bindery(["hub", "plan", "--offline", "--tag", "v0.1.0-rc.1", "--model-repo", "other/model", "--output", "plan.json"], { cwd: project });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(join(project, "plan.json"), "utf8"));
    expect(plan.release).toMatchObject({ tag: "v0.1.0-rc.1", evidence_tag: "v0.1.0-rc.1-evidence" });
    expect(plan.repos[0].repo).toBe("other/model");
    const bad = await bindery(["hub", "plan", "--offline", "--model-repo", "no-namespace", "--output", "bad.json", "--json"], { cwd: project });
    expect(bad.code).toBe(3);
    expect(bad.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: "INPUT_INVALID", message: expect.stringContaining("hub.model_repo: must be namespace/name") });
    expect(existsSync(join(project, "bad.json"))).toBe(false);
    // Elsewhere, with no bindery.yaml, every missing key is named with its flag.
    const bare = await bindery(["hub", "plan", "--output", "bare.json", "--json"], { cwd: join(project, "release") });
    expect(bare.code).toBe(3);
    expect(bare.json<{ error: { message: string } }>().error.message).toBe(
      "the release settings (flags; no bindery.yaml here) are incomplete or wrong: missing release.id (--release-id), release.version (--release-version), packages.dataset (--dataset-dir), packages.model (--model-dir), packages.demo (--demo-dir).",
    );
  });

  it("does not plan a release that does not verify", async () => {
    const project = releaseProject();
    writeFileSync(join(project, "release/paper/paper.md"), `${readFileSync(join(project, "release/paper/paper.md"), "utf8")}Edited.\n`);
    const result = await bindery(["hub", "plan", "--offline", "--output", "plan.json", "--json"], { cwd: project });
    expect(result.code).toBe(1);
    expect([...new Set(result.json<{ findings: { code: string }[] }>().findings.map((f) => f.code))].sort()).toEqual(["CHECKSUM_MISMATCH", "STALE_RENDER"]);
    expect(existsSync(join(project, "plan.json"))).toBe(false);
  });

  it("needs the Hub and GitHub settings", async () => {
    const project = releaseProject();
    writeFileSync(join(project, "bindery.yaml"), readFileSync(join(project, "bindery.yaml"), "utf8").replace(/^hub:\n(  .*\n)+/m, ""));
    const result = await bindery(["hub", "plan", "--offline", "--output", "plan.json", "--json"], { cwd: project });
    expect(result.code).toBe(2);
    expect(result.json<{ error: { message: string } }>().error.message).toContain("no Hub repositories: name hub.model_repo and hub.dataset_repo in bindery.yaml");
  });

  const overLimits: [string, Partial<typeof PLATFORM_LIMITS>, string][] = [
    ["files per repository", { hubFilesPerRepo: 20 }, "example/sensors-fault-lr would hold 63 files (limit 20 files per repository)."],
    ["entries per folder", { hubEntriesPerFolder: 30 }, "the largest folder of example/sensors-fault-lr, training/checkpoints/, would hold 40 entries (limit 30 entries per folder)."],
    ["file size", { hubFileBytes: 100_000 }, "the largest file of example/sensors, data/train.jsonl, is"],
    ["assets per release", { githubAssetsPerRelease: 10 }, "the release v0.1.0 would hold 13 assets (limit 10 assets per release)."],
    ["asset size", { githubAssetBytes: 4096 }, "the largest asset, paper/paper_package.json, is"],
  ];
  it.each(overLimits)("refuses a release over the %s limit, naming it", async (_name, limits, message) => {
    const project = releaseProject();
    const settings = await resolveSettings(undefined, {}, { cwd: project, env: {} });
    // The settings name directories relative to the given working directory; this process runs elsewhere.
    const dirs = Object.fromEntries(Object.entries(settings.dirs).map(([k, v]) => [k, join(project, v)]));
    const result = await planRelease({ settings: { ...settings, dirs: dirs as typeof settings.dirs }, offline: true, limits: { ...PLATFORM_LIMITS, ...limits }, env: {} });
    expect(result.ok).toBe(false);
    expect(result.plan).toBeUndefined();
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({ code: "PLAN_LIMIT", message: expect.stringContaining(message) });
  });
});
