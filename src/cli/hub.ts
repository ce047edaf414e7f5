/** `bindery hub plan`: the release plan (a dry run: which bytes go where), checked against platform limits. */
import type { Command } from "commander";
import { withExamples, withOutputOptions, withSettingsOptions } from "./common.js";
import { formatBytes, plural } from "./format.js";
import { findingLine, runCommand, type OutputFlags } from "./output.js";

interface PlanFlags extends OutputFlags {
  config?: string;
  output: string;
  offline?: boolean;
  releaseId?: string;
  releaseVersion?: string;
  datasetDir?: string;
  runDir?: string;
  modelDir?: string;
  demoDir?: string;
  paperDir?: string;
  modelRepo?: string;
  datasetRepo?: string;
  githubRepo?: string;
  tag?: string;
  evidenceTag?: string;
  paperUrl?: string;
  issueRef?: string[];
}

export function registerHub(program: Command): void {
  const hub = program.command("hub").description("release plans and publishing to the Hugging Face Hub and GitHub (docs/commands/hub.md)");

  withExamples(
    withOutputOptions(
      withSettingsOptions(
        hub
          .command("plan")
          .description("verify the release set as a release, then plan every file's destination, identity and public URL, with deletions and a platform-limit preflight; no credentials needed")
          .requiredOption("--output <file>", "where to write the plan (hub_release_plan.json)")
          .option("--offline", "do not read the Hub repositories' current files (no deletions can be planned)"),
      ),
    ),
    ["bindery hub plan --output hub_release_plan.json", "bindery hub plan --config bindery.yaml --offline --output plan.json --json"],
  ).action(async (flags: PlanFlags) => {
    await runCommand("bindery hub plan", flags, async () => {
      const [{ resolveSettings }, { planRelease }, { writeReport }, { verificationError }] = await Promise.all([
        import("../config/settings.js"),
        import("../hub/plan.js"),
        import("../evidence/envelope.js"),
        import("../evidence/rules/engine.js"),
      ]);
      const { config, output, offline, json: _json, quiet: _quiet, ...overrides } = flags;
      const settings = await resolveSettings(config, overrides);
      const result = await planRelease({ settings, offline: offline ?? false });
      if (!result.ok || !result.plan) {
        return {
          json: { ok: false, findings: result.findings },
          human: [...result.findings.map(findingLine), "FAIL  no plan was written"],
          failure: verificationError("the release plan", { ok: false, findings: result.findings }),
        };
      }
      const plan = result.plan;
      const identity = await writeReport(output, plan, "hub_release_plan.json");
      const f = plan.preflight.forecast;
      return {
        json: { ok: true, plan: identity, repos: plan.repos.map((r) => ({ repo: r.repo, type: r.repo_type, files: r.files.length, deletions: r.deletions.length })), releases: plan.releases.map((r) => ({ repo: r.repo, tag: r.tag, assets: r.assets.length })), forecast: f },
        human: [
          ...plan.repos.map((r) => `hub ${r.repo_type} ${r.repo}: ${plural(r.files.length, "file")}${r.deletions.length ? `, ${plural(r.deletions.length, "deletion")}` : ""}${r.remote.read ? "" : " (remote not read)"} at ${r.tag}`),
          ...plan.releases.map((r) => `github ${r.repo} release ${r.tag}: ${plural(r.assets.length, "asset")}`),
          `wrote ${output}: ${plural(f.files, "file")}, ${formatBytes(f.bytes)}, ${plural(f.lfs_files, "LFS file")}, ${plural(f.commits, "commit")}, about ${f.api_calls} API calls`,
        ],
      };
    });
  });
}
