/** `bindery release candidate | replay`: proving a published release from its public bytes. */
import { Argument, type Command } from "commander";
import { collect, signerFromFlags, withExamples, withOutputOptions, withSettingsOptions, withSignerOptions, type SignerFlags } from "./common.js";
import { plural } from "./format.js";
import type { SettingOverrides } from "../config/settings.js";
import { runCommand, type OutputFlags } from "./output.js";
import { registerReleaseReplay } from "./release-replay.js";
import type { BumpKind } from "../versioning/bump.js";

interface CandidateFlags extends OutputFlags, SettingOverrides {
  config?: string;
  plan: string;
  publishReport?: string;
  suiteReport?: string;
  scope?: string[];
  output: string;
  skipPublicChecks?: boolean;
  allowFixture?: boolean;
}

export function registerRelease(program: Command): Command {
  const release = program.command("release").description("prove a published release: the release-candidate report and the clean-machine replay (docs/commands/release.md)");

  withExamples(
    withOutputOptions(
      withSettingsOptions(
        release
          .command("candidate")
          .description("fetch the public bytes anonymously and check them against the plan: links, file sets at the tag's commit, every file's sha256 and size; exit 0 only when ready")
          .requiredOption("--plan <file>", "the plan that was published (hub_release_plan.json); embedded whole in the report")
          .option("--publish-report <file>", "the publish report (hub_publish_report.json): its tags must be the tags found")
          .option("--scope <file>", "a scope decision (bindery scope accept) for a target bindery.yaml declares: its row shows as rescoped, never as passed (repeatable)", collect)
          .option("--suite-report <file>", "suite_report.json (bindery suite --execute): the metrics files the model's eval_metrics.json cites must be outputs it recorded, by sha256")
          .requiredOption("--output <file>", "where to write release_candidate_report.json")
          .option("--skip-public-checks", "make no request (only with --allow-fixture; the report is then never ready)")
          .option("--allow-fixture", "allow a fixture candidate (with --skip-public-checks)"),
      ),
    ),
    ["bindery release candidate --plan hub_release_plan.json --publish-report hub_publish_report.json --output release_candidate_report.json"],
  ).action(async (flags: CandidateFlags) => {
    await runCommand("bindery release candidate", flags, async () => {
      const [{ resolveSettings }, { releaseCandidate }, { writeReport }, { BinderyError }] = await Promise.all([
        import("../config/settings.js"),
        import("../release/candidate.js"),
        import("../evidence/envelope.js"),
        import("../evidence/errors.js"),
      ]);
      const { config, plan, publishReport, suiteReport, scope, output, skipPublicChecks, allowFixture, json: _j, quiet: _q, ...overrides } = flags;
      const settings = await resolveSettings(config, overrides);
      const report = await releaseCandidate({
        settings,
        planFile: plan,
        ...(publishReport ? { publishReportFile: publishReport } : {}),
        ...(suiteReport ? { suiteReportFile: suiteReport } : {}),
        ...(scope ? { scopeFiles: scope } : {}),
        skipPublicChecks: skipPublicChecks ?? false,
        allowFixture: allowFixture ?? false,
      });
      const identity = await writeReport(output, report, "release_candidate_report.json");
      const failed = report.checks.filter((c) => !c.ok);
      return {
        json: { ready: report.ready, report: identity, checks: report.checks, blockers: report.blockers },
        human: [
          ...report.checks.map((c) => `${report.rescoped?.includes(c.id) ? "RESC" : c.ok ? "OK  " : "FAIL"}  ${c.id}: ${c.detail}${c.issue_refs.length ? ` (${c.issue_refs.join(", ")})` : ""}`),
          `${report.ready ? "READY" : "NOT READY"}  ${report.release.id} at ${report.release.tag}: ${plural(report.downloads.length, "file")} downloaded and hashed; report ${output}`,
        ],
        ...(report.ready
          ? {}
          : { failure: new BinderyError("REPORT_NOT_OK", `the release is not ready: ${plural(failed.length, "readiness row")} failed (${failed.map((c) => c.id).join(", ")}). The report is ${output}.`) }),
      };
    });
  });
  registerReleaseReplay(release);

  withExamples(
    withOutputOptions(
      release
        .command("bump")
        .description("cut a version: the next version by npm's rules into package.json (and package-lock.json beside it), and [Unreleased] rolled into ## [NEW] - DATE; a GA release folds in its pre-releases' sections; every file checked before any is written")
        .addArgument(new Argument("<kind>", "which number to bump").choices(["major", "minor", "patch", "prerelease"] satisfies BumpKind[]))
        .option("--preid <id>", "with prerelease: the pre-release identifier (1.2.3 becomes 1.2.4-rc.0 with rc, 1.2.4-0 without)")
        .option("--package <file>", "package.json; package-lock.json beside it is updated too", "package.json")
        .option("--changelog <file>", "the changelog (Keep a Changelog; it must pass `bindery changelog check`)", "CHANGELOG.md")
        .option("--date <YYYY-MM-DD>", "the release date (default: today, UTC)")
        .option("--allow-empty", "release even when [Unreleased] lists no change")
        .option("--dry-run", "compute and check everything, print the new section, write nothing"),
    ),
    ["bindery release bump minor --dry-run", "bindery release bump prerelease --preid rc", "bindery release bump patch --date 2026-03-01 --json"],
  ).action(async (kind: BumpKind, flags: BumpFlags) => {
    await runCommand("bindery release bump", flags, async () => {
      const { bumpRelease } = await import("../versioning/bump.js");
      const result = await bumpRelease({
        kind,
        packageFile: flags.package,
        changelogFile: flags.changelog,
        ...(flags.preid !== undefined ? { preid: flags.preid } : {}),
        ...(flags.date !== undefined ? { date: flags.date } : {}),
        allowEmpty: flags.allowEmpty ?? false,
        dryRun: flags.dryRun ?? false,
      });
      const changed = (file: string) => `${file}: version ${result.from} -> ${result.to}`;
      const summary = [
        changed(result.packageFile),
        ...(result.lockFile ? [changed(result.lockFile)] : []),
        `${result.changelogFile}: [Unreleased] -> [${result.to}] - ${result.date}${result.folded.length ? `, folding in ${result.folded.join(", ")}` : ""}${result.links ? "; compare links moved on" : ""}`,
      ];
      return {
        json: { ok: true, from: result.from, to: result.to, date: result.date, package: result.packageFile, lock: result.lockFile, changelog: result.changelogFile, folded: result.folded, section: result.section, dry_run: result.dryRun },
        human: result.dryRun
          ? [...summary, "", ...result.section.trimEnd().split("\n"), "", `dry run: ${result.from} -> ${result.to} (${kind}); nothing was written`]
          : [...summary.map((line) => `wrote ${line}`), `OK  ${result.from} -> ${result.to} (${kind})`],
      };
    });
  });

  withExamples(
    withOutputOptions(
      release
        .command("publication")
        .description("bind the plan, publish report, candidate report and replay report by identity and check they agree file by file; exit 1 with every issue")
        .requiredOption("--plan <file>", "hub_release_plan.json")
        .requiredOption("--candidate <file>", "release_candidate_report.json")
        .requiredOption("--publish-report <file>", "hub_publish_report.json")
        .requiredOption("--replay-report <file>", "clean_machine_demo_report.json")
        .requiredOption("--output <file>", "where to write publication_evidence_report.json")
        .option("--config <file>", "bindery.yaml, for issue_refs (default: ./bindery.yaml when present)")
        .option("--assets <file>", "also write publication_evidence_assets.json: the evidence files to publish, with their identities and asset names")
        .option("--upload", "publish the evidence files to the evidence release (github.evidence_tag) and check them back by digest; needs GITHUB_TOKEN")
        .option("--signatures <dir>", "also publish this `bindery sign --from-publication` directory (signatures.json, the bundles, an attestation) with the evidence"),
    ),
    ["bindery release publication --plan hub_release_plan.json --candidate release_candidate_report.json --publish-report hub_publish_report.json --replay-report replay/clean_machine_demo_report.json --output publication_evidence_report.json"],
  ).action(async (flags: PublicationFlags) => {
    await runCommand("bindery release publication", flags, async () => {
      const [{ releasePublication }, { loadConfig }, { writeReport }, { BinderyError }] = await Promise.all([
        import("../release/publication.js"),
        import("../config/config.js"),
        import("../evidence/envelope.js"),
        import("../evidence/errors.js"),
      ]);
      const loaded = await loadConfig(flags.config);
      const report = await releasePublication({
        plan: flags.plan,
        candidate: flags.candidate,
        publishReport: flags.publishReport,
        replay: flags.replayReport,
        issueRefs: loaded?.config.issue_refs ?? {},
      });
      // An unchanged publication keeps its recorded time, so a re-run (say, with --upload after
      // signing) writes the same bytes and the signatures over them still hold.
      const { keepRecordedTime } = await import("../release/publication.js");
      await keepRecordedTime(flags.output, report);
      const identity = await writeReport(flags.output, report, "publication_evidence_report.json");
      const evidence: string[] = [];
      let uploaded: { published: boolean; url: string | null; errors: string[] } | undefined;
      if (flags.assets || flags.upload) {
        const [{ evidenceAssets, uploadEvidence }, { readReport }, { hubReleasePlan }, { writeFileAtomic }, { prettyJson }] = await Promise.all([
          import("../release/evidence.js"),
          import("../evidence/envelope.js"),
          import("../hub/schema.js"),
          import("../evidence/atomic.js"),
          import("../evidence/canonical-json.js"),
        ]);
        const assets = await evidenceAssets({ plan: flags.plan, publishReport: flags.publishReport, candidate: flags.candidate, replay: flags.replayReport, publication: flags.output, ...(flags.signatures ? { signatures: flags.signatures } : {}) });
        if (flags.assets) {
          await writeFileAtomic(flags.assets, prettyJson({ evidence_release: report.evidence_release, assets: assets.map((a) => ({ name: a.name, sha256: a.identity.sha256, size: a.identity.size })) }));
          evidence.push(`wrote ${flags.assets}: ${assets.length} evidence files for ${report.evidence_release.assets_url}`);
        }
        if (flags.upload) {
          if (!report.ok) throw new BinderyError("REPORT_NOT_OK", `the reports do not agree (${report.issues.map((i) => i.id).join(", ")}), so no evidence was uploaded. The report is ${flags.output}.`);
          const token = process.env.GITHUB_TOKEN;
          if (!token) throw new BinderyError("CREDENTIALS_MISSING", "GITHUB_TOKEN is not set; --upload needs it (credentials come only from the environment).", { exitCode: 3 });
          const plan = (await readReport(hubReleasePlan, flags.plan, flags.plan)).value;
          const outcome = await uploadEvidence({ plan, publication: report, assets, token });
          uploaded = { published: outcome.published, url: outcome.url, errors: [...outcome.errors, ...outcome.files.filter((f) => f.outcome === "failed").map((f) => f.error ?? "failed")] };
          evidence.push(outcome.published ? `uploaded the evidence to release ${report.evidence_release.tag}: ${outcome.url}` : `the evidence upload did not complete: ${uploaded.errors.join(" ")}`);
          if (!outcome.published) throw new BinderyError("PUBLISH_FAILED", `the evidence upload to ${report.evidence_release.tag} did not complete: ${uploaded.errors[0] ?? "see the errors"}. Re-run to resume.`);
        }
      }
      return {
        json: { ok: report.ok, report: identity, checks: report.checks, issues: report.issues, ...(uploaded ? { upload: uploaded } : {}) },
        human: [
          ...report.checks.map((c) => `${c.ok ? "OK  " : "FAIL"}  ${c.id}: ${c.detail}${c.issue_refs.length ? ` (${c.issue_refs.join(", ")})` : ""}`),
          `${report.ok ? "OK  " : "FAIL"}  publication of ${report.release.id} (${report.release.tag}): ${report.files.length} files bound; report ${flags.output}`,
          ...evidence,
        ],
        ...(report.ok ? {} : { failure: new BinderyError("REPORT_NOT_OK", `the reports do not agree: ${report.issues.map((i) => i.id).join(", ")}. The report is ${flags.output}.`) }),
      };
    });
  });
  withExamples(
    withOutputOptions(
      withSignerOptions(
        release
          .command("audit")
          .description("the auditor's check, from the publication report alone: fetch the evidence it binds, check the binding chain, re-check the public file sets and every file's bytes anonymously")
          .requiredOption("--publication <url|file>", "publication_evidence_report.json: its URL in the evidence release, or a file")
          .option("--output <file>", "also write the audit as a report (release_audit_report.json)")
          .option("--config <file>", "bindery.yaml: its signing section names the expected signer (default: ./bindery.yaml when present)"),
      ),
    ),
    ["bindery release audit --publication https://github.com/OWNER/REPO/releases/download/v0.1.0-evidence/publication_evidence_report.json"],
  ).action(async (flags: AuditFlags) => {
    await runCommand("bindery release audit", flags, async () => {
      const [{ auditPublication }, { writeReport }, { verificationError }, { storedFinding }] = await Promise.all([
        import("../release/audit.js"),
        import("../evidence/envelope.js"),
        import("../evidence/rules/engine.js"),
        import("../release/replay.js"),
      ]);
      const { findingLine } = await import("./output.js");
      const [{ loadConfig }, { signerFromConfig }] = await Promise.all([import("../config/config.js"), import("../release/audit-signatures.js")]);
      const signer = { ...signerFromConfig(await loadConfig(flags.config)), ...(await signerFromFlags(flags)) };
      const report = await auditPublication({ publication: flags.publication, signer });
      const findings = report.findings.map(storedFinding);
      if (flags.output) await writeReport(flags.output, report, "release_audit_report.json");
      return {
        json: { ok: report.ok, checks: report.checks, findings: report.findings },
        human: [
          ...report.checks.map((c) => `${c.ok ? "OK  " : "FAIL"}  ${c.id}: ${c.detail}`),
          ...findings.map((f) => `  ${findingLine(f)}`),
          report.ok ? "OK  the publication holds: evidence, binding chain, public file sets and bytes" : `FAIL  ${report.findings.length} problems`,
        ],
        ...(report.ok ? {} : { failure: verificationError("the audit", { ok: false, findings }) }),
      };
    });
  });
  return release;
}

interface BumpFlags extends OutputFlags {
  preid?: string;
  package: string;
  changelog: string;
  date?: string;
  allowEmpty?: boolean;
  dryRun?: boolean;
}

interface AuditFlags extends OutputFlags, SignerFlags {
  publication: string;
  output?: string;
  config?: string;
}

interface PublicationFlags extends OutputFlags {
  assets?: string;
  upload?: boolean;
  plan: string;
  candidate: string;
  publishReport: string;
  replayReport: string;
  output: string;
  config?: string;
  signatures?: string;
}
