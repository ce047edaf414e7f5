/** `bindery dataset snapshot|package|integrity|verify`: the dataset half of the evidence chain. */
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { BinderyError } from "../evidence/errors.js";
import { pathWithin } from "../evidence/paths.js";
import type { PackageDatasetResult } from "../dataset/package.js";
import type { SplitIntegrity } from "../dataset/schema.js";
import { withExamples, withOutputOptions } from "./common.js";
import { formatBytes, plural } from "./format.js";
import { findingLine, runCommand, type OutputFlags } from "./output.js";

interface SnapshotFlags extends OutputFlags {
  spec: string;
  checkSpec?: boolean;
  checkInputs?: boolean;
  inputsDir?: string;
  output?: string;
  datasetDir?: string;
  metadata?: string;
  overwrite?: boolean;
  allowPlaceholders?: boolean;
}

interface PackageFlags extends OutputFlags {
  datasetDir: string;
  metadata: string;
  allowPlaceholders?: boolean;
}

interface IntegrityFlags extends OutputFlags {
  datasetDir: string;
  metadata?: string;
  output?: string;
}

interface VerifyFlags extends OutputFlags {
  datasetDir: string;
  deep?: boolean;
  release?: boolean;
  allowPlaceholders?: boolean;
  report?: string;
}

function usage(command: string, message: string): BinderyError {
  return new BinderyError("USAGE", message, { hint: `Run \`${command} --help\` for usage.` });
}

/** Human lines summarizing a split integrity analysis. */
function integrityLines(integrity: SplitIntegrity): string[] {
  const lines = integrity.splits.map(
    (s) =>
      `  ${s.name}: ${plural(s.records, "record")} in ${plural(s.files.length, "file")}, ${plural(s.distinct_keys, "distinct key")}` +
      (s.duplicates.keys > 0 ? `, ${plural(s.duplicates.keys, "repeated key")}` : "") +
      (s.label_balance ? `; ${s.label_balance.classes.map((c) => `${c.label} ${c.records}`).join(", ")}` : ""),
  );
  for (const pair of integrity.leakage.pairs) {
    lines.push(`  leakage ${pair.splits.join("/")}: ${plural(pair.shared_keys, "shared key")} (${integrity.max_leakage} allowed)`);
  }
  return lines;
}

function packagedOutcome(result: PackageDatasetResult, verb: string) {
  const bytes = result.package.splits.reduce((sum, s) => sum + s.bytes, 0);
  const records = result.package.splits.reduce((sum, s) => sum + s.records, 0);
  const summary = `${verb} ${result.dir}: ${result.package.dataset.name} ${result.package.dataset.version}, ${plural(result.package.splits.length, "split")}, ${plural(records, "record")}, ${formatBytes(bytes)}`;
  return {
    json: {
      ok: result.ok,
      dir: result.dir,
      dataset: { name: result.package.dataset.name, version: result.package.dataset.version },
      splits: result.package.splits.map((s) => ({ name: s.name, records: s.records, bytes: s.bytes })),
      leakage: result.integrity.leakage.pairs.map((p) => ({ splits: p.splits, shared_keys: p.shared_keys })),
      files: result.files,
      findings: result.findings,
    },
    human: [summary, ...integrityLines(result.integrity), ...result.findings.map(findingLine), result.ok ? "OK  the package verifies" : "FAIL  the package was written, but it does not verify"],
  };
}

