/** `bindery hub plan`: the release plan (a dry run: which bytes go where), checked against platform limits. */
import type { Command } from "commander";
import { withExamples, withOutputOptions, withSettingsOptions } from "./common.js";
import { formatBytes, plural } from "./format.js";
import type { SettingOverrides } from "../config/settings.js";
import { findingLine, runCommand, type OutputFlags } from "./output.js";

interface PublishFlags extends OutputFlags {
  plan: string;
  output: string;
  config?: string;
}

/** The plan's own flags, and every release setting (withSettingsOptions). */
interface PlanFlags extends OutputFlags, SettingOverrides {
  config?: string;
  output: string;
  offline?: boolean;
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

  withExamples(
    withOutputOptions(
      hub
        .command("publish")
        .description("carry out a plan on the Hub and GitHub, resumably: upload only what is missing, one commit per repo on the reconciled parent, read back, tag; draft, check, publish the release")
        .requiredOption("--plan <file>", "the plan (hub_release_plan.json)")
        .requiredOption("--output <file>", "where to write the publish report (hub_publish_report.json); written in every case")
        .option("--config <file>", "bindery.yaml, whose directory the plan's package roots are relative to (default: ./bindery.yaml's, or the working directory)"),
    ),
    ["HF_TOKEN=hf_... GITHUB_TOKEN=... bindery hub publish --plan hub_release_plan.json --output hub_publish_report.json"],
  ).action(async (flags: PublishFlags) => {
    await runCommand("bindery hub publish", flags, async () => {
      const [{ publishPlan }, { hubReleasePlan }, { readReport, writeReport }, { identityOfBytes }, { BinderyError }, { existsSync }, path] = await Promise.all([
        import("../hub/publish.js"),
        import("../hub/schema.js"),
        import("../evidence/envelope.js"),
        import("../evidence/identity.js"),
        import("../evidence/errors.js"),
        import("node:fs"),
        import("node:path"),
      ]);
      const plan = await readReport(hubReleasePlan, flags.plan, flags.plan);
      const config = flags.config ?? (existsSync("bindery.yaml") ? "bindery.yaml" : undefined);
      if (flags.config && !existsSync(flags.config)) throw new BinderyError("INPUT_NOT_FOUND", `config file ${flags.config} does not exist.`);
      const base = config ? path.dirname(path.resolve(config)) : process.cwd();
      const { ok, report } = await publishPlan({ plan: plan.value, planIdentity: identityOfBytes(path.basename(flags.plan), plan.bytes), base });
      const identity = await writeReport(flags.output, report, "hub_publish_report.json");
      const counts = (["uploaded", "already_present", "deleted", "failed"] as const).map((o) => [o, report.files.filter((f) => f.outcome === o).length] as const);
      const summary = counts.filter(([, n]) => n > 0).map(([o, n]) => `${n} ${o.replace("_", " ")}`).join(", ");
      return {
        json: { ok, report: identity, counts: Object.fromEntries(counts), transfer: report.transfer, hub: report.hub, github: report.github, errors: report.errors },
        human: [
          ...report.hub.map((h) => `hub ${h.repo_type} ${h.repo}: ${h.commits.length ? `commit ${h.commits.at(-1)}` : "no commit needed"}, tag ${h.tag.name} ${h.tag.commit ? `on ${h.tag.commit.slice(0, 12)}${h.tag.created ? "" : " (already there)"}` : "not set"}`),
          ...report.github.map((g) => `github ${g.repo} release ${g.tag}: ${g.published ? "published" : "not published"}${g.immutable ? " (immutable)" : ""}${g.url ? ` ${g.url}` : ""}`),
          ...report.errors.map((e) => `  ${e}`),
          `${ok ? "OK  " : "FAIL"}  ${summary}; ${plural(report.transfer.bytes_sent, "byte")} sent in ${plural(report.transfer.requests, "request")} (${report.transfer.retries} retried); report ${flags.output}`,
        ],
        ...(ok ? {} : { failure: new BinderyError("PUBLISH_FAILED", `publishing did not complete: ${report.errors.length} error${report.errors.length === 1 ? "" : "s"} (${report.errors[0] ?? "see the report"}). Re-run the same command to resume; the report is ${flags.output}.`) }),
      };
    });
  });
}
