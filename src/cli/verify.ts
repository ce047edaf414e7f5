/** `bindery verify`: the release-set verifier, over every package of the release. */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { plural } from "./format.js";
import { findingLine, runCommand, type OutputFlags } from "./output.js";

interface VerifyFlags extends OutputFlags {
  config?: string;
  modelDir?: string;
  datasetDir?: string;
  demoDir?: string;
  paperDir?: string;
  runDir?: string;
  release?: boolean;
  allowPlaceholders?: boolean;
  report?: string;
  revocations?: string;
}

export function registerVerify(program: Command): void {
  withExamples(
    withOutputOptions(
      program
        .command("verify")
        .description("verify the whole release set: every package, and the cross-checks between them; findings grouped by package (docs/commands/verify.md)")
        .option("--config <file>", "bindery.yaml naming the package directories (default: ./bindery.yaml when present)")
        .option("--model-dir <dir>", "the model package (default: from the config)")
        .option("--dataset-dir <dir>", "the dataset package (default: from the config)")
        .option("--demo-dir <dir>", "the demo package (default: from the config)")
        .option("--paper-dir <dir>", "the paper directory (default: from the config; skipped when neither names one)")
        .option("--run-dir <dir>", "the packaged training run directory (default: from the config's packages.training)")
        .option("--release", "verify as a release: also refuse fixture evidence and require the dataset's provenance reports (placeholder text is refused with or without it)")
        .option("--allow-placeholders", "report placeholder wording (TODO, TBD, ...) as warnings, for a draft release")
        .option("--report <file>", "also write the verdict as a report (generated_by: bindery verify)")
        .option("--revocations <file>", "a revocation list (revocations.json, from bindery yank): a yanked model still verifies, with a MODEL_YANKED warning"),
    ),
    ["bindery verify --release", "bindery verify --model-dir release/model --dataset-dir release/dataset --demo-dir release/demo --paper-dir release/paper --json"],
  ).action(async (flags: VerifyFlags) => {
    await runCommand("bindery verify", flags, async () => {
      const [{ verifyRelease, buildReleaseReport }, { loadConfig }, { BinderyError }, { verificationError }, { writeReport }] = await Promise.all([
        import("../release/verify.js"),
        import("../config/config.js"),
        import("../evidence/errors.js"),
        import("../evidence/rules/engine.js"),
        import("../evidence/envelope.js"),
      ]);
      const { loadRevoked } = await import("../versioning/index-source.js");
      const loaded = await loadConfig(flags.config);
      const pick = (flag: string | undefined, fromConfig: string | undefined, name: string) => {
        const dir = flag ?? fromConfig;
        if (!dir) throw new BinderyError("USAGE", `no ${name} directory: pass --${name}-dir, or name it under packages: in bindery.yaml (--config).`);
        return dir;
      };
      const options = {
        modelDir: pick(flags.modelDir, loaded?.dirs.model, "model"),
        datasetDir: pick(flags.datasetDir, loaded?.dirs.dataset, "dataset"),
        demoDir: pick(flags.demoDir, loaded?.dirs.demo, "demo"),
        ...((flags.paperDir ?? loaded?.dirs.paper) ? { paperDir: (flags.paperDir ?? loaded?.dirs.paper)! } : {}),
        ...((flags.runDir ?? loaded?.dirs.training) ? { runDir: (flags.runDir ?? loaded?.dirs.training)! } : {}),
        ...(loaded ? { releaseId: loaded.config.release.id, version: loaded.config.release.version } : {}),
        release: flags.release ?? false,
        allowPlaceholders: flags.allowPlaceholders ?? false,
        revoked: await loadRevoked(flags.revocations),
      };
      const result = await verifyRelease(options);
      if (flags.report) await writeReport(flags.report, buildReleaseReport(result, { release: options.release }), "release_verify_report.json");
      const human: string[] = [];
      for (const p of result.packages.filter((x) => x.checked)) {
        human.push(`${p.ok ? "OK  " : "FAIL"}  ${p.package}${p.ok ? "" : `: ${plural(p.findings.filter((f) => f.severity === "error").length, "problem")}`}`);
        for (const f of p.findings) human.push(`  ${findingLine(f)}`);
      }
      const errors = result.findings.filter((f) => f.severity === "error").length;
      human.push(result.ok ? `OK  the release set verifies${options.release ? " as a release" : ""}` : `FAIL  ${plural(errors, "problem")} in the release set`);
      return {
        json: { ok: result.ok, release: options.release, packages: result.packages.filter((p) => p.checked).map((p) => ({ package: p.package, ok: p.ok, findings: p.findings })) },
        human,
        ...(result.ok ? {} : { failure: verificationError("the release set", { ok: false, findings: result.findings }) }),
      };
    });
  });
}