export function registerDataset(program: Command): void {
  const dataset = program
    .command("dataset")
    .description("snapshot, package and verify a dataset release (docs/commands/dataset.md)");

  withExamples(
    withOutputOptions(
      dataset
        .command("snapshot")
        .description(
          "build a dataset snapshot from a spec and staged upstream files, record where every byte came from, and package it",
        )
        .requiredOption("--spec <file>", "the dataset spec (YAML or JSON, kind: bindery/dataset-spec)")
        .option("--check-spec", "only validate the spec and print its canonical hash")
        .option("--check-inputs", "only check the staged inputs (with --inputs-dir) and write the report to --output")
        .option("--inputs-dir <dir>", "where the sources are staged (each under its spec `file` name)")
        .option("--output <file>", "with --check-inputs: where to write dataset_input_check_report.json")
        .option("--dataset-dir <dir>", "the dataset package directory to build")
        .option("--metadata <file>", "the dataset metadata (kind: bindery/dataset-metadata)")
        .option("--overwrite", "replace bindery's own files in a non-empty dataset directory (never anything else)")
        .option("--allow-placeholders", "accept placeholder wording (TODO, TBD, ...) in the metadata, as warnings, for a draft"),
    ),
    [
      "bindery dataset snapshot --spec dataset.yaml --check-spec",
      "bindery dataset snapshot --spec dataset.yaml --check-inputs --inputs-dir staged --output input-check.json",
      "bindery dataset snapshot --spec dataset.yaml --inputs-dir staged --dataset-dir release/dataset --metadata metadata.yaml",
    ],
  ).action(async (flags: SnapshotFlags) => {
    const command = "bindery dataset snapshot";
    await runCommand(command, flags, async ({ onProgress }) => {
      const { readDatasetSpec, specHash, readDatasetMetadata } = await import("../dataset/inputs.js");
      if (flags.checkSpec && flags.checkInputs) throw usage(command, "--check-spec and --check-inputs are different modes; give one.");
      if (flags.checkSpec) {
        const { checkSpec } = await import("../dataset/snapshot.js");
        const spec = await readDatasetSpec(flags.spec);
        checkSpec(spec);
        const hash = specHash(spec);
        const build = spec.build.files ? `a file map of ${plural(spec.build.files.length, "file")}` : `the command ${spec.build.command!.join(" ")}`;
        return {
          json: { ok: true, spec: flags.spec, spec_sha256: hash, dataset: { name: spec.name, version: spec.version }, sources: spec.sources.length },
          human: [`OK  ${flags.spec}: ${spec.name} ${spec.version}, ${plural(spec.sources.length, "source")}, built by ${build}`, `spec sha256 ${hash}`],
        };
      }
      if (!flags.inputsDir) throw usage(command, "--inputs-dir is required (or --check-spec to check only the spec).");
      const inputsDir = flags.inputsDir;
      if (flags.checkInputs) {
        if (!flags.output) throw usage(command, "--check-inputs needs --output FILE for dataset_input_check_report.json.");
        if (flags.datasetDir || flags.metadata) throw usage(command, "--check-inputs does not build: drop --dataset-dir and --metadata.");
        const [{ checkDatasetInputs }, { writeReport }, { verificationError }] = await Promise.all([
          import("../dataset/snapshot.js"),
          import("../evidence/envelope.js"),
          import("../evidence/rules/engine.js"),
        ]);
        const spec = await readDatasetSpec(flags.spec);
        const result = await checkDatasetInputs({ spec, inputsDir, ...(onProgress ? { onProgress } : {}) });
        await writeReport(flags.output, result.report, "dataset_input_check_report.json");
        const summary = `${plural(spec.sources.length, "source")} checked in ${inputsDir}; report written to ${flags.output}`;
        return {
          json: { ok: result.ok, output: flags.output, spec_sha256: result.report.spec_sha256, sources: result.report.sources, findings: result.findings },
          human: result.ok ? [`OK  ${summary}`] : [...result.findings.map(findingLine), `FAIL  ${summary}`],
          ...(result.ok ? {} : { failure: verificationError(inputsDir, { ok: false, findings: result.findings }) }),
        };
      }
      if (flags.output) throw usage(command, "--output is for --check-inputs; a snapshot writes into --dataset-dir.");
      if (!flags.datasetDir || !flags.metadata) throw usage(command, "a snapshot needs --dataset-dir and --metadata (or --check-spec / --check-inputs).");
      const [{ snapshotDataset }, { verificationError }] = await Promise.all([import("../dataset/snapshot.js"), import("../evidence/rules/engine.js")]);
      const spec = await readDatasetSpec(flags.spec);
      const metadata = await readDatasetMetadata(flags.metadata);
      const result = await snapshotDataset({
        spec,
        specDir: dirname(resolve(flags.spec)),
        inputsDir,
        datasetDir: flags.datasetDir,
        metadata,
        overwrite: flags.overwrite ?? false,
        allowPlaceholders: flags.allowPlaceholders ?? false,
        echo: !flags.quiet,
        ...(onProgress ? { onProgress } : {}),
      });
      const outcome = packagedOutcome(result, "snapshot");
      return {
        json: { ...outcome.json, spec_sha256: specHash(spec), snapshot_report: result.snapshot, input_check_report: result.inputCheck },
        human: outcome.human,
        ...(result.ok ? {} : { failure: verificationError(flags.datasetDir, result) }),
      };
    });
  });

  withExamples(
    withOutputOptions(
      dataset
        .command("package")
        .description(
          "write the manifest, split integrity, package JSON, data card, Croissant metadata and SHA256SUMS for a dataset directory, then verify them",
        )
        .requiredOption("--dataset-dir <dir>", "the dataset directory (payload files, and snapshot reports if any)")
        .requiredOption("--metadata <file>", "the dataset metadata (kind: bindery/dataset-metadata)")
        .option("--allow-placeholders", "accept placeholder wording (TODO, TBD, ...) in the metadata, as warnings, for a draft"),
    ),
    ["bindery dataset package --dataset-dir release/dataset --metadata metadata.yaml"],
  ).action(async (flags: PackageFlags) => {
    await runCommand("bindery dataset package", flags, async ({ onProgress }) => {
      const [{ readDatasetMetadata }, { packageDataset }, { verificationError }] = await Promise.all([
        import("../dataset/inputs.js"),
        import("../dataset/package.js"),
        import("../evidence/rules/engine.js"),
      ]);
      const metadata = await readDatasetMetadata(flags.metadata);
      const result = await packageDataset({
        dir: flags.datasetDir,
        metadata,
        allowPlaceholders: flags.allowPlaceholders ?? false,
        ...(onProgress ? { onProgress } : {}),
      });
      return { ...packagedOutcome(result, "packaged"), ...(result.ok ? {} : { failure: verificationError(flags.datasetDir, result) }) };
    });
  });

  withExamples(
    withOutputOptions(
      dataset
        .command("integrity")
        .description("count records and measure leakage, repeated keys and class balance per split (read-only unless --output)")
        .requiredOption("--dataset-dir <dir>", "the dataset directory")
        .option("--metadata <file>", "take key fields and splits from this metadata (default: the directory's dataset_package.json)")
        .option("--output <file>", "write the split_integrity.json report here"),
    ),
    [
      "bindery dataset integrity --dataset-dir release/dataset",
      "bindery dataset integrity --dataset-dir data --metadata metadata.yaml --output split_integrity.json",
    ],
  ).action(async (flags: IntegrityFlags) => {
    await runCommand("bindery dataset integrity", flags, async ({ onProgress }) => {
      const [{ readDatasetMetadata }, { datasetIntegrity }, { writeReport }, { checkFindings }, { verificationError }] = await Promise.all([
        import("../dataset/inputs.js"),
        import("../dataset/package.js"),
        import("../evidence/envelope.js"),
        import("../dataset/integrity.js"),
        import("../evidence/rules/engine.js"),
      ]);
      const metadata = flags.metadata ? await readDatasetMetadata(flags.metadata) : undefined;
      const report = await datasetIntegrity({ dir: flags.datasetDir, ...(metadata ? { metadata } : {}), ...(onProgress ? { onProgress } : {}) });
      if (flags.output) await writeReport(flags.output, report, "split_integrity.json");
      const findings = checkFindings(report.checks, flags.output ?? "split_integrity.json");
      const records = report.splits.reduce((sum, s) => sum + s.records, 0);
      const summary = `${flags.datasetDir}: ${plural(records, "record")} in ${plural(report.splits.length, "split")}${flags.output ? `; written to ${flags.output}` : ""}`;
      return {
        json: flags.output ? { ok: report.ok, output: flags.output, findings, report } : { ok: report.ok, findings, report },
        human: [...integrityLines(report), ...findings.map(findingLine), `${report.ok ? "OK" : "FAIL"}  ${summary}`],
        ...(report.ok ? {} : { failure: verificationError(flags.datasetDir, { ok: false, findings }) }),
      };
    });
  });

  withExamples(
    withOutputOptions(
      dataset
        .command("verify")
        .description(
          "check a dataset package against its bytes: checksums, identities, stale renders, counts, leakage and provenance reports; every finding is listed (exit 1)",
        )
        .requiredOption("--dataset-dir <dir>", "the dataset package directory")
        .option("--deep", "re-derive the whole split integrity analysis from the data (parses every record)")
        .option("--release", "a release gate: require the snapshot and input-check reports, refuse fixture evidence; implies --deep")
        .option("--allow-placeholders", "accept placeholder wording (TODO, TBD, ...) in the metadata, as warnings, for a draft")
        .option("--report <file>", "write a verification report here (outside the package); nothing is written without it"),
    ),
    [
      "bindery dataset verify --dataset-dir release/dataset",
      "bindery dataset verify --dataset-dir release/dataset --release --report dataset-verify.json --json",
    ],
  ).action(async (flags: VerifyFlags) => {
    const command = "bindery dataset verify";
    await runCommand(command, flags, async ({ onProgress }) => {
      if (flags.report && pathWithin(flags.datasetDir, flags.report) !== undefined) {
        throw usage(command, `--report ${flags.report} is inside the package, where it would be an unlisted file; write it elsewhere.`);
      }
      const [{ verifyDataset }, { verificationError }] = await Promise.all([import("../dataset/verify.js"), import("../evidence/rules/engine.js")]);
      const result = await verifyDataset({
        dir: flags.datasetDir,
        release: flags.release ?? false,
        deep: flags.deep ?? false,
        allowPlaceholders: flags.allowPlaceholders ?? false,
        ...(onProgress ? { onProgress } : {}),
      });
      if (flags.report) {
        const [{ buildReport, writeReport }, { datasetVerifyReport }] = await Promise.all([import("../evidence/envelope.js"), import("../dataset/schema.js")]);
        const report = buildReport(datasetVerifyReport, {
          inputs: result.files,
          body: {
            dataset: result.dataset,
            release: flags.release ?? false,
            checked: result.checked,
            findings: result.findings,
            ok: result.ok,
            checks: result.areas.map((a) => ({
              id: a.id,
              ok: a.ok,
              detail: a.ok ? `${a.id}: no problems.` : `${a.id}: ${plural(a.findings, "problem")} (${a.codes.join(", ")}).`,
              issue_refs: a.codes,
            })),
            blockers: result.findings.filter((f) => f.severity === "error").map((f) => f.message),
          },
        });
        await writeReport(flags.report, report, "dataset verification report");
      }
      const mode = [result.checked.deep ? "deep" : "", flags.release ? "release" : ""].filter(Boolean).join(", ");
      const summary = `${flags.datasetDir}: ${plural(result.checked.files, "file")} and ${plural(result.checked.records, "record")} checked${mode ? ` (${mode})` : ""}`;
      return {
        json: { ok: result.ok, dir: flags.datasetDir, dataset: result.dataset, release: flags.release ?? false, checked: result.checked, findings: result.findings, ...(flags.report ? { report: flags.report } : {}) },
        human: result.ok
          ? [`OK  ${summary}`, ...result.findings.map(findingLine)]
          : [...result.findings.map(findingLine), `FAIL  ${summary}`],
        ...(result.ok ? {} : { failure: verificationError(flags.datasetDir, result) }),
      };
    });
  });
}
